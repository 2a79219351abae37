#include "expr/function_registry.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "common/closest_name.h"
#include "expr/aggregates.h"

namespace ferris::expr {

namespace {
std::string upper(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}
}  // namespace

const FunctionRegistry& FunctionRegistry::builtins() {
    static const FunctionRegistry registry = [] {
        FunctionRegistry r;
        registerArithmeticOperators(r);
        registerComparisonOperators(r);
        registerMathFunctions(r);
        registerStringFunctions(r);
        registerTimeFunctions(r);
        registerConditionalFunctions(r);
        registerJsonFunctions(r);
        registerHeaderFunctions(r);
        registerBasicAggregates(r);
        registerStatisticalAggregates(r);
        registerHolisticAggregates(r);
        registerAnalyticFunctions(r);
        return r;
    }();
    return registry;
}

void FunctionRegistry::add(FunctionEntry entry) {
    auto owned = std::make_unique<FunctionEntry>(std::move(entry));
    const FunctionEntry* raw = owned.get();
    FERRIS_CHECK(byName_.emplace(upper(raw->name), raw).second, "function registered twice: " + raw->name);
    for (const auto& alias : raw->aliases) {
        FERRIS_CHECK(byName_.emplace(upper(alias), raw).second, "function alias registered twice: " + alias);
    }
    entries_.push_back(std::move(owned));
}

const FunctionEntry* FunctionRegistry::find(std::string_view name) const {
    auto it = byName_.find(upper(name));
    return it == byName_.end() ? nullptr : it->second;
}

std::vector<const FunctionEntry*> FunctionRegistry::entries() const {
    std::vector<const FunctionEntry*> out;
    for (const auto& entry : entries_) out.push_back(entry.get());
    std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->name < b->name; });
    return out;
}

std::vector<std::string> FunctionRegistry::names() const {
    std::vector<std::string> out;
    for (const auto& [name, entry] : byName_) {
        if (!entry->isOperator) out.push_back(name);
    }
    std::sort(out.begin(), out.end());
    return out;
}

Result<BoundFunction> FunctionRegistry::resolve(std::string_view name, std::span<const ArgInfo> args) const {
    const FunctionEntry* entry = find(name);
    if (entry == nullptr) {
        auto candidates = names();
        return Status::user(ErrorCode::kUnknownFunction,
                            fmt::format("unknown function {}{}", upper(name), didYouMean(upper(name), candidates)));
    }
    return entry->resolve(*entry, args);
}

Status noMatchingOverload(const FunctionEntry& entry, std::span<const ArgInfo> args) {
    std::string given;
    for (size_t i = 0; i < args.size(); ++i) {
        if (i > 0) given += ", ";
        given += args[i].type.toString();
    }
    std::string accepted;
    for (size_t i = 0; i < entry.signatures.size(); ++i) {
        if (i > 0) accepted += "; ";
        accepted += entry.signatures[i];
    }
    return Status::user(ErrorCode::kTypeMismatch,
                        fmt::format("{} cannot take ({}); it accepts {}", entry.name, given, accepted));
}

}  // namespace ferris::expr
