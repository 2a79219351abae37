// The Avro format (src/codec/avro.h, avro_schema.h): schema parsing and the SQL types it maps
// to, byte-exact golden vectors of the binary encoding and of the Confluent framing (written
// out by hand from the Avro 1.11 specification), corrupt input as row errors, round trips of
// every type, schema evolution through schema ids, and interoperability both ways with
// Apache Avro's Python library (Debian's python3-avro, driven by tests/tools/avro_interop.py).

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "codec/avro.h"
#include "codec/decoder.h"
#include "codec/encoder.h"
#include "types/batch.h"
#include "types/data_type.h"
#include "types/decimal.h"
#include "types/raw_record.h"

namespace ferris::codec {
namespace {

using types::Batch;
using types::DataType;
using types::int128_t;
using types::RawRecord;
using types::StructField;
using types::Vector;

// ---- Helpers -------------------------------------------------------------------------------

std::string bytes(std::initializer_list<int> values) {
    std::string out;
    for (int value : values) out += static_cast<char>(value);
    return out;
}

std::string hex(std::string_view data) {
    std::string out;
    for (char c : data) out += fmt::format("{:02x} ", static_cast<uint8_t>(c));
    if (!out.empty()) out.pop_back();
    return out;
}

AvroSchemaPtr parseSchema(std::string_view text) {
    auto schema = AvroSchema::parse(text);
    EXPECT_TRUE(schema.isOk()) << schema.status().toString();
    return schema.isOk() ? schema.value() : nullptr;
}

std::vector<DecodeField> fieldsOf(const std::vector<std::pair<std::string, DataType>>& columns) {
    std::vector<DecodeField> fields;
    for (size_t i = 0; i < columns.size(); ++i)
        fields.push_back({columns[i].first, columns[i].second, static_cast<int>(i)});
    return fields;
}

std::vector<EncodeColumn> encodeColumnsOf(const std::vector<DecodeField>& fields) {
    std::vector<EncodeColumn> columns;
    for (const auto& field : fields) columns.push_back({field.name, field.type, field.slot});
    return columns;
}

/// Records whose bytes each live in an exactly-sized heap block (ASan sees any overread).
struct Records {
    std::vector<std::unique_ptr<char[]>> blocks;
    std::vector<RawRecord> records;

    void add(std::string_view value) {
        blocks.push_back(std::make_unique<char[]>(value.size() + 1));
        std::memcpy(blocks.back().get(), value.data(), value.size());
        RawRecord record;
        record.value = std::string_view(blocks.back().get(), value.size());
        records.push_back(record);
    }
};

Batch decodeWith(Decoder& decoder, const std::vector<std::string>& values, Records& input) {
    for (const auto& value : values) input.add(value);
    Batch batch;
    batch.setNumRows(static_cast<uint32_t>(input.records.size()));
    decoder.decode(input.records, batch);
    return batch;
}

/// Renders the rows of `batch` as JSON lines (one text for all types, nested ones included).
std::vector<std::string> jsonRows(const Batch& batch, const std::vector<DecodeField>& fields) {
    auto encoder = makeJsonEncoder(encodeColumnsOf(fields), TimestampFormat::kEpochMillis);
    EXPECT_TRUE(encoder.isOk());
    std::vector<std::string> rows;
    for (uint32_t row = 0; row < batch.numRows(); ++row) {
        std::string text;
        (*encoder)->encodeRow(batch, row, text);
        rows.push_back(text);
    }
    return rows;
}

/// A batch holding the rows of JSON lines (read with the JSON decoder).
Batch batchFromJson(const std::vector<DecodeField>& fields, const std::vector<std::string>& lines, Records& input) {
    auto decoder = makeJsonDecoder(fields);
    EXPECT_TRUE(decoder.isOk());
    Batch batch = decodeWith(**decoder, lines, input);
    for (const auto& error : batch.errors()) ADD_FAILURE() << "JSON row " << error.row << ": " << error.message;
    return batch;
}

std::string encodeRow(Encoder& encoder, const Batch& batch, uint32_t row) {
    std::string out;
    encoder.encodeRow(batch, row, out);
    return out;
}

std::vector<std::string> errorsOf(const Batch& batch) {
    std::vector<std::string> messages;
    for (const auto& error : batch.errors()) {
        EXPECT_EQ(error.code, ErrorCode::kDecodeError);
        messages.push_back(fmt::format("{}: {}", error.row, error.message));
    }
    return messages;
}

std::filesystem::path toolsDir() {
    return std::filesystem::path(__FILE__).parent_path().parent_path() / "tools";
}

/// The interpreter python3-avro belongs to: Debian installs it for /usr/bin/python3, which a
/// `python3` earlier on PATH (a pyenv or venv one) does not see. FERRIS_PYTHON overrides.
std::string python() {
    if (const char* configured = std::getenv("FERRIS_PYTHON")) return configured;
    return std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
}

std::string readFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// ---- Schema parsing ----------------------------------------------------------------------------

TEST(AvroSchemaTest, PrimitivesMapToSqlTypes) {
    std::vector<std::pair<std::string, std::string>> cases = {
        {"\"boolean\"", "BOOLEAN"}, {"\"int\"", "BIGINT"},    {"\"long\"", "BIGINT"}, {"\"float\"", "DOUBLE"},
        {"\"double\"", "DOUBLE"},   {"\"string\"", "STRING"}, {"\"bytes\"", "BYTES"}, {R"({"type":"long"})", "BIGINT"},
    };
    for (const auto& [text, sql] : cases) {
        auto schema = parseSchema(text);
        ASSERT_NE(schema, nullptr) << text;
        auto type = schema->sqlType(schema->rootIndex(), "value");
        ASSERT_TRUE(type.isOk()) << text;
        EXPECT_EQ(type->type.toString(), sql) << text;
        EXPECT_FALSE(type->nullable) << text;
    }
}

TEST(AvroSchemaTest, RecordsNamespacesAndNamedReferences) {
    auto schema = parseSchema(R"({
        "type": "record", "name": "Order", "namespace": "com.acme",
        "fields": [
            {"name": "id", "type": "long"},
            {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["NEW", "DONE"]}},
            {"name": "previous", "type": "Status"},
            {"name": "again", "type": "com.acme.Status"},
            {"name": "hash", "type": {"type": "fixed", "name": "Hash", "namespace": "org.other", "size": 4}},
            {"name": "hash2", "type": "org.other.Hash"},
            {"name": "line", "type": {"type": "record", "name": "x.Line", "fields": [
                {"name": "qty", "type": "int"},
                {"name": "unit", "type": {"type": "enum", "name": "Unit", "symbols": ["KG"]}}
            ]}},
            {"name": "unit", "type": "x.Unit"}
        ]})");
    ASSERT_NE(schema, nullptr);
    const AvroNode& root = schema->root();
    EXPECT_EQ(root.fullName, "com.acme.Order");
    ASSERT_EQ(root.fields.size(), 8u);
    EXPECT_EQ(schema->node(root.fields[1].type).fullName, "com.acme.Status");
    EXPECT_EQ(root.fields[2].type, root.fields[1].type);
    EXPECT_EQ(root.fields[3].type, root.fields[1].type);
    EXPECT_EQ(schema->node(root.fields[4].type).fullName, "org.other.Hash");
    EXPECT_EQ(root.fields[5].type, root.fields[4].type);
    EXPECT_EQ(schema->node(root.fields[6].type).fullName, "x.Line");
    // A name inside x.Line takes the namespace x.
    EXPECT_EQ(schema->node(root.fields[7].type).fullName, "x.Unit");
    auto columns = schema->columns();
    ASSERT_TRUE(columns.isOk()) << columns.status().toString();
    std::vector<std::string> types;
    for (const auto& column : *columns) types.push_back(column.name + " " + column.type.toString());
    EXPECT_EQ(types,
              (std::vector<std::string>{"id BIGINT", "status STRING", "previous STRING", "again STRING", "hash BYTES",
                                        "hash2 BYTES", "line STRUCT<qty BIGINT, unit STRING>", "unit STRING"}));
}

TEST(AvroSchemaTest, LogicalTypes) {
    auto schema = parseSchema(R"({"type": "record", "name": "L", "fields": [
        {"name": "price", "type": {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}},
        {"name": "big", "type": {"type": "fixed", "name": "F16", "size": 16, "logicalType": "decimal",
                                 "precision": 38, "scale": 6}},
        {"name": "whole", "type": {"type": "bytes", "logicalType": "decimal", "precision": 5}},
        {"name": "ms", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "us", "type": {"type": "long", "logicalType": "timestamp-micros"}},
        {"name": "day", "type": {"type": "int", "logicalType": "date"}},
        {"name": "time", "type": {"type": "int", "logicalType": "time-millis"}},
        {"name": "id", "type": {"type": "string", "logicalType": "uuid"}},
        {"name": "wrong", "type": {"type": "int", "logicalType": "timestamp-millis"}}
    ]})");
    ASSERT_NE(schema, nullptr);
    const AvroNode& root = schema->root();
    const AvroNode& price = schema->node(root.fields[0].type);
    EXPECT_EQ(price.logical, AvroLogical::kDecimal);
    EXPECT_EQ(price.precision, 10);
    EXPECT_EQ(price.scale, 2);
    EXPECT_EQ(schema->node(root.fields[1].type).size, 16);
    EXPECT_EQ(schema->node(root.fields[2].type).scale, 0);
    EXPECT_EQ(schema->node(root.fields[3].type).logical, AvroLogical::kTimestampMillis);
    EXPECT_EQ(schema->node(root.fields[4].type).logical, AvroLogical::kTimestampMicros);
    EXPECT_EQ(schema->node(root.fields[5].type).logical, AvroLogical::kDate);
    EXPECT_EQ(schema->node(root.fields[6].type).logical, AvroLogical::kNone);  // ignored
    EXPECT_EQ(schema->node(root.fields[8].type).logical, AvroLogical::kNone);  // on the wrong type: ignored
    auto columns = schema->columns();
    ASSERT_TRUE(columns.isOk()) << columns.status().toString();
    std::vector<std::string> types;
    for (const auto& column : *columns) types.push_back(column.type.toString());
    EXPECT_EQ(types, (std::vector<std::string>{"DECIMAL(10,2)", "DECIMAL(38,6)", "DECIMAL(5,0)", "TIMESTAMP",
                                               "TIMESTAMP", "DATE", "BIGINT", "STRING", "BIGINT"}));
    EXPECT_EQ(schema->describe(root.fields[0].type), "decimal(10,2)");
    EXPECT_EQ(schema->describe(root.fields[1].type), "decimal(38,6) fixed F16");
}

TEST(AvroSchemaTest, UnionsWithNullAtAnyPositionAreNullable) {
    std::vector<std::pair<std::string, std::string>> cases = {
        {R"(["null", "long"])", "BIGINT"},
        {R"(["string", "null"])", "STRING"},
        {R"(["int", "null", "long"])", "BIGINT"},
        {R"(["null", {"type": "array", "items": ["long", "null"]}])", "ARRAY<BIGINT>"},
        {R"([{"type": "map", "values": "double"}, "null"])", "MAP<STRING, DOUBLE>"},
    };
    for (const auto& [text, sql] : cases) {
        auto schema = parseSchema(text);
        ASSERT_NE(schema, nullptr) << text;
        auto type = schema->sqlType(schema->rootIndex(), "u");
        ASSERT_TRUE(type.isOk()) << text << ": " << type.status().toString();
        EXPECT_EQ(type->type.toString(), sql) << text;
        EXPECT_TRUE(type->nullable) << text;
    }
    auto plain = parseSchema(R"(["long"])");
    ASSERT_NE(plain, nullptr);
    EXPECT_FALSE(plain->sqlType(plain->rootIndex(), "u")->nullable);
}

TEST(AvroSchemaTest, MalformedSchemasSayWhatAndWhere) {
    std::vector<std::pair<std::string, std::string>> cases = {
        {R"({"type": "record", "name": "R", "fields": [)", "invalid Avro schema: malformed JSON"},
        {R"({"type": "record", "name": "R", "fields": [{"name": "a", "type": "Missing"}]})",
         "invalid Avro schema: field 'a': unknown type 'Missing'"},
        {R"({"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"}, {"name": "a", "type": "int"}]})",
         "invalid Avro schema: field 'a': the field is defined twice"},
        {R"({"type": "record", "name": "R", "fields": [{"name": "p", "type":
             {"type": "bytes", "logicalType": "decimal"}}]})",
         "invalid Avro schema: field 'p': decimal needs a positive integer \"precision\""},
        {R"({"type": "record", "name": "R", "fields": [{"name": "p", "type":
             {"type": "bytes", "logicalType": "decimal", "precision": 4, "scale": 5}}]})",
         "invalid Avro schema: field 'p': decimal scale must be an integer from 0 to the precision (4)"},
        {R"({"type": "record", "name": "R", "fields": [{"name": "u", "type": ["int", "int"]}]})",
         "invalid Avro schema: field 'u': the union holds int twice"},
        {R"({"type": "record", "name": "R", "fields": [{"name": "u", "type": ["null", ["int"]]}]})",
         "invalid Avro schema: field 'u': a union may not directly contain a union"},
        {R"({"type": "record", "name": "1R", "fields": []})", "invalid Avro schema: invalid name '1R'"},
        {R"({"type": "record", "name": "R"})", "invalid Avro schema: record 'R' needs a \"fields\" array"},
        {R"({"type": "enum", "name": "E", "symbols": ["A", "A"]})",
         "invalid Avro schema: enum 'E': the symbol 'A' appears twice"},
        {R"(42)", "invalid Avro schema: a type must be a name, an object or an array (a union)"},
    };
    for (const auto& [text, message] : cases) {
        auto schema = AvroSchema::parse(text);
        ASSERT_FALSE(schema.isOk()) << text;
        EXPECT_EQ(schema.status().code(), ErrorCode::kInvalidValue);
        if (message.ends_with("malformed JSON")) {
            EXPECT_TRUE(schema.status().message().starts_with(message)) << schema.status().message();
        } else {
            EXPECT_EQ(schema.status().message(), message) << text;
        }
    }
}

TEST(AvroSchemaTest, TypesWithoutSqlCounterpartNameTheFieldAndType) {
    auto schema = parseSchema(R"({"type": "record", "name": "R", "fields": [
        {"name": "huge", "type": {"type": "bytes", "logicalType": "decimal", "precision": 40, "scale": 2}}]})");
    ASSERT_NE(schema, nullptr);
    auto columns = schema->columns();
    ASSERT_FALSE(columns.isOk());
    EXPECT_EQ(columns.status().code(), ErrorCode::kNotSupported);
    EXPECT_EQ(columns.status().message(),
              "field 'huge': the Avro type decimal(40,2) has no SQL type (DECIMAL precision is at most 38)");

    auto mixed = parseSchema(R"({"type": "record", "name": "R", "fields": [
        {"name": "u", "type": ["null", "string", "long"]}]})");
    ASSERT_NE(mixed, nullptr);
    EXPECT_EQ(mixed->columns().status().message(),
              "field 'u': the Avro type union [null, string, long] has no SQL type (a union maps to SQL only when "
              "its non-null branches have one SQL type)");

    auto recursive = parseSchema(R"({"type": "record", "name": "Node", "fields": [
        {"name": "value", "type": "long"}, {"name": "next", "type": ["null", "Node"]}]})");
    ASSERT_NE(recursive, nullptr);
    EXPECT_EQ(recursive->columns().status().message(),
              "field 'next.next': the Avro type record Node has no SQL type (a recursive record)");

    auto nullOnly = parseSchema(R"({"type": "record", "name": "R", "fields": [{"name": "n", "type": "null"}]})");
    ASSERT_NE(nullOnly, nullptr);
    EXPECT_EQ(nullOnly->columns().status().message(),
              "field 'n': the Avro type null has no SQL type (null is only a union branch)");
}

// ---- Golden vectors -------------------------------------------------------------------------

const std::vector<DecodeField> kGoldenFields = fieldsOf({
    {"id", DataType::bigint()},
    {"name", DataType::string()},
    {"price", DataType::decimal(10, 2)},
});

TEST(AvroGoldenTest, GeneratedWriterSchema) {
    std::vector<DecodeField> fields = fieldsOf({
        {"id", DataType::bigint()},
        {"price", DataType::decimal(10, 2)},
        {"ts", DataType::timestamp()},
        {"day", DataType::date()},
        {"tags", DataType::array(DataType::string())},
        {"attrs", DataType::map(DataType::float64())},
        {"inner", DataType::structOf({{"x", DataType::boolean()}, {"b", DataType::bytes()}})},
    });
    auto schema = avroSchemaFor(encodeColumnsOf(fields), "Out", "com.acme");
    ASSERT_TRUE(schema.isOk()) << schema.status().toString();
    EXPECT_EQ(
        (*schema)->text(),
        R"({"type":"record","name":"Out","namespace":"com.acme","fields":[)"
        R"({"name":"id","type":["null","long"],"default":null},)"
        R"({"name":"price","type":["null",{"type":"bytes","logicalType":"decimal","precision":10,"scale":2}],"default":null},)"
        R"({"name":"ts","type":["null",{"type":"long","logicalType":"timestamp-micros"}],"default":null},)"
        R"({"name":"day","type":["null",{"type":"int","logicalType":"date"}],"default":null},)"
        R"({"name":"tags","type":["null",{"type":"array","items":["null","string"]}],"default":null},)"
        R"({"name":"attrs","type":["null",{"type":"map","values":["null","double"]}],"default":null},)"
        R"({"name":"inner","type":["null",{"type":"record","name":"Out_inner","fields":[)"
        R"({"name":"x","type":["null","boolean"],"default":null},)"
        R"({"name":"b","type":["null","bytes"],"default":null}]}],"default":null}]})");
}

TEST(AvroGoldenTest, UnsupportedColumnsForTheWriterSchema) {
    auto interval = avroSchemaFor({{"span", DataType::interval(), 0}}, "Out", "");
    ASSERT_FALSE(interval.isOk());
    EXPECT_EQ(interval.status().code(), ErrorCode::kNotSupported);
    EXPECT_EQ(interval.status().message(), "not supported yet: INTERVAL columns in Avro (column 'span')");
    auto badName = avroSchemaFor({{"EXPR$0", DataType::bigint(), 0}}, "Out", "");
    ASSERT_FALSE(badName.isOk());
    EXPECT_EQ(badName.status().message(),
              "column 'EXPR$0' is not a valid Avro field name (letters, digits and _, not starting with a digit): "
              "give it an alias");
}

TEST(AvroGoldenTest, EncodedBytesFollowTheSpecification) {
    Records input;
    Batch batch = batchFromJson(kGoldenFields,
                                {R"({"id":1,"name":"ab","price":"187.23"})", R"({"id":null,"name":null,"price":null})",
                                 R"({"id":-64,"name":"","price":"-1.28"})", R"({"id":64,"name":"é","price":"0.00"})"},
                                input);
    auto schema = avroSchemaFor(encodeColumnsOf(kGoldenFields), "Golden", "");
    ASSERT_TRUE(schema.isOk());
    auto encoder = makeAvroEncoder(encodeColumnsOf(kGoldenFields), {*schema, std::nullopt});
    ASSERT_TRUE(encoder.isOk()) << encoder.status().toString();
    // Each field is a union ["null", T]: branch 1 (zig-zag 0x02) then the value; NULL is 0x00.
    // id 1 → zig-zag 2 = 0x02; "ab" → length 2 (0x04) 'a' 'b'; 187.23 → unscaled 18723 = 0x49 0x23.
    EXPECT_EQ(hex(encodeRow(**encoder, batch, 0)), "02 02 02 04 61 62 02 04 49 23");
    EXPECT_EQ(hex(encodeRow(**encoder, batch, 1)), "00 00 00");
    // -64 → zig-zag 127 = 0x7f; "" → length 0; -1.28 → -128 = one byte 0x80.
    EXPECT_EQ(hex(encodeRow(**encoder, batch, 2)), "02 7f 02 00 02 02 80");
    // 64 → zig-zag 128 = 0x80 0x01; "é" is 2 UTF-8 bytes; 0.00 → one byte 0x00.
    EXPECT_EQ(hex(encodeRow(**encoder, batch, 3)), "02 80 01 02 04 c3 a9 02 02 00");

    // Confluent framing: magic 0x00, then the id big-endian in 4 bytes, then the datum.
    auto framed = makeAvroEncoder(encodeColumnsOf(kGoldenFields), {*schema, 0x01020304});
    ASSERT_TRUE(framed.isOk());
    EXPECT_EQ(hex(encodeRow(**framed, batch, 0)), "00 01 02 03 04 02 02 02 04 61 62 02 04 49 23");
    std::string header;
    appendConfluentHeader(42, header);
    EXPECT_EQ(hex(header), "00 00 00 00 2a");

    // encodeRecords: one record per selected row, value ranges into one buffer.
    batch.mutableSelection() = {0, 2};
    EncodedBatch out;
    (*framed)->encodeRecords(batch, out);
    ASSERT_EQ(out.records.size(), 2u);
    EXPECT_EQ(out.rows, 2u);
    EXPECT_EQ(hex(out.value(out.records[0])), "00 01 02 03 04 02 02 02 04 61 62 02 04 49 23");
    EXPECT_EQ(hex(out.value(out.records[1])), "00 01 02 03 04 02 7f 02 00 02 02 80");
}

TEST(AvroGoldenTest, EncodedBytesOfTheOtherTypes) {
    std::vector<DecodeField> fields = fieldsOf({
        {"flag", DataType::boolean()},
        {"score", DataType::float64()},
        {"ts", DataType::timestamp()},
        {"day", DataType::date()},
        {"raw", DataType::bytes()},
        {"tags", DataType::array(DataType::bigint())},
        {"attrs", DataType::map(DataType::bigint())},
        {"inner", DataType::structOf({{"x", DataType::bigint()}})},
        {"wide", DataType::decimal(38, 0)},
    });
    Records input;
    Batch batch = batchFromJson(
        fields,
        {R"({"flag":true,"score":1.0,"ts":1,"day":"1970-01-02","raw":"AP8=","tags":[1,null],"attrs":{"k":2},)"
         R"("inner":{"x":3},"wide":"-99999999999999999999999999999999999999"})"},
        input);
    auto schema = avroSchemaFor(encodeColumnsOf(fields), "Types", "");
    ASSERT_TRUE(schema.isOk());
    auto encoder = makeAvroEncoder(encodeColumnsOf(fields), {*schema, std::nullopt});
    ASSERT_TRUE(encoder.isOk()) << encoder.status().toString();
    EXPECT_EQ(hex(encodeRow(**encoder, batch, 0)),
              // flag: branch 1, byte 1
              "02 01 "
              // score 1.0: little-endian IEEE 754 double
              "02 00 00 00 00 00 00 f0 3f "
              // ts 1 ms = 1000 µs → zig-zag 2000 = 0xd0 0x0f
              "02 d0 0f "
              // day 1 → 0x02
              "02 02 "
              // raw 0x00 0xff: length 2 (0x04)
              "02 04 00 ff "
              // tags: block of 2 items, [branch 1, 1], [branch 0], end of blocks
              "02 04 02 02 00 00 "
              // attrs: block of 1, key "k", branch 1, 2 → 0x04, end
              "02 02 02 6b 02 04 00 "
              // inner: branch 1, record { x: branch 1, 3 → 0x06 }
              "02 02 06 "
              // wide: -(10^38 − 1), 16 bytes of two's complement (length 16 → 0x20)
              "02 20 b4 c4 b3 57 a5 79 3b 85 f6 75 dd c0 00 00 00 01");
}

TEST(AvroGoldenTest, DecodesHandWrittenBytes) {
    auto schema = parseSchema(R"({"type": "record", "name": "R", "fields": [
        {"name": "id", "type": "long"},
        {"name": "name", "type": "string"},
        {"name": "price", "type": {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}},
        {"name": "ok", "type": "boolean"},
        {"name": "day", "type": {"type": "int", "logicalType": "date"}},
        {"name": "ms", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "color", "type": {"type": "enum", "name": "C", "symbols": ["RED", "GREEN"]}},
        {"name": "ratio", "type": "float"}
    ]})");
    auto decoder = makeAvroDecoder(fieldsOf({{"price", DataType::decimal(10, 2)},
                                             {"id", DataType::bigint()},
                                             {"name", DataType::string()},
                                             {"ok", DataType::boolean()},
                                             {"day", DataType::date()},
                                             {"ms", DataType::timestamp()},
                                             {"color", DataType::string()},
                                             {"ratio", DataType::float64()}}),
                                   {schema, false, nullptr, false});
    ASSERT_TRUE(decoder.isOk()) << decoder.status().toString();
    Records input;
    Batch batch = decodeWith(
        **decoder,
        {bytes({0x02, 0x04, 'a', 'b', 0x04, 0x49, 0x23, 0x01, 0x01, 0xd0, 0x0f, 0x02, 0x00, 0x00, 0x80, 0x3f}),
         bytes({0x7f, 0x00, 0x02, 0x80, 0x00, 0x03, 0x01, 0x00, 0x00, 0x00, 0xc0, 0xbf})},
        input);
    EXPECT_TRUE(batch.errors().empty()) << errorsOf(batch)[0];
    EXPECT_EQ(batch.column(0).values<int64_t>()[0], 18723);
    EXPECT_EQ(batch.column(0).values<int64_t>()[1], -128);
    EXPECT_EQ(batch.column(1).values<int64_t>()[0], 1);
    EXPECT_EQ(batch.column(1).values<int64_t>()[1], -64);
    EXPECT_EQ(batch.column(2).values<std::string_view>()[0], "ab");
    EXPECT_EQ(batch.column(2).values<std::string_view>()[1], "");
    EXPECT_TRUE(input.records[0].value.data() <= batch.column(2).values<std::string_view>()[0].data());  // a view
    EXPECT_EQ(batch.column(3).values<uint8_t>()[0], 1);
    EXPECT_EQ(batch.column(3).values<uint8_t>()[1], 0);
    EXPECT_EQ(batch.column(4).values<int32_t>()[0], -1);
    EXPECT_EQ(batch.column(4).values<int32_t>()[1], -2);
    EXPECT_EQ(batch.column(5).values<int64_t>()[0], 1000000);  // 1000 ms in µs
    EXPECT_EQ(batch.column(5).values<int64_t>()[1], -1000);
    EXPECT_EQ(batch.column(6).values<std::string_view>()[0], "GREEN");
    EXPECT_EQ(batch.column(6).values<std::string_view>()[1], "RED");
    EXPECT_EQ(batch.column(7).values<double>()[0], 1.0);
    EXPECT_EQ(batch.column(7).values<double>()[1], -1.5);
}

// ---- Corrupt input ------------------------------------------------------------------------------

TEST(AvroDecoderTest, CorruptRecordsAreRowErrors) {
    auto schema = parseSchema(R"({"type": "record", "name": "R", "fields": [
        {"name": "id", "type": "long"},
        {"name": "name", "type": ["null", "string"]},
        {"name": "ok", "type": "boolean"},
        {"name": "tags", "type": {"type": "array", "items": "long"}},
        {"name": "day", "type": {"type": "int", "logicalType": "date"}},
        {"name": "price", "type": {"type": "bytes", "logicalType": "decimal", "precision": 4, "scale": 2}}
    ]})");
    auto decoder = makeAvroDecoder(fieldsOf({{"id", DataType::bigint()},
                                             {"name", DataType::string()},
                                             {"ok", DataType::boolean()},
                                             {"tags", DataType::array(DataType::bigint())},
                                             {"day", DataType::date()},
                                             {"price", DataType::decimal(4, 2)}}),
                                   {schema, false, nullptr, false});
    ASSERT_TRUE(decoder.isOk()) << decoder.status().toString();
    // A good record: id 1, name "a", ok, tags [5], day 1, price 0.01.
    std::string good = bytes({0x02, 0x02, 0x02, 'a', 0x01, 0x02, 0x0a, 0x00, 0x02, 0x02, 0x01});
    std::vector<std::string> records = {
        good,
        "",                                                                   // 1: empty
        bytes({0x02, 0x02, 0x08, 'a'}),                                       // 2: string cut short
        bytes({0x02, 0x04}),                                                  // 3: bad union branch
        bytes({0x02, 0x00, 0x02}),                                            // 4: bad boolean
        bytes({0x02, 0x00, 0x01, 0x80, 0x80, 0x80, 0x80, 0x10}),              // 5: huge block count
        bytes({0x02, 0x00, 0x01, 0x00, 0x80, 0x80, 0x80, 0x80, 0x10}),        // 6: date out of int range
        bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}),  // 7: varint over 64 bits
        bytes({0x02, 0x03}),                                                  // 8: negative union index
        bytes({0x02, 0x02, 0x02, 0xff, 0x01, 0x00, 0x00, 0x02, 0x02, 0x01}),  // 9: invalid UTF-8
        bytes({0x02, 0x00, 0x01, 0x00, 0x02, 0x04, 0x27, 0x10}),              // 10: 100.00 > DECIMAL(4,2)
        good + bytes({0x00}),                                                 // 11: trailing byte
        bytes({0x02, 0x00, 0x01, 0x01}),                                      // 12: negative block, no size
    };
    Records input;
    Batch batch = decodeWith(**decoder, records, input);
    EXPECT_EQ(errorsOf(batch), (std::vector<std::string>{
                                   "1: field 'id': the record ends inside a value",
                                   "2: field 'name': a length of 4 exceeds the 1 bytes left",
                                   "3: field 'name': union branch 2 is out of range (2 branches)",
                                   "4: field 'ok': invalid boolean byte 0x02",
                                   "5: field 'tags': a block of 2147483648 items exceeds the 0 bytes left",
                                   "6: field 'day': int value 2147483648 is out of range",
                                   "7: field 'id': a varint is longer than 64 bits",
                                   "8: field 'name': union branch -2 is out of range (2 branches)",
                                   "9: field 'name': a string is not valid UTF-8",
                                   "10: field 'price': the decimal 100.00 does not fit DECIMAL(4,2)",
                                   "11: 1 bytes left over after the record",
                                   "12: field 'tags': the record ends inside a value",
                               }));
    // The good row decoded; errored rows are NULL in every column.
    EXPECT_EQ(batch.column(0).values<int64_t>()[0], 1);
    EXPECT_EQ(batch.column(1).values<std::string_view>()[0], "a");
    EXPECT_EQ(batch.column(3).offsets()[1] - batch.column(3).offsets()[0], 1);
    EXPECT_EQ(batch.column(3).child(0).values<int64_t>()[0], 5);
    EXPECT_EQ(batch.column(5).values<int64_t>()[0], 1);
    for (uint32_t row = 1; row < batch.numRows(); ++row) {
        for (size_t column = 0; column < 6; ++column) EXPECT_TRUE(batch.column(column).isNull(row)) << row;
        EXPECT_EQ(batch.column(3).offsets()[row], batch.column(3).offsets()[row + 1]);
    }
}

TEST(AvroDecoderTest, EveryPrefixOfARecordIsARowErrorNotACrash) {
    std::vector<DecodeField> fields = fieldsOf({{"tags", DataType::array(DataType::string())},
                                                {"attrs", DataType::map(DataType::decimal(20, 3))},
                                                {"inner", DataType::structOf({{"x", DataType::bigint()}})}});
    auto schema = avroSchemaFor(encodeColumnsOf(fields), "P", "");
    ASSERT_TRUE(schema.isOk());
    Records json;
    Batch batch =
        batchFromJson(fields, {R"({"tags":["a","bc",null],"attrs":{"k":"1.5","m":null},"inner":{"x":9}})"}, json);
    auto encoder = makeAvroEncoder(encodeColumnsOf(fields), {*schema, std::nullopt});
    ASSERT_TRUE(encoder.isOk());
    std::string datum = encodeRow(**encoder, batch, 0);
    auto decoder = makeAvroDecoder(fields, {*schema, false, nullptr, false});
    ASSERT_TRUE(decoder.isOk());
    std::vector<std::string> prefixes;
    for (size_t size = 0; size < datum.size(); ++size) prefixes.push_back(datum.substr(0, size));
    prefixes.push_back(datum);
    Records input;
    Batch decoded = decodeWith(**decoder, prefixes, input);
    ASSERT_EQ(decoded.errors().size(), datum.size());
    for (size_t i = 0; i < decoded.errors().size(); ++i) EXPECT_EQ(decoded.errors()[i].row, i);
    EXPECT_EQ(jsonRows(decoded, fields).back(),
              R"({"tags":["a","bc",null],"attrs":{"k":"1.500","m":null},"inner":{"x":9}})");
}

TEST(AvroDecoderTest, ColumnTypesAreCheckedAgainstTheWriterSchema) {
    auto schema = parseSchema(R"({"type": "record", "name": "R", "fields": [
        {"name": "name", "type": "string"},
        {"name": "price", "type": {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}},
        {"name": "n", "type": "long"}
    ]})");
    struct Case {
        DecodeField field;
        std::string message;
    };
    std::vector<Case> cases = {
        {{"name", DataType::bigint(), 0}, "column 'name': the writer's Avro type string cannot be read as BIGINT"},
        {{"price", DataType::decimal(10, 1), 0},
         "column 'price': DECIMAL(10,1) cannot hold the writer's decimal(10,2) exactly (it needs a scale of at least 2 "
         "and at least 8 integer digits)"},
        {{"price", DataType::decimal(9, 2), 0},
         "column 'price': DECIMAL(9,2) cannot hold the writer's decimal(10,2) exactly (it needs a scale of at least 2 "
         "and at least 8 integer digits)"},
        {{"n", DataType::timestamp(), 0}, "column 'n': the writer's Avro type long cannot be read as TIMESTAMP"},
    };
    for (const auto& [field, message] : cases) {
        auto decoder = makeAvroDecoder({field}, {schema, false, nullptr, false});
        ASSERT_FALSE(decoder.isOk()) << message;
        EXPECT_EQ(decoder.status().code(), ErrorCode::kTypeMismatch);
        EXPECT_EQ(decoder.status().message(), message);
    }
    // Wider decimals take the value exactly, rescaled: 187.23 as DECIMAL(20,4) is 1872300.
    auto wider = makeAvroDecoder({{"price", DataType::decimal(20, 4), 0}, {"n", DataType::float64(), 1}},
                                 {schema, false, nullptr, false});
    ASSERT_TRUE(wider.isOk()) << wider.status().toString();
    Records input;
    Batch batch = decodeWith(**wider, {bytes({0x00, 0x04, 0x49, 0x23, 0x05})}, input);
    EXPECT_TRUE(batch.errors().empty());
    EXPECT_TRUE(batch.column(0).values<int128_t>()[0] == 1872300);
    EXPECT_EQ(batch.column(1).values<double>()[0], -3.0);
}

TEST(AvroDecoderTest, WriterFieldsNotDeclaredAreSkippedAndMissingOnesAreNull) {
    auto schema = parseSchema(R"({"type": "record", "name": "R", "fields": [
        {"name": "skipMe", "type": {"type": "array", "items": {"type": "map", "values": ["null", "string"]}}},
        {"name": "id", "type": "long"},
        {"name": "blob", "type": {"type": "fixed", "name": "F", "size": 3}},
        {"name": "list", "type": ["null", {"type": "record", "name": "Node", "fields": [
            {"name": "v", "type": "long"}, {"name": "next", "type": ["null", "Node"]}]}]}
    ]})");
    auto decoder = makeAvroDecoder(fieldsOf({{"id", DataType::bigint()}, {"absent", DataType::string()}}),
                                   {schema, false, nullptr, false});
    ASSERT_TRUE(decoder.isOk()) << decoder.status().toString();
    // skipMe: a block of 1 map written with a negative count and its byte size (-1 → 0x01,
    // size 7 → 0x0e): {"k": "v"}… then the end; id 5; blob; list 1 → 2 → null.
    std::string record = bytes(
        {0x01, 0x0e, 0x02, 0x02, 'k', 0x02, 0x02, 'v', 0x00, 0x00, 0x0a, 'x', 'y', 'z', 0x02, 0x02, 0x02, 0x04, 0x00});
    Records input;
    Batch batch = decodeWith(**decoder, {record}, input);
    ASSERT_TRUE(batch.errors().empty()) << errorsOf(batch)[0];
    EXPECT_EQ(batch.column(0).values<int64_t>()[0], 5);
    EXPECT_TRUE(batch.column(1).isNull(0));
}

// ---- Round trips ----------------------------------------------------------------------------------

TEST(AvroRoundTripTest, EveryTypeWithNulls) {
    std::vector<DecodeField> fields = fieldsOf({
        {"flag", DataType::boolean()},
        {"n", DataType::bigint()},
        {"x", DataType::float64()},
        {"d18", DataType::decimal(18, 4)},
        {"d38", DataType::decimal(38, 10)},
        {"d38s0", DataType::decimal(38, 0)},
        {"s", DataType::string()},
        {"b", DataType::bytes()},
        {"ts", DataType::timestamp()},
        {"day", DataType::date()},
        {"arr", DataType::array(DataType::decimal(38, 2))},
        {"nested", DataType::array(DataType::array(DataType::string()))},
        {"m", DataType::map(DataType::structOf({{"a", DataType::bigint()}, {"t", DataType::timestamp()}}))},
        {"st", DataType::structOf({{"name", DataType::string()},
                                   {"inner", DataType::structOf({{"v", DataType::float64()}})},
                                   {"list", DataType::array(DataType::bigint())}})},
    });
    std::vector<std::string> lines = {
        R"({"flag":true,"n":9223372036854775807,"x":1.5e-300,"d18":"-99999999999999.9999",)"
        R"("d38":"9999999999999999999999999999.9999999999","d38s0":"-99999999999999999999999999999999999999",)"
        R"("s":"héllo \"wörld\"","b":"AAEC/w==","ts":-1,"day":"1969-12-31","arr":["1.00",null,"-123456789012345678901234567890123456.78"],)"
        R"("nested":[["a"],[],null,[null,"b"]],"m":{"k":{"a":1,"t":5},"z":null,"e":{"a":null,"t":null}},)"
        R"("st":{"name":"n","inner":{"v":-0.0},"list":[1,2,3]}})",
        R"({"flag":null,"n":null,"x":null,"d18":null,"d38":null,"d38s0":null,"s":null,"b":null,"ts":null,"day":null,)"
        R"("arr":null,"nested":null,"m":null,"st":null})",
        R"({"flag":false,"n":-9223372036854775808,"x":-1e308,"d18":"0","d38":"-0.0000000001","d38s0":"0","s":"","b":"",)"
        R"("ts":1700000000123,"day":"2024-02-29","arr":[],"nested":[],"m":{},)"
        R"("st":{"name":null,"inner":null,"list":null}})",
    };
    Records json;
    Batch original = batchFromJson(fields, lines, json);
    auto schema = avroSchemaFor(encodeColumnsOf(fields), "All", "test");
    ASSERT_TRUE(schema.isOk()) << schema.status().toString();
    auto encoder = makeAvroEncoder(encodeColumnsOf(fields), {*schema, 7});
    ASSERT_TRUE(encoder.isOk()) << encoder.status().toString();
    EncodedBatch encoded;
    (*encoder)->encodeRecords(original, encoded);
    ASSERT_EQ(encoded.records.size(), 3u);

    int resolved = 0;
    auto decoder = makeAvroDecoder(fields, {nullptr, true,
                                            [&](int32_t id) -> Result<AvroSchemaPtr> {
                                                ++resolved;
                                                EXPECT_EQ(id, 7);
                                                return *schema;
                                            },
                                            false});
    ASSERT_TRUE(decoder.isOk()) << decoder.status().toString();
    std::vector<std::string> values;
    for (const auto& record : encoded.records) values.emplace_back(encoded.value(record));
    Records input;
    Batch decoded = decodeWith(**decoder, values, input);
    EXPECT_TRUE(decoded.errors().empty()) << errorsOf(decoded)[0];
    EXPECT_EQ(jsonRows(decoded, fields), jsonRows(original, fields));
    EXPECT_EQ(jsonRows(decoded, fields)[1],
              R"({"flag":null,"n":null,"x":null,"d18":null,"d38":null,"d38s0":null,"s":null,"b":null,"ts":null,)"
              R"("day":null,"arr":null,"nested":null,"m":null,"st":null})");
    EXPECT_EQ(resolved, 1);  // cached by id

    // Decoding again in a new batch still uses the cached schema.
    Records again;
    Batch second = decodeWith(**decoder, values, again);
    EXPECT_EQ(jsonRows(second, fields), jsonRows(original, fields));
    EXPECT_EQ(resolved, 1);
}

TEST(AvroRoundTripTest, CopiedStringsLiveInTheBatchArena) {
    std::vector<DecodeField> fields = fieldsOf({{"s", DataType::string()}, {"b", DataType::bytes()}});
    auto schema = avroSchemaFor(encodeColumnsOf(fields), "S", "");
    ASSERT_TRUE(schema.isOk());
    auto decoder = makeAvroDecoder(fields, {*schema, false, nullptr, true});
    ASSERT_TRUE(decoder.isOk());
    Records input;
    Batch batch = decodeWith(**decoder, {bytes({0x02, 0x06, 'a', 'b', 'c', 0x02, 0x02, 0x7f})}, input);
    ASSERT_TRUE(batch.errors().empty());
    std::string_view text = batch.column(0).values<std::string_view>()[0];
    EXPECT_EQ(text, "abc");
    EXPECT_EQ(batch.column(1).values<std::string_view>()[0], "\x7f");
    const char* begin = input.records[0].value.data();
    EXPECT_TRUE(text.data() < begin || text.data() >= begin + input.records[0].value.size());
    EXPECT_EQ(batch.arena().bytesUsed(), 4u);
}

TEST(AvroRoundTripTest, SchemaVersionsByIdDecodeIntoOneSetOfColumns) {
    auto v1 = parseSchema(R"({"type": "record", "name": "User", "fields": [
        {"name": "id", "type": "int"}, {"name": "name", "type": "string"}]})");
    auto v2 = parseSchema(R"({"type": "record", "name": "User", "fields": [
        {"name": "email", "type": ["null", "string"], "default": null},
        {"name": "id", "type": "long"},
        {"name": "name", "type": "string"}]})");
    std::map<int32_t, AvroSchemaPtr> registry = {{1, v1}, {2, v2}};
    auto resolver = [&](int32_t id) -> Result<AvroSchemaPtr> {
        auto found = registry.find(id);
        if (found == registry.end()) {
            return Status::user(ErrorCode::kInvalidValue, fmt::format("no schema {}", id));
        }
        return found->second;
    };
    auto decoder = makeAvroDecoder(
        fieldsOf({{"id", DataType::bigint()}, {"name", DataType::string()}, {"email", DataType::string()}}),
        {v2, true, resolver, false});
    ASSERT_TRUE(decoder.isOk()) << decoder.status().toString();
    Records input;
    Batch batch = decodeWith(**decoder,
                             {bytes({0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x02, 'a'}),
                              bytes({0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x02, 'e', 0x04, 0x02, 'b'}),
                              bytes({0x00, 0x00, 0x00, 0x00, 0x03, 0x02}), bytes({0x01, 0x00, 0x00, 0x00, 0x01, 0x02}),
                              bytes({0x00, 0x00, 0x00}), bytes({0x00, 0x00, 0x00, 0x00, 0x03, 0x02})},
                             input);
    EXPECT_EQ(errorsOf(batch), (std::vector<std::string>{
                                   "2: schema id 3: no schema 3",
                                   "3: expected the Confluent magic byte 0x00, found 0x01",
                                   "4: the record has 3 bytes, fewer than the 5-byte Confluent header",
                                   "5: schema id 3: no schema 3",
                               }));
    EXPECT_EQ(
        jsonRows(
            batch,
            fieldsOf({{"id", DataType::bigint()}, {"name", DataType::string()}, {"email", DataType::string()}}))[0],
        R"({"id":1,"name":"a","email":null})");
    EXPECT_EQ(batch.column(0).values<int64_t>()[1], 2);
    EXPECT_EQ(batch.column(1).values<std::string_view>()[1], "b");
    EXPECT_EQ(batch.column(2).values<std::string_view>()[1], "e");

    // An id whose schema cannot feed the columns: its records are row errors naming it.
    registry[4] = parseSchema(R"({"type": "record", "name": "User", "fields": [{"name": "id", "type": "string"}]})");
    Records more;
    Batch bad = decodeWith(**decoder, {bytes({0x00, 0x00, 0x00, 0x00, 0x04, 0x02, 'x'})}, more);
    EXPECT_EQ(errorsOf(bad),
              (std::vector<std::string>{
                  "0: schema id 4: column 'id': the writer's Avro type string cannot be read as BIGINT"}));
}

TEST(AvroEncoderTest, UserWriterSchemasAreCheckedAgainstTheColumns) {
    std::vector<EncodeColumn> columns = {{"id", DataType::bigint(), 0}, {"amount", DataType::decimal(10, 2), 1}};
    struct Case {
        std::string schema;
        std::string message;
    };
    std::vector<Case> cases = {
        {R"({"type":"record","name":"R","fields":[{"name":"id","type":"long"},
            {"name":"amount","type":["null",{"type":"bytes","logicalType":"decimal","precision":10,"scale":2}]}]})",
         "column 'id': the writer type long is not a union with null, but every SQL value may be NULL"},
        {R"({"type":"record","name":"R","fields":[{"name":"id","type":["null","int"]},
            {"name":"amount","type":["null",{"type":"bytes","logicalType":"decimal","precision":10,"scale":2}]}]})",
         "column 'id': BIGINT cannot be written as the Avro type int"},
        {R"({"type":"record","name":"R","fields":[{"name":"id","type":["null","long"]},
            {"name":"amount","type":["null",{"type":"bytes","logicalType":"decimal","precision":10,"scale":3}]}]})",
         "column 'amount': DECIMAL(10,2) cannot be written as the Avro type decimal(10,3)"},
        {R"({"type":"record","name":"R","fields":[{"name":"id","type":["null","long"]}]})",
         "column 'amount': the Avro writer schema has no field of that name"},
        {R"({"type":"record","name":"R","fields":[{"name":"id","type":["null","long"]},{"name":"extra","type":"long"},
            {"name":"amount","type":["null",{"type":"bytes","logicalType":"decimal","precision":10,"scale":2}]}]})",
         "Avro encoder: the writer schema's field 'extra' has no output value and cannot be null"},
    };
    for (const auto& [text, message] : cases) {
        auto encoder = makeAvroEncoder(columns, {parseSchema(text), std::nullopt});
        ASSERT_FALSE(encoder.isOk()) << message;
        EXPECT_EQ(encoder.status().message(), message);
    }
    // Null second, a fixed decimal, timestamps in millis and a field no column fills.
    auto schema = parseSchema(R"({"type":"record","name":"R","fields":[
        {"name":"amount","type":[{"type":"fixed","name":"F","size":5,"logicalType":"decimal","precision":11,"scale":2},"null"]},
        {"name":"note","type":["null","string"],"default":null},
        {"name":"id","type":["long","null"]},
        {"name":"ts","type":["null",{"type":"long","logicalType":"timestamp-millis"}]}]})");
    std::vector<DecodeField> fields =
        fieldsOf({{"id", DataType::bigint()}, {"amount", DataType::decimal(10, 2)}, {"ts", DataType::timestamp()}});
    auto encoder = makeAvroEncoder(encodeColumnsOf(fields), {schema, std::nullopt});
    ASSERT_TRUE(encoder.isOk()) << encoder.status().toString();
    Records json;
    Batch batch = batchFromJson(fields,
                                {R"({"id":3,"amount":"-1.00","ts":"1970-01-01T00:00:00.001999Z"})",
                                 R"({"id":null,"amount":null,"ts":"1969-12-31T23:59:59.999999Z"})"},
                                json);
    // amount: branch 0, fixed 5 bytes of -100 = ff ff ff ff 9c; note: null (branch 0); id:
    // branch 0, 3 → 06; ts: branch 1, 1.999 ms floored to 1 → 02.
    EXPECT_EQ(hex(encodeRow(**encoder, batch, 0)), "00 ff ff ff ff 9c 00 00 06 02 02");
    // NULLs take the null branch wherever it is; -1 µs floors to -1 ms → 01.
    EXPECT_EQ(hex(encodeRow(**encoder, batch, 1)), "02 00 02 02 01");
}

// ---- Interoperability with Apache Avro (python3-avro) ----------------------------------------------

class AvroInteropTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               fmt::format("ferris-avro-interop-{}-{}", ::getpid(), ::testing::UnitTest::GetInstance()->random_seed());
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    int runInterop(std::string_view command) {
        std::string line = fmt::format("'{}' '{}' {} '{}'", python(), (toolsDir() / "avro_interop.py").string(),
                                       command, dir_.string());
        int status = std::system(line.c_str());
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }

    /// The records of a .bin file: 4-byte big-endian lengths and datums.
    static std::vector<std::string> splitRecords(const std::string& data) {
        std::vector<std::string> records;
        size_t at = 0;
        while (at + 4 <= data.size()) {
            uint32_t length = 0;
            for (size_t i = 0; i < 4; ++i) length = (length << 8) | static_cast<uint8_t>(data[at + i]);
            records.push_back(data.substr(at + 4, length));
            at += 4 + length;
        }
        EXPECT_EQ(at, data.size());
        return records;
    }

    std::filesystem::path dir_;
};

TEST_F(AvroInteropTest, DecodesWhatPythonAvroWrote) {
    ASSERT_EQ(runInterop("write"), 0) << "tests/tools/avro_interop.py write failed (is python3-avro installed?)";
    auto schema = AvroSchema::parse(readFile(dir_ / "python.avsc"));
    ASSERT_TRUE(schema.isOk()) << schema.status().toString();
    std::vector<DecodeField> fields = fieldsOf({
        {"id", DataType::bigint()},
        {"name", DataType::string()},
        {"price", DataType::decimal(10, 2)},
        {"big", DataType::decimal(38, 10)},
        {"fixed_dec", DataType::decimal(12, 3)},
        {"ts_ms", DataType::timestamp()},
        {"ts_us", DataType::timestamp()},
        {"day", DataType::date()},
        {"maybe", DataType::bigint()},
        {"maybe_text", DataType::string()},
        {"ratio", DataType::float64()},
        {"score", DataType::float64()},
        {"flag", DataType::boolean()},
        {"raw", DataType::bytes()},
        {"tags", DataType::array(DataType::string())},
        {"attrs", DataType::map(DataType::float64())},
        {"inner",
         DataType::structOf({{"x", DataType::bigint()}, {"color", DataType::string()}, {"note", DataType::string()}})},
    });
    auto decoder = makeAvroDecoder(fields, {*schema, false, nullptr, false});
    ASSERT_TRUE(decoder.isOk()) << decoder.status().toString();
    Records input;
    Batch batch = decodeWith(**decoder, splitRecords(readFile(dir_ / "python.bin")), input);
    ASSERT_TRUE(batch.errors().empty()) << errorsOf(batch)[0];
    auto encoder = makeJsonEncoder(encodeColumnsOf(fields), TimestampFormat::kIso8601);
    ASSERT_TRUE(encoder.isOk());
    std::vector<std::string> rows;
    for (uint32_t row = 0; row < batch.numRows(); ++row) rows.push_back(encodeRow(**encoder, batch, row));
    EXPECT_EQ(rows, (std::vector<std::string>{
                        R"({"id":1,"name":"alpha","price":"187.23","big":"1234567890123456789012345678.0123456789",)"
                        R"("fixed_dec":"-1.500","ts_ms":"2024-01-02T03:04:05.678Z","ts_us":"2024-01-02T03:04:05.678Z",)"
                        R"("day":"2024-02-29","maybe":42,"maybe_text":"héllo","ratio":0.5,"score":-2.25,"flag":true,)"
                        R"("raw":"AAH/","tags":["a","b"],"attrs":{"k":1.5,"n":null},)"
                        R"("inner":{"x":7,"color":"GREEN","note":null}})",
                        R"({"id":-9000000000,"name":"","price":"-0.01","big":"-0.0000000001",)"
                        R"("fixed_dec":"999999999.999","ts_ms":"1969-12-31T23:59:59.999Z",)"
                        R"("ts_us":"1969-12-31T23:59:59.999Z","day":"1969-12-31","maybe":null,"maybe_text":null,)"
                        R"("ratio":-3,"score":1e+300,"flag":false,"raw":"","tags":[],"attrs":{},"inner":null})",
                    }))
        << rows[0];
    // The microseconds ISO text drops: check them exactly.
    EXPECT_EQ(batch.column(5).values<int64_t>()[0], 1704164645678000);
    EXPECT_EQ(batch.column(6).values<int64_t>()[0], 1704164645678901);
    EXPECT_EQ(batch.column(5).values<int64_t>()[1], -1000);
    EXPECT_EQ(batch.column(6).values<int64_t>()[1], -1);
}

TEST_F(AvroInteropTest, PythonAvroReadsWhatTheEncoderWrote) {
    std::vector<DecodeField> fields = fieldsOf({
        {"id", DataType::bigint()},
        {"name", DataType::string()},
        {"price", DataType::decimal(10, 2)},
        {"big", DataType::decimal(38, 9)},
        {"ts", DataType::timestamp()},
        {"day", DataType::date()},
        {"score", DataType::float64()},
        {"flag", DataType::boolean()},
        {"raw", DataType::bytes()},
        {"tags", DataType::array(DataType::string())},
        {"attrs", DataType::map(DataType::bigint())},
        {"inner", DataType::structOf({{"x", DataType::bigint()}, {"note", DataType::string()}})},
    });
    Records json;
    Batch batch = batchFromJson(
        fields,
        {R"({"id":7,"name":"zürich","price":"187.23","big":"-98765432109876543210987654321.123456789",)"
         R"("ts":"2024-01-02T03:04:05.678901Z","day":"2000-01-01","score":0.1,"flag":true,"raw":"AP4=",)"
         R"("tags":["x",null,"z"],"attrs":{"a":1,"b":null},"inner":{"x":3,"note":"n"}})",
         R"({"id":null,"name":null,"price":null,"big":null,"ts":null,"day":null,"score":null,"flag":null,"raw":null,)"
         R"("tags":null,"attrs":null,"inner":null})",
         R"({"id":-1,"name":"","price":"-0.05","big":"0","ts":"1969-12-31T23:59:59.999999Z","day":"1969-12-31",)"
         R"("score":-0.0,"flag":false,"raw":"","tags":[],"attrs":{},"inner":{"x":null,"note":null}})"},
        json);
    auto schema = avroSchemaFor(encodeColumnsOf(fields), "Interop", "com.example");
    ASSERT_TRUE(schema.isOk());
    auto encoder = makeAvroEncoder(encodeColumnsOf(fields), {*schema, std::nullopt});
    ASSERT_TRUE(encoder.isOk()) << encoder.status().toString();
    std::string data;
    for (uint32_t row = 0; row < batch.numRows(); ++row) {
        std::string datum = encodeRow(**encoder, batch, row);
        auto length = static_cast<uint32_t>(datum.size());
        data += bytes({static_cast<int>(length >> 24), static_cast<int>((length >> 16) & 0xff),
                       static_cast<int>((length >> 8) & 0xff), static_cast<int>(length & 0xff)});
        data += datum;
    }
    std::ofstream(dir_ / "cpp.avsc") << (*schema)->text();
    std::ofstream(dir_ / "cpp.bin", std::ios::binary) << data;
    EXPECT_EQ(runInterop("check"), 0) << "python3-avro read different values (see stderr above)";
}

}  // namespace
}  // namespace ferris::codec
