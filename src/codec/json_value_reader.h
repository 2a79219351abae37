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

/// Parses a JSON number token (trailing whitespace allowed) as the nearest double, with
/// std::from_chars: simdjson 3.0.1's own double parsing is wrong for some inputs with
/// more than 19 significant digits (-0.0999…9 with 30 nines comes back as -5e-13).
bool parseJsonDouble(std::string_view token, double& out);

/// True when `token` (trailing whitespace allowed) is a JSON number.
bool isJsonNumber(std::string_view token);

/// Consumes a value the job does not read, checking it is well-formed JSON (On-Demand
/// would otherwise skip it unchecked). False with `error` set when it is not.
bool skipJsonValue(simdjson::ondemand::value value, std::string& error, int depth = 0);

/// Decoders fill every row of their vectors in order, so nested columns are kept dense:
/// row i of an ARRAY/MAP holds children [offsets[i], offsets[i+1]), and each row starts
/// where the previous one ended.

/// Undoes whatever a failed attempt appended for `row` (children past offsets[row]) and
/// leaves the row empty, ready to be written again.
void resetRow(types::Vector& column, uint32_t row);
/// Makes `row` NULL, with an empty range for nested types (their children included).
void setNullRow(types::Vector& column, uint32_t row);

}  // namespace ferris::codec
