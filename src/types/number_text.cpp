#include "types/number_text.h"

#include <charconv>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

namespace ferris::types {

size_t formatDouble(double value, char* buffer) {
    if (std::isnan(value)) {
        std::memcpy(buffer, "NaN", 3);
        return 3;
    }
    if (std::isinf(value)) {
        if (value > 0) {
            std::memcpy(buffer, "Infinity", 8);
            return 8;
        }
        std::memcpy(buffer, "-Infinity", 9);
        return 9;
    }
    auto end = fmt::format_to(buffer, "{}", value);
    return static_cast<size_t>(end - buffer);
}

size_t formatInt64(int64_t value, char* buffer) {
    auto result = std::to_chars(buffer, buffer + kNumberMaxChars, value);
    return static_cast<size_t>(result.ptr - buffer);
}

bool parseInt64(std::string_view text, int64_t& out) {
    if (text.empty()) return false;
    const char* begin = text.data();
    const char* end = begin + text.size();
    if (*begin == '+') ++begin;
    auto result = std::from_chars(begin, end, out);
    return result.ec == std::errc() && result.ptr == end;
}

bool parseDouble(std::string_view text, double& out) {
    if (text == "NaN") {
        out = std::nan("");
        return true;
    }
    if (text == "Infinity" || text == "+Infinity") {
        out = HUGE_VAL;
        return true;
    }
    if (text == "-Infinity") {
        out = -HUGE_VAL;
        return true;
    }
    if (text.empty()) return false;
    const char* begin = text.data();
    const char* end = begin + text.size();
    if (*begin == '+') ++begin;
    auto result = std::from_chars(begin, end, out);
    return result.ec == std::errc() && result.ptr == end;
}

}  // namespace ferris::types
