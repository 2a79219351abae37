// Keyed state (src/state/keyed_store.h, src/state/change_set.h): get/put/erase, ordered
// prefix scans, change tracking (last write per key wins, put-then-erase is an erase),
// memory accounting, and the ChangeSet operators use on their own.

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "state/change_set.h"
#include "state/keyed_store.h"

namespace ferris::state {
namespace {

using Entry = std::pair<std::string, std::string>;
/// (kind, key, value) of a change, owning its bytes.
using Record = std::tuple<ChangeKind, std::string, std::string>;

std::vector<Entry> scan(const KeyedStore& store, std::string_view prefix) {
    std::vector<Entry> entries;
    store.scanPrefix(prefix, [&](std::string_view key, std::string_view value) {
        entries.emplace_back(key, value);
        return true;
    });
    return entries;
}

std::vector<Record> records(const ChangeSet& changes, StoreId storeId) {
    std::vector<Record> out;
    for (const ChangeView& change : changes.sorted(storeId)) {
        out.emplace_back(change.kind, std::string(change.key), std::string(change.value));
    }
    return out;
}

constexpr ChangeKind kPut = ChangeKind::kPut;
constexpr ChangeKind kErase = ChangeKind::kErase;

// ---- MemoryKeyedStore: contents ------------------------------------------------------------

TEST(MemoryKeyedStoreTest, GetPutEraseOverwrite) {
    MemoryKeyedStore store(7);
    EXPECT_EQ(store.id(), 7u);
    EXPECT_EQ(store.size(), 0u);
    EXPECT_EQ(store.get("a"), std::nullopt);

    store.put("a", "1");
    store.put("b", "2");
    EXPECT_EQ(store.size(), 2u);
    EXPECT_EQ(store.get("a"), std::optional<std::string_view>("1"));
    EXPECT_EQ(store.get("b"), std::optional<std::string_view>("2"));

    store.put("a", "one");
    EXPECT_EQ(store.size(), 2u);
    EXPECT_EQ(store.get("a"), std::optional<std::string_view>("one"));

    EXPECT_TRUE(store.erase("a"));
    EXPECT_FALSE(store.erase("a"));
    EXPECT_FALSE(store.erase("never"));
    EXPECT_EQ(store.get("a"), std::nullopt);
    EXPECT_EQ(store.size(), 1u);
}

TEST(MemoryKeyedStoreTest, KeysAndValuesAreBytes) {
    MemoryKeyedStore store(1);
    const std::string key("k\0ey", 4);
    const std::string value("\0\xff\x01", 3);
    store.put(key, value);
    store.put("", "empty key");
    store.put("empty value", "");
    EXPECT_EQ(store.get(key), std::optional<std::string_view>(value));
    EXPECT_EQ(store.get(std::string_view("k", 1)), std::nullopt);
    EXPECT_EQ(store.get(""), std::optional<std::string_view>("empty key"));
    EXPECT_EQ(store.get("empty value"), std::optional<std::string_view>(""));
}

TEST(MemoryKeyedStoreTest, PrefixScanIsOrderedAndBounded) {
    MemoryKeyedStore store(1);
    for (const char* key : {"b", "abd", "a", "abc", "ab", "ac", "abcz"}) store.put(key, key);
    EXPECT_EQ(scan(store, "ab"),
              (std::vector<Entry>{{"ab", "ab"}, {"abc", "abc"}, {"abcz", "abcz"}, {"abd", "abd"}}));
    EXPECT_EQ(scan(store, "abc"), (std::vector<Entry>{{"abc", "abc"}, {"abcz", "abcz"}}));
    EXPECT_EQ(scan(store, "abx"), std::vector<Entry>{});
    EXPECT_EQ(scan(store, "c"), std::vector<Entry>{});
    EXPECT_EQ(scan(store, ""),
              (std::vector<Entry>{{"a", "a"},
                                  {"ab", "ab"},
                                  {"abc", "abc"},
                                  {"abcz", "abcz"},
                                  {"abd", "abd"},
                                  {"ac", "ac"},
                                  {"b", "b"}}));
}

TEST(MemoryKeyedStoreTest, PrefixScanStopsWhenTheVisitorSaysSo) {
    MemoryKeyedStore store(1);
    for (const char* key : {"p1", "p2", "p3", "q"}) store.put(key, "v");
    std::vector<std::string> seen;
    store.scanPrefix("p", [&](std::string_view key, std::string_view) {
        seen.emplace_back(key);
        return seen.size() < 2;
    });
    EXPECT_EQ(seen, (std::vector<std::string>{"p1", "p2"}));
}

TEST(MemoryKeyedStoreTest, OrderIsBytewiseUnsigned) {
    // Big-endian encodings of keys sort correctly only if bytes >= 0x80 sort after 0x7f.
    MemoryKeyedStore store(1);
    store.put("\xff", "ff");
    store.put("\x80", "80");
    store.put("\x7f", "7f");
    store.put(std::string("\x00", 1), "00");
    store.put("\xff\x01", "ff01");
    EXPECT_EQ(scan(store, ""), (std::vector<Entry>{{std::string("\x00", 1), "00"},
                                                   {"\x7f", "7f"},
                                                   {"\x80", "80"},
                                                   {"\xff", "ff"},
                                                   {"\xff\x01", "ff01"}}));
    EXPECT_EQ(scan(store, "\xff"), (std::vector<Entry>{{"\xff", "ff"}, {"\xff\x01", "ff01"}}));
}

// ---- MemoryKeyedStore: change tracking -----------------------------------------------------

TEST(MemoryKeyedStoreTest, TakeChangesKeepsTheLastWritePerKey) {
    MemoryKeyedStore store(3);
    EXPECT_FALSE(store.hasChanges());
    store.put("a", "1");
    store.put("b", "2");
    store.put("a", "11");
    store.put("c", "3");
    store.erase("c");  // put then erase: an erase
    store.erase("missing");  // nothing existed: nothing recorded
    EXPECT_TRUE(store.hasChanges());

    ChangeSet changes = store.takeChanges();
    EXPECT_EQ(changes.storeIds(), std::vector<StoreId>{3});
    EXPECT_EQ(records(changes, 3),
              (std::vector<Record>{{kPut, "a", "11"}, {kPut, "b", "2"}, {kErase, "c", ""}}));
    EXPECT_FALSE(store.hasChanges());
    EXPECT_TRUE(store.takeChanges().empty());

    // After a checkpoint only the new changes are recorded; an erase after a put is an erase.
    store.put("b", "22");
    store.erase("b");
    store.erase("a");
    changes = store.takeChanges();
    EXPECT_EQ(records(changes, 3), (std::vector<Record>{{kErase, "a", ""}, {kErase, "b", ""}}));
    EXPECT_EQ(store.size(), 0u);
}

TEST(MemoryKeyedStoreTest, EraseThenPutIsAPut) {
    MemoryKeyedStore store(1);
    store.put("k", "old");
    (void)store.takeChanges();
    store.erase("k");
    store.put("k", "new");
    EXPECT_EQ(records(store.takeChanges(), 1), (std::vector<Record>{{kPut, "k", "new"}}));
}

TEST(MemoryKeyedStoreTest, ClearRecordsErasesDiscardAndRestoreRecordNothing) {
    MemoryKeyedStore store(1);
    store.put("a", "1");
    store.put("b", "2");
    (void)store.takeChanges();
    store.put("c", "3");
    store.clear();
    EXPECT_EQ(store.size(), 0u);
    EXPECT_EQ(records(store.takeChanges(), 1),
              (std::vector<Record>{{kErase, "a", ""}, {kErase, "b", ""}, {kErase, "c", ""}}));

    store.put("d", "4");
    store.discard();
    EXPECT_EQ(store.size(), 0u);
    EXPECT_FALSE(store.hasChanges());
    EXPECT_EQ(store.bytes(), 0u);

    store.restore("r", "restored");
    store.restore("r", "restored twice");
    EXPECT_EQ(store.get("r"), std::optional<std::string_view>("restored twice"));
    EXPECT_FALSE(store.hasChanges());
    EXPECT_TRUE(store.takeChanges().empty());
}

TEST(MemoryKeyedStoreTest, BytesCountEntriesAndTrackedKeys) {
    constexpr size_t kEntry = MemoryKeyedStore::kEntryOverhead;
    constexpr size_t kChanged = MemoryKeyedStore::kChangedKeyOverhead;
    MemoryKeyedStore store(1);
    EXPECT_EQ(store.bytes(), 0u);
    store.put("key", "value");  // 3 + 5
    EXPECT_EQ(store.bytes(), kEntry + 8 + kChanged + 3);
    store.put("key", "v");  // the key is tracked once
    EXPECT_EQ(store.bytes(), kEntry + 4 + kChanged + 3);
    (void)store.takeChanges();
    EXPECT_EQ(store.bytes(), kEntry + 4);
    store.put("other", "1234567890");  // 5 + 10
    EXPECT_EQ(store.bytes(), kEntry + 4 + kEntry + 15 + kChanged + 5);
    EXPECT_TRUE(store.erase("key"));
    EXPECT_EQ(store.bytes(), kEntry + 15 + kChanged + 5 + kChanged + 3);
    store.restore("quiet", "x");  // 5 + 1, not tracked
    EXPECT_EQ(store.bytes(), kEntry + 15 + kEntry + 6 + kChanged + 5 + kChanged + 3);
}

// ---- ChangeSet -----------------------------------------------------------------------------

TEST(ChangeSetTest, LastWritePerStoreAndKeyWins) {
    ChangeSet changes;
    EXPECT_TRUE(changes.empty());
    changes.put(2, "k", "v1");
    changes.put(1, "k", "other store");
    changes.put(2, "k", "v2");
    changes.put(2, "gone", "x");
    changes.erase(2, "gone");
    changes.erase(2, "back");
    changes.put(2, "back", "again");
    EXPECT_FALSE(changes.empty());
    EXPECT_EQ(changes.size(), 4u);
    EXPECT_EQ(changes.size(1), 1u);
    EXPECT_EQ(changes.size(2), 3u);
    EXPECT_EQ(changes.size(9), 0u);
    EXPECT_EQ(changes.storeIds(), (std::vector<StoreId>{1, 2}));
    EXPECT_EQ(records(changes, 1), (std::vector<Record>{{kPut, "k", "other store"}}));
    EXPECT_EQ(records(changes, 2), (std::vector<Record>{{kPut, "back", "again"},
                                                        {kErase, "gone", ""},
                                                        {kPut, "k", "v2"}}));
    EXPECT_EQ(records(changes, 9), std::vector<Record>{});

    auto found = changes.find(2, "gone");
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->kind, kErase);
    found = changes.find(2, "k");
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->kind, kPut);
    EXPECT_EQ(found->value, "v2");
    EXPECT_FALSE(changes.find(2, "nope").has_value());
    EXPECT_FALSE(changes.find(5, "k").has_value());
}

TEST(ChangeSetTest, SortedIsBytewise) {
    ChangeSet changes;
    for (const char* key : {"\xff", "b", "\x80", "a", "ab"}) changes.put(1, key, "");
    std::vector<std::string> keys;
    for (const ChangeView& change : changes.sorted(1)) keys.emplace_back(change.key);
    EXPECT_EQ(keys, (std::vector<std::string>{"a", "ab", "b", "\x80", "\xff"}));
}

TEST(ChangeSetTest, BytesFollowEveryRecord) {
    constexpr size_t kRecord = ChangeSet::kRecordOverhead;
    ChangeSet changes;
    changes.put(1, "key", "value");
    EXPECT_EQ(changes.bytes(), kRecord + 8);
    changes.put(1, "key", "v");
    EXPECT_EQ(changes.bytes(), kRecord + 4);
    changes.erase(1, "key");
    EXPECT_EQ(changes.bytes(), kRecord + 3);
    changes.put(2, "key", "value");
    EXPECT_EQ(changes.bytes(), kRecord + 3 + kRecord + 8);
    changes.clear();
    EXPECT_TRUE(changes.empty());
    EXPECT_EQ(changes.size(), 0u);
    EXPECT_EQ(changes.bytes(), 0u);
}

TEST(ChangeSetTest, MergeLetsTheNewerSetWin) {
    ChangeSet older;
    older.put(1, "a", "old");
    older.put(1, "b", "kept");
    older.put(2, "x", "old x");
    ChangeSet newer;
    newer.erase(1, "a");
    newer.put(1, "c", "new");
    newer.put(3, "z", "zz");
    older.merge(std::move(newer));

    EXPECT_EQ(older.storeIds(), (std::vector<StoreId>{1, 2, 3}));
    EXPECT_EQ(records(older, 1), (std::vector<Record>{{kErase, "a", ""},
                                                      {kPut, "b", "kept"},
                                                      {kPut, "c", "new"}}));
    EXPECT_EQ(records(older, 2), (std::vector<Record>{{kPut, "x", "old x"}}));
    EXPECT_EQ(records(older, 3), (std::vector<Record>{{kPut, "z", "zz"}}));
    constexpr size_t kRecord = ChangeSet::kRecordOverhead;
    // a (1) erased, b (1 + 4), c (1 + 3), x (1 + 5), z (1 + 2)
    EXPECT_EQ(older.bytes(), 5 * kRecord + 1 + 5 + 4 + 6 + 3);
    EXPECT_EQ(older.size(), 5u);
}

TEST(ChangeSetTest, StoresMergeIntoOneCheckpoint) {
    // The runtime gathers every store's changes (and operators' own) into one ChangeSet.
    MemoryKeyedStore first(1);
    MemoryKeyedStore second(2);
    first.put("k", "1");
    second.put("k", "2");
    ChangeSet operatorOwn;
    operatorOwn.put(3, "group", "sum=5");

    ChangeSet checkpoint;
    checkpoint.merge(first.takeChanges());
    checkpoint.merge(second.takeChanges());
    checkpoint.merge(std::move(operatorOwn));
    EXPECT_EQ(checkpoint.storeIds(), (std::vector<StoreId>{1, 2, 3}));
    EXPECT_EQ(records(checkpoint, 1), (std::vector<Record>{{kPut, "k", "1"}}));
    EXPECT_EQ(records(checkpoint, 2), (std::vector<Record>{{kPut, "k", "2"}}));
    EXPECT_EQ(records(checkpoint, 3), (std::vector<Record>{{kPut, "group", "sum=5"}}));
    EXPECT_TRUE(operatorOwn.empty());  // NOLINT(bugprone-use-after-move): merge empties it
}

}  // namespace
}  // namespace ferris::state
