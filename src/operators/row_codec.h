#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "types/data_type.h"
#include "types/value.h"
#include "types/vector.h"

namespace ferris::operators {

// The canonical bytes of scalar values: group and partition keys (equal values, equal bytes)
// and the values held in checkpointed state. A NULL flag byte, then a string's length and
// bytes, or the value's fixed-width bytes. ARRAY, MAP and STRUCT have no such bytes.

/// Appends the value at `row` of `column`.
void appendKeyBytes(const types::Vector& column, uint32_t row, std::string& out);
/// Appends `value` (of `type`).
void appendValueBytes(const types::Value& value, const types::DataType& type, std::string& out);
/// Reads one value of `type` from the front of `bytes`, advancing it.
Result<types::Value> readValueBytes(const types::DataType& type, std::string_view& bytes);
/// Reads values of `types` that fill `bytes` exactly.
Result<std::vector<types::Value>> decodeKeyBytes(std::span<const types::DataType> types, std::string_view bytes);

}  // namespace ferris::operators
