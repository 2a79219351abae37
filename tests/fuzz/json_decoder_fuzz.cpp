// libFuzzer target: decodes arbitrary bytes as JSON Lines records of a schema with every
// scalar type and a nested one. Bad records must become row errors, never crashes.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "codec/decoder.h"
#include "common/check.h"

using namespace ferris;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const std::vector<codec::DecodeField> fields = {
        {"b", types::DataType::boolean(), 0},        {"i", types::DataType::bigint(), 1},
        {"d", types::DataType::float64(), 2},        {"p", types::DataType::decimal(18, 4), 3},
        {"w", types::DataType::decimal(38, 10), 4},  {"s", types::DataType::string(), 5},
        {"t", types::DataType::timestamp(), 6},      {"dt", types::DataType::date(), 7},
        {"a", types::DataType::array(types::DataType::bigint()), 8},
        {"m", types::DataType::map(types::DataType::string()), 9},
    };
    static auto decoder = codec::makeJsonDecoder(fields);
    std::string buffer(reinterpret_cast<const char*>(data), size);
    // Records are the lines of the input, in one padded buffer (as the file source gives).
    std::vector<types::RawRecord> records;
    size_t start = 0;
    while (start <= buffer.size()) {
        size_t end = buffer.find('\n', start);
        if (end == std::string::npos) end = buffer.size();
        if (end > start) {
            types::RawRecord record;
            record.value = std::string_view(buffer).substr(start, end - start);
            record.offset = static_cast<int64_t>(start);
            records.push_back(record);
        }
        start = end + 1;
    }
    buffer.append(64, ' ');
    for (auto& record : records) {
        record.paddingAfter = static_cast<uint32_t>(buffer.size() - (record.value.data() - buffer.data()) -
                                                    record.value.size());
        record.value = std::string_view(buffer.data() + record.offset, record.value.size());
    }
    types::Batch batch;
    batch.setNumRows(static_cast<uint32_t>(records.size()));
    batch.columns().resize(fields.size());
    decoder.value()->decode(records, batch);
    for (const auto& error : batch.errors()) {
        FERRIS_CHECK(error.row < records.size(), "error for a row that does not exist");
        FERRIS_CHECK(!error.message.empty(), "an error without a message");
    }
    return 0;
}
