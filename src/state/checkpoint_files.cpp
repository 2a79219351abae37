#include "state/checkpoint_files.h"

#include <set>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "common/log.h"
#include "state/durable_file.h"
#include "state/state_file.h"

namespace ferris::state {
namespace {

constexpr std::string_view kTemporarySuffix = ".tmp";

__extension__ typedef unsigned __int128 Uint128;  // NOLINT: GCC/Clang extension

/// Writes a state file as `<name>.tmp`, fsyncs it, and renames it to `name`: a file under a
/// state-file name is always complete.
template <typename WriteRecords>
Result<StateFileRef> writeStateFile(const std::filesystem::path& directory, std::string name,
                                    StateFileKind kind, StoreId storeId,
                                    WriteRecords&& writeRecords) {
    std::filesystem::path finalPath = directory / name;
    std::filesystem::path temporary = finalPath;
    temporary += kTemporarySuffix;
    FERRIS_ASSIGN_OR_RETURN(StateFileWriter writer,
                            StateFileWriter::create(temporary, kind, storeId));
    FERRIS_RETURN_IF_ERROR(writeRecords(writer));
    FERRIS_RETURN_IF_ERROR(writer.finish());
    FERRIS_RETURN_IF_ERROR(renameFile(temporary, finalPath));
    return StateFileRef{std::move(name), writer.bytes(), writer.records()};
}

StateFileExpectation expectation(const StateFileRef& file, StateFileKind kind, StoreId storeId) {
    return StateFileExpectation{kind, storeId, file.bytes, file.records};
}

bool shouldCompact(const StoreFiles& files, uint64_t newDeltaBytes,
                   const CompactionPolicy& policy) {
    uint64_t deltaFiles = files.deltas.size() + 1;
    uint64_t deltaBytes = files.deltaBytes() + newDeltaBytes;
    if (deltaFiles > policy.maxDeltaFiles) return true;
    if (deltaBytes <= policy.minDeltaBytes) return false;
    // 128-bit products: no overflow whatever the policy says.
    return static_cast<Uint128>(deltaBytes) * 100 >
           static_cast<Uint128>(files.snapshotBytes()) * policy.deltaPercentOfSnapshot;
}

/// Removes a directory tree, then makes the removal durable in its parent.
Status removeDurably(const std::filesystem::path& directory) {
    FERRIS_RETURN_IF_ERROR(removeTree(directory));
    std::filesystem::path parent = directory.lexically_normal();
    if (!parent.has_filename()) parent = parent.parent_path();
    parent = parent.parent_path();
    if (parent.empty()) parent = ".";
    std::error_code error;
    if (!std::filesystem::is_directory(parent, error)) return Status::ok();
    return fsyncDirectory(parent);
}

}  // namespace

std::filesystem::path CheckpointStore::jobDirectory(const std::filesystem::path& stateDir,
                                                    std::string_view app,
                                                    std::string_view job) {
    return stateDir / std::filesystem::path(app) / std::filesystem::path(job);
}

Result<CheckpointStore> CheckpointStore::open(std::filesystem::path directory) {
    CheckpointStore store(std::move(directory));
    std::filesystem::path manifestPath = store.directory_ / kManifestName;
    std::error_code error;
    bool exists = std::filesystem::exists(manifestPath, error);
    if (error) {
        return Status::ioError(fmt::format("cannot look for {}: {}", manifestPath.string(),
                                           error.message()));
    }
    if (exists) {
        FERRIS_ASSIGN_OR_RETURN(std::string text, readWholeFile(manifestPath));
        FERRIS_ASSIGN_OR_RETURN(Manifest manifest, decodeManifest(text, manifestPath.string()));
        store.latest_ = std::move(manifest);
    }
    FERRIS_RETURN_IF_ERROR(store.removeUnreferenced(store.latest_ ? &*store.latest_ : nullptr));
    return store;
}

Status CheckpointStore::removeJobDirectory(const std::filesystem::path& directory) {
    return removeDurably(directory);
}

Status CheckpointStore::reset() {
    FERRIS_RETURN_IF_ERROR(removeDurably(directory_));
    latest_.reset();
    return Status::ok();
}

Status CheckpointStore::removeUnreferenced(const Manifest* manifest) const {
    std::set<std::string, std::less<>> referenced;
    if (manifest != nullptr) {
        for (const auto& [storeId, files] : manifest->stores) {
            if (files.snapshot) referenced.insert(files.snapshot->name);
            for (const StateFileRef& delta : files.deltas) referenced.insert(delta.name);
        }
    }
    FERRIS_ASSIGN_OR_RETURN(std::vector<std::string> names, listFiles(directory_));
    for (const std::string& name : names) {
        std::string_view stem = name;
        bool temporary = stem.ends_with(kTemporarySuffix);
        if (temporary) stem.remove_suffix(kTemporarySuffix.size());
        bool ours = stem == kManifestName || isStateFileName(stem);
        if (!ours || (!temporary && (stem == kManifestName || referenced.contains(stem)))) {
            continue;
        }
        FERRIS_RETURN_IF_ERROR(removeFile(directory_ / name));
    }
    return Status::ok();
}

Result<std::map<std::string, std::string>> CheckpointStore::loadStore(
    StoreId storeId, const StoreFiles& files) const {
    std::map<std::string, std::string> entries;
    if (files.snapshot) {
        FERRIS_RETURN_IF_ERROR(readStateFile(
            directory_ / files.snapshot->name,
            expectation(*files.snapshot, StateFileKind::kSnapshot, storeId),
            [&](const ChangeView& change) {
                entries.insert_or_assign(entries.end(), std::string(change.key),
                                         std::string(change.value));
            }));
    }
    for (const StateFileRef& delta : files.deltas) {
        FERRIS_RETURN_IF_ERROR(readStateFile(
            directory_ / delta.name, expectation(delta, StateFileKind::kDelta, storeId),
            [&](const ChangeView& change) {
                if (change.kind == ChangeKind::kPut) {
                    entries.insert_or_assign(std::string(change.key), std::string(change.value));
                } else {
                    entries.erase(std::string(change.key));
                }
            }));
    }
    return entries;
}

Status CheckpointStore::commitStore(StoreId storeId, uint64_t checkpointId,
                                    const ChangeSet& changes, const CompactionPolicy& policy,
                                    StoreFiles& files, bool& keep) const {
    std::vector<ChangeView> records = changes.sorted(storeId);
    bool hasFiles = files.snapshot || !files.deltas.empty();
    if (!hasFiles) {
        // Erases in a store with no state erase nothing.
        std::erase_if(records, [](const ChangeView& c) { return c.kind == ChangeKind::kErase; });
    }
    keep = hasFiles || !records.empty();
    if (records.empty()) return Status::ok();

    uint64_t newDeltaBytes = kStateFileHeaderBytes;
    for (const ChangeView& change : records) {
        newDeltaBytes += encodedRecordBytes(storeId, change.key, change.value);
    }
    if (!shouldCompact(files, newDeltaBytes, policy)) {
        FERRIS_ASSIGN_OR_RETURN(
            StateFileRef delta,
            writeStateFile(directory_, stateFileName(storeId, checkpointId, false),
                           StateFileKind::kDelta, storeId, [&](StateFileWriter& writer) {
                               for (const ChangeView& change : records) {
                                   FERRIS_RETURN_IF_ERROR(
                                       writer.append(change.kind, change.key, change.value));
                               }
                               return Status::ok();
                           }));
        files.deltas.push_back(std::move(delta));
        return Status::ok();
    }

    FERRIS_ASSIGN_OR_RETURN(auto entries, loadStore(storeId, files));
    for (const ChangeView& change : records) {
        if (change.kind == ChangeKind::kPut) {
            entries.insert_or_assign(std::string(change.key), std::string(change.value));
        } else {
            entries.erase(std::string(change.key));
        }
    }
    files = StoreFiles{};
    if (entries.empty()) {
        keep = false;
        return Status::ok();
    }
    FERRIS_ASSIGN_OR_RETURN(
        StateFileRef snapshot,
        writeStateFile(directory_, stateFileName(storeId, checkpointId, true),
                       StateFileKind::kSnapshot, storeId, [&](StateFileWriter& writer) {
                           for (const auto& [key, value] : entries) {
                               FERRIS_RETURN_IF_ERROR(
                                   writer.append(ChangeKind::kPut, key, value));
                           }
                           return Status::ok();
                       }));
    files.snapshot = std::move(snapshot);
    return Status::ok();
}

Result<Manifest> CheckpointStore::commit(CheckpointInfo info, const ChangeSet& changes,
                                         const CompactionPolicy& policy) {
    Manifest next;
    next.checkpointId = nextCheckpointId();
    next.info = std::move(info);
    if (latest_) next.stores = latest_->stores;

    FERRIS_RETURN_IF_ERROR(createDirectories(directory_));
    for (StoreId storeId : changes.storeIds()) {
        StoreFiles files;
        if (auto it = next.stores.find(storeId); it != next.stores.end()) files = it->second;
        bool keep = true;
        FERRIS_RETURN_IF_ERROR(
            commitStore(storeId, next.checkpointId, changes, policy, files, keep));
        if (keep) {
            next.stores.insert_or_assign(storeId, std::move(files));
        } else {
            next.stores.erase(storeId);
        }
    }
    // The renames of the new state files are durable before a manifest can name them.
    FERRIS_RETURN_IF_ERROR(fsyncDirectory(directory_));
    FERRIS_RETURN_IF_ERROR(atPoint(CommitPoint::kStateFilesWritten));

    std::filesystem::path manifestPath = directory_ / kManifestName;
    std::filesystem::path temporary = manifestPath;
    temporary += kTemporarySuffix;
    {
        FERRIS_ASSIGN_OR_RETURN(DurableFileWriter writer, DurableFileWriter::create(temporary));
        writer.buffer() = encodeManifest(next);
        FERRIS_RETURN_IF_ERROR(writer.finish());
    }
    FERRIS_RETURN_IF_ERROR(atPoint(CommitPoint::kManifestTempWritten));
    FERRIS_RETURN_IF_ERROR(renameFile(temporary, manifestPath));
    FERRIS_RETURN_IF_ERROR(fsyncDirectory(directory_));
    FERRIS_RETURN_IF_ERROR(atPoint(CommitPoint::kManifestInstalled));
    latest_ = next;

    // The checkpoint is installed; a file that cannot be deleted now is deleted next time.
    Status cleaned = removeUnreferenced(&next);
    if (!cleaned.isOk()) {
        FERRIS_LOG_WARN(directory_.filename().string(), "checkpoint {}: {}", next.checkpointId,
                        cleaned.toString());
    }
    return next;
}

Status CheckpointStore::loadState(const Manifest& manifest, const StateVisitor& apply) const {
    for (const auto& [storeId, files] : manifest.stores) {
        if (files.deltas.empty() && files.snapshot) {
            // A snapshot alone is already the store's state, sorted: stream it.
            FERRIS_RETURN_IF_ERROR(readStateFile(
                directory_ / files.snapshot->name,
                expectation(*files.snapshot, StateFileKind::kSnapshot, storeId),
                [&, id = storeId](const ChangeView& change) {
                    apply(id, change.key, change.value);
                }));
            continue;
        }
        FERRIS_ASSIGN_OR_RETURN(auto entries, loadStore(storeId, files));
        for (const auto& [key, value] : entries) apply(storeId, key, value);
    }
    return Status::ok();
}

}  // namespace ferris::state
