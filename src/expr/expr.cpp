#include "expr/expr.h"

#include <fmt/format.h>

#include "expr/function.h"

namespace ferris::expr {

ExprPtr Expr::column(int slot, types::DataType type, std::string text) {
    auto expr = std::make_shared<Expr>();
    expr->kind = ExprKind::kColumn;
    expr->type = std::move(type);
    expr->slot = slot;
    expr->text = std::move(text);
    return expr;
}

ExprPtr Expr::constant(types::Value value, std::string text) {
    auto expr = std::make_shared<Expr>();
    expr->kind = ExprKind::kLiteral;
    expr->type = value.type();
    expr->literal = std::move(value);
    expr->text = text.empty() ? expr->literal.toSql() : std::move(text);
    return expr;
}

ExprPtr Expr::call(std::shared_ptr<const BoundFunction> function, std::vector<ExprPtr> args, std::string text) {
    auto expr = std::make_shared<Expr>();
    expr->kind = ExprKind::kCall;
    expr->type = function->resultType;
    expr->function = std::move(function);
    expr->args = std::move(args);
    expr->text = std::move(text);
    return expr;
}

ExprPtr Expr::cast(ExprPtr arg, types::DataType type) {
    auto expr = std::make_shared<Expr>();
    expr->kind = ExprKind::kCast;
    expr->type = std::move(type);
    expr->text = arg->text;
    expr->location = arg->location;
    expr->args.push_back(std::move(arg));
    return expr;
}

ExprPtr Expr::make(ExprKind kind, types::DataType type, std::vector<ExprPtr> args) {
    auto expr = std::make_shared<Expr>();
    expr->kind = kind;
    expr->type = std::move(type);
    expr->args = std::move(args);
    return expr;
}

bool Expr::isConstant() const {
    if (kind == ExprKind::kColumn) return false;
    if (kind == ExprKind::kField) return args[0]->isConstant();
    if (kind == ExprKind::kCall && !function->deterministic) return false;
    for (const auto& arg : args) {
        if (!arg->isConstant()) return false;
    }
    return true;
}

std::string Expr::toString() const {
    auto joinArgs = [&](std::string_view separator) {
        std::string out;
        for (size_t i = 0; i < args.size(); ++i) {
            if (i > 0) out += separator;
            out += args[i]->toString();
        }
        return out;
    };
    switch (kind) {
        case ExprKind::kColumn: return text.empty() ? fmt::format("#{}", slot) : text;
        case ExprKind::kLiteral: return literal.toSql();
        case ExprKind::kCall: {
            const std::string& name = function->name;
            bool symbolic = !name.empty() && !std::isalpha(static_cast<unsigned char>(name[0]));
            if (symbolic && args.size() == 2) {
                return fmt::format("({} {} {})", args[0]->toString(), name, args[1]->toString());
            }
            if (name == "IS NULL" || name == "IS NOT NULL") return fmt::format("({} {})", args[0]->toString(), name);
            if (name.starts_with("IS ") && args.size() == 2) {
                return fmt::format("({} {} {})", args[0]->toString(), name, args[1]->toString());
            }
            if (name == "NEGATE") return fmt::format("(-{})", args[0]->toString());
            return fmt::format("{}({})", name, joinArgs(", "));
        }
        case ExprKind::kCast: return fmt::format("CAST({} AS {})", args[0]->toString(), type.toString());
        case ExprKind::kAnd: return fmt::format("({} AND {})", args[0]->toString(), args[1]->toString());
        case ExprKind::kOr: return fmt::format("({} OR {})", args[0]->toString(), args[1]->toString());
        case ExprKind::kNot: return fmt::format("(NOT {})", args[0]->toString());
        case ExprKind::kCase: {
            std::string out = "CASE";
            size_t pairs = (args.size() - (hasElse ? 1 : 0)) / 2;
            for (size_t i = 0; i < pairs; ++i) {
                out += fmt::format(" WHEN {} THEN {}", args[2 * i]->toString(), args[2 * i + 1]->toString());
            }
            if (hasElse) out += fmt::format(" ELSE {}", args.back()->toString());
            return out + " END";
        }
        case ExprKind::kCoalesce: return fmt::format("COALESCE({})", joinArgs(", "));
        case ExprKind::kField:
            return fmt::format("{}.{}", args[0]->toString(), args[0]->type.fields()[static_cast<size_t>(slot)].name);
        case ExprKind::kSubscript: return fmt::format("{}[{}]", args[0]->toString(), args[1]->toString());
    }
    return "?";
}

}  // namespace ferris::expr
