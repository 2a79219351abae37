#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "state/change_set.h"

namespace ferris::state {

/// A state file a manifest references, with the size and record count it must have.
struct StateFileRef {
    std::string name;  ///< file name inside the job directory
    uint64_t bytes = 0;
    uint64_t records = 0;

    bool operator==(const StateFileRef&) const = default;
};

/// The files that hold one store's state: a snapshot (absent until the first compaction)
/// and the deltas written after it, oldest first.
struct StoreFiles {
    std::optional<StateFileRef> snapshot;
    std::vector<StateFileRef> deltas;

    uint64_t snapshotBytes() const { return snapshot ? snapshot->bytes : 0; }
    uint64_t deltaBytes() const;
    bool operator==(const StoreFiles&) const = default;
};

/// What the runtime decides about a checkpoint; the store adds the id and the file lists.
struct CheckpointInfo {
    /// The state layout the checkpoint was written for (see StateFingerprint); opaque here.
    std::string fingerprint;
    /// True when every source was a file and was exhausted: the next run starts afresh.
    bool finished = false;
    /// Named opaque blobs: source partitions' positions, the watermark tracker, sinks' commit
    /// state, bounded end offsets. Values may hold any bytes.
    std::map<std::string, std::string> blobs;

    bool operator==(const CheckpointInfo&) const = default;
};

/// The MANIFEST of a job's state directory: the one complete checkpoint in force.
struct Manifest {
    /// The MANIFEST format this build writes and the newest it reads.
    static constexpr uint32_t kFormatVersion = 1;

    uint32_t formatVersion = kFormatVersion;
    /// 1 for a job's first checkpoint, then +1 per checkpoint.
    uint64_t checkpointId = 0;
    CheckpointInfo info;
    /// Every store with state; a store absent here is empty.
    std::map<StoreId, StoreFiles> stores;

    bool operator==(const Manifest&) const = default;
};

/// The MANIFEST text: pretty-printed JSON. A blob that is valid UTF-8 is a JSON string;
/// any other blob is written as {"base64": "..."}.
std::string encodeManifest(const Manifest& manifest);

/// Parses MANIFEST text; `origin` (the file's path) prefixes every error. Checks that the
/// format version is readable and that every file name is one this store writes.
Result<Manifest> decodeManifest(std::string_view text, std::string_view origin);

/// The name of a store's state file written at a checkpoint: "s<store>-<checkpoint>.snap"
/// or "s<store>-<checkpoint>.delta".
std::string stateFileName(StoreId storeId, uint64_t checkpointId, bool snapshot);

/// Whether `name` has the form stateFileName produces (and of which store, when it has).
bool isStateFileName(std::string_view name, StoreId* storeId = nullptr,
                     bool* snapshot = nullptr);

}  // namespace ferris::state
