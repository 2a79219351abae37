#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ferris::state {

/// Names one stateful operator's keyed store (its namespace) within a job; assigned by the
/// planner in plan order and stable for as long as the state fingerprint is.
using StoreId = uint32_t;

/// What a change record does to its key. The values are written into state files.
enum class ChangeKind : uint8_t {
    kPut = 1,    ///< the key now holds the record's value
    kErase = 2,  ///< the key no longer exists (the record's value is empty)
};

/// One change, viewing bytes owned by the ChangeSet it came from.
struct ChangeView {
    ChangeKind kind;
    std::string_view key;
    std::string_view value;  ///< empty for kErase
};

/// Hash for string-keyed containers that accept std::string_view look-ups.
struct TransparentStringHash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};

/// The changes to a job's keyed state since its last checkpoint: (store id, key, value | erase)
/// records with the last write per (store, key) winning — an erase after a put is an erase.
/// A checkpoint writes one ChangeSet. Keyed stores produce one (KeyedStore::takeChanges);
/// operators that keep typed in-memory state record their changes here directly.
class ChangeSet {
public:
    /// Records that `key` of store `storeId` now holds `value`.
    void put(StoreId storeId, std::string_view key, std::string_view value);
    /// Records that `key` of store `storeId` no longer exists.
    void erase(StoreId storeId, std::string_view key);
    /// Adds `newer`'s changes on top of these: where both hold a key, `newer` wins.
    void merge(ChangeSet&& newer);

    bool empty() const { return stores_.empty(); }
    /// Number of (store, key) records.
    size_t size() const;
    /// Number of records of one store.
    size_t size(StoreId storeId) const;
    /// Stores with at least one change, ascending.
    std::vector<StoreId> storeIds() const;
    /// One store's changes, sorted by key (bytewise); views stay valid until this set changes.
    std::vector<ChangeView> sorted(StoreId storeId) const;
    /// The change recorded for one key, if any.
    std::optional<ChangeView> find(StoreId storeId, std::string_view key) const;

    /// Approximate memory held: keys, values and a fixed overhead per record.
    size_t bytes() const { return bytes_; }
    void clear();

    /// Bytes charged per record on top of its key and value (hash node, two strings).
    static constexpr size_t kRecordOverhead = 96;

private:
    /// nullopt = erase.
    using StoreChanges = std::unordered_map<std::string, std::optional<std::string>,
                                            TransparentStringHash, std::equal_to<>>;

    static size_t recordBytes(std::string_view key, const std::optional<std::string>& value) {
        return kRecordOverhead + key.size() + (value ? value->size() : 0);
    }
    void set(StoreId storeId, std::string_view key, std::optional<std::string_view> value);

    std::map<StoreId, StoreChanges> stores_;
    size_t bytes_ = 0;
};

}  // namespace ferris::state
