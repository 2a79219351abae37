#pragma once

#include "expr/compiled_expr.h"
#include "operators/operator.h"

namespace ferris::operators {

/// WHERE: keeps the selected rows whose predicate is TRUE (FALSE and NULL are dropped).
class FilterOperator final : public Operator {
public:
    explicit FilterOperator(expr::CompiledExprPtr predicate) : predicate_(std::move(predicate)) {}
    Status process(types::Batch& batch, const OperatorContext& context) override;
    std::string name() const override { return "filter"; }

private:
    expr::CompiledExprPtr predicate_;
    std::vector<uint32_t> kept_;
};

/// SELECT list: evaluates the output expressions on the selected rows; their vectors
/// become the batch's columns 0..n-1 (a bare column reference passes its vector through).
class ProjectOperator final : public Operator {
public:
    explicit ProjectOperator(std::vector<expr::CompiledExprPtr> exprs) : exprs_(std::move(exprs)) {}
    Status process(types::Batch& batch, const OperatorContext& context) override;
    std::string name() const override { return "project"; }

private:
    std::vector<expr::CompiledExprPtr> exprs_;
};

/// LIMIT n: passes the first n rows, then reports finished so the job ends.
class LimitOperator final : public Operator {
public:
    explicit LimitOperator(int64_t limit) : remaining_(limit) {}
    Status process(types::Batch& batch, const OperatorContext& context) override;
    bool finished() const override { return remaining_ <= 0; }
    int64_t inputBudget() const override { return remaining_; }
    std::string name() const override { return "limit"; }

private:
    int64_t remaining_;
};

}  // namespace ferris::operators
