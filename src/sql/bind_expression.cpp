#include "sql/bind_expression.h"

#include <cctype>
#include <strings.h>

#include <fmt/format.h>

#include "common/closest_name.h"
#include "expr/cast.h"
#include "expr/function_registry.h"
#include "expr/type_coercion.h"
#include "types/decimal.h"
#include "types/time.h"

namespace ferris::sql {

using expr::Expr;
using expr::ExprKind;
using expr::ExprPtr;
using types::DataType;
using types::TypeId;
using types::Value;

namespace {

std::string upper(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

bool sameName(const ast::Identifier& id, std::string_view name) {
    if (id.quoted) return id.name == name;
    return id.name.size() == name.size() && strncasecmp(id.name.data(), name.data(), name.size()) == 0;
}

ExprPtr withLocation(ExprPtr expression, SourceLocation location, std::string text) {
    auto copy = std::make_shared<Expr>(*expression);
    copy->location = location;
    if (!text.empty()) copy->text = std::move(text);
    return copy;
}

/// DECIMAL(p,s) of a literal as written: "1.50" is DECIMAL(3,2), "0.05" DECIMAL(2,2).
Result<ExprPtr> decimalLiteral(const std::string& text, SourceLocation location) {
    std::string_view digits = text;
    if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) digits.remove_prefix(1);
    size_t dot = digits.find('.');
    std::string_view integral = digits.substr(0, dot);
    std::string_view fraction = dot == std::string_view::npos ? std::string_view() : digits.substr(dot + 1);
    while (!integral.empty() && integral[0] == '0') integral.remove_prefix(1);
    int scale = static_cast<int>(fraction.size());
    int precision = std::max(1, static_cast<int>(integral.size()) + scale);
    if (precision > types::kMaxDecimalPrecision) {
        return Status::user(ErrorCode::kInvalidValue,
                            fmt::format("decimal literal {} has {} digits, more than the 38 a DECIMAL holds", text,
                                        precision),
                            location);
    }
    types::int128_t unscaled = 0;
    if (types::decimalParse(text, {precision, scale}, unscaled) != types::DecimalStatus::kOk) {
        return Status::user(ErrorCode::kInvalidValue, fmt::format("invalid decimal literal {}", text), location);
    }
    return Expr::constant(Value::decimal(unscaled, precision, scale), text);
}

bool isTemporal(const DataType& type) { return type.id() == TypeId::kTimestamp || type.id() == TypeId::kDate; }

bool isStringLiteral(const ExprPtr& value) {
    return value->isLiteral() && !value->literal.isNull() && value->type.id() == TypeId::kString;
}

/// The types BETWEEN and IN bring to a common type. As in comparisons, a string literal
/// beside a TIMESTAMP or DATE is read as one (`ts BETWEEN '2024-01-01' AND '2024-02-01'`).
std::vector<DataType> typesForCommon(const std::vector<ExprPtr>& values) {
    std::optional<DataType> temporal;
    for (const auto& value : values) {
        if (isTemporal(value->type)) temporal = temporal && *temporal != value->type ? DataType::timestamp() : value->type;
    }
    std::vector<DataType> types;
    for (const auto& value : values) types.push_back(temporal && isStringLiteral(value) ? *temporal : value->type);
    return types;
}

}  // namespace

std::vector<std::string> Scope::visibleNames() const {
    std::vector<std::string> names;
    if (derived) {
        for (const auto& column : *derived) names.push_back(column.name);
    } else if (schema != nullptr) {
        names = schema->names();
    }
    for (int i = 0; i < types::kNumSystemColumns; ++i) {
        names.emplace_back(types::systemColumnName(static_cast<types::SystemColumn>(i)));
    }
    return names;
}

Result<ExprPtr> ExpressionBinder::bindCondition(const ast::Expr& expression, std::string_view what) {
    FERRIS_ASSIGN_OR_RETURN(ExprPtr bound, bind(expression));
    if (bound->type.id() != TypeId::kBoolean && !bound->type.isNull()) {
        return Status::user(ErrorCode::kTypeMismatch,
                            fmt::format("{} must be BOOLEAN, but {} is {}", what, textOf(expression),
                                        bound->type.toString()),
                            expression.location);
    }
    if (bound->type.isNull()) return castTo(bound, DataType::boolean(), expression.location);
    return bound;
}

Result<ExprPtr> ExpressionBinder::castTo(ExprPtr value, const DataType& type, SourceLocation location) {
    if (value->type == type) return value;
    if (value->isLiteral() && value->literal.isNull()) {
        return withLocation(Expr::constant(Value::null(type), "NULL"), location, "NULL");
    }
    if (isStringLiteral(value) && isTemporal(type)) {
        // A string literal read as a TIMESTAMP or DATE is parsed once, here: a malformed
        // one is a validation error, not a bad record on every row.
        std::string_view text = value->literal.asString();  // surrounding spaces ignored, as CAST does
        while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
        while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
        if (type.id() == TypeId::kDate) {
            int32_t days = 0;
            if (types::parseDate(text, days) != types::TimeParseStatus::kOk) {
                return Status::user(ErrorCode::kInvalidValue,
                                    fmt::format("'{}' is not a valid DATE (expected YYYY-MM-DD)", text),
                                    value->location.valid() ? value->location : location);
            }
            return withLocation(Expr::constant(Value::date(days)), value->location, value->text);
        }
        int64_t micros = 0;
        if (types::parseTimestampIso(text, micros) != types::TimeParseStatus::kOk) {
            return Status::user(ErrorCode::kInvalidValue,
                                fmt::format("'{}' is not a valid TIMESTAMP (expected ISO-8601, e.g. "
                                            "'2024-01-31 10:00:00' or '2024-01-31T10:00:00Z')",
                                            text),
                                value->location.valid() ? value->location : location);
        }
        return withLocation(Expr::constant(Value::timestamp(micros)), value->location, value->text);
    }
    Status allowed = expr::checkCast(value->type, type);
    if (!allowed.isOk()) return allowed.withLocation(location);
    auto cast = std::make_shared<Expr>(*Expr::cast(value, type));
    cast->location = location;
    return ExprPtr(cast);
}

Result<ExprPtr> ExpressionBinder::call(std::string_view function, std::vector<ExprPtr> args, SourceLocation location,
                                       std::string text) {
    const auto& registry = expr::FunctionRegistry::builtins();
    std::vector<expr::ArgInfo> infos;
    for (const auto& arg : args) {
        expr::ArgInfo info{arg->type, std::nullopt};
        if (arg->isLiteral()) info.literal = arg->literal;
        infos.push_back(info);
    }
    auto resolved = registry.resolve(function, infos);
    if (!resolved.isOk()) return resolved.status().withLocation(location);
    auto bound = std::make_shared<const expr::BoundFunction>(std::move(resolved).value());
    const expr::FunctionEntry* entry = registry.find(function);
    for (size_t i = 0; i < args.size() && i < bound->argTypes.size(); ++i) {
        FERRIS_ASSIGN_OR_RETURN(args[i], castTo(args[i], bound->argTypes[i], args[i]->location.valid() ? args[i]->location : location));
    }
    ExprPtr result;
    if (entry->specialForm == expr::SpecialForm::kCoalesce) {
        result = Expr::make(ExprKind::kCoalesce, bound->resultType, std::move(args));
    } else if (entry->specialForm == expr::SpecialForm::kIf) {
        auto made = std::make_shared<Expr>(*Expr::make(ExprKind::kCase, bound->resultType, std::move(args)));
        made->hasElse = true;
        result = made;
    } else {
        result = Expr::call(bound, std::move(args));
    }
    return withLocation(result, location, std::move(text));
}

Result<ExprPtr> ExpressionBinder::logical(ExprKind kind, ExprPtr left, ExprPtr right, SourceLocation location) {
    for (ExprPtr* side : {&left, &right}) {
        if ((*side)->type.id() != TypeId::kBoolean) {
            if (!(*side)->type.isNull()) {
                return Status::user(ErrorCode::kTypeMismatch,
                                    fmt::format("{} needs BOOLEAN operands, but {} is {}",
                                                kind == ExprKind::kAnd ? "AND" : "OR", (*side)->text,
                                                (*side)->type.toString()),
                                    (*side)->location.valid() ? (*side)->location : location);
            }
            FERRIS_ASSIGN_OR_RETURN(*side, castTo(*side, DataType::boolean(), location));
        }
    }
    return Expr::make(kind, DataType::boolean(), {std::move(left), std::move(right)});
}

ExprPtr ExpressionBinder::negate(ExprPtr value) { return Expr::make(ExprKind::kNot, DataType::boolean(), {std::move(value)}); }

namespace {

bool isAggregateName(const ast::FunctionCallExpr& call) {
    if (call.over) return false;
    const expr::FunctionEntry* entry = expr::FunctionRegistry::builtins().find(upper(call.name.name));
    return entry != nullptr && entry->kind == expr::FunctionKind::kAggregate;
}

/// Calls `visit` on every direct child expression of `expression` (subqueries excluded).
template <typename F>
void forEachChild(const ast::Expr& expression, F&& visit) {
    auto each = [&](const ast::ExprPtr& child) {
        if (child) visit(*child);
    };
    switch (expression.kind) {
        case ast::ExprKind::kUnary: each(expression.as<ast::UnaryExpr>().operand); break;
        case ast::ExprKind::kBinary:
            each(expression.as<ast::BinaryExpr>().left);
            each(expression.as<ast::BinaryExpr>().right);
            break;
        case ast::ExprKind::kFunctionCall:
            for (const auto& arg : expression.as<ast::FunctionCallExpr>().args) each(arg);
            break;
        case ast::ExprKind::kCast: each(expression.as<ast::CastExpr>().operand); break;
        case ast::ExprKind::kExtract: each(expression.as<ast::ExtractExpr>().operand); break;
        case ast::ExprKind::kCase: {
            const auto& c = expression.as<ast::CaseExpr>();
            each(c.operand);
            for (const auto& arm : c.whens) {
                each(arm.when);
                each(arm.then);
            }
            each(c.elseResult);
            break;
        }
        case ast::ExprKind::kInList:
            each(expression.as<ast::InListExpr>().operand);
            for (const auto& item : expression.as<ast::InListExpr>().list) each(item);
            break;
        case ast::ExprKind::kInSubquery: each(expression.as<ast::InSubqueryExpr>().operand); break;
        case ast::ExprKind::kBetween:
            each(expression.as<ast::BetweenExpr>().operand);
            each(expression.as<ast::BetweenExpr>().low);
            each(expression.as<ast::BetweenExpr>().high);
            break;
        case ast::ExprKind::kLike:
            each(expression.as<ast::LikeExpr>().operand);
            each(expression.as<ast::LikeExpr>().pattern);
            each(expression.as<ast::LikeExpr>().escape);
            break;
        case ast::ExprKind::kIsNull: each(expression.as<ast::IsNullExpr>().operand); break;
        case ast::ExprKind::kIsDistinctFrom:
            each(expression.as<ast::IsDistinctFromExpr>().left);
            each(expression.as<ast::IsDistinctFromExpr>().right);
            break;
        case ast::ExprKind::kIsBoolean: each(expression.as<ast::IsBooleanExpr>().operand); break;
        case ast::ExprKind::kSubscript:
            each(expression.as<ast::SubscriptExpr>().base);
            each(expression.as<ast::SubscriptExpr>().index);
            break;
        case ast::ExprKind::kFieldAccess: each(expression.as<ast::FieldAccessExpr>().base); break;
        default: break;
    }
}

}  // namespace

bool containsAggregateCall(const ast::Expr& expression) {
    if (expression.kind == ast::ExprKind::kFunctionCall && isAggregateName(expression.as<ast::FunctionCallExpr>())) {
        return true;
    }
    bool found = false;
    forEachChild(expression, [&](const ast::Expr& child) { found = found || containsAggregateCall(child); });
    return found;
}

bool containsAnalyticCall(const ast::Expr& expression) {
    if (expression.kind == ast::ExprKind::kFunctionCall && expression.as<ast::FunctionCallExpr>().over) return true;
    bool found = false;
    forEachChild(expression, [&](const ast::Expr& child) { found = found || containsAnalyticCall(child); });
    return found;
}

Status ExpressionBinder::bindOver(const ast::OverClause& over, SourceLocation location) {
    AnalyticScope& analytic = *analytic_;
    std::vector<ExprPtr> keys;
    std::string text = "PARTITION BY (";
    for (const auto& key : over.partitionBy) {
        if (containsAggregateCall(*key) || containsAnalyticCall(*key)) {
            return Status::user(ErrorCode::kInvalidQuery, "PARTITION BY cannot hold an aggregate or analytic function",
                                key->location);
        }
        FERRIS_ASSIGN_OR_RETURN(ExprPtr bound, analytic.source->bind(*key));
        if (bound->type.isNested()) {
            return Status::user(ErrorCode::kTypeMismatch,
                                fmt::format("PARTITION BY {} is a {}: partition by scalar values",
                                            textOf(*key), bound->type.toString()),
                                key->location);
        }
        text += (keys.empty() ? "" : ", ") + bound->toString();
        keys.push_back(bound);
    }
    text += ") ORDER BY ";
    if (over.orderBy.size() != 1) {
        return Status::user(ErrorCode::kInvalidQuery,
                            "OVER in a stream needs ORDER BY the event time (one column, ascending): rows are "
                            "emitted in event-time order as the watermark passes them",
                            over.orderBy.empty() ? location : over.orderBy[1].location);
    }
    const ast::OrderItem& item = over.orderBy[0];
    FERRIS_ASSIGN_OR_RETURN(ExprPtr order, analytic.source->bind(*item.expr));
    if (order->kind != ExprKind::kColumn || order->type.id() != TypeId::kTimestamp || item.descending) {
        return Status::user(ErrorCode::kInvalidQuery,
                            fmt::format("OVER in a stream must be ordered by the event time ascending (_event_time, "
                                        "or the event-time column); found ORDER BY {}{}",
                                        textOf(*item.expr), item.descending ? " DESC" : ""),
                            item.location);
    }
    if (scope_.schema != nullptr &&
        order->slot == static_cast<int>(scope_.schema->systemSlot(types::SystemColumn::kProcessingTime))) {
        return Status::notSupported("OVER ordered by _processing_time", item.location);
    }
    text += order->toString();
    if (!analytic.hasOver) {
        analytic.hasOver = true;
        analytic.overText = text;
        analytic.partitionKeys = std::move(keys);
        analytic.order = order;
        return Status::ok();
    }
    if (text != analytic.overText) {
        return Status::notSupported("analytic functions with different PARTITION BY or ORDER BY in one query", location);
    }
    return Status::ok();
}

Result<plan::AnalyticFrame> ExpressionBinder::bindFrame(const ast::WindowFrame& frame) {
    plan::AnalyticFrame out;
    out.rows = frame.unit == ast::FrameUnit::kRows;
    auto following = [&](const ast::FrameBound& bound) {
        return bound.kind == ast::FrameBoundKind::kFollowing || bound.kind == ast::FrameBoundKind::kUnboundedFollowing;
    };
    if (following(frame.start) || following(frame.end) ||
        (frame.end.kind != ast::FrameBoundKind::kCurrentRow)) {
        return Status::notSupported("a frame that does not end at CURRENT ROW (FOLLOWING rows are still to come in "
                                    "a stream)",
                                    frame.location);
    }
    switch (frame.start.kind) {
        case ast::FrameBoundKind::kUnboundedPreceding:
            out.unbounded = true;
            return out;
        case ast::FrameBoundKind::kCurrentRow:
            out.unbounded = false;
            out.preceding = 0;
            return out;
        default:
            break;
    }
    out.unbounded = false;
    FERRIS_ASSIGN_OR_RETURN(ExprPtr offset, analytic_->source->bind(*frame.start.offset));
    if (!offset->isLiteral() || offset->literal.isNull()) {
        return Status::user(ErrorCode::kInvalidQuery, "a frame offset must be a literal", frame.start.offset->location);
    }
    if (out.rows) {
        if (offset->type.id() != TypeId::kBigint || offset->literal.asInt64() < 0) {
            return Status::user(ErrorCode::kInvalidValue,
                                fmt::format("ROWS {} PRECEDING: the offset must be a non-negative integer",
                                            textOf(*frame.start.offset)),
                                frame.start.offset->location);
        }
        out.preceding = offset->literal.asInt64();
        return out;
    }
    if (offset->type.id() != TypeId::kInterval || offset->literal.asInterval().months != 0 ||
        offset->literal.asInterval().micros < 0) {
        return Status::user(ErrorCode::kInvalidValue,
                            fmt::format("RANGE {} PRECEDING: over a time ORDER BY the offset is a fixed INTERVAL "
                                        "(e.g. INTERVAL '5' MINUTE)",
                                        textOf(*frame.start.offset)),
                            frame.start.offset->location);
    }
    out.preceding = offset->literal.asInterval().micros;
    return out;
}

Result<ExprPtr> ExpressionBinder::bindAnalyticCall(const ast::FunctionCallExpr& call) {
    AnalyticScope& analytic = *analytic_;
    std::string name = upper(call.name.name);
    SourceLocation location = call.name.location.valid() ? call.name.location : call.location;
    FERRIS_RETURN_IF_ERROR(bindOver(*call.over, location));
    const expr::FunctionEntry* entry = expr::FunctionRegistry::builtins().find(name);
    std::vector<ExprPtr> args;
    for (const auto& arg : call.args) {
        if (containsAggregateCall(*arg) || containsAnalyticCall(*arg)) {
            return Status::user(ErrorCode::kInvalidQuery,
                                fmt::format("the arguments of {} cannot hold an aggregate or analytic function",
                                            textOf(call)),
                                arg->location);
        }
        FERRIS_ASSIGN_OR_RETURN(ExprPtr bound, analytic.source->bind(*arg));
        args.push_back(bound);
    }
    plan::AnalyticCall out;
    if (entry->kind == expr::FunctionKind::kAggregate) {
        if (call.star && name != "COUNT") {
            return Status::user(ErrorCode::kInvalidQuery, fmt::format("{}(*) is not an aggregate; only COUNT(*) is", name),
                                location);
        }
        std::vector<expr::ArgInfo> infos;
        for (const auto& arg : args) {
            expr::ArgInfo info{arg->type, std::nullopt};
            if (arg->isLiteral()) info.literal = arg->literal;
            infos.push_back(info);
        }
        auto resolved = entry->resolveAggregate(*entry, infos, call.distinct);
        if (!resolved.isOk()) return resolved.status().withLocation(location);
        for (size_t i = 0; i < args.size() && i < resolved->argTypes.size(); ++i) {
            FERRIS_ASSIGN_OR_RETURN(args[i], analytic.source->castTo(args[i], resolved->argTypes[i], args[i]->location));
        }
        out.kind = plan::AnalyticKind::kAggregate;
        out.resultType = resolved->resultType;
        out.aggregate = std::make_shared<const expr::BoundAggregate>(std::move(resolved).value());
        if (call.over->frame) {
            FERRIS_ASSIGN_OR_RETURN(out.frame, bindFrame(*call.over->frame));
        }
    } else {
        if (call.distinct || call.star) {
            return Status::user(ErrorCode::kInvalidQuery,
                                fmt::format("{}({}) is only for aggregate functions", name, call.star ? "*" : "DISTINCT …"),
                                location);
        }
        if (call.over->frame) {
            return Status::user(ErrorCode::kInvalidQuery, fmt::format("{} takes no frame (ROWS/RANGE)", name),
                                call.over->frame->location);
        }
        if (name == "ROW_NUMBER" || name == "RANK" || name == "DENSE_RANK") {
            if (!args.empty()) {
                return Status::user(ErrorCode::kInvalidQuery, fmt::format("{}() takes no arguments", name), location);
            }
            out.kind = name == "ROW_NUMBER" ? plan::AnalyticKind::kRowNumber
                       : name == "RANK"     ? plan::AnalyticKind::kRank
                                            : plan::AnalyticKind::kDenseRank;
            out.resultType = DataType::bigint();
        } else {  // LAG, LEAD
            if (args.empty() || args.size() > 3) {
                return Status::user(ErrorCode::kInvalidQuery,
                                    fmt::format("{} takes (x [, offset [, default]])", name), location);
            }
            out.kind = name == "LAG" ? plan::AnalyticKind::kLag : plan::AnalyticKind::kLead;
            out.resultType = args[0]->type.isNull() ? DataType::string() : args[0]->type;
            if (args.size() >= 2) {
                if (!args[1]->isLiteral() || args[1]->type.id() != TypeId::kBigint || args[1]->literal.isNull() ||
                    args[1]->literal.asInt64() < 0 || args[1]->literal.asInt64() > 100000) {
                    return Status::user(ErrorCode::kInvalidValue,
                                        fmt::format("{}'s offset must be an integer literal from 0 to 100000", name),
                                        args[1]->location);
                }
                out.offset = args[1]->literal.asInt64();
            }
            if (args.size() == 3) {
                if (!args[2]->isConstant()) {
                    return Status::user(ErrorCode::kInvalidQuery, fmt::format("{}'s default must be a constant", name),
                                        args[2]->location);
                }
                FERRIS_ASSIGN_OR_RETURN(out.defaultValue,
                                        analytic.source->castTo(args[2], out.resultType, args[2]->location));
            }
            args.resize(1);
        }
    }
    out.args = std::move(args);
    std::string text = textOf(call);
    std::string normalised = name + (call.distinct ? "(DISTINCT " : "(") + (call.star ? "*" : "");
    for (size_t i = 0; i < out.args.size(); ++i) normalised += (i ? ", " : "") + out.args[i]->toString();
    if (out.kind == plan::AnalyticKind::kLag || out.kind == plan::AnalyticKind::kLead) {
        normalised += fmt::format(", {}{}", out.offset, out.defaultValue ? ", " + out.defaultValue->toString() : "");
    }
    normalised += ")";
    if (out.kind == plan::AnalyticKind::kAggregate) {
        normalised += out.frame.unbounded ? (out.frame.rows ? " ROWS UNBOUNDED" : " RANGE UNBOUNDED")
                                          : fmt::format(" {} {}", out.frame.rows ? "ROWS" : "RANGE", out.frame.preceding);
    }
    out.text = normalised;
    for (size_t i = 0; i < analytic.calls.size(); ++i) {
        if (analytic.calls[i].text == normalised) {
            return Expr::column(static_cast<int>(analytic.inputSlots + i), out.resultType, text);
        }
    }
    analytic.calls.push_back(out);
    return Expr::column(static_cast<int>(analytic.inputSlots + analytic.calls.size() - 1), out.resultType, text);
}

Result<std::optional<ExprPtr>> ExpressionBinder::bindAboveAggregation(const ast::Expr& expression) {
    AggregationScope& aggregation = *aggregation_;
    if (expression.kind == ast::ExprKind::kFunctionCall && isAggregateName(expression.as<ast::FunctionCallExpr>())) {
        FERRIS_ASSIGN_OR_RETURN(ExprPtr bound, bindAggregateCall(expression.as<ast::FunctionCallExpr>()));
        return std::optional<ExprPtr>(bound);
    }
    if (expression.kind == ast::ExprKind::kColumnRef) {
        const auto& parts = expression.as<ast::ColumnRefExpr>().parts;
        if (parts.size() == 1) {
            auto system = types::parseSystemColumn(parts[0].name);
            if (system == types::SystemColumn::kEventTime && aggregation.windowed) {
                // A window result's event time: its end minus one microsecond (§1.3).
                return std::optional<ExprPtr>(Expr::column(static_cast<int>(aggregation.windowStartSlot() + 2),
                                                           DataType::timestamp(), "_event_time"));
            }
            if (system == types::SystemColumn::kWindowStart || system == types::SystemColumn::kWindowEnd) {
                if (!aggregation.windowed) {
                    return Status::user(ErrorCode::kInvalidQuery,
                                        fmt::format("{} exists only in a windowed query (WINDOW TUMBLING|SLIDING|"
                                                    "SESSION)",
                                                    parts[0].name),
                                        expression.location);
                }
                size_t slot = aggregation.windowStartSlot() + (system == types::SystemColumn::kWindowEnd ? 1 : 0);
                return std::optional<ExprPtr>(
                    Expr::column(static_cast<int>(slot), DataType::timestamp(), std::string(types::systemColumnName(*system))));
            }
        }
    }
    if (containsAggregateCall(expression)) return std::optional<ExprPtr>();  // bound part by part
    // A whole expression equal to a group key reads the key's slot.
    FERRIS_ASSIGN_OR_RETURN(ExprPtr asInput, aggregation.source->bind(expression));
    std::string text = asInput->toString();
    for (size_t i = 0; i < aggregation.keyTexts.size(); ++i) {
        if (aggregation.keyTexts[i] == text) {
            return std::optional<ExprPtr>(Expr::column(static_cast<int>(i), asInput->type, asInput->text));
        }
    }
    if (asInput->isConstant()) return std::optional<ExprPtr>(asInput);
    if (expression.kind == ast::ExprKind::kColumnRef) {
        return Status::user(ErrorCode::kInvalidQuery,
                            fmt::format("column '{}' must be in GROUP BY or inside an aggregate function",
                                        textOf(expression)),
                            expression.location);
    }
    return std::optional<ExprPtr>();  // made of keys and constants: bound part by part
}

Result<ExprPtr> ExpressionBinder::bindAggregateCall(const ast::FunctionCallExpr& call) {
    AggregationScope& aggregation = *aggregation_;
    std::string name = upper(call.name.name);
    SourceLocation location = call.name.location.valid() ? call.name.location : call.location;
    std::vector<ExprPtr> args;
    for (const auto& arg : call.args) {
        if (containsAggregateCall(*arg)) {
            return Status::user(ErrorCode::kInvalidQuery,
                                fmt::format("an aggregate cannot contain another aggregate: {}", textOf(call)),
                                arg->location);
        }
        FERRIS_ASSIGN_OR_RETURN(ExprPtr bound, aggregation.source->bind(*arg));
        args.push_back(bound);
    }
    if (call.star && name != "COUNT") {
        return Status::user(ErrorCode::kInvalidQuery, fmt::format("{}(*) is not an aggregate; only COUNT(*) is", name),
                            location);
    }
    const expr::FunctionEntry* entry = expr::FunctionRegistry::builtins().find(name);
    std::vector<expr::ArgInfo> infos;
    for (const auto& arg : args) {
        expr::ArgInfo info{arg->type, std::nullopt};
        if (arg->isLiteral()) info.literal = arg->literal;
        infos.push_back(info);
    }
    auto resolved = entry->resolveAggregate(*entry, infos, call.distinct);
    if (!resolved.isOk()) return resolved.status().withLocation(location);
    for (size_t i = 0; i < args.size() && i < resolved->argTypes.size(); ++i) {
        FERRIS_ASSIGN_OR_RETURN(args[i], aggregation.source->castTo(args[i], resolved->argTypes[i], args[i]->location));
    }
    std::string text = textOf(call);
    // Identical calls (same text) share one aggregate.
    std::string normalised = name + (call.distinct ? "(DISTINCT " : "(") + (call.star ? "*" : "");
    for (size_t i = 0; i < args.size(); ++i) normalised += (i ? ", " : "") + args[i]->toString();
    normalised += ")";
    for (size_t i = 0; i < aggregation.aggregates.size(); ++i) {
        if (aggregation.aggregates[i].text == normalised) {
            return Expr::column(static_cast<int>(aggregation.aggregateSlot(i)), resolved->resultType, text);
        }
    }
    plan::AggregateCall aggregateCall;
    aggregateCall.function = std::make_shared<const expr::BoundAggregate>(std::move(resolved).value());
    aggregateCall.args = std::move(args);
    aggregateCall.text = normalised;
    aggregation.aggregates.push_back(aggregateCall);
    return Expr::column(static_cast<int>(aggregation.aggregateSlot(aggregation.aggregates.size() - 1)),
                        aggregateCall.function->resultType, text);
}

Result<ExprPtr> ExpressionBinder::bind(const ast::Expr& expression) {
    std::string text = textOf(expression);
    SourceLocation location = expression.location;
    if (aggregation_ != nullptr) {
        FERRIS_ASSIGN_OR_RETURN(std::optional<ExprPtr> above, bindAboveAggregation(expression));
        if (above) return withLocation(*above, location, text);
    }
    auto finish = [&](ExprPtr bound) -> Result<ExprPtr> { return withLocation(std::move(bound), location, text); };
    switch (expression.kind) {
        case ast::ExprKind::kLiteral: {
            FERRIS_ASSIGN_OR_RETURN(ExprPtr bound, bindLiteral(expression.as<ast::LiteralExpr>()));
            return finish(bound);
        }
        case ast::ExprKind::kColumnRef: {
            FERRIS_ASSIGN_OR_RETURN(ExprPtr bound, bindColumn(expression.as<ast::ColumnRefExpr>()));
            return finish(bound);
        }
        case ast::ExprKind::kUnary: {
            const auto& unary = expression.as<ast::UnaryExpr>();
            FERRIS_ASSIGN_OR_RETURN(ExprPtr operand, bind(*unary.operand));
            switch (unary.op) {
                case ast::UnaryOp::kPlus:
                    if (!operand->type.isNumeric() && operand->type.id() != TypeId::kInterval) {
                        return Status::user(ErrorCode::kTypeMismatch,
                                            fmt::format("unary + needs a number, but {} is {}", operand->text,
                                                        operand->type.toString()),
                                            location);
                    }
                    return finish(operand);
                case ast::UnaryOp::kNegate: return call("NEGATE", {operand}, location, text);
                case ast::UnaryOp::kNot: {
                    if (operand->type.id() != TypeId::kBoolean) {
                        if (!operand->type.isNull()) {
                            return Status::user(ErrorCode::kTypeMismatch,
                                                fmt::format("NOT needs a BOOLEAN, but {} is {}", operand->text,
                                                            operand->type.toString()),
                                                location);
                        }
                        FERRIS_ASSIGN_OR_RETURN(operand, castTo(operand, DataType::boolean(), location));
                    }
                    return finish(negate(operand));
                }
            }
            break;
        }
        case ast::ExprKind::kBinary: {
            const auto& binary = expression.as<ast::BinaryExpr>();
            FERRIS_ASSIGN_OR_RETURN(ExprPtr left, bind(*binary.left));
            FERRIS_ASSIGN_OR_RETURN(ExprPtr right, bind(*binary.right));
            SourceLocation at = binary.operatorLocation.valid() ? binary.operatorLocation : location;
            switch (binary.op) {
                case ast::BinaryOp::kAnd: {
                    FERRIS_ASSIGN_OR_RETURN(ExprPtr bound, logical(ExprKind::kAnd, left, right, at));
                    return finish(bound);
                }
                case ast::BinaryOp::kOr: {
                    FERRIS_ASSIGN_OR_RETURN(ExprPtr bound, logical(ExprKind::kOr, left, right, at));
                    return finish(bound);
                }
                case ast::BinaryOp::kNotEq: return call("<>", {left, right}, at, text);
                default: return call(ast::binaryOpSymbol(binary.op), {left, right}, at, text);
            }
        }
        case ast::ExprKind::kFunctionCall: {
            FERRIS_ASSIGN_OR_RETURN(ExprPtr bound, bindFunction(expression.as<ast::FunctionCallExpr>()));
            return finish(bound);
        }
        case ast::ExprKind::kCast: {
            const auto& cast = expression.as<ast::CastExpr>();
            FERRIS_ASSIGN_OR_RETURN(ExprPtr operand, bind(*cast.operand));
            Status allowed = expr::checkCast(operand->type, cast.targetType);
            if (!allowed.isOk()) return allowed.withLocation(cast.typeLocation.valid() ? cast.typeLocation : location);
            if (operand->type == cast.targetType) return finish(operand);
            FERRIS_ASSIGN_OR_RETURN(ExprPtr bound, castTo(operand, cast.targetType, location));
            return finish(bound);
        }
        case ast::ExprKind::kExtract: {
            const auto& extract = expression.as<ast::ExtractExpr>();
            FERRIS_ASSIGN_OR_RETURN(ExprPtr operand, bind(*extract.operand));
            ExprPtr part = Expr::constant(Value::string(upper(extract.part.name)));
            return call("EXTRACT", {part, operand}, extract.part.location.valid() ? extract.part.location : location,
                        text);
        }
        case ast::ExprKind::kCase: {
            FERRIS_ASSIGN_OR_RETURN(ExprPtr bound, bindCase(expression.as<ast::CaseExpr>()));
            return finish(bound);
        }
        case ast::ExprKind::kInList: {
            FERRIS_ASSIGN_OR_RETURN(ExprPtr bound, bindInList(expression.as<ast::InListExpr>()));
            return finish(bound);
        }
        case ast::ExprKind::kInSubquery:
        case ast::ExprKind::kExists:
        case ast::ExprKind::kScalarSubquery:
            return Status::notSupported("subqueries (IN (SELECT …), EXISTS, scalar subqueries come with tables)",
                                        location);
        case ast::ExprKind::kBetween: {
            const auto& between = expression.as<ast::BetweenExpr>();
            FERRIS_ASSIGN_OR_RETURN(ExprPtr operand, bind(*between.operand));
            FERRIS_ASSIGN_OR_RETURN(ExprPtr low, bind(*between.low));
            FERRIS_ASSIGN_OR_RETURN(ExprPtr high, bind(*between.high));
            SourceLocation at = between.operatorLocation.valid() ? between.operatorLocation : location;
            std::vector<DataType> types3 = typesForCommon({operand, low, high});
            auto common = expr::commonType(types3, "BETWEEN");
            if (!common.isOk()) return common.status().withLocation(at);
            FERRIS_ASSIGN_OR_RETURN(operand, toComparable(operand, common.value(), at));
            FERRIS_ASSIGN_OR_RETURN(low, toComparable(low, common.value(), at));
            FERRIS_ASSIGN_OR_RETURN(high, toComparable(high, common.value(), at));
            FERRIS_ASSIGN_OR_RETURN(ExprPtr lower, call(">=", {operand, low}, at, ""));
            FERRIS_ASSIGN_OR_RETURN(ExprPtr upper, call("<=", {operand, high}, at, ""));
            FERRIS_ASSIGN_OR_RETURN(ExprPtr both, logical(ExprKind::kAnd, lower, upper, at));
            return finish(between.negated ? negate(both) : both);
        }
        case ast::ExprKind::kLike: {
            const auto& like = expression.as<ast::LikeExpr>();
            std::vector<ExprPtr> args;
            FERRIS_ASSIGN_OR_RETURN(ExprPtr operand, bind(*like.operand));
            FERRIS_ASSIGN_OR_RETURN(ExprPtr pattern, bind(*like.pattern));
            args = {operand, pattern};
            if (like.escape) {
                FERRIS_ASSIGN_OR_RETURN(ExprPtr escape, bind(*like.escape));
                args.push_back(escape);
            }
            SourceLocation at = like.operatorLocation.valid() ? like.operatorLocation : location;
            FERRIS_ASSIGN_OR_RETURN(ExprPtr matched, call("LIKE", args, at, text));
            return finish(like.negated ? negate(matched) : matched);
        }
        case ast::ExprKind::kIsNull: {
            const auto& isNull = expression.as<ast::IsNullExpr>();
            FERRIS_ASSIGN_OR_RETURN(ExprPtr operand, bind(*isNull.operand));
            return call(isNull.negated ? "IS NOT NULL" : "IS NULL", {operand}, location, text);
        }
        case ast::ExprKind::kIsDistinctFrom: {
            const auto& distinct = expression.as<ast::IsDistinctFromExpr>();
            FERRIS_ASSIGN_OR_RETURN(ExprPtr left, bind(*distinct.left));
            FERRIS_ASSIGN_OR_RETURN(ExprPtr right, bind(*distinct.right));
            SourceLocation at = distinct.operatorLocation.valid() ? distinct.operatorLocation : location;
            return call(distinct.negated ? "IS NOT DISTINCT FROM" : "IS DISTINCT FROM", {left, right}, at, text);
        }
        case ast::ExprKind::kIsBoolean: {
            const auto& isBoolean = expression.as<ast::IsBooleanExpr>();
            FERRIS_ASSIGN_OR_RETURN(ExprPtr operand, bind(*isBoolean.operand));
            if (operand->type.id() != TypeId::kBoolean && !operand->type.isNull()) {
                return Status::user(ErrorCode::kTypeMismatch,
                                    fmt::format("IS {} needs a BOOLEAN, but {} is {}",
                                                isBoolean.value ? "TRUE" : "FALSE", operand->text,
                                                operand->type.toString()),
                                    location);
            }
            // x IS TRUE ≡ x IS NOT DISTINCT FROM TRUE (never NULL).
            return call(isBoolean.negated ? "IS DISTINCT FROM" : "IS NOT DISTINCT FROM",
                        {operand, Expr::constant(Value::boolean(isBoolean.value))}, location, text);
        }
        case ast::ExprKind::kSubscript: {
            const auto& subscript = expression.as<ast::SubscriptExpr>();
            FERRIS_ASSIGN_OR_RETURN(ExprPtr base, bind(*subscript.base));
            FERRIS_ASSIGN_OR_RETURN(ExprPtr index, bind(*subscript.index));
            DataType want;
            if (base->type.id() == TypeId::kArray) {
                want = DataType::bigint();
            } else if (base->type.id() == TypeId::kMap) {
                want = DataType::string();
            } else {
                return Status::user(ErrorCode::kTypeMismatch,
                                    fmt::format("{} is {}; only ARRAY and MAP values take [ ]", base->text,
                                                base->type.toString()),
                                    location);
            }
            if (index->type != want) {
                if (!index->type.isNull()) {
                    return Status::user(ErrorCode::kTypeMismatch,
                                        fmt::format("the subscript of {} must be {}, but {} is {}", base->text,
                                                    want.toString(), index->text, index->type.toString()),
                                        subscript.index->location);
                }
                FERRIS_ASSIGN_OR_RETURN(index, castTo(index, want, location));
            }
            return finish(Expr::make(ExprKind::kSubscript, base->type.elementType(), {base, index}));
        }
        case ast::ExprKind::kFieldAccess: {
            const auto& access = expression.as<ast::FieldAccessExpr>();
            FERRIS_ASSIGN_OR_RETURN(ExprPtr base, bind(*access.base));
            FERRIS_ASSIGN_OR_RETURN(ExprPtr bound, bindFieldAccess(base, access.field, access.field.location));
            return finish(bound);
        }
    }
    return Status::internal("unhandled expression kind");
}

Result<ExprPtr> ExpressionBinder::bindLiteral(const ast::LiteralExpr& literal) {
    switch (literal.literalKind) {
        case ast::LiteralKind::kNull: return Expr::constant(Value::null(), "NULL");
        case ast::LiteralKind::kBoolean: return Expr::constant(Value::boolean(literal.boolValue));
        case ast::LiteralKind::kInteger: return Expr::constant(Value::bigint(literal.intValue), literal.text);
        case ast::LiteralKind::kDecimal: return decimalLiteral(literal.text, literal.location);
        case ast::LiteralKind::kDouble: return Expr::constant(Value::float64(literal.doubleValue), literal.text);
        case ast::LiteralKind::kString: return Expr::constant(Value::string(literal.text));
        case ast::LiteralKind::kInterval: return Expr::constant(Value::interval(literal.interval), literal.text);
        case ast::LiteralKind::kDate: {
            int32_t days = 0;
            if (types::parseDate(literal.text, days) != types::TimeParseStatus::kOk) {
                return Status::user(ErrorCode::kInvalidValue,
                                    fmt::format("invalid DATE literal '{}' (expected YYYY-MM-DD)", literal.text),
                                    literal.location);
            }
            return Expr::constant(Value::date(days));
        }
        case ast::LiteralKind::kTimestamp: {
            int64_t micros = 0;
            if (types::parseTimestampIso(literal.text, micros) != types::TimeParseStatus::kOk) {
                return Status::user(ErrorCode::kInvalidValue,
                                    fmt::format("invalid TIMESTAMP literal '{}' (expected ISO-8601, e.g. "
                                                "'2024-01-31 10:00:00')",
                                                literal.text),
                                    literal.location);
            }
            return Expr::constant(Value::timestamp(micros));
        }
    }
    return Status::internal("unhandled literal kind");
}

Result<ExprPtr> ExpressionBinder::bindFieldAccess(ExprPtr base, const ast::Identifier& field, SourceLocation location) {
    if (base->type.id() != TypeId::kStruct) {
        return Status::user(ErrorCode::kTypeMismatch,
                            fmt::format("{} is {}, not a STRUCT: it has no field '{}'", base->text,
                                        base->type.toString(), field.name),
                            location);
    }
    int index = base->type.fieldIndex(field.name);
    if (index < 0) {
        std::vector<std::string> names;
        for (const auto& candidate : base->type.fields()) names.push_back(candidate.name);
        return Status::user(ErrorCode::kUnknownColumn,
                            fmt::format("{} has no field '{}'{}", base->text, field.name, didYouMean(field.name, names)),
                            location);
    }
    auto access = std::make_shared<Expr>(
        *Expr::make(ExprKind::kField, base->type.fields()[static_cast<size_t>(index)].type, {base}));
    access->slot = index;
    return ExprPtr(access);
}

Result<ExprPtr> ExpressionBinder::bindColumn(const ast::ColumnRefExpr& column) {
    const auto& parts = column.parts;
    size_t first = 0;
    // A leading qualifier (source name or alias) is skipped when more parts follow.
    if (parts.size() > 1) {
        for (const auto& qualifier : scope_.qualifiers) {
            if (sameName(parts[0], qualifier)) {
                first = 1;
                break;
            }
        }
    }
    const ast::Identifier& name = parts[first];
    ExprPtr bound;
    if (scope_.derived) {
        for (const auto& derived : *scope_.derived) {
            if (sameName(name, derived.name)) {
                bound = derived.expr;
                break;
            }
        }
    } else {
        int index = -1;
        for (size_t i = 0; i < scope_.schema->size(); ++i) {
            if (sameName(name, scope_.schema->column(i).name)) index = static_cast<int>(i);
        }
        if (index >= 0) {
            scope_.readColumns.insert(index);
            bound = Expr::column(index, scope_.schema->column(static_cast<size_t>(index)).type, name.name);
        }
    }
    if (!bound) {
        if (auto system = types::parseSystemColumn(name.name)) {
            if (*system == types::SystemColumn::kWindowStart || *system == types::SystemColumn::kWindowEnd) {
                return Status::user(ErrorCode::kInvalidQuery,
                                    fmt::format("{} exists only in a windowed query (WINDOW TUMBLING|SLIDING|SESSION)",
                                                name.name),
                                    name.location);
            }
            if (scope_.derived) {
                return Status::notSupported(
                    fmt::format("system column {} read through a CTE or subquery; select it inside", name.name),
                    name.location);
            }
            scope_.readSystem.insert(*system);
            bound = Expr::column(static_cast<int>(scope_.schema->systemSlot(*system)), types::systemColumnType(*system),
                                 std::string(types::systemColumnName(*system)));
        }
    }
    if (!bound) {
        if (first == 0 && parts.size() > 1) {
            // `x.c` where x is neither a column nor a known qualifier.
            bool isColumn = false;
            if (!scope_.derived) {
                for (size_t i = 0; i < scope_.schema->size(); ++i) isColumn |= sameName(parts[0], scope_.schema->column(i).name);
            }
            if (!isColumn) {
                return Status::user(ErrorCode::kUnknownSource,
                                    fmt::format("unknown source or alias '{}'{}", parts[0].name,
                                                didYouMean(parts[0].name, scope_.qualifiers)),
                                    parts[0].location);
            }
        }
        return Status::user(ErrorCode::kUnknownColumn,
                            fmt::format("unknown column '{}' in {}{}", name.name, scope_.sourceName,
                                        didYouMean(name.name, scope_.visibleNames())),
                            name.location);
    }
    // Remaining parts are STRUCT field accesses: s.f.g
    for (size_t i = first + 1; i < parts.size(); ++i) {
        bound = withLocation(bound, column.location, "");
        FERRIS_ASSIGN_OR_RETURN(bound, bindFieldAccess(bound, parts[i], parts[i].location));
    }
    return bound;
}

Result<ExprPtr> ExpressionBinder::bindFunction(const ast::FunctionCallExpr& function) {
    std::string name = upper(function.name.name);
    SourceLocation location = function.name.location.valid() ? function.name.location : function.location;
    const auto& registry = expr::FunctionRegistry::builtins();
    const expr::FunctionEntry* entry = registry.find(name);
    if (entry == nullptr || entry->isOperator) {
        return Status::user(ErrorCode::kUnknownFunction,
                            fmt::format("unknown function {}{}", name, didYouMean(name, registry.names())), location);
    }
    if (function.over) {
        if (analytic_ != nullptr) return bindAnalyticCall(function);
        return Status::user(ErrorCode::kInvalidQuery,
                            fmt::format("{} … OVER: analytic functions are allowed only in the select list of a query "
                                        "without GROUP BY",
                                        name),
                            location);
    }
    if (entry->kind == expr::FunctionKind::kAnalytic) {
        return Status::user(ErrorCode::kInvalidQuery,
                            fmt::format("{} is an analytic function: it needs OVER (PARTITION BY … ORDER BY …)", name),
                            location);
    }
    if (entry->kind == expr::FunctionKind::kAggregate) {
        return Status::user(ErrorCode::kInvalidQuery,
                            fmt::format("aggregate {} cannot be used here (WHERE, GROUP BY, or inside another "
                                        "aggregate)",
                                        name),
                            location);
    }
    if (function.distinct || function.star) {
        return Status::user(ErrorCode::kInvalidQuery,
                            fmt::format("{}({}) is only for aggregate functions", name,
                                        function.star ? "*" : "DISTINCT …"),
                            location);
    }
    std::vector<ExprPtr> args;
    for (const auto& arg : function.args) {
        FERRIS_ASSIGN_OR_RETURN(ExprPtr bound, bind(*arg));
        args.push_back(bound);
    }
    return call(name, std::move(args), location, textOf(function));
}

Result<ExprPtr> ExpressionBinder::bindCase(const ast::CaseExpr& expression) {
    ExprPtr operand;
    if (expression.operand) {
        FERRIS_ASSIGN_OR_RETURN(operand, bind(*expression.operand));
    }
    std::vector<ExprPtr> conditions;
    std::vector<ExprPtr> results;
    for (const auto& arm : expression.whens) {
        if (operand) {
            FERRIS_ASSIGN_OR_RETURN(ExprPtr value, bind(*arm.when));
            FERRIS_ASSIGN_OR_RETURN(ExprPtr equal, call("=", {operand, value}, arm.when->location, ""));
            conditions.push_back(equal);
        } else {
            FERRIS_ASSIGN_OR_RETURN(ExprPtr condition, bindCondition(*arm.when, "a CASE WHEN condition"));
            conditions.push_back(condition);
        }
        FERRIS_ASSIGN_OR_RETURN(ExprPtr result, bind(*arm.then));
        results.push_back(result);
    }
    ExprPtr elseResult;
    if (expression.elseResult) {
        FERRIS_ASSIGN_OR_RETURN(elseResult, bind(*expression.elseResult));
    }
    std::vector<DataType> resultTypes;
    for (const auto& result : results) resultTypes.push_back(result->type);
    if (elseResult) resultTypes.push_back(elseResult->type);
    auto common = expr::commonType(resultTypes, "CASE");
    if (!common.isOk()) return common.status().withLocation(expression.location);
    DataType type = common.value().isNull() ? DataType::string() : common.value();
    std::vector<ExprPtr> args;
    for (size_t i = 0; i < conditions.size(); ++i) {
        args.push_back(conditions[i]);
        FERRIS_ASSIGN_OR_RETURN(ExprPtr result, castTo(results[i], type, expression.whens[i].then->location));
        args.push_back(result);
    }
    if (elseResult) {
        FERRIS_ASSIGN_OR_RETURN(elseResult, castTo(elseResult, type, expression.elseResult->location));
        args.push_back(elseResult);
    }
    auto result = std::make_shared<Expr>(*Expr::make(ExprKind::kCase, type, std::move(args)));
    result->hasElse = elseResult != nullptr;
    return ExprPtr(result);
}

Result<ExprPtr> ExpressionBinder::toComparable(ExprPtr value, const DataType& common, SourceLocation location) {
    // Numbers are compared exactly as they are (mixed scales included); casting them to a
    // common type first could round a 38-digit value. Other types meet in the common type.
    if (common.isNumeric() && value->type.isNumeric()) return value;
    return castTo(std::move(value), common, location);
}

Result<ExprPtr> ExpressionBinder::bindInList(const ast::InListExpr& expression) {
    SourceLocation at = expression.operatorLocation.valid() ? expression.operatorLocation : expression.location;
    FERRIS_ASSIGN_OR_RETURN(ExprPtr operand, bind(*expression.operand));
    std::vector<ExprPtr> items;
    std::vector<ExprPtr> all = {operand};
    for (const auto& item : expression.list) {
        FERRIS_ASSIGN_OR_RETURN(ExprPtr bound, bind(*item));
        items.push_back(bound);
        all.push_back(bound);
    }
    std::vector<DataType> types = typesForCommon(all);
    auto common = expr::commonType(types, "IN");
    if (!common.isOk()) return common.status().withLocation(at);
    // x IN (a, b) ≡ x = a OR x = b: the standard three-valued result, NULLs included. The
    // ORs form a balanced tree, so long lists stay shallow.
    std::vector<ExprPtr> terms;
    FERRIS_ASSIGN_OR_RETURN(ExprPtr left, toComparable(operand, common.value(), at));
    for (const auto& item : items) {
        FERRIS_ASSIGN_OR_RETURN(ExprPtr right, toComparable(item, common.value(), item->location));
        FERRIS_ASSIGN_OR_RETURN(ExprPtr equal, call("=", {left, right}, at, ""));
        terms.push_back(equal);
    }
    while (terms.size() > 1) {
        std::vector<ExprPtr> next;
        for (size_t i = 0; i + 1 < terms.size(); i += 2) {
            FERRIS_ASSIGN_OR_RETURN(ExprPtr either, logical(ExprKind::kOr, terms[i], terms[i + 1], at));
            next.push_back(either);
        }
        if (terms.size() % 2 == 1) next.push_back(terms.back());
        terms.swap(next);
    }
    return expression.negated ? negate(terms[0]) : terms[0];
}

}  // namespace ferris::sql
