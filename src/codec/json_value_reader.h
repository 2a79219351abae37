#pragma once

#include <simdjson.h>

#include <string>

#include "types/batch.h"
#include "types/vector.h"

namespace ferris::codec {

/// Reads one simdjson On-Demand value into row `row` of a column of any type (§1.4.1 JSON
/// input rules). Returns false and fills `error` when the value does not fit the type.
/// Strings without escapes stay views into the input; escaped ones are copied into the
/// batch arena (simdjson reuses its unescape buffer).
bool readJsonValue(simdjson::ondemand::value value, types::Vector& column, uint32_t row,
                   types::StringArena& arena, std::string& error);

}  // namespace ferris::codec
