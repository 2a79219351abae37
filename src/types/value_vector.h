#pragma once

#include "types/batch.h"
#include "types/value.h"
#include "types/vector.h"

namespace ferris::types {

/// Reads one row of a flat (non-nested) vector as a Value: for tests, constants and
/// control paths, never the per-record data path. Strings are copied.
Value readValue(const Vector& vector, uint32_t row);

/// Writes a Value into one row of a flat vector of the same type; string bytes are copied
/// into `arena`.
void writeValue(Vector& vector, uint32_t row, const Value& value, StringArena& arena);

}  // namespace ferris::types
