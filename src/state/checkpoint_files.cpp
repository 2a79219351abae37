#include "state/checkpoint_files.h"

#include <algorithm>
#include <set>
#include <span>
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

namespace {

/// One state file's records in file order, their bytes in one buffer (a store's files are
/// merged from these without an allocation per record).
class RecordRun {
public:
    void add(const ChangeView& change) {
        entries_.push_back({change.kind, bytes_.size(), change.key.size(), change.value.size()});
        bytes_ += change.key;
        bytes_ += change.value;
    }
    size_t size() const { return entries_.size(); }
    ChangeKind kind(size_t i) const { return entries_[i].kind; }
    std::string_view key(size_t i) const {
        return std::string_view(bytes_).substr(entries_[i].offset, entries_[i].keySize);
    }
    std::string_view value(size_t i) const {
        return std::string_view(bytes_).substr(entries_[i].offset + entries_[i].keySize,
                                               entries_[i].valueSize);
    }

private:
    struct Entry {
        ChangeKind kind;
        size_t offset;
        size_t keySize;
        size_t valueSize;
    };
    std::string bytes_;
    std::vector<Entry> entries_;
};

/// Reads a state file into a run, checking that its keys ascend strictly (snapshots and
/// deltas are written sorted; the merge below depends on it).
Result<RecordRun> readRun(const std::filesystem::path& path, const StateFileExpectation& expected) {
    RecordRun run;
    bool ordered = true;
    FERRIS_RETURN_IF_ERROR(readStateFile(path, expected, [&](const ChangeView& change) {
        if (run.size() > 0 && !(run.key(run.size() - 1) < change.key)) ordered = false;
        run.add(change);
    }));
    if (!ordered) {
        return Status::ioError(
            fmt::format("state file {} is corrupt: its keys are not in ascending order", path.string()));
    }
    return run;
}

}  // namespace

Status CheckpointStore::mergeStore(StoreId storeId, const StoreFiles& files,
                                   std::span<const ChangeView> newest,
                                   const std::function<Status(std::string_view, std::string_view)>& put) const {
    // Runs oldest first: the snapshot, the deltas, then `newest`; each sorted by key.
    std::vector<RecordRun> runs;
    if (files.snapshot) {
        FERRIS_ASSIGN_OR_RETURN(RecordRun run, readRun(directory_ / files.snapshot->name,
                                                       expectation(*files.snapshot, StateFileKind::kSnapshot, storeId)));
        runs.push_back(std::move(run));
    }
    for (const StateFileRef& delta : files.deltas) {
        FERRIS_ASSIGN_OR_RETURN(RecordRun run, readRun(directory_ / delta.name,
                                                       expectation(delta, StateFileKind::kDelta, storeId)));
        runs.push_back(std::move(run));
    }
    size_t fileRuns = runs.size();
    auto kindAt = [&](size_t run, size_t i) { return run < fileRuns ? runs[run].kind(i) : newest[i].kind; };
    auto keyAt = [&](size_t run, size_t i) { return run < fileRuns ? runs[run].key(i) : newest[i].key; };
    auto valueAt = [&](size_t run, size_t i) { return run < fileRuns ? runs[run].value(i) : newest[i].value; };
    auto sizeOf = [&](size_t run) { return run < fileRuns ? runs[run].size() : newest.size(); };
    size_t total = fileRuns + (newest.empty() ? 0 : 1);

    // A k-way merge: the smallest key first; among runs holding it, the newest decides.
    std::vector<size_t> position(total, 0);
    auto after = [&](size_t a, size_t b) {  // heap order: a comes out after b
        int order = keyAt(a, position[a]).compare(keyAt(b, position[b]));
        return order != 0 ? order > 0 : a < b;
    };
    std::vector<size_t> heap;
    for (size_t run = 0; run < total; ++run) {
        if (sizeOf(run) > 0) heap.push_back(run);
    }
    std::make_heap(heap.begin(), heap.end(), after);
    while (!heap.empty()) {
        std::pop_heap(heap.begin(), heap.end(), after);
        size_t winner = heap.back();
        std::string_view key = keyAt(winner, position[winner]);
        if (kindAt(winner, position[winner]) == ChangeKind::kPut) {
            FERRIS_RETURN_IF_ERROR(put(key, valueAt(winner, position[winner])));
        }
        // Older runs holding the same key are superseded.
        std::vector<size_t> advanced{winner};
        heap.pop_back();
        while (!heap.empty() && keyAt(heap.front(), position[heap.front()]) == key) {
            std::pop_heap(heap.begin(), heap.end(), after);
            advanced.push_back(heap.back());
            heap.pop_back();
        }
        for (size_t run : advanced) {
            if (++position[run] < sizeOf(run)) {
                heap.push_back(run);
                std::push_heap(heap.begin(), heap.end(), after);
            }
        }
    }
    return Status::ok();
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

    // Compaction: the snapshot, the deltas and these changes merged into a new snapshot.
    FERRIS_ASSIGN_OR_RETURN(
        StateFileRef snapshot,
        writeStateFile(directory_, stateFileName(storeId, checkpointId, true),
                       StateFileKind::kSnapshot, storeId, [&](StateFileWriter& writer) {
                           return mergeStore(storeId, files, records,
                                             [&](std::string_view key, std::string_view value) {
                                                 return writer.append(ChangeKind::kPut, key, value);
                                             });
                       }));
    files = StoreFiles{};
    if (snapshot.records == 0) {
        // Nothing is left: the store goes (its empty file is not referenced, so it is deleted).
        keep = false;
        return Status::ok();
    }
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
        FERRIS_RETURN_IF_ERROR(mergeStore(storeId, files, {},
                                          [&, id = storeId](std::string_view key, std::string_view value) {
                                              apply(id, key, value);
                                              return Status::ok();
                                          }));
    }
    return Status::ok();
}

}  // namespace ferris::state
