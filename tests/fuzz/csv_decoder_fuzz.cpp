// libFuzzer target: decodes arbitrary bytes as CSV lines (no header) of a schema with every
// scalar type. Bad records must become row errors, never crashes.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "codec/csv_decoder.h"
#include "common/check.h"

using namespace ferris;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const std::vector<codec::DecodeField> fields = {
        {"b", types::DataType::boolean(), 0},       {"i", types::DataType::bigint(), 1},
        {"d", types::DataType::float64(), 2},       {"p", types::DataType::decimal(18, 4), 3},
        {"w", types::DataType::decimal(38, 10), 4}, {"s", types::DataType::string(), 5},
        {"t", types::DataType::timestamp(), 6},     {"dt", types::DataType::date(), 7},
    };
    static std::vector<std::string> order = {"b", "i", "d", "p", "w", "s", "t", "dt"};
    codec::CsvOptions options;
    options.header = false;
    static auto decoder = codec::makeCsvDecoder(fields, order, options);
    std::string buffer(reinterpret_cast<const char*>(data), size);
    std::vector<types::RawRecord> records;
    size_t start = 0;
    while (start < buffer.size()) {
        size_t end = buffer.find('\n', start);
        if (end == std::string::npos) end = buffer.size();
        types::RawRecord record;
        record.value = std::string_view(buffer).substr(start, end - start);
        records.push_back(record);
        start = end + 1;
    }
    types::Batch batch;
    batch.setNumRows(static_cast<uint32_t>(records.size()));
    batch.columns().resize(fields.size());
    decoder.value()->decode(records, batch);
    for (const auto& error : batch.errors()) {
        FERRIS_CHECK(error.row < records.size(), "error for a row that does not exist");
    }
    return 0;
}
