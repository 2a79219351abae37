#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "codec/json_fields.h"
#include "types/vector.h"

namespace ferris::codec {

/// The decoder's fastest path: reads a record that is a flat JSON object — keys without
/// escapes, values that are strings without escapes, numbers, true, false or null — in one
/// forward pass, straight into the row's columns, validating the JSON grammar as it goes
/// (UTF-8 included, through simdjson's validator when a byte ≥ 0x80 occurs).
///
/// Returns false as soon as the record is anything else (nested values, escapes, a value of
/// the wrong JSON type, malformed text…); the caller then decodes it with simdjson, which
/// gives the exact value or error. So the scanner never decides that a record is bad, and
/// what it accepts is read exactly as simdjson would read it.
///
/// `record` must be followed by at least 16 readable bytes (key comparison loads words).
/// On true, every field is written or set NULL; on false, the row holds partial writes
/// that the slow path overwrites.
bool scanFlatObject(std::string_view record, std::span<const Field> fields, std::span<types::Vector* const> columns,
                    std::vector<uint8_t>& seen, uint32_t row);

}  // namespace ferris::codec
