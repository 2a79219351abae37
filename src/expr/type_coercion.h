#pragma once

#include <span>

#include "common/result.h"
#include "types/data_type.h"

namespace ferris::expr {

/// The common type of values that meet in CASE, IF, COALESCE, NULLIF, IN, BETWEEN, LEAST,
/// GREATEST (§1.4.1): NULLs take the others' type; BIGINT stays BIGINT; BIGINT and DECIMAL
/// give the decimal common type (BIGINT counts as DECIMAL(19,0)); any DOUBLE gives DOUBLE;
/// DATE with TIMESTAMP gives TIMESTAMP; otherwise the types must be equal.
Result<types::DataType> commonType(std::span<const types::DataType> types, std::string_view context);

}  // namespace ferris::expr
