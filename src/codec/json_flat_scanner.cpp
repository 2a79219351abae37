#include "codec/json_flat_scanner.h"

#include <simdjson.h>

#include <charconv>

#include "types/time.h"

namespace ferris::codec {

namespace {

inline bool isWhitespace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

/// Skips JSON whitespace. The byte at `end` is readable (padding), so the common case — no
/// whitespace at all — costs one comparison.
inline const char* skipWhitespace(const char* p, const char* end) {
    while (static_cast<unsigned char>(*p) <= ' ' && p < end && isWhitespace(*p)) ++p;
    return p;
}

inline bool isDigit(char c) { return static_cast<unsigned>(c - '0') <= 9; }

/// The end of a JSON number starting at p (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`),
/// or nullptr when the text there is not one.
const char* scanNumber(const char* p, const char* end, bool& integral) {
    integral = true;
    if (p < end && *p == '-') ++p;
    if (p >= end || !isDigit(*p)) return nullptr;
    if (*p == '0') {
        ++p;
    } else {
        while (p < end && isDigit(*p)) ++p;
    }
    if (p < end && *p == '.') {
        integral = false;
        ++p;
        if (p >= end || !isDigit(*p)) return nullptr;
        while (p < end && isDigit(*p)) ++p;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        integral = false;
        ++p;
        if (p < end && (*p == '+' || *p == '-')) ++p;
        if (p >= end || !isDigit(*p)) return nullptr;
        while (p < end && isDigit(*p)) ++p;
    }
    return p;
}

/// The closing quote of a string whose body starts at p, when the body has no escapes and
/// no control characters (which JSON requires to be escaped); nullptr otherwise.
/// Eight bytes at a time: the first byte that is a quote, a backslash or a control
/// character ends the scan (the text is padded, so reading up to 7 bytes past `end` is
/// safe; a stop found there does not count).
inline const char* scanString(const char* p, const char* end) {
    constexpr uint64_t kOnes = 0x0101010101010101ULL;
    constexpr uint64_t kHighs = 0x8080808080808080ULL;
    const char* start = p;
    uint64_t seen = 0;  // OR of the words read: high bits mean multi-byte UTF-8 to validate
    while (p < end) {
        uint64_t word = 0;
        std::memcpy(&word, p, 8);
        uint64_t quote = word ^ (kOnes * '"');
        uint64_t backslash = word ^ (kOnes * '\\');
        // Bytes equal to zero (after the xor), or below 0x20: the usual "has zero/less"
        // tricks; the lowest flagged byte is exact.
        uint64_t stops = ((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash) | ((word - kOnes * 0x20) & ~word);
        stops &= kHighs;
        seen |= word;
        if (stops != 0) {
            const char* stop = p + __builtin_ctzll(stops) / 8;
            if (stop >= end || *stop != '"') return nullptr;
            // Only text inside strings may hold bytes ≥ 0x80 (anything else makes the
            // scanner give up), so validating strings validates the record.
            if ((seen & kHighs) != 0 && !simdjson::validate_utf8(start, static_cast<size_t>(stop - start))) {
                return nullptr;
            }
            return stop;
        }
        p += 8;
    }
    return nullptr;
}

inline bool literal(const char*& p, const char* end, std::string_view word) {
    if (static_cast<size_t>(end - p) < word.size() || std::memcmp(p, word.data(), word.size()) != 0) return false;
    p += word.size();
    return true;
}

/// Number of leading ASCII digits in the 8 bytes at p (readable: the record is padded).
inline int leadingDigits(uint64_t word) {
    // A byte is a digit when its high nibble is 3 and adding 6 keeps it there. Carries
    // between bytes only start at non-digit bytes, so they cannot hide a leading digit.
    uint64_t high = word & 0xF0F0F0F0F0F0F0F0ULL;
    uint64_t adjusted = ((word + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) >> 4;
    uint64_t bad = (high | adjusted) ^ 0x3333333333333333ULL;
    return bad == 0 ? 8 : __builtin_ctzll(bad) / 8;
}

/// The value of the first `count` (1..8) digit bytes of `word` (first digit lowest).
inline uint64_t digitsValue(uint64_t word, int count) {
    uint64_t digits = word - 0x3030303030303030ULL;  // no borrow into the leading digits
    digits <<= 8 * (8 - count);                      // drop what follows; zeros lead
    digits = digits * 10 + (digits >> 8);
    return (((digits & 0x000000FF000000FFULL) * (100 + (1000000ULL << 32))) +
            (((digits >> 16) & 0x000000FF000000FFULL) * (1 + (10000ULL << 32)))) >>
           32;
}

/// Parses a JSON integer at p (the text is padded by ≥ 16 bytes): `-?(0|[1-9][0-9]*)`
/// followed by something that cannot continue a number. Advances p. False for fractions,
/// exponents, malformed text and values outside int64 (the slow path reports those).
inline bool parseInteger(const char*& p, const char* end, int64_t& out) {
    bool negative = *p == '-';
    const char* digits = p + negative;
    uint64_t value = 0;
    const char* cursor = digits;
    int total = 0;
    while (true) {
        uint64_t word = 0;
        std::memcpy(&word, cursor, 8);
        int count = leadingDigits(word);
        if (cursor + count > end) count = static_cast<int>(end - cursor);
        if (count <= 0) break;
        total += count;
        if (total > 19) return false;
        static constexpr uint64_t kPowers[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};
        // ≤ 19 digits never overflow uint64 (10^19 < 2^64); int64 is checked at the end.
        value = value * kPowers[count] + digitsValue(word, count);
        cursor += count;
        if (count < 8) break;
    }
    if (total == 0 || (total > 1 && *digits == '0')) return false;
    if (value > static_cast<uint64_t>(INT64_MAX) + negative) return false;
    if (cursor < end && (*cursor == '.' || *cursor == 'e' || *cursor == 'E')) return false;
    out = negative ? static_cast<int64_t>(~value + 1) : static_cast<int64_t>(value);
    p = cursor;
    return true;
}

/// The common ISO-8601 shapes `YYYY-MM-DDTHH:MM:SS[.fff|.ffffff]Z`, parsed with fixed
/// offsets; false for anything else (then types::parseTimestampIso decides).
inline bool parseIsoFast(std::string_view text, int64_t& micros) {
    size_t n = text.size();
    if ((n != 20 && n != 24 && n != 27) || text[n - 1] != 'Z') return false;
    const char* s = text.data();
    if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':') return false;
    if (n > 20 && s[19] != '.') return false;
    auto digits = [&](size_t from, size_t count, int64_t& out) {
        out = 0;
        for (size_t i = from; i < from + count; ++i) {
            if (!isDigit(s[i])) return false;
            out = out * 10 + (s[i] - '0');
        }
        return true;
    };
    int64_t year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, fraction = 0;
    if (!digits(0, 4, year) || !digits(5, 2, month) || !digits(8, 2, day) || !digits(11, 2, hour) ||
        !digits(14, 2, minute) || !digits(17, 2, second)) {
        return false;
    }
    if (n > 20 && !digits(20, n - 21, fraction)) return false;
    if (n == 24) fraction *= 1000;  // milliseconds → microseconds
    if (month < 1 || month > 12 || day < 1 || day > types::daysInMonth(year, static_cast<int>(month)) || hour > 23 ||
        minute > 59 || second > 59) {
        return false;
    }
    int64_t days = types::daysFromCivil({year, static_cast<int>(month), static_cast<int>(day)});
    micros = days * types::kMicrosPerDay + hour * types::kMicrosPerHour + minute * types::kMicrosPerMinute +
             second * types::kMicrosPerSecond + fraction;
    return true;
}

/// A JSON number split into its decimal digits: `mantissa` holds up to 18 significant
/// digits, `fraction` how many of them follow the point, `exponent` the written exponent.
struct NumberParts {
    uint64_t mantissa = 0;
    int digits = 0;
    int fraction = 0;
    int exponent = 0;
    bool negative = false;
    bool hasExponent = false;
};

/// Splits the JSON number at p into parts (validating its grammar) and advances p. False
/// for malformed numbers or more than 18 digits (the slow path handles those).
inline bool numberParts(const char*& p, const char* end, NumberParts& parts) {
    const char* cursor = p;
    parts.negative = *cursor == '-';
    cursor += parts.negative;
    if (cursor >= end || !isDigit(*cursor)) return false;
    bool leadingZero = *cursor == '0';
    const char* intStart = cursor;
    while (cursor < end && isDigit(*cursor)) {
        parts.mantissa = parts.mantissa * 10 + static_cast<unsigned>(*cursor - '0');
        ++cursor;
    }
    int intDigits = static_cast<int>(cursor - intStart);
    if (leadingZero && intDigits > 1) return false;
    parts.digits = intDigits;
    if (cursor < end && *cursor == '.') {
        ++cursor;
        const char* fracStart = cursor;
        while (cursor < end && isDigit(*cursor)) {
            parts.mantissa = parts.mantissa * 10 + static_cast<unsigned>(*cursor - '0');
            ++cursor;
        }
        parts.fraction = static_cast<int>(cursor - fracStart);
        if (parts.fraction == 0) return false;
        parts.digits += parts.fraction;
    }
    if (cursor < end && (*cursor == 'e' || *cursor == 'E')) return false;  // rare: slow path
    if (parts.digits > 18) return false;
    p = cursor;
    return true;
}

/// Reads the value at p into field i; advances p past it. False = not for the fast path.
bool readValue(const char*& p, const char* end, const Field& field, types::Vector& column, uint32_t row) {
    char c = *p;
    if (c == 'n') {
        if (!literal(p, end, "null")) return false;
        column.setNull(row);
        return true;
    }
    switch (field.kind) {
        case FieldKind::kBigint:
        case FieldKind::kTimestamp: {
            if (c == '"' && field.kind == FieldKind::kTimestamp) {
                const char* close = scanString(p + 1, end);
                if (close == nullptr) return false;
                std::string_view text(p + 1, static_cast<size_t>(close - p - 1));
                int64_t& out = column.values<int64_t>()[row];
                if (!parseIsoFast(text, out) && types::parseTimestampIso(text, out) != types::TimeParseStatus::kOk) {
                    return false;
                }
                p = close + 1;
                break;
            }
            int64_t value = 0;
            const char* cursor = p;
            if (!parseInteger(cursor, end, value)) return false;
            if (field.kind == FieldKind::kTimestamp &&
                __builtin_mul_overflow(value, int64_t{1000}, &column.values<int64_t>()[row])) {
                return false;
            }
            if (field.kind == FieldKind::kBigint) column.values<int64_t>()[row] = value;
            p = cursor;
            break;
        }
        case FieldKind::kDouble: {
            const char* cursor = p;
            NumberParts parts;
            double value = 0;
            if (numberParts(cursor, end, parts) && parts.digits <= 15) {
                // Clinger's fast path: a mantissa below 2^53 divided by an exact power of ten
                // is one correctly rounded IEEE operation.
                static constexpr double kPowers[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
                                                     1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
                value = static_cast<double>(parts.mantissa) / kPowers[parts.fraction];
                if (parts.negative) value = -value;
            } else {
                bool integral = true;
                cursor = scanNumber(p, end, integral);
                if (cursor == nullptr) return false;
                auto result = std::from_chars(p, cursor, value);
                if (result.ec != std::errc() || result.ptr != cursor) return false;
            }
            column.values<double>()[row] = value;
            p = cursor;
            break;
        }
        case FieldKind::kDecimal64:
        case FieldKind::kDecimal128: {
            const char* textBegin = p;
            const char* textEnd = nullptr;
            if (c != '"') {
                // Plain numbers with no more fractional digits than the scale: exact in
                // 64 bits (≤ 18 digits), scaled and range-checked here.
                const char* cursor = p;
                NumberParts parts;
                if (numberParts(cursor, end, parts) && parts.fraction <= field.decimal.scale &&
                    parts.digits - parts.fraction + field.decimal.scale <= 18) {
                    static constexpr uint64_t kPowers[] = {1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL,
                                                           1000000ULL, 10000000ULL, 100000000ULL, 1000000000ULL,
                                                           10000000000ULL, 100000000000ULL, 1000000000000ULL,
                                                           10000000000000ULL, 100000000000000ULL,
                                                           1000000000000000ULL, 10000000000000000ULL,
                                                           100000000000000000ULL, 1000000000000000000ULL};
                    uint64_t unscaled = parts.mantissa * kPowers[field.decimal.scale - parts.fraction];
                    if (field.decimal.precision >= 19 || unscaled < kPowers[field.decimal.precision]) {
                        int64_t value = parts.negative ? -static_cast<int64_t>(unscaled) : static_cast<int64_t>(unscaled);
                        if (field.kind == FieldKind::kDecimal64) {
                            column.values<int64_t>()[row] = value;
                        } else {
                            column.values<types::int128_t>()[row] = value;
                        }
                        p = cursor;
                        if (column.mayHaveNulls()) column.setNotNull(row);
                        return true;
                    }
                }
            }
            if (c == '"') {
                textBegin = p + 1;
                textEnd = scanString(textBegin, end);
                if (textEnd == nullptr) return false;
                p = textEnd + 1;
            } else {
                bool integral = true;
                textEnd = scanNumber(p, end, integral);
                if (textEnd == nullptr) return false;
                p = textEnd;
            }
            types::int128_t unscaled = 0;
            if (types::decimalParse(std::string_view(textBegin, static_cast<size_t>(textEnd - textBegin)), field.decimal,
                                    unscaled) != types::DecimalStatus::kOk) {
                return false;
            }
            if (field.kind == FieldKind::kDecimal64) {
                column.values<int64_t>()[row] = static_cast<int64_t>(unscaled);
            } else {
                column.values<types::int128_t>()[row] = unscaled;
            }
            break;
        }
        case FieldKind::kString: {
            if (c != '"') return false;
            const char* close = scanString(p + 1, end);
            if (close == nullptr) return false;
            column.values<std::string_view>()[row] = std::string_view(p + 1, static_cast<size_t>(close - p - 1));
            p = close + 1;
            break;
        }
        case FieldKind::kBoolean:
            if (literal(p, end, "true")) {
                column.values<uint8_t>()[row] = 1;
            } else if (literal(p, end, "false")) {
                column.values<uint8_t>()[row] = 0;
            } else {
                return false;
            }
            break;
        case FieldKind::kOther: return false;
    }
    if (column.mayHaveNulls()) column.setNotNull(row);
    return true;
}

/// Skips the value of a field the job does not read. False for objects, arrays and anything
/// malformed (the slow path handles them).
bool skipValue(const char*& p, const char* end) {
    char c = *p;
    if (c == '"') {
        const char* close = scanString(p + 1, end);
        if (close == nullptr) return false;
        p = close + 1;
        return true;
    }
    if (c == 't') return literal(p, end, "true");
    if (c == 'f') return literal(p, end, "false");
    if (c == 'n') return literal(p, end, "null");
    bool integral = true;
    const char* tokenEnd = scanNumber(p, end, integral);
    if (tokenEnd == nullptr) return false;
    p = tokenEnd;
    return true;
}

}  // namespace

bool scanFlatObject(std::string_view record, std::span<const Field> fields, std::span<types::Vector* const> columns,
                    std::vector<uint8_t>& seen, uint32_t row) {
    const char* p = record.data();
    const char* end = p + record.size();
    p = skipWhitespace(p, end);
    if (p >= end || *p != '{') return false;
    p = skipWhitespace(p + 1, end);
    if (p >= end) return false;
    size_t expected = 0;
    if (*p != '}') {
        while (true) {
            if (p >= end || *p != '"') return false;
            const char* key = p + 1;
            // A name can match only if it and its closing quote lie inside the record.
            size_t room = static_cast<size_t>(end - key);
            auto fits = [&](size_t i) { return fields[i].name.size() < room && fields[i].matches(key); };
            int index = -1;
            if (expected < fields.size() && fits(expected)) {
                index = static_cast<int>(expected);
            } else {
                for (size_t i = 0; i < fields.size(); ++i) {
                    if (i != expected && fits(i)) {
                        index = static_cast<int>(i);
                        break;
                    }
                }
            }
            if (index >= 0) {
                p = key + fields[static_cast<size_t>(index)].name.size() + 1;
            } else {
                const char* close = scanString(key, end);
                if (close == nullptr) return false;
                p = close + 1;
            }
            p = skipWhitespace(p, end);
            if (p >= end || *p != ':') return false;
            p = skipWhitespace(p + 1, end);
            if (p >= end) return false;
            if (index >= 0) {
                size_t i = static_cast<size_t>(index);
                if (!readValue(p, end, fields[i], *columns[i], row)) return false;
                seen[i] = 1;
                expected = i + 1;
            } else if (!skipValue(p, end)) {
                return false;
            }
            p = skipWhitespace(p, end);
            if (p >= end) return false;
            if (*p == ',') {
                p = skipWhitespace(p + 1, end);
                continue;
            }
            if (*p != '}') return false;
            break;
        }
    }
    p = skipWhitespace(p + 1, end);
    if (p != end) return false;
    for (size_t i = 0; i < fields.size(); ++i) {
        if (!seen[i]) columns[i]->setNull(row);  // flat types only: no offsets to keep
    }
    return true;
}

}  // namespace ferris::codec
