#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "types/batch.h"
#include "types/data_type.h"

namespace ferris::codec {

/// One header of an encoded record. Views into the input batch's pinned bytes (passed-through
/// headers) or into EncodedBatch::ownedText (headers the job made).
struct EncodedHeader {
    std::string_view key;
    std::string_view value;
    bool valueIsNull = false;
};

/// One encoded output record: ranges in EncodedBatch::data, headers in EncodedBatch::headers.
struct EncodedRecord {
    uint32_t valueBegin = 0;
    uint32_t valueEnd = 0;
    uint32_t keyBegin = 0;
    uint32_t keyEnd = 0;
    bool hasKey = false;
    bool valueIsNull = false;  ///< a tombstone (a table's delete, to Kafka)
    uint32_t headerBegin = 0;  ///< headers: EncodedBatch::headers[headerBegin, headerEnd)
    uint32_t headerEnd = 0;
};

/// A batch of encoded output: the bytes, and per record where its key, value and headers
/// are. File sinks write `data` as is (records are newline-terminated lines); record sinks
/// (Kafka) use `records`.
struct EncodedBatch {
    std::string data;
    std::vector<EncodedRecord> records;
    std::vector<EncodedHeader> headers;
    std::deque<std::string> ownedText;  ///< stable storage for header text made by the job
    size_t rows = 0;

    void clear() {
        data.clear();
        records.clear();
        headers.clear();
        ownedText.clear();
        rows = 0;
    }
    /// Appends a record, copying its key (nullopt: none) and value (nullopt: a tombstone)
    /// into `data`; addHeader() gives it headers until the next append.
    EncodedRecord& append(std::optional<std::string_view> key,
                          std::optional<std::string_view> value) {
        EncodedRecord& record = records.emplace_back();
        record.hasKey = key.has_value();
        record.keyBegin = static_cast<uint32_t>(data.size());
        if (key) data += *key;
        record.keyEnd = static_cast<uint32_t>(data.size());
        record.valueIsNull = !value.has_value();
        record.valueBegin = record.keyEnd;
        if (value) data += *value;
        record.valueEnd = static_cast<uint32_t>(data.size());
        record.headerBegin = record.headerEnd = static_cast<uint32_t>(headers.size());
        ++rows;
        return record;
    }
    /// A header of the last appended record; its text must outlive the batch (ownedText).
    void addHeader(std::string_view key, std::string_view value, bool valueIsNull = false) {
        headers.push_back({key, value, valueIsNull});
        records.back().headerEnd = static_cast<uint32_t>(headers.size());
    }
    /// A header whose text the batch keeps (ownedText).
    void addOwnedHeader(std::string_view key, std::string value) {
        ownedText.push_back(std::move(value));
        addHeader(key, ownedText.back());
    }
    /// Appends a copy of `from`'s `record`: key, value and headers, all owned by this batch
    /// (a batch's headers may view bytes that do not outlive it).
    void appendCopy(const EncodedBatch& from, const EncodedRecord& record) {
        append(record.hasKey ? std::optional<std::string_view>(from.key(record)) : std::nullopt,
               record.valueIsNull ? std::nullopt
                                  : std::optional<std::string_view>(from.value(record)));
        for (uint32_t h = record.headerBegin; h < record.headerEnd; ++h) {
            const EncodedHeader& header = from.headers[h];
            std::string_view key = ownedText.emplace_back(header.key);
            std::string_view value =
                header.valueIsNull ? std::string_view() : ownedText.emplace_back(header.value);
            addHeader(key, value, header.valueIsNull);
        }
    }
    std::string_view value(const EncodedRecord& record) const {
        return std::string_view(data).substr(record.valueBegin, record.valueEnd - record.valueBegin);
    }
    std::string_view key(const EncodedRecord& record) const {
        return std::string_view(data).substr(record.keyBegin, record.keyEnd - record.keyBegin);
    }
};

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
    /// Appends every selected row of `batch` to `out` as one record each (no newline), with
    /// its value range set; keys and headers are the caller's.
    virtual void encodeRecords(const types::Batch& batch, EncodedBatch& out) {
        for (uint32_t row : batch.selection()) {
            EncodedRecord record;
            record.valueBegin = static_cast<uint32_t>(out.data.size());
            encodeRow(batch, row, out.data);
            record.valueEnd = static_cast<uint32_t>(out.data.size());
            out.records.push_back(record);
        }
        out.rows += batch.numSelected();
    }
    /// The header line a file starts with (CSV with header), or "" when none.
    virtual std::string header() const { return ""; }
};

Result<std::unique_ptr<Encoder>> makeJsonEncoder(std::vector<EncodeColumn> columns, TimestampFormat timestamps);

/// A table's changelog as JSON lines: upserts carry every column, deletes the key columns
/// (indexes into `columns`), by the batch's row kinds.
Result<std::unique_ptr<Encoder>> makeJsonChangelogEncoder(std::vector<EncodeColumn> columns, std::vector<int> keyColumns,
                                                          TimestampFormat timestamps);

/// The `string` and `bytes` formats: the one output column (STRING, or BYTES) is the whole
/// record value; NULL is a record without a value.
Result<std::unique_ptr<Encoder>> makeRawEncoder(std::vector<EncodeColumn> columns, bool text);

struct CsvWriteOptions {
    char delimiter = ',';
    char quote = '"';
    bool header = true;
    TimestampFormat timestamps = TimestampFormat::kEpochMillis;
};
Result<std::unique_ptr<Encoder>> makeCsvEncoder(std::vector<EncodeColumn> columns, CsvWriteOptions options);

/// Appends one value as JSON (§1.4.1 output encoding); NULL is `null`.
void appendJsonValue(const types::Vector& column, uint32_t row, TimestampFormat timestamps, std::string& out);

/// Appends `text` as a JSON string literal (quoted, escaped).
void appendJsonString(std::string_view text, std::string& out);

}  // namespace ferris::codec
