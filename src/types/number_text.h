#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ferris::types {

inline constexpr size_t kNumberMaxChars = 32;

/// Shortest text that round-trips the double (`0.1`, `1e+20`, `3`); NaN and infinities are
/// written `NaN`, `Infinity`, `-Infinity`. Returns bytes written into a kNumberMaxChars buffer.
size_t formatDouble(double value, char* buffer);
/// Decimal text of an integer. Returns bytes written into a kNumberMaxChars buffer.
size_t formatInt64(int64_t value, char* buffer);

/// Parses a whole string as a base-10 int64 (optional sign, no spaces); false on junk or
/// overflow.
bool parseInt64(std::string_view text, int64_t& out);
/// Parses a whole string as a double (JSON number syntax, plus `NaN`, `Infinity`,
/// `-Infinity`); false on junk.
bool parseDouble(std::string_view text, double& out);

}  // namespace ferris::types
