// Kafka key formats (src/codec/key_format.h): JSON and Avro keys read back as §1.4.1 key
// text, and keys written by the record assembler in every key format read back as the same
// text as the default string keys.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "codec/avro.h"
#include "codec/decoder.h"
#include "codec/encoder.h"
#include "codec/key_format.h"
#include "codec/record_assembler.h"
#include "types/batch.h"
#include "types/raw_record.h"

namespace ferris::codec {
namespace {

using types::Batch;
using types::DataType;

std::string bytes(std::initializer_list<int> values) {
    std::string out;
    for (int value : values) out += static_cast<char>(value);
    return out;
}

AvroSchemaPtr parseSchema(std::string_view text) {
    auto schema = AvroSchema::parse(text);
    EXPECT_TRUE(schema.isOk()) << schema.status().toString();
    return schema.isOk() ? schema.value() : nullptr;
}

/// The key's text, or "error: <message>".
std::string textOf(KeyReader& reader, std::string_view key) {
    std::string out = "unchanged";
    std::string error;
    if (!reader.appendText(key, out, error)) return out == "unchanged" ? "error: " + error : "error, out changed";
    return out.substr(9);
}

TEST(JsonKeys, StringsReadAsTheirValueOtherDocumentsAsCompactText) {
    auto reader = KeyReader::json();
    EXPECT_EQ(textOf(*reader, R"("abc")"), "abc");
    EXPECT_EQ(textOf(*reader, R"("a\"b\u00e9")"), "a\"b\xc3\xa9");
    EXPECT_EQ(textOf(*reader, " 42 "), "42");
    EXPECT_EQ(textOf(*reader, "1.50"), "1.50");  // the digits as written
    EXPECT_EQ(textOf(*reader, "null"), "null");
    EXPECT_EQ(textOf(*reader, R"({ "acct" : 7, "r": "e u" })"), R"({"acct":7,"r":"e u"})");
    EXPECT_EQ(textOf(*reader, "[1, 2]"), "[1,2]");
    EXPECT_EQ(textOf(*reader, "{"), "error: the key is not valid JSON: The JSON document has an improper structure: "
                                    "missing or superfluous commas, braces, missing keys, etc.");
    EXPECT_EQ(textOf(*reader, "abc").substr(0, 33), "error: the key is not valid JSON:");
}

TEST(AvroKeys, OneFieldRecordIsItsFieldsTextAndScalarsAreBare) {
    auto record = KeyReader::avro(
        parseSchema(R"({"type":"record","name":"K","fields":[{"name":"sym","type":["null","string"]}]})"), false, {});
    EXPECT_EQ(textOf(*record, bytes({0x02, 0x06, 'a', 'b', 'c'})), "abc");
    EXPECT_EQ(textOf(*record, bytes({0x00})), "null");
    auto primitive = KeyReader::avro(parseSchema(R"("string")"), false, {});
    EXPECT_EQ(textOf(*primitive, bytes({0x04, 'h', 'i'})), "hi");
    auto number = KeyReader::avro(parseSchema(R"("long")"), false, {});
    EXPECT_EQ(textOf(*number, bytes({0x03})), "-2");
    auto decimal =
        KeyReader::avro(parseSchema(R"({"type":"bytes","logicalType":"decimal","precision":6,"scale":2})"), false, {});
    EXPECT_EQ(textOf(*decimal, bytes({0x04, 0x04, 0xd2})), "12.34");  // 1234
    auto micros = KeyReader::avro(parseSchema(R"({"type":"long","logicalType":"timestamp-micros"})"), false, {});
    EXPECT_EQ(textOf(*micros, bytes({0x01})), "-1");  // -1 µs floors to -1 ms
    auto date = KeyReader::avro(parseSchema(R"({"type":"int","logicalType":"date"})"), false, {});
    EXPECT_EQ(textOf(*date, bytes({0x02})), "1970-01-02");
}

TEST(AvroKeys, SeveralFieldsAreACompactJsonObject) {
    auto reader = KeyReader::avro(parseSchema(R"({"type":"record","name":"K","fields":[
        {"name":"id","type":"long"},
        {"name":"price","type":{"type":"fixed","name":"P","size":2,"logicalType":"decimal","precision":4,"scale":1}},
        {"name":"at","type":{"type":"long","logicalType":"timestamp-millis"}},
        {"name":"side","type":{"type":"enum","name":"Side","symbols":["BUY","SELL"]}},
        {"name":"raw","type":"bytes"},
        {"name":"tags","type":{"type":"array","items":"string"}},
        {"name":"x","type":"double"}]})"),
                                  false, {});
    std::string key = bytes({0x0e, 0xff, 0x38, 0xd0, 0x0f, 0x02, 0x04, 0x01, 0x02, 0x02, 0x02, 'a', 0x00});
    key += bytes({0, 0, 0, 0, 0, 0, 0xf8, 0x3f});  // 1.5
    EXPECT_EQ(textOf(*reader, key),
              R"({"id":7,"price":"-20.0","at":1000,"side":"SELL","raw":"AQI=","tags":["a"],"x":1.5})");
    EXPECT_EQ(textOf(*reader, bytes({0x0e})), "error: the key is not valid Avro: the record ends inside a value");
    auto one = KeyReader::avro(parseSchema(R"("long")"), false, {});
    EXPECT_EQ(textOf(*one, bytes({0x02, 0x02})), "error: the key is not valid Avro: 1 bytes follow the value");
}

TEST(AvroKeys, FramedKeysNameTheirSchemaById) {
    int lookups = 0;
    AvroSchemaResolver resolver = [&](int32_t id) -> Result<AvroSchemaPtr> {
        ++lookups;
        if (id != 5) return Status::user(ErrorCode::kConfigError, "Schema not found");
        return parseSchema(R"("string")");
    };
    auto reader = KeyReader::avro(nullptr, true, resolver);
    EXPECT_EQ(textOf(*reader, bytes({0, 0, 0, 0, 5, 0x02, 'k'})), "k");
    EXPECT_EQ(textOf(*reader, bytes({0, 0, 0, 0, 5, 0x02, 'j'})), "j");
    EXPECT_EQ(lookups, 1);  // cached by id
    EXPECT_EQ(textOf(*reader, bytes({0, 0, 0, 0, 9, 0x02, 'k'})), "error: key schema id 9: Schema not found");
    EXPECT_EQ(textOf(*reader, bytes({1, 0, 0, 0, 5, 0x02, 'k'})),
              "error: the key is not Confluent-framed Avro (magic byte 0 and a 4-byte schema id)");
    EXPECT_EQ(textOf(*reader, bytes({0, 0})),
              "error: the key is not Confluent-framed Avro (magic byte 0 and a 4-byte schema id)");
}

/// Writes the keys of `lines` (JSON rows of `fields`, keyed by `keyFields`) in `format` and
/// reads them back to text.
std::vector<std::string> roundTrip(const std::vector<DecodeField>& fields, const std::vector<int>& keyFields,
                                   const std::vector<std::string>& lines, KeyFormat format) {
    std::vector<std::unique_ptr<std::string>> storage;
    std::vector<types::RawRecord> records;
    for (const auto& line : lines) {
        storage.push_back(std::make_unique<std::string>(line));
        types::RawRecord record;
        record.value = *storage.back();
        records.push_back(record);
    }
    auto decoder = makeJsonDecoder(fields);
    EXPECT_TRUE(decoder.isOk());
    Batch batch;
    batch.setNumRows(static_cast<uint32_t>(records.size()));
    (*decoder)->decode(records, batch);
    EXPECT_TRUE(batch.errors().empty());

    std::vector<EncodeColumn> columns;
    for (const auto& field : fields) columns.push_back({field.name, field.type, field.slot});
    RecordLayout layout;
    for (int index : keyFields) layout.keyColumns.push_back(columns[static_cast<size_t>(index)]);
    layout.keyFormat = format;
    AvroSchemaPtr keySchema;
    if (format == KeyFormat::kAvro) {
        keySchema = avroSchemaFor(layout.keyColumns, "out_key", "ferris").value();
        layout.keyEncoder = std::move(makeAvroEncoder(layout.keyColumns, {keySchema, std::nullopt})).value();
    }
    auto values = makeJsonEncoder(columns, TimestampFormat::kEpochMillis);
    RecordAssembler assembler(**values, layout);
    EncodedBatch out;
    assembler.assemble(batch, out);

    std::unique_ptr<KeyReader> reader = format == KeyFormat::kJson   ? KeyReader::json()
                                        : format == KeyFormat::kAvro ? KeyReader::avro(keySchema, false, {})
                                                                     : nullptr;
    std::vector<std::string> texts;
    for (const auto& record : out.records) {
        EXPECT_TRUE(record.hasKey);
        std::string_view key(out.data.data() + record.keyBegin, record.keyEnd - record.keyBegin);
        texts.push_back(reader ? textOf(*reader, key) : std::string(key));
    }
    return texts;
}

TEST(KeyFormats, EveryFormatReadsBackAsTheStringKeysText) {
    std::vector<DecodeField> fields = {{"sym", DataType::string(), 0},
                                       {"n", DataType::bigint(), 1},
                                       {"price", DataType::decimal(10, 2), 2},
                                       {"at", DataType::timestamp(), 3}};
    std::vector<std::string> lines = {R"({"sym":"a\"b","n":-3,"price":"1.50","at":1700000000123})",
                                      R"({"sym":null,"n":7,"price":null,"at":null})"};
    for (const std::vector<int>& key : std::vector<std::vector<int>>{{0}, {1}, {2}, {3}, {0, 1}, {2, 3}}) {
        auto text = roundTrip(fields, key, lines, KeyFormat::kString);
        EXPECT_EQ(roundTrip(fields, key, lines, KeyFormat::kAvro), text) << fmt::format("key {}", key.front());
        if (key.size() > 1) {
            EXPECT_EQ(roundTrip(fields, key, lines, KeyFormat::kJson), text);
        }
    }
    EXPECT_EQ(roundTrip(fields, {0}, lines, KeyFormat::kString), (std::vector<std::string>{"a\"b", "null"}));
    EXPECT_EQ(roundTrip(fields, {2, 3}, lines, KeyFormat::kString),
              (std::vector<std::string>{R"({"price":"1.50","at":1700000000123})", R"({"price":null,"at":null})"}));
}

TEST(KeyFormats, JsonKeysOfOneColumnAreItsJsonValue) {
    std::vector<DecodeField> fields = {{"sym", DataType::string(), 0}, {"price", DataType::decimal(10, 2), 1}};
    std::vector<std::string> lines = {R"({"sym":"x","price":"2.00"})"};
    // Written as JSON values (a string quoted); read back as the same key text as string keys.
    EXPECT_EQ(roundTrip(fields, {0}, lines, KeyFormat::kJson), (std::vector<std::string>{"x"}));
    EXPECT_EQ(roundTrip(fields, {1}, lines, KeyFormat::kJson), (std::vector<std::string>{"2.00"}));
}

}  // namespace
}  // namespace ferris::codec
