#include "codec/csv_decoder.h"

#include <simdjson.h>

#include <fmt/format.h>
#include <strings.h>

#include "common/base64.h"
#include "common/closest_name.h"
#include "types/decimal.h"
#include "types/number_text.h"
#include "types/time.h"

namespace ferris::codec {

using types::DataType;
using types::TypeId;
using types::Vector;

bool splitCsvLine(std::string_view line, const CsvOptions& options, std::vector<std::string_view>& fields,
                  std::vector<uint8_t>& quoted, types::StringArena& arena, std::string& error) {
    fields.clear();
    quoted.clear();
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t i = 0;
    while (true) {
        if (i < line.size() && line[i] == options.quote) {
            // Quoted field: find the closing quote, collapsing doubled quotes.
            size_t start = i + 1;
            std::string unescaped;
            bool escaped = false;
            size_t j = start;
            while (true) {
                if (j >= line.size()) {
                    error = fmt::format("unterminated quoted field starting at column {}", i + 1);
                    return false;
                }
                if (line[j] == options.quote) {
                    if (j + 1 < line.size() && line[j + 1] == options.quote) {
                        if (!escaped) unescaped.assign(line.substr(start, j - start));
                        escaped = true;
                        unescaped += options.quote;
                        j += 2;
                        continue;
                    }
                    break;
                }
                if (escaped) unescaped += line[j];
                ++j;
            }
            fields.push_back(escaped ? arena.copy(unescaped) : line.substr(start, j - start));
            quoted.push_back(1);
            i = j + 1;
            if (i < line.size() && line[i] != options.delimiter) {
                error = fmt::format("unexpected character after the closing quote at column {}", i + 1);
                return false;
            }
        } else {
            size_t end = line.find(options.delimiter, i);
            if (end == std::string_view::npos) end = line.size();
            fields.push_back(line.substr(i, end - i));
            quoted.push_back(0);
            i = end;
        }
        if (i >= line.size()) break;
        ++i;  // the delimiter
        if (i == line.size()) {  // trailing delimiter: one more empty field
            fields.push_back({});
            quoted.push_back(0);
            break;
        }
    }
    return true;
}

CsvDecoder::CsvDecoder(std::vector<DecodeField> fields, std::vector<std::string> schemaOrder, CsvOptions options)
    : fields_(std::move(fields)), schemaOrder_(std::move(schemaOrder)), options_(options) {
    for (const auto& field : fields_) {
        int position = -1;
        for (size_t i = 0; i < schemaOrder_.size(); ++i) {
            if (strcasecmp(schemaOrder_[i].c_str(), field.name.c_str()) == 0) position = static_cast<int>(i);
        }
        positions_.push_back(position);
    }
}

Status CsvDecoder::setHeader(std::string_view headerLine) {
    types::StringArena arena;
    std::string error;
    if (!splitCsvLine(headerLine, options_, split_, quoted_, arena, error)) {
        return Status::user(ErrorCode::kDecodeError, fmt::format("CSV header: {}", error));
    }
    std::vector<std::string> names(split_.begin(), split_.end());
    headerFields_ = names.size();
    for (size_t f = 0; f < fields_.size(); ++f) {
        int position = -1;
        for (size_t i = 0; i < names.size(); ++i) {
            if (strcasecmp(names[i].c_str(), fields_[f].name.c_str()) == 0) position = static_cast<int>(i);
        }
        if (position < 0) {
            return Status::user(ErrorCode::kDecodeError,
                                fmt::format("CSV header has no column '{}'{}", fields_[f].name,
                                            didYouMean(fields_[f].name, names)));
        }
        positions_[f] = position;
    }
    return Status::ok();
}

namespace {

bool parseField(std::string_view text, bool wasQuoted, Vector& column, uint32_t row, types::StringArena& arena,
                std::string& error) {
    const DataType& type = column.type();
    if (text.empty() && !wasQuoted) {
        column.setNull(row);
        return true;
    }
    column.setNotNull(row);
    auto bad = [&] {
        error = fmt::format("expected {}, found '{}'", type.toString(), text.substr(0, 40));
        return false;
    };
    switch (type.id()) {
        case TypeId::kString:
            if (!simdjson::validate_utf8(text.data(), text.size())) {
                error = "the text is not valid UTF-8";
                return false;
            }
            column.values<std::string_view>()[row] = text;
            return true;
        case TypeId::kBytes: {  // base64, as JSON writes BYTES
            std::string decoded;
            if (!base64Decode(text, decoded)) {
                error = fmt::format("expected base64 BYTES, found '{}'", text.substr(0, 40));
                return false;
            }
            column.values<std::string_view>()[row] = arena.copy(decoded);
            return true;
        }
        case TypeId::kBigint: return types::parseInt64(text, column.values<int64_t>()[row]) || bad();
        case TypeId::kDouble: return types::parseDouble(text, column.values<double>()[row]) || bad();
        case TypeId::kBoolean:
            if (text.size() == 4 && strncasecmp(text.data(), "true", 4) == 0) {
                column.values<uint8_t>()[row] = 1;
            } else if (text.size() == 5 && strncasecmp(text.data(), "false", 5) == 0) {
                column.values<uint8_t>()[row] = 0;
            } else {
                return bad();
            }
            return true;
        case TypeId::kDecimal: {
            types::int128_t unscaled = 0;
            auto status = types::decimalParse(text, {type.precision(), type.scale()}, unscaled);
            if (status == types::DecimalStatus::kTooManyDigits) {
                error = fmt::format("'{}' has more than {} fractional digits for {}", text, type.scale(),
                                    type.toString());
                return false;
            }
            if (status == types::DecimalStatus::kOverflow) {
                error = fmt::format("'{}' does not fit {}", text, type.toString());
                return false;
            }
            if (status != types::DecimalStatus::kOk) return bad();
            if (type.isDecimal64()) {
                column.values<int64_t>()[row] = static_cast<int64_t>(unscaled);
            } else {
                column.values<types::int128_t>()[row] = unscaled;
            }
            return true;
        }
        case TypeId::kTimestamp: {
            int64_t millis = 0;
            if (types::parseInt64(text, millis)) {
                return !__builtin_mul_overflow(millis, types::kMicrosPerMilli, &column.values<int64_t>()[row]) ||
                       bad();
            }
            return types::parseTimestampIso(text, column.values<int64_t>()[row]) == types::TimeParseStatus::kOk ||
                   bad();
        }
        case TypeId::kDate:
            return types::parseDate(text, column.values<int32_t>()[row]) == types::TimeParseStatus::kOk || bad();
        case TypeId::kInterval: {
            int64_t millis = 0;
            int64_t micros = 0;
            if (!types::parseInt64(text, millis) || __builtin_mul_overflow(millis, types::kMicrosPerMilli, &micros)) {
                return bad();
            }
            column.values<types::IntervalValue>()[row] = {0, micros};
            return true;
        }
        default: return bad();
    }
}

}  // namespace

void CsvDecoder::decode(std::span<const types::RawRecord> records, types::Batch& batch) {
    uint32_t rows = static_cast<uint32_t>(records.size());
    std::vector<Vector*> columns = makeFieldColumns(fields_, rows, batch);
    std::string error;
    for (uint32_t row = 0; row < rows; ++row) {
        bool ok = splitCsvLine(records[row].value, options_, split_, quoted_, batch.arena(), error);
        size_t expected = options_.header ? headerFields_ : schemaOrder_.size();
        if (ok && split_.size() != expected) {
            error = fmt::format("expected {} fields{}, found {}", expected, options_.header ? " (as the header)" : "",
                                split_.size());
            ok = false;
        }
        for (size_t f = 0; ok && f < fields_.size(); ++f) {
            int position = positions_[f];
            if (position < 0 || static_cast<size_t>(position) >= split_.size()) {
                columns[f]->setNull(row);
                continue;
            }
            if (!parseField(split_[static_cast<size_t>(position)], quoted_[static_cast<size_t>(position)] != 0,
                            *columns[f], row, batch.arena(), error)) {
                error = fmt::format("field '{}': {}", fields_[f].name, error);
                ok = false;
            }
        }
        if (!ok) {
            batch.addError(row, ErrorCode::kDecodeError, std::move(error));
            error.clear();
            for (Vector* column : columns) column->setNull(row);
        }
    }
}

Result<std::unique_ptr<CsvDecoder>> makeCsvDecoder(std::vector<DecodeField> fields,
                                                  std::vector<std::string> schemaOrder, CsvOptions options) {
    for (const auto& field : fields) {
        if (field.type.isNested()) {
            return Status::user(ErrorCode::kNotSupported,
                                fmt::format("CSV cannot hold column '{}' of type {}", field.name, field.type.toString()));
        }
    }
    return std::make_unique<CsvDecoder>(std::move(fields), std::move(schemaOrder), options);
}

}  // namespace ferris::codec
