#pragma once

#include <memory>
#include <span>
#include <vector>

#include "common/result.h"
#include "expr/expr.h"
#include "expr/kernel.h"

namespace ferris::expr {

/// A bound expression compiled into a tree of batch kernels (§2.1 "Expressions are
/// compiled"). Compiled once per job; evaluated once per batch, on the selected rows.
class CompiledExpr {
public:
    virtual ~CompiledExpr() = default;

    static Result<std::unique_ptr<CompiledExpr>> compile(const ExprPtr& expr);

    /// Computes the expression on `rows` of the context's batch. The returned vector has
    /// the batch's row count; only `rows` hold values. Errors go to the batch's error list.
    virtual types::VectorPtr eval(EvalContext& context, std::span<const uint32_t> rows) = 0;

    const types::DataType& type() const { return type_; }

protected:
    explicit CompiledExpr(types::DataType type) : type_(std::move(type)) {}
    types::DataType type_;
};

using CompiledExprPtr = std::unique_ptr<CompiledExpr>;

/// Rows of `rows` where `condition` (a BOOLEAN vector) is TRUE (not FALSE, not NULL).
void selectTrue(const types::Vector& condition, std::span<const uint32_t> rows,
                std::vector<uint32_t>& out);

}  // namespace ferris::expr
