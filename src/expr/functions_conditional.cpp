// Conditional functions: COALESCE, IF/IIF (special forms: later arguments run only where
// needed) and NULLIF.

#include <fmt/format.h>

#include "expr/cast.h"
#include "expr/function_registry.h"
#include "expr/kernel_util.h"
#include "expr/type_coercion.h"

namespace ferris::expr {

using types::DataType;
using types::TypeId;
using types::Vector;

namespace {

Result<BoundFunction> resolveCoalesce(const FunctionEntry& self, std::span<const ArgInfo> args) {
    if (args.empty()) return noMatchingOverload(self, args);
    std::vector<DataType> types;
    for (const auto& arg : args) types.push_back(arg.type);
    FERRIS_ASSIGN_OR_RETURN(DataType common, commonType(types, "COALESCE"));
    BoundFunction bound;
    bound.name = self.name;
    bound.argTypes.assign(args.size(), common);
    bound.resultType = common;
    bound.nulls = NullHandling::kCustom;
    return bound;
}

Result<BoundFunction> resolveIf(const FunctionEntry& self, std::span<const ArgInfo> args) {
    if (args.size() != 3 || (args[0].type.id() != TypeId::kBoolean && !args[0].type.isNull())) {
        return noMatchingOverload(self, args);
    }
    DataType pair[] = {args[1].type, args[2].type};
    FERRIS_ASSIGN_OR_RETURN(DataType common, commonType(pair, self.name));
    BoundFunction bound;
    bound.name = self.name;
    bound.argTypes = {DataType::boolean(), common, common};
    bound.resultType = common;
    bound.nulls = NullHandling::kCustom;
    return bound;
}

Result<BoundFunction> resolveNullIf(const FunctionEntry& self, std::span<const ArgInfo> args) {
    if (args.size() != 2) return noMatchingOverload(self, args);
    DataType pair[] = {args[0].type, args[1].type};
    FERRIS_ASSIGN_OR_RETURN(DataType common, commonType(pair, "NULLIF"));
    // Numbers are compared exactly as given (a common type could round them); the result is
    // the first argument in the common type.
    bool numeric = args[0].type.isNumeric() && args[1].type.isNumeric();
    DataType left = numeric ? args[0].type : common;
    DataType right = numeric ? args[1].type : common;
    const FunctionEntry* equals = FunctionRegistry::builtins().find("=");
    ArgInfo compareArgs[] = {{left, std::nullopt}, {right, std::nullopt}};
    FERRIS_ASSIGN_OR_RETURN(BoundFunction equal, equals->resolve(*equals, compareArgs));
    left = equal.argTypes[0];
    right = equal.argTypes[1];
    FERRIS_RETURN_IF_ERROR(checkCast(left, common));
    BoundFunction bound;
    bound.name = self.name;
    bound.argTypes = {left, right};
    bound.resultType = common;
    bound.nulls = NullHandling::kCustom;
    auto makeEqual = equal.makeKernel;
    bound.makeKernel = [makeEqual, left, common]() -> KernelPtr {
        std::shared_ptr<Kernel> equalKernel = makeEqual();
        std::shared_ptr<Kernel> toResult;
        if (left != common) {
            auto cast = makeCastKernel(left, common);
            FERRIS_CHECK(cast.isOk(), "NULLIF cast checked at resolve: " + cast.status().toString());
            toResult = std::move(cast).value();
        }
        return makeKernel([equalKernel, toResult, common](EvalContext& context, std::span<const uint32_t> rows,
                                                          std::span<const Vector* const> args, Vector& out) {
            // NULLIF(a, b): NULL when a = b (both non-NULL), else a. Only rows where both
            // are non-NULL are compared (NULL slots hold no value).
            std::vector<uint32_t> both;
            both.reserve(rows.size());
            for (uint32_t row : rows) {
                if (!args[0]->isNull(row) && !args[1]->isNull(row)) both.push_back(row);
            }
            Vector equal(DataType::boolean(), context.numRows());
            if (!both.empty()) equalKernel->apply(context, both, args, equal);
            if (toResult) {
                std::vector<uint32_t> present;
                for (uint32_t row : rows) {
                    if (args[0]->isNull(row)) {
                        out.setNull(row);
                    } else {
                        present.push_back(row);
                    }
                }
                const Vector* first[] = {args[0]};
                if (!present.empty()) toResult->apply(context, present, first, out);
            } else {
                types::copyRows(*args[0], rows, out);
            }
            const uint8_t* same = equal.values<uint8_t>();
            for (uint32_t row : both) {
                if (same[row]) out.setNull(row);
            }
        });
    };
    return bound;
}

}  // namespace

void registerConditionalFunctions(FunctionRegistry& registry) {
    FunctionEntry coalesce;
    coalesce.name = "COALESCE";
    coalesce.category = "conditional";
    coalesce.signatures = {"COALESCE(T, T, ...) -> T"};
    coalesce.description = "the first non-NULL argument; later arguments are evaluated only where needed";
    coalesce.specialForm = SpecialForm::kCoalesce;
    coalesce.resolve = resolveCoalesce;
    registry.add(std::move(coalesce));

    FunctionEntry ifEntry;
    ifEntry.name = "IF";
    ifEntry.aliases = {"IIF"};
    ifEntry.category = "conditional";
    ifEntry.signatures = {"IF(BOOLEAN, T, T) -> T"};
    ifEntry.description = "the second argument where the condition is TRUE, else the third";
    ifEntry.specialForm = SpecialForm::kIf;
    ifEntry.resolve = resolveIf;
    registry.add(std::move(ifEntry));

    FunctionEntry nullIf;
    nullIf.name = "NULLIF";
    nullIf.category = "conditional";
    nullIf.signatures = {"NULLIF(T, T) -> T"};
    nullIf.description = "NULL when both arguments are equal, else the first";
    nullIf.resolve = resolveNullIf;
    registry.add(std::move(nullIf));
}

}  // namespace ferris::expr
