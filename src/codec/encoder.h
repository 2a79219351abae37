#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "types/batch.h"
#include "types/data_type.h"

namespace ferris::codec {

/// An output column: its name in the output and the batch slot holding it.
struct EncodeColumn {
    std::string name;
    types::DataType type;
    int slot = -1;
};

/// How TIMESTAMP values are written (`'<sink>.timestamp.format'`).
enum class TimestampFormat : uint8_t {
    kEpochMillis,  ///< integer milliseconds since the epoch (the default)
    kIso8601,      ///< "YYYY-MM-DDTHH:MM:SS.sssZ"
};

/// Turns the selected rows of a batch into bytes, one record per line.
class Encoder {
public:
    virtual ~Encoder() = default;
    /// Appends every selected row of `batch` to `out`, each ending with '\n'.
    virtual void encode(const types::Batch& batch, std::string& out) = 0;
    /// Appends one row (for DLQ entries and per-record sinks); no trailing newline.
    virtual void encodeRow(const types::Batch& batch, uint32_t row, std::string& out) = 0;
    /// The header line a file starts with (CSV with header), or "" when none.
    virtual std::string header() const { return ""; }
};

Result<std::unique_ptr<Encoder>> makeJsonEncoder(std::vector<EncodeColumn> columns, TimestampFormat timestamps);

/// A table's changelog as JSON lines: upserts carry every column, deletes the key columns
/// (indexes into `columns`), by the batch's row kinds.
Result<std::unique_ptr<Encoder>> makeJsonChangelogEncoder(std::vector<EncodeColumn> columns, std::vector<int> keyColumns,
                                                          TimestampFormat timestamps);

struct CsvWriteOptions {
    char delimiter = ',';
    char quote = '"';
    bool header = true;
    TimestampFormat timestamps = TimestampFormat::kEpochMillis;
};
Result<std::unique_ptr<Encoder>> makeCsvEncoder(std::vector<EncodeColumn> columns, CsvWriteOptions options);

/// Appends `text` as a JSON string literal (quoted, escaped).
void appendJsonString(std::string_view text, std::string& out);

}  // namespace ferris::codec
