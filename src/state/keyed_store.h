#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

#include "state/change_set.h"

namespace ferris::state {

/// Called for each entry of a scan; return false to stop the scan.
using ScanVisitor = std::function<bool(std::string_view key, std::string_view value)>;

/// One stateful operator's keyed state: byte-string keys and values in one namespace (the
/// store id), with ordered prefix scans. The store remembers which keys changed since the
/// last takeChanges(), so a checkpoint writes only the changes. The one state store interface
/// of DESIGN.md §2.2; operators never see how or where it is persisted.
class KeyedStore {
public:
    virtual ~KeyedStore() = default;

    /// The namespace this store writes its changes under.
    virtual StoreId id() const = 0;

    /// The value of `key`, or nullopt. The view is valid until the store is next modified.
    virtual std::optional<std::string_view> get(std::string_view key) const = 0;
    /// Sets `key` to `value` (inserting or overwriting) and records the change.
    virtual void put(std::string_view key, std::string_view value) = 0;
    /// Removes `key`; returns whether it existed. Records the change when it did.
    virtual bool erase(std::string_view key) = 0;
    /// Visits the entries whose key starts with `prefix` in ascending bytewise key order until
    /// `visit` returns false. An empty prefix visits everything. The store must not be
    /// modified during the scan.
    virtual void scanPrefix(std::string_view prefix, const ScanVisitor& visit) const = 0;

    /// Number of entries.
    virtual size_t size() const = 0;
    /// Approximate memory held (entries and change tracking), for `max.memory.mb`.
    virtual size_t bytes() const = 0;

    /// Whether anything changed since the last takeChanges().
    virtual bool hasChanges() const = 0;
    /// The changes since the last call (the last write per key; a put-then-erase is an
    /// erase), and forgets them.
    virtual ChangeSet takeChanges() = 0;

    /// Removes every entry, recording an erase for each (a logical delete that checkpoints).
    virtual void clear() = 0;
    /// Drops every entry and every pending change without recording anything: the first step
    /// of restoring from a checkpoint.
    virtual void discard() = 0;
    /// Sets `key` to `value` without recording a change: loads checkpointed state.
    virtual void restore(std::string_view key, std::string_view value) = 0;
};

/// The in-memory KeyedStore: a sorted map (ordered scans need no sort) plus the set of keys
/// changed since the last checkpoint; a change's value is read from the map when the changes
/// are taken, so nothing is copied twice.
class MemoryKeyedStore final : public KeyedStore {
public:
    explicit MemoryKeyedStore(StoreId id) : id_(id) {}

    StoreId id() const override { return id_; }
    std::optional<std::string_view> get(std::string_view key) const override;
    void put(std::string_view key, std::string_view value) override;
    bool erase(std::string_view key) override;
    void scanPrefix(std::string_view prefix, const ScanVisitor& visit) const override;
    size_t size() const override { return entries_.size(); }
    size_t bytes() const override { return entryBytes_ + changedBytes_; }
    bool hasChanges() const override { return !changed_.empty(); }
    ChangeSet takeChanges() override;
    void clear() override;
    void discard() override;
    void restore(std::string_view key, std::string_view value) override;

    /// Bytes charged per entry on top of its key and value (tree node, two strings).
    static constexpr size_t kEntryOverhead = 96;
    /// Bytes charged per changed key on top of the key (hash node, one string).
    static constexpr size_t kChangedKeyOverhead = 64;

private:
    void markChanged(std::string_view key);
    void set(std::string_view key, std::string_view value);

    StoreId id_;
    std::map<std::string, std::string, std::less<>> entries_;
    std::unordered_set<std::string, TransparentStringHash, std::equal_to<>> changed_;
    size_t entryBytes_ = 0;
    size_t changedBytes_ = 0;
};

}  // namespace ferris::state
