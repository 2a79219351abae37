// makeJsonDecoder (src/codec/decoder.h): every column type, NULLs, unknown and missing
// fields, and malformed records as row errors (DESIGN.md §1.4.1 JSON input rules, §2.1).
//
// The decoder has two paths: records lying back to back in one buffer, with simdjson's
// padding after the last (a file chunk), are parsed as one simdjson document stream; any
// other record is parsed alone. Every case here runs through both, plus a CRLF-separated
// buffer and separately padded records, and must give the same values, NULLs, error rows
// and messages (see `kLayouts`).

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "codec/decoder.h"
#include "types/batch.h"
#include "types/data_type.h"
#include "types/decimal.h"
#include "types/int256.h"
#include "types/raw_record.h"
#include "types/time.h"

namespace ferris::codec {
namespace {

using types::Batch;
using types::DataType;
using types::int128_t;
using types::RawRecord;
using types::StructField;
using types::TypeId;
using types::Vector;

/// simdjson's SIMDJSON_PADDING (64 bytes in 3.0.1); kept literal so the test does not depend
/// on simdjson's headers.
constexpr size_t kPadding = 64;

// ---- Laying records out ------------------------------------------------------------------

/// How the records of one decode() call are placed in memory.
enum class Layout {
    kAdjacent,        ///< back to back in one buffer, '\n'-separated, padded after the last
    kAdjacentCrlf,    ///< back to back, "\r\n"-separated (the '\r' not part of the record)
    kSeparate,        ///< each in its own exactly-sized heap block, paddingAfter = 0
    kSeparatePadded,  ///< each in its own block followed by kPadding readable bytes
};

constexpr Layout kLayouts[] = {Layout::kAdjacent, Layout::kAdjacentCrlf, Layout::kSeparate,
                               Layout::kSeparatePadded};

const char* layoutName(Layout layout) {
    switch (layout) {
        case Layout::kAdjacent: return "adjacent records, LF";
        case Layout::kAdjacentCrlf: return "adjacent records, CRLF";
        case Layout::kSeparate: return "separate unpadded records";
        case Layout::kSeparatePadded: return "separate padded records";
    }
    return "?";
}

/// What follows the last record of a padded buffer: a complete record the decoder must not
/// read, then filler.
std::string paddingText(std::string_view separator) {
    std::string text = std::string(separator) + R"({"a":999,"s":"decoy"})" + "\n";
    text.append(kPadding, ' ');
    return text;
}

/// The input bytes and the records viewing them. Every buffer is an exactly-sized heap block,
/// so AddressSanitizer catches a read past a record without padding.
struct Input {
    std::vector<std::unique_ptr<char[]>> blocks;
    std::vector<std::pair<const char*, size_t>> blockRanges;
    std::vector<RawRecord> records;

    const char* store(std::string_view bytes) {
        blocks.push_back(std::make_unique<char[]>(bytes.size()));
        std::memcpy(blocks.back().get(), bytes.data(), bytes.size());
        blockRanges.emplace_back(blocks.back().get(), bytes.size());
        return blocks.back().get();
    }

    /// True when `view` lies inside one of the input buffers.
    bool holds(std::string_view view) const {
        for (const auto& [begin, size] : blockRanges) {
            if (view.data() >= begin && view.data() + view.size() <= begin + size) return true;
        }
        return false;
    }
};

/// Appends `texts` to `input` as one adjacent, padded run.
void addAdjacentRun(Input& input, const std::vector<std::string>& texts,
                    std::string_view separator) {
    std::string buffer;
    std::vector<size_t> starts;
    for (size_t i = 0; i < texts.size(); ++i) {
        if (i > 0) buffer += separator;
        starts.push_back(buffer.size());
        buffer += texts[i];
    }
    buffer += paddingText(separator);
    const char* base = input.store(buffer);
    for (size_t i = 0; i < texts.size(); ++i) {
        RawRecord record;
        record.value = std::string_view(base + starts[i], texts[i].size());
        record.offset = static_cast<int64_t>(starts[i]);
        record.line = static_cast<int64_t>(i + 1);
        record.paddingAfter = static_cast<uint32_t>(buffer.size() - starts[i] - texts[i].size());
        input.records.push_back(record);
    }
}

/// Appends one record in its own block, with or without padding after it.
void addSeparate(Input& input, const std::string& text, bool padded) {
    std::string buffer = text;
    if (padded) buffer += paddingText("\n");
    const char* base = input.store(buffer);
    RawRecord record;
    record.value = std::string_view(base, text.size());
    record.line = static_cast<int64_t>(input.records.size() + 1);
    record.paddingAfter = padded ? static_cast<uint32_t>(buffer.size() - text.size()) : 0;
    input.records.push_back(record);
}

Input layOut(const std::vector<std::string>& texts, Layout layout) {
    Input input;
    switch (layout) {
        case Layout::kAdjacent: addAdjacentRun(input, texts, "\n"); break;
        case Layout::kAdjacentCrlf: addAdjacentRun(input, texts, "\r\n"); break;
        case Layout::kSeparate:
        case Layout::kSeparatePadded:
            for (const auto& text : texts)
                addSeparate(input, text, layout == Layout::kSeparatePadded);
            break;
    }
    return input;
}

// ---- Rendering decoded rows (independent of the code under test) -------------------------

std::string integerText(int128_t value) {
    bool negative = value < 0;
    types::uint128_t magnitude =
        negative ? 0 - static_cast<types::uint128_t>(value) : static_cast<types::uint128_t>(value);
    std::string digits;
    do {
        digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(magnitude % 10)));
        magnitude /= 10;
    } while (magnitude != 0);
    return negative ? "-" + digits : digits;
}

/// Unscaled value and scale as plain decimal text ("-187.2300").
std::string decimalText(int128_t unscaled, int scale) {
    std::string digits = integerText(unscaled < 0 ? -unscaled : unscaled);
    if (scale > 0) {
        if (digits.size() <= static_cast<size_t>(scale)) {
            digits.insert(0, static_cast<size_t>(scale) + 1 - digits.size(), '0');
        }
        digits.insert(digits.size() - static_cast<size_t>(scale), ".");
    }
    return unscaled < 0 ? "-" + digits : digits;
}

std::string hexText(std::string_view bytes) {
    std::string out = "x'";
    for (char c : bytes) out += fmt::format("{:02x}", static_cast<unsigned char>(c));
    return out + "'";
}

/// A value as test text: NULL, true, 42, 1.5, 187.2300 (DECIMAL), 'text' (STRING),
/// x'00ff' (BYTES), 1704164645678000us (TIMESTAMP), 2024-02-29 (DATE), 1mo+1500000us
/// (INTERVAL), [1, NULL] (ARRAY), {'k': 1} (MAP), {a=1, b=NULL} (STRUCT).
std::string renderValue(const Vector& column, uint32_t row) {
    if (column.isNull(row)) return "NULL";
    const DataType& type = column.type();
    switch (type.id()) {
        case TypeId::kNull: return "NULL";
        case TypeId::kBoolean: return column.values<uint8_t>()[row] != 0 ? "true" : "false";
        case TypeId::kBigint: return std::to_string(column.values<int64_t>()[row]);
        case TypeId::kDouble: return fmt::format("{}", column.values<double>()[row]);
        case TypeId::kDecimal:
            return decimalText(
                type.isDecimal64() ? column.values<int64_t>()[row] : column.values<int128_t>()[row],
                type.scale());
        case TypeId::kString:
            return "'" + std::string(column.values<std::string_view>()[row]) + "'";
        case TypeId::kBytes: return hexText(column.values<std::string_view>()[row]);
        case TypeId::kTimestamp: return std::to_string(column.values<int64_t>()[row]) + "us";
        case TypeId::kDate: return types::dateToString(column.values<int32_t>()[row]);
        case TypeId::kInterval: {
            const auto& interval = column.values<types::IntervalValue>()[row];
            return fmt::format("{}mo+{}us", interval.months, interval.micros);
        }
        case TypeId::kArray: {
            std::string out = "[";
            for (int32_t i = column.offsets()[row]; i < column.offsets()[row + 1]; ++i) {
                if (i > column.offsets()[row]) out += ", ";
                out += renderValue(column.child(0), static_cast<uint32_t>(i));
            }
            return out + "]";
        }
        case TypeId::kMap: {
            std::string out = "{";
            for (int32_t i = column.offsets()[row]; i < column.offsets()[row + 1]; ++i) {
                if (i > column.offsets()[row]) out += ", ";
                out += renderValue(column.child(0), static_cast<uint32_t>(i)) + ": " +
                       renderValue(column.child(1), static_cast<uint32_t>(i));
            }
            return out + "}";
        }
        case TypeId::kStruct: {
            std::string out = "{";
            for (size_t i = 0; i < type.fields().size(); ++i) {
                if (i > 0) out += ", ";
                out += type.fields()[i].name + "=" + renderValue(column.child(i), row);
            }
            return out + "}";
        }
    }
    return "?";
}

/// Every error of `row`, "code: message", joined with " | "; "" when it has none.
std::string rowErrors(const Batch& batch, uint32_t row) {
    std::string out;
    for (const auto& error : batch.errors()) {
        if (error.row != row) continue;
        if (!out.empty()) out += " | ";
        out += fmt::format("{}: {}", errorCodeName(error.code), error.message);
    }
    return out;
}

/// "a=1, s='x'" for a decoded row; "error decode_error: …" for a row with an error.
std::string renderRow(const Batch& batch, const std::vector<DecodeField>& fields, uint32_t row) {
    std::string errors = rowErrors(batch, row);
    if (!errors.empty()) return "error " + errors;
    std::string out;
    for (const auto& field : fields) {
        if (!out.empty()) out += ", ";
        out += field.name + "=" + renderValue(batch.column(static_cast<size_t>(field.slot)), row);
    }
    return out;
}

/// Which columns of `row` are NULL ("01" …): compared across layouts for error rows too.
std::string nullMask(const Batch& batch, const std::vector<DecodeField>& fields, uint32_t row) {
    std::string out;
    for (const auto& field : fields) {
        out += batch.column(static_cast<size_t>(field.slot)).isNull(row) ? '1' : '0';
    }
    return out;
}

// ---- Running the decoder -----------------------------------------------------------------

/// Declared fields at slots 1, 3, 5 … (slots need not be dense or in field order).
std::vector<DecodeField> fieldsOf(std::vector<std::pair<std::string, DataType>> columns) {
    std::vector<DecodeField> fields;
    for (size_t i = 0; i < columns.size(); ++i) {
        fields.push_back({columns[i].first, columns[i].second, static_cast<int>(2 * i + 1)});
    }
    return fields;
}

struct Decoded {
    Input input;
    Batch batch;
    std::vector<std::string> rows;
    std::vector<std::string> masks;
};

std::unique_ptr<Decoded> decodeWith(Decoder& decoder, const std::vector<DecodeField>& fields,
                                    Input input) {
    auto decoded = std::make_unique<Decoded>();
    decoded->input = std::move(input);
    decoded->batch.setNumRows(static_cast<uint32_t>(decoded->input.records.size()));
    decoder.decode(decoded->input.records, decoded->batch);
    for (uint32_t row = 0; row < decoded->batch.numRows(); ++row) {
        decoded->rows.push_back(renderRow(decoded->batch, fields, row));
        decoded->masks.push_back(nullMask(decoded->batch, fields, row));
    }
    for (const auto& error : decoded->batch.errors()) {
        EXPECT_EQ(error.code, ErrorCode::kDecodeError) << error.message;
        EXPECT_LT(error.row, decoded->batch.numRows());
    }
    return decoded;
}

std::unique_ptr<Decoded> decode(const std::vector<DecodeField>& fields,
                                const std::vector<std::string>& texts, Layout layout) {
    auto decoder = makeJsonDecoder(fields);
    EXPECT_TRUE(decoder.isOk()) << decoder.status().toString();
    return decodeWith(**decoder, fields, layOut(texts, layout));
}

/// Decodes `texts` in every layout; each must give exactly `expected` (and the same NULLs).
void expectDecoded(const std::vector<DecodeField>& fields, const std::vector<std::string>& texts,
                   const std::vector<std::string>& expected) {
    std::unique_ptr<Decoded> reference;
    for (Layout layout : kLayouts) {
        SCOPED_TRACE(layoutName(layout));
        auto decoded = decode(fields, texts, layout);
        EXPECT_EQ(decoded->rows, expected);
        if (reference == nullptr) {
            reference = std::move(decoded);
        } else {
            EXPECT_EQ(decoded->masks, reference->masks)
                << "NULL flags differ from the first layout";
        }
    }
}

/// One record per row, a single column `v` of `type`.
void expectColumn(const DataType& type, const std::vector<std::string>& values,
                  const std::vector<std::string>& expected) {
    std::vector<std::string> texts;
    for (const auto& value : values) texts.push_back(R"({"v":)" + value + "}");
    expectDecoded(fieldsOf({{"v", type}}), texts, expected);
}

std::vector<std::string> prefixed(const std::vector<std::string>& values) {
    std::vector<std::string> out;
    for (const auto& value : values)
        out.push_back(value.starts_with("error ") ? value : "v=" + value);
    return out;
}

// ---- Scalar types --------------------------------------------------------------------------

TEST(JsonDecoderTest, Boolean) {
    expectColumn(DataType::boolean(), {"true", "false", "null", R"("true")", "1", "0"},
                 prefixed({"true", "false", "NULL",
                           R"(error decode_error: field 'v': expected BOOLEAN, found "true")",
                           "error decode_error: field 'v': expected BOOLEAN, found 1",
                           "error decode_error: field 'v': expected BOOLEAN, found 0"}));
}

TEST(JsonDecoderTest, BigintIncludingExtremes) {
    expectColumn(
        DataType::bigint(),
        {"0", "-1", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
         "-9223372036854775809", "1.0", "1e3", R"("12")", "true", "null"},
        prefixed({"0", "-1", "9223372036854775807", "-9223372036854775808",
                  "error decode_error: field 'v': expected BIGINT, found 9223372036854775808",
                  "error decode_error: field 'v': expected BIGINT, found -9223372036854775809",
                  "error decode_error: field 'v': expected BIGINT, found 1.0",
                  "error decode_error: field 'v': expected BIGINT, found 1e3",
                  R"(error decode_error: field 'v': expected BIGINT, found "12")",
                  "error decode_error: field 'v': expected BIGINT, found true", "NULL"}));
}

TEST(JsonDecoderTest, DoubleIncludingNanAndInfinityStrings) {
    expectColumn(DataType::float64(),
                 {"1.5", "-0.25", "3", "-9223372036854775808", "1e300", "1.7976931348623157e308",
                  "5e-324", R"("NaN")", R"("Infinity")", R"("-Infinity")", R"("nan")", R"("inf")",
                  R"("1.5")", "true", "null"},
                 prefixed({"1.5", "-0.25", "3", "-9.223372036854776e+18", "1e+300",
                           "1.7976931348623157e+308", "5e-324", "nan", "inf", "-inf",
                           R"(error decode_error: field 'v': expected DOUBLE, found "nan")",
                           R"(error decode_error: field 'v': expected DOUBLE, found "inf")",
                           R"(error decode_error: field 'v': expected DOUBLE, found "1.5")",
                           "error decode_error: field 'v': expected DOUBLE, found true", "NULL"}));
}

TEST(JsonDecoderTest, Decimal64FromNumbersAndStrings) {
    DataType type = DataType::decimal(10, 2);
    expectColumn(type,
                 {"123.45", "123.4", "12", "-0.01", "0", "-7.5", R"("123.45")", R"("-7.5")",
                  R"("12")", "1.230", "99999999.99", "-99999999.99", "null"},
                 prefixed({"123.45", "123.40", "12.00", "-0.01", "0.00", "-7.50", "123.45", "-7.50",
                           "12.00", "1.23", "99999999.99", "-99999999.99", "NULL"}));
}

TEST(JsonDecoderTest, DecimalExponentForms) {
    expectColumn(
        DataType::decimal(10, 2),
        {"1.5E+2", "1.5e2", "12345e-2", "1.2345e2", "2e-2", "-2E-2", R"("1.5e2")", "0e5", "2e-3"},
        prefixed({"150.00", "150.00", "123.45", "123.45", "0.02", "-0.02", "150.00", "0.00",
                  "error decode_error: field 'v': 2e-3 has more than 2 fractional digits for "
                  "DECIMAL(10,2)"}));
}

TEST(JsonDecoderTest, DecimalTooManyFractionalDigitsIsARowError) {
    expectColumn(
        DataType::decimal(10, 2), {"1.234", R"("1.234")", "1.5", "-0.001", R"("-0.001")"},
        prefixed({"error decode_error: field 'v': 1.234 has more than 2 fractional digits for "
                  "DECIMAL(10,2)",
                  "error decode_error: field 'v': 1.234 has more than 2 fractional digits for "
                  "DECIMAL(10,2)",
                  "1.50",
                  "error decode_error: field 'v': -0.001 has more than 2 fractional digits for "
                  "DECIMAL(10,2)",
                  "error decode_error: field 'v': -0.001 has more than 2 fractional digits for "
                  "DECIMAL(10,2)"}));
}

TEST(JsonDecoderTest, DecimalOverflowAndMalformed) {
    expectColumn(
        DataType::decimal(10, 2),
        {"123456789.12", R"("123456789")", R"("abc")", R"("")", R"(" 1.5")", "true", "[1]"},
        prefixed({"error decode_error: field 'v': 123456789.12 does not fit DECIMAL(10,2)",
                  "error decode_error: field 'v': 123456789 does not fit DECIMAL(10,2)",
                  R"(error decode_error: field 'v': expected DECIMAL(10,2), found "abc")",
                  R"(error decode_error: field 'v': expected DECIMAL(10,2), found "")",
                  R"(error decode_error: field 'v': expected DECIMAL(10,2), found " 1.5")",
                  "error decode_error: field 'v': expected DECIMAL(10,2), found true",
                  "error decode_error: field 'v': expected DECIMAL(10,2), found ["}));
}

TEST(JsonDecoderTest, DecimalAtPrecision18) {
    expectColumn(
        DataType::decimal(18, 4),
        {"99999999999999.9999", "-99999999999999.9999", R"("0.0001")", "100000000000000"},
        prefixed({"99999999999999.9999", "-99999999999999.9999", "0.0001",
                  "error decode_error: field 'v': 100000000000000 does not fit DECIMAL(18,4)"}));
}

TEST(JsonDecoderTest, DecimalAtPrecision38FromNumbersAndStrings) {
    // 28 integer digits and 10 fractional digits: beyond a double's and an int64's range,
    // so only an exact text parse gets these right.
    expectColumn(
        DataType::decimal(38, 10),
        {"1234567890123456789012345678.0123456789", R"("-1234567890123456789012345678.0123456789")",
         "9999999999999999999999999999.9999999999", "0.0000000001", R"("1e27")", "1.5",
         "12345678901234567890123456789", "0.00000000001"},
        prefixed(
            {"1234567890123456789012345678.0123456789", "-1234567890123456789012345678.0123456789",
             "9999999999999999999999999999.9999999999", "0.0000000001",
             "1000000000000000000000000000.0000000000", "1.5000000000",
             "error decode_error: field 'v': 12345678901234567890123456789 does not fit "
             "DECIMAL(38,10)",
             "error decode_error: field 'v': 0.00000000001 has more than 10 fractional digits for "
             "DECIMAL(38,10)"}));
    expectColumn(
        DataType::decimal(38, 0),
        {"99999999999999999999999999999999999999", "-99999999999999999999999999999999999999",
         R"("170141183460469231731687303715884105727")"},
        prefixed(
            {"99999999999999999999999999999999999999", "-99999999999999999999999999999999999999",
             "error decode_error: field 'v': 170141183460469231731687303715884105727 does not fit "
             "DECIMAL(38,0)"}));
}

TEST(JsonDecoderTest, String) {
    expectColumn(
        DataType::string(),
        {R"("hello")", R"("")", R"("h\u00e9llo \"q\" \\ \n\t")", "\"h\xc3\xa9llo \xe2\x9c\x93\"",
         R"("\ud83d\ude00")", "12", "null", "true", R"({"x":1})", R"("bad \x escape")",
         R"("\ud800 lone surrogate")"},
        prefixed({"'hello'", "''", "'h\xc3\xa9llo \"q\" \\ \n\t'", "'h\xc3\xa9llo \xe2\x9c\x93'",
                  "'\xf0\x9f\x98\x80'", "error decode_error: field 'v': expected STRING, found 12",
                  "NULL", "error decode_error: field 'v': expected STRING, found true",
                  "error decode_error: field 'v': expected STRING, found {",
                  "error decode_error: field 'v': malformed string",
                  "error decode_error: field 'v': malformed string"}));
}

TEST(JsonDecoderTest, StringsWithoutEscapesAreViewsOfTheInput) {
    auto fields = fieldsOf({{"s", DataType::string()}, {"t", DataType::string()}});
    std::vector<std::string> texts;
    for (int i = 0; i < 6; ++i)
        texts.push_back(fmt::format(R"({{"s":"plain{}","t":"esc\"aped{}"}})", i, i));
    for (Layout layout : kLayouts) {
        SCOPED_TRACE(layoutName(layout));
        auto decoded = decode(fields, texts, layout);
        const Vector& plain = decoded->batch.column(1);
        const Vector& escaped = decoded->batch.column(3);
        for (uint32_t row = 0; row < texts.size(); ++row) {
            std::string_view s = plain.values<std::string_view>()[row];
            std::string_view t = escaped.values<std::string_view>()[row];
            EXPECT_EQ(s, fmt::format("plain{}", row));
            EXPECT_EQ(t, fmt::format("esc\"aped{}", row));
            // Unescaped strings view the record's bytes when the record is padded; unpadded
            // records are first copied (with padding) into the batch's arena
            // (docs/architecture.md).
            EXPECT_EQ(decoded->input.holds(s), layout != Layout::kSeparate) << row;
            if (layout != Layout::kSeparate) {
                const RawRecord& record = decoded->input.records[row];
                EXPECT_EQ(s.data(), record.value.data() + 6) << "the view starts inside the record";
            }
            // Escaped strings are copies owned by the batch.
            EXPECT_FALSE(decoded->input.holds(t)) << row;
        }
    }
}

TEST(JsonDecoderTest, EscapedStringsOutliveTheNextDecode) {
    // simdjson reuses its unescape buffer: copies must not point into it.
    auto fields = fieldsOf({{"s", DataType::string()}});
    auto decoder = makeJsonDecoder(fields);
    ASSERT_TRUE(decoder.isOk());
    std::vector<std::string> first = {R"({"s":"a\"1"})", R"({"s":"b\\2"})", R"({"s":"c\n3"})",
                                      R"({"s":"d\t4"})", R"({"s":"e\/5"})"};
    std::vector<std::string> second = {R"({"s":"X\"XXXXXXXX"})", R"({"s":"Y\\YYYYYYYY"})",
                                       R"({"s":"Z\nZZZZZZZZ"})", R"({"s":"W\tWWWWWWWW"})",
                                       R"({"s":"V\/VVVVVVVV"})"};
    for (Layout layout : kLayouts) {
        SCOPED_TRACE(layoutName(layout));
        auto one = decodeWith(**decoder, fields, layOut(first, layout));
        auto two = decodeWith(**decoder, fields, layOut(second, layout));
        EXPECT_EQ(renderRow(one->batch, fields, 0), "s='a\"1'");
        EXPECT_EQ(renderRow(one->batch, fields, 1), "s='b\\2'");
        EXPECT_EQ(renderRow(one->batch, fields, 2), "s='c\n3'");
        EXPECT_EQ(renderRow(one->batch, fields, 3), "s='d\t4'");
        EXPECT_EQ(renderRow(one->batch, fields, 4), "s='e/5'");
        EXPECT_EQ(two->rows,
                  (std::vector<std::string>{"s='X\"XXXXXXXX'", "s='Y\\YYYYYYYY'", "s='Z\nZZZZZZZZ'",
                                            "s='W\tWWWWWWWW'", "s='V/VVVVVVVV'"}));
    }
}

TEST(JsonDecoderTest, BytesFromBase64) {
    expectColumn(DataType::bytes(),
                 {R"("aGVsbG8=")", R"("aGVsbG8")", R"("")", R"("AP8=")", R"("AAECAwQF")",
                  R"("!!!")", "12", "null"},
                 prefixed({"x'68656c6c6f'", "x'68656c6c6f'", "x''", "x'00ff'", "x'000102030405'",
                           "error decode_error: field 'v': expected base64 BYTES, found !!!",
                           "error decode_error: field 'v': expected BYTES, found 12", "NULL"}));
}

TEST(JsonDecoderTest, TimestampFromEpochMillisAndIso8601) {
    expectColumn(
        DataType::timestamp(),
        {"1700000000123", "0", "-1", "-1500", R"("2024-01-02T03:04:05.678Z")",
         R"("2024-01-02T03:04:05")", R"("2024-01-02 03:04:05")",
         R"("2024-01-02T03:04:05.123456+01:00")", R"("2024-01-02")",
         R"("1969-12-31T23:59:59.999Z")", "1.5", R"("garbage")", R"("1700000000123")",
         "9223372036854775807", "true", "null"},
        prefixed({"1700000000123000us", "0us", "-1000us", "-1500000us", "1704164645678000us",
                  "1704164645000000us", "1704164645000000us", "1704161045123456us",
                  "1704153600000000us", "-1000us",
                  "error decode_error: field 'v': expected TIMESTAMP, found 1.5",
                  R"(error decode_error: field 'v': expected TIMESTAMP, found "garbage")",
                  R"(error decode_error: field 'v': expected TIMESTAMP, found "1700000000123")",
                  "error decode_error: field 'v': expected TIMESTAMP, found 9223372036854775807",
                  "error decode_error: field 'v': expected TIMESTAMP, found true", "NULL"}));
}

TEST(JsonDecoderTest, Date) {
    expectColumn(
        DataType::date(),
        {R"("2024-02-29")", R"("1970-01-01")", R"("1969-12-31")", R"("2023-02-29")", "19782",
         R"("2024-02-29T00:00:00")", "null"},
        prefixed({"2024-02-29", "1970-01-01", "1969-12-31",
                  R"(error decode_error: field 'v': expected DATE, found "2023-02-29")",
                  "error decode_error: field 'v': expected DATE, found 19782",
                  R"(error decode_error: field 'v': expected DATE, found "2024-02-29T00:00:00")",
                  "NULL"}));
}

TEST(JsonDecoderTest, IntervalFromMilliseconds) {
    expectColumn(
        DataType::interval(),
        {"1500", "0", "-1", "1.5", R"("PT1S")", "9223372036854775807", "null"},
        prefixed({"0mo+1500000us", "0mo+0us", "0mo+-1000us",
                  "error decode_error: field 'v': expected INTERVAL, found 1.5",
                  R"(error decode_error: field 'v': expected INTERVAL, found "PT1S")",
                  "error decode_error: field 'v': expected INTERVAL, found 9223372036854775807",
                  "NULL"}));
}

// ---- Nested types --------------------------------------------------------------------------

TEST(JsonDecoderTest, Array) {
    expectColumn(
        DataType::array(DataType::bigint()),
        {"[1,2,3]", "[]", "null", "[1,null,3]", " [ 4 , 5 ] ", R"(["x"])", "[1,2.5]", R"({"a":1})",
         "[7]"},
        prefixed({"[1, 2, 3]", "[]", "NULL", "[1, NULL, 3]", "[4, 5]",
                  R"(error decode_error: field 'v': [0]: expected BIGINT, found "x")",
                  "error decode_error: field 'v': [1]: expected BIGINT, found 2.5",
                  "error decode_error: field 'v': expected ARRAY<BIGINT>, found {", "[7]"}));
}

TEST(JsonDecoderTest, NestedArrays) {
    expectColumn(
        DataType::array(DataType::array(DataType::string())),
        {R"([["a","b"],[],null,["c"]])", "[]", R"([["d\"e"]])", R"([[1]])", R"([["f"]])"},
        prefixed({"[['a', 'b'], [], NULL, ['c']]", "[]", "[['d\"e']]",
                  "error decode_error: field 'v': [0]: [0]: expected STRING, found 1", "[['f']]"}));
}

TEST(JsonDecoderTest, Map) {
    expectColumn(DataType::map(DataType::float64()),
                 {R"({"x":1.5,"y":null})", "{}", "null", R"({"a\"b":2})", R"({"k":"v"})", "[1]",
                  R"({"z":-3})"},
                 prefixed({"{'x': 1.5, 'y': NULL}", "{}", "NULL", "{'a\"b': 2}",
                           R"(error decode_error: field 'v': ['k']: expected DOUBLE, found "v")",
                           "error decode_error: field 'v': expected MAP<STRING, DOUBLE>, found [",
                           "{'z': -3}"}));
}

TEST(JsonDecoderTest, Struct) {
    DataType type = DataType::structOf({{"a", DataType::bigint()}, {"b", DataType::string()}});
    expectColumn(
        type,
        {R"({"a":1,"b":"x"})", R"({"b":"y","a":2})", R"({"a":3})", R"({"A":4,"B":"z"})", "{}",
         "null", R"({"a":5,"extra":[1,{"q":2}],"b":"w"})", R"({"a":"bad"})", "[1]"},
        prefixed({"{a=1, b='x'}", "{a=2, b='y'}", "{a=3, b=NULL}", "{a=4, b='z'}",
                  "{a=NULL, b=NULL}", "NULL", "{a=5, b='w'}",
                  R"(error decode_error: field 'v': .a: expected BIGINT, found "bad")",
                  "error decode_error: field 'v': expected STRUCT<a BIGINT, b STRING>, found ["}));
}

TEST(JsonDecoderTest, DeeplyNestedValues) {
    DataType inner =
        DataType::structOf({{"x", DataType::float64()}, {"when", DataType::timestamp()}});
    DataType type = DataType::structOf({{"id", DataType::bigint()},
                                        {"tags", DataType::array(DataType::string())},
                                        {"inner", inner},
                                        {"scores", DataType::map(DataType::decimal(5, 2))},
                                        {"points", DataType::array(inner)}});
    expectColumn(
        type,
        {R"({"id":1,"tags":["a","b"],"inner":{"x":0.5,"when":1000},"scores":{"m":"1.5"},)"
         R"("points":[{"x":1,"when":"1970-01-01T00:00:01Z"},null,{"x":null}]})",
         R"({"id":2,"tags":[],"inner":null,"scores":{},"points":[]})"},
        prefixed({"{id=1, tags=['a', 'b'], inner={x=0.5, when=1000000us}, scores={'m': 1.50}, "
                  "points=[{x=1, when=1000000us}, NULL, {x=NULL, when=NULL}]}",
                  "{id=2, tags=[], inner=NULL, scores={}, points=[]}"}));
}

TEST(JsonDecoderTest, ArrayInsideStructAfterARowWithoutIt) {
    // Regression (fixed): the offsets of a list inside a STRUCT are set only by rows that carry the list.
    // A row where the struct is NULL, missing or lacks the list leaves offsets[row + 1] at 0,
    // so the next row's elements are written from index 0 over earlier rows' elements
    // (json_value_reader.cpp readArray/readMap start at column.offsets()[row]; only top-level
    // lists are reset per row in json_decoder.cpp startRow; readStruct and finishRow never set
    // a nested list's offsets for NULL/missing values).
    DataType type = DataType::structOf(
        {{"arr", DataType::array(DataType::bigint())}, {"n", DataType::bigint()}});
    expectColumn(type,
                 {R"({"arr":[1,2],"n":1})", "null", R"({"arr":[3],"n":3})", R"({"n":4})",
                  R"({"arr":[5,6]})"},
                 prefixed({"{arr=[1, 2], n=1}", "NULL", "{arr=[3], n=3}", "{arr=NULL, n=4}",
                           "{arr=[5, 6], n=NULL}"}));
    auto fields = fieldsOf({{"s", type}, {"k", DataType::bigint()}});
    expectDecoded(fields,
                  {R"({"s":{"arr":[1,2]},"k":1})", R"({"k":2})", R"({"s":{"arr":[7]},"k":3})"},
                  {"s={arr=[1, 2], n=NULL}, k=1", "s=NULL, k=2", "s={arr=[7], n=NULL}, k=3"});
}

// ---- Fields: missing, unknown, order -------------------------------------------------------

TEST(JsonDecoderTest, MissingFieldsAreNullAndUnknownFieldsAreIgnored) {
    auto fields = fieldsOf(
        {{"a", DataType::bigint()}, {"b", DataType::string()}, {"c", DataType::boolean()}});
    expectDecoded(fields,
                  {R"({"a":1,"b":"x","c":true})", R"({"b":"y"})", "{}",
                   R"({"zzz":{"a":[1,{"b":2}]},"c":false,"ab":7,"":1,"a":2})",
                   R"({"c":null,"a":null,"b":null})", R"({"unknown":"a\"b","b":"z"})",
                   R"({"A":5,"B":"upper"})"},
                  {"a=1, b='x', c=true", "a=NULL, b='y', c=NULL", "a=NULL, b=NULL, c=NULL",
                   "a=2, b=NULL, c=false", "a=NULL, b=NULL, c=NULL", "a=NULL, b='z', c=NULL",
                   "a=NULL, b=NULL, c=NULL"});
}

TEST(JsonDecoderTest, FieldOrderMayChangeFromRecordToRecord) {
    auto fields = fieldsOf(
        {{"a", DataType::bigint()}, {"ab", DataType::bigint()}, {"b", DataType::string()}});
    expectDecoded(fields,
                  {R"({"a":1,"ab":2,"b":"x"})", R"({"b":"y","ab":3,"a":4})", R"({"ab":5})",
                   R"({"b":"z","a":6})", R"({"a":7,"ab":8,"b":"w"})"},
                  {"a=1, ab=2, b='x'", "a=4, ab=3, b='y'", "a=NULL, ab=5, b=NULL",
                   "a=6, ab=NULL, b='z'", "a=7, ab=8, b='w'"});
}

TEST(JsonDecoderTest, LongAndSimilarFieldNames) {
    // Names up to 15 bytes and longer ones, names that are prefixes of others, non-ASCII.
    auto fields = fieldsOf({{"abcdefghijklmno", DataType::bigint()},
                            {"abcdefghijklmnop", DataType::bigint()},
                            {"abcdefghijklmnopqrstuvwxyz_0123456789", DataType::bigint()},
                            {"abcdefgh", DataType::bigint()},
                            {"pr\xc3\xa9nom", DataType::bigint()}});
    expectDecoded(
        fields,
        {R"({"abcdefghijklmno":1,"abcdefghijklmnop":2,)"
         R"("abcdefghijklmnopqrstuvwxyz_0123456789":3,"abcdefgh":4,)"
         "\"pr\xc3\xa9nom\":5}",
         R"({"abcdefghijklmnopq":9,"abcdefghijklmn":9,"abcdefghijklmnopqrstuvwxyz_012345678":9,)"
         R"("abcdefghi":9,"abcdefg":9,)"
         "\"pr\xc3\xa9no\":9}",
         "{\"pr\xc3\xa9nom\":6,"
         R"("abcdefgh":7,"abcdefghijklmnop":8})"},
        {"abcdefghijklmno=1, abcdefghijklmnop=2, abcdefghijklmnopqrstuvwxyz_0123456789=3, "
         "abcdefgh=4, pr\xc3\xa9nom=5",
         "abcdefghijklmno=NULL, abcdefghijklmnop=NULL, "
         "abcdefghijklmnopqrstuvwxyz_0123456789=NULL, abcdefgh=NULL, pr\xc3\xa9nom=NULL",
         "abcdefghijklmno=NULL, abcdefghijklmnop=8, "
         "abcdefghijklmnopqrstuvwxyz_0123456789=NULL, abcdefgh=7, pr\xc3\xa9nom=6"});
}

TEST(JsonDecoderTest, OnlyDeclaredFieldsAreDecoded) {
    // A field the plan does not read is never looked at, even when its value would not parse.
    auto fields = fieldsOf({{"b", DataType::bigint()}});
    expectDecoded(fields, {R"({"a":"not a number","b":1})", R"({"a":1e999999,"b":2})"},
                  {"b=1", "b=2"});
}

TEST(JsonDecoderTest, NullRecordValueIsARowError) {
    auto fields = fieldsOf({{"a", DataType::bigint()}});
    std::vector<std::string> texts = {R"({"a":1})", R"({"a":2})", R"({"a":3})", R"({"a":4})",
                                      R"({"a":5})"};
    for (Layout layout : kLayouts) {
        SCOPED_TRACE(layoutName(layout));
        Input input = layOut(texts, layout);
        input.records[2].valueIsNull = true;  // a Kafka tombstone
        auto decoder = makeJsonDecoder(fields);
        ASSERT_TRUE(decoder.isOk());
        auto decoded = decodeWith(**decoder, fields, std::move(input));
        EXPECT_EQ(
            decoded->rows,
            (std::vector<std::string>{
                "a=1", "a=2", "error decode_error: the record has no value (null)", "a=4", "a=5"}));
    }
}

// ---- Malformed records, in runs of every length and at every position ---------------------

struct Malformed {
    const char* name;
    std::string text;
    std::string error;
};

std::vector<Malformed> malformedRecords() {
    return {
        {"truncated", R"({"a":1,"s":"x)",
         "error decode_error: malformed JSON: A string is opened, but never closed."},
        // Regression (fixed): inside a document stream (a run of 4 or more adjacent records, not at its end)
        // the truncated record swallows the next one, and gets "The JSON document has an
        // improper structure…" instead (json_decoder.cpp decodeStream decodes the merged
        // document as this record's row).
        {"truncated after a value", R"({"a":1)",
         "error decode_error: malformed JSON: JSON document ended early in the middle of an object "
         "or array."},
        {"an array", "[1,2]",
         "error decode_error: malformed JSON: the record is not a JSON object"},
        {"a number", "42", "error decode_error: malformed JSON: the record is not a JSON object"},
        {"a string", R"("text")",
         "error decode_error: malformed JSON: the record is not a JSON object"},
        {"null", "null", "error decode_error: malformed JSON: the record is not a JSON object"},
        // Regression (fixed): alone (not in a document stream) this record gets simdjson's "JSON document ended
        // early in the middle of an object or array." — iterate() rejects a document that opens
        // with '{' but does not end with '}' before decodeRecord's own trailing-content check
        // runs (json_decoder.cpp decodeRecord: `parser_.iterate(...)` → malformed(code)); in a
        // stream it gets the message below.
        {"trailing content", R"({"a":1} x)",
         "error decode_error: malformed JSON: trailing content after the object"},
        {"two objects", R"({"a":1}{"a":2})",
         "error decode_error: malformed JSON: trailing content after the object"},
        {"two objects with a space", R"({"a":1} {"a":2})",
         "error decode_error: malformed JSON: trailing content after the object"},
        {"invalid UTF-8", "{\"a\":1,\"s\":\"\xff\xfe\"}",
         "error decode_error: malformed JSON: The input is not valid UTF-8"},
        {"a type error", R"({"a":"one","s":"x"})",
         R"(error decode_error: field 'a': expected BIGINT, found "one")"},
        {"a nested type error", R"({"a":1,"l":[[1],[2,"x"],[3]],"s":"y"})",
         R"(error decode_error: field 'l': [1]: [1]: expected BIGINT, found "x")"},
    };
}

std::vector<DecodeField> runFields() {
    return fieldsOf({{"a", DataType::bigint()},
                     {"s", DataType::string()},
                     {"l", DataType::array(DataType::array(DataType::bigint()))}});
}

std::string goodRecord(size_t i) {
    return fmt::format(R"({{"a":{},"s":"v{}","l":[[{}],[]]}})", i, i, i);
}

std::string goodRow(size_t i) {
    return fmt::format("a={}, s='v{}', l=[[{}], []]", i, i, i);
}

TEST(JsonDecoderTest, EachMalformedRecordAloneIsARowError) {
    for (const auto& bad : malformedRecords()) {
        SCOPED_TRACE(bad.name);
        expectDecoded(runFields(), {bad.text}, {bad.error});
    }
}

TEST(JsonDecoderTest, MalformedRecordAtStartMiddleAndEndOfRuns) {
    // Runs of 1 … 9 records (shorter than 4 are never parsed as a stream) with the malformed
    // record first, in the middle and last; its neighbours decode normally.
    for (const auto& bad : malformedRecords()) {
        for (size_t length : {1, 2, 3, 4, 5, 6, 9}) {
            for (size_t position : {size_t{0}, length / 2, length - 1}) {
                SCOPED_TRACE(fmt::format("{} at {} of {}", bad.name, position, length));
                std::vector<std::string> texts;
                std::vector<std::string> expected;
                for (size_t i = 0; i < length; ++i) {
                    texts.push_back(i == position ? bad.text : goodRecord(i));
                    expected.push_back(i == position ? bad.error : goodRow(i));
                }
                expectDecoded(runFields(), texts, expected);
            }
        }
    }
}

TEST(JsonDecoderTest, SeveralMalformedRecordsInOneRun) {
    auto all = malformedRecords();
    std::vector<std::string> texts;
    std::vector<std::string> expected;
    for (size_t i = 0; i < all.size(); ++i) {
        texts.push_back(goodRecord(2 * i));
        expected.push_back(goodRow(2 * i));
        texts.push_back(all[i].text);
        expected.push_back(all[i].error);
    }
    texts.push_back(goodRecord(99));
    expected.push_back(goodRow(99));
    expectDecoded(runFields(), texts, expected);
    // Malformed records back to back.
    texts.clear();
    expected.clear();
    for (const auto& bad : all) {
        texts.push_back(bad.text);
        expected.push_back(bad.error);
    }
    expectDecoded(runFields(), texts, expected);
}

TEST(JsonDecoderTest, EmptyRecordIsARowError) {
    std::vector<std::string> texts = {goodRecord(0), goodRecord(1), "", goodRecord(3),
                                      goodRecord(4)};
    expectDecoded(
        runFields(), texts,
        {goodRow(0), goodRow(1), "error decode_error: malformed JSON: Empty: no JSON found",
         goodRow(3), goodRow(4)});
}

TEST(JsonDecoderTest, RunsSplitByRecordsFromOtherBuffers) {
    // Two adjacent runs with a separately held record between them, and a record whose
    // neighbour in the buffer is separated by more than a line break.
    auto fields = runFields();
    auto decoder = makeJsonDecoder(fields);
    ASSERT_TRUE(decoder.isOk());
    Input input;
    addAdjacentRun(
        input, {goodRecord(0), goodRecord(1), goodRecord(2), goodRecord(3), goodRecord(4)}, "\n");
    addSeparate(input, goodRecord(5), false);
    addAdjacentRun(
        input, {goodRecord(6), goodRecord(7), R"({"a":1} x)", goodRecord(9), goodRecord(10)}, "\n");
    addAdjacentRun(input, {goodRecord(11), goodRecord(12), goodRecord(13), goodRecord(14)},
                   "\n\n\n");
    addSeparate(input, goodRecord(15), true);
    auto decoded = decodeWith(**decoder, fields, std::move(input));
    std::vector<std::string> expected;
    for (size_t i = 0; i <= 15; ++i) {
        expected.push_back(
            i == 8 ? "error decode_error: malformed JSON: trailing content after the object"
                   : goodRow(i));
    }
    EXPECT_EQ(decoded->rows, expected);
}

TEST(JsonDecoderTest, RecordsWithSurroundingWhitespace) {
    expectDecoded(runFields(),
                  {"  " + goodRecord(0), goodRecord(1) + "  ", "\t" + goodRecord(2) + "\r",
                   goodRecord(3), " " + goodRecord(4) + " "},
                  {goodRow(0), goodRow(1), goodRow(2), goodRow(3), goodRow(4)});
}

TEST(JsonDecoderTest, TruncatedRecordDoesNotSwallowItsNeighbours) {
    // Regression (fixed): in a document stream a truncated record and the records after it up to a stray
    // closing brace form one document, decoded as the truncated record's row (json_decoder.cpp
    // decodeStream trusts simdjson's document boundaries when the first one starts at a
    // record): alone, each of these records is an error or decodes normally.
    std::vector<std::string> texts = {goodRecord(0), R"({"q":)",    goodRecord(2),
                                      "}",           goodRecord(4), goodRecord(5)};
    expectDecoded(
        runFields(), texts,
        {goodRow(0),
         "error decode_error: malformed JSON: JSON document ended early in the middle of an "
         "object or array.",
         goodRow(2), "error decode_error: malformed JSON: the record is not a JSON object",
         goodRow(4), goodRow(5)});
    // The value of a truncated record's last field must not be taken from the next record.
    texts = {goodRecord(0), R"({"a":)", goodRecord(2), goodRecord(3), goodRecord(4)};
    expectDecoded(
        runFields(), texts,
        {goodRow(0),
         "error decode_error: malformed JSON: JSON document ended early in the middle of an "
         "object or array.",
         goodRow(2), goodRow(3), goodRow(4)});
}

TEST(JsonDecoderTest, ManyRecordsInOneStream) {
    // Regression (fixed): see TruncatedRecordDoesNotSwallowItsNeighbours; the truncated records in the middle
    // of the stream get "field 'a': expected BIGINT, found {" and a second error.
    std::vector<std::string> texts;
    std::vector<std::string> expected;
    for (size_t i = 0; i < 500; ++i) {
        if (i % 97 == 13) {
            texts.push_back(R"({"a":)");
            expected.push_back(
                "error decode_error: malformed JSON: JSON document ended early in the middle of an "
                "object or array.");
        } else {
            texts.push_back(goodRecord(i));
            expected.push_back(goodRow(i));
        }
    }
    expectDecoded(runFields(), texts, expected);
}

TEST(JsonDecoderTest, NoRecords) {
    auto decoded = decode(runFields(), {}, Layout::kSeparate);
    EXPECT_TRUE(decoded->rows.empty());
    EXPECT_TRUE(decoded->batch.errors().empty());
}

}  // namespace
}  // namespace ferris::codec
