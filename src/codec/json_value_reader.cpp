#include "codec/json_value_reader.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "common/base64.h"
#include "types/decimal.h"
#include "types/number_text.h"
#include "types/time.h"

namespace ferris::codec {

using simdjson::ondemand::json_type;
using types::DataType;
using types::TypeId;
using types::Vector;

namespace {

/// The token text for messages, shortened.
std::string describe(std::string_view token) {
    while (!token.empty() && (token.back() == ' ' || token.back() == '\n' || token.back() == '\t' ||
                              token.back() == '\r')) {
        token.remove_suffix(1);
    }
    if (token.size() > 40) return fmt::format("{}…", token.substr(0, 40));
    return std::string(token);
}

bool mismatch(simdjson::ondemand::value& value, const DataType& type, std::string& error) {
    std::string_view token = value.raw_json_token();
    error = fmt::format("expected {}, found {}", type.toString(), describe(token));
    return false;
}

/// The raw text of a JSON string token without its quotes, if it has no escapes.
bool rawStringBody(std::string_view token, std::string_view& body) {
    if (token.empty() || token.front() != '"') return false;
    size_t close = token.rfind('"');
    if (close == 0) return false;
    body = token.substr(1, close - 1);
    return body.find('\\') == std::string_view::npos;
}

bool readString(simdjson::ondemand::value& value, Vector& column, uint32_t row, types::StringArena& arena,
                std::string& error) {
    std::string_view token = value.raw_json_token();
    if (token.empty() || token.front() != '"') {
        return mismatch(value, column.type(), error);
    }
    std::string_view body;
    if (rawStringBody(token, body)) {
        column.values<std::string_view>()[row] = body;  // zero-copy view into the input
        return true;
    }
    std::string_view unescaped;
    if (value.get_string().get(unescaped) != simdjson::SUCCESS) {
        error = "malformed string";
        return false;
    }
    column.values<std::string_view>()[row] = arena.copy(unescaped);
    return true;
}

/// Text of a string value (unescaped if needed) for types parsed from strings.
bool stringText(simdjson::ondemand::value& value, std::string_view& text) {
    std::string_view token = value.raw_json_token();
    if (rawStringBody(token, text)) return true;
    return value.get_string().get(text) == simdjson::SUCCESS;
}

bool readDecimal(simdjson::ondemand::value& value, json_type kind, Vector& column, uint32_t row,
                 std::string& error) {
    std::string_view token = value.raw_json_token();
    std::string_view text = token;
    if (kind == json_type::string) {
        if (!rawStringBody(token, text)) return mismatch(value, column.type(), error);
    } else {
        if (!isJsonNumber(token)) return mismatch(value, column.type(), error);
        while (!text.empty() && (text.back() == ' ' || text.back() == '\n' || text.back() == '\r' ||
                                 text.back() == '\t')) {
            text.remove_suffix(1);
        }
    }
    const DataType& type = column.type();
    types::int128_t unscaled = 0;
    types::DecimalStatus status = types::decimalParse(text, {type.precision(), type.scale()}, unscaled);
    switch (status) {
        case types::DecimalStatus::kOk: break;
        case types::DecimalStatus::kTooManyDigits:
            error = fmt::format("{} has more than {} fractional digits for {}", describe(text), type.scale(),
                                type.toString());
            return false;
        case types::DecimalStatus::kOverflow:
            error = fmt::format("{} does not fit {}", describe(text), type.toString());
            return false;
        default: return mismatch(value, type, error);
    }
    if (type.isDecimal64()) {
        column.values<int64_t>()[row] = static_cast<int64_t>(unscaled);
    } else {
        column.values<types::int128_t>()[row] = unscaled;
    }
    return true;
}

bool readArray(simdjson::ondemand::value& value, Vector& column, uint32_t row, types::StringArena& arena,
               std::string& error) {
    simdjson::ondemand::array array;
    if (value.get_array().get(array) != simdjson::SUCCESS) return mismatch(value, column.type(), error);
    Vector& child = column.child(0);
    int32_t start = column.offsets()[row];
    uint32_t count = 0;
    for (auto element : array) {
        simdjson::ondemand::value item;
        if (element.get(item) != simdjson::SUCCESS) {
            error = "malformed array";
            return false;
        }
        uint32_t index = static_cast<uint32_t>(start) + count;
        child.resize(index + 1);
        if (!readJsonValue(item, child, index, arena, error)) {
            error = fmt::format("[{}]: {}", count, error);
            return false;
        }
        ++count;
    }
    column.offsets()[row + 1] = start + static_cast<int32_t>(count);
    return true;
}

bool readMap(simdjson::ondemand::value& value, Vector& column, uint32_t row, types::StringArena& arena,
             std::string& error) {
    simdjson::ondemand::object object;
    if (value.get_object().get(object) != simdjson::SUCCESS) return mismatch(value, column.type(), error);
    Vector& keys = column.child(0);
    Vector& values = column.child(1);
    int32_t start = column.offsets()[row];
    uint32_t count = 0;
    for (auto field : object) {
        std::string_view key;
        simdjson::ondemand::value item;
        if (field.unescaped_key().get(key) != simdjson::SUCCESS || field.value().get(item) != simdjson::SUCCESS) {
            error = "malformed object";
            return false;
        }
        uint32_t index = static_cast<uint32_t>(start) + count;
        keys.resize(index + 1);
        values.resize(index + 1);
        keys.setNotNull(index);
        keys.values<std::string_view>()[index] = arena.copy(key);
        if (!readJsonValue(item, values, index, arena, error)) {
            error = fmt::format("['{}']: {}", key, error);
            return false;
        }
        ++count;
    }
    column.offsets()[row + 1] = start + static_cast<int32_t>(count);
    return true;
}

bool readStruct(simdjson::ondemand::value& value, Vector& column, uint32_t row, types::StringArena& arena,
                std::string& error) {
    simdjson::ondemand::object object;
    if (value.get_object().get(object) != simdjson::SUCCESS) return mismatch(value, column.type(), error);
    const auto& fields = column.type().fields();
    std::vector<bool> seen(fields.size(), false);
    for (auto field : object) {
        std::string_view key;
        simdjson::ondemand::value item;
        if (field.unescaped_key().get(key) != simdjson::SUCCESS || field.value().get(item) != simdjson::SUCCESS) {
            error = "malformed object";
            return false;
        }
        int index = column.type().fieldIndex(key);
        if (index < 0) continue;
        if (!readJsonValue(item, column.child(static_cast<size_t>(index)), row, arena, error)) {
            error = fmt::format(".{}: {}", key, error);
            return false;
        }
        seen[static_cast<size_t>(index)] = true;
    }
    for (size_t i = 0; i < fields.size(); ++i) {
        if (!seen[i]) setNullRow(column.child(i), row);
    }
    return true;
}

bool isList(const Vector& column) {
    return column.type().id() == TypeId::kArray || column.type().id() == TypeId::kMap;
}

/// Shrinks a child vector (and, recursively, its own children) to `size` entries.
void truncate(Vector& column, uint32_t size) {
    if (isList(column)) {
        uint32_t childSize = static_cast<uint32_t>(column.offsets()[std::min(size, column.size())]);
        column.resize(size);
        for (size_t c = 0; c < column.numChildren(); ++c) truncate(column.child(c), childSize);
    } else {
        if (column.type().id() == TypeId::kStruct) {
            for (size_t c = 0; c < column.numChildren(); ++c) truncate(column.child(c), size);
        }
        column.resize(size);
    }
}

}  // namespace

namespace {
std::string_view trimToken(std::string_view token) {
    while (!token.empty() && (token.back() == ' ' || token.back() == '\n' || token.back() == '\r' ||
                              token.back() == '\t')) {
        token.remove_suffix(1);
    }
    return token;
}
}  // namespace

bool isJsonNumber(std::string_view token) {
    token = trimToken(token);
    // JSON's grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? — stricter than from_chars.
    size_t i = 0;
    auto digit = [&](size_t at) { return at < token.size() && token[at] >= '0' && token[at] <= '9'; };
    if (i < token.size() && token[i] == '-') ++i;
    if (!digit(i)) return false;
    if (token[i] == '0') {
        ++i;
    } else {
        while (digit(i)) ++i;
    }
    if (i < token.size() && token[i] == '.') {
        ++i;
        if (!digit(i)) return false;
        while (digit(i)) ++i;
    }
    if (i < token.size() && (token[i] == 'e' || token[i] == 'E')) {
        ++i;
        if (i < token.size() && (token[i] == '+' || token[i] == '-')) ++i;
        if (!digit(i)) return false;
        while (digit(i)) ++i;
    }
    return i == token.size();
}

bool parseJsonDouble(std::string_view token, double& out) {
    token = trimToken(token);
    if (!isJsonNumber(token)) return false;
    auto result = std::from_chars(token.data(), token.data() + token.size(), out);
    return result.ec == std::errc() && result.ptr == token.data() + token.size();
}

bool skipJsonValue(simdjson::ondemand::value value, std::string& error, int depth) {
    if (depth > 256) {
        error = "malformed JSON: nested too deeply";
        return false;
    }
    json_type kind;
    if (value.type().get(kind) != simdjson::SUCCESS) {
        error = "malformed JSON value";
        return false;
    }
    auto malformed = [&](simdjson::error_code code) {
        error = fmt::format("malformed JSON: {}", simdjson::error_message(code));
        return false;
    };
    switch (kind) {
        case json_type::object: {
            simdjson::ondemand::object object;
            if (auto code = value.get_object().get(object); code != simdjson::SUCCESS) return malformed(code);
            for (auto field : object) {
                std::string_view key;
                simdjson::ondemand::value inner;
                if (auto code = field.unescaped_key().get(key); code != simdjson::SUCCESS) return malformed(code);
                if (auto code = field.value().get(inner); code != simdjson::SUCCESS) return malformed(code);
                if (!skipJsonValue(inner, error, depth + 1)) return false;
            }
            return true;
        }
        case json_type::array: {
            simdjson::ondemand::array array;
            if (auto code = value.get_array().get(array); code != simdjson::SUCCESS) return malformed(code);
            for (auto element : array) {
                simdjson::ondemand::value inner;
                if (auto code = element.get(inner); code != simdjson::SUCCESS) return malformed(code);
                if (!skipJsonValue(inner, error, depth + 1)) return false;
            }
            return true;
        }
        case json_type::string: {
            std::string_view text;
            if (auto code = value.get_string().get(text); code != simdjson::SUCCESS) return malformed(code);
            return true;
        }
        case json_type::number:
            if (!isJsonNumber(value.raw_json_token())) return malformed(simdjson::NUMBER_ERROR);
            return true;
        case json_type::boolean: {
            bool flag = false;
            if (auto code = value.get_bool().get(flag); code != simdjson::SUCCESS) return malformed(code);
            return true;
        }
        case json_type::null: {
            bool isNull = false;
            if (value.is_null().get(isNull) != simdjson::SUCCESS || !isNull) return malformed(simdjson::INCORRECT_TYPE);
            return true;
        }
    }
    return malformed(simdjson::TAPE_ERROR);
}

void resetRow(Vector& column, uint32_t row) {
    if (isList(column)) {
        uint32_t start = static_cast<uint32_t>(column.offsets()[row]);
        for (size_t c = 0; c < column.numChildren(); ++c) {
            if (column.child(c).size() > start) truncate(column.child(c), start);
        }
        column.offsets()[row + 1] = static_cast<int32_t>(start);
    } else if (column.type().id() == TypeId::kStruct) {
        for (size_t c = 0; c < column.numChildren(); ++c) resetRow(column.child(c), row);
    }
}

void setNullRow(Vector& column, uint32_t row) {
    column.setNull(row);
    if (isList(column)) {
        column.offsets()[row + 1] = column.offsets()[row];
    } else if (column.type().id() == TypeId::kStruct) {
        for (size_t c = 0; c < column.numChildren(); ++c) setNullRow(column.child(c), row);
    }
}

bool readJsonValue(simdjson::ondemand::value value, Vector& column, uint32_t row, types::StringArena& arena,
                   std::string& error) {
    json_type kind;
    if (value.type().get(kind) != simdjson::SUCCESS) {
        error = "malformed JSON value";
        return false;
    }
    if (kind == json_type::null) {
        setNullRow(column, row);
        return true;
    }
    column.setNotNull(row);
    const DataType& type = column.type();
    switch (type.id()) {
        case TypeId::kBoolean: {
            bool v = false;
            if (value.get_bool().get(v) != simdjson::SUCCESS) return mismatch(value, type, error);
            column.values<uint8_t>()[row] = v ? 1 : 0;
            return true;
        }
        case TypeId::kBigint: {
            if (kind != json_type::number) return mismatch(value, type, error);
            int64_t v = 0;
            if (value.get_int64().get(v) != simdjson::SUCCESS) return mismatch(value, type, error);
            column.values<int64_t>()[row] = v;
            return true;
        }
        case TypeId::kDouble: {
            double v = 0;
            if (kind == json_type::number) {
                if (!parseJsonDouble(value.raw_json_token(), v)) return mismatch(value, type, error);
            } else if (kind == json_type::string) {
                std::string_view text;
                if (!stringText(value, text) || !(text == "NaN" || text == "Infinity" || text == "-Infinity") ||
                    !types::parseDouble(text, v)) {
                    return mismatch(value, type, error);
                }
            } else {
                return mismatch(value, type, error);
            }
            column.values<double>()[row] = v;
            return true;
        }
        case TypeId::kDecimal:
            if (kind != json_type::number && kind != json_type::string) return mismatch(value, type, error);
            return readDecimal(value, kind, column, row, error);
        case TypeId::kString:
            if (kind != json_type::string) return mismatch(value, type, error);
            return readString(value, column, row, arena, error);
        case TypeId::kBytes: {
            std::string_view text;
            if (kind != json_type::string || !stringText(value, text)) return mismatch(value, type, error);
            std::string decoded;
            if (!base64Decode(text, decoded)) {
                error = fmt::format("expected base64 BYTES, found {}", describe(text));
                return false;
            }
            column.values<std::string_view>()[row] = arena.copy(decoded);
            return true;
        }
        case TypeId::kTimestamp: {
            int64_t micros = 0;
            if (kind == json_type::number) {
                int64_t millis = 0;
                if (value.get_int64().get(millis) != simdjson::SUCCESS ||
                    __builtin_mul_overflow(millis, types::kMicrosPerMilli, &micros)) {
                    return mismatch(value, type, error);
                }
            } else if (kind == json_type::string) {
                std::string_view text;
                if (!stringText(value, text) ||
                    types::parseTimestampIso(text, micros) != types::TimeParseStatus::kOk) {
                    return mismatch(value, type, error);
                }
            } else {
                return mismatch(value, type, error);
            }
            column.values<int64_t>()[row] = micros;
            return true;
        }
        case TypeId::kDate: {
            std::string_view text;
            int32_t days = 0;
            if (kind != json_type::string || !stringText(value, text) ||
                types::parseDate(text, days) != types::TimeParseStatus::kOk) {
                return mismatch(value, type, error);
            }
            column.values<int32_t>()[row] = days;
            return true;
        }
        case TypeId::kInterval: {
            int64_t millis = 0;
            int64_t micros = 0;
            if (kind != json_type::number || value.get_int64().get(millis) != simdjson::SUCCESS ||
                __builtin_mul_overflow(millis, types::kMicrosPerMilli, &micros)) {
                return mismatch(value, type, error);
            }
            column.values<types::IntervalValue>()[row] = {0, micros};
            return true;
        }
        case TypeId::kArray: return readArray(value, column, row, arena, error);
        case TypeId::kMap: return readMap(value, column, row, arena, error);
        case TypeId::kStruct: return readStruct(value, column, row, arena, error);
        case TypeId::kNull: column.setNull(row); return true;
    }
    return mismatch(value, type, error);
}

}  // namespace ferris::codec
