#include "expr_eval.h"

#include "expr/cast.h"
#include "expr/compiled_expr.h"
#include "expr/function_registry.h"
#include "types/batch.h"
#include "types/value_vector.h"

namespace ferris::testing {

using types::Batch;
using types::DataType;
using types::Value;
using types::Vector;

Result<CallResult> evalFunction(const std::string& function, const std::vector<DataType>& argTypes,
                                const std::vector<std::vector<Value>>& rows, const std::vector<bool>& literalArgs) {
    const auto& registry = expr::FunctionRegistry::builtins();
    std::vector<expr::ArgInfo> infos;
    for (size_t i = 0; i < argTypes.size(); ++i) {
        expr::ArgInfo info{argTypes[i], std::nullopt};
        if (i < literalArgs.size() && literalArgs[i] && !rows.empty()) info.literal = rows[0][i];
        infos.push_back(info);
    }
    FERRIS_ASSIGN_OR_RETURN(expr::BoundFunction bound, registry.resolve(function, infos));
    const expr::FunctionEntry* entry = registry.find(function);

    Batch batch;
    batch.setNumRows(static_cast<uint32_t>(rows.size()));
    std::vector<expr::ExprPtr> args;
    for (size_t i = 0; i < argTypes.size(); ++i) {
        auto column = std::make_shared<Vector>(argTypes[i].isNull() ? DataType::boolean() : argTypes[i],
                                               static_cast<uint32_t>(rows.size()));
        for (size_t r = 0; r < rows.size(); ++r) {
            types::writeValue(*column, static_cast<uint32_t>(r), rows[r][i], batch.arena());
        }
        batch.columns().push_back(column);
        expr::ExprPtr arg = expr::Expr::column(static_cast<int>(i), argTypes[i]);
        if (bound.argTypes.size() > i && bound.argTypes[i] != argTypes[i]) arg = expr::Expr::cast(arg, bound.argTypes[i]);
        args.push_back(arg);
    }
    expr::ExprPtr call;
    auto shared = std::make_shared<const expr::BoundFunction>(bound);
    if (entry->specialForm == expr::SpecialForm::kCoalesce) {
        call = expr::Expr::make(expr::ExprKind::kCoalesce, bound.resultType, args);
    } else if (entry->specialForm == expr::SpecialForm::kIf) {
        auto made = std::make_shared<expr::Expr>(*expr::Expr::make(expr::ExprKind::kCase, bound.resultType, args));
        made->hasElse = true;
        call = made;
    } else {
        call = expr::Expr::call(shared, args, function);
    }
    FERRIS_ASSIGN_OR_RETURN(auto compiled, expr::CompiledExpr::compile(call));
    expr::EvalContext context(batch, /*nowMicros=*/1'700'000'000'000'000);
    std::vector<uint32_t> selection(batch.selection().begin(), batch.selection().end());
    types::VectorPtr out = compiled->eval(context, selection);

    CallResult result;
    result.resultType = bound.resultType;
    result.rows.resize(rows.size());
    for (size_t r = 0; r < rows.size(); ++r) {
        result.rows[r].value = out->type().isNested() ? Value() : types::readValue(*out, static_cast<uint32_t>(r));
    }
    for (const auto& error : batch.errors()) {
        auto& row = result.rows[error.row];
        if (row.isError) continue;
        row.isError = true;
        row.errorCode = error.code;
        row.errorMessage = error.message;
    }
    return result;
}

Result<Value> evalOne(const std::string& function, const std::vector<Value>& args) {
    std::vector<DataType> types;
    std::vector<bool> literal;
    for (const auto& arg : args) {
        types.push_back(arg.type());
        literal.push_back(true);
    }
    FERRIS_ASSIGN_OR_RETURN(CallResult result, evalFunction(function, types, {args}, literal));
    const RowResult& row = result.rows[0];
    if (row.isError) return Status::user(row.errorCode, row.errorMessage);
    return row.value;
}

}  // namespace ferris::testing
