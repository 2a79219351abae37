#pragma once

// The declared fields of a JSON decoder as its fast paths see them (internal to codec/).

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "types/data_type.h"
#include "types/decimal.h"

namespace ferris::codec {

/// How a field is read: the common scalar types have an inline fast path; everything
/// else, and every NULL or mistyped value, goes through readJsonValue.
enum class FieldKind : uint8_t { kBigint, kDouble, kDecimal64, kDecimal128, kString, kTimestamp, kBoolean, kOther };

inline FieldKind kindOf(const types::DataType& type) {
    switch (type.id()) {
        case types::TypeId::kBigint: return FieldKind::kBigint;
        case types::TypeId::kDouble: return FieldKind::kDouble;
        case types::TypeId::kDecimal: return type.isDecimal64() ? FieldKind::kDecimal64 : FieldKind::kDecimal128;
        case types::TypeId::kString: return FieldKind::kString;
        case types::TypeId::kTimestamp: return FieldKind::kTimestamp;
        case types::TypeId::kBoolean: return FieldKind::kBoolean;
        default: return FieldKind::kOther;
    }
}

/// A declared field as the decoder matches it: name bytes for a raw comparison with the
/// key as it appears in the input (keys with escapes never match; see docs). The first 16
/// bytes of the name followed by its closing quote are kept as two words with masks, so a
/// key is compared with two loads instead of a memcmp call.
struct Field {
    std::string name;
    FieldKind kind;
    types::DecimalSpec decimal;
    uint64_t word[2] = {0, 0};
    uint64_t mask[2] = {0, 0};
    bool shortName = false;  ///< name + quote fit 16 bytes

    void prepare() {
        std::string quoted = name + '"';
        shortName = quoted.size() <= 16;
        if (!shortName) return;
        for (size_t i = 0; i < quoted.size(); ++i) {
            size_t w = i / 8;
            size_t shift = (i % 8) * 8;
            word[w] |= uint64_t{static_cast<uint8_t>(quoted[i])} << shift;
            mask[w] |= uint64_t{0xFF} << shift;
        }
    }

    /// True when the key starting at `raw` (after its opening quote; the input is padded)
    /// is this field's name.
    bool matches(const char* raw) const {
        if (shortName) {
            uint64_t first = 0;
            uint64_t second = 0;
            std::memcpy(&first, raw, 8);
            std::memcpy(&second, raw + 8, 8);
            return ((first & mask[0]) == word[0]) & ((second & mask[1]) == word[1]);
        }
        return std::memcmp(raw, name.data(), name.size()) == 0 && raw[name.size()] == '"';
    }
};

/// Parses a JSON integer token (optional '-', no leading zeros, at most 19 digits, then
/// whitespace only). False for anything else — fractions, exponents, overflow — which the
/// caller then reads the slow way (with a precise error).
inline bool parseJsonInteger(std::string_view token, int64_t& out) {
    const char* p = token.data();
    const char* end = p + token.size();
    bool negative = *p == '-';
    p += negative;
    const char* digits = p;
    uint64_t value = 0;
    while (p < end && static_cast<unsigned>(*p - '0') <= 9) {
        value = value * 10 + static_cast<unsigned>(*p - '0');
        ++p;
    }
    size_t count = static_cast<size_t>(p - digits);
    if (count == 0 || count > 19 || (count > 1 && *digits == '0')) return false;
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) ++p;
    if (p != end) return false;
    if (count == 19 && value > static_cast<uint64_t>(INT64_MAX) + negative) return false;
    out = negative ? static_cast<int64_t>(~value + 1) : static_cast<int64_t>(value);
    return true;
}

}  // namespace ferris::codec
