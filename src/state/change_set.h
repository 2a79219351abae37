#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
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
///
/// Each store's records are appended to a log (their bytes to one buffer: no allocation per
/// record); the log is sorted by key and the superseded records dropped when it is read.
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

    /// Approximate memory the records in force take: keys, values and a fixed overhead each.
    size_t bytes() const;
    void clear();

    /// Bytes charged per record on top of its key and value.
    static constexpr size_t kRecordOverhead = 24;

private:
    struct Record {
        size_t offset = 0;  ///< of the key in the log's bytes; the value follows it
        uint32_t keySize = 0;
        uint32_t valueSize = 0;
        ChangeKind kind = ChangeKind::kPut;
    };
    struct StoreLog {
        std::string bytes;
        std::vector<Record> records;  ///< in append order, or sorted with one per key
        bool sorted = true;

        std::string_view key(const Record& record) const {
            return std::string_view(bytes).substr(record.offset, record.keySize);
        }
        std::string_view value(const Record& record) const {
            return std::string_view(bytes).substr(record.offset + record.keySize, record.valueSize);
        }
        void append(ChangeKind kind, std::string_view key, std::string_view value);
        /// Sorts the records by key (stable: later writes after earlier ones) and keeps the
        /// last per key.
        void settle();
    };

    /// The store's log, settled (the logs are mutable: reading settles them).
    const StoreLog* settled(StoreId storeId) const;

    mutable std::map<StoreId, StoreLog> stores_;
};

}  // namespace ferris::state
