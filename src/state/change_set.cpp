#include "state/change_set.h"

#include <algorithm>

namespace ferris::state {

void ChangeSet::put(StoreId storeId, std::string_view key, std::string_view value) {
    set(storeId, key, value);
}

void ChangeSet::erase(StoreId storeId, std::string_view key) { set(storeId, key, std::nullopt); }

void ChangeSet::set(StoreId storeId, std::string_view key, std::optional<std::string_view> value) {
    StoreChanges& changes = stores_[storeId];
    auto it = changes.find(key);
    if (it == changes.end()) {
        it = changes.emplace(std::string(key), std::nullopt).first;
    } else {
        bytes_ -= recordBytes(it->first, it->second);
    }
    if (value) {
        it->second.emplace(*value);
    } else {
        it->second.reset();
    }
    bytes_ += recordBytes(it->first, it->second);
}

void ChangeSet::merge(ChangeSet&& newer) {
    if (&newer == this) return;
    for (auto& [storeId, newerChanges] : newer.stores_) {
        auto mine = stores_.find(storeId);
        if (mine == stores_.end()) {
            stores_.emplace(storeId, std::move(newerChanges));
            continue;
        }
        for (auto& [key, value] : newerChanges) {
            auto it = mine->second.find(key);
            if (it == mine->second.end()) {
                mine->second.emplace(key, std::move(value));
            } else {
                bytes_ -= recordBytes(it->first, it->second);
                it->second = std::move(value);
            }
        }
    }
    // Every record of `newer` is now held here, once; replaced records were subtracted above.
    bytes_ += newer.bytes_;
    newer.clear();
}

size_t ChangeSet::size() const {
    size_t total = 0;
    for (const auto& [storeId, changes] : stores_) total += changes.size();
    return total;
}

size_t ChangeSet::size(StoreId storeId) const {
    auto it = stores_.find(storeId);
    return it == stores_.end() ? 0 : it->second.size();
}

std::vector<StoreId> ChangeSet::storeIds() const {
    std::vector<StoreId> ids;
    ids.reserve(stores_.size());
    for (const auto& [storeId, changes] : stores_) ids.push_back(storeId);
    return ids;
}

std::vector<ChangeView> ChangeSet::sorted(StoreId storeId) const {
    std::vector<ChangeView> views;
    auto store = stores_.find(storeId);
    if (store == stores_.end()) return views;
    views.reserve(store->second.size());
    for (const auto& [key, value] : store->second) {
        views.push_back(value ? ChangeView{ChangeKind::kPut, key, *value}
                              : ChangeView{ChangeKind::kErase, key, {}});
    }
    std::sort(views.begin(), views.end(),
              [](const ChangeView& a, const ChangeView& b) { return a.key < b.key; });
    return views;
}

std::optional<ChangeView> ChangeSet::find(StoreId storeId, std::string_view key) const {
    auto store = stores_.find(storeId);
    if (store == stores_.end()) return std::nullopt;
    auto it = store->second.find(key);
    if (it == store->second.end()) return std::nullopt;
    if (!it->second) return ChangeView{ChangeKind::kErase, it->first, {}};
    return ChangeView{ChangeKind::kPut, it->first, *it->second};
}

void ChangeSet::clear() {
    stores_.clear();
    bytes_ = 0;
}

}  // namespace ferris::state
