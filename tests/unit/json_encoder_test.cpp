// makeJsonEncoder (src/codec/encoder.h): the exact output text of every type (DESIGN.md
// §1.4.1 output encoding), NULLs, nested values, selection and column names.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codec/encoder.h"
#include "types/batch.h"
#include "types/data_type.h"
#include "types/decimal.h"

namespace ferris::codec {
namespace {

using types::Batch;
using types::DataType;
using types::int128_t;
using types::IntervalValue;
using types::TypeId;
using types::Vector;
using types::VectorPtr;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInfinity = std::numeric_limits<double>::infinity();

// ---- Building columns ----------------------------------------------------------------------

/// A column of `type` holding `values` (nullopt = NULL).
template <typename T>
VectorPtr column(DataType type, const std::vector<std::optional<T>>& values) {
    auto vector = std::make_shared<Vector>(std::move(type), static_cast<uint32_t>(values.size()));
    for (uint32_t row = 0; row < values.size(); ++row) {
        if (values[row].has_value()) {
            vector->values<T>()[row] = *values[row];
        } else {
            vector->setNull(row);
        }
    }
    return vector;
}

/// An ARRAY or MAP column over existing children: row i is [offsets[i], offsets[i+1]);
/// rows listed in `nullRows` are NULL.
VectorPtr listColumn(DataType type, std::vector<VectorPtr> children,
                     const std::vector<int32_t>& offsets,
                     const std::vector<uint32_t>& nullRows = {}) {
    auto vector =
        std::make_shared<Vector>(std::move(type), static_cast<uint32_t>(offsets.size() - 1));
    for (size_t i = 0; i < children.size(); ++i) vector->setChild(i, std::move(children[i]));
    for (size_t i = 0; i < offsets.size(); ++i) vector->offsets()[i] = offsets[i];
    for (uint32_t row : nullRows) vector->setNull(row);
    return vector;
}

/// A STRUCT column over row-aligned children.
VectorPtr structColumn(DataType type, std::vector<VectorPtr> children,
                       const std::vector<uint32_t>& nullRows = {}) {
    uint32_t rows = children.empty() ? 0 : children[0]->size();
    auto vector = std::make_shared<Vector>(std::move(type), rows);
    for (size_t i = 0; i < children.size(); ++i) vector->setChild(i, std::move(children[i]));
    for (uint32_t row : nullRows) vector->setNull(row);
    return vector;
}

/// A batch with `columns` at slots 0, 1, … and every row selected.
std::unique_ptr<Batch> batchOf(std::vector<VectorPtr> columns) {
    auto batch = std::make_unique<Batch>();
    batch->setNumRows(columns.empty() ? 0 : columns[0]->size());
    batch->columns() = std::move(columns);
    return batch;
}

std::string encode(const std::vector<EncodeColumn>& columns, const Batch& batch,
                   TimestampFormat timestamps = TimestampFormat::kEpochMillis) {
    auto encoder = makeJsonEncoder(columns, timestamps);
    EXPECT_TRUE(encoder.isOk()) << encoder.status().toString();
    std::string out;
    (*encoder)->encode(batch, out);
    return out;
}

/// The output of one column named "v".
std::string encodeColumn(VectorPtr vector,
                         TimestampFormat timestamps = TimestampFormat::kEpochMillis) {
    DataType type = vector->type();
    auto batch = batchOf({std::move(vector)});
    return encode({{"v", type, 0}}, *batch, timestamps);
}

/// `{"v":<value>}\n` for each value.
std::string lines(const std::vector<std::string>& values) {
    std::string out;
    for (const auto& value : values) out += R"({"v":)" + value + "}\n";
    return out;
}

// ---- Scalars -------------------------------------------------------------------------------

TEST(JsonEncoderTest, Boolean) {
    EXPECT_EQ(encodeColumn(column<uint8_t>(DataType::boolean(), {1, 0, std::nullopt})),
              lines({"true", "false", "null"}));
}

TEST(JsonEncoderTest, Bigint) {
    EXPECT_EQ(encodeColumn(column<int64_t>(DataType::bigint(),
                                           {0, -1, 42, std::numeric_limits<int64_t>::max(),
                                            std::numeric_limits<int64_t>::min(), std::nullopt})),
              lines({"0", "-1", "42", "9223372036854775807", "-9223372036854775808", "null"}));
}

TEST(JsonEncoderTest, DoubleShortestRoundTripAndSpecialValuesAsStrings) {
    EXPECT_EQ(encodeColumn(column<double>(
                  DataType::float64(),
                  {0.1, 1.5, 3.0, 0.0, -0.0, -2.5, 0.30000000000000004, 1e15, 1e16, 1e20,
                   123456.789, 1.7976931348623157e308, 5e-324, 2.2250738585072014e-308, 1e-5, kNaN,
                   kInfinity, -kInfinity, std::nullopt})),
              lines({"0.1", "1.5", "3", "0", "-0", "-2.5", "0.30000000000000004",
                     "1000000000000000", "1e+16", "1e+20", "123456.789", "1.7976931348623157e+308",
                     "5e-324", "2.2250738585072014e-308", "1e-05", R"("NaN")", R"("Infinity")",
                     R"("-Infinity")", "null"}));
}

TEST(JsonEncoderTest, DecimalIsAStringWithExactlyItsScale) {
    EXPECT_EQ(
        encodeColumn(column<int64_t>(DataType::decimal(10, 4), {1872300, -1872300, 0, 5, -5, 10000,
                                                                -10000, 9999999999, std::nullopt})),
        lines({R"("187.2300")", R"("-187.2300")", R"("0.0000")", R"("0.0005")", R"("-0.0005")",
               R"("1.0000")", R"("-1.0000")", R"("999999.9999")", "null"}));
    EXPECT_EQ(encodeColumn(column<int64_t>(DataType::decimal(5, 0), {12, -12, 0, 99999})),
              lines({R"("12")", R"("-12")", R"("0")", R"("99999")"}));
    EXPECT_EQ(encodeColumn(column<int64_t>(DataType::decimal(18, 18), {1, -999999999999999999})),
              lines({R"("0.000000000000000001")", R"("-0.999999999999999999")"}));
}

TEST(JsonEncoderTest, Decimal128) {
    int128_t big =
        static_cast<int128_t>(1234567890123456789LL) * 10000000000000000000ULL + 123456789ULL;
    int128_t max38 = types::pow10(38) - 1;
    EXPECT_EQ(
        encodeColumn(column<int128_t>(DataType::decimal(38, 10), {big, -big, 0, 1, std::nullopt})),
        lines({R"("1234567890123456789000000000.0123456789")",
               R"("-1234567890123456789000000000.0123456789")", R"("0.0000000000")",
               R"("0.0000000001")", "null"}));
    EXPECT_EQ(encodeColumn(column<int128_t>(DataType::decimal(38, 0), {max38, -max38})),
              lines({R"("99999999999999999999999999999999999999")",
                     R"("-99999999999999999999999999999999999999")"}));
    EXPECT_EQ(encodeColumn(column<int128_t>(DataType::decimal(38, 38), {1, -max38})),
              lines({R"("0.00000000000000000000000000000000000001")",
                     R"("-0.99999999999999999999999999999999999999")"}));
}

TEST(JsonEncoderTest, TimestampAsEpochMillisFloored) {
    EXPECT_EQ(encodeColumn(column<int64_t>(DataType::timestamp(),
                                           {1700000000123000, 1700000000123999, 0, 999, 1999, -1,
                                            -999, -1000, -1001, std::numeric_limits<int64_t>::min(),
                                            std::numeric_limits<int64_t>::max(), std::nullopt})),
              lines({"1700000000123", "1700000000123", "0", "0", "1", "-1", "-1", "-1", "-2",
                     "-9223372036854776", "9223372036854775", "null"}));
}

TEST(JsonEncoderTest, TimestampAsIso8601) {
    EXPECT_EQ(encodeColumn(column<int64_t>(DataType::timestamp(),
                                           {0, 1704164645678000, 1704164645678999, -1, -1000, -1001,
                                            253402300799999000, -62135596800000000, std::nullopt}),
                           TimestampFormat::kIso8601),
              lines({R"("1970-01-01T00:00:00.000Z")", R"("2024-01-02T03:04:05.678Z")",
                     R"("2024-01-02T03:04:05.678Z")", R"("1969-12-31T23:59:59.999Z")",
                     R"("1969-12-31T23:59:59.999Z")", R"("1969-12-31T23:59:59.998Z")",
                     R"("9999-12-31T23:59:59.999Z")", R"("0001-01-01T00:00:00.000Z")", "null"}));
}

TEST(JsonEncoderTest, Date) {
    EXPECT_EQ(encodeColumn(column<int32_t>(DataType::date(),
                                           {0, -1, 19782, 2932896, -719162, std::nullopt})),
              lines({R"("1970-01-01")", R"("1969-12-31")", R"("2024-02-29")", R"("9999-12-31")",
                     R"("0001-01-01")", "null"}));
}

TEST(JsonEncoderTest, IntervalAsMilliseconds) {
    EXPECT_EQ(encodeColumn(column<IntervalValue>(
                  DataType::interval(),
                  {IntervalValue{0, 1500000}, IntervalValue{0, 0}, IntervalValue{1, 0},
                   IntervalValue{-2, 0}, IntervalValue{1, 1000}, IntervalValue{0, -1500},
                   IntervalValue{0, 999}, std::nullopt})),
              lines({"1500", "0", "2592000000", "-5184000000", "2592000001", "-2", "0", "null"}));
}

TEST(JsonEncoderTest, BytesAsBase64) {
    using namespace std::string_view_literals;
    EXPECT_EQ(encodeColumn(column<std::string_view>(
                  DataType::bytes(), {"hello"sv, ""sv, "\x00\xff"sv, "a"sv, "ab"sv, "abc"sv,
                                      "\xfb\xff"sv, std::nullopt})),
              lines({R"("aGVsbG8=")", R"("")", R"("AP8=")", R"("YQ==")", R"("YWI=")", R"("YWJj")",
                     R"("+/8=")", "null"}));
}

TEST(JsonEncoderTest, StringsAreEscaped) {
    using namespace std::string_view_literals;
    EXPECT_EQ(
        encodeColumn(column<std::string_view>(
            DataType::string(), {"plain"sv, ""sv, "he said \"hi\""sv, "a\\b"sv, "\n\r\t\b\f"sv,
                                 "\x01\x1f"sv, "nul\x00!"sv, "\x7f/</script>"sv,
                                 "h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x98\x80"sv, std::nullopt})),
        lines({R"("plain")", R"("")", R"("he said \"hi\"")", R"("a\\b")", R"("\n\r\t\b\f")",
               R"("\u0001\u001f")", R"("nul\u0000!")", "\"\x7f/</script>\"",
               "\"h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x98\x80\"", "null"}));
}

TEST(JsonEncoderTest, AppendJsonString) {
    std::string out = "x";
    appendJsonString("a\"b\\c\x02", out);
    EXPECT_EQ(out, R"(x"a\"b\\c\u0002")");
}

// ---- Nested values --------------------------------------------------------------------------

TEST(JsonEncoderTest, Array) {
    auto elements = column<int64_t>(DataType::bigint(), {1, std::nullopt, 3, 4});
    auto array = listColumn(DataType::array(DataType::bigint()), {elements}, {0, 3, 3, 3, 4}, {2});
    EXPECT_EQ(encodeColumn(array), lines({"[1,null,3]", "[]", "null", "[4]"}));
}

TEST(JsonEncoderTest, NestedArrays) {
    using namespace std::string_view_literals;
    auto strings = column<std::string_view>(DataType::string(), {"a"sv, "b\""sv, "c"sv});
    auto inner = listColumn(DataType::array(DataType::string()), {strings}, {0, 2, 2, 2, 3}, {2});
    auto outer =
        listColumn(DataType::array(DataType::array(DataType::string())), {inner}, {0, 3, 3, 4});
    EXPECT_EQ(encodeColumn(outer), lines({R"([["a","b\""],[],null])", "[]", R"([["c"]])"}));
}

TEST(JsonEncoderTest, Map) {
    using namespace std::string_view_literals;
    auto keys = column<std::string_view>(DataType::string(), {"k"sv, "q\""sv, "n"sv, "z"sv});
    auto values = column<double>(DataType::float64(), {1.5, std::nullopt, kNaN, -kInfinity});
    auto map = listColumn(DataType::map(DataType::float64()), {keys, values}, {0, 3, 3, 3, 4}, {2});
    EXPECT_EQ(encodeColumn(map),
              lines({R"({"k":1.5,"q\"":null,"n":"NaN"})", "{}", "null", R"({"z":"-Infinity"})"}));
}

TEST(JsonEncoderTest, StructWithEveryKindOfField) {
    using namespace std::string_view_literals;
    DataType type = DataType::structOf({{"d", DataType::decimal(5, 2)},
                                        {"t", DataType::timestamp()},
                                        {"we\"ird", DataType::string()},
                                        {"day", DataType::date()},
                                        {"raw", DataType::bytes()}});
    auto make = [&] {
        return structColumn(
            type,
            {column<int64_t>(DataType::decimal(5, 2), {150, -5, std::nullopt}),
             column<int64_t>(DataType::timestamp(), {1000, -1, std::nullopt}),
             column<std::string_view>(DataType::string(), {"x\\"sv, ""sv, std::nullopt}),
             column<int32_t>(DataType::date(), {0, 19782, std::nullopt}),
             column<std::string_view>(DataType::bytes(), {"hi"sv, ""sv, std::nullopt})},
            {2});
    };
    EXPECT_EQ(encodeColumn(make()),
              lines({R"({"d":"1.50","t":1,"we\"ird":"x\\","day":"1970-01-01","raw":"aGk="})",
                     R"({"d":"-0.05","t":-1,"we\"ird":"","day":"2024-02-29","raw":""})", "null"}));
    EXPECT_EQ(encodeColumn(make(), TimestampFormat::kIso8601),
              lines({R"({"d":"1.50","t":"1970-01-01T00:00:00.001Z",)"
                     R"("we\"ird":"x\\","day":"1970-01-01","raw":"aGk="})",
                     R"({"d":"-0.05","t":"1969-12-31T23:59:59.999Z",)"
                     R"("we\"ird":"","day":"2024-02-29","raw":""})",
                     "null"}));
}

TEST(JsonEncoderTest, ArrayOfStructsAndStructOfArrays) {
    DataType point =
        DataType::structOf({{"x", DataType::bigint()}, {"when", DataType::timestamp()}});
    auto points = structColumn(point,
                               {column<int64_t>(DataType::bigint(), {1, 2, std::nullopt}),
                                column<int64_t>(DataType::timestamp(), {5000, std::nullopt, 7000})},
                               {1});
    auto array = listColumn(DataType::array(point), {points}, {0, 3, 3});
    EXPECT_EQ(encodeColumn(array, TimestampFormat::kIso8601),
              lines({R"([{"x":1,"when":"1970-01-01T00:00:00.005Z"},null,)"
                     R"({"x":null,"when":"1970-01-01T00:00:00.007Z"}])",
                     "[]"}));

    DataType holder = DataType::structOf({{"tags", DataType::array(DataType::bigint())}});
    auto tags = listColumn(DataType::array(DataType::bigint()),
                           {column<int64_t>(DataType::bigint(), {7, 8})}, {0, 2, 2}, {1});
    EXPECT_EQ(encodeColumn(structColumn(holder, {tags})),
              lines({R"({"tags":[7,8]})", R"({"tags":null})"}));
}

// ---- Rows, selection and columns ------------------------------------------------------------

TEST(JsonEncoderTest, NullInEveryType) {
    DataType nested = DataType::structOf({{"a", DataType::bigint()}});
    std::vector<EncodeColumn> columns = {{"b", DataType::boolean(), 0},
                                         {"i", DataType::bigint(), 1},
                                         {"f", DataType::float64(), 2},
                                         {"d", DataType::decimal(5, 2), 3},
                                         {"s", DataType::string(), 4},
                                         {"y", DataType::bytes(), 5},
                                         {"t", DataType::timestamp(), 6},
                                         {"day", DataType::date(), 7},
                                         {"iv", DataType::interval(), 8},
                                         {"arr", DataType::array(DataType::bigint()), 9},
                                         {"m", DataType::map(DataType::bigint()), 10},
                                         {"st", nested, 11}};
    std::vector<VectorPtr> vectors;
    for (const auto& column : columns) {
        auto vector = std::make_shared<Vector>(column.type, 1);
        vector->setNull(0);
        vectors.push_back(vector);
    }
    auto batch = batchOf(vectors);
    std::string expected =
        R"({"b":null,"i":null,"f":null,"d":null,"s":null,"y":null,"t":null,"day":null,)"
        R"("iv":null,"arr":null,"m":null,"st":null})"
        "\n";
    EXPECT_EQ(encode(columns, *batch), expected);
    EXPECT_EQ(encode(columns, *batch, TimestampFormat::kIso8601), expected);
}

TEST(JsonEncoderTest, OnlySelectedRowsAreEncoded) {
    auto batch = batchOf({column<int64_t>(DataType::bigint(), {10, 11, 12, 13, 14})});
    batch->mutableSelection() = {1, 3};
    EXPECT_EQ(encode({{"n", DataType::bigint(), 0}}, *batch), "{\"n\":11}\n{\"n\":13}\n");
    batch->mutableSelection().clear();
    EXPECT_EQ(encode({{"n", DataType::bigint(), 0}}, *batch), "");
}

TEST(JsonEncoderTest, ColumnsInTheirOrderWithEscapedNames) {
    using namespace std::string_view_literals;
    auto batch = batchOf({column<int64_t>(DataType::bigint(), {1}),
                          column<std::string_view>(DataType::string(), {"two"sv}),
                          column<uint8_t>(DataType::boolean(), {1})});
    std::vector<EncodeColumn> columns = {
        {"c", DataType::boolean(), 2},          {"a\"q", DataType::bigint(), 0},
        {"back\\slash", DataType::string(), 1}, {"new\nline", DataType::bigint(), 0},
        {"", DataType::boolean(), 2},           {"\xc3\xa9t\xc3\xa9", DataType::string(), 1}};
    EXPECT_EQ(encode(columns, *batch),
              "{\"c\":true,\"a\\\"q\":1,\"back\\\\slash\":\"two\",\"new\\nline\":1,\"\":true,"
              "\"\xc3\xa9t\xc3\xa9\":\"two\"}\n");
}

TEST(JsonEncoderTest, EncodeRowAppendsOneRowWithoutNewline) {
    auto batch = batchOf({column<int64_t>(DataType::bigint(), {5, 6}),
                          column<double>(DataType::float64(), {0.5, kNaN})});
    auto encoder = makeJsonEncoder({{"x", DataType::bigint(), 0}, {"y", DataType::float64(), 1}},
                                   TimestampFormat::kEpochMillis);
    ASSERT_TRUE(encoder.isOk());
    batch->mutableSelection() = {0};
    std::string out = "prefix:";
    (*encoder)->encodeRow(*batch, 1,
                          out);  // rows outside the selection can still be encoded one by one
    EXPECT_EQ(out, R"(prefix:{"x":6,"y":"NaN"})");
    (*encoder)->encode(*batch, out);  // encode appends
    EXPECT_EQ(out, "prefix:{\"x\":6,\"y\":\"NaN\"}{\"x\":5,\"y\":0.5}\n");
    EXPECT_EQ((*encoder)->header(), "");
}

TEST(JsonEncoderTest, NoColumns) {
    auto batch = batchOf({column<int64_t>(DataType::bigint(), {1, 2})});
    EXPECT_EQ(encode({}, *batch), "{}\n{}\n");
}

}  // namespace
}  // namespace ferris::codec
