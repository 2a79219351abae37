#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "expr/function.h"

namespace ferris::expr {

/// The one function registry (§2.1): scalar functions and operators now; aggregates and
/// analytic functions register here as they are implemented. The binder resolves calls
/// through it, SHOW FUNCTIONS lists it, the runtime builds kernels from it.
class FunctionRegistry {
public:
    /// The registry with every built-in function.
    static const FunctionRegistry& builtins();

    void add(FunctionEntry entry);

    /// Looks a function up by name or alias, case-insensitively; nullptr when unknown.
    const FunctionEntry* find(std::string_view name) const;
    /// Every entry, sorted by name (operators included; see FunctionEntry::isOperator).
    std::vector<const FunctionEntry*> entries() const;
    /// Every callable name and alias (for did-you-mean suggestions).
    std::vector<std::string> names() const;

    /// Resolves a call: finds the entry and the overload for these arguments.
    Result<BoundFunction> resolve(std::string_view name, std::span<const ArgInfo> args) const;

private:
    std::vector<std::unique_ptr<FunctionEntry>> entries_;
    std::unordered_map<std::string, const FunctionEntry*> byName_;
};

// Registration of each family, one file each.
void registerArithmeticOperators(FunctionRegistry& registry);
void registerComparisonOperators(FunctionRegistry& registry);
void registerMathFunctions(FunctionRegistry& registry);
void registerStringFunctions(FunctionRegistry& registry);
void registerTimeFunctions(FunctionRegistry& registry);
void registerConditionalFunctions(FunctionRegistry& registry);
void registerJsonFunctions(FunctionRegistry& registry);
void registerHeaderFunctions(FunctionRegistry& registry);
void registerBasicAggregates(FunctionRegistry& registry);
void registerAnalyticFunctions(FunctionRegistry& registry);

/// Error for a call whose argument types match no overload: names the function, the types
/// given and the signatures accepted.
Status noMatchingOverload(const FunctionEntry& entry, std::span<const ArgInfo> args);

}  // namespace ferris::expr
