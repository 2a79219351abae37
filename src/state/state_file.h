#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/status.h"
#include "state/change_set.h"
#include "state/durable_file.h"

namespace ferris::state {

/// What a state file holds; written into its header.
enum class StateFileKind : uint8_t {
    kSnapshot = 1,  ///< a store's whole contents at one checkpoint: puts only, sorted by key
    kDelta = 2,     ///< a store's changes made between two checkpoints: puts and erases
};

/// A state file starts with an 8-byte header: these six bytes, the format version, the kind.
inline constexpr std::string_view kStateFileMagic = "FRSTAT";
inline constexpr uint8_t kStateFileFormatVersion = 1;
inline constexpr uint64_t kStateFileHeaderBytes = 8;

/// Bytes one record takes in a state file (framing included).
uint64_t encodedRecordBytes(StoreId storeId, std::string_view key, std::string_view value);

/// Appends one CRC-framed record to `out`:
///   varint payload length | payload | CRC-32C of the payload (4 bytes, little-endian)
///   payload = varint store id | kind (1 byte) | varint key length | key
///             | varint value length | value (empty for an erase)
void appendRecord(std::string& out, StoreId storeId, ChangeKind kind, std::string_view key,
                  std::string_view value);

/// Writes one store's records into a new state file; finish() makes it durable.
class StateFileWriter {
public:
    /// Creates (or truncates) `path` and writes the header.
    static Result<StateFileWriter> create(std::filesystem::path path, StateFileKind kind,
                                          StoreId storeId);

    Status append(ChangeKind kind, std::string_view key, std::string_view value);
    /// Flushes, fsyncs and closes the file.
    Status finish() { return file_.finish(); }

    /// File size so far, header included.
    uint64_t bytes() const { return file_.size(); }
    uint64_t records() const { return records_; }

private:
    StateFileWriter(DurableFileWriter file, StoreId storeId)
        : file_(std::move(file)), storeId_(storeId) {}

    DurableFileWriter file_;
    StoreId storeId_;
    uint64_t records_ = 0;
};

/// What the manifest says a state file must be.
struct StateFileExpectation {
    StateFileKind kind = StateFileKind::kDelta;
    StoreId storeId = 0;
    uint64_t bytes = 0;    ///< exact file size
    uint64_t records = 0;  ///< exact record count
};

/// Called for each record of a state file, in file order; the views die with the call.
using RecordVisitor = std::function<void(const ChangeView& change)>;

/// Reads a state file, checking its size, header, the framing and CRC of every record, each
/// record's store id and kind, and the record count; calls `visit` for each record as it is
/// verified. Any mismatch is an error naming the file and the byte offset, and then records
/// already visited must be discarded: the file is torn or corrupt.
Status readStateFile(const std::filesystem::path& path, const StateFileExpectation& expected,
                     const RecordVisitor& visit);

}  // namespace ferris::state
