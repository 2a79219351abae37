// FileSource (src/connectors/file_source.h) with jsonl, json array and csv framing, read in
// tiny chunks so records cross chunk boundaries; positions and seek; FileSink
// (src/connectors/file_sink.h) truncation, header, commit state and restore; exactly-once part
// files (PartFileSink) and reading their directory (FileInputSource).

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "codec/decoder.h"
#include "connectors/dlq_file_source.h"
#include "connectors/file_input_source.h"
#include "connectors/file_sink.h"
#include "connectors/file_source.h"
#include "connectors/part_files.h"
#include "types/batch.h"
#include "types/data_type.h"
#include "types/raw_record.h"

namespace ferris::connectors {
namespace {

using types::RawBatch;
using types::RawRecord;

/// simdjson's SIMDJSON_PADDING in 3.0.1.
constexpr uint32_t kPadding = 64;

/// Chunk sizes: smaller than one record, a few records, and the default (whole file).
constexpr size_t kChunkSizes[] = {1, 7, 16, 64, 4 << 20};

/// A fresh directory per test, removed afterwards.
class FileConnectorsTest : public ::testing::Test {
protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        dir_ = std::filesystem::temp_directory_path() /
               fmt::format("ferris_file_connectors_{}_{}_{}", ::getpid(), info->test_suite_name(),
                           info->name());
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::filesystem::path write(const std::string& name, std::string_view content) {
        std::filesystem::path path = dir_ / name;
        std::ofstream out(path, std::ios::binary);
        out.write(content.data(), static_cast<std::streamsize>(content.size()));
        return path;
    }

    std::filesystem::path dir_;
};

std::string readFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

// ---- Expected records ------------------------------------------------------------------------

/// A record as test text: "offset:line:bytes".
std::string describeRecord(std::string_view bytes, int64_t offset, int64_t line) {
    return fmt::format("{}:{}:{}", offset, line, bytes);
}

/// The records `texts` as they lie in `content`, in order: each one's byte offset is where it
/// is found (after the previous one) and its line is 1 + the newlines before it.
std::vector<std::string> expectedRecords(std::string_view content,
                                         const std::vector<std::string>& texts) {
    std::vector<std::string> out;
    size_t from = 0;
    for (const auto& text : texts) {
        size_t at = content.find(text, from);
        EXPECT_NE(at, std::string_view::npos) << "test bug: '" << text << "' is not in the content";
        if (at == std::string_view::npos) return out;
        int64_t line = 1 + std::count(content.begin(),
                                      content.begin() + static_cast<std::ptrdiff_t>(at), '\n');
        out.push_back(describeRecord(text, static_cast<int64_t>(at), line));
        from = at + text.size();
    }
    return out;
}

/// Everything read from a source: the records, and the error that ended reading, if any.
struct ReadResult {
    std::vector<std::string> records;
    std::string error;
};

/// Polls until the source is exhausted (or fails), at most `maxRecords` per poll; checks what
/// every poll returns against the contract (count, pinned buffers, padding).
ReadResult readAll(FileSource& source, size_t maxRecords) {
    ReadResult result;
    std::vector<RawBatch> batches;  // kept alive: the views must stay valid while their batch lives
    for (int polls = 0; !source.exhausted(); ++polls) {
        if (polls > 100000) {
            ADD_FAILURE() << "the source never became exhausted";
            break;
        }
        RawBatch batch;
        auto count = source.poll(maxRecords, SIZE_MAX, std::chrono::microseconds(0), batch);
        if (!count.isOk()) {
            result.error = count.status().message();
            break;
        }
        EXPECT_LE(*count, maxRecords);
        EXPECT_EQ(*count, batch.records.size());
        if (*count > 0) {
            EXPECT_FALSE(batch.buffers.empty()) << "records must come with the buffers they view";
        }
        for (const auto& record : batch.records) {
            EXPECT_GE(record.paddingAfter, kPadding) << record.value;
            // The padding is readable (AddressSanitizer would report otherwise).
            volatile char last = record.value.data()[record.value.size() + record.paddingAfter - 1];
            (void)last;
        }
        batches.push_back(std::move(batch));
    }
    for (const auto& batch : batches) {
        for (const auto& record : batch.records) {
            result.records.push_back(describeRecord(record.value, record.offset, record.line));
        }
    }
    return result;
}

ReadResult readSource(const std::filesystem::path& path, FileFormat format, size_t chunkSize,
                      size_t maxRecords, codec::CsvOptions csv = {}) {
    FileSource source(path, format, csv, chunkSize);
    Status status = source.open();
    if (!status.isOk()) return {{}, status.message()};
    ReadResult result = readAll(source, maxRecords);
    if (result.error.empty()) {
        // Exhausted stays exhausted.
        RawBatch batch;
        auto count = source.poll(maxRecords, SIZE_MAX, std::chrono::microseconds(0), batch);
        EXPECT_TRUE(count.isOk());
        if (count.isOk()) {
            EXPECT_EQ(*count, 0u);
        }
        EXPECT_TRUE(source.exhausted());
    }
    return result;
}

/// Reads `path` with every chunk size and several poll sizes; each read must give `expected`.
void expectRecords(const std::filesystem::path& path, FileFormat format,
                   const std::vector<std::string>& expected, codec::CsvOptions csv = {}) {
    for (size_t chunkSize : kChunkSizes) {
        for (size_t maxRecords : {1, 2, 3, 1000}) {
            SCOPED_TRACE(
                fmt::format("chunk size {}, at most {} records per poll", chunkSize, maxRecords));
            ReadResult result = readSource(path, format, chunkSize, maxRecords, csv);
            EXPECT_EQ(result.error, "");
            EXPECT_EQ(result.records, expected);
        }
    }
}

/// Reads `path` expecting `records` and then the error `error`, with every chunk size.
void expectRecordsThenError(const std::filesystem::path& path, FileFormat format,
                            const std::vector<std::string>& records, const std::string& error) {
    for (size_t chunkSize : kChunkSizes) {
        SCOPED_TRACE(fmt::format("chunk size {}", chunkSize));
        ReadResult result = readSource(path, format, chunkSize, 1);
        EXPECT_EQ(result.records, records);
        EXPECT_EQ(result.error, error);
    }
}

// ---- jsonl
// ---------------------------------------------------------------------------------------

TEST_F(FileConnectorsTest, JsonLinesRecordsOffsetsAndLines) {
    std::string content =
        "{\"a\":1}\n"
        "\n"
        "   \n"
        "{\"a\":2,\"s\":\"a longer record that crosses several chunk boundaries\"}\n"
        "\t\r\n"
        "{\"a\":3}\n"
        "{\"a\":4,\"s\":\"last line without a newline\"}";
    auto path = write("in.jsonl", content);
    expectRecords(
        path, FileFormat::kJsonLines,
        expectedRecords(
            content, {"{\"a\":1}",
                      "{\"a\":2,\"s\":\"a longer record that crosses several chunk boundaries\"}",
                      "{\"a\":3}", "{\"a\":4,\"s\":\"last line without a newline\"}"}));
}

TEST_F(FileConnectorsTest, JsonLinesEndingWithNewlineAndBlankLines) {
    std::string content = "{\"a\":1}\n{\"a\":2}\n\n\n";
    auto path = write("in.jsonl", content);
    expectRecords(path, FileFormat::kJsonLines,
                  expectedRecords(content, {"{\"a\":1}", "{\"a\":2}"}));
}

TEST_F(FileConnectorsTest, JsonLinesEmptyFile) {
    auto path = write("empty.jsonl", "");
    expectRecords(path, FileFormat::kJsonLines, {});
    auto blank = write("blank.jsonl", "\n\n  \n");
    expectRecords(blank, FileFormat::kJsonLines, {});
}

TEST_F(FileConnectorsTest, JsonLinesWithCrlf) {
    // Regression (fixed): with CRLF line ends the '\r' stays in each record's bytes (file_source.cpp
    // nextRecord, kJsonLines: the record ends at the '\n'). The terminator is "\r\n"; the
    // record's original bytes (for the DLQ) are the line without it.
    std::string content = "{\"a\":1}\r\n{\"a\":2}\r\n\r\n{\"a\":3}\r\n{\"a\":4}";
    auto path = write("crlf.jsonl", content);
    expectRecords(path, FileFormat::kJsonLines,
                  expectedRecords(content, {"{\"a\":1}", "{\"a\":2}", "{\"a\":3}", "{\"a\":4}"}));
}

TEST_F(FileConnectorsTest, RecordsStayValidWhileTheirBatchLives) {
    std::string content;
    std::vector<std::string> texts;
    for (int i = 0; i < 50; ++i) {
        texts.push_back(fmt::format("{{\"i\":{},\"pad\":\"{}\"}}", i,
                                    std::string(static_cast<size_t>(i % 7), 'x')));
        content += texts.back() + "\n";
    }
    auto path = write("in.jsonl", content);
    FileSource source(path, FileFormat::kJsonLines, {}, 16);
    ASSERT_TRUE(source.open().isOk());
    RawBatch first;
    auto count = source.poll(5, SIZE_MAX, std::chrono::microseconds(0), first);
    ASSERT_TRUE(count.isOk());
    ASSERT_EQ(*count, 5u);
    // Read on: the source refills its chunk many times.
    ReadResult rest = readAll(source, 7);
    EXPECT_EQ(rest.records.size(), 45u);
    for (size_t i = 0; i < 5; ++i) EXPECT_EQ(first.records[i].value, texts[i]);
}

TEST_F(FileConnectorsTest, APollStopsBeforeItsByteBudgetAndALargerRecordComesAlone) {
    // batch.strategy memory_based: 200 records of 10 to 59 bytes, one of 300, a budget of 100.
    std::vector<std::string> texts;
    std::string content;
    for (int i = 0; i < 200; ++i) {
        texts.push_back(fmt::format("{{\"i\":{},\"pad\":\"{}\"}}", i,
                                    std::string(static_cast<size_t>(i == 77 ? 280 : i % 50), 'x')));
        content += texts.back() + "\n";
    }
    for (size_t chunk : kChunkSizes) {
        SCOPED_TRACE(chunk);
        FileSource source(write("in.jsonl", content), FileFormat::kJsonLines, {}, chunk);
        ASSERT_TRUE(source.open().isOk());
        std::vector<std::string> seen;
        int alone = 0;
        for (int polls = 0; !source.exhausted() && polls < 10000; ++polls) {
            RawBatch batch;
            auto count = source.poll(1000, 100, std::chrono::microseconds(0), batch);
            ASSERT_TRUE(count.isOk()) << count.status().toString();
            size_t bytes = 0;
            for (const auto& record : batch.records) {
                bytes += recordBytes(batch, record);
                seen.emplace_back(record.value);
            }
            if (batch.records.size() == 1 && bytes > 100) {
                ++alone;
                continue;
            }
            EXPECT_LE(bytes, 100u);
        }
        EXPECT_EQ(alone, 1);
        EXPECT_EQ(seen, texts);
    }
}

TEST_F(FileConnectorsTest, ADlqFileIsReadBackAsTheRecordsThatFailedWithTheirOrigin) {
    // Three DLQ entries (docs/operations.md "A DLQ file is JSON lines"): a decode error at a
    // file line, a late record at a Kafka position, a base64 record; then a line that is none.
    std::string entries =
        R"({"error":"bad","error_kind":"decode_error","job":"j","source":"s","position":{"line":3},"time":1,"retries":0,"record":"{\"id\":1.5}"})"
        "\n"
        R"({"error":"late","error_kind":"late_record","job":"j","source":"s","position":{"partition":2,"offset":41},"time":2,"retries":4,"record":"{\"id\":2}"})"
        "\n"
        R"({"error":"bin","error_kind":"decode_error","job":"j","source":"s","time":3,"retries":1,"record":"/wA=","record_encoding":"base64"})"
        "\n";
    std::string tail = "not an entry\n";
    auto path = write("dlq.jsonl", entries + tail);
    auto end = static_cast<int64_t>(entries.size());

    DlqFileSource source(path, 0, end);
    ASSERT_TRUE(source.open().isOk());
    RawBatch batch;
    auto count = source.poll(10, SIZE_MAX, std::chrono::microseconds(0), batch);
    ASSERT_TRUE(count.isOk()) << count.status().toString();
    ASSERT_EQ(*count, 3u);
    EXPECT_TRUE(source.exhausted());
    EXPECT_EQ(source.position(), std::to_string(end));
    auto header = [&](const types::RawRecord& record, std::string_view key) {
        for (uint32_t h = record.headerBegin; h < record.headerEnd; ++h) {
            if (batch.headers[h].key == key) return std::string(batch.headers[h].value);
        }
        return std::string("-");
    };
    EXPECT_EQ(batch.records[0].value, R"({"id":1.5})");
    EXPECT_EQ(batch.records[0].line, 3);
    EXPECT_EQ(header(batch.records[0], "ferris.retries"), "0");
    EXPECT_EQ(header(batch.records[0], "ferris.error.kind"), "decode_error");
    EXPECT_EQ(batch.records[1].value, R"({"id":2})");
    EXPECT_EQ(batch.records[1].partition, 2);
    EXPECT_EQ(batch.records[1].offset, 41);
    EXPECT_EQ(header(batch.records[1], "ferris.retries"), "4");
    EXPECT_EQ(header(batch.records[1], "ferris.error.kind"), "late_record");
    EXPECT_EQ(batch.records[2].value, std::string("\xff\x00", 2));

    // A byte budget: each poll stops before it (the first record always comes).
    DlqFileSource budgeted(path, 0, end);
    ASSERT_TRUE(budgeted.open().isOk());
    std::vector<size_t> sizes;
    while (!budgeted.exhausted()) {
        RawBatch part;
        auto got = budgeted.poll(10, 12, std::chrono::microseconds(0), part);
        ASSERT_TRUE(got.isOk());
        sizes.push_back(*got);
    }
    EXPECT_EQ(sizes, (std::vector<size_t>{1, 2}));  // 10 bytes, then 8 + 2

    // Read on past the entries (a replay to the file's end): the line that is no entry is an
    // error naming the file and byte.
    DlqFileSource past(path, end, end + static_cast<int64_t>(tail.size()));
    ASSERT_TRUE(past.open().isOk());
    RawBatch bad;
    auto failed = past.poll(10, SIZE_MAX, std::chrono::microseconds(0), bad);
    ASSERT_FALSE(failed.isOk());
    EXPECT_EQ(failed.status().message(),
              fmt::format("the DLQ file {} at byte {}: not a DLQ entry (a JSON object per line)",
                          path.string(), end));
}

// ---- json array
// ----------------------------------------------------------------------------------

TEST_F(FileConnectorsTest, JsonArrayElementsAcrossLines) {
    std::string content =
        "[\n"
        "  {\"a\":1},\n"
        "  {\"a\":2,\n"
        "   \"b\":[1,2,{\"c\":\"],}{[\"}]},\n"
        "  {\"s\":\"x\\\"]\\\\\"}  ,  {\"e\":{}}\n"
        "]";
    auto path = write("in.json", content);
    expectRecords(
        path, FileFormat::kJsonArray,
        expectedRecords(content, {"{\"a\":1}", "{\"a\":2,\n   \"b\":[1,2,{\"c\":\"],}{[\"}]}",
                                  "{\"s\":\"x\\\"]\\\\\"}", "{\"e\":{}}"}));
}

TEST_F(FileConnectorsTest, JsonArrayCompactAndEmpty) {
    std::string compact = "[{\"a\":1},{\"a\":2},[3],4]";
    expectRecords(write("compact.json", compact), FileFormat::kJsonArray,
                  expectedRecords(compact, {"{\"a\":1}", "{\"a\":2}", "[3]", "4"}));
    expectRecords(write("empty.json", "[]"), FileFormat::kJsonArray, {});
    expectRecords(write("spaced.json", " \n\t[ \n ]"), FileFormat::kJsonArray, {});
}

TEST_F(FileConnectorsTest, JsonArrayFollowedByWhitespaceLongerThanAChunk) {
    // Regression (fixed): after the closing ']', whitespace that reaches into the next chunk is taken for
    // content after the array (file_source.cpp poll: `if (more || cursor_ < chunkLength_)`
    // errors whenever refill() read anything, whitespace included).
    std::string content = "[{\"a\":1}]" + std::string(100, ' ') + "\n\n";
    expectRecords(write("in.json", content), FileFormat::kJsonArray,
                  expectedRecords(content, {"{\"a\":1}"}));
    std::string newline = "[\n{\"a\":1},\n{\"a\":2}\n]\n";
    expectRecords(write("newline.json", newline), FileFormat::kJsonArray,
                  expectedRecords(newline, {"{\"a\":1}", "{\"a\":2}"}));
    expectRecords(write("spaced.json", " \n\t[ \n ]\n\n"), FileFormat::kJsonArray, {});
}

TEST_F(FileConnectorsTest, JsonArrayErrors) {
    auto unclosed = write("unclosed.json", "[{\"a\":1},\n{\"a\":2}");
    expectRecordsThenError(unclosed, FileFormat::kJsonArray, {"1:1:{\"a\":1}"},
                           unclosed.string() + ":2: the JSON array is not closed with ']'");
    auto trailingComma = write("comma.json", "[{\"a\":1},\n");
    expectRecordsThenError(trailingComma, FileFormat::kJsonArray, {"1:1:{\"a\":1}"},
                           trailingComma.string() + ":2: the JSON array is not closed with ']'");
    auto after = write("after.json", "[{\"a\":1}] x");
    expectRecordsThenError(after, FileFormat::kJsonArray, {"1:1:{\"a\":1}"},
                           after.string() + ":1: content after the end of the JSON array");
    auto second = write("second.json", "[{\"a\":1}][{\"a\":2}]");
    expectRecordsThenError(second, FileFormat::kJsonArray, {"1:1:{\"a\":1}"},
                           second.string() + ":1: content after the end of the JSON array");
    auto notArray = write("object.json", "\n{\"a\":1}");
    expectRecordsThenError(
        notArray, FileFormat::kJsonArray, {},
        notArray.string() + ":2: expected a JSON array ('['), the file's format is 'json'");
    auto empty = write("empty.json", "  \n");
    expectRecordsThenError(empty, FileFormat::kJsonArray, {},
                           empty.string() + ": empty file where a JSON array was expected");
}

TEST_F(FileConnectorsTest, JsonArrayCommaBeforeTheClosingBracket) {
    auto comma = write("comma.json", "[{\"a\":1},\n]");
    expectRecordsThenError(comma, FileFormat::kJsonArray, {"1:1:{\"a\":1}"},
                           comma.string() + ":2: a comma before the ']' that closes the JSON array");
}

TEST_F(FileConnectorsTest, ByteOrderMarkIsNotPartOfTheFirstRecord) {
    std::string content = "\xEF\xBB\xBF{\"a\":1}\n{\"a\":2}\n";
    auto path = write("bom.jsonl", content);
    expectRecords(path, FileFormat::kJsonLines, {"3:1:{\"a\":1}", "11:2:{\"a\":2}"});
    auto csv = write("bom.csv", "\xEF\xBB\xBFid,name\n1,x\n");
    FileSource source(csv, FileFormat::kCsv, codec::CsvOptions{});
    ASSERT_TRUE(source.open().isOk());
    EXPECT_EQ(source.formatHeader(), std::optional<std::string>("id,name"));
}

TEST_F(FileConnectorsTest, JsonArrayContentAfterTheArrayOnALaterLine) {
    // Regression (fixed): newlines skipped after the closing ']' are not counted (file_source.cpp poll, the
    // two whitespace loops after `arrayClosed_ = true`), so the error names line 1.
    auto after = write("after.json", "[{\"a\":1}]\n\nx");
    expectRecordsThenError(after, FileFormat::kJsonArray, {"1:1:{\"a\":1}"},
                           after.string() + ":3: content after the end of the JSON array");
}

// ---- csv
// -----------------------------------------------------------------------------------------

TEST_F(FileConnectorsTest, CsvHeaderAndQuotedFieldsSpanningLines) {
    std::string content =
        "id,name\n"
        "1,plain\n"
        "2,\"multi\nline, with comma\"\n"
        "\n"
        "3,\"quote \"\" and\n\nblank line inside\"\n"
        "4,last";
    auto path = write("in.csv", content);
    expectRecords(
        path, FileFormat::kCsv,
        expectedRecords(content, {"1,plain", "2,\"multi\nline, with comma\"",
                                  "3,\"quote \"\" and\n\nblank line inside\"", "4,last"}));
    for (size_t chunkSize : kChunkSizes) {
        FileSource source(path, FileFormat::kCsv, {}, chunkSize);
        ASSERT_TRUE(source.open().isOk());
        EXPECT_EQ(source.formatHeader(), std::optional<std::string>("id,name")) << chunkSize;
    }
}

TEST_F(FileConnectorsTest, CsvWithoutHeader) {
    std::string content = "1,a\n2,'x\ny'\n";
    codec::CsvOptions csv;
    csv.header = false;
    csv.quote = '\'';
    auto path = write("in.csv", content);
    expectRecords(path, FileFormat::kCsv, expectedRecords(content, {"1,a", "2,'x\ny'"}), csv);
    FileSource source(path, FileFormat::kCsv, csv, 16);
    ASSERT_TRUE(source.open().isOk());
    EXPECT_EQ(source.formatHeader(), std::nullopt);
}

TEST_F(FileConnectorsTest, CsvWithCrlf) {
    // Regression (fixed): as for jsonl, the '\r' of CRLF line ends stays in the header and in each record
    // (file_source.cpp nextRecord, kCsv).
    std::string content = "id,name\r\n1,a\r\n2,\"x\r\ny\"\r\n";
    auto path = write("crlf.csv", content);
    expectRecords(path, FileFormat::kCsv, expectedRecords(content, {"1,a", "2,\"x\r\ny\""}));
    FileSource source(path, FileFormat::kCsv, {}, 16);
    ASSERT_TRUE(source.open().isOk());
    EXPECT_EQ(source.formatHeader(), std::optional<std::string>("id,name"));
}

TEST_F(FileConnectorsTest, CsvQuoteInsideAnUnquotedFieldDoesNotJoinLines) {
    // Regression (fixed): the framing toggles "inside quotes" at every quote character (file_source.cpp
    // nextRecord, kCsv), while splitCsvLine opens a quoted field only at a field's start and
    // takes `5"2` as plain text. One stray quote makes every following line part of one
    // record, up to the next quote in the file.
    std::string content = "x,y\n1,5\"2\n2,b\n3,c\n";
    expectRecords(write("in.csv", content), FileFormat::kCsv,
                  expectedRecords(content, {"1,5\"2", "2,b", "3,c"}));
}

TEST_F(FileConnectorsTest, CsvEmptyFileHasNoHeader) {
    auto path = write("empty.csv", "");
    FileSource source(path, FileFormat::kCsv, {}, 16);
    Status status = source.open();
    EXPECT_EQ(status.code(), ErrorCode::kDecodeError);
    EXPECT_EQ(status.message(), path.string() + ": empty CSV file: no header line");
}

TEST_F(FileConnectorsTest, CsvHeaderOnly) {
    auto path = write("header.csv", "id,name\n");
    expectRecords(path, FileFormat::kCsv, {});
}

TEST_F(FileConnectorsTest, PolledJsonLinesDecodeInPlace) {
    // Records of one chunk are adjacent and padded: the JSON decoder parses them in place and
    // its strings view the chunk the RawBatch pins.
    std::string content;
    for (int i = 0; i < 20; ++i) content += fmt::format("{{\"i\":{},\"s\":\"v{}\"}}\r\n", i, i);
    auto path = write("in.jsonl", content);
    std::vector<codec::DecodeField> fields = {{"i", types::DataType::bigint(), 0},
                                              {"s", types::DataType::string(), 1}};
    for (size_t chunkSize : {size_t{64}, size_t{4} << 20}) {
        SCOPED_TRACE(fmt::format("chunk size {}", chunkSize));
        FileSource source(path, FileFormat::kJsonLines, {}, chunkSize);
        ASSERT_TRUE(source.open().isOk());
        auto decoder = codec::makeJsonDecoder(fields);
        ASSERT_TRUE(decoder.isOk());
        int next = 0;
        while (!source.exhausted()) {
            RawBatch raw;
            auto count = source.poll(8, SIZE_MAX, std::chrono::microseconds(0), raw);
            ASSERT_TRUE(count.isOk());
            types::Batch batch;
            batch.setNumRows(static_cast<uint32_t>(*count));
            (*decoder)->decode(raw.records, batch);
            EXPECT_TRUE(batch.errors().empty());
            for (uint32_t row = 0; row < *count; ++row, ++next) {
                EXPECT_EQ(batch.column(0).values<int64_t>()[row], next);
                std::string_view text = batch.column(1).values<std::string_view>()[row];
                EXPECT_EQ(text, fmt::format("v{}", next));
                const RawRecord& record = raw.records[row];
                EXPECT_TRUE(text.data() > record.value.data() &&
                            text.data() + text.size() < record.value.data() + record.value.size())
                    << "a view into the record's bytes";
            }
        }
        EXPECT_EQ(next, 20);
    }
}

// ---- open, positions and seek
// --------------------------------------------------------------------

TEST_F(FileConnectorsTest, OpenMissingFile) {
    FileSource source(dir_ / "missing.jsonl", FileFormat::kJsonLines, {}, 16);
    Status status = source.open();
    EXPECT_EQ(status.code(), ErrorCode::kIoError);
    EXPECT_EQ(status.message(),
              "cannot open " + (dir_ / "missing.jsonl").string() + ": No such file or directory");
    EXPECT_TRUE(source.bounded());
    EXPECT_EQ(source.describe(), (dir_ / "missing.jsonl").string());
}

struct SeekCase {
    const char* name;
    FileFormat format;
    std::string content;
};

std::vector<SeekCase> seekCases() {
    return {
        {"jsonl", FileFormat::kJsonLines,
         "{\"a\":1}\n\n{\"a\":2,\"s\":\"longer than a chunk\"}\n{\"a\":3}\n\n{\"a\":4}\n{\"a\":5}"},
        {"jsonl ending with a newline", FileFormat::kJsonLines, "{\"a\":1}\n{\"a\":2}\n"},
        {"json array", FileFormat::kJsonArray,
         "[\n{\"a\":1},\n  {\"a\":2,\n\"b\":[1]} ,{\"a\":3},{\"a\":4}\n]"},
        {"compact json array", FileFormat::kJsonArray, "[{\"a\":1},{\"a\":2}]"},
        {"csv", FileFormat::kCsv, "x,y\n1,2\n3,\"4\n5\"\n\n6,7\n8,9\n"},
    };
}

/// Reads one record per poll from a source, saving position() before each poll and at the end.
struct Walk {
    std::vector<std::string> records;
    std::vector<std::string> positions;  ///< positions[k]: before record k; the last one at the end
};

Walk walk(const std::filesystem::path& path, FileFormat format, size_t chunkSize) {
    Walk result;
    FileSource source(path, format, {}, chunkSize);
    EXPECT_TRUE(source.open().isOk());
    while (true) {
        std::string position = source.position();
        RawBatch batch;
        auto count = source.poll(1, SIZE_MAX, std::chrono::microseconds(0), batch);
        EXPECT_TRUE(count.isOk()) << count.status().toString();
        if (!count.isOk() || *count == 0) {
            if (!source.exhausted()) continue;
            result.positions.push_back(source.position());
            break;
        }
        result.positions.push_back(position);
        result.records.push_back(
            describeRecord(batch.records[0].value, batch.records[0].offset, batch.records[0].line));
    }
    return result;
}

TEST_F(FileConnectorsTest, PositionThenSeekOnAFreshSourceResumesAtTheSameRecord) {
    for (const auto& seekCase : seekCases()) {
        auto path = write("seek.data", seekCase.content);
        for (size_t chunkSize : kChunkSizes) {
            SCOPED_TRACE(fmt::format("{}, chunk size {}", seekCase.name, chunkSize));
            Walk all = walk(path, seekCase.format, chunkSize);
            ASSERT_EQ(all.positions.size(), all.records.size() + 1);
            for (size_t k = 0; k < all.records.size(); ++k) {
                SCOPED_TRACE(fmt::format("seek to {} (before record {})", all.positions[k], k));
                FileSource source(path, seekCase.format, {}, chunkSize);
                ASSERT_TRUE(source.open().isOk());
                Status status = source.seek(all.positions[k]);
                ASSERT_TRUE(status.isOk()) << status.toString();
                ReadResult rest = readAll(source, 2);
                EXPECT_EQ(rest.error, "");
                EXPECT_EQ(rest.records, std::vector<std::string>(
                                            all.records.begin() + static_cast<std::ptrdiff_t>(k),
                                            all.records.end()));
            }
        }
    }
}

TEST_F(FileConnectorsTest, SeekToTheEndPositionOnAFreshSource) {
    // A checkpoint taken after the last record: a restored source has nothing more to read.
    // BUG (json array cases): the fresh source never saw the closing ']', so seeking past it
    // ends in "the JSON array is not closed with ']'" (file_source.cpp poll: the end-of-file
    // check trusts arrayClosed_, which seek() leaves false on a source that did not read the
    // ']' itself).
    for (const auto& seekCase : seekCases()) {
        auto path = write("seek.data", seekCase.content);
        for (size_t chunkSize : kChunkSizes) {
            SCOPED_TRACE(fmt::format("{}, chunk size {}", seekCase.name, chunkSize));
            Walk all = walk(path, seekCase.format, chunkSize);
            ASSERT_FALSE(all.positions.empty());
            FileSource source(path, seekCase.format, {}, chunkSize);
            ASSERT_TRUE(source.open().isOk());
            ASSERT_TRUE(source.seek(all.positions.back()).isOk());
            ReadResult rest = readAll(source, 2);
            EXPECT_EQ(rest.error, "");
            EXPECT_TRUE(rest.records.empty());
            EXPECT_TRUE(source.exhausted());
        }
    }
}

TEST_F(FileConnectorsTest, SeekBackOnTheSameSource) {
    std::string content = "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n";
    auto path = write("in.jsonl", content);
    FileSource source(path, FileFormat::kJsonLines, {}, 7);
    ASSERT_TRUE(source.open().isOk());
    RawBatch first;
    ASSERT_TRUE(source.poll(1, SIZE_MAX, std::chrono::microseconds(0), first).isOk());
    std::string afterFirst = source.position();
    EXPECT_EQ(afterFirst, R"({"offset":8,"line":2})");
    ReadResult rest = readAll(source, 10);
    EXPECT_EQ(rest.records, expectedRecords(content, {"{\"a\":2}", "{\"a\":3}"}));
    EXPECT_TRUE(source.exhausted());
    ASSERT_TRUE(source.seek(afterFirst).isOk());
    EXPECT_FALSE(source.exhausted());
    EXPECT_EQ(readAll(source, 10).records, expectedRecords(content, {"{\"a\":2}", "{\"a\":3}"}));
    EXPECT_FALSE(source.seek("nonsense").isOk());
}

TEST_F(FileConnectorsTest, CsvSeekWithoutOpenReadsTheHeader) {
    std::string content = "x,y\n1,2\n3,4\n";
    auto path = write("in.csv", content);
    FileSource source(path, FileFormat::kCsv, {}, 16);
    ASSERT_TRUE(source.seek(R"({"offset":8,"line":3})").isOk());
    EXPECT_EQ(source.formatHeader(), std::optional<std::string>("x,y"));
    EXPECT_EQ(readAll(source, 10).records, expectedRecords(content, {"3,4"}));
}

// ---- FileSink
// --------------------------------------------------------------------------------------

EncodedBatch encoded(std::string data) {
    EncodedBatch batch;
    batch.data = std::move(data);
    batch.rows = static_cast<size_t>(std::count(batch.data.begin(), batch.data.end(), '\n'));
    return batch;
}

TEST_F(FileConnectorsTest, SinkOpenWithTruncateStartsAfreshWithTheHeader) {
    auto path = write("out.csv", "old content\n");
    FileSink sink(path, "id,name\n");
    ASSERT_TRUE(sink.open(true).isOk());
    EXPECT_EQ(sink.length(), 8);
    ASSERT_TRUE(sink.write(encoded("1,a\n2,b\n")).isOk());
    EXPECT_EQ(sink.length(), 16);
    auto state = sink.prepareCommit();
    ASSERT_TRUE(state.isOk());
    EXPECT_EQ(*state, R"({"length":16})");
    EXPECT_EQ(readFile(path), "id,name\n1,a\n2,b\n");
    ASSERT_TRUE(sink.commit().isOk());
    ASSERT_TRUE(sink.close().isOk());
    EXPECT_EQ(readFile(path), "id,name\n1,a\n2,b\n");
}

TEST_F(FileConnectorsTest, SinkAppendsWithoutARepeatedHeader) {
    auto path = dir_ / "nested" / "dir" / "out.csv";
    {
        FileSink sink(path, "h\n");
        ASSERT_TRUE(sink.open(false).isOk());  // creates the directories and the file
        ASSERT_TRUE(sink.write(encoded("1\n")).isOk());
        ASSERT_TRUE(sink.close().isOk());
    }
    EXPECT_EQ(readFile(path), "h\n1\n");
    {
        FileSink sink(path, "h\n");
        ASSERT_TRUE(sink.open(false).isOk());
        EXPECT_EQ(sink.length(), 4);
        ASSERT_TRUE(sink.write(encoded("2\n")).isOk());
        auto state = sink.prepareCommit();
        ASSERT_TRUE(state.isOk());
        EXPECT_EQ(*state, R"({"length":6})");
        ASSERT_TRUE(sink.close().isOk());
    }
    EXPECT_EQ(readFile(path), "h\n1\n2\n");
    {
        FileSink sink(path, "h\n");
        ASSERT_TRUE(sink.open(true).isOk());
        ASSERT_TRUE(sink.close().isOk());
    }
    EXPECT_EQ(readFile(path), "h\n");
}

TEST_F(FileConnectorsTest, SinkWithoutHeader) {
    auto path = dir_ / "out.jsonl";
    FileSink sink(path, "");
    ASSERT_TRUE(sink.open(true).isOk());
    EXPECT_EQ(sink.length(), 0);
    auto state = sink.prepareCommit();
    ASSERT_TRUE(state.isOk());
    EXPECT_EQ(*state, R"({"length":0})");
    ASSERT_TRUE(sink.write(encoded("{\"a\":1}\n")).isOk());
    ASSERT_TRUE(sink.flush().isOk());  // handed to the OS: readers see it before the commit
    EXPECT_EQ(readFile(path), "{\"a\":1}\n");
    ASSERT_TRUE(sink.close().isOk());
}

TEST_F(FileConnectorsTest, SinkRestoreTruncatesBackAndLaterWritesAppendFromThere) {
    auto path = dir_ / "out.jsonl";
    FileSink sink(path, "");
    ASSERT_TRUE(sink.open(true).isOk());
    ASSERT_TRUE(sink.write(encoded("{\"a\":1}\n")).isOk());
    auto first = sink.prepareCommit();
    ASSERT_TRUE(first.isOk());
    EXPECT_EQ(*first, R"({"length":8})");
    ASSERT_TRUE(sink.write(encoded("{\"a\":2}\n")).isOk());
    auto second = sink.prepareCommit();  // committed to the file, then rolled back
    ASSERT_TRUE(second.isOk());
    EXPECT_EQ(*second, R"({"length":16})");
    ASSERT_TRUE(sink.write(encoded("{\"a\":3}\n")).isOk());  // buffered, then dropped
    ASSERT_TRUE(sink.restore(*first).isOk());
    EXPECT_EQ(sink.length(), 8);
    EXPECT_EQ(readFile(path), "{\"a\":1}\n");
    ASSERT_TRUE(sink.write(encoded("{\"a\":4}\n")).isOk());
    auto third = sink.prepareCommit();
    ASSERT_TRUE(third.isOk());
    EXPECT_EQ(*third, R"({"length":16})");
    EXPECT_EQ(readFile(path), "{\"a\":1}\n{\"a\":4}\n");
    ASSERT_TRUE(sink.close().isOk());
}

TEST_F(FileConnectorsTest, SinkRestoreOnReopen) {
    // A job restarting from a checkpoint: open without truncating, then restore the state.
    auto path = dir_ / "out.csv";
    std::string state;
    {
        FileSink sink(path, "h\n");
        ASSERT_TRUE(sink.open(true).isOk());
        ASSERT_TRUE(sink.write(encoded("1\n")).isOk());
        auto committed = sink.prepareCommit();
        ASSERT_TRUE(committed.isOk());
        state = *committed;
        ASSERT_TRUE(sink.write(encoded("2\n3\n")).isOk());
        ASSERT_TRUE(sink.close().isOk());  // output after the checkpoint reached the file
    }
    EXPECT_EQ(state, R"({"length":4})");
    EXPECT_EQ(readFile(path), "h\n1\n2\n3\n");
    FileSink sink(path, "h\n");
    ASSERT_TRUE(sink.open(false).isOk());
    ASSERT_TRUE(sink.restore(state).isOk());
    EXPECT_EQ(readFile(path), "h\n1\n");
    ASSERT_TRUE(sink.write(encoded("4\n")).isOk());
    ASSERT_TRUE(sink.close().isOk());
    EXPECT_EQ(readFile(path), "h\n1\n4\n");
}

TEST_F(FileConnectorsTest, SinkLargeWritesKeepTheirOrder) {
    auto path = dir_ / "out.txt";
    FileSink sink(path, "header\n");
    ASSERT_TRUE(sink.open(true).isOk());
    std::string big(100 << 10, 'b');
    big.back() = '\n';
    std::string small = "small\n";
    ASSERT_TRUE(sink.write(encoded(big)).isOk());  // the header is still buffered
    ASSERT_TRUE(sink.write(encoded(small)).isOk());
    ASSERT_TRUE(sink.write(encoded(big)).isOk());
    auto state = sink.prepareCommit();
    ASSERT_TRUE(state.isOk());
    size_t total = 7 + 2 * big.size() + small.size();
    EXPECT_EQ(*state, fmt::format(R"({{"length":{}}})", total));
    EXPECT_EQ(readFile(path), "header\n" + big + small + big);
    ASSERT_TRUE(sink.close().isOk());
}

TEST_F(FileConnectorsTest, SinkRejectsABadState) {
    FileSink sink(dir_ / "out.jsonl", "");
    ASSERT_TRUE(sink.open(true).isOk());
    Status status = sink.restore("{\"offset\":3}");
    EXPECT_FALSE(status.isOk());
    EXPECT_EQ(status.message(), "bad file sink state '{\"offset\":3}'");
    ASSERT_TRUE(sink.close().isOk());
}

// ---- watch mode
// ----------------------------------------------------------------------------------

/// Appends `content` to `path` (created when missing).
void append(const std::filesystem::path& path, std::string_view content) {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

/// One poll; the records' texts with their line numbers and byte offsets.
std::vector<std::string> pollTexts(Source& source, std::chrono::microseconds timeout, size_t max = 1000) {
    RawBatch batch;
    auto count = source.poll(max, SIZE_MAX, timeout, batch);
    EXPECT_TRUE(count.isOk()) << count.status().toString();
    std::vector<std::string> texts;
    for (const auto& record : batch.records) {
        texts.push_back(fmt::format("{}@{}:{}", record.value, record.line, record.offset));
    }
    return texts;
}

using Texts = std::vector<std::string>;

TEST_F(FileConnectorsTest, WatchFollowsAGrowingFileAndHoldsAnUnfinishedLine) {
    for (size_t chunkSize : {size_t{4}, size_t{64}, FileSource::kDefaultChunkSize}) {
        SCOPED_TRACE(fmt::format("chunk size {}", chunkSize));
        auto path = write("in.jsonl", "{\"a\":1}\n{\"a\":2}\n");
        FileSource source(path, FileFormat::kJsonLines, {}, chunkSize, /*watch=*/true);
        EXPECT_FALSE(source.bounded());
        ASSERT_TRUE(source.open().isOk());
        EXPECT_EQ(pollTexts(source, std::chrono::microseconds(0)), (Texts{"{\"a\":1}@1:0", "{\"a\":2}@2:8"}));
        EXPECT_EQ(pollTexts(source, std::chrono::microseconds(0)), Texts{});
        EXPECT_FALSE(source.exhausted());
        append(path, "{\"a\":");  // a writer in the middle of a line
        EXPECT_EQ(pollTexts(source, std::chrono::microseconds(1000)), Texts{});
        EXPECT_EQ(source.position(), R"({"offset":16,"line":3})");
        append(path, "3}\n\n{\"a\":4}\r\n{\"a\"");
        EXPECT_EQ(pollTexts(source, std::chrono::microseconds(0)), (Texts{"{\"a\":3}@3:16", "{\"a\":4}@5:25"}));
        append(path, ":5}\n");
        EXPECT_EQ(pollTexts(source, std::chrono::microseconds(0)), (Texts{"{\"a\":5}@6:34"}));
        EXPECT_EQ(source.position(), R"({"offset":42,"line":7})");
        ASSERT_TRUE(source.close().isOk());
        std::filesystem::remove(path);
    }
}

TEST_F(FileConnectorsTest, WatchPollIsWokenByAWrite) {
    auto path = write("in.jsonl", "");
    FileSource source(path, FileFormat::kJsonLines, {}, FileSource::kDefaultChunkSize, /*watch=*/true);
    ASSERT_TRUE(source.open().isOk());
    // The write happens while the poll waits (or just before it starts): either way the poll
    // returns the line, long before its 60 s timeout.
    std::thread writer([&] { append(path, "{\"late\":true}\n"); });
    auto started = std::chrono::steady_clock::now();
    Texts texts = pollTexts(source, std::chrono::seconds(60));
    writer.join();
    EXPECT_EQ(texts, (Texts{"{\"late\":true}@1:0"}));
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(30));
}

TEST_F(FileConnectorsTest, WatchReadsATruncatedFileAgainFromItsStart) {
    auto path = write("in.jsonl", "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n");
    FileSource source(path, FileFormat::kJsonLines, {}, 16, /*watch=*/true);
    ASSERT_TRUE(source.open().isOk());
    EXPECT_EQ(pollTexts(source, std::chrono::microseconds(0)).size(), 3u);
    std::filesystem::resize_file(path, 0);
    append(path, "{\"b\":1}\n");
    EXPECT_EQ(pollTexts(source, std::chrono::microseconds(0)), (Texts{"{\"b\":1}@1:0"}));
    EXPECT_EQ(source.position(), R"({"offset":8,"line":2})");
}

TEST_F(FileConnectorsTest, WatchFollowsARotatedFileAfterReadingTheOldOneToItsEnd) {
    auto path = write("in.jsonl", "{\"old\":1}\n{\"old\":2}");  // the old file's last line is unfinished
    FileSource source(path, FileFormat::kJsonLines, {}, 16, /*watch=*/true);
    ASSERT_TRUE(source.open().isOk());
    EXPECT_EQ(pollTexts(source, std::chrono::microseconds(0)), (Texts{"{\"old\":1}@1:0"}));
    std::filesystem::rename(path, dir_ / "in.jsonl.1");
    write("in.jsonl", "{\"new\":1}\n");
    // The old file ended for good: its last record goes out, then the new file's.
    EXPECT_EQ(pollTexts(source, std::chrono::microseconds(0)), (Texts{"{\"old\":2}@2:10", "{\"new\":1}@1:0"}));
    append(path, "{\"new\":2}\n");
    EXPECT_EQ(pollTexts(source, std::chrono::microseconds(0)), (Texts{"{\"new\":2}@2:10"}));
}

TEST_F(FileConnectorsTest, WatchedCsvChecksTheHeaderOfARotatedFile) {
    auto path = write("in.csv", "id,name\n1,a\n");
    FileSource source(path, FileFormat::kCsv, codec::CsvOptions{}, 16, /*watch=*/true);
    ASSERT_TRUE(source.open().isOk());
    EXPECT_EQ(source.formatHeader(), std::optional<std::string>("id,name"));
    EXPECT_EQ(pollTexts(source, std::chrono::microseconds(0)), (Texts{"1,a@2:8"}));
    std::filesystem::rename(path, dir_ / "in.csv.1");
    write("in.csv", "id,name\n2,b\n");
    EXPECT_EQ(pollTexts(source, std::chrono::microseconds(0)), (Texts{"2,b@2:8"}));
    std::filesystem::rename(path, dir_ / "in.csv.2");
    write("in.csv", "id,label\n3,c\n");
    RawBatch batch;
    auto count = source.poll(10, SIZE_MAX, std::chrono::microseconds(0), batch);
    ASSERT_FALSE(count.isOk());
    EXPECT_EQ(count.status().message(),
              fmt::format("{}:1: the header line of the file read again ('id,label') is not the one the job "
                          "started with ('id,name')",
                          path.string()));
}

TEST_F(FileConnectorsTest, WatchedCsvNeedsItsHeaderAtStart) {
    auto path = write("in.csv", "id,na");
    FileSource source(path, FileFormat::kCsv, codec::CsvOptions{}, 16, /*watch=*/true);
    Status opened = source.open();
    ASSERT_FALSE(opened.isOk());
    EXPECT_EQ(opened.message(), fmt::format("{}: a watched CSV file needs its header line (ended by a newline) "
                                            "when the job starts",
                                            path.string()));
}

TEST_F(FileConnectorsTest, WatchResumesFromAPositionAndReadsWhatCameSince) {
    auto path = write("in.jsonl", "{\"a\":1}\n{\"a\":2}\n");
    std::string position;
    {
        FileSource source(path, FileFormat::kJsonLines, {}, 16, /*watch=*/true);
        ASSERT_TRUE(source.open().isOk());
        EXPECT_EQ(pollTexts(source, std::chrono::microseconds(0)).size(), 2u);
        position = source.position();
    }
    append(path, "{\"a\":3}\n");
    FileSource source(path, FileFormat::kJsonLines, {}, 16, /*watch=*/true);
    ASSERT_TRUE(source.open().isOk());
    ASSERT_TRUE(source.seek(position).isOk());
    EXPECT_EQ(pollTexts(source, std::chrono::microseconds(0)), (Texts{"{\"a\":3}@3:16"}));
    append(path, "{\"a\":4}\n");
    EXPECT_EQ(pollTexts(source, std::chrono::microseconds(0)), (Texts{"{\"a\":4}@4:24"}));
}

TEST_F(FileConnectorsTest, WatchWaitsForTheByteOrderMarkOfANewFile) {
    auto path = write("in.jsonl", "{\"a\":1}\n");
    FileSource source(path, FileFormat::kJsonLines, {}, 16, /*watch=*/true);
    ASSERT_TRUE(source.open().isOk());
    EXPECT_EQ(pollTexts(source, std::chrono::microseconds(0)).size(), 1u);
    std::filesystem::rename(path, dir_ / "in.jsonl.1");
    write("in.jsonl", "\xEF\xBB");  // a writer part-way through the byte order mark
    EXPECT_EQ(pollTexts(source, std::chrono::microseconds(0)), Texts{});
    append(path, "\xBF{\"b\":1}\n");
    EXPECT_EQ(pollTexts(source, std::chrono::microseconds(0)), (Texts{"{\"b\":1}@1:3"}));
}

TEST_F(FileConnectorsTest, WatchedCsvKeepsTheRepeatedHeaderAcrossACheckpoint) {
    auto path = write("in.csv", "id,name\n1,a\n");
    std::string position;
    {
        FileSource source(path, FileFormat::kCsv, codec::CsvOptions{}, 16, /*watch=*/true);
        ASSERT_TRUE(source.open().isOk());
        EXPECT_EQ(pollTexts(source, std::chrono::microseconds(0)), (Texts{"1,a@2:8"}));
        std::filesystem::rename(path, dir_ / "in.csv.1");
        write("in.csv", "id,na");  // the new file's header, unfinished
        EXPECT_EQ(pollTexts(source, std::chrono::microseconds(0)), Texts{});
        position = source.position();
        EXPECT_EQ(position, R"({"offset":0,"line":1,"header_pending":1})");
    }
    append(path, "me\n2,b\n");
    std::filesystem::rename(dir_ / "in.csv.1", dir_ / "old.csv");
    FileSource source(path, FileFormat::kCsv, codec::CsvOptions{}, 16, /*watch=*/true);
    // The restarted job opens the new file (its header is the job's) and resumes at the
    // checkpoint: the header line there is skipped, not read as a record.
    ASSERT_TRUE(source.open().isOk());
    ASSERT_TRUE(source.seek(position).isOk());
    EXPECT_EQ(pollTexts(source, std::chrono::microseconds(0)), (Texts{"2,b@2:8"}));
}

// ---- exactly-once part files
// ---------------------------------------------------------------------

/// The directory's file names, sorted.
std::vector<std::string> listing(const std::filesystem::path& directory) {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(directory)) names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

using Names = std::vector<std::string>;

TEST_F(FileConnectorsTest, PartNames) {
    EXPECT_EQ(parts::name(42, "jsonl"), "part-0000000042.jsonl");
    EXPECT_EQ(parts::name(12345678901, "csv"), "part-12345678901.csv");
    EXPECT_EQ(parts::epochOf("part-0000000042.jsonl"), 42u);
    EXPECT_EQ(parts::epochOf("part-0000000042.jsonl.inprogress"), 42u);
    EXPECT_EQ(parts::epochOf("part-7"), 7u);
    EXPECT_FALSE(parts::epochOf("part-.jsonl"));
    EXPECT_FALSE(parts::epochOf("part-12x.jsonl"));
    EXPECT_FALSE(parts::epochOf("notes.txt"));
    EXPECT_TRUE(parts::inProgress("part-0000000001.csv.inprogress"));
    EXPECT_FALSE(parts::inProgress("part-0000000001.csv"));
    EXPECT_FALSE(parts::inProgress("other.inprogress"));
}

TEST_F(FileConnectorsTest, PartSinkWritesAPartPerCommitRenamedByCommit) {
    auto directory = dir_ / "out";
    PartFileSink sink(directory, "csv", "id\n");
    ASSERT_TRUE(sink.open(true).isOk());
    EXPECT_EQ(listing(directory), Names{});
    // A commit that wrote nothing adds no part.
    EXPECT_EQ(*sink.prepareCommit(), R"({"next":1,"pending":[]})");
    ASSERT_TRUE(sink.commit().isOk());
    ASSERT_TRUE(sink.write(encoded("1\n")).isOk());
    ASSERT_TRUE(sink.write(encoded("2\n")).isOk());
    EXPECT_EQ(listing(directory), Names{"part-0000000001.csv.inprogress"});
    EXPECT_EQ(*sink.prepareCommit(), R"({"next":2,"pending":[1]})");
    // Fsynced, not yet in place: the checkpoint is installed between the two.
    EXPECT_EQ(readFile(directory / "part-0000000001.csv.inprogress"), "id\n1\n2\n");
    ASSERT_TRUE(sink.commit().isOk());
    EXPECT_EQ(listing(directory), Names{"part-0000000001.csv"});
    ASSERT_TRUE(sink.write(encoded("3\n")).isOk());
    EXPECT_EQ(*sink.prepareCommit(), R"({"next":3,"pending":[2]})");
    ASSERT_TRUE(sink.commit().isOk());
    ASSERT_TRUE(sink.close().isOk());
    EXPECT_EQ(listing(directory), (Names{"part-0000000001.csv", "part-0000000002.csv"}));
    EXPECT_EQ(readFile(directory / "part-0000000002.csv"), "id\n3\n");
}

TEST_F(FileConnectorsTest, PartSinkRestoreRenamesTheCheckpointsPendingPartAndDropsTheRest) {
    auto directory = dir_ / "out";
    std::string state;
    {
        PartFileSink sink(directory, "jsonl", "");
        ASSERT_TRUE(sink.open(true).isOk());
        ASSERT_TRUE(sink.write(encoded("{\"a\":1}\n")).isOk());
        state = *sink.prepareCommit();
        // The process dies after the checkpoint is installed, before the rename, with the next
        // commit's output in progress.
        ASSERT_TRUE(sink.write(encoded("{\"a\":2}\n")).isOk());
        ASSERT_TRUE(sink.flush().isOk());
    }
    EXPECT_EQ(listing(directory), (Names{"part-0000000001.jsonl.inprogress", "part-0000000002.jsonl.inprogress"}));
    PartFileSink sink(directory, "jsonl", "");
    ASSERT_TRUE(sink.open(false).isOk());
    ASSERT_TRUE(sink.restore(state).isOk());
    EXPECT_EQ(listing(directory), Names{"part-0000000001.jsonl"});
    EXPECT_EQ(readFile(directory / "part-0000000001.jsonl"), "{\"a\":1}\n");
    // The next commit's output goes to epoch 2 again.
    ASSERT_TRUE(sink.write(encoded("{\"a\":2}\n")).isOk());
    EXPECT_EQ(*sink.prepareCommit(), R"({"next":3,"pending":[2]})");
    ASSERT_TRUE(sink.commit().isOk());
    EXPECT_EQ(listing(directory), (Names{"part-0000000001.jsonl", "part-0000000002.jsonl"}));
    // Restoring the same checkpoint again: its part is in place already; the later one goes.
    ASSERT_TRUE(sink.restore(state).isOk());
    EXPECT_EQ(listing(directory), Names{"part-0000000001.jsonl"});
}

TEST_F(FileConnectorsTest, PartSinkTruncateRemovesEveryPartAndLeavesOtherFiles) {
    auto directory = dir_ / "out";
    std::filesystem::create_directories(directory);
    write("out/part-0000000001.jsonl", "{}\n");
    write("out/part-0000000002.jsonl.inprogress", "{}\n");
    write("out/README", "not a part\n");
    PartFileSink sink(directory, "jsonl", "");
    ASSERT_TRUE(sink.open(true).isOk());
    EXPECT_EQ(listing(directory), Names{"README"});
    ASSERT_TRUE(sink.write(encoded("{}\n")).isOk());
    EXPECT_EQ(listing(directory), (Names{"README", "part-0000000001.jsonl.inprogress"}));
}

TEST_F(FileConnectorsTest, PartSinkErrors) {
    write("plain", "a file\n");
    PartFileSink onAFile(dir_ / "plain", "jsonl", "");
    Status status = onAFile.open(false);
    EXPECT_FALSE(status.isOk());
    EXPECT_NE(status.message().find("is not a directory"), std::string::npos) << status.message();
    PartFileSink sink(dir_ / "out", "jsonl", "");
    ASSERT_TRUE(sink.open(true).isOk());
    status = sink.restore(R"({"length":3})");
    EXPECT_EQ(status.message(), R"(bad file sink state '{"length":3}')");
}

TEST_F(FileConnectorsTest, DirectorySourceReadsCommittedPartsInEpochOrder) {
    auto directory = dir_ / "in";
    std::filesystem::create_directories(directory);
    write("in/part-0000000002.jsonl", "{\"a\":3}\n");
    write("in/part-0000000001.jsonl", "{\"a\":1}\n{\"a\":2}\n");
    write("in/part-10000000000.jsonl", "{\"a\":4}\n");
    write("in/part-0000000003.jsonl.inprogress", "{\"a\":99}\n");
    write("in/notes.txt", "{\"a\":98}\n");
    for (size_t max : {size_t{1}, size_t{2}, size_t{1000}}) {
        SCOPED_TRACE(fmt::format("at most {} records per poll", max));
        FileInputSource source(directory, FileFormat::kJsonLines, {}, 7);
        ASSERT_TRUE(source.bounded());
        ASSERT_TRUE(source.open().isOk());
        Texts all;
        for (int polls = 0; !source.exhausted() && polls < 100; ++polls) {
            for (auto& text : pollTexts(source, std::chrono::microseconds(0), max)) all.push_back(text);
        }
        EXPECT_EQ(all, (Texts{"{\"a\":1}@1:0", "{\"a\":2}@2:8", "{\"a\":3}@1:0", "{\"a\":4}@1:0"}));
        EXPECT_EQ(source.position(), R"({"part":"part-10000000000.jsonl","offset":8,"line":2})");
    }
}

TEST_F(FileConnectorsTest, DirectorySourcePositionAndSeekAcrossParts) {
    auto directory = dir_ / "in";
    std::filesystem::create_directories(directory);
    write("in/part-0000000001.csv", "id,name\n1,a\n2,b\n");
    write("in/part-0000000002.csv", "id,name\n3,c\n");
    std::string position;
    std::string digest;
    {
        FileInputSource source(directory, FileFormat::kCsv, codec::CsvOptions{});
        ASSERT_TRUE(source.open().isOk());
        EXPECT_EQ(source.formatHeader(), "id,name");
        EXPECT_EQ(source.position(), R"({"part":"part-0000000001.csv","offset":8,"line":2})");
        EXPECT_EQ(pollTexts(source, std::chrono::microseconds(0), 1), (Texts{"1,a@2:8"}));
        position = source.position();
        EXPECT_EQ(position, R"({"part":"part-0000000001.csv","offset":12,"line":3})");
        digest = *source.contentDigest(position);
        EXPECT_TRUE(digest.starts_with("part-0000000001.csv:")) << digest;
    }
    FileInputSource source(directory, FileFormat::kCsv, codec::CsvOptions{});
    ASSERT_TRUE(source.open().isOk());
    EXPECT_EQ(*source.contentDigest(position), digest);
    ASSERT_TRUE(source.seek(position).isOk());
    // The second part's header line is its own, not a record.
    EXPECT_EQ(pollTexts(source, std::chrono::microseconds(0)), (Texts{"2,b@3:12", "3,c@2:8"}));
    EXPECT_TRUE(source.exhausted());
    ASSERT_TRUE(source.seek(R"({"part":""})").isOk());
    EXPECT_FALSE(source.exhausted());
    EXPECT_EQ(pollTexts(source, std::chrono::microseconds(0)).size(), 3u);
    // A part gone since the checkpoint: the input is not the one the checkpoint read.
    std::filesystem::remove(directory / "part-0000000001.csv");
    EXPECT_FALSE(source.contentDigest(position).isOk());
}

TEST_F(FileConnectorsTest, DirectorySourceChecksEachPartsCsvHeader) {
    auto directory = dir_ / "in";
    std::filesystem::create_directories(directory);
    write("in/part-0000000001.csv", "id,name\n1,a\n");
    write("in/part-0000000002.csv", "id,label\n2,b\n");
    FileInputSource source(directory, FileFormat::kCsv, codec::CsvOptions{});
    ASSERT_TRUE(source.open().isOk());
    RawBatch batch;
    auto count = source.poll(10, SIZE_MAX, std::chrono::microseconds(0), batch);
    ASSERT_FALSE(count.isOk());
    EXPECT_EQ(count.status().message(),
              fmt::format("{}: its CSV header 'id,label' differs from the first part's ('id,name')",
                          (directory / "part-0000000002.csv").string()));
}

TEST_F(FileConnectorsTest, DirectorySourceWithoutParts) {
    auto directory = dir_ / "in";
    std::filesystem::create_directories(directory);
    FileInputSource lines(directory, FileFormat::kJsonLines, {});
    ASSERT_TRUE(lines.open().isOk());
    EXPECT_EQ(lines.position(), R"({"part":""})");
    EXPECT_EQ(pollTexts(lines, std::chrono::microseconds(0)), Texts{});
    EXPECT_TRUE(lines.exhausted());
    FileInputSource csv(directory, FileFormat::kCsv, codec::CsvOptions{});
    Status status = csv.open();
    EXPECT_EQ(status.message(), fmt::format("{}: the directory holds no committed part file yet, and a CSV source "
                                            "takes its columns from the first part's header line",
                                            directory.string()));
}

TEST_F(FileConnectorsTest, WatchedDirectoryReadsPartsAsTheyAreCommitted) {
    auto directory = dir_ / "in";
    std::filesystem::create_directories(directory);
    FileInputSource source(directory, FileFormat::kJsonLines, {}, FileSource::kDefaultChunkSize, /*watch=*/true);
    EXPECT_FALSE(source.bounded());
    ASSERT_TRUE(source.open().isOk());
    EXPECT_EQ(pollTexts(source, std::chrono::microseconds(0)), Texts{});
    write("in/part-0000000001.jsonl.inprogress", "{\"a\":1}\n");
    EXPECT_EQ(pollTexts(source, std::chrono::microseconds(1000)), Texts{});
    EXPECT_FALSE(source.exhausted());
    // The rename happens while the poll waits (or just before): it returns the part's record
    // long before its 60 s timeout.
    std::thread committer([&] {
        std::filesystem::rename(directory / "part-0000000001.jsonl.inprogress", directory / "part-0000000001.jsonl");
    });
    auto started = std::chrono::steady_clock::now();
    Texts texts = pollTexts(source, std::chrono::seconds(60));
    committer.join();
    EXPECT_EQ(texts, (Texts{"{\"a\":1}@1:0"}));
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(30));
    write("in/part-0000000002.jsonl", "{\"a\":2}\n");
    EXPECT_EQ(pollTexts(source, std::chrono::microseconds(0)), (Texts{"{\"a\":2}@1:0"}));
    EXPECT_FALSE(source.exhausted());
}

TEST_F(FileConnectorsTest, WatchedDirectoryWrittenAfreshIsReadAgainFromItsFirstPart) {
    auto directory = dir_ / "in";
    std::filesystem::create_directories(directory);
    write("in/part-0000000001.jsonl", "{\"a\":1}\n");
    write("in/part-0000000002.jsonl", "{\"a\":2}\n");
    FileInputSource source(directory, FileFormat::kJsonLines, {}, FileSource::kDefaultChunkSize,
                           /*watch=*/true);
    ASSERT_TRUE(source.open().isOk());
    EXPECT_EQ(pollTexts(source, std::chrono::microseconds(0)).size(), 2u);
    // The writer reruns: every part deleted, its new output from epoch 1 again.
    std::filesystem::remove(directory / "part-0000000001.jsonl");
    std::filesystem::remove(directory / "part-0000000002.jsonl");
    EXPECT_EQ(pollTexts(source, std::chrono::microseconds(0)), Texts{});
    write("in/part-0000000001.jsonl", "{\"b\":1}\n");
    EXPECT_EQ(pollTexts(source, std::chrono::microseconds(0)), (Texts{"{\"b\":1}@1:0"}));
    EXPECT_EQ(source.position(), R"({"part":"part-0000000001.jsonl","offset":8,"line":2})");
}

TEST_F(FileConnectorsTest, APositionOfAFileIsRefusedByADirectoryAndTheOtherWayRound) {
    // The path changed kind since the checkpoint: a clear error, not a misread position.
    auto path = write("in.jsonl", "{\"a\":1}\n");
    std::string filePosition;
    {
        FileInputSource source(path, FileFormat::kJsonLines, {});
        ASSERT_TRUE(source.open().isOk());
        EXPECT_EQ(pollTexts(source, std::chrono::microseconds(0)).size(), 1u);
        filePosition = source.position();
    }
    std::filesystem::remove(path);
    std::filesystem::create_directories(path);
    write("in.jsonl/part-0000000001.jsonl", "{\"a\":2}\n");
    FileInputSource directory(path, FileFormat::kJsonLines, {});
    ASSERT_TRUE(directory.open().isOk());
    std::string expected =
        path.string() +
        " is a directory of part files now, but the job's checkpoint was taken while it was a "
        "file: restore it, or run the job with --reset-state to start afresh";
    EXPECT_EQ(directory.seek(filePosition).message(), expected);
    EXPECT_EQ(directory.contentDigest(filePosition).status().message(), expected);
    EXPECT_EQ(directory.seek(filePosition).category(), ErrorCategory::kUser);
    std::string partPosition = directory.position();

    std::filesystem::remove_all(path);
    write("in.jsonl", "{\"a\":3}\n");
    FileInputSource file(path, FileFormat::kJsonLines, {});
    ASSERT_TRUE(file.open().isOk());
    EXPECT_EQ(
        file.seek(partPosition).message(),
        path.string() +
            " is a file now, but the job's checkpoint was taken while it was a directory of part "
            "files: restore it, or run the job with --reset-state to start afresh");
}

TEST_F(FileConnectorsTest, FileInputSourceReadsAPlainFileAsFileSourceDoes) {
    auto path = write("in.jsonl", "{\"a\":1}\n{\"a\":2}\n");
    FileInputSource source(path, FileFormat::kJsonLines, {});
    ASSERT_TRUE(source.open().isOk());
    EXPECT_EQ(pollTexts(source, std::chrono::microseconds(0), 1), (Texts{"{\"a\":1}@1:0"}));
    EXPECT_EQ(source.position(), R"({"offset":8,"line":2})");
    EXPECT_EQ(pollTexts(source, std::chrono::microseconds(0)), (Texts{"{\"a\":2}@2:8"}));
    EXPECT_TRUE(source.exhausted());
}

}  // namespace
}  // namespace ferris::connectors
