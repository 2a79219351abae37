// The `string` and `bytes` formats: the whole record value is the one column.

#include <simdjson.h>

#include <fmt/format.h>

#include "codec/decoder.h"
#include "codec/encoder.h"

namespace ferris::codec {

namespace {

using types::Batch;
using types::RawRecord;
using types::TypeId;

class RawDecoder final : public Decoder {
public:
    RawDecoder(std::vector<DecodeField> fields, bool text) : fields_(std::move(fields)), text_(text) {}

    void decode(std::span<const RawRecord> records, Batch& batch) override {
        auto rows = static_cast<uint32_t>(records.size());
        auto columns = makeFieldColumns(fields_, rows, batch);
        if (columns.empty()) return;  // the plan reads no column of the value
        types::Vector& column = *columns[0];
        auto* values = column.values<std::string_view>();
        for (uint32_t row = 0; row < rows; ++row) {
            const RawRecord& record = records[row];
            if (record.valueIsNull) {
                column.setNull(row);
                continue;
            }
            if (text_ && !simdjson::validate_utf8(record.value.data(), record.value.size())) {
                batch.addError(row, ErrorCode::kDecodeError,
                               fmt::format("the value of a 'string' record is not valid UTF-8 ({} bytes)",
                                           record.value.size()));
                column.setNull(row);
                continue;
            }
            values[row] = record.value;  // a view into the buffer the batch pins
        }
    }

private:
    std::vector<DecodeField> fields_;
    bool text_;
};

class RawEncoder final : public Encoder {
public:
    explicit RawEncoder(EncodeColumn column) : column_(std::move(column)) {}

    void encode(const Batch& batch, std::string& out) override {
        for (uint32_t row : batch.selection()) {
            encodeRow(batch, row, out);
            out += '\n';
        }
    }
    void encodeRow(const Batch& batch, uint32_t row, std::string& out) override {
        const types::Vector& column = batch.column(static_cast<size_t>(column_.slot));
        if (!column.isNull(row)) out += column.values<std::string_view>()[row];
    }
    void encodeRecords(const Batch& batch, EncodedBatch& out) override {
        const types::Vector& column = batch.column(static_cast<size_t>(column_.slot));
        for (uint32_t row : batch.selection()) {
            EncodedRecord record;
            record.valueBegin = static_cast<uint32_t>(out.data.size());
            if (column.isNull(row)) {
                record.valueIsNull = true;  // NULL is a record without a value
            } else {
                out.data += column.values<std::string_view>()[row];
            }
            record.valueEnd = static_cast<uint32_t>(out.data.size());
            out.records.push_back(record);
        }
        out.rows += batch.numSelected();
    }

private:
    EncodeColumn column_;
};

Status checkOneColumn(size_t count, const types::DataType& type, bool text, std::string_view what) {
    TypeId expected = text ? TypeId::kString : TypeId::kBytes;
    const char* name = text ? "string" : "bytes";
    if (count != 1 || type.id() != expected) {
        return Status::user(ErrorCode::kTypeMismatch,
                            fmt::format("format '{}' carries one {} column as the whole record value, but the {} {}",
                                        name, text ? "STRING" : "BYTES", what,
                                        count != 1 ? fmt::format("has {} columns", count)
                                                   : "column is " + type.toString()));
    }
    return Status::ok();
}

}  // namespace

Result<std::unique_ptr<Decoder>> makeRawDecoder(const types::Schema& schema, std::vector<DecodeField> fields,
                                                bool text) {
    if (schema.size() != 1) return checkOneColumn(schema.size(), types::DataType(), text, "source");
    FERRIS_RETURN_IF_ERROR(checkOneColumn(1, schema.column(0).type, text, "source"));
    return std::unique_ptr<Decoder>(std::make_unique<RawDecoder>(std::move(fields), text));
}

Result<std::unique_ptr<Encoder>> makeRawEncoder(std::vector<EncodeColumn> columns, bool text) {
    if (columns.size() != 1) return checkOneColumn(columns.size(), types::DataType(), text, "output");
    FERRIS_RETURN_IF_ERROR(checkOneColumn(1, columns[0].type, text, "output"));
    return std::unique_ptr<Encoder>(std::make_unique<RawEncoder>(std::move(columns[0])));
}

}  // namespace ferris::codec
