#pragma once

#include "common/result.h"
#include "expr/kernel.h"
#include "types/data_type.h"

namespace ferris::expr {

/// Whether CAST(from AS to) is allowed; the error says why not.
Status checkCast(const types::DataType& from, const types::DataType& to);

/// Whether a value of `from` may be used where `to` is expected without a written CAST
/// (BIGINT → DECIMAL/DOUBLE, DECIMAL → wider DECIMAL or DOUBLE, DATE → TIMESTAMP, NULL → any).
bool canImplicitlyCast(const types::DataType& from, const types::DataType& to);

/// The kernel converting `from` values to `to` (rows with a NULL input are never passed).
/// Values that cannot be converted (`'abc'` to BIGINT, overflow) are row errors.
Result<KernelPtr> makeCastKernel(const types::DataType& from, const types::DataType& to);

}  // namespace ferris::expr
