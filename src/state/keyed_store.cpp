#include "state/keyed_store.h"

namespace ferris::state {

std::optional<std::string_view> MemoryKeyedStore::get(std::string_view key) const {
    auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    return std::string_view(it->second);
}

void MemoryKeyedStore::set(std::string_view key, std::string_view value) {
    auto it = entries_.lower_bound(key);
    if (it != entries_.end() && it->first == key) {
        entryBytes_ = entryBytes_ - it->second.size() + value.size();
        it->second.assign(value);
        return;
    }
    entries_.emplace_hint(it, std::string(key), std::string(value));
    entryBytes_ += kEntryOverhead + key.size() + value.size();
}

void MemoryKeyedStore::put(std::string_view key, std::string_view value) {
    set(key, value);
    markChanged(key);
}

bool MemoryKeyedStore::erase(std::string_view key) {
    auto it = entries_.find(key);
    if (it == entries_.end()) return false;
    entryBytes_ -= kEntryOverhead + it->first.size() + it->second.size();
    entries_.erase(it);
    markChanged(key);
    return true;
}

void MemoryKeyedStore::scanPrefix(std::string_view prefix, const ScanVisitor& visit) const {
    for (auto it = entries_.lower_bound(prefix); it != entries_.end(); ++it) {
        if (std::string_view(it->first).substr(0, prefix.size()) != prefix) return;
        if (!visit(it->first, it->second)) return;
    }
}

void MemoryKeyedStore::markChanged(std::string_view key) {
    if (changed_.contains(key)) return;
    changed_.emplace(key);
    changedBytes_ += kChangedKeyOverhead + key.size();
}

ChangeSet MemoryKeyedStore::takeChanges() {
    ChangeSet changes;
    for (const std::string& key : changed_) {
        auto it = entries_.find(key);
        if (it == entries_.end()) {
            changes.erase(id_, key);
        } else {
            changes.put(id_, key, it->second);
        }
    }
    changed_.clear();
    changedBytes_ = 0;
    return changes;
}

void MemoryKeyedStore::clear() {
    for (const auto& [key, value] : entries_) markChanged(key);
    entries_.clear();
    entryBytes_ = 0;
}

void MemoryKeyedStore::discard() {
    entries_.clear();
    changed_.clear();
    entryBytes_ = 0;
    changedBytes_ = 0;
}

void MemoryKeyedStore::restore(std::string_view key, std::string_view value) { set(key, value); }

}  // namespace ferris::state
