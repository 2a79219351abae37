// libFuzzer target: decodes arbitrary bytes as Avro records of a schema with every kind of
// field, plain and with Confluent framing (schema id 1 known, any other unknown). Bad
// records must become row errors naming a row that exists, never crashes. Each record is
// also read as an Avro key (key text of the same schema): a failure leaves its output as it was.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "codec/avro.h"
#include "common/check.h"

using namespace ferris;

namespace {

const char* kSchema = R"({"type":"record","name":"R","fields":[
  {"name":"i","type":"long"},
  {"name":"s","type":["null","string"]},
  {"name":"p","type":{"type":"bytes","logicalType":"decimal","precision":20,"scale":4}},
  {"name":"f","type":{"type":"fixed","name":"F","size":9,"logicalType":"decimal","precision":20,"scale":2}},
  {"name":"t","type":{"type":"long","logicalType":"timestamp-micros"}},
  {"name":"d","type":{"type":"int","logicalType":"date"}},
  {"name":"e","type":{"type":"enum","name":"E","symbols":["A","B","C"]}},
  {"name":"a","type":{"type":"array","items":"long"}},
  {"name":"m","type":{"type":"map","values":["string","null"]}},
  {"name":"n","type":{"type":"record","name":"N","fields":[{"name":"x","type":"double"},{"name":"b","type":"boolean"}]}}
]})";

const std::vector<codec::DecodeField>& fields() {
    static const std::vector<codec::DecodeField> fields = {
        {"i", types::DataType::bigint(), 0},
        {"s", types::DataType::string(), 1},
        {"p", types::DataType::decimal(30, 6), 2},
        {"f", types::DataType::decimal(20, 2), 3},
        {"t", types::DataType::timestamp(), 4},
        {"d", types::DataType::date(), 5},
        {"e", types::DataType::string(), 6},
        {"a", types::DataType::array(types::DataType::bigint()), 7},
        {"m", types::DataType::map(types::DataType::string()), 8},
        {"n", types::DataType::structOf({{"x", types::DataType::float64()}, {"b", types::DataType::boolean()}}), 9},
    };
    return fields;
}

void decode(std::vector<types::RawRecord> records, bool framed) {
    static const auto schema = codec::AvroSchema::parse(kSchema).value();
    codec::AvroDecoderOptions options;
    options.writerSchema = schema;
    options.confluentFraming = framed;
    options.resolver = [](int32_t id) -> Result<codec::AvroSchemaPtr> {
        if (id == 1) return schema;
        return Status::user(ErrorCode::kInvalidValue, "unknown schema id " + std::to_string(id));
    };
    auto decoder = codec::makeAvroDecoder(fields(), options);
    FERRIS_CHECK(decoder.isOk(), decoder.status().toString());
    types::Batch batch;
    batch.setNumRows(static_cast<uint32_t>(records.size()));
    batch.columns().resize(fields().size());
    decoder.value()->decode(records, batch);
    for (const auto& error : batch.errors()) {
        FERRIS_CHECK(error.row < records.size(), "error for a row that does not exist");
        FERRIS_CHECK(!error.message.empty(), "an error without a message");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // Records: a length byte, then that many bytes (the rest when fewer remain).
    std::string bytes(reinterpret_cast<const char*>(data), size);
    std::vector<types::RawRecord> records;
    size_t at = 0;
    while (at < bytes.size()) {
        size_t length = static_cast<uint8_t>(bytes[at++]);
        length = std::min(length, bytes.size() - at);
        types::RawRecord record;
        record.value = std::string_view(bytes).substr(at, length);
        records.push_back(record);
        at += length;
    }
    decode(records, false);
    decode(records, true);
    static const auto schema = codec::AvroSchema::parse(kSchema).value();
    for (const auto& record : records) {
        std::string out = "x";
        std::string error;
        if (!codec::appendAvroKeyText(*schema, record.value, out, error)) {
            FERRIS_CHECK(out == "x" && !error.empty(), "a failed key changed the output or gave no reason");
        }
    }
    return 0;
}
