#include "state/change_set.h"

#include <algorithm>

namespace ferris::state {

void ChangeSet::StoreLog::append(ChangeKind kind, std::string_view key, std::string_view value) {
    Record record;
    record.offset = bytes.size();
    record.keySize = static_cast<uint32_t>(key.size());
    record.valueSize = static_cast<uint32_t>(value.size());
    record.kind = kind;
    if (sorted && !records.empty() && !(this->key(records.back()) < key)) sorted = false;
    bytes += key;
    bytes += value;
    records.push_back(record);
}

void ChangeSet::StoreLog::settle() {
    if (sorted) return;
    std::stable_sort(records.begin(), records.end(),
                     [&](const Record& a, const Record& b) { return key(a) < key(b); });
    // Of records with one key, the last written stays.
    size_t kept = 0;
    for (size_t i = 0; i < records.size(); ++i) {
        if (i + 1 < records.size() && key(records[i]) == key(records[i + 1])) continue;
        records[kept++] = records[i];
    }
    records.resize(kept);
    sorted = true;
}

void ChangeSet::put(StoreId storeId, std::string_view key, std::string_view value) {
    stores_[storeId].append(ChangeKind::kPut, key, value);
}

void ChangeSet::erase(StoreId storeId, std::string_view key) {
    stores_[storeId].append(ChangeKind::kErase, key, {});
}

void ChangeSet::merge(ChangeSet&& newer) {
    if (&newer == this) return;
    for (auto& [storeId, log] : newer.stores_) {
        auto mine = stores_.find(storeId);
        if (mine == stores_.end()) {
            stores_.emplace(storeId, std::move(log));
            continue;
        }
        for (const Record& record : log.records) {
            mine->second.append(record.kind, log.key(record), log.value(record));
        }
    }
    newer.clear();
}

const ChangeSet::StoreLog* ChangeSet::settled(StoreId storeId) const {
    auto it = stores_.find(storeId);
    if (it == stores_.end()) return nullptr;
    it->second.settle();
    return &it->second;
}

size_t ChangeSet::size() const {
    size_t total = 0;
    for (const auto& [storeId, log] : stores_) total += size(storeId);
    return total;
}

size_t ChangeSet::size(StoreId storeId) const {
    const StoreLog* log = settled(storeId);
    return log == nullptr ? 0 : log->records.size();
}

size_t ChangeSet::bytes() const {
    size_t total = 0;
    for (const auto& [storeId, unused] : stores_) {
        for (const Record& record : settled(storeId)->records) {
            total += kRecordOverhead + record.keySize + record.valueSize;
        }
    }
    return total;
}

std::vector<StoreId> ChangeSet::storeIds() const {
    std::vector<StoreId> ids;
    ids.reserve(stores_.size());
    for (const auto& [storeId, log] : stores_) ids.push_back(storeId);
    return ids;
}

std::vector<ChangeView> ChangeSet::sorted(StoreId storeId) const {
    std::vector<ChangeView> views;
    const StoreLog* log = settled(storeId);
    if (log == nullptr) return views;
    views.reserve(log->records.size());
    for (const Record& record : log->records) {
        views.push_back(ChangeView{record.kind, log->key(record), log->value(record)});
    }
    return views;
}

std::optional<ChangeView> ChangeSet::find(StoreId storeId, std::string_view key) const {
    const StoreLog* log = settled(storeId);
    if (log == nullptr) return std::nullopt;
    auto it = std::lower_bound(log->records.begin(), log->records.end(), key,
                               [&](const Record& record, std::string_view k) { return log->key(record) < k; });
    if (it == log->records.end() || log->key(*it) != key) return std::nullopt;
    return ChangeView{it->kind, log->key(*it), log->value(*it)};
}

void ChangeSet::clear() { stores_.clear(); }

}  // namespace ferris::state
