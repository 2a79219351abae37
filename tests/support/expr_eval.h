#pragma once

// Test support: evaluate a registry function over rows of Values, the way the runtime
// does (resolve → implicit casts → compiled kernel on a batch), and read the results back.

#include <string>
#include <vector>

#include "common/result.h"
#include "types/value.h"

namespace ferris::testing {

/// One row's outcome: a value, or the row error (code and message) the kernel recorded.
struct RowResult {
    bool isError = false;
    types::Value value;
    ErrorCode errorCode = ErrorCode::kOk;
    std::string errorMessage;
};

/// Result type and per-row outcomes of calling `function` on `rows` (each row one vector
/// of argument Values; argument types are `argTypes`). `literalArgs[i]` marks argument i
/// as a literal (its value is taken from the first row) so resolution sees it, as the
/// binder would for `ROUND(x, 2)`.
struct CallResult {
    types::DataType resultType;
    std::vector<RowResult> rows;
};

Result<CallResult> evalFunction(const std::string& function, const std::vector<types::DataType>& argTypes,
                                const std::vector<std::vector<types::Value>>& rows,
                                const std::vector<bool>& literalArgs = {});

/// Convenience: one row, all arguments literal-typed by their Values; returns the value or
/// the row error as a Status.
Result<types::Value> evalOne(const std::string& function, const std::vector<types::Value>& args);

}  // namespace ferris::testing
