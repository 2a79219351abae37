#include "sql/ast.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "sql/keywords.h"

namespace ferris::sql::ast {

std::string_view exprKindName(ExprKind kind) {
    switch (kind) {
        case ExprKind::kLiteral: return "LITERAL";
        case ExprKind::kColumnRef: return "COLUMN_REF";
        case ExprKind::kUnary: return "UNARY";
        case ExprKind::kBinary: return "BINARY";
        case ExprKind::kFunctionCall: return "FUNCTION_CALL";
        case ExprKind::kCast: return "CAST";
        case ExprKind::kExtract: return "EXTRACT";
        case ExprKind::kCase: return "CASE";
        case ExprKind::kInList: return "IN_LIST";
        case ExprKind::kInSubquery: return "IN_SUBQUERY";
        case ExprKind::kExists: return "EXISTS";
        case ExprKind::kScalarSubquery: return "SCALAR_SUBQUERY";
        case ExprKind::kBetween: return "BETWEEN";
        case ExprKind::kLike: return "LIKE";
        case ExprKind::kIsNull: return "IS_NULL";
        case ExprKind::kIsDistinctFrom: return "IS_DISTINCT_FROM";
        case ExprKind::kIsBoolean: return "IS_BOOLEAN";
        case ExprKind::kSubscript: return "SUBSCRIPT";
        case ExprKind::kFieldAccess: return "FIELD_ACCESS";
    }
    return "?";
}

std::string_view statementKindName(StatementKind kind) {
    switch (kind) {
        case StatementKind::kDeclare: return "DECLARE";
        case StatementKind::kCreateAs: return "CREATE AS";
        case StatementKind::kInsert: return "INSERT";
        case StatementKind::kSelect: return "SELECT";
        case StatementKind::kShow: return "SHOW";
        case StatementKind::kDescribe: return "DESCRIBE";
    }
    return "?";
}

std::string_view binaryOpSymbol(BinaryOp op) {
    switch (op) {
        case BinaryOp::kOr: return "OR";
        case BinaryOp::kAnd: return "AND";
        case BinaryOp::kEq: return "=";
        case BinaryOp::kNotEq: return "<>";
        case BinaryOp::kLt: return "<";
        case BinaryOp::kLe: return "<=";
        case BinaryOp::kGt: return ">";
        case BinaryOp::kGe: return ">=";
        case BinaryOp::kConcat: return "||";
        case BinaryOp::kAdd: return "+";
        case BinaryOp::kSub: return "-";
        case BinaryOp::kMul: return "*";
        case BinaryOp::kDiv: return "/";
        case BinaryOp::kMod: return "%";
    }
    return "?";
}

namespace {

/// Non-reserved words that the parser reads specially in some places (CURRENT_TIMESTAMP is a
/// call, TRIM(BOTH …) a trim side): names spelled like them are quoted so that the
/// unparsed SQL reads back the same.
bool isContextualKeyword(std::string_view name) {
    return name == "current_timestamp" || name == "current_date" || name == "both" ||
           name == "leading" || name == "trailing";
}

std::string backquote(std::string_view name) {
    std::string out = "`";
    for (char c : name) {
        if (c == '`') out += '`';
        out += c;
    }
    return out + "`";
}

}  // namespace

std::string quoteIdentifier(std::string_view name) {
    bool plain = !name.empty() && !(name[0] >= '0' && name[0] <= '9') && !isReservedWord(name) &&
                 !isContextualKeyword(name);
    for (char c : name) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) plain = false;
    }
    return plain ? std::string(name) : backquote(name);
}

std::string quoteString(std::string_view value) {
    std::string out = "'";
    for (char c : value) {
        if (c == '\'') out += '\'';
        out += c;
    }
    return out + "'";
}

namespace {

std::string upper(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    return out;
}

/// Function names and EXTRACT parts print in upper case unless they were quoted (then they
/// stay quoted: `extract`(x) is a user function, not EXTRACT).
std::string keywordLike(const Identifier& name) {
    return name.quoted ? backquote(name.name) : upper(name.name);
}

/// SQL of a type, with STRUCT field names quoted where needed.
std::string typeToSql(const types::DataType& type) {
    switch (type.id()) {
        case types::TypeId::kArray: return "ARRAY<" + typeToSql(type.elementType()) + ">";
        case types::TypeId::kMap: return "MAP<STRING, " + typeToSql(type.elementType()) + ">";
        case types::TypeId::kStruct: {
            std::vector<std::string> fields;
            for (const auto& field : type.fields()) {
                fields.push_back(quoteIdentifier(field.name) + " " + typeToSql(field.type));
            }
            return fmt::format("STRUCT<{}>", fmt::join(fields, ", "));
        }
        default: return type.toString();
    }
}

std::string names(const std::vector<Identifier>& parts) {
    std::string out;
    for (size_t i = 0; i < parts.size(); ++i) {
        if (i > 0) out += '.';
        out += quoteIdentifier(parts[i].name);
    }
    return out;
}

/// Operator expressions (and negative literals) are parenthesised as operands.
bool needsParentheses(const Expr& expr) {
    switch (expr.kind) {
        case ExprKind::kUnary:
        case ExprKind::kBinary:
        case ExprKind::kInList:
        case ExprKind::kInSubquery:
        case ExprKind::kBetween:
        case ExprKind::kLike:
        case ExprKind::kIsNull:
        case ExprKind::kIsDistinctFrom:
        case ExprKind::kIsBoolean: return true;
        case ExprKind::kLiteral: {
            const auto& literal = expr.as<LiteralExpr>();
            return !literal.text.empty() && literal.text[0] == '-' &&
                   literal.literalKind != LiteralKind::kString &&
                   literal.literalKind != LiteralKind::kDate &&
                   literal.literalKind != LiteralKind::kTimestamp;
        }
        default: return false;
    }
}

std::string operand(const Expr& expr) {
    std::string sql = toSql(expr);
    return needsParentheses(expr) ? "(" + sql + ")" : sql;
}

std::string joinExprs(const std::vector<ExprPtr>& exprs) {
    std::string out;
    for (size_t i = 0; i < exprs.size(); ++i) {
        if (i > 0) out += ", ";
        out += toSql(*exprs[i]);
    }
    return out;
}

std::string orderItems(const std::vector<OrderItem>& items) {
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) {
        if (i > 0) out += ", ";
        out += toSql(*items[i].expr);
        if (items[i].descending) out += " DESC";
        if (items[i].nulls == NullsOrder::kFirst) out += " NULLS FIRST";
        if (items[i].nulls == NullsOrder::kLast) out += " NULLS LAST";
    }
    return out;
}

std::string frameBound(const FrameBound& bound) {
    switch (bound.kind) {
        case FrameBoundKind::kUnboundedPreceding: return "UNBOUNDED PRECEDING";
        case FrameBoundKind::kPreceding: return toSql(*bound.offset) + " PRECEDING";
        case FrameBoundKind::kCurrentRow: return "CURRENT ROW";
        case FrameBoundKind::kFollowing: return toSql(*bound.offset) + " FOLLOWING";
        case FrameBoundKind::kUnboundedFollowing: return "UNBOUNDED FOLLOWING";
    }
    return "?";
}

std::string overClause(const OverClause& over) {
    std::vector<std::string> parts;
    if (!over.partitionBy.empty()) parts.push_back("PARTITION BY " + joinExprs(over.partitionBy));
    if (!over.orderBy.empty()) parts.push_back("ORDER BY " + orderItems(over.orderBy));
    if (over.frame) {
        std::string frame = over.frame->unit == FrameUnit::kRows ? "ROWS " : "RANGE ";
        if (over.frame->between) {
            frame +=
                "BETWEEN " + frameBound(over.frame->start) + " AND " + frameBound(over.frame->end);
        } else {
            frame += frameBound(over.frame->start);
        }
        parts.push_back(std::move(frame));
    }
    return fmt::format("OVER ({})", fmt::join(parts, " "));
}

std::string literal(const LiteralExpr& literal) {
    switch (literal.literalKind) {
        case LiteralKind::kNull: return "NULL";
        case LiteralKind::kBoolean: return literal.boolValue ? "TRUE" : "FALSE";
        case LiteralKind::kInteger:
        case LiteralKind::kDecimal:
        case LiteralKind::kDouble:
        case LiteralKind::kInterval: return literal.text;
        case LiteralKind::kString: return quoteString(literal.text);
        case LiteralKind::kDate: return "DATE " + quoteString(literal.text);
        case LiteralKind::kTimestamp: return "TIMESTAMP " + quoteString(literal.text);
    }
    return "?";
}

std::string properties(const std::vector<Property>& list) {
    if (list.empty()) return "";
    std::vector<std::string> parts;
    for (const auto& property : list) {
        std::string value =
            property.valueKind == PropertyValueKind::kString    ? quoteString(property.value)
            : property.valueKind == PropertyValueKind::kBoolean ? upper(property.value)
                                                                : property.value;
        parts.push_back(quoteString(property.key) + " = " + value);
    }
    return fmt::format(" WITH ({})", fmt::join(parts, ", "));
}

std::string duration(const Duration& duration) {
    return duration.text;
}

std::string windowSpec(const WindowSpec& window) {
    std::vector<std::string> args;
    if (window.timeColumn) args.push_back(toSql(*window.timeColumn));
    std::string_view name;
    switch (window.windowKind) {
        case WindowKind::kTumbling:
            name = "TUMBLING";
            args.push_back(duration(*window.size));
            break;
        case WindowKind::kSliding:
            name = window.spelledHopping ? "HOPPING" : "SLIDING";
            args.push_back(duration(*window.size));
            args.push_back(duration(*window.advance));
            break;
        case WindowKind::kSession:
            name = "SESSION";
            args.push_back(duration(*window.gap));
            break;
    }
    return fmt::format("WINDOW {}({})", name, fmt::join(args, ", "));
}

std::string objectWord(ObjectKind kind) {
    return kind == ObjectKind::kStream ? "STREAM" : "TABLE";
}

}  // namespace

std::string toSql(const Expr& expr) {
    switch (expr.kind) {
        case ExprKind::kLiteral: return literal(expr.as<LiteralExpr>());
        case ExprKind::kColumnRef: return names(expr.as<ColumnRefExpr>().parts);
        case ExprKind::kUnary: {
            const auto& node = expr.as<UnaryExpr>();
            std::string_view op = node.op == UnaryOp::kNot      ? "NOT "
                                  : node.op == UnaryOp::kNegate ? "-"
                                                                : "+";
            // -(5) stays "-(5)": "-5" would read back as the literal -5.
            if (node.op != UnaryOp::kNot && node.operand->kind == ExprKind::kLiteral) {
                return fmt::format("{}({})", op, toSql(*node.operand));
            }
            return std::string(op) + operand(*node.operand);
        }
        case ExprKind::kBinary: {
            const auto& node = expr.as<BinaryExpr>();
            return fmt::format("{} {} {}", operand(*node.left), binaryOpSymbol(node.op),
                               operand(*node.right));
        }
        case ExprKind::kFunctionCall: {
            const auto& node = expr.as<FunctionCallExpr>();
            std::string out = keywordLike(node.name);
            if (node.noParentheses) return out;
            if (node.star) {
                out += "(*)";
            } else if (!node.name.quoted &&
                       (node.name.name == "position" || node.name.name == "substring" ||
                        node.name.name == "trim")) {
                // Parenthesised operands, so that POSITION(x IN (…)) cannot be misread.
                std::vector<std::string> args;
                for (const auto& arg : node.args) args.push_back(operand(*arg));
                out +=
                    fmt::format("({}{})", node.distinct ? "DISTINCT " : "", fmt::join(args, ", "));
            } else {
                out +=
                    fmt::format("({}{})", node.distinct ? "DISTINCT " : "", joinExprs(node.args));
            }
            if (node.over) out += " " + overClause(*node.over);
            return out;
        }
        case ExprKind::kCast: {
            const auto& node = expr.as<CastExpr>();
            return fmt::format("CAST({} AS {})", toSql(*node.operand), typeToSql(node.targetType));
        }
        case ExprKind::kExtract: {
            const auto& node = expr.as<ExtractExpr>();
            return fmt::format("EXTRACT({} FROM {})", keywordLike(node.part), toSql(*node.operand));
        }
        case ExprKind::kCase: {
            const auto& node = expr.as<CaseExpr>();
            std::string out = "CASE";
            if (node.operand) out += " " + toSql(*node.operand);
            for (const auto& arm : node.whens) {
                out += fmt::format(" WHEN {} THEN {}", toSql(*arm.when), toSql(*arm.then));
            }
            if (node.elseResult) out += " ELSE " + toSql(*node.elseResult);
            return out + " END";
        }
        case ExprKind::kInList: {
            const auto& node = expr.as<InListExpr>();
            return fmt::format("{} {}IN ({})", operand(*node.operand), node.negated ? "NOT " : "",
                               joinExprs(node.list));
        }
        case ExprKind::kInSubquery: {
            const auto& node = expr.as<InSubqueryExpr>();
            return fmt::format("{} {}IN ({})", operand(*node.operand), node.negated ? "NOT " : "",
                               toSql(*node.query));
        }
        case ExprKind::kExists:
            return fmt::format("EXISTS ({})", toSql(*expr.as<ExistsExpr>().query));
        case ExprKind::kScalarSubquery:
            return fmt::format("({})", toSql(*expr.as<ScalarSubqueryExpr>().query));
        case ExprKind::kBetween: {
            const auto& node = expr.as<BetweenExpr>();
            return fmt::format("{} {}BETWEEN {} AND {}", operand(*node.operand),
                               node.negated ? "NOT " : "", operand(*node.low), operand(*node.high));
        }
        case ExprKind::kLike: {
            const auto& node = expr.as<LikeExpr>();
            std::string out = fmt::format("{} {}LIKE {}", operand(*node.operand),
                                          node.negated ? "NOT " : "", operand(*node.pattern));
            if (node.escape) out += " ESCAPE " + operand(*node.escape);
            return out;
        }
        case ExprKind::kIsNull: {
            const auto& node = expr.as<IsNullExpr>();
            return fmt::format("{} IS {}NULL", operand(*node.operand), node.negated ? "NOT " : "");
        }
        case ExprKind::kIsDistinctFrom: {
            const auto& node = expr.as<IsDistinctFromExpr>();
            return fmt::format("{} IS {}DISTINCT FROM {}", operand(*node.left),
                               node.negated ? "NOT " : "", operand(*node.right));
        }
        case ExprKind::kIsBoolean: {
            const auto& node = expr.as<IsBooleanExpr>();
            return fmt::format("{} IS {}{}", operand(*node.operand), node.negated ? "NOT " : "",
                               node.value ? "TRUE" : "FALSE");
        }
        case ExprKind::kSubscript: {
            const auto& node = expr.as<SubscriptExpr>();
            return fmt::format("{}[{}]", operand(*node.base), toSql(*node.index));
        }
        case ExprKind::kFieldAccess: {
            const auto& node = expr.as<FieldAccessExpr>();
            return fmt::format("{}.{}", operand(*node.base), quoteIdentifier(node.field.name));
        }
    }
    return "?";
}

std::string toSql(const TableRef& table) {
    switch (table.kind) {
        case TableRefKind::kNamed: {
            const auto& named = table.as<NamedTableRef>();
            std::string out = quoteIdentifier(named.name.name);
            if (named.alias) out += " AS " + quoteIdentifier(named.alias->name);
            return out;
        }
        case TableRefKind::kSubquery: {
            const auto& subquery = table.as<SubqueryTableRef>();
            return fmt::format("({}) AS {}", toSql(*subquery.query),
                               quoteIdentifier(subquery.alias.name));
        }
        case TableRefKind::kJoin: {
            const auto& join = table.as<JoinTableRef>();
            std::string_view type = join.joinType == JoinType::kInner   ? "JOIN"
                                    : join.joinType == JoinType::kLeft  ? "LEFT JOIN"
                                    : join.joinType == JoinType::kRight ? "RIGHT JOIN"
                                                                        : "FULL JOIN";
            std::string out = fmt::format("{} {} {}", toSql(*join.left), type, toSql(*join.right));
            if (join.within && join.withinPosition == WithinPosition::kBeforeOn) {
                out += " WITHIN " + duration(*join.within);
            }
            out += " ON " + toSql(*join.condition);
            if (join.within && join.withinPosition != WithinPosition::kBeforeOn) {
                out += " WITHIN " + duration(*join.within);
            }
            return out;
        }
    }
    return "?";
}

std::string toSql(const Query& query) {
    std::string out;
    if (!query.ctes.empty()) {
        std::vector<std::string> ctes;
        for (const auto& cte : query.ctes) {
            ctes.push_back(
                fmt::format("{} AS ({})", quoteIdentifier(cte.name.name), toSql(*cte.query)));
        }
        out += fmt::format("WITH {} ", fmt::join(ctes, ", "));
    }
    out += query.distinct ? "SELECT DISTINCT " : "SELECT ";
    for (size_t i = 0; i < query.selectItems.size(); ++i) {
        const SelectItem& item = query.selectItems[i];
        if (i > 0) out += ", ";
        if (item.kind == SelectItemKind::kStar) {
            out += item.qualifier.empty() ? "*" : names(item.qualifier) + ".*";
            continue;
        }
        out += toSql(*item.expr);
        if (item.alias) out += " AS " + quoteIdentifier(item.alias->name);
        if (item.primaryKey) out += " PRIMARY KEY";
    }
    if (query.from) out += " FROM " + toSql(*query.from);
    if (query.where) out += " WHERE " + toSql(*query.where);
    if (!query.groupBy.empty()) out += " GROUP BY " + joinExprs(query.groupBy);
    if (query.window) out += " " + windowSpec(*query.window);
    if (query.having) out += " HAVING " + toSql(*query.having);
    if (!query.orderBy.empty()) out += " ORDER BY " + orderItems(query.orderBy);
    if (query.limit) out += fmt::format(" LIMIT {}", *query.limit);
    if (query.emit == EmitMode::kChanges) out += " EMIT CHANGES";
    if (query.emit == EmitMode::kFinal) out += " EMIT FINAL";
    return out;
}

std::string toSql(const Statement& statement) {
    switch (statement.kind) {
        case StatementKind::kDeclare: {
            const auto& node = statement.as<DeclareStatement>();
            std::string out = fmt::format("CREATE {} {}", objectWord(node.objectKind),
                                          quoteIdentifier(node.name.name));
            if (node.hasColumnList) {
                std::vector<std::string> columns;
                for (const auto& column : node.columns) {
                    columns.push_back(fmt::format("{} {}{}", quoteIdentifier(column.name.name),
                                                  typeToSql(column.type),
                                                  column.primaryKey ? " PRIMARY KEY" : ""));
                }
                if (!node.primaryKey.empty()) {
                    std::vector<std::string> keys;
                    for (const auto& key : node.primaryKey)
                        keys.push_back(quoteIdentifier(key.name));
                    columns.push_back(fmt::format("PRIMARY KEY ({})", fmt::join(keys, ", ")));
                }
                out += fmt::format(" ({})", fmt::join(columns, ", "));
            }
            return out + properties(node.properties);
        }
        case StatementKind::kCreateAs: {
            const auto& node = statement.as<CreateAsStatement>();
            return fmt::format("CREATE {} {} AS {}{}", objectWord(node.objectKind),
                               quoteIdentifier(node.name.name), toSql(*node.query),
                               properties(node.properties));
        }
        case StatementKind::kInsert: {
            const auto& node = statement.as<InsertStatement>();
            return fmt::format("INSERT INTO {} {}{}", quoteIdentifier(node.target.name),
                               toSql(*node.query), properties(node.properties));
        }
        case StatementKind::kSelect: {
            const auto& node = statement.as<SelectStatement>();
            std::string out = toSql(*node.query);
            if (node.into) out += " INTO " + quoteIdentifier(node.into->name);
            return out + properties(node.properties);
        }
        case StatementKind::kShow: {
            switch (statement.as<ShowStatement>().target) {
                case ShowTarget::kStreams: return "SHOW STREAMS";
                case ShowTarget::kTables: return "SHOW TABLES";
                case ShowTarget::kJobs: return "SHOW JOBS";
                case ShowTarget::kFunctions: return "SHOW FUNCTIONS";
            }
            return "SHOW ?";
        }
        case StatementKind::kDescribe:
            return "DESCRIBE " + quoteIdentifier(statement.as<DescribeStatement>().name.name);
    }
    return "?";
}

}  // namespace ferris::sql::ast
