#include "operators/filter.h"

namespace ferris::operators {

Status FilterOperator::process(types::Batch& batch, const OperatorContext& context) {
    if (batch.numSelected() == 0) return Status::ok();
    expr::EvalContext eval(batch, context.nowMicros);
    std::vector<uint32_t> rows(batch.selection().begin(), batch.selection().end());
    types::VectorPtr result = predicate_->eval(eval, rows);
    expr::selectTrue(*result, rows, kept_);
    batch.mutableSelection().swap(kept_);
    batch.removeErroredRows();
    return Status::ok();
}

Status ProjectOperator::process(types::Batch& batch, const OperatorContext& context) {
    expr::EvalContext eval(batch, context.nowMicros);
    std::vector<uint32_t> rows(batch.selection().begin(), batch.selection().end());
    std::vector<types::VectorPtr> outputs;
    outputs.reserve(exprs_.size());
    for (auto& expression : exprs_) {
        if (rows.empty()) {
            outputs.push_back(std::make_shared<types::Vector>(expression->type(), batch.numRows()));
        } else {
            outputs.push_back(expression->eval(eval, rows));
        }
    }
    batch.columns() = std::move(outputs);
    batch.removeErroredRows();
    return Status::ok();
}

Status LimitOperator::process(types::Batch& batch, const OperatorContext&) {
    auto& selection = batch.mutableSelection();
    if (static_cast<int64_t>(selection.size()) > remaining_) {
        selection.resize(static_cast<size_t>(std::max<int64_t>(remaining_, 0)));
    }
    remaining_ -= static_cast<int64_t>(selection.size());
    return Status::ok();
}

}  // namespace ferris::operators
