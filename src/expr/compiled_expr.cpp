#include "expr/compiled_expr.h"

#include <fmt/format.h>

#include "expr/cast.h"
#include "expr/function.h"

namespace ferris::expr {

using types::DataType;
using types::TypeId;
using types::Vector;
using types::VectorPtr;

void selectTrue(const Vector& condition, std::span<const uint32_t> rows, std::vector<uint32_t>& out) {
    out.clear();
    const uint8_t* values = condition.values<uint8_t>();
    if (!condition.mayHaveNulls()) {
        for (uint32_t row : rows) {
            if (values[row]) out.push_back(row);
        }
    } else {
        for (uint32_t row : rows) {
            if (values[row] && !condition.isNull(row)) out.push_back(row);
        }
    }
}

namespace {

VectorPtr newVector(const DataType& type, EvalContext& context) {
    return std::make_shared<Vector>(type, context.numRows());
}

/// Builds a result from several vectors, each supplying some rows (CASE branches,
/// COALESCE arguments). Flat values are copied as they come; nested values (whose children
/// are appended row by row) are copied at the end, in ascending row order.
class RowAssembler {
public:
    RowAssembler(const DataType& type, EvalContext& context)
        : out_(newVector(type, context)), nested_(type.isNested()) {
        if (nested_) from_.assign(context.numRows(), nullptr);
    }

    /// `value` supplies `rows`.
    void take(const VectorPtr& value, std::span<const uint32_t> rows) {
        if (!nested_) {
            types::copyRows(*value, rows, *out_);
            return;
        }
        keep_.push_back(value);
        for (uint32_t row : rows) from_[row] = value.get();
    }

    void setNull(std::span<const uint32_t> rows) {
        if (!nested_) {
            types::setNullRows(rows, *out_);
            return;
        }
        for (uint32_t row : rows) from_[row] = nullptr;
    }

    VectorPtr finish(std::span<const uint32_t> rows) {
        if (nested_) {
            for (uint32_t row : rows) {
                if (from_[row] != nullptr) {
                    out_->copyRow(*from_[row], row, row);
                } else {
                    out_->setNull(row);
                }
            }
        }
        return out_;
    }

private:
    VectorPtr out_;
    bool nested_;
    std::vector<const Vector*> from_;
    std::vector<VectorPtr> keep_;
};

/// A column of the input batch: returned as is, no copy.
class ColumnNode final : public CompiledExpr {
public:
    ColumnNode(DataType type, int slot) : CompiledExpr(std::move(type)), slot_(slot) {}
    VectorPtr eval(EvalContext& context, std::span<const uint32_t>) override {
        const auto& column = context.batch().columns()[static_cast<size_t>(slot_)];
        FERRIS_CHECK(column != nullptr, fmt::format("slot {} was not materialised", slot_));
        return column;
    }

private:
    int slot_;
};

/// A constant, broadcast to the rows asked for.
class LiteralNode final : public CompiledExpr {
public:
    explicit LiteralNode(types::Value value) : CompiledExpr(value.type()), value_(std::move(value)) {}

    VectorPtr eval(EvalContext& context, std::span<const uint32_t> rows) override {
        DataType type = type_.isNull() ? DataType::boolean() : type_;
        auto out = newVector(type, context);
        if (value_.isNull()) {
            types::setNullRows(rows, *out);
            return out;
        }
        switch (type_.id()) {
            case TypeId::kBoolean: fill<uint8_t>(*out, rows, value_.asBool() ? 1 : 0); break;
            case TypeId::kBigint:
            case TypeId::kTimestamp: fill<int64_t>(*out, rows, value_.asInt64()); break;
            case TypeId::kDate: fill<int32_t>(*out, rows, static_cast<int32_t>(value_.asInt64())); break;
            case TypeId::kDouble: fill<double>(*out, rows, value_.asDouble()); break;
            case TypeId::kDecimal:
                if (type_.isDecimal64()) {
                    fill<int64_t>(*out, rows, static_cast<int64_t>(value_.asDecimal()));
                } else {
                    fill<types::int128_t>(*out, rows, value_.asDecimal());
                }
                break;
            case TypeId::kString:
            case TypeId::kBytes: fill<std::string_view>(*out, rows, value_.asString()); break;
            case TypeId::kInterval: fill<types::IntervalValue>(*out, rows, value_.asInterval()); break;
            default: FERRIS_UNREACHABLE("literal of type " + type_.toString());
        }
        return out;
    }

private:
    template <typename T>
    static void fill(Vector& out, std::span<const uint32_t> rows, T value) {
        T* values = out.values<T>();
        for (uint32_t row : rows) values[row] = value;
    }

    types::Value value_;
};

/// Evaluates children, then the kernel; NULL-propagating calls see only non-NULL rows.
class CallNode final : public CompiledExpr {
public:
    CallNode(DataType type, std::vector<CompiledExprPtr> args, KernelPtr kernel, NullHandling nulls)
        : CompiledExpr(std::move(type)), args_(std::move(args)), kernel_(std::move(kernel)), nulls_(nulls) {}

    VectorPtr eval(EvalContext& context, std::span<const uint32_t> rows) override {
        std::vector<VectorPtr> values;
        values.reserve(args_.size());
        std::vector<const Vector*> raw;
        raw.reserve(args_.size());
        bool anyNulls = false;
        for (auto& arg : args_) {
            values.push_back(arg->eval(context, rows));
            raw.push_back(values.back().get());
            anyNulls |= values.back()->mayHaveNulls();
        }
        auto out = newVector(type_, context);
        if (nulls_ == NullHandling::kPropagate && anyNulls) {
            std::vector<uint32_t> live;
            live.reserve(rows.size());
            for (uint32_t row : rows) {
                bool isNull = false;
                for (const Vector* value : raw) isNull |= value->isNull(row);
                if (isNull) {
                    out->setNull(row);
                } else {
                    live.push_back(row);
                }
            }
            if (!live.empty()) kernel_->apply(context, live, raw, *out);
        } else {
            kernel_->apply(context, rows, raw, *out);
        }
        return out;
    }

private:
    std::vector<CompiledExprPtr> args_;
    KernelPtr kernel_;
    NullHandling nulls_;
};

/// Three-valued AND/OR with short-circuit per row: the right side runs only on rows
/// whose result the left side has not decided.
class LogicalNode final : public CompiledExpr {
public:
    LogicalNode(bool isAnd, CompiledExprPtr left, CompiledExprPtr right)
        : CompiledExpr(DataType::boolean()), isAnd_(isAnd), left_(std::move(left)), right_(std::move(right)) {}

    VectorPtr eval(EvalContext& context, std::span<const uint32_t> rows) override {
        VectorPtr left = left_->eval(context, rows);
        const uint8_t* leftValues = left->values<uint8_t>();
        // The left side decides a row when it is FALSE (AND) or TRUE (OR).
        const uint8_t deciding = isAnd_ ? 0 : 1;
        std::vector<uint32_t> undecided;
        undecided.reserve(rows.size());
        auto out = newVector(type_, context);
        uint8_t* outValues = out->values<uint8_t>();
        for (uint32_t row : rows) {
            if (!left->isNull(row) && leftValues[row] == deciding) {
                outValues[row] = deciding;
            } else {
                undecided.push_back(row);
            }
        }
        if (undecided.empty()) return out;
        VectorPtr right = right_->eval(context, undecided);
        const uint8_t* rightValues = right->values<uint8_t>();
        for (uint32_t row : undecided) {
            bool leftNull = left->isNull(row);
            bool rightNull = right->isNull(row);
            if (!rightNull && rightValues[row] == deciding) {
                outValues[row] = deciding;
            } else if (leftNull || rightNull) {
                out->setNull(row);
            } else {
                outValues[row] = static_cast<uint8_t>(1 - deciding);
            }
        }
        return out;
    }

private:
    bool isAnd_;
    CompiledExprPtr left_;
    CompiledExprPtr right_;
};

class NotNode final : public CompiledExpr {
public:
    explicit NotNode(CompiledExprPtr arg) : CompiledExpr(DataType::boolean()), arg_(std::move(arg)) {}
    VectorPtr eval(EvalContext& context, std::span<const uint32_t> rows) override {
        VectorPtr value = arg_->eval(context, rows);
        auto out = newVector(type_, context);
        const uint8_t* in = value->values<uint8_t>();
        uint8_t* result = out->values<uint8_t>();
        for (uint32_t row : rows) result[row] = in[row] ? 0 : 1;
        if (value->mayHaveNulls()) {
            for (uint32_t row : rows) {
                if (value->isNull(row)) out->setNull(row);
            }
        }
        return out;
    }

private:
    CompiledExprPtr arg_;
};

/// Searched CASE: each THEN runs only on the rows its WHEN selected and no earlier WHEN
/// took, so `CASE WHEN b <> 0 THEN a / b END` never divides by zero.
class CaseNode final : public CompiledExpr {
public:
    CaseNode(DataType type, std::vector<CompiledExprPtr> args, bool hasElse)
        : CompiledExpr(std::move(type)), args_(std::move(args)), hasElse_(hasElse) {}

    VectorPtr eval(EvalContext& context, std::span<const uint32_t> rows) override {
        RowAssembler out(type_, context);
        std::vector<uint32_t> remaining(rows.begin(), rows.end());
        std::vector<uint32_t> matched;
        std::vector<uint32_t> rest;
        size_t pairs = (args_.size() - (hasElse_ ? 1 : 0)) / 2;
        for (size_t i = 0; i < pairs && !remaining.empty(); ++i) {
            VectorPtr condition = args_[2 * i]->eval(context, remaining);
            selectTrue(*condition, remaining, matched);
            if (matched.empty()) continue;
            VectorPtr value = args_[2 * i + 1]->eval(context, matched);
            out.take(value, matched);
            rest.clear();
            std::set_difference(remaining.begin(), remaining.end(), matched.begin(), matched.end(),
                                std::back_inserter(rest));
            remaining.swap(rest);
        }
        if (!remaining.empty()) {
            if (hasElse_) {
                VectorPtr value = args_.back()->eval(context, remaining);
                out.take(value, remaining);
            } else {
                out.setNull(remaining);
            }
        }
        return out.finish(rows);
    }

private:
    std::vector<CompiledExprPtr> args_;
    bool hasElse_;
};

/// COALESCE: argument k runs only on the rows where arguments 0..k-1 were all NULL.
class CoalesceNode final : public CompiledExpr {
public:
    CoalesceNode(DataType type, std::vector<CompiledExprPtr> args)
        : CompiledExpr(std::move(type)), args_(std::move(args)) {}

    VectorPtr eval(EvalContext& context, std::span<const uint32_t> rows) override {
        RowAssembler out(type_, context);
        std::vector<uint32_t> remaining(rows.begin(), rows.end());
        std::vector<uint32_t> nulls;
        for (auto& arg : args_) {
            if (remaining.empty()) break;
            VectorPtr value = arg->eval(context, remaining);
            out.take(value, remaining);
            if (!value->mayHaveNulls()) {
                remaining.clear();
                break;
            }
            nulls.clear();
            for (uint32_t row : remaining) {
                if (value->isNull(row)) nulls.push_back(row);
            }
            remaining.swap(nulls);
        }
        out.setNull(remaining);
        return out.finish(rows);
    }

private:
    std::vector<CompiledExprPtr> args_;
};

/// STRUCT field access: the field's child vector, NULL where the struct is NULL.
class FieldNode final : public CompiledExpr {
public:
    FieldNode(DataType type, CompiledExprPtr arg, int field)
        : CompiledExpr(std::move(type)), arg_(std::move(arg)), field_(field) {}

    VectorPtr eval(EvalContext& context, std::span<const uint32_t> rows) override {
        VectorPtr parent = arg_->eval(context, rows);
        const Vector& child = parent->child(static_cast<size_t>(field_));
        auto out = newVector(type_, context);
        for (uint32_t row : rows) {
            if (parent->isNull(row)) {
                out->setNull(row);
            } else {
                out->copyRow(child, row, row);
            }
        }
        return out;
    }

private:
    CompiledExprPtr arg_;
    int field_;
};

/// a[i] (1-based; NULL out of range) and m['k'] (NULL when the key is absent).
class SubscriptNode final : public CompiledExpr {
public:
    SubscriptNode(DataType type, CompiledExprPtr base, CompiledExprPtr index)
        : CompiledExpr(std::move(type)), base_(std::move(base)), index_(std::move(index)) {}

    VectorPtr eval(EvalContext& context, std::span<const uint32_t> rows) override {
        VectorPtr base = base_->eval(context, rows);
        VectorPtr index = index_->eval(context, rows);
        auto out = newVector(type_, context);
        bool isMap = base->type().id() == TypeId::kMap;
        for (uint32_t row : rows) {
            if (base->isNull(row) || index->isNull(row)) {
                out->setNull(row);
                continue;
            }
            int32_t begin = base->offsets()[row];
            int32_t end = base->offsets()[row + 1];
            int64_t found = -1;
            if (isMap) {
                std::string_view key = index->values<std::string_view>()[row];
                const auto* keys = base->child(0).values<std::string_view>();
                for (int32_t i = end - 1; i >= begin; --i) {  // the last duplicate wins
                    if (keys[i] == key) {
                        found = i;
                        break;
                    }
                }
            } else {
                int64_t position = index->values<int64_t>()[row];
                if (position >= 1 && position <= end - begin) found = begin + position - 1;
            }
            if (found < 0) {
                out->setNull(row);
            } else {
                out->copyRow(base->child(isMap ? 1 : 0), static_cast<uint32_t>(found), row);
            }
        }
        return out;
    }

private:
    CompiledExprPtr base_;
    CompiledExprPtr index_;
};

}  // namespace

Result<std::unique_ptr<CompiledExpr>> CompiledExpr::compile(const ExprPtr& expr) {
    std::vector<CompiledExprPtr> args;
    args.reserve(expr->args.size());
    for (const auto& arg : expr->args) {
        FERRIS_ASSIGN_OR_RETURN(auto compiled, compile(arg));
        args.push_back(std::move(compiled));
    }
    switch (expr->kind) {
        case ExprKind::kColumn: return CompiledExprPtr(std::make_unique<ColumnNode>(expr->type, expr->slot));
        case ExprKind::kLiteral: return CompiledExprPtr(std::make_unique<LiteralNode>(expr->literal));
        case ExprKind::kCall: {
            KernelPtr kernel = expr->function->makeKernel();
            return CompiledExprPtr(std::make_unique<CallNode>(expr->type, std::move(args), std::move(kernel),
                                                              expr->function->nulls));
        }
        case ExprKind::kCast: {
            // A cast is a one-argument, NULL-propagating call of the kernel for its type pair.
            FERRIS_ASSIGN_OR_RETURN(KernelPtr kernel, makeCastKernel(expr->args[0]->type, expr->type));
            return CompiledExprPtr(
                std::make_unique<CallNode>(expr->type, std::move(args), std::move(kernel), NullHandling::kPropagate));
        }
        case ExprKind::kAnd:
        case ExprKind::kOr:
            return CompiledExprPtr(std::make_unique<LogicalNode>(expr->kind == ExprKind::kAnd, std::move(args[0]),
                                                                 std::move(args[1])));
        case ExprKind::kNot: return CompiledExprPtr(std::make_unique<NotNode>(std::move(args[0])));
        case ExprKind::kCase:
            return CompiledExprPtr(std::make_unique<CaseNode>(expr->type, std::move(args), expr->hasElse));
        case ExprKind::kCoalesce:
            return CompiledExprPtr(std::make_unique<CoalesceNode>(expr->type, std::move(args)));
        case ExprKind::kField:
            return CompiledExprPtr(std::make_unique<FieldNode>(expr->type, std::move(args[0]), expr->slot));
        case ExprKind::kSubscript:
            return CompiledExprPtr(std::make_unique<SubscriptNode>(expr->type, std::move(args[0]), std::move(args[1])));
    }
    return Status::internal("unknown expression kind");
}

}  // namespace ferris::expr
