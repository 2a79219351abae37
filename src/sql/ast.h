#pragma once

// The syntax tree of a FerrisStreams SQL application (DESIGN.md §1.2–§1.3), as produced by
// the parser and consumed by the binder. It records what was written, not what it means:
// names are not resolved, types of expressions are not known, and everything the binder
// has to check (duplicate keys, window units of months, which names exist) is left for it.
//
// Conventions shared by every node:
// - `location` is the 1-based line and column of the node's first token; `range` is the
//   byte range [begin, end) of the node's text in ParsedApp::text, so that an unaliased
//   expression can be named by its text and a caret can point at it.
// - Children are owned through std::unique_ptr; optional children are null when absent.
// - Expressions, table references and statements have a `kind` to switch on and `as<T>()`
//   to downcast (checked), like DuckDB's ParsedExpression.
// - Names are Identifiers: unquoted names are folded to lower case, quoted ones are exact.
// - The parser caps nesting (see parser.h), so recursive visitors cannot overflow the stack.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/check.h"
#include "common/status.h"
#include "types/data_type.h"

namespace ferris::sql::ast {

/// Byte range [begin, end) of a node's text in the SQL source.
struct SourceRange {
    uint32_t begin = 0;
    uint32_t end = 0;
    uint32_t size() const { return end - begin; }
};

/// Position of a node in the source; base of every node.
struct Node {
    SourceLocation location;  ///< line:col of the first token
    SourceRange range;        ///< bytes of the node's text
};

/// A name as written: `trades`, `Trades` (folded to "trades"), `\`Trades\`` or "Trades"
/// (kept exact, quoted = true).
struct Identifier : Node {
    std::string name;
    bool quoted = false;
};

/// A comment annotation `-- @key: value`. The value is trimmed and a trailing `-- note`
/// in it is removed. Keys are kept as written (without '@'); they may repeat (@metric…).
struct Annotation {
    std::string key;
    std::string value;
    SourceLocation location;       ///< of the '@'
    SourceLocation valueLocation;  ///< of the value's first character (or the line end)
};

/// A length of time written `INTERVAL '5' MINUTE` or `5m`: used by windows and WITHIN.
/// Exactly one of micros and months is non-zero for a non-zero duration; a month-based
/// duration (MONTH, YEAR) is kept as months so that the binder can reject or use it.
struct Duration : Node {
    int64_t micros = 0;
    int32_t months = 0;
    std::string text;  ///< normalised spelling: "5m" or "INTERVAL '5' MINUTE"
};

struct Query;
using QueryPtr = std::unique_ptr<Query>;

// ---------------------------------------------------------------------------------------
// Expressions

/// What an Expr is; each value names the struct that holds it.
enum class ExprKind : uint8_t {
    kLiteral,         ///< LiteralExpr: 42, 1.50, 1e3, 'text', TRUE, NULL, INTERVAL, DATE …
    kColumnRef,       ///< ColumnRefExpr: c, t.c, s.f.g
    kUnary,           ///< UnaryExpr: -x, +x, NOT x
    kBinary,          ///< BinaryExpr: x + y, x AND y, x = y, x || y …
    kFunctionCall,    ///< FunctionCallExpr: f(x), COUNT(*), f(DISTINCT x), f(x) OVER (…)
    kCast,            ///< CastExpr: CAST(x AS type)
    kExtract,         ///< ExtractExpr: EXTRACT(part FROM x)
    kCase,            ///< CaseExpr: searched or simple CASE
    kInList,          ///< InListExpr: x [NOT] IN (a, b, …)
    kInSubquery,      ///< InSubqueryExpr: x [NOT] IN (SELECT …)
    kExists,          ///< ExistsExpr: EXISTS (SELECT …); NOT EXISTS is NOT over it
    kScalarSubquery,  ///< ScalarSubqueryExpr: (SELECT …) used as a value
    kBetween,         ///< BetweenExpr: x [NOT] BETWEEN a AND b
    kLike,            ///< LikeExpr: x [NOT] LIKE p [ESCAPE e]
    kIsNull,          ///< IsNullExpr: x IS [NOT] NULL
    kIsDistinctFrom,  ///< IsDistinctFromExpr: x IS [NOT] DISTINCT FROM y
    kIsBoolean,       ///< IsBooleanExpr: x IS [NOT] TRUE|FALSE
    kSubscript,       ///< SubscriptExpr: a[i], m['k']
    kFieldAccess,     ///< FieldAccessExpr: (expr).f, a[1].f, f(x).g — not plain dotted names
};

/// Stable upper-case name of an expression kind ("BINARY"), for messages and tests.
std::string_view exprKindName(ExprKind kind);

/// Base of every expression node.
struct Expr : Node {
    explicit Expr(ExprKind kind) : kind(kind) {}
    virtual ~Expr() = default;
    Expr(const Expr&) = delete;
    Expr& operator=(const Expr&) = delete;

    const ExprKind kind;
    /// Levels of nodes in this subtree, itself included, counting those of subqueries. The
    /// parser rejects trees taller than kMaxExpressionHeight (parser.h).
    int height = 1;

    /// Downcast to the node struct of this kind (checked).
    template <typename T>
    T& as() {
        FERRIS_CHECK(kind == T::kKind,
                     std::string("Expr::as: expression is ") + std::string(exprKindName(kind)));
        return static_cast<T&>(*this);
    }
    template <typename T>
    const T& as() const {
        FERRIS_CHECK(kind == T::kKind,
                     std::string("Expr::as: expression is ") + std::string(exprKindName(kind)));
        return static_cast<const T&>(*this);
    }
};
using ExprPtr = std::unique_ptr<Expr>;

/// What a literal is. The parser checks the syntax; the binder gives it its type and, for
/// DATE and TIMESTAMP, converts the text.
enum class LiteralKind : uint8_t {
    kNull,       ///< NULL
    kBoolean,    ///< TRUE, FALSE (boolValue)
    kInteger,    ///< 42, -7: fits int64 (intValue); a leading minus is folded in
    kDecimal,    ///< 1.50: exact, text as written ("1.50" is DECIMAL(3,2) for the binder)
    kDouble,     ///< 1e3, 2.5E-1: doubleValue, text as written
    kString,     ///< 'text': text is the value ('' unescaped)
    kInterval,   ///< INTERVAL '5' MINUTE or 5m: interval, text normalised
    kDate,       ///< DATE '2024-01-31': text is the quoted text, unchecked
    kTimestamp,  ///< TIMESTAMP '2024-01-31 10:00:00': text is the quoted text, unchecked
};

/// A constant.
struct LiteralExpr final : Expr {
    static constexpr ExprKind kKind = ExprKind::kLiteral;
    LiteralExpr() : Expr(kKind) {}

    LiteralKind literalKind = LiteralKind::kNull;
    bool boolValue = false;
    int64_t intValue = 0;
    double doubleValue = 0;
    /// kDecimal, kDouble: as written (with the folded sign); kString: the value; kDate,
    /// kTimestamp: the quoted text; kInterval: "5m" or "INTERVAL '5' MINUTE"; kInteger: the
    /// decimal digits of intValue.
    std::string text;
    types::IntervalValue interval;  ///< kInterval: months + microseconds
};

/// A possibly dotted name: `c`, `t.c`, `s.f.g`. Whether the first part names a table alias
/// or a struct column is for the binder to decide.
struct ColumnRefExpr final : Expr {
    static constexpr ExprKind kKind = ExprKind::kColumnRef;
    ColumnRefExpr() : Expr(kKind) {}

    std::vector<Identifier> parts;  ///< at least one
};

/// Prefix operators.
enum class UnaryOp : uint8_t {
    kNegate,  ///< -x
    kPlus,    ///< +x
    kNot,     ///< NOT x
};

/// A prefix operator applied to one operand.
struct UnaryExpr final : Expr {
    static constexpr ExprKind kKind = ExprKind::kUnary;
    UnaryExpr() : Expr(kKind) {}

    UnaryOp op = UnaryOp::kNot;
    ExprPtr operand;
};

/// Infix operators, from the loosest binding to the tightest.
enum class BinaryOp : uint8_t {
    kOr,      ///< OR
    kAnd,     ///< AND
    kEq,      ///< =
    kNotEq,   ///< <> or !=
    kLt,      ///< <
    kLe,      ///< <=
    kGt,      ///< >
    kGe,      ///< >=
    kConcat,  ///< ||
    kAdd,     ///< +
    kSub,     ///< -
    kMul,     ///< *
    kDiv,     ///< /
    kMod,     ///< %
};

/// SQL spelling of an operator: "AND", "<>", "||".
std::string_view binaryOpSymbol(BinaryOp op);

/// An infix operator applied to two operands (left-associative chains nest to the left).
struct BinaryExpr final : Expr {
    static constexpr ExprKind kKind = ExprKind::kBinary;
    BinaryExpr() : Expr(kKind) {}

    BinaryOp op = BinaryOp::kAnd;
    ExprPtr left;
    ExprPtr right;
    SourceLocation operatorLocation;  ///< of the operator token, for type-error carets
};

/// ROWS counts rows, RANGE measures the ORDER BY value (time for streams).
enum class FrameUnit : uint8_t {
    kRows,   ///< ROWS
    kRange,  ///< RANGE
};

/// Kinds of window-frame bounds.
enum class FrameBoundKind : uint8_t {
    kUnboundedPreceding,  ///< UNBOUNDED PRECEDING
    kPreceding,           ///< <offset> PRECEDING
    kCurrentRow,          ///< CURRENT ROW
    kFollowing,           ///< <offset> FOLLOWING
    kUnboundedFollowing,  ///< UNBOUNDED FOLLOWING
};

/// One end of a window frame.
struct FrameBound : Node {
    FrameBoundKind kind = FrameBoundKind::kCurrentRow;
    /// kPreceding/kFollowing: a LiteralExpr — an integer (ROWS), a number or an interval
    /// (`INTERVAL '1' HOUR`, `1h`) for RANGE. Null otherwise.
    ExprPtr offset;
};

/// ROWS|RANGE BETWEEN start AND end, or ROWS|RANGE start (then end is CURRENT ROW).
struct WindowFrame : Node {
    FrameUnit unit = FrameUnit::kRows;
    FrameBound start;
    FrameBound end;
    bool between = false;  ///< written with BETWEEN … AND …
};

/// ORDER BY direction and NULL placement of one key.
enum class NullsOrder : uint8_t {
    kDefault,  ///< not written
    kFirst,    ///< NULLS FIRST
    kLast,     ///< NULLS LAST
};

/// One ORDER BY key (of a query or an OVER clause).
struct OrderItem : Node {
    ExprPtr expr;
    bool descending = false;  ///< DESC (ASC or nothing: false)
    NullsOrder nulls = NullsOrder::kDefault;
};

/// OVER (PARTITION BY … ORDER BY … frame) of an analytic function call.
struct OverClause : Node {
    std::vector<ExprPtr> partitionBy;
    std::vector<OrderItem> orderBy;
    std::optional<WindowFrame> frame;
};

/// A function call. Special syntaxes are normalised to plain calls: POSITION(a IN b) →
/// position(a, b); SUBSTRING(s FROM a [FOR b]) → substring(s, a[, b]); TRIM([BOTH|LEADING|
/// TRAILING] [c] FROM s) → trim|ltrim|rtrim(s[, c]); CURRENT_TIMESTAMP, CURRENT_DATE without
/// parentheses → calls with no arguments (noParentheses = true).
struct FunctionCallExpr final : Expr {
    static constexpr ExprKind kKind = ExprKind::kFunctionCall;
    FunctionCallExpr() : Expr(kKind) {}

    Identifier name;  ///< lower-cased unless quoted
    std::vector<ExprPtr> args;
    bool distinct = false;             ///< f(DISTINCT x)
    bool star = false;                 ///< f(*), e.g. COUNT(*); args is then empty
    bool noParentheses = false;        ///< CURRENT_TIMESTAMP written without ()
    std::unique_ptr<OverClause> over;  ///< OVER (…), or null
};

/// CAST(x AS type).
struct CastExpr final : Expr {
    static constexpr ExprKind kKind = ExprKind::kCast;
    CastExpr() : Expr(kKind) {}

    ExprPtr operand;
    types::DataType targetType;
    SourceLocation typeLocation;  ///< of the type name
};

/// EXTRACT(part FROM x); the part is any name (YEAR, MONTH, EPOCH, …), checked by the binder.
struct ExtractExpr final : Expr {
    static constexpr ExprKind kKind = ExprKind::kExtract;
    ExtractExpr() : Expr(kKind) {}

    Identifier part;  ///< lower-cased
    ExprPtr operand;
};

/// One WHEN … THEN … arm of a CASE.
struct CaseWhen {
    ExprPtr when;  ///< a condition (searched CASE) or a value compared to the operand
    ExprPtr then;
};

/// CASE [operand] WHEN … THEN … [ELSE …] END.
struct CaseExpr final : Expr {
    static constexpr ExprKind kKind = ExprKind::kCase;
    CaseExpr() : Expr(kKind) {}

    ExprPtr operand;              ///< simple CASE: the value compared; searched CASE: null
    std::vector<CaseWhen> whens;  ///< at least one
    ExprPtr elseResult;           ///< null when there is no ELSE
};

/// x [NOT] IN (a, b, …).
struct InListExpr final : Expr {
    static constexpr ExprKind kKind = ExprKind::kInList;
    InListExpr() : Expr(kKind) {}

    ExprPtr operand;
    std::vector<ExprPtr> list;  ///< at least one
    bool negated = false;
    SourceLocation operatorLocation;  ///< of NOT or IN
};

/// x [NOT] IN (SELECT …).
struct InSubqueryExpr final : Expr {
    static constexpr ExprKind kKind = ExprKind::kInSubquery;
    InSubqueryExpr() : Expr(kKind) {}

    ExprPtr operand;
    QueryPtr query;
    bool negated = false;
    SourceLocation operatorLocation;  ///< of NOT or IN
};

/// EXISTS (SELECT …).
struct ExistsExpr final : Expr {
    static constexpr ExprKind kKind = ExprKind::kExists;
    ExistsExpr() : Expr(kKind) {}

    QueryPtr query;
};

/// (SELECT …) used as a value.
struct ScalarSubqueryExpr final : Expr {
    static constexpr ExprKind kKind = ExprKind::kScalarSubquery;
    ScalarSubqueryExpr() : Expr(kKind) {}

    QueryPtr query;
};

/// x [NOT] BETWEEN low AND high.
struct BetweenExpr final : Expr {
    static constexpr ExprKind kKind = ExprKind::kBetween;
    BetweenExpr() : Expr(kKind) {}

    ExprPtr operand;
    ExprPtr low;
    ExprPtr high;
    bool negated = false;
    SourceLocation operatorLocation;  ///< of NOT or BETWEEN
};

/// x [NOT] LIKE pattern [ESCAPE escape].
struct LikeExpr final : Expr {
    static constexpr ExprKind kKind = ExprKind::kLike;
    LikeExpr() : Expr(kKind) {}

    ExprPtr operand;
    ExprPtr pattern;
    ExprPtr escape;  ///< null without ESCAPE
    bool negated = false;
    SourceLocation operatorLocation;  ///< of NOT or LIKE
};

/// x IS [NOT] NULL.
struct IsNullExpr final : Expr {
    static constexpr ExprKind kKind = ExprKind::kIsNull;
    IsNullExpr() : Expr(kKind) {}

    ExprPtr operand;
    bool negated = false;             ///< IS NOT NULL
    SourceLocation operatorLocation;  ///< of IS
};

/// x IS [NOT] DISTINCT FROM y (NULL-safe comparison).
struct IsDistinctFromExpr final : Expr {
    static constexpr ExprKind kKind = ExprKind::kIsDistinctFrom;
    IsDistinctFromExpr() : Expr(kKind) {}

    ExprPtr left;
    ExprPtr right;
    bool negated = false;             ///< IS NOT DISTINCT FROM
    SourceLocation operatorLocation;  ///< of IS
};

/// x IS [NOT] TRUE / x IS [NOT] FALSE.
struct IsBooleanExpr final : Expr {
    static constexpr ExprKind kKind = ExprKind::kIsBoolean;
    IsBooleanExpr() : Expr(kKind) {}

    ExprPtr operand;
    bool value = true;                ///< TRUE or FALSE
    bool negated = false;             ///< IS NOT …
    SourceLocation operatorLocation;  ///< of IS
};

/// base[index]: array element (1-based or 0-based is the binder's rule) or map value.
struct SubscriptExpr final : Expr {
    static constexpr ExprKind kKind = ExprKind::kSubscript;
    SubscriptExpr() : Expr(kKind) {}

    ExprPtr base;
    ExprPtr index;
};

/// base.field where base is not a plain name (a plain `s.f` is a ColumnRefExpr).
struct FieldAccessExpr final : Expr {
    static constexpr ExprKind kKind = ExprKind::kFieldAccess;
    FieldAccessExpr() : Expr(kKind) {}

    ExprPtr base;
    Identifier field;
};

// ---------------------------------------------------------------------------------------
// Queries

/// What a FROM item is.
enum class TableRefKind : uint8_t {
    kNamed,     ///< NamedTableRef: a stream, table or CTE by name
    kSubquery,  ///< SubqueryTableRef: (SELECT …) alias
    kJoin,      ///< JoinTableRef: left JOIN right ON …
};

/// Base of FROM items.
struct TableRef : Node {
    explicit TableRef(TableRefKind kind) : kind(kind) {}
    virtual ~TableRef() = default;
    TableRef(const TableRef&) = delete;
    TableRef& operator=(const TableRef&) = delete;

    const TableRefKind kind;

    template <typename T>
    T& as() {
        FERRIS_CHECK(kind == T::kKind, "TableRef::as: wrong kind");
        return static_cast<T&>(*this);
    }
    template <typename T>
    const T& as() const {
        FERRIS_CHECK(kind == T::kKind, "TableRef::as: wrong kind");
        return static_cast<const T&>(*this);
    }
};
using TableRefPtr = std::unique_ptr<TableRef>;

/// name [[AS] alias].
struct NamedTableRef final : TableRef {
    static constexpr TableRefKind kKind = TableRefKind::kNamed;
    NamedTableRef() : TableRef(kKind) {}

    Identifier name;
    std::optional<Identifier> alias;
};

/// (SELECT …) [AS] alias — the alias is required.
struct SubqueryTableRef final : TableRef {
    static constexpr TableRefKind kKind = TableRefKind::kSubquery;
    SubqueryTableRef() : TableRef(kKind) {}

    QueryPtr query;
    Identifier alias;
};

/// Join types.
enum class JoinType : uint8_t {
    kInner,  ///< [INNER] JOIN
    kLeft,   ///< LEFT [OUTER] JOIN
    kRight,  ///< RIGHT [OUTER] JOIN
    kFull,   ///< FULL [OUTER] JOIN
};

/// Where a join's WITHIN was written.
enum class WithinPosition : uint8_t {
    kNone,      ///< no WITHIN
    kBeforeOn,  ///< JOIN r WITHIN … ON cond
    kAfterOn,   ///< JOIN r ON cond WITHIN …
};

/// left JOIN right [WITHIN d] ON condition [WITHIN d]. Chains nest to the left:
/// `a JOIN b … JOIN c …` is Join(Join(a, b), c).
struct JoinTableRef final : TableRef {
    static constexpr TableRefKind kKind = TableRefKind::kJoin;
    JoinTableRef() : TableRef(kKind) {}

    JoinType joinType = JoinType::kInner;
    TableRefPtr left;
    TableRefPtr right;
    ExprPtr condition;
    std::optional<Duration> within;  ///< the time bound of a stream–stream join
    WithinPosition withinPosition = WithinPosition::kNone;
    SourceLocation joinLocation;  ///< of the first join keyword (INNER/LEFT/…/JOIN)
};

/// One item of the select list.
enum class SelectItemKind : uint8_t {
    kExpr,  ///< expr [[AS] alias] [PRIMARY KEY]
    kStar,  ///< * or t.*
};

/// An item of the select list.
struct SelectItem : Node {
    SelectItemKind kind = SelectItemKind::kExpr;
    /// kStar: the qualifier of `t.*` (empty for a bare `*`).
    std::vector<Identifier> qualifier;
    ExprPtr expr;  ///< kExpr
    std::optional<Identifier> alias;
    bool primaryKey = false;  ///< marked PRIMARY KEY (before or after the alias)
    SourceLocation primaryKeyLocation;
};

/// Window kinds of the WINDOW clause.
enum class WindowKind : uint8_t {
    kTumbling,  ///< TUMBLING([time_col,] size)
    kSliding,   ///< SLIDING|HOPPING([time_col,] size, advance)
    kSession,   ///< SESSION([time_col,] gap)
};

/// WINDOW TUMBLING(…) | SLIDING(…) | HOPPING(…) | SESSION(…).
struct WindowSpec : Node {
    WindowKind windowKind = WindowKind::kTumbling;
    bool spelledHopping = false;  ///< written HOPPING (same meaning as SLIDING)
    /// The time column (a ColumnRefExpr), or null for the default `_event_time`.
    ExprPtr timeColumn;
    std::optional<Duration> size;     ///< tumbling and sliding
    std::optional<Duration> advance;  ///< sliding
    std::optional<Duration> gap;      ///< session
};

/// EMIT mode of a query.
enum class EmitMode : uint8_t {
    kDefault,  ///< not written (the binder picks: FINAL when windowed, else CHANGES)
    kChanges,  ///< EMIT CHANGES
    kFinal,    ///< EMIT FINAL
};

/// WITH name AS (query).
struct CommonTableExpr : Node {
    Identifier name;
    QueryPtr query;
};

/// [WITH ctes] SELECT [DISTINCT] items [FROM …] [WHERE …] [GROUP BY …] [WINDOW …]
/// [HAVING …] [ORDER BY …] [LIMIT n] [EMIT CHANGES|FINAL].
/// The WINDOW clause is also accepted right after FROM or WHERE (kept in `window`).
struct Query : Node {
    /// Levels of nodes in this query's tree (its expressions, joins and subqueries), itself
    /// included; capped by the parser like Expr::height.
    int height = 1;
    std::vector<CommonTableExpr> ctes;
    bool distinct = false;
    std::vector<SelectItem> selectItems;  ///< at least one
    TableRefPtr from;                     ///< null when there is no FROM
    ExprPtr where;
    std::vector<ExprPtr> groupBy;
    std::unique_ptr<WindowSpec> window;
    ExprPtr having;
    std::vector<OrderItem> orderBy;
    std::optional<int64_t> limit;  ///< LIMIT n, n ≥ 0
    SourceLocation limitLocation;
    EmitMode emit = EmitMode::kDefault;
    SourceLocation emitLocation;  ///< of EMIT, when written
};

// ---------------------------------------------------------------------------------------
// Statements

/// What a statement is; each value names the struct that holds it.
enum class StatementKind : uint8_t {
    kDeclare,   ///< DeclareStatement: CREATE STREAM|TABLE name [(columns)] [WITH (…)]
    kCreateAs,  ///< CreateAsStatement: CREATE STREAM|TABLE name AS query [WITH (…)]
    kInsert,    ///< InsertStatement: INSERT INTO name query [WITH (…)]
    kSelect,    ///< SelectStatement: ad-hoc query [INTO sink] [WITH (…)]
    kShow,      ///< ShowStatement: SHOW STREAMS|TABLES|JOBS|FUNCTIONS
    kDescribe,  ///< DescribeStatement: DESCRIBE name
};

/// Stable upper-case name of a statement kind ("CREATE AS").
std::string_view statementKindName(StatementKind kind);

/// What a property value was written as.
enum class PropertyValueKind : uint8_t {
    kString,    ///< 'text'
    kNumber,    ///< 42, -1, 0.5, 1e3 (text as written)
    kBoolean,   ///< TRUE, FALSE (text "true" / "false")
    kDuration,  ///< 5s, 100ms unquoted (text as written)
};

/// One `'key' = value` of a WITH (…) list. Duplicates are kept; the binder reports them.
struct Property : Node {
    std::string key;
    std::string value;
    PropertyValueKind valueKind = PropertyValueKind::kString;
    SourceLocation keyLocation;
    SourceLocation valueLocation;
    SourceRange valueRange;
};

/// Base of every statement.
struct Statement : Node {
    explicit Statement(StatementKind kind) : kind(kind) {}
    virtual ~Statement() = default;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    const StatementKind kind;
    /// The annotations in the comment block directly above the statement, in order.
    std::vector<Annotation> annotations;

    template <typename T>
    T& as() {
        FERRIS_CHECK(kind == T::kKind, std::string("Statement::as: statement is ") +
                                           std::string(statementKindName(kind)));
        return static_cast<T&>(*this);
    }
    template <typename T>
    const T& as() const {
        FERRIS_CHECK(kind == T::kKind, std::string("Statement::as: statement is ") +
                                           std::string(statementKindName(kind)));
        return static_cast<const T&>(*this);
    }
};
using StatementPtr = std::unique_ptr<Statement>;

/// STREAM or TABLE in CREATE STREAM|TABLE.
enum class ObjectKind : uint8_t {
    kStream,  ///< CREATE STREAM
    kTable,   ///< CREATE TABLE
};

/// A column of a declaration: name type [PRIMARY KEY].
struct ColumnDef : Node {
    Identifier name;
    types::DataType type;
    SourceLocation typeLocation;
    bool primaryKey = false;  ///< `name type PRIMARY KEY`
};

/// CREATE STREAM|TABLE name [(col type, …[, PRIMARY KEY (col, …)])] [WITH (…)]: declares a
/// source (or, with a sink type, the target of INSERT INTO). No job.
struct DeclareStatement final : Statement {
    static constexpr StatementKind kKind = StatementKind::kDeclare;
    DeclareStatement() : Statement(kKind) {}

    ObjectKind objectKind = ObjectKind::kStream;
    Identifier name;
    bool hasColumnList = false;  ///< a (…) column list was written
    std::vector<ColumnDef> columns;
    /// The table constraint PRIMARY KEY (a, b); column-level marks are on ColumnDef.
    std::vector<Identifier> primaryKey;
    SourceLocation primaryKeyLocation;
    std::vector<Property> properties;
};

/// CREATE STREAM|TABLE name AS query [WITH (…)]: one job writing a new stream or table.
struct CreateAsStatement final : Statement {
    static constexpr StatementKind kKind = StatementKind::kCreateAs;
    CreateAsStatement() : Statement(kKind) {}

    ObjectKind objectKind = ObjectKind::kStream;
    Identifier name;
    QueryPtr query;
    std::vector<Property> properties;
};

/// INSERT INTO target query [WITH (…)]: one job writing to a declared sink.
struct InsertStatement final : Statement {
    static constexpr StatementKind kKind = StatementKind::kInsert;
    InsertStatement() : Statement(kKind) {}

    Identifier target;
    QueryPtr query;
    std::vector<Property> properties;
};

/// Where an ad-hoc query's INTO was written.
enum class IntoPosition : uint8_t {
    kNone,             ///< no INTO: results go to stdout
    kAfterSelectList,  ///< SELECT items INTO sink FROM …
    kAtEnd,            ///< SELECT … FROM … [EMIT …] INTO sink
};

/// An ad-hoc query: query [INTO sink] [WITH (…)].
struct SelectStatement final : Statement {
    static constexpr StatementKind kKind = StatementKind::kSelect;
    SelectStatement() : Statement(kKind) {}

    QueryPtr query;
    std::optional<Identifier> into;
    IntoPosition intoPosition = IntoPosition::kNone;
    std::vector<Property> properties;
};

/// What SHOW lists.
enum class ShowTarget : uint8_t {
    kStreams,    ///< SHOW STREAMS
    kTables,     ///< SHOW TABLES
    kJobs,       ///< SHOW JOBS
    kFunctions,  ///< SHOW FUNCTIONS
};

/// SHOW STREAMS | TABLES | JOBS | FUNCTIONS.
struct ShowStatement final : Statement {
    static constexpr StatementKind kKind = StatementKind::kShow;
    ShowStatement() : Statement(kKind) {}

    ShowTarget target = ShowTarget::kStreams;
};

/// DESCRIBE name.
struct DescribeStatement final : Statement {
    static constexpr StatementKind kKind = StatementKind::kDescribe;
    DescribeStatement() : Statement(kKind) {}

    Identifier name;
};

// ---------------------------------------------------------------------------------------
// Unparsing (normalised SQL for EXPLAIN, messages and tests)

/// A name as SQL: unchanged when it is a valid unquoted, non-reserved lower-case name,
/// else backquoted (`Name`, `select`, `a b`).
std::string quoteIdentifier(std::string_view name);

/// A string literal: 'it''s'.
std::string quoteString(std::string_view value);

/// Normalised SQL of an expression: keywords upper-case, names quoted when needed, and
/// every operand that is itself an operator expression wrapped in parentheses, so that
/// the tree is visible: `a + b * c` → "a + (b * c)", `NOT a = b` → "NOT (a = b)".
std::string toSql(const Expr& expr);

/// Normalised SQL of a query (expressions as toSql(Expr)).
std::string toSql(const Query& query);

/// Normalised SQL of a FROM item.
std::string toSql(const TableRef& table);

/// Normalised SQL of a statement, without annotations and without the final ';'.
std::string toSql(const Statement& statement);

}  // namespace ferris::sql::ast
