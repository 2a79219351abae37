#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <span>
#include <string_view>

#include "common/result.h"
#include "common/status.h"
#include "state/change_set.h"
#include "state/manifest.h"

namespace ferris::state {

/// When commit() rewrites a store's snapshot + deltas into one new snapshot. A store is
/// compacted when, counting the delta this checkpoint would add, it has more than
/// `maxDeltaFiles` deltas, or its deltas hold more than `minDeltaBytes` bytes and more than
/// `deltaPercentOfSnapshot` percent of its snapshot's bytes.
struct CompactionPolicy {
    uint64_t maxDeltaFiles = 16;
    uint64_t deltaPercentOfSnapshot = 100;
    /// Keeps small stores from being rewritten at every checkpoint.
    uint64_t minDeltaBytes = 1 << 20;
};

/// Steps of commit() after which a test can stop it, exactly as a crash there would.
enum class CommitPoint : uint8_t {
    kStateFilesWritten,    ///< new state files durable under their final names; no manifest
    kManifestTempWritten,  ///< MANIFEST.tmp durable; MANIFEST still the previous one
    kManifestInstalled,    ///< MANIFEST replaced and the directory fsynced; no clean-up yet
};

/// Called at each CommitPoint; a non-OK Status makes commit() return it at once. Tests use it
/// to leave a directory as a crash would; the runtime's FERRIS_FAULT_POINT can kill here.
using CommitFaultHook = std::function<Status(CommitPoint point)>;

/// Receives each entry of the restored state: store by store (ascending), keys ascending.
using StateVisitor =
    std::function<void(StoreId storeId, std::string_view key, std::string_view value)>;

/// The `state.dir` checkpoint backend (DESIGN.md §2.2): one job's checkpoints in
/// `<state.dir>/<app>/<job>/`, a MANIFEST naming each store's snapshot and delta files.
///
/// commit() never modifies a file the installed MANIFEST references: it writes new files,
/// installs a new MANIFEST atomically, then deletes what no longer is referenced. A crash at
/// any point therefore leaves the previous checkpoint or the new one, complete; open() deletes
/// the leftovers of an interrupted commit. One process writes a job directory at a time.
class CheckpointStore {
public:
    /// The name of the manifest file inside a job directory.
    static constexpr std::string_view kManifestName = "MANIFEST";

    /// `<stateDir>/<app>/<job>`.
    static std::filesystem::path jobDirectory(const std::filesystem::path& stateDir,
                                              std::string_view app, std::string_view job);

    /// Opens a job directory (which need not exist yet; commit creates it). Reads the
    /// MANIFEST if there is one and deletes the files it does not reference (state files and
    /// temporaries of an interrupted commit). An unreadable MANIFEST is an error, and then
    /// nothing is deleted.
    static Result<CheckpointStore> open(std::filesystem::path directory);

    /// Deletes a job directory and everything in it (`--reset-state`); works on directories
    /// open() rejects. A missing directory is not an error.
    static Status removeJobDirectory(const std::filesystem::path& directory);

    const std::filesystem::path& directory() const { return directory_; }

    /// The checkpoint in force, or nullopt when the job has none.
    const std::optional<Manifest>& latest() const { return latest_; }

    /// The id the next commit() will give its checkpoint (usable as an epoch beforehand).
    uint64_t nextCheckpointId() const { return latest_ ? latest_->checkpointId + 1 : 1; }

    /// Installs the next checkpoint: `info` plus the state of the latest checkpoint with
    /// `changes` applied. Writes one new delta per store with changes (or, when the policy
    /// says so, a new snapshot of the store), fsyncs the files, installs the MANIFEST
    /// atomically (MANIFEST.tmp, fsync, rename, directory fsync), then deletes the files no
    /// longer referenced. A store left with no entries after compaction is dropped. Returns
    /// the installed manifest. On error latest() is unchanged; on disk either checkpoint may be
    /// in force, and the leftovers are deleted by the next commit() or open().
    Result<Manifest> commit(CheckpointInfo info, const ChangeSet& changes,
                            const CompactionPolicy& policy = {});

    /// Reads the state of `manifest` (normally latest()): per store, its snapshot then its
    /// deltas in order — the last write of a key wins, an erase removes it — and passes the
    /// resulting entries to `apply`. Every file is checked (size, record count, each record's
    /// CRC); a torn or corrupt file is an error naming the file and byte offset. On error
    /// `apply` may have seen part of the state, which must be discarded.
    Status loadState(const Manifest& manifest, const StateVisitor& apply) const;

    /// Deletes the job directory and forgets the latest checkpoint: the next commit() writes
    /// checkpoint 1 of a fresh state. Also how a job that starts afresh (no usable checkpoint,
    /// or a `finished` one) drops the old state.
    Status reset();

    /// Installs a hook called at each CommitPoint (tests, fault injection).
    void setFaultHook(CommitFaultHook hook) { faultHook_ = std::move(hook); }

private:
    explicit CheckpointStore(std::filesystem::path directory)
        : directory_(std::move(directory)) {}

    /// Deletes state files `manifest` does not reference (all of them when it is null) and
    /// temporaries; files of other names are left alone.
    Status removeUnreferenced(const Manifest* manifest) const;
    /// Merges one store's snapshot, deltas and `newest` (sorted changes, applied last) and
    /// passes the resulting entries to `put`, keys ascending.
    Status mergeStore(StoreId storeId, const StoreFiles& files, std::span<const ChangeView> newest,
                      const std::function<Status(std::string_view, std::string_view)>& put) const;
    /// Writes the new files of one store for checkpoint `checkpointId`; updates `files`.
    /// Returns false in `keep` when the store ends up with no state at all.
    Status commitStore(StoreId storeId, uint64_t checkpointId, const ChangeSet& changes,
                       const CompactionPolicy& policy, StoreFiles& files, bool& keep) const;
    Status atPoint(CommitPoint point) const { return faultHook_ ? faultHook_(point) : Status(); }

    std::filesystem::path directory_;
    std::optional<Manifest> latest_;
    CommitFaultHook faultHook_;
};

}  // namespace ferris::state
