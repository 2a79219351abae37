// libFuzzer target: decodes arbitrary bytes as JSON Lines records. Bad records must become
// row errors, never crashes — and the decoder's paths must agree: every record is decoded
// twice, once lying in a padded buffer (where the flat-object scanner and document streams
// may take it) and once alone without padding (simdjson, one record at a time); values,
// NULLs and errors must be identical.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "codec/decoder.h"
#include "common/check.h"
#include "types/value_vector.h"

using namespace ferris;

namespace {

const std::vector<codec::DecodeField>& flatFields() {
    static const std::vector<codec::DecodeField> fields = {
        {"b", types::DataType::boolean(), 0},       {"i", types::DataType::bigint(), 1},
        {"d", types::DataType::float64(), 2},       {"p", types::DataType::decimal(18, 4), 3},
        {"w", types::DataType::decimal(38, 10), 4}, {"s", types::DataType::string(), 5},
        {"t", types::DataType::timestamp(), 6},     {"dt", types::DataType::date(), 7},
    };
    return fields;
}

const std::vector<codec::DecodeField>& nestedFields() {
    static const std::vector<codec::DecodeField> fields = {
        {"i", types::DataType::bigint(), 0},
        {"a", types::DataType::array(types::DataType::bigint()), 1},
        {"m", types::DataType::map(types::DataType::string()), 2},
    };
    return fields;
}

/// Every row as text: each column's value (or NULL), or the row's error.
std::vector<std::string> describe(const types::Batch& batch, size_t columns, size_t rows) {
    std::vector<std::string> out(rows);
    for (size_t row = 0; row < rows; ++row) {
        for (size_t c = 0; c < columns; ++c) {
            const auto& column = batch.column(c);
            if (column.type().isNested()) {
                out[row] += column.isNull(static_cast<uint32_t>(row)) ? "NULL|" : "nested|";
            } else {
                out[row] += types::readValue(column, static_cast<uint32_t>(row)).toSql() + "|";
            }
        }
    }
    for (const auto& error : batch.errors()) out[error.row] = "error: " + error.message;
    return out;
}

std::vector<std::string> decode(const std::vector<codec::DecodeField>& fields, std::vector<types::RawRecord> records) {
    auto decoder = codec::makeJsonDecoder(fields);
    types::Batch batch;
    batch.setNumRows(static_cast<uint32_t>(records.size()));
    batch.columns().resize(fields.size());
    decoder.value()->decode(records, batch);
    for (const auto& error : batch.errors()) {
        FERRIS_CHECK(error.row < records.size(), "error for a row that does not exist");
        FERRIS_CHECK(!error.message.empty(), "an error without a message");
    }
    return describe(batch, fields.size(), records.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string padded(reinterpret_cast<const char*>(data), size);
    std::vector<std::pair<size_t, size_t>> lines;
    size_t start = 0;
    while (start < padded.size()) {
        size_t end = padded.find('\n', start);
        if (end == std::string::npos) end = padded.size();
        if (end > start) lines.emplace_back(start, end - start);
        start = end + 1;
    }
    padded.append(64, ' ');
    std::vector<types::RawRecord> adjacent;
    std::vector<std::string> alone;  // each record in its own exact-size block
    alone.reserve(lines.size());
    for (auto [offset, length] : lines) {
        types::RawRecord record;
        record.value = std::string_view(padded.data() + offset, length);
        record.paddingAfter = static_cast<uint32_t>(padded.size() - offset - length);
        adjacent.push_back(record);
        alone.emplace_back(padded.data() + offset, length);
    }
    std::vector<types::RawRecord> separate;
    for (const auto& text : alone) {
        types::RawRecord record;
        record.value = text;
        record.paddingAfter = 0;
        separate.push_back(record);
    }
    for (const auto* fields : {&flatFields(), &nestedFields()}) {
        auto fast = decode(*fields, adjacent);
        auto slow = decode(*fields, separate);
        for (size_t row = 0; row < fast.size(); ++row) {
            FERRIS_CHECK(fast[row] == slow[row], "paths disagree on record " + std::to_string(row) + ": '" +
                                                     std::string(adjacent[row].value) + "': " + fast[row] +
                                                     " vs " + slow[row]);
        }
    }
    return 0;
}
