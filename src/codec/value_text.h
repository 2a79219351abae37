#pragma once

#include <cstddef>
#include <cstdint>

#include "codec/encoder.h"
#include "types/vector.h"

namespace ferris::codec {

inline constexpr size_t kValueTextMaxChars = 64;

/// The output text of one non-NULL scalar value (§1.4.1 output encoding), unquoted:
/// DECIMAL in plain notation with its scale, DOUBLE shortest round-trip (NaN, Infinity),
/// TIMESTAMP as epoch ms or ISO-8601, DATE as YYYY-MM-DD, INTERVAL as integer ms,
/// BOOLEAN true/false. Not for STRING, BYTES or nested types.
size_t formatScalar(const types::Vector& column, uint32_t row, TimestampFormat timestamps, char* buffer);

}  // namespace ferris::codec
