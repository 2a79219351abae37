#include <simdjson.h>

#include <cstring>

#include <fmt/format.h>

#include "codec/decoder.h"
#include "codec/json_fields.h"
#include "codec/json_flat_scanner.h"
#include "codec/json_value_reader.h"
#include "types/decimal.h"
#include "types/time.h"

namespace ferris::codec {

using types::Batch;
using types::RawRecord;
using types::TypeId;
using types::Vector;

namespace {

/// Decodes JSON objects with simdjson On-Demand. Fields are matched by comparing the raw
/// key bytes with the declared names, trying first the field that followed the previous
/// match (records of one topic or file nearly always share their field order), so a
/// record costs one comparison per field it carries.
class JsonDecoder final : public Decoder {
public:
    explicit JsonDecoder(std::vector<DecodeField> fields) : declared_(std::move(fields)) {
        for (const auto& field : declared_) {
            fields_.push_back({field.name, kindOf(field.type), {field.type.precision(), field.type.scale()}});
            fields_.back().prepare();
            nested_ |= field.type.id() == TypeId::kArray || field.type.id() == TypeId::kMap;
            flat_ &= !field.type.isNested();
        }
    }

    void decode(std::span<const RawRecord> records, Batch& batch) override {
        uint32_t rows = static_cast<uint32_t>(records.size());
        columns_ = makeFieldColumns(declared_, rows, batch);
        seen_.assign(fields_.size(), 0);
        // 1. The flat-object scanner takes every record it can (nearly all, for flat data).
        std::vector<uint8_t> done(rows, 0);
        if (flat_) {
            for (uint32_t row = 0; row < rows; ++row) {
                const RawRecord& record = records[row];
                if (record.valueIsNull || record.paddingAfter < kScannerPadding) continue;
                std::memset(seen_.data(), 0, seen_.size());
                done[row] = scanFlatObject(record.value, fields_, columns_, seen_, row) ? 1 : 0;
            }
        }
        // 2. The rest go to simdjson: records lying back to back in one padded buffer (a
        // file chunk) as one document stream, indexed in one pass; others one at a time.
        size_t row = 0;
        while (row < rows) {
            if (done[row]) {
                ++row;
                continue;
            }
            size_t end = row + 1;
            while (end < rows && !done[end] && adjacent(records[end - 1], records[end])) ++end;
            if (end - row >= kMinStream && records[end - 1].paddingAfter >= simdjson::SIMDJSON_PADDING) {
                row = decodeStream(records, row, end, batch);
                if (row == end) continue;
            }
            decodeOne(records[row], batch, static_cast<uint32_t>(row));
            ++row;
        }
    }

private:
    /// Shortest run of adjacent records worth parsing as a stream.
    static constexpr size_t kMinStream = 4;
    /// Readable bytes the flat-object scanner needs after a record (key comparisons load
    /// 16-byte words).
    static constexpr uint32_t kScannerPadding = 16;

    /// True when `next` follows `previous` in the same buffer with only a line break
    /// between them.
    static bool adjacent(const RawRecord& previous, const RawRecord& next) {
        const char* end = previous.value.data() + previous.value.size();
        const char* start = next.value.data();
        if (start < end || start - end > 2 || previous.valueIsNull || next.valueIsNull) return false;
        for (const char* p = end; p < start; ++p) {
            if (*p != '\n' && *p != '\r') return false;
        }
        return true;
    }

    void startRow(uint32_t row) {
        std::memset(seen_.data(), 0, seen_.size());
        if (nested_) {
            for (Vector* column : columns_) resetRow(*column, row);
        }
    }

    void finishRow(Batch& batch, uint32_t row, bool ok, std::string& error) {
        if (!ok) {
            batch.addError(row, ErrorCode::kDecodeError, std::move(error));
            error.clear();
            for (Vector* column : columns_) {
                if (nested_) resetRow(*column, row);
                setNullRow(*column, row);
            }
            return;
        }
        for (size_t i = 0; i < fields_.size(); ++i) {
            if (!seen_[i]) setNullRow(*columns_[i], row);  // a missing field is NULL
        }
    }

    void decodeOne(const RawRecord& record, Batch& batch, uint32_t row) {
        startRow(row);
        bool ok = decodeRecord(record, batch, row, error_);
        finishRow(batch, row, ok, error_);
    }

    /// Decodes records [begin, end) (adjacent, padded after the last) as a document stream.
    /// A row is taken from the stream only when its document starts at the record's first
    /// byte, decodes without error and ends exactly where the next record starts (or at the
    /// end of the run). Any other row — a bad record, or a document that is not exactly one
    /// record — is decoded on its own, so every record gets the same values and the same
    /// error message whichever path reads it. Returns the first row not decoded (the caller
    /// goes on from there).
    size_t decodeStream(std::span<const RawRecord> records, size_t begin, size_t end, Batch& batch) {
        const char* base = records[begin].value.data();
        const char* runEnd = records[end - 1].value.data() + records[end - 1].value.size();
        size_t length = static_cast<size_t>(runEnd - base);
        simdjson::ondemand::document_stream stream;
        size_t window = std::max<size_t>(length, simdjson::dom::MINIMAL_BATCH_SIZE);
        if (parser_.iterate_many(base, length, window).get(stream) != simdjson::SUCCESS) return begin;
        // The run's last record is always decoded alone: a stream silently drops an
        // incomplete document at its end (`{"a":1} {`), so "ends at the run's end" cannot
        // be told from "ends inside the last record".
        size_t last = end - 1;
        size_t row = begin;
        for (auto it = stream.begin(); it != stream.end() && row < last; ++it) {
            if (base + it.current_index() != records[row].value.data()) return row;
            auto document = *it;
            if (document.error() != simdjson::SUCCESS) return row;
            uint32_t r = static_cast<uint32_t>(row);
            startRow(r);
            bool ok = decodeObject(document, batch, r, error_);
            // The document must end exactly where the next record starts.
            const char* next = nullptr;
            bool exact = ok && document.current_location().get(next) == simdjson::SUCCESS &&
                         next == records[row + 1].value.data();
            if (!exact) {
                error_.clear();
                decodeOne(records[row], batch, r);  // the record on its own decides
                return row + 1;
            }
            finishRow(batch, r, true, error_);
            ++row;
        }
        return row;
    }

    /// The text of a string token without its quotes, when it has no escapes (a view of
    /// the input: zero copy).
    static bool stringBody(std::string_view token, std::string_view& body) {
        if (token.size() < 2 || token[0] != '"') return false;
        size_t close = token.size() - 1;
        while (token[close] != '"') --close;  // raw tokens may carry trailing spaces
        if (close == 0) return false;
        body = token.substr(1, close - 1);
        return std::memchr(body.data(), '\\', body.size()) == nullptr;
    }

    /// The fast paths: true when the value was read; false sends it to readJsonValue
    /// (NULL, a string where a number was declared, a malformed value…).
    [[gnu::always_inline]] static bool readFast(simdjson::ondemand::value& value, const Field& field,
                                                Vector& column, uint32_t row) {
        switch (field.kind) {
            case FieldKind::kBigint:
                // The raw token, parsed here: simdjson validated its boundaries in stage 1,
                // and parseJsonInteger accepts exactly JSON's integer syntax.
                return parseJsonInteger(value.raw_json_token(), column.values<int64_t>()[row]);
            case FieldKind::kDouble:
                return parseJsonDouble(value.raw_json_token(), column.values<double>()[row]);
            case FieldKind::kTimestamp: {
                std::string_view token = value.raw_json_token();
                if (!token.empty() && token[0] == '"') {  // ISO-8601 text
                    std::string_view body;
                    return stringBody(token, body) &&
                           types::parseTimestampIso(body, column.values<int64_t>()[row]) == types::TimeParseStatus::kOk;
                }
                int64_t millis = 0;
                return parseJsonInteger(token, millis) &&
                       !__builtin_mul_overflow(millis, int64_t{1000}, &column.values<int64_t>()[row]);
            }
            case FieldKind::kBoolean: {
                bool flag = false;
                if (value.get_bool().get(flag) != simdjson::SUCCESS) return false;
                column.values<uint8_t>()[row] = flag ? 1 : 0;
                return true;
            }
            case FieldKind::kString: {
                std::string_view body;
                if (!stringBody(value.raw_json_token(), body)) return false;
                column.values<std::string_view>()[row] = body;
                return true;
            }
            case FieldKind::kDecimal64:
            case FieldKind::kDecimal128: {
                std::string_view token = value.raw_json_token();
                if (token.empty() || token[0] == '"' || token[0] == 'n' || !isJsonNumber(token)) return false;
                while (token.back() == ' ' || token.back() == '\n' || token.back() == '\r' || token.back() == '\t') {
                    token.remove_suffix(1);
                }
                types::int128_t unscaled = 0;
                if (types::decimalParse(token, field.decimal, unscaled) != types::DecimalStatus::kOk) return false;
                if (field.kind == FieldKind::kDecimal64) {
                    column.values<int64_t>()[row] = static_cast<int64_t>(unscaled);
                } else {
                    column.values<types::int128_t>()[row] = unscaled;
                }
                return true;
            }
            case FieldKind::kOther: return false;
        }
        return false;
    }

    bool decodeRecord(const RawRecord& record, Batch& batch, uint32_t row, std::string& error) {
        if (record.valueIsNull) {
            error = "the record has no value (null)";
            return false;
        }
        const char* data = record.value.data();
        size_t size = record.value.size();
        if (record.paddingAfter < simdjson::SIMDJSON_PADDING) {
            // Copied into the batch's arena, with padding: string views into the record
            // must live as long as the batch.
            char* copy = batch.arena().allocate(size + simdjson::SIMDJSON_PADDING);
            std::memcpy(copy, data, size);
            std::memset(copy + size, 0, simdjson::SIMDJSON_PADDING);
            data = copy;
        }
        simdjson::ondemand::document document;
        auto code = parser_.iterate(data, size, size + simdjson::SIMDJSON_PADDING).get(document);
        if (code != simdjson::SUCCESS) return malformed(code, error);
        bool ok = decodeObject(document, batch, row, error);
        const char* trailing = nullptr;
        if (ok && document.current_location().get(trailing) != simdjson::OUT_OF_BOUNDS) {
            ok = false;
            error = "malformed JSON: trailing content after the object";
        }
        if (!ok && error.starts_with("malformed JSON") && completeObjectThenMore(data, size)) {
            // Say what is wrong rather than what simdjson tripped over at the end.
            error = "malformed JSON: trailing content after the object";
        }
        return ok;
    }

    /// True when the text is one complete JSON object followed by more content (another
    /// document, stray characters): such a record gets one clear message whatever the
    /// parser reports first.
    bool completeObjectThenMore(const char* data, size_t size) {
        simdjson::ondemand::document_stream stream;
        if (parser_.iterate_many(data, size, std::max<size_t>(size, simdjson::dom::MINIMAL_BATCH_SIZE)).get(stream) !=
            simdjson::SUCCESS) {
            return false;
        }
        auto it = stream.begin();
        if (!(it != stream.end())) return false;
        auto first = *it;
        simdjson::ondemand::object object;
        if (first.get_object().get(object) != simdjson::SUCCESS) return false;
        for (auto field : object) {
            simdjson::ondemand::value value;
            if (field.value().get(value) != simdjson::SUCCESS) return false;
        }
        const char* next = nullptr;
        return first.current_location().get(next) == simdjson::SUCCESS && next < data + size;
    }

    /// Reads one JSON object into row `row`: matches keys to fields, reads values.
    template <typename Document>
    bool decodeObject(Document& document, Batch& batch, uint32_t row, std::string& error) {
        simdjson::ondemand::object object;
        simdjson::error_code code;
        code = document.get_object().get(object);
        if (code != simdjson::SUCCESS) {
            error = code == simdjson::INCORRECT_TYPE ? "malformed JSON: the record is not a JSON object"
                                                     : fmt::format("malformed JSON: {}", simdjson::error_message(code));
            return false;
        }
        size_t expected = 0;
        for (auto field : object) {
            simdjson::ondemand::raw_json_string key;
            code = field.key().get(key);
            if (code != simdjson::SUCCESS) return malformed(code, error);
            int index = match(key.raw(), expected);
            simdjson::ondemand::value value;
            code = field.value().get(value);
            if (code != simdjson::SUCCESS) return malformed(code, error);
            if (index < 0) {
                // Unknown field: ignored (§1.4.1), but it must be well-formed JSON.
                if (!skipJsonValue(value, error)) return false;
                continue;
            }
            size_t i = static_cast<size_t>(index);
            Vector& column = *columns_[i];
            if (!readFast(value, fields_[i], column, row)) {
                if (!readJsonValue(value, column, row, batch.arena(), error)) {
                    error = fmt::format("field '{}': {}", fields_[i].name, error);
                    return false;
                }
            } else if (column.mayHaveNulls()) {
                column.setNotNull(row);
            }
            seen_[i] = 1;
            expected = i + 1;
        }
        return true;
    }

    /// The declared field whose name is the key starting at `raw` (just after its opening
    /// quote), or -1. The input is padded, so reading a name's length plus one is safe.
    int match(const char* raw, size_t expected) const {
        if (expected < fields_.size() && fields_[expected].matches(raw)) return static_cast<int>(expected);
        for (size_t i = 0; i < fields_.size(); ++i) {
            if (i != expected && fields_[i].matches(raw)) return static_cast<int>(i);
        }
        return -1;
    }

    static bool malformed(simdjson::error_code code, std::string& error) {
        error = fmt::format("malformed JSON: {}", simdjson::error_message(code));
        return false;
    }

    std::vector<DecodeField> declared_;
    std::vector<Field> fields_;
    bool nested_ = false;
    bool flat_ = true;  ///< no nested column: the flat-object scanner may be used
    std::vector<Vector*> columns_;
    std::vector<uint8_t> seen_;
    std::string error_;
    simdjson::ondemand::parser parser_;
};

}  // namespace

Result<std::unique_ptr<Decoder>> makeJsonDecoder(std::vector<DecodeField> fields) {
    return std::unique_ptr<Decoder>(std::make_unique<JsonDecoder>(std::move(fields)));
}

}  // namespace ferris::codec
