#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "expr/aggregate.h"
#include "expr/kernel.h"
#include "types/data_type.h"
#include "types/value.h"

namespace ferris::expr {

/// What a function is: a per-row scalar, an aggregate over groups, or an OVER function.
enum class FunctionKind : uint8_t { kScalar, kAggregate, kAnalytic };

/// How a scalar function treats NULL arguments.
enum class NullHandling : uint8_t {
    kPropagate,  ///< NULL if any argument is NULL; the kernel sees only non-NULL rows
    kCustom,     ///< the kernel sees every row and decides (COALESCE-like, IS NULL, CONCAT)
};

/// An argument as the binder knows it when resolving an overload: its type and, when it
/// is a literal, its value (ROUND(x, 2) types its result from the 2; LIKE precompiles).
struct ArgInfo {
    types::DataType type;
    std::optional<types::Value> literal;
};

/// One resolved call: the argument types the binder must cast to, the result type, and
/// the factory of the kernel bound to exactly these types.
struct BoundFunction {
    std::string name;  ///< canonical upper-case name
    std::vector<types::DataType> argTypes;
    types::DataType resultType;
    NullHandling nulls = NullHandling::kPropagate;
    bool deterministic = true;
    /// Builds the kernel (called once per compiled plan).
    std::function<KernelPtr()> makeKernel;
};

/// Functions the binder turns into lazily-evaluated special forms instead of kernel calls
/// (their later arguments run only on the rows that still need them, §2.1).
enum class SpecialForm : uint8_t { kNone, kCoalesce, kIf };

/// One entry of the function registry (§2.1): the binder resolves calls through it,
/// SHOW FUNCTIONS lists it, and the runtime gets its kernels from it — one source of truth.
struct FunctionEntry {
    std::string name;                  ///< canonical name, upper case
    std::vector<std::string> aliases;  ///< other names (upper case)
    FunctionKind kind = FunctionKind::kScalar;
    std::string category;              ///< math, string, date/time, conditional, json, header, operator
    std::vector<std::string> signatures;  ///< human-readable signatures, e.g. "ROUND(DECIMAL(p,s), INT) -> DECIMAL"
    std::string description;
    bool deterministic = true;
    SpecialForm specialForm = SpecialForm::kNone;
    /// True for internal operator functions (+, =, LIKE…) that SHOW FUNCTIONS omits.
    bool isOperator = false;
    /// Resolves the overload for these arguments, or says which types were expected
    /// (scalar functions).
    std::function<Result<BoundFunction>(const FunctionEntry& self, std::span<const ArgInfo> args)> resolve;
    /// Resolves an aggregate call (kind kAggregate): `distinct` for f(DISTINCT x).
    std::function<Result<BoundAggregate>(const FunctionEntry& self, std::span<const ArgInfo> args, bool distinct)>
        resolveAggregate;
};

}  // namespace ferris::expr
