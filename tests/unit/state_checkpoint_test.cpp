// The state.dir checkpoint backend (src/state/checkpoint_files.h): commit/load round trips,
// compaction of delta chains into snapshots, deletion of unreferenced files, detection of
// corrupt and torn files, and the states a crash (simulated, and a real SIGKILL) can leave.

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "state/checkpoint_files.h"
#include "state/crc32c.h"
#include "state/keyed_store.h"

namespace ferris::state {
namespace {

namespace fs = std::filesystem;

/// (store, key, value) of a restored entry.
using Entry = std::tuple<StoreId, std::string, std::string>;

/// Never compacts.
constexpr CompactionPolicy kNoCompaction{std::numeric_limits<uint64_t>::max(), 100,
                                         std::numeric_limits<uint64_t>::max()};
/// Compacts as soon as the deltas outgrow the snapshot, or past two deltas.
constexpr CompactionPolicy kEager{2, 100, 0};
/// Compacts at every commit.
constexpr CompactionPolicy kAlways{0, 100, 0};

std::string readFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void writeFile(const fs::path& path, std::string_view contents) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << contents;
}

/// A fresh state.dir per test, removed afterwards; the job directory is `<root>/app/job`.
class CheckpointStoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/ferris_state_test_XXXXXX";
        ASSERT_NE(::mkdtemp(pattern), nullptr);
        root_ = pattern;
        dir_ = CheckpointStore::jobDirectory(root_, "app", "job");
    }
    void TearDown() override { fs::remove_all(root_); }

    CheckpointStore open() {
        Result<CheckpointStore> store = CheckpointStore::open(dir_);
        EXPECT_TRUE(store.isOk()) << store.status().toString();
        return std::move(store).value();
    }

    static Manifest commit(CheckpointStore& store, const ChangeSet& changes,
                           const CompactionPolicy& policy, CheckpointInfo info = {}) {
        Result<Manifest> manifest = store.commit(std::move(info), changes, policy);
        EXPECT_TRUE(manifest.isOk()) << manifest.status().toString();
        return std::move(manifest).value();
    }

    static std::vector<Entry> load(const CheckpointStore& store, const Manifest& manifest) {
        std::vector<Entry> entries;
        Status status = store.loadState(manifest, [&](StoreId id, std::string_view key,
                                                      std::string_view value) {
            entries.emplace_back(id, key, value);
        });
        EXPECT_TRUE(status.isOk()) << status.toString();
        return entries;
    }

    /// Loads the state and returns the error message (empty when it loaded).
    static std::string loadError(const CheckpointStore& store, const Manifest& manifest) {
        return store.loadState(manifest, [](StoreId, std::string_view, std::string_view) {})
            .message();
    }

    /// Reopens the directory (as a restart would) and loads its latest checkpoint.
    std::vector<Entry> reopenAndLoad() {
        CheckpointStore store = open();
        if (!store.latest()) return {};
        return load(store, *store.latest());
    }

    std::vector<std::string> files() const {
        std::vector<std::string> names;
        for (const auto& entry : fs::directory_iterator(dir_)) {
            names.push_back(entry.path().filename().string());
        }
        std::sort(names.begin(), names.end());
        return names;
    }

    std::string path(std::string_view name) const { return (dir_ / name).string(); }

    fs::path root_;
    fs::path dir_;
};

// ---- empty directories --------------------------------------------------------------------

TEST_F(CheckpointStoreTest, JobDirectoryIsStateDirAppJob) {
    EXPECT_EQ(CheckpointStore::jobDirectory("/var/ferris", "shop", "totals"),
              fs::path("/var/ferris/shop/totals"));
    EXPECT_EQ(dir_, root_ / "app" / "job");
}

TEST_F(CheckpointStoreTest, MissingDirectoryHasNoCheckpointAndIsNotCreated) {
    CheckpointStore store = open();
    EXPECT_EQ(store.latest(), std::nullopt);
    EXPECT_EQ(store.nextCheckpointId(), 1u);
    EXPECT_FALSE(fs::exists(dir_));
}

TEST_F(CheckpointStoreTest, EmptyDirectoryHasNoCheckpoint) {
    fs::create_directories(dir_);
    CheckpointStore store = open();
    EXPECT_EQ(store.latest(), std::nullopt);
    EXPECT_EQ(files(), std::vector<std::string>{});
}

// ---- round trips ----------------------------------------------------------------------------

TEST_F(CheckpointStoreTest, RoundTripsOverSeveralCheckpoints) {
    CheckpointStore store = open();

    ChangeSet first;
    first.put(1, "a", "1");
    first.put(1, "b", "2");
    first.put(2, "x", "10");
    CheckpointInfo info{"fp", false, {{"source/0", "offset=10"}}};
    Manifest m1 = commit(store, first, kNoCompaction, info);
    EXPECT_EQ(m1.checkpointId, 1u);
    EXPECT_EQ(store.latest(), m1);
    EXPECT_EQ(load(store, m1), (std::vector<Entry>{{1, "a", "1"}, {1, "b", "2"}, {2, "x", "10"}}));
    EXPECT_EQ(reopenAndLoad(), load(store, m1));

    ChangeSet second;
    second.put(1, "a", "11");
    second.erase(1, "b");
    second.put(2, "y", "20");
    Manifest m2 = commit(store, second, kNoCompaction, {"fp", false, {{"source/0", "offset=20"}}});
    EXPECT_EQ(m2.checkpointId, 2u);
    EXPECT_EQ(load(store, m2),
              (std::vector<Entry>{{1, "a", "11"}, {2, "x", "10"}, {2, "y", "20"}}));

    ChangeSet third;
    third.put(1, "c", "3");
    third.erase(2, "x");
    CheckpointInfo last{"fp", true, {{"bin", std::string("\0\xff", 2)}, {"source/0", "end"}}};
    Manifest m3 = commit(store, third, kNoCompaction, last);
    EXPECT_EQ(m3.checkpointId, 3u);
    EXPECT_EQ(store.nextCheckpointId(), 4u);
    EXPECT_EQ(load(store, m3), (std::vector<Entry>{{1, "a", "11"}, {1, "c", "3"}, {2, "y", "20"}}));

    // Record sizes: "a"="1" 11, "a"="11" 12, erase "b" 10, "x"="10" 12, erase "x" 10; header 8.
    std::map<StoreId, StoreFiles> stores;
    stores[1].deltas = {{"s1-1.delta", 30, 2}, {"s1-2.delta", 30, 2}, {"s1-3.delta", 19, 1}};
    stores[2].deltas = {{"s2-1.delta", 20, 1}, {"s2-2.delta", 20, 1}, {"s2-3.delta", 18, 1}};
    EXPECT_EQ(m3.stores, stores);
    EXPECT_EQ(m3.info, last);
    EXPECT_EQ(m3.formatVersion, 1u);
    EXPECT_EQ(files(), (std::vector<std::string>{"MANIFEST", "s1-1.delta", "s1-2.delta",
                                                 "s1-3.delta", "s2-1.delta", "s2-2.delta",
                                                 "s2-3.delta"}));

    CheckpointStore reopened = open();
    ASSERT_TRUE(reopened.latest().has_value());
    EXPECT_EQ(*reopened.latest(), m3);
    EXPECT_EQ(load(reopened, m3), load(store, m3));
}

TEST_F(CheckpointStoreTest, CommitWithoutChangesKeepsTheFiles) {
    CheckpointStore store = open();
    ChangeSet changes;
    changes.put(1, "k", "v");
    Manifest m1 = commit(store, changes, kNoCompaction, {"fp", false, {{"pos", "1"}}});
    Manifest m2 = commit(store, ChangeSet(), kNoCompaction, {"fp", false, {{"pos", "2"}}});
    EXPECT_EQ(m2.checkpointId, 2u);
    EXPECT_EQ(m2.stores, m1.stores);
    EXPECT_EQ(m2.info.blobs, (std::map<std::string, std::string>{{"pos", "2"}}));
    EXPECT_EQ(files(), (std::vector<std::string>{"MANIFEST", "s1-1.delta"}));
    EXPECT_EQ(reopenAndLoad(), (std::vector<Entry>{{1, "k", "v"}}));
}

TEST_F(CheckpointStoreTest, ErasesInAStoreWithoutStateWriteNothing) {
    CheckpointStore store = open();
    ChangeSet changes;
    changes.erase(5, "never-written");
    Manifest m1 = commit(store, changes, kNoCompaction);
    EXPECT_TRUE(m1.stores.empty());
    EXPECT_EQ(files(), std::vector<std::string>{"MANIFEST"});
}

TEST_F(CheckpointStoreTest, LoadedStateRestoresMemoryStoresWithoutRecordingChanges) {
    CheckpointStore store = open();
    MemoryKeyedStore window(1);
    MemoryKeyedStore join(2);
    window.put("w/1", "sum=3");
    window.put("w/2", "sum=4");
    join.put("left/7", "row");
    ChangeSet changes = window.takeChanges();
    changes.merge(join.takeChanges());
    Manifest manifest = commit(store, changes, kNoCompaction);

    MemoryKeyedStore restoredWindow(1);
    MemoryKeyedStore restoredJoin(2);
    std::map<StoreId, KeyedStore*> byId{{1, &restoredWindow}, {2, &restoredJoin}};
    ASSERT_TRUE(store
                    .loadState(manifest,
                               [&](StoreId id, std::string_view key, std::string_view value) {
                                   byId.at(id)->restore(key, value);
                               })
                    .isOk());
    EXPECT_EQ(restoredWindow.get("w/1"), std::optional<std::string_view>("sum=3"));
    EXPECT_EQ(restoredWindow.get("w/2"), std::optional<std::string_view>("sum=4"));
    EXPECT_EQ(restoredJoin.get("left/7"), std::optional<std::string_view>("row"));
    EXPECT_EQ(restoredWindow.size() + restoredJoin.size(), 3u);
    EXPECT_FALSE(restoredWindow.hasChanges());
    EXPECT_FALSE(restoredJoin.hasChanges());
}

TEST_F(CheckpointStoreTest, LargeStoresCrossReadChunks) {
    // About 3 MiB per file: records straddle the reader's 1 MiB chunks.
    CheckpointStore store = open();
    ChangeSet changes;
    std::vector<Entry> expected;
    for (int i = 0; i < 3000; ++i) {
        std::string key = fmt::format("key{:05}", i);
        std::string value(1000 + i % 7, static_cast<char>('a' + i % 26));
        changes.put(1, key, value);
        expected.emplace_back(1, key, value);
    }
    Manifest m1 = commit(store, changes, kAlways);  // a snapshot
    ASSERT_TRUE(m1.stores.at(1).snapshot.has_value());
    EXPECT_GT(m1.stores.at(1).snapshot->bytes, 3'000'000u);
    EXPECT_EQ(reopenAndLoad(), expected);

    ChangeSet overwrite;
    for (int i = 0; i < 3000; i += 2) {
        std::string key = fmt::format("key{:05}", i);
        overwrite.put(1, key, std::string(1500, 'z'));
        std::get<2>(expected[static_cast<size_t>(i)]) = std::string(1500, 'z');
    }
    Manifest m2 = commit(store, overwrite, kNoCompaction);  // a 2 MiB delta
    EXPECT_EQ(m2.stores.at(1).deltas.size(), 1u);
    EXPECT_EQ(reopenAndLoad(), expected);
}

// ---- compaction -----------------------------------------------------------------------------

TEST_F(CheckpointStoreTest, DeltasThatOutgrowTheSnapshotAreCompacted) {
    CheckpointStore store = open();
    // "k1"="v1" is a 13-byte record; a file adds an 8-byte header.
    ChangeSet first;
    first.put(1, "k1", "v1");
    first.put(1, "k2", "v2");
    Manifest m1 = commit(store, first, kEager);  // no snapshot yet: the delta outgrows it
    EXPECT_EQ(m1.stores.at(1), (StoreFiles{StateFileRef{"s1-1.snap", 34, 2}, {}}));
    EXPECT_EQ(files(), (std::vector<std::string>{"MANIFEST", "s1-1.snap"}));

    ChangeSet second;
    second.put(1, "k1", "V1");
    Manifest m2 = commit(store, second, kEager);  // 21 delta bytes <= 34 snapshot bytes
    EXPECT_EQ(m2.stores.at(1),
              (StoreFiles{StateFileRef{"s1-1.snap", 34, 2}, {{"s1-2.delta", 21, 1}}}));
    EXPECT_EQ(files(), (std::vector<std::string>{"MANIFEST", "s1-1.snap", "s1-2.delta"}));
    EXPECT_EQ(load(store, m2), (std::vector<Entry>{{1, "k1", "V1"}, {1, "k2", "v2"}}));

    ChangeSet third;
    third.erase(1, "k2");
    Manifest m3 = commit(store, third, kEager);  // 21 + 19 > 34: compact, the erase dropped
    EXPECT_EQ(m3.stores.at(1), (StoreFiles{StateFileRef{"s1-3.snap", 21, 1}, {}}));
    EXPECT_EQ(files(), (std::vector<std::string>{"MANIFEST", "s1-3.snap"}));
    EXPECT_EQ(load(store, m3), (std::vector<Entry>{{1, "k1", "V1"}}));
    EXPECT_EQ(reopenAndLoad(), (std::vector<Entry>{{1, "k1", "V1"}}));
}

// Random puts and erases over many checkpoints, under every compaction policy: the state
// loaded after each commit (snapshot and deltas merged; after a reopen too) equals a model
// map, whichever files compaction merged on the way.
TEST_F(CheckpointStoreTest, RandomChangesLoadAsTheModelUnderEveryPolicy) {
    const CompactionPolicy policies[] = {kNoCompaction, kEager, kAlways, CompactionPolicy{3, 50, 0}};
    uint64_t seed = 7;
    auto next = [&] {  // xorshift: a fixed sequence on every platform
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        return seed;
    };
    for (size_t p = 0; p < std::size(policies); ++p) {
        SCOPED_TRACE(fmt::format("policy {}", p));
        fs::remove_all(root_);
        CheckpointStore store = open();
        std::map<std::pair<StoreId, std::string>, std::string> model;
        for (int checkpoint = 0; checkpoint < 25; ++checkpoint) {
            ChangeSet changes;
            for (int i = 0, n = static_cast<int>(next() % 40); i < n; ++i) {
                StoreId storeId = static_cast<StoreId>(1 + next() % 2);
                std::string key = fmt::format("k{}", next() % 60);
                if (next() % 3 == 0) {
                    changes.erase(storeId, key);
                    model.erase({storeId, key});
                } else {
                    std::string value = fmt::format("v{}-{}", checkpoint, next() % 1000);
                    changes.put(storeId, key, value);
                    model[{storeId, key}] = value;
                }
            }
            Manifest manifest = commit(store, changes, policies[p]);
            std::vector<Entry> expected;
            for (const auto& [where, value] : model) expected.emplace_back(where.first, where.second, value);
            ASSERT_EQ(load(store, manifest), expected) << "checkpoint " << checkpoint;
        }
        std::vector<Entry> expected;
        for (const auto& [where, value] : model) expected.emplace_back(where.first, where.second, value);
        EXPECT_EQ(reopenAndLoad(), expected);
    }
}

TEST_F(CheckpointStoreTest, TooManyDeltasAreCompacted) {
    CheckpointStore store = open();
    const CompactionPolicy policy{2, 1'000'000, 0};  // only the delta count matters
    std::vector<std::vector<std::string>> listings;
    for (std::string key : {"a", "b", "c", "d"}) {
        ChangeSet changes;
        changes.put(1, key, "1");
        commit(store, changes, policy);
        listings.push_back(files());
    }
    EXPECT_EQ(listings, (std::vector<std::vector<std::string>>{
                            {"MANIFEST", "s1-1.snap"},
                            {"MANIFEST", "s1-1.snap", "s1-2.delta"},
                            {"MANIFEST", "s1-1.snap", "s1-2.delta", "s1-3.delta"},
                            {"MANIFEST", "s1-4.snap"},
                        }));
    EXPECT_EQ(store.latest()->stores.at(1), (StoreFiles{StateFileRef{"s1-4.snap", 52, 4}, {}}));
    EXPECT_EQ(reopenAndLoad(), (std::vector<Entry>{{1, "a", "1"}, {1, "b", "1"}, {1, "c", "1"},
                                                   {1, "d", "1"}}));
}

TEST_F(CheckpointStoreTest, SmallDeltaChainsAreLeftAloneBelowTheMinimum) {
    CheckpointStore store = open();
    const CompactionPolicy policy{16, 100, 1000};
    for (int i = 0; i < 5; ++i) {
        ChangeSet changes;
        changes.put(1, "k", std::to_string(i));
        commit(store, changes, policy);
    }
    EXPECT_EQ(store.latest()->stores.at(1).deltas.size(), 5u);
    EXPECT_FALSE(store.latest()->stores.at(1).snapshot.has_value());
    EXPECT_EQ(reopenAndLoad(), (std::vector<Entry>{{1, "k", "4"}}));
}

TEST_F(CheckpointStoreTest, AStoreCompactedToNothingIsDropped) {
    CheckpointStore store = open();
    ChangeSet first;
    first.put(1, "a", "1");
    first.put(2, "z", "9");
    commit(store, first, kAlways);
    EXPECT_EQ(files(), (std::vector<std::string>{"MANIFEST", "s1-1.snap", "s2-1.snap"}));

    ChangeSet second;
    second.erase(1, "a");
    Manifest m2 = commit(store, second, kAlways);
    EXPECT_EQ(m2.stores.size(), 1u);
    EXPECT_EQ(m2.stores.count(1), 0u);
    EXPECT_EQ(files(), (std::vector<std::string>{"MANIFEST", "s2-1.snap"}));
    EXPECT_EQ(reopenAndLoad(), (std::vector<Entry>{{2, "z", "9"}}));
}

// ---- damaged files --------------------------------------------------------------------------

/// One checkpoint whose s1-1.delta holds "key"="value" (a 17-byte record at offset 8) and
/// "k2"="v2" (a 13-byte record at offset 25): 38 bytes.
class DamagedFileTest : public CheckpointStoreTest {
protected:
    void SetUp() override {
        CheckpointStoreTest::SetUp();
        CheckpointStore store = open();
        ChangeSet changes;
        changes.put(1, "key", "value");
        changes.put(1, "k2", "v2");
        manifest_ = commit(store, changes, kNoCompaction);
        ASSERT_EQ(manifest_.stores.at(1).deltas.at(0), (StateFileRef{"s1-1.delta", 38, 2}));
        delta_ = path("s1-1.delta");
        contents_ = readFile(delta_);
        ASSERT_EQ(contents_.size(), 38u);
    }

    std::string loadError() { return CheckpointStoreTest::loadError(open(), manifest_); }

    Manifest manifest_;
    std::string delta_;
    std::string contents_;
};

TEST_F(DamagedFileTest, ACorruptByteInAValueIsACrcMismatch) {
    // Records sort by key: "k2" (offset 8, payload 9..16) before "key" (offset 21).
    std::string damaged = contents_;
    ASSERT_EQ(damaged[15], 'v');
    damaged[15] = 'w';
    writeFile(delta_, damaged);
    std::string_view original = std::string_view(contents_).substr(9, 8);
    std::string_view corrupt = std::string_view(damaged).substr(9, 8);
    EXPECT_EQ(loadError(),
              fmt::format("state file {} is corrupt at offset 8 (record 0): CRC mismatch "
                          "(stored {:#010x}, computed {:#010x})",
                          delta_, crc32c(original), crc32c(corrupt)));
}

TEST_F(DamagedFileTest, ACorruptChecksumOfALaterRecordIsFound) {
    std::string damaged = contents_;
    damaged[37] = static_cast<char>(damaged[37] ^ 0x01);
    writeFile(delta_, damaged);
    std::string_view payload = std::string_view(contents_).substr(22, 12);
    uint32_t stored = crc32c(payload) ^ 0x01000000u;
    EXPECT_EQ(loadError(),
              fmt::format("state file {} is corrupt at offset 21 (record 1): CRC mismatch "
                          "(stored {:#010x}, computed {:#010x})",
                          delta_, stored, crc32c(payload)));
}

TEST_F(DamagedFileTest, ACorruptLengthRunsPastTheEnd) {
    std::string damaged = contents_;
    ASSERT_EQ(damaged[8], '\x08');
    damaged[8] = 100;
    writeFile(delta_, damaged);
    EXPECT_EQ(loadError(), fmt::format("state file {} is corrupt at offset 8 (record 0): record "
                                       "of 100 payload bytes runs past the end of the file (30 "
                                       "bytes remain)",
                                       delta_));
}

TEST_F(DamagedFileTest, ATornRecordIsATruncatedFile) {
    fs::resize_file(delta_, 30);
    EXPECT_EQ(loadError(), fmt::format("state file {} is truncated: it has 30 bytes, the manifest "
                                       "records 38",
                                       delta_));
}

TEST_F(DamagedFileTest, AFileCutAtARecordBoundaryIsTruncatedToo) {
    fs::resize_file(delta_, 21);
    EXPECT_EQ(loadError(), fmt::format("state file {} is truncated: it has 21 bytes, the manifest "
                                       "records 38",
                                       delta_));
}

TEST_F(DamagedFileTest, AnEmptyFileIsTruncated) {
    fs::resize_file(delta_, 0);
    EXPECT_EQ(loadError(), fmt::format("state file {} is truncated: it has 0 bytes, the manifest "
                                       "records 38",
                                       delta_));
}

TEST_F(DamagedFileTest, ABadHeaderIsNotAStateFile) {
    std::string damaged = contents_;
    damaged[0] = 'X';
    writeFile(delta_, damaged);
    EXPECT_EQ(loadError(), fmt::format("{} is not a state file (bad magic at offset 0)", delta_));
}

TEST_F(DamagedFileTest, AMissingFileIsAnError) {
    fs::remove(delta_);
    EXPECT_EQ(loadError(),
              fmt::format("cannot open state file {}: No such file or directory", delta_));
}

TEST_F(DamagedFileTest, ACorruptManifestFailsOpenAndDeletesNothing) {
    writeFile(path("MANIFEST"), "{\"format_version\": 1, \"checkpoint_");
    writeFile(path("s1-7.delta"), "orphan?");
    Result<CheckpointStore> store = CheckpointStore::open(dir_);
    ASSERT_FALSE(store.isOk());
    EXPECT_EQ(store.status().message(),
              fmt::format("manifest {} is unreadable: invalid JSON at offset 22: unterminated "
                          "string",
                          path("MANIFEST")));
    EXPECT_EQ(files(), (std::vector<std::string>{"MANIFEST", "s1-1.delta", "s1-7.delta"}));

    // --reset-state works on a directory open() rejects.
    ASSERT_TRUE(CheckpointStore::removeJobDirectory(dir_).isOk());
    EXPECT_FALSE(fs::exists(dir_));
    EXPECT_TRUE(fs::exists(root_ / "app"));
}

// ---- crashes --------------------------------------------------------------------------------

/// Commits checkpoint 1 (store 1: a=1, b=2 as s1-1.delta), then checkpoint 2 (a=11, c=3; with
/// kAlways a new snapshot s1-2.snap) stopped at `point` as a crash there would stop it.
class InterruptedCommitTest : public CheckpointStoreTest {
protected:
    void commitFirst() {
        CheckpointStore store = open();
        ChangeSet first;
        first.put(1, "a", "1");
        first.put(1, "b", "2");
        commit(store, first, kNoCompaction, {"fp", false, {{"pos", "1"}}});
    }

    static ChangeSet secondChanges() {
        ChangeSet second;
        second.put(1, "a", "11");
        second.put(1, "c", "3");
        return second;
    }

    Status commitSecondUntil(CommitPoint stop) {
        CheckpointStore store = open();
        store.setFaultHook([stop](CommitPoint point) {
            return point == stop ? Status::ioError("simulated crash") : Status::ok();
        });
        return store.commit({"fp", false, {{"pos", "2"}}}, secondChanges(), kAlways).status();
    }

    const std::vector<Entry> kFirstState{{1, "a", "1"}, {1, "b", "2"}};
    const std::vector<Entry> kSecondState{{1, "a", "11"}, {1, "b", "2"}, {1, "c", "3"}};
};

TEST_F(InterruptedCommitTest, FilesWithoutAManifestAreOrphansDeletedOnOpen) {
    commitFirst();
    EXPECT_EQ(commitSecondUntil(CommitPoint::kStateFilesWritten).message(), "simulated crash");
    EXPECT_EQ(files(), (std::vector<std::string>{"MANIFEST", "s1-1.delta", "s1-2.snap"}));

    CheckpointStore store = open();
    ASSERT_TRUE(store.latest().has_value());
    EXPECT_EQ(store.latest()->checkpointId, 1u);
    EXPECT_EQ(store.latest()->info.blobs.at("pos"), "1");
    EXPECT_EQ(files(), (std::vector<std::string>{"MANIFEST", "s1-1.delta"}));
    EXPECT_EQ(load(store, *store.latest()), kFirstState);

    // The retried commit takes the same id and succeeds.
    Manifest m2 = commit(store, secondChanges(), kAlways, {"fp", false, {{"pos", "2"}}});
    EXPECT_EQ(m2.checkpointId, 2u);
    EXPECT_EQ(files(), (std::vector<std::string>{"MANIFEST", "s1-2.snap"}));
    EXPECT_EQ(reopenAndLoad(), kSecondState);
}

TEST_F(InterruptedCommitTest, ATemporaryManifestIsIgnoredAndDeleted) {
    commitFirst();
    EXPECT_EQ(commitSecondUntil(CommitPoint::kManifestTempWritten).message(), "simulated crash");
    EXPECT_EQ(files(), (std::vector<std::string>{"MANIFEST", "MANIFEST.tmp", "s1-1.delta",
                                                 "s1-2.snap"}));

    CheckpointStore store = open();
    ASSERT_TRUE(store.latest().has_value());
    EXPECT_EQ(store.latest()->checkpointId, 1u);
    EXPECT_EQ(files(), (std::vector<std::string>{"MANIFEST", "s1-1.delta"}));
    EXPECT_EQ(load(store, *store.latest()), kFirstState);
}

TEST_F(InterruptedCommitTest, AnInstalledManifestWinsAndReplacedFilesAreDeletedOnOpen) {
    commitFirst();
    EXPECT_EQ(commitSecondUntil(CommitPoint::kManifestInstalled).message(), "simulated crash");
    EXPECT_EQ(files(), (std::vector<std::string>{"MANIFEST", "s1-1.delta", "s1-2.snap"}));

    CheckpointStore store = open();
    ASSERT_TRUE(store.latest().has_value());
    EXPECT_EQ(store.latest()->checkpointId, 2u);
    EXPECT_EQ(store.latest()->info.blobs.at("pos"), "2");
    EXPECT_EQ(files(), (std::vector<std::string>{"MANIFEST", "s1-2.snap"}));
    EXPECT_EQ(load(store, *store.latest()), kSecondState);
}

TEST_F(InterruptedCommitTest, AFailedCommitLeavesLatestUnchanged) {
    commitFirst();
    CheckpointStore store = open();
    store.setFaultHook([](CommitPoint point) {
        return point == CommitPoint::kManifestTempWritten ? Status::ioError("disk full")
                                                          : Status::ok();
    });
    EXPECT_EQ(store.commit({}, secondChanges(), kAlways).status().message(), "disk full");
    EXPECT_EQ(store.latest()->checkpointId, 1u);
    EXPECT_EQ(store.nextCheckpointId(), 2u);
    store.setFaultHook(nullptr);
    Manifest m2 = commit(store, secondChanges(), kNoCompaction);
    EXPECT_EQ(m2.checkpointId, 2u);
    EXPECT_EQ(files(), (std::vector<std::string>{"MANIFEST", "s1-1.delta", "s1-2.delta"}));
    EXPECT_EQ(reopenAndLoad(), kSecondState);
}

TEST_F(InterruptedCommitTest, TornTemporariesAreDeletedAndForeignFilesKept) {
    commitFirst();
    writeFile(path("s1-2.delta.tmp"), "FRSTAT\x01");  // a crash while writing a state file
    writeFile(path("MANIFEST.tmp"), "{\"format");     // ... or the manifest
    writeFile(path("s1-9.snap"), "");                  // an orphan from a later attempt
    writeFile(path("notes.txt"), "kept");
    writeFile(path("s1-1.delta.bak"), "kept");
    CheckpointStore store = open();
    EXPECT_EQ(store.latest()->checkpointId, 1u);
    EXPECT_EQ(files(),
              (std::vector<std::string>{"MANIFEST", "notes.txt", "s1-1.delta", "s1-1.delta.bak"}));
    EXPECT_EQ(load(store, *store.latest()), kFirstState);
}

/// A real SIGKILL at each CommitPoint, in a child process; the parent then restarts.
class SigkillDuringCommitTest : public InterruptedCommitTest,
                                public ::testing::WithParamInterface<CommitPoint> {};

TEST_P(SigkillDuringCommitTest, LeavesTheOldOrTheNewCheckpointComplete) {
    commitFirst();
    const CommitPoint killAt = GetParam();
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        Result<CheckpointStore> store = CheckpointStore::open(dir_);
        if (!store.isOk()) ::_exit(2);
        store->setFaultHook([killAt](CommitPoint point) {
            if (point == killAt) ::kill(::getpid(), SIGKILL);
            return Status::ok();
        });
        (void)store->commit({"fp", false, {{"pos", "2"}}}, secondChanges(), kAlways);
        ::_exit(3);  // not killed: the hook was never reached
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exit status " << WEXITSTATUS(status);
    EXPECT_EQ(WTERMSIG(status), SIGKILL);

    bool installed = killAt == CommitPoint::kManifestInstalled;
    CheckpointStore store = open();
    ASSERT_TRUE(store.latest().has_value());
    EXPECT_EQ(store.latest()->checkpointId, installed ? 2u : 1u);
    EXPECT_EQ(files(), installed ? (std::vector<std::string>{"MANIFEST", "s1-2.snap"})
                                 : (std::vector<std::string>{"MANIFEST", "s1-1.delta"}));
    EXPECT_EQ(load(store, *store.latest()), installed ? kSecondState : kFirstState);
}

INSTANTIATE_TEST_SUITE_P(EveryCommitPoint, SigkillDuringCommitTest,
                         ::testing::Values(CommitPoint::kStateFilesWritten,
                                           CommitPoint::kManifestTempWritten,
                                           CommitPoint::kManifestInstalled),
                         [](const ::testing::TestParamInfo<CommitPoint>& info) {
                             switch (info.param) {
                                 case CommitPoint::kStateFilesWritten: return "StateFilesWritten";
                                 case CommitPoint::kManifestTempWritten: return "TempManifest";
                                 case CommitPoint::kManifestInstalled: return "ManifestInstalled";
                             }
                             return "Unknown";
                         });

// ---- reset ----------------------------------------------------------------------------------

TEST_F(CheckpointStoreTest, ResetRemovesEverything) {
    CheckpointStore store = open();
    for (int i = 0; i < 2; ++i) {
        ChangeSet changes;
        changes.put(1, "k", std::to_string(i));
        commit(store, changes, kNoCompaction);
    }
    EXPECT_EQ(store.latest()->checkpointId, 2u);
    ASSERT_TRUE(store.reset().isOk());
    EXPECT_FALSE(fs::exists(dir_));
    EXPECT_EQ(store.latest(), std::nullopt);
    EXPECT_EQ(store.nextCheckpointId(), 1u);
    EXPECT_EQ(open().latest(), std::nullopt);

    ChangeSet fresh;
    fresh.put(1, "new", "state");
    Manifest m1 = commit(store, fresh, kNoCompaction);
    EXPECT_EQ(m1.checkpointId, 1u);
    EXPECT_EQ(files(), (std::vector<std::string>{"MANIFEST", "s1-1.delta"}));
    EXPECT_EQ(reopenAndLoad(), (std::vector<Entry>{{1, "new", "state"}}));

    // Resetting a job that has no directory is not an error.
    ASSERT_TRUE(CheckpointStore::removeJobDirectory(root_ / "app" / "other").isOk());
}

}  // namespace
}  // namespace ferris::state
