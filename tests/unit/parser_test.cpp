#include "sql/parser.h"

#include <gtest/gtest.h>

#include <string>

#include "sql/error_render.h"

namespace ferris::sql {
namespace {

using namespace ast;  // NOLINT: test brevity
using types::DataType;

ParsedApp parseOk(std::string_view sql) {
    Result<ParsedApp> parsed = parseApp(std::string(sql));
    EXPECT_TRUE(parsed.isOk()) << parsed.status().toString() << "\n" << sql;
    if (!parsed.isOk()) return ParsedApp{};
    return std::move(parsed).value();
}

/// The single statement of `sql`.
template <typename T>
const T& onlyStatement(const ParsedApp& app) {
    EXPECT_EQ(app.statements.size(), 1u);
    return app.statements.at(0)->as<T>();
}

/// toSql of one parsed expression.
std::string expr(std::string_view text) {
    Result<ParsedExpression> parsed = parseExpression(std::string(text));
    EXPECT_TRUE(parsed.isOk()) << parsed.status().toString() << "\n" << text;
    if (!parsed.isOk()) return "<error>";
    return toSql(*parsed->expr);
}

/// toSql of the single statement of `sql`.
std::string normalised(std::string_view sql) {
    ParsedApp app = parseOk(sql);
    if (app.statements.size() != 1) return "<not one statement>";
    return toSql(*app.statements[0]);
}

/// "line:col: message" of the error parsing `sql` gives.
std::string parseError(std::string_view sql) {
    Result<ParsedApp> parsed = parseApp(std::string(sql));
    EXPECT_FALSE(parsed.isOk()) << "parsed without error: " << sql;
    if (parsed.isOk()) return "<ok>";
    EXPECT_EQ(parsed.status().code(), ErrorCode::kSyntaxError);
    EXPECT_EQ(parsed.status().category(), ErrorCategory::kUser);
    return parsed.status().toString();
}

const Query& queryOf(const ParsedApp& app) {
    return *onlyStatement<SelectStatement>(app).query;
}

// ---------------------------------------------------------------------------------------
// The DESIGN.md §1.2 example, verbatim.

constexpr std::string_view kDesignExample = R"sql(-- @app: trading_analytics

CREATE STREAM trades (
  trade_id STRING, symbol STRING, trader_id STRING,
  price DECIMAL(18,4), quantity BIGINT, trade_time BIGINT
) WITH (
  'trades.type' = 'kafka_source',
  'trades.topic' = 'trades',
  'trades.format' = 'json',
  'trades.event.time.field' = 'trade_time',
  'trades.event.time.format' = 'epoch_millis',
  'trades.config_file' = 'configs/kafka.yaml'
);

-- @name: high_value
-- @job_mode: transactional          -- simple (at-least-once, the default) | transactional (exactly-once)
CREATE STREAM high_value_trades AS
SELECT trade_id, symbol, trader_id, price, quantity, price * quantity AS notional
FROM trades
WHERE price * quantity > 100000.00
WITH (
  'high_value_trades.type' = 'kafka_sink',
  'high_value_trades.topic' = 'high_value_trades',
  'high_value_trades.format' = 'avro',
  'high_value_trades.schema.registry.url' = 'http://localhost:8081'
);

CREATE TABLE ohlc_1m AS
SELECT symbol PRIMARY KEY,
       _window_start AS bucket,
       FIRST_VALUE(price) AS open, MAX(price) AS high,
       MIN(price) AS low, LAST_VALUE(price) AS close,
       SUM(quantity) AS volume
FROM trades
GROUP BY symbol
WINDOW TUMBLING(INTERVAL '1' MINUTE)
EMIT FINAL
WITH ('watermark.max_out_of_orderness' = '5s',
      'ohlc_1m.type' = 'file_sink', 'ohlc_1m.path' = 'out/ohlc.jsonl', 'ohlc_1m.format' = 'jsonl');
)sql";

TEST(ParserTest, DesignExampleApp) {
    ParsedApp app = parseOk(kDesignExample);
    ASSERT_EQ(app.statements.size(), 3u);
    ASSERT_EQ(app.appAnnotations.size(), 1u);
    EXPECT_EQ(app.appAnnotations[0].key, "app");
    EXPECT_EQ(app.appAnnotations[0].value, "trading_analytics");
    EXPECT_TRUE(app.detachedAnnotations.empty());

    const auto& trades = app.statements[0]->as<DeclareStatement>();
    EXPECT_EQ(trades.objectKind, ObjectKind::kStream);
    EXPECT_EQ(trades.name.name, "trades");
    EXPECT_TRUE(trades.annotations.empty());
    ASSERT_EQ(trades.columns.size(), 6u);
    EXPECT_EQ(trades.columns[0].name.name, "trade_id");
    EXPECT_EQ(trades.columns[0].type, DataType::string());
    EXPECT_EQ(trades.columns[3].name.name, "price");
    EXPECT_EQ(trades.columns[3].type, DataType::decimal(18, 4));
    EXPECT_EQ(trades.columns[3].typeLocation.line, 5);
    EXPECT_EQ(trades.columns[3].typeLocation.column, 9);
    EXPECT_EQ(trades.columns[5].type, DataType::bigint());
    ASSERT_EQ(trades.properties.size(), 6u);
    EXPECT_EQ(trades.properties[0].key, "trades.type");
    EXPECT_EQ(trades.properties[0].value, "kafka_source");
    EXPECT_EQ(trades.properties[5].key, "trades.config_file");
    EXPECT_EQ(trades.properties[5].value, "configs/kafka.yaml");

    const auto& highValue = app.statements[1]->as<CreateAsStatement>();
    EXPECT_EQ(highValue.objectKind, ObjectKind::kStream);
    EXPECT_EQ(highValue.name.name, "high_value_trades");
    ASSERT_EQ(highValue.annotations.size(), 2u);
    EXPECT_EQ(highValue.annotations[0].key, "name");
    EXPECT_EQ(highValue.annotations[0].value, "high_value");
    EXPECT_EQ(highValue.annotations[1].key, "job_mode");
    EXPECT_EQ(highValue.annotations[1].value, "transactional");
    EXPECT_EQ(highValue.annotations[1].location.line, 16);
    EXPECT_EQ(highValue.annotations[1].location.column, 4);
    EXPECT_EQ(highValue.annotations[1].valueLocation.column, 15);
    const Query& filter = *highValue.query;
    ASSERT_EQ(filter.selectItems.size(), 6u);
    EXPECT_EQ(filter.selectItems[5].alias->name, "notional");
    EXPECT_EQ(app.textOf(filter.selectItems[5].expr->range), "price * quantity");
    EXPECT_EQ(toSql(*filter.where), "(price * quantity) > 100000.00");
    EXPECT_EQ(highValue.properties.size(), 4u);
    EXPECT_EQ(highValue.properties[3].value, "http://localhost:8081");

    const auto& ohlc = app.statements[2]->as<CreateAsStatement>();
    EXPECT_EQ(ohlc.objectKind, ObjectKind::kTable);
    EXPECT_TRUE(ohlc.annotations.empty());
    const Query& bars = *ohlc.query;
    ASSERT_EQ(bars.selectItems.size(), 7u);
    EXPECT_TRUE(bars.selectItems[0].primaryKey);
    EXPECT_FALSE(bars.selectItems[0].alias.has_value());
    EXPECT_EQ(bars.selectItems[1].alias->name, "bucket");
    EXPECT_EQ(toSql(*bars.selectItems[2].expr), "FIRST_VALUE(price)");
    EXPECT_EQ(bars.selectItems[2].alias->name, "open");
    ASSERT_EQ(bars.groupBy.size(), 1u);
    ASSERT_NE(bars.window, nullptr);
    EXPECT_EQ(bars.window->windowKind, WindowKind::kTumbling);
    EXPECT_EQ(bars.window->timeColumn, nullptr);
    EXPECT_EQ(bars.window->size->micros, 60'000'000);
    EXPECT_EQ(bars.window->size->text, "INTERVAL '1' MINUTE");
    EXPECT_EQ(bars.emit, EmitMode::kFinal);
    ASSERT_EQ(ohlc.properties.size(), 4u);
    EXPECT_EQ(ohlc.properties[0].key, "watermark.max_out_of_orderness");
    EXPECT_EQ(ohlc.properties[0].value, "5s");
    EXPECT_EQ(toSql(ohlc),
              "CREATE TABLE ohlc_1m AS SELECT symbol PRIMARY KEY, _window_start AS bucket, "
              "FIRST_VALUE(price) AS open, MAX(price) AS high, MIN(price) AS low, "
              "LAST_VALUE(price) AS close, SUM(quantity) AS volume FROM trades GROUP BY symbol "
              "WINDOW TUMBLING(INTERVAL '1' MINUTE) EMIT FINAL WITH "
              "('watermark.max_out_of_orderness' = '5s', 'ohlc_1m.type' = 'file_sink', "
              "'ohlc_1m.path' = 'out/ohlc.jsonl', 'ohlc_1m.format' = 'jsonl')");
}

// ---------------------------------------------------------------------------------------
// Statements

TEST(ParserTest, DeclarationWithTablePrimaryKey) {
    ParsedApp app = parseOk(
        "CREATE TABLE traders (trader_id STRING, name STRING, PRIMARY KEY (trader_id)) "
        "WITH ('traders.type' = 'file_source')");
    const auto& table = onlyStatement<DeclareStatement>(app);
    EXPECT_EQ(table.objectKind, ObjectKind::kTable);
    EXPECT_TRUE(table.hasColumnList);
    ASSERT_EQ(table.columns.size(), 2u);
    ASSERT_EQ(table.primaryKey.size(), 1u);
    EXPECT_EQ(table.primaryKey[0].name, "trader_id");
    EXPECT_EQ(table.primaryKeyLocation.column, 54);
    EXPECT_EQ(toSql(table),
              "CREATE TABLE traders (trader_id STRING, name STRING, PRIMARY KEY (trader_id)) "
              "WITH ('traders.type' = 'file_source')");
}

TEST(ParserTest, DeclarationForms) {
    EXPECT_EQ(normalised("create stream s (id INT PRIMARY KEY, v DOUBLE)"),
              "CREATE STREAM s (id BIGINT PRIMARY KEY, v DOUBLE)");
    EXPECT_EQ(normalised("CREATE STREAM s (a INT, b STRING, PRIMARY KEY (a, b))"),
              "CREATE STREAM s (a BIGINT, b STRING, PRIMARY KEY (a, b))");
    ParsedApp app = parseOk(
        "CREATE STREAM registry_backed WITH ('registry_backed.type' = "
        "'kafka_source')");
    const auto& noColumns = onlyStatement<DeclareStatement>(app);
    EXPECT_FALSE(noColumns.hasColumnList);
    EXPECT_TRUE(noColumns.columns.empty());
    EXPECT_EQ(noColumns.properties.size(), 1u);
    EXPECT_EQ(normalised("CREATE STREAM bare"), "CREATE STREAM bare");
}

TEST(ParserTest, CreateAsInsertAndAdHocStatements) {
    EXPECT_EQ(normalised("CREATE STREAM out AS SELECT * FROM input"),
              "CREATE STREAM out AS SELECT * FROM input");
    EXPECT_EQ(normalised("CREATE TABLE t AS SELECT k, COUNT(*) AS n FROM s GROUP BY k "
                         "EMIT CHANGES WITH ('t.type' = 'kafka_sink')"),
              "CREATE TABLE t AS SELECT k, COUNT(*) AS n FROM s GROUP BY k EMIT CHANGES WITH "
              "('t.type' = 'kafka_sink')");

    ParsedApp insert = parseOk("INSERT INTO sink SELECT a FROM src WITH ('batch.size' = 10)");
    const auto& insertStatement = onlyStatement<InsertStatement>(insert);
    EXPECT_EQ(insertStatement.target.name, "sink");
    EXPECT_EQ(insertStatement.properties.size(), 1u);
    EXPECT_EQ(toSql(insertStatement),
              "INSERT INTO sink SELECT a FROM src WITH ('batch.size' = 10)");

    ParsedApp adHoc = parseOk("SELECT a FROM src WHERE a > 1");
    const auto& select = onlyStatement<SelectStatement>(adHoc);
    EXPECT_FALSE(select.into.has_value());
    EXPECT_EQ(select.intoPosition, IntoPosition::kNone);
}

TEST(ParserTest, AdHocIntoInBothPositions) {
    ParsedApp atEnd = parseOk(
        "SELECT a FROM src WHERE a > 1 LIMIT 5 EMIT CHANGES INTO out WITH ('out.type' = "
        "'stdout_sink')");
    const auto& end = onlyStatement<SelectStatement>(atEnd);
    ASSERT_TRUE(end.into.has_value());
    EXPECT_EQ(end.into->name, "out");
    EXPECT_EQ(end.intoPosition, IntoPosition::kAtEnd);
    EXPECT_EQ(end.properties.size(), 1u);
    EXPECT_EQ(end.query->limit, 5);

    ParsedApp afterItems = parseOk("SELECT a, b INTO out FROM src");
    const auto& after = onlyStatement<SelectStatement>(afterItems);
    EXPECT_EQ(after.into->name, "out");
    EXPECT_EQ(after.intoPosition, IntoPosition::kAfterSelectList);
    EXPECT_EQ(toSql(after), "SELECT a, b FROM src INTO out");
}

TEST(ParserTest, ShowAndDescribe) {
    const std::pair<std::string_view, ShowTarget> cases[] = {
        {"SHOW STREAMS", ShowTarget::kStreams},
        {"show tables", ShowTarget::kTables},
        {"SHOW JOBS;", ShowTarget::kJobs},
        {"SHOW FUNCTIONS", ShowTarget::kFunctions},
    };
    for (const auto& [sql, target] : cases) {
        ParsedApp app = parseOk(sql);
        EXPECT_EQ(onlyStatement<ShowStatement>(app).target, target) << sql;
    }
    ParsedApp describe = parseOk("DESCRIBE trades");
    EXPECT_EQ(onlyStatement<DescribeStatement>(describe).name.name, "trades");
    ParsedApp describeStream = parseOk("DESCRIBE STREAM Trades");
    EXPECT_EQ(onlyStatement<DescribeStatement>(describeStream).name.name, "trades");
    ParsedApp describeNamedStream = parseOk("DESCRIBE stream");
    EXPECT_EQ(onlyStatement<DescribeStatement>(describeNamedStream).name.name, "stream");
}

TEST(ParserTest, StatementSeparators) {
    ParsedApp app = parseOk(";;SHOW STREAMS;;\n;SHOW JOBS");
    ASSERT_EQ(app.statements.size(), 2u);
    EXPECT_EQ(app.statements[1]->location.line, 2);
    EXPECT_EQ(app.statements[1]->location.column, 2);
    EXPECT_EQ(app.textOf(app.statements[1]->range), "SHOW JOBS");
    EXPECT_TRUE(parseOk("").statements.empty());
    EXPECT_TRUE(parseOk("-- only a comment\n").statements.empty());
}

TEST(ParserTest, WithPropertyKindsAndLocations) {
    ParsedApp app = parseOk(
        "CREATE STREAM s WITH ('a' = 'x', 'n' = -42, 'f' = 0.5, 'b' = TRUE, 'd' = 5s,\n"
        "  'a' = 'again')");
    const auto& properties = onlyStatement<DeclareStatement>(app).properties;
    ASSERT_EQ(properties.size(), 6u);
    EXPECT_EQ(properties[0].valueKind, PropertyValueKind::kString);
    EXPECT_EQ(properties[1].value, "-42");
    EXPECT_EQ(properties[1].valueKind, PropertyValueKind::kNumber);
    EXPECT_EQ(app.textOf(properties[1].valueRange), "-42");
    EXPECT_EQ(properties[2].value, "0.5");
    EXPECT_EQ(properties[3].value, "true");
    EXPECT_EQ(properties[3].valueKind, PropertyValueKind::kBoolean);
    EXPECT_EQ(properties[4].value, "5s");
    EXPECT_EQ(properties[4].valueKind, PropertyValueKind::kDuration);
    EXPECT_EQ(properties[5].key, "a");  // duplicates are kept for the binder
    EXPECT_EQ(properties[5].keyLocation.line, 2);
    EXPECT_EQ(properties[5].keyLocation.column, 3);
    EXPECT_EQ(properties[5].valueLocation.column, 9);
    EXPECT_EQ(properties[0].keyLocation.column, 23);
    EXPECT_EQ(app.textOf(properties[0].range), "'a' = 'x'");
}

// ---------------------------------------------------------------------------------------
// Queries

TEST(ParserTest, AllQueryClauses) {
    EXPECT_EQ(normalised("select distinct a, b + 1 as c from t where a > 0 group by a, b "
                         "window tumbling(ts, 1m) having count(*) > 2 order by a desc nulls "
                         "first, b asc nulls last, c limit 10 emit changes"),
              "SELECT DISTINCT a, b + 1 AS c FROM t WHERE a > 0 GROUP BY a, b WINDOW "
              "TUMBLING(ts, 1m) HAVING COUNT(*) > 2 ORDER BY a DESC NULLS FIRST, b NULLS LAST, "
              "c LIMIT 10 EMIT CHANGES");
    ParsedApp app = parseOk("SELECT a FROM t ORDER BY a DESC LIMIT 0 EMIT FINAL");
    const Query& query = queryOf(app);
    ASSERT_EQ(query.orderBy.size(), 1u);
    EXPECT_TRUE(query.orderBy[0].descending);
    EXPECT_EQ(query.orderBy[0].nulls, NullsOrder::kDefault);
    EXPECT_EQ(query.limit, 0);
    EXPECT_EQ(query.limitLocation.column, 33);
    EXPECT_EQ(query.emit, EmitMode::kFinal);
    EXPECT_EQ(query.emitLocation.column, 41);
    EXPECT_EQ(normalised("SELECT 1 + 1"), "SELECT 1 + 1");
}

TEST(ParserTest, WindowClauseAcceptedAfterFromWhereOrGroupBy) {
    const char* expected = "SELECT k FROM t WHERE x GROUP BY k WINDOW SESSION(30s)";
    EXPECT_EQ(normalised("SELECT k FROM t WINDOW SESSION(30s) WHERE x GROUP BY k"), expected);
    EXPECT_EQ(normalised("SELECT k FROM t WHERE x WINDOW SESSION(30s) GROUP BY k"), expected);
    EXPECT_EQ(normalised("SELECT k FROM t WHERE x GROUP BY k WINDOW SESSION(30s)"), expected);
}

TEST(ParserTest, CommonTableExpressions) {
    ParsedApp app = parseOk(
        "WITH big AS (SELECT * FROM trades WHERE quantity > 100), "
        "`Sym` AS (SELECT symbol FROM big) SELECT * FROM `Sym`");
    const Query& query = queryOf(app);
    ASSERT_EQ(query.ctes.size(), 2u);
    EXPECT_EQ(query.ctes[0].name.name, "big");
    EXPECT_EQ(query.ctes[1].name.name, "Sym");
    EXPECT_TRUE(query.ctes[1].name.quoted);
    EXPECT_EQ(toSql(query),
              "WITH big AS (SELECT * FROM trades WHERE quantity > 100), `Sym` AS (SELECT symbol "
              "FROM big) SELECT * FROM `Sym`");
    EXPECT_EQ(normalised("CREATE STREAM s AS WITH x AS (SELECT a FROM t) SELECT a FROM x"),
              "CREATE STREAM s AS WITH x AS (SELECT a FROM t) SELECT a FROM x");
    EXPECT_EQ(normalised("INSERT INTO k WITH x AS (SELECT a FROM t) SELECT a FROM x"),
              "INSERT INTO k WITH x AS (SELECT a FROM t) SELECT a FROM x");
}

TEST(ParserTest, Subqueries) {
    ParsedApp app = parseOk(
        "SELECT s.a FROM (SELECT a FROM t WHERE a > 1) AS s "
        "WHERE s.a IN (SELECT id FROM ids) AND NOT EXISTS (SELECT 1 FROM bad WHERE bad.a = s.a) "
        "AND s.a > (SELECT MIN(x) FROM limits)");
    const Query& query = queryOf(app);
    ASSERT_EQ(query.from->kind, TableRefKind::kSubquery);
    EXPECT_EQ(query.from->as<SubqueryTableRef>().alias.name, "s");
    EXPECT_EQ(toSql(*query.where),
              "((s.a IN (SELECT id FROM ids)) AND (NOT EXISTS (SELECT 1 FROM bad WHERE bad.a = "
              "s.a))) AND (s.a > (SELECT MIN(x) FROM limits))");
    const auto& conjunction = query.where->as<BinaryExpr>();
    const auto& left = conjunction.left->as<BinaryExpr>();
    EXPECT_EQ(left.left->kind, ExprKind::kInSubquery);
    EXPECT_EQ(left.right->as<UnaryExpr>().operand->kind, ExprKind::kExists);
    EXPECT_EQ(conjunction.right->as<BinaryExpr>().right->kind, ExprKind::kScalarSubquery);
    EXPECT_EQ(normalised("SELECT * FROM (SELECT a FROM t) sub"),
              "SELECT * FROM (SELECT a FROM t) AS sub");
    EXPECT_EQ(expr("a NOT IN (SELECT b FROM c)"), "a NOT IN (SELECT b FROM c)");
    EXPECT_EQ(expr("((SELECT 1))"), "(SELECT 1)");
}

TEST(ParserTest, SelectItems) {
    ParsedApp app = parseOk(
        "SELECT *, t.*, a AS x, b y, `c` `Quoted Alias`, d AS k PRIMARY KEY, e PRIMARY KEY AS "
        "k2, f PRIMARY KEY FROM t");
    const Query& query = queryOf(app);
    ASSERT_EQ(query.selectItems.size(), 8u);
    EXPECT_EQ(query.selectItems[0].kind, SelectItemKind::kStar);
    EXPECT_TRUE(query.selectItems[0].qualifier.empty());
    EXPECT_EQ(query.selectItems[1].kind, SelectItemKind::kStar);
    ASSERT_EQ(query.selectItems[1].qualifier.size(), 1u);
    EXPECT_EQ(query.selectItems[1].qualifier[0].name, "t");
    EXPECT_EQ(query.selectItems[2].alias->name, "x");
    EXPECT_EQ(query.selectItems[3].alias->name, "y");
    EXPECT_EQ(query.selectItems[4].alias->name, "Quoted Alias");
    EXPECT_TRUE(query.selectItems[4].alias->quoted);
    EXPECT_TRUE(query.selectItems[5].primaryKey);
    EXPECT_EQ(query.selectItems[5].alias->name, "k");
    EXPECT_TRUE(query.selectItems[6].primaryKey);
    EXPECT_EQ(query.selectItems[6].alias->name, "k2");
    EXPECT_EQ(query.selectItems[6].primaryKeyLocation.column, 71);
    EXPECT_TRUE(query.selectItems[7].primaryKey);
    EXPECT_EQ(app.textOf(query.selectItems[2].range), "a AS x");
    EXPECT_EQ(toSql(query),
              "SELECT *, t.*, a AS x, b AS y, c AS `Quoted Alias`, d AS k PRIMARY KEY, e AS k2 "
              "PRIMARY KEY, f PRIMARY KEY FROM t");
}

TEST(ParserTest, Joins) {
    ParsedApp app = parseOk(
        "SELECT * FROM a JOIN b ON a.id = b.id INNER JOIN c ON c.id = a.id "
        "LEFT JOIN d ON d.id = a.id LEFT OUTER JOIN e ON TRUE RIGHT JOIN f ON TRUE "
        "RIGHT OUTER JOIN g ON TRUE FULL JOIN h ON TRUE FULL OUTER JOIN i AS ii ON TRUE");
    const Query& query = queryOf(app);
    const JoinType expected[] = {JoinType::kFull,  JoinType::kFull, JoinType::kRight,
                                 JoinType::kRight, JoinType::kLeft, JoinType::kLeft,
                                 JoinType::kInner, JoinType::kInner};
    const TableRef* table = query.from.get();
    for (JoinType type : expected) {
        ASSERT_EQ(table->kind, TableRefKind::kJoin);
        const auto& join = table->as<JoinTableRef>();
        EXPECT_EQ(join.joinType, type);
        EXPECT_EQ(join.withinPosition, WithinPosition::kNone);
        table = join.left.get();
    }
    EXPECT_EQ(table->as<NamedTableRef>().name.name, "a");
    EXPECT_EQ(toSql(*query.from),
              "a JOIN b ON a.id = b.id JOIN c ON c.id = a.id LEFT JOIN d ON d.id = a.id LEFT "
              "JOIN e ON TRUE RIGHT JOIN f ON TRUE RIGHT JOIN g ON TRUE FULL JOIN h ON TRUE FULL "
              "JOIN i AS ii ON TRUE");
    EXPECT_EQ(query.from->as<JoinTableRef>().joinLocation.column, 188);
}

TEST(ParserTest, JoinWithinBeforeOrAfterOn) {
    ParsedApp before =
        parseOk("SELECT * FROM orders o JOIN payments p WITHIN INTERVAL '5' MINUTE ON o.id = p.id");
    const auto& beforeJoin = queryOf(before).from->as<JoinTableRef>();
    EXPECT_EQ(beforeJoin.withinPosition, WithinPosition::kBeforeOn);
    EXPECT_EQ(beforeJoin.within->micros, 300'000'000);
    EXPECT_EQ(beforeJoin.left->as<NamedTableRef>().alias->name, "o");
    EXPECT_EQ(beforeJoin.right->as<NamedTableRef>().alias->name, "p");
    EXPECT_EQ(beforeJoin.within->location.column, 47);

    ParsedApp after = parseOk("SELECT * FROM orders o JOIN payments p ON o.id = p.id WITHIN 5m");
    const auto& afterJoin = queryOf(after).from->as<JoinTableRef>();
    EXPECT_EQ(afterJoin.withinPosition, WithinPosition::kAfterOn);
    EXPECT_EQ(afterJoin.within->micros, 300'000'000);
    EXPECT_EQ(afterJoin.within->text, "5m");
    EXPECT_EQ(toSql(afterJoin), "orders AS o JOIN payments AS p ON o.id = p.id WITHIN 5m");
    EXPECT_EQ(toSql(beforeJoin),
              "orders AS o JOIN payments AS p WITHIN INTERVAL '5' MINUTE ON o.id = p.id");
    EXPECT_EQ(normalised("SELECT * FROM a JOIN (SELECT * FROM b) bb WITHIN 1h ON a.k = bb.k "
                         "LEFT JOIN c ON c.k = a.k WITHIN 2h"),
              "SELECT * FROM a JOIN (SELECT * FROM b) AS bb WITHIN 1h ON a.k = bb.k LEFT JOIN c "
              "ON c.k = a.k WITHIN 2h");
}

TEST(ParserTest, Windows) {
    ParsedApp tumbling = parseOk("SELECT 1 FROM t WINDOW TUMBLING(t.ts, INTERVAL '1' HOUR)");
    const WindowSpec& tumble = *queryOf(tumbling).window;
    EXPECT_EQ(tumble.windowKind, WindowKind::kTumbling);
    ASSERT_NE(tumble.timeColumn, nullptr);
    EXPECT_EQ(toSql(*tumble.timeColumn), "t.ts");
    EXPECT_EQ(tumble.size->micros, 3'600'000'000LL);
    EXPECT_EQ(tumble.location.column, 17);

    ParsedApp sliding = parseOk("SELECT 1 FROM t WINDOW SLIDING(10m, 1m)");
    const WindowSpec& slide = *queryOf(sliding).window;
    EXPECT_EQ(slide.windowKind, WindowKind::kSliding);
    EXPECT_FALSE(slide.spelledHopping);
    EXPECT_EQ(slide.size->micros, 600'000'000);
    EXPECT_EQ(slide.advance->micros, 60'000'000);
    EXPECT_EQ(slide.advance->location.column, 37);

    ParsedApp hopping = parseOk("SELECT 1 FROM t WINDOW HOPPING(_processing_time, 1h, 500ms)");
    const WindowSpec& hop = *queryOf(hopping).window;
    EXPECT_EQ(hop.windowKind, WindowKind::kSliding);
    EXPECT_TRUE(hop.spelledHopping);
    EXPECT_EQ(toSql(*hop.timeColumn), "_processing_time");
    EXPECT_EQ(hop.advance->micros, 500'000);

    ParsedApp session = parseOk("SELECT 1 FROM t WINDOW SESSION(INTERVAL '30' SECONDS)");
    const WindowSpec& gap = *queryOf(session).window;
    EXPECT_EQ(gap.windowKind, WindowKind::kSession);
    EXPECT_EQ(gap.gap->micros, 30'000'000);
    EXPECT_FALSE(gap.size.has_value());

    ParsedApp months = parseOk("SELECT 1 FROM t WINDOW TUMBLING(INTERVAL '1' MONTH)");
    EXPECT_EQ(queryOf(months).window->size->months, 1);  // rejected later by the binder
    EXPECT_EQ(queryOf(months).window->size->micros, 0);

    EXPECT_EQ(normalised("SELECT 1 FROM t WINDOW HOPPING(ts, 10us, 1d)"),
              "SELECT 1 FROM t WINDOW HOPPING(ts, 10us, 1d)");
}

// ---------------------------------------------------------------------------------------
// Expressions

TEST(ParserTest, OperatorPrecedence) {
    EXPECT_EQ(expr("a OR b AND c"), "a OR (b AND c)");
    EXPECT_EQ(expr("a AND b OR c AND d"), "(a AND b) OR (c AND d)");
    EXPECT_EQ(expr("NOT a AND b"), "(NOT a) AND b");
    EXPECT_EQ(expr("NOT a = b"), "NOT (a = b)");
    EXPECT_EQ(expr("NOT NOT a"), "NOT (NOT a)");
    EXPECT_EQ(expr("a = b AND c <> d"), "(a = b) AND (c <> d)");
    EXPECT_EQ(expr("a < b = TRUE"), "(a < b) = TRUE");
    EXPECT_EQ(expr("a || b = c || d"), "(a || b) = (c || d)");
    EXPECT_EQ(expr("a + b || c"), "(a + b) || c");
    EXPECT_EQ(expr("a + b * c"), "a + (b * c)");
    EXPECT_EQ(expr("a * b + c"), "(a * b) + c");
    EXPECT_EQ(expr("a - b - c"), "(a - b) - c");
    EXPECT_EQ(expr("a / b % c * d"), "((a / b) % c) * d");
    EXPECT_EQ(expr("-a * b"), "(-a) * b");
    EXPECT_EQ(expr("-a[1]"), "-a[1]");
    EXPECT_EQ(expr("- - a"), "-(-a)");
    EXPECT_EQ(expr("+a"), "+a");
    EXPECT_EQ(expr("a + b BETWEEN c AND d + e"), "(a + b) BETWEEN c AND (d + e)");
    EXPECT_EQ(expr("a BETWEEN b AND c AND d"), "(a BETWEEN b AND c) AND d");
    EXPECT_EQ(expr("a = b IS NULL"), "(a = b) IS NULL");
    EXPECT_EQ(expr("NOT a IS NULL"), "NOT (a IS NULL)");
    EXPECT_EQ(expr("a || b LIKE c || '%'"), "(a || b) LIKE (c || '%')");
    EXPECT_EQ(expr("a + 1 IN (1, 2 + 3)"), "(a + 1) IN (1, 2 + 3)");
    EXPECT_EQ(expr("(a OR b) AND c"), "(a OR b) AND c");
    EXPECT_EQ(expr("a - -1"), "a - (-1)");
    EXPECT_EQ(expr("a.b.c * 2 > d[1] - e.f"), "(a.b.c * 2) > (d[1] - e.f)");
}

TEST(ParserTest, PredicateForms) {
    EXPECT_EQ(expr("x IN (1, 2, 3)"), "x IN (1, 2, 3)");
    EXPECT_EQ(expr("x NOT IN ('a')"), "x NOT IN ('a')");
    EXPECT_EQ(expr("x NOT BETWEEN 1 AND 2"), "x NOT BETWEEN 1 AND 2");
    EXPECT_EQ(expr("s LIKE 'a%'"), "s LIKE 'a%'");
    EXPECT_EQ(expr("s NOT LIKE 'a!%%' ESCAPE '!'"), "s NOT LIKE 'a!%%' ESCAPE '!'");
    EXPECT_EQ(expr("x IS NULL"), "x IS NULL");
    EXPECT_EQ(expr("x IS NOT NULL"), "x IS NOT NULL");
    EXPECT_EQ(expr("x IS DISTINCT FROM y"), "x IS DISTINCT FROM y");
    EXPECT_EQ(expr("x IS NOT DISTINCT FROM y + 1"), "x IS NOT DISTINCT FROM (y + 1)");
    EXPECT_EQ(expr("x IS TRUE"), "x IS TRUE");
    EXPECT_EQ(expr("x IS NOT FALSE"), "x IS NOT FALSE");

    Result<ParsedExpression> in = parseExpression("price NOT IN (1, 2)");
    ASSERT_TRUE(in.isOk());
    const auto& list = in->expr->as<InListExpr>();
    EXPECT_TRUE(list.negated);
    EXPECT_EQ(list.list.size(), 2u);
    EXPECT_EQ(list.operatorLocation.column, 7);
    Result<ParsedExpression> isNull = parseExpression("x IS NOT NULL");
    ASSERT_TRUE(isNull.isOk());
    EXPECT_TRUE(isNull->expr->as<IsNullExpr>().negated);
}

TEST(ParserTest, Literals) {
    Result<ParsedExpression> parsed = parseExpression("42");
    ASSERT_TRUE(parsed.isOk());
    const auto& integer = parsed->expr->as<LiteralExpr>();
    EXPECT_EQ(integer.literalKind, LiteralKind::kInteger);
    EXPECT_EQ(integer.intValue, 42);

    parsed = parseExpression("-9223372036854775808");
    ASSERT_TRUE(parsed.isOk()) << parsed.status().toString();
    EXPECT_EQ(parsed->expr->as<LiteralExpr>().intValue, INT64_MIN);
    EXPECT_EQ(parsed->expr->range.begin, 0u);

    parsed = parseExpression("9223372036854775807");
    ASSERT_TRUE(parsed.isOk());
    EXPECT_EQ(parsed->expr->as<LiteralExpr>().intValue, INT64_MAX);

    parsed = parseExpression("1.50");
    ASSERT_TRUE(parsed.isOk());
    EXPECT_EQ(parsed->expr->as<LiteralExpr>().literalKind, LiteralKind::kDecimal);
    EXPECT_EQ(parsed->expr->as<LiteralExpr>().text, "1.50");

    parsed = parseExpression("-0.25");
    ASSERT_TRUE(parsed.isOk());
    EXPECT_EQ(parsed->expr->as<LiteralExpr>().text, "-0.25");

    parsed = parseExpression("2.5E-1");
    ASSERT_TRUE(parsed.isOk());
    EXPECT_EQ(parsed->expr->as<LiteralExpr>().literalKind, LiteralKind::kDouble);
    EXPECT_DOUBLE_EQ(parsed->expr->as<LiteralExpr>().doubleValue, 0.25);
    EXPECT_EQ(expr("1e3"), "1e3");

    parsed = parseExpression("'it''s'");
    ASSERT_TRUE(parsed.isOk());
    EXPECT_EQ(parsed->expr->as<LiteralExpr>().literalKind, LiteralKind::kString);
    EXPECT_EQ(parsed->expr->as<LiteralExpr>().text, "it's");
    EXPECT_EQ(expr("'it''s'"), "'it''s'");

    EXPECT_EQ(expr("TRUE AND false OR NULL"), "(TRUE AND FALSE) OR NULL");
    parsed = parseExpression("NULL");
    ASSERT_TRUE(parsed.isOk());
    EXPECT_EQ(parsed->expr->as<LiteralExpr>().literalKind, LiteralKind::kNull);

    parsed = parseExpression("DATE '2024-01-31'");
    ASSERT_TRUE(parsed.isOk());
    EXPECT_EQ(parsed->expr->as<LiteralExpr>().literalKind, LiteralKind::kDate);
    EXPECT_EQ(parsed->expr->as<LiteralExpr>().text, "2024-01-31");
    parsed = parseExpression("timestamp '2024-01-31 10:00:00'");
    ASSERT_TRUE(parsed.isOk());
    EXPECT_EQ(parsed->expr->as<LiteralExpr>().literalKind, LiteralKind::kTimestamp);
    EXPECT_EQ(toSql(*parsed->expr), "TIMESTAMP '2024-01-31 10:00:00'");
}

TEST(ParserTest, IntervalLiterals) {
    struct Case {
        std::string_view text;
        int32_t months;
        int64_t micros;
        std::string_view sql;
    };
    const Case cases[] = {
        {"INTERVAL '5' MINUTE", 0, 300'000'000, "INTERVAL '5' MINUTE"},
        {"interval '2' minutes", 0, 120'000'000, "INTERVAL '2' MINUTE"},
        {"INTERVAL '1' YEAR", 12, 0, "INTERVAL '1' YEAR"},
        {"INTERVAL '3' MONTHS", 3, 0, "INTERVAL '3' MONTH"},
        {"INTERVAL '2' WEEK", 0, 14 * 86'400'000'000LL, "INTERVAL '2' WEEK"},
        {"INTERVAL '1' DAY", 0, 86'400'000'000LL, "INTERVAL '1' DAY"},
        {"INTERVAL '1' HOUR", 0, 3'600'000'000LL, "INTERVAL '1' HOUR"},
        {"INTERVAL '1.5' SECOND", 0, 1'500'000, "INTERVAL '1.5' SECOND"},
        {"INTERVAL '250' MILLISECONDS", 0, 250'000, "INTERVAL '250' MILLISECOND"},
        {"INTERVAL '7' MICROSECOND", 0, 7, "INTERVAL '7' MICROSECOND"},
        {"INTERVAL '-5' MINUTE", 0, -300'000'000, "INTERVAL '-5' MINUTE"},
        {"INTERVAL 5 MINUTE", 0, 300'000'000, "INTERVAL '5' MINUTE"},
        {"INTERVAL '5 minutes'", 0, 300'000'000, "INTERVAL '5' MINUTE"},
        {"30s", 0, 30'000'000, "30s"},
        {"-30s", 0, -30'000'000, "-30s"},
    };
    for (const Case& c : cases) {
        Result<ParsedExpression> parsed = parseExpression(std::string(c.text));
        ASSERT_TRUE(parsed.isOk()) << c.text << ": " << parsed.status().toString();
        const auto& literal = parsed->expr->as<LiteralExpr>();
        EXPECT_EQ(literal.literalKind, LiteralKind::kInterval) << c.text;
        EXPECT_EQ(literal.interval.months, c.months) << c.text;
        EXPECT_EQ(literal.interval.micros, c.micros) << c.text;
        EXPECT_EQ(toSql(literal), c.sql) << c.text;
    }
    EXPECT_EQ(expr("_event_time - INTERVAL '5' MINUTE"), "_event_time - INTERVAL '5' MINUTE");
}

TEST(ParserTest, FunctionCalls) {
    EXPECT_EQ(expr("now()"), "NOW()");
    EXPECT_EQ(expr("COUNT(*)"), "COUNT(*)");
    EXPECT_EQ(expr("count(DISTINCT trader_id)"), "COUNT(DISTINCT trader_id)");
    EXPECT_EQ(expr("LEFT(s, 2) || RIGHT(s, 3)"), "LEFT(s, 2) || RIGHT(s, 3)");
    EXPECT_EQ(expr("IF(a > 1, 'x', 'y')"), "IF(a > 1, 'x', 'y')");
    EXPECT_EQ(expr("REPLACE(s, 'a', 'b')"), "REPLACE(s, 'a', 'b')");
    EXPECT_EQ(expr("TUMBLE_START(ts, INTERVAL '1' MINUTE)"),
              "TUMBLE_START(ts, INTERVAL '1' MINUTE)");
    EXPECT_EQ(expr("`MyUdf`(1)"), "`MyUdf`(1)");
    EXPECT_EQ(expr("CURRENT_TIMESTAMP"), "CURRENT_TIMESTAMP");
    EXPECT_EQ(expr("current_date()"), "CURRENT_DATE()");
    EXPECT_EQ(expr("POSITION('a' IN s)"), "POSITION('a', s)");
    EXPECT_EQ(expr("POSITION('a', s)"), "POSITION('a', s)");
    EXPECT_EQ(expr("SUBSTRING(s FROM 2 FOR 3)"), "SUBSTRING(s, 2, 3)");
    EXPECT_EQ(expr("SUBSTRING(s FROM 2)"), "SUBSTRING(s, 2)");
    EXPECT_EQ(expr("substring(s, 2, 3)"), "SUBSTRING(s, 2, 3)");
    EXPECT_EQ(expr("TRIM(s)"), "TRIM(s)");
    EXPECT_EQ(expr("TRIM(BOTH 'x' FROM s)"), "TRIM(s, 'x')");
    EXPECT_EQ(expr("TRIM(LEADING FROM s)"), "LTRIM(s)");
    EXPECT_EQ(expr("TRIM(TRAILING '0' FROM s)"), "RTRIM(s, '0')");
    EXPECT_EQ(expr("TRIM('x' FROM s)"), "TRIM(s, 'x')");
    EXPECT_EQ(expr("HEADER('k')"), "HEADER('k')");

    Result<ParsedExpression> parsed = parseExpression("current_timestamp");
    ASSERT_TRUE(parsed.isOk());
    const auto& call = parsed->expr->as<FunctionCallExpr>();
    EXPECT_TRUE(call.noParentheses);
    EXPECT_EQ(call.name.name, "current_timestamp");
    parsed = parseExpression("Count(*)");
    ASSERT_TRUE(parsed.isOk());
    EXPECT_TRUE(parsed->expr->as<FunctionCallExpr>().star);
    EXPECT_EQ(parsed->expr->as<FunctionCallExpr>().name.name, "count");
}

TEST(ParserTest, OverClauses) {
    EXPECT_EQ(expr("ROW_NUMBER() OVER (PARTITION BY symbol ORDER BY _event_time)"),
              "ROW_NUMBER() OVER (PARTITION BY symbol ORDER BY _event_time)");
    EXPECT_EQ(expr("AVG(price) OVER (PARTITION BY symbol ORDER BY _event_time RANGE BETWEEN "
                   "INTERVAL '1' HOUR PRECEDING AND CURRENT ROW)"),
              "AVG(price) OVER (PARTITION BY symbol ORDER BY _event_time RANGE BETWEEN "
              "INTERVAL '1' HOUR PRECEDING AND CURRENT ROW)");
    EXPECT_EQ(expr("SUM(x) OVER (ORDER BY t ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED "
                   "FOLLOWING)"),
              "SUM(x) OVER (ORDER BY t ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED "
              "FOLLOWING)");
    EXPECT_EQ(expr("SUM(x) OVER (ORDER BY t ROWS 5 PRECEDING)"),
              "SUM(x) OVER (ORDER BY t ROWS 5 PRECEDING)");
    EXPECT_EQ(expr("LAG(x, 1) OVER (ORDER BY t RANGE BETWEEN 1h PRECEDING AND 30m FOLLOWING)"),
              "LAG(x, 1) OVER (ORDER BY t RANGE BETWEEN 1h PRECEDING AND 30m FOLLOWING)");
    EXPECT_EQ(expr("RANK() OVER ()"), "RANK() OVER ()");

    Result<ParsedExpression> parsed =
        parseExpression("SUM(x) OVER (PARTITION BY a, b ORDER BY t DESC ROWS 3 PRECEDING)");
    ASSERT_TRUE(parsed.isOk());
    const OverClause& over = *parsed->expr->as<FunctionCallExpr>().over;
    EXPECT_EQ(over.partitionBy.size(), 2u);
    ASSERT_EQ(over.orderBy.size(), 1u);
    EXPECT_TRUE(over.orderBy[0].descending);
    ASSERT_TRUE(over.frame.has_value());
    EXPECT_EQ(over.frame->unit, FrameUnit::kRows);
    EXPECT_FALSE(over.frame->between);
    EXPECT_EQ(over.frame->start.kind, FrameBoundKind::kPreceding);
    EXPECT_EQ(over.frame->start.offset->as<LiteralExpr>().intValue, 3);
    EXPECT_EQ(over.frame->end.kind, FrameBoundKind::kCurrentRow);
}

TEST(ParserTest, CastExtractAndCase) {
    EXPECT_EQ(expr("CAST(price AS DECIMAL(10,2))"), "CAST(price AS DECIMAL(10,2))");
    EXPECT_EQ(expr("cast(x as varchar(20))"), "CAST(x AS STRING)");
    EXPECT_EQ(expr("EXTRACT(year FROM ts)"), "EXTRACT(YEAR FROM ts)");
    EXPECT_EQ(expr("CASE WHEN a > 1 THEN 'big' WHEN a > 0 THEN 'small' ELSE 'none' END"),
              "CASE WHEN a > 1 THEN 'big' WHEN a > 0 THEN 'small' ELSE 'none' END");
    EXPECT_EQ(expr("CASE side WHEN 'B' THEN 1 WHEN 'S' THEN -1 END"),
              "CASE side WHEN 'B' THEN 1 WHEN 'S' THEN -1 END");

    Result<ParsedExpression> parsed = parseExpression("CAST(x AS MAP<STRING, ARRAY<INT>>)");
    ASSERT_TRUE(parsed.isOk()) << parsed.status().toString();
    const auto& cast = parsed->expr->as<CastExpr>();
    EXPECT_EQ(cast.targetType, DataType::map(DataType::array(DataType::bigint())));
    EXPECT_EQ(cast.typeLocation.column, 11);
    parsed = parseExpression("CASE WHEN x THEN 1 END");
    ASSERT_TRUE(parsed.isOk());
    const auto& searched = parsed->expr->as<CaseExpr>();
    EXPECT_EQ(searched.operand, nullptr);
    EXPECT_EQ(searched.elseResult, nullptr);
    EXPECT_EQ(searched.whens.size(), 1u);
    parsed = parseExpression("EXTRACT(EPOCH FROM ts)");
    ASSERT_TRUE(parsed.isOk());
    EXPECT_EQ(parsed->expr->as<ExtractExpr>().part.name, "epoch");
}

TEST(ParserTest, FieldAccessAndSubscripts) {
    Result<ParsedExpression> parsed = parseExpression("s.f.g");
    ASSERT_TRUE(parsed.isOk());
    const auto& column = parsed->expr->as<ColumnRefExpr>();
    ASSERT_EQ(column.parts.size(), 3u);
    EXPECT_EQ(column.parts[0].name, "s");
    EXPECT_EQ(column.parts[2].name, "g");
    EXPECT_EQ(column.parts[2].location.column, 5);

    parsed = parseExpression("m['k'][1].f.`G`");
    ASSERT_TRUE(parsed.isOk());
    const auto& outer = parsed->expr->as<FieldAccessExpr>();
    EXPECT_EQ(outer.field.name, "G");
    EXPECT_TRUE(outer.field.quoted);
    const auto& inner = outer.base->as<FieldAccessExpr>();
    EXPECT_EQ(inner.field.name, "f");
    const auto& index = inner.base->as<SubscriptExpr>();
    EXPECT_EQ(toSql(*index.index), "1");
    EXPECT_EQ(index.base->as<SubscriptExpr>().base->as<ColumnRefExpr>().parts[0].name, "m");
    EXPECT_EQ(toSql(*parsed->expr), "m['k'][1].f.`G`");
    EXPECT_EQ(expr("(s).f"), "s.f");
    EXPECT_EQ(expr("(a + b)[1]"), "(a + b)[1]");
    EXPECT_EQ(expr("t.`end`"), "t.`end`");
    EXPECT_EQ(expr("t.end"), "t.`end`");  // any word after '.'
}

TEST(ParserTest, Types) {
    struct Case {
        std::string_view type;
        DataType expected;
    };
    const Case cases[] = {
        {"BOOLEAN", DataType::boolean()},
        {"INT", DataType::bigint()},
        {"integer", DataType::bigint()},
        {"BIGINT", DataType::bigint()},
        {"DOUBLE", DataType::float64()},
        {"DOUBLE PRECISION", DataType::float64()},
        {"FLOAT", DataType::float64()},
        {"DECIMAL(18,4)", DataType::decimal(18, 4)},
        {"DECIMAL(38, 38)", DataType::decimal(38, 38)},
        {"DECIMAL(10)", DataType::decimal(10, 0)},
        {"NUMERIC(5,2)", DataType::decimal(5, 2)},
        {"STRING", DataType::string()},
        {"VARCHAR", DataType::string()},
        {"VARCHAR(255)", DataType::string()},
        {"TEXT", DataType::string()},
        {"BYTES", DataType::bytes()},
        {"TIMESTAMP", DataType::timestamp()},
        {"DATE", DataType::date()},
        {"INTERVAL", DataType::interval()},
        {"ARRAY<STRING>", DataType::array(DataType::string())},
        {"ARRAY<ARRAY<INT>>", DataType::array(DataType::array(DataType::bigint()))},
        {"MAP<STRING, DECIMAL(10,2)>", DataType::map(DataType::decimal(10, 2))},
        {"MAP<VARCHAR,MAP<STRING,BOOLEAN>>", DataType::map(DataType::map(DataType::boolean()))},
        {"STRUCT<a INT, `B` STRING, end ARRAY<DATE>>",
         DataType::structOf({{"a", DataType::bigint()},
                             {"B", DataType::string()},
                             {"end", DataType::array(DataType::date())}})},
    };
    for (const Case& c : cases) {
        ParsedApp app = parseOk("CREATE STREAM s (c " + std::string(c.type) + ")");
        ASSERT_EQ(app.statements.size(), 1u) << c.type;
        EXPECT_EQ(onlyStatement<DeclareStatement>(app).columns.at(0).type, c.expected) << c.type;
    }
}

TEST(ParserTest, IdentifiersQuotingAndCaseFolding) {
    ParsedApp app = parseOk(
        "SELECT Price, `Price`, \"Price\", key, first, last, streams, tables, timestamp, date, "
        "interval, minute, tumbling, session, nulls, `select` FROM `Trades` AS T");
    const Query& query = queryOf(app);
    const auto& first = query.selectItems[0].expr->as<ColumnRefExpr>().parts[0];
    EXPECT_EQ(first.name, "price");
    EXPECT_FALSE(first.quoted);
    const auto& second = query.selectItems[1].expr->as<ColumnRefExpr>().parts[0];
    EXPECT_EQ(second.name, "Price");
    EXPECT_TRUE(second.quoted);
    EXPECT_EQ(query.selectItems[2].expr->as<ColumnRefExpr>().parts[0].name, "Price");
    EXPECT_EQ(query.selectItems[15].expr->as<ColumnRefExpr>().parts[0].name, "select");
    const auto& from = query.from->as<NamedTableRef>();
    EXPECT_EQ(from.name.name, "Trades");
    EXPECT_TRUE(from.name.quoted);
    EXPECT_EQ(from.alias->name, "t");
    EXPECT_EQ(toSql(query),
              "SELECT price, `Price`, `Price`, key, first, last, streams, tables, timestamp, "
              "date, interval, minute, tumbling, session, nulls, `select` FROM `Trades` AS t");
    EXPECT_EQ(normalised("CREATE STREAM key (stream STRING, table INT, window_start BIGINT)"),
              "CREATE STREAM key (stream STRING, table BIGINT, window_start BIGINT)");
}

// ---------------------------------------------------------------------------------------
// Annotations

TEST(ParserTest, AnnotationsOfAppAndStatements) {
    ParsedApp app = parseOk(
        "-- @app: my_app\n"
        "-- @job_mode: transactional   -- simple | transactional\n"
        "\n"
        "-- @description: directly above, but always an app annotation\n"
        "-- a plain comment in the block\n"
        "/* a block comment */\n"
        "-- @name: first_job\n"
        "CREATE STREAM a AS SELECT * FROM s;\n"
        "\n"
        "-- @name: second_job\n"
        "-- @metric: trades_total\n"
        "-- @metric_type: counter\n"
        "-- @metric: notional_sum\n"
        "-- @metric_type: gauge\n"
        "INSERT INTO k SELECT * FROM s;\n"
        "CREATE STREAM b AS SELECT * FROM s;\n");
    ASSERT_EQ(app.statements.size(), 3u);
    ASSERT_EQ(app.appAnnotations.size(), 3u);
    EXPECT_EQ(app.appAnnotations[0].key, "app");
    EXPECT_EQ(app.appAnnotations[1].key, "job_mode");
    EXPECT_EQ(app.appAnnotations[1].value, "transactional");
    EXPECT_EQ(app.appAnnotations[2].key, "description");
    EXPECT_EQ(app.appAnnotations[2].value, "directly above, but always an app annotation");

    const auto& first = app.statements[0]->annotations;
    ASSERT_EQ(first.size(), 1u);
    EXPECT_EQ(first[0].key, "name");
    EXPECT_EQ(first[0].value, "first_job");
    EXPECT_EQ(first[0].location.line, 7);

    const auto& second = app.statements[1]->annotations;
    ASSERT_EQ(second.size(), 5u);
    EXPECT_EQ(second[1].key, "metric");
    EXPECT_EQ(second[1].value, "trades_total");
    EXPECT_EQ(second[2].value, "counter");
    EXPECT_EQ(second[3].key, "metric");
    EXPECT_EQ(second[3].value, "notional_sum");
    EXPECT_EQ(second[4].value, "gauge");
    EXPECT_TRUE(app.statements[2]->annotations.empty());
    EXPECT_TRUE(app.detachedAnnotations.empty());
}

TEST(ParserTest, AnnotationValuesAndDetachedAnnotations) {
    ParsedApp app = parseOk(
        "--@name:tight\n"
        "CREATE STREAM a AS SELECT * FROM s; -- @name: trailing_is_detached\n"
        "-- @metric_condition: price > 100 AND side = 'B'\n"
        "-- @metric_labels: symbol,side--no space before the dashes: kept\n"
        "-- @description:\n"
        "CREATE STREAM b AS SELECT * FROM s;\n"
        "-- @name: separated_by_blank_line\n"
        "\n"
        "CREATE STREAM c AS\n"
        "-- @name: inside_a_statement\n"
        "SELECT * FROM s;\n"
        "-- @name: after_everything\n");
    ASSERT_EQ(app.statements.size(), 3u);
    ASSERT_EQ(app.statements[0]->annotations.size(), 1u);
    EXPECT_EQ(app.statements[0]->annotations[0].value, "tight");
    EXPECT_EQ(app.statements[0]->annotations[0].valueLocation.column, 9);
    const auto& second = app.statements[1]->annotations;
    ASSERT_EQ(second.size(), 3u);
    EXPECT_EQ(second[0].value, "price > 100 AND side = 'B'");
    EXPECT_EQ(second[1].value, "symbol,side--no space before the dashes: kept");
    EXPECT_EQ(second[2].key, "description");
    EXPECT_EQ(second[2].value, "");
    EXPECT_TRUE(app.statements[2]->annotations.empty());
    ASSERT_EQ(app.detachedAnnotations.size(), 4u);
    EXPECT_EQ(app.detachedAnnotations[0].value, "trailing_is_detached");
    EXPECT_EQ(app.detachedAnnotations[1].value, "separated_by_blank_line");
    EXPECT_EQ(app.detachedAnnotations[2].value, "inside_a_statement");
    EXPECT_EQ(app.detachedAnnotations[3].value, "after_everything");
    EXPECT_TRUE(app.appAnnotations.empty());
}

TEST(ParserTest, AnnotationsWithoutStatementsBelongToTheApp) {
    ParsedApp app = parseOk("-- @app: empty\n-- @version: 2\n");
    EXPECT_TRUE(app.statements.empty());
    ASSERT_EQ(app.appAnnotations.size(), 2u);
    EXPECT_EQ(app.appAnnotations[1].value, "2");
}

TEST(ParserTest, StatementOnTheSameLineAsTheLastHasNoAnnotations) {
    ParsedApp app = parseOk("-- @name: a_job\nSHOW STREAMS; SHOW TABLES");
    ASSERT_EQ(app.statements.size(), 2u);
    EXPECT_EQ(app.statements[0]->annotations.size(), 1u);
    EXPECT_TRUE(app.statements[1]->annotations.empty());
}

// ---------------------------------------------------------------------------------------
// Locations and ranges

TEST(ParserTest, NodeLocationsAndRanges) {
    ParsedApp app = parseOk("SELECT\n  a + 1,\n  upper(name) AS n\nFROM t x\nWHERE a > 2");
    const Query& query = queryOf(app);
    EXPECT_EQ(query.location.line, 1);
    EXPECT_EQ(query.location.column, 1);
    const Expr& sum = *query.selectItems[0].expr;
    EXPECT_EQ(sum.location.line, 2);
    EXPECT_EQ(sum.location.column, 3);
    EXPECT_EQ(sum.as<BinaryExpr>().operatorLocation.column, 5);
    EXPECT_EQ(app.textOf(sum.range), "a + 1");
    EXPECT_EQ(app.textOf(query.selectItems[1].expr->range), "upper(name)");
    EXPECT_EQ(app.textOf(query.selectItems[1].range), "upper(name) AS n");
    EXPECT_EQ(query.selectItems[1].alias->location.column, 18);
    EXPECT_EQ(app.textOf(query.from->range), "t x");
    EXPECT_EQ(app.textOf(query.where->range), "a > 2");
    EXPECT_EQ(query.where->location.line, 5);
    EXPECT_EQ(app.textOf(app.statements[0]->range), app.text);
    EXPECT_EQ(app.textOf(query.range), app.text);

    Result<ParsedExpression> parsed = parseExpression("(a + b) * c");
    ASSERT_TRUE(parsed.isOk());
    EXPECT_EQ(parsed->expr->range.begin, 1u);  // the operand's own text, without '('
    EXPECT_EQ(parsed->expr->range.end, 11u);
    EXPECT_EQ(parsed->expr->as<BinaryExpr>().left->range.end, 6u);
}

// ---------------------------------------------------------------------------------------
// Limits

TEST(ParserTest, NestingIsCapped) {
    std::string ok = std::string(200, '(') + "1" + std::string(200, ')');
    EXPECT_EQ(expr(ok), "1");
    std::string deep = "SELECT " + std::string(300, '(') + "1" + std::string(300, ')');
    EXPECT_EQ(parseError(deep),
              "1:264: syntax error: the statement nests too deeply (more than 256 levels)");
    std::string nots = "SELECT ";
    for (int i = 0; i < 300; ++i) nots += "NOT ";
    EXPECT_EQ(parseError(nots + "x"),
              "1:1032: syntax error: the statement nests too deeply (more than 256 levels)");
    std::string subqueries;
    for (int i = 0; i < 300; ++i) subqueries += "SELECT * FROM (";
    EXPECT_NE(parseError(subqueries).find("nests too deeply"), std::string::npos);
    std::string types = "CREATE STREAM s (c ";
    for (int i = 0; i < 300; ++i) types += "ARRAY<";
    EXPECT_NE(parseError(types).find("nests too deeply"), std::string::npos);
}

TEST(ParserTest, ExpressionHeightIsCapped) {
    std::string chain = "SELECT a";
    for (int i = 0; i < 998; ++i) chain += " + a";
    EXPECT_EQ(parseOk(chain).statements.size(), 1u);
    chain += " + a + a";
    EXPECT_EQ(parseError(chain),
              "1:8: syntax error: the expression is too deeply nested (more than 1000 levels)");
    std::string ors = "SELECT * FROM t WHERE (x";
    for (int i = 0; i < 600; ++i) ors += " OR x";
    ors += ") AND (x";
    for (int i = 0; i < 600; ++i) ors += " OR x";
    ors += ")";
    EXPECT_EQ(parseOk(ors).statements.size(), 1u);
    std::string nested = "SELECT * FROM t WHERE ((x";
    for (int i = 0; i < 600; ++i) nested += " OR x";
    nested += ")";
    for (int i = 0; i < 600; ++i) nested += " OR x";
    nested += ")";
    EXPECT_NE(parseError(nested).find("too deeply nested"), std::string::npos);
}

TEST(ParserTest, JoinCountIsCapped) {
    std::string joins = "SELECT * FROM t0";
    for (int i = 1; i <= 256; ++i) joins += " JOIN t" + std::to_string(i) + " ON TRUE";
    EXPECT_EQ(parseOk(joins).statements.size(), 1u);
    size_t column = joins.size() + 2;
    joins += " JOIN x ON TRUE";
    EXPECT_EQ(parseError(joins), "1:" + std::to_string(column) +
                                     ": syntax error: too many joins in one FROM (more than 256)");
}

TEST(ParserTest, LongFlatListsAreFine) {
    std::string list = "SELECT * FROM t WHERE x IN (0";
    for (int i = 1; i < 20000; ++i) list += ", " + std::to_string(i);
    list += ")";
    ParsedApp app = parseOk(list);
    EXPECT_EQ(queryOf(app).where->as<InListExpr>().list.size(), 20000u);
}

// ---------------------------------------------------------------------------------------
// Errors: exact message and location

TEST(ParserTest, SyntaxErrors) {
    const std::pair<std::string_view, std::string_view> cases[] = {
        {"SELECT a FROM t WHERE a > 1 garbage",
         "1:29: syntax error: unexpected 'garbage' after the end of the statement"},
        {"SELECT a FROM t x garbage",
         "1:19: syntax error: unexpected 'garbage' after the end of the statement"},
        {"SELECT a, , b FROM t", "1:11: syntax error: expected an expression, found ','"},
        {"SELECT a FROM t\nWHERE (a +\n  b FROM t",
         "3:5: syntax error: expected ')' to close '(' at 2:7, found 'FROM'"},
        {"SELECT a FROM t\nCREATE STREAM x AS SELECT 1",
         "2:1: syntax error: unexpected 'CREATE' after the end of the statement (missing ';' "
         "before it?)"},
        {"SELECT select FROM t",
         "1:8: syntax error: 'select' is a reserved word; quote it as `select` to use it as a "
         "name"},
        {"CREATE STREAM order (a INT)",
         "1:15: syntax error: 'order' is a reserved word; quote it as `order` to use it as a "
         "name"},
        {"SELECT FROM t", "1:8: syntax error: expected an expression, found 'FROM'"},
        {"SELECT a FROM",
         "1:14: syntax error: expected a stream or table name, found the end of "
         "the input"},
        {"CREATE STREAM s (a STRNG)",
         "1:20: syntax error: unknown type 'STRNG', did you mean 'STRING'?"},
        {"CREATE STREAM s (a BLOB)",
         "1:20: syntax error: unknown type 'BLOB' (types: BOOLEAN, INT, BIGINT, DOUBLE, "
         "DECIMAL(p,s), STRING, BYTES, TIMESTAMP, DATE, INTERVAL, ARRAY<T>, MAP<STRING, T>, "
         "STRUCT<name type, …>)"},
        {"CREATE STREAM s (a DECIMAL)",
         "1:20: syntax error: DECIMAL needs a precision: DECIMAL(p,s)"},
        {"CREATE STREAM s (a DECIMAL(39,2))",
         "1:28: syntax error: DECIMAL precision must be between 1 and 38, found 39"},
        {"CREATE STREAM s (a DECIMAL(0))",
         "1:28: syntax error: DECIMAL precision must be between 1 and 38, found 0"},
        {"CREATE STREAM s (a DECIMAL(10, 11))",
         "1:32: syntax error: DECIMAL scale must be between 0 and the precision 10, found 11"},
        {"CREATE STREAM s (m MAP<INT, STRING>)",
         "1:24: syntax error: MAP keys must be STRING, found BIGINT"},
        {"CREATE STREAM s (a ARRAY<INT)",
         "1:29: syntax error: expected '>' to close '<' at 1:25, found ')'"},
        {"CREATE STREAM s (a STRUCT<x INT, x STRING>)",
         "1:34: syntax error: duplicate field 'x' in STRUCT"},
        {"CREATE STREAM s (a INT b INT)",
         "1:24: syntax error: expected ',' or ')' to close '(' at 1:17, found 'b'"},
        {"CREATE STREAM s (a)",
         "1:19: syntax error: expected a type for the column 'a', found ')'"},
        {"CREATE STREM s (a INT)",
         "1:8: syntax error: expected STREAM or TABLE after CREATE, found 'STREM', did you "
         "mean 'STREAM'?"},
        {"CREATE STREAM s (a INT) AS SELECT 1",
         "1:25: syntax error: CREATE STREAM … AS SELECT takes its columns from the query; "
         "remove the column list"},
        {"CREATE STREAM s SELECT 1",
         "1:17: syntax error: expected '(', AS or WITH after CREATE STREAM s, found 'SELECT'"},
        {"SELECT 1 FROM t WITH (type = 'kafka')",
         "1:23: syntax error: a property name is a string literal: write 'type' = …"},
        {"SELECT 1 FROM t WITH ('a' 'b')",
         "1:27: syntax error: expected '=' after the property name 'a', found the string 'b'"},
        {"SELECT 1 FROM t WITH ('a' = x)",
         "1:29: syntax error: expected a value for the property 'a' (a string, a number, TRUE "
         "or FALSE), found 'x'"},
        {"SELECT 1 FROM t WITH ('a' = 'b' 'c' = 'd')",
         "1:33: syntax error: expected ',' or ')' to close '(' at 1:22, found the string 'c'"},
        {"SELECT 99999999999999999999",
         "1:8: syntax error: integer literal out of range: 99999999999999999999 (BIGINT holds "
         "-9223372036854775808 to 9223372036854775807)"},
        {"SELECT * FROM t WINDOW TUMBLING(5x)",
         "1:33: syntax error: unknown duration unit 'x' in '5x' (expected us, ms, s, m, h or "
         "d)"},
        {"SELECT * FROM t WINDOW TUMBLE(1m)",
         "1:24: syntax error: expected TUMBLING, SLIDING, HOPPING or SESSION after WINDOW, "
         "found 'TUMBLE', did you mean 'TUMBLING'?"},
        {"SELECT * FROM t WINDOW SLIDING(1m)",
         "1:34: syntax error: expected ',' and the advance of SLIDING([time_column,] size, "
         "advance), found ')'"},
        {"SELECT * FROM t WINDOW TUMBLING(ts)",
         "1:35: syntax error: expected ',' after the time column of TUMBLING([time_column,] "
         "size), found ')'"},
        {"SELECT * FROM t WINDOW TUMBLING(ts, 5)",
         "1:37: syntax error: expected a duration such as INTERVAL '1' MINUTE or 1m as the size "
         "of TUMBLING([time_column,] size), found '5'"},
        {"SELECT * FROM t WINDOW SESSION(1m, 2m)",
         "1:34: syntax error: too many arguments: SESSION takes ([time_column,] gap)"},
        {"SELECT * FROM t WINDOW TUMBLING(INTERVAL '1' MINUTES) WINDOW TUMBLING(1m)",
         "1:55: syntax error: WINDOW is given twice"},
        {"SELECT INTERVAL '5' MINUT",
         "1:21: syntax error: unknown INTERVAL unit 'minut', did you mean 'MINUTE'?"},
        {"SELECT INTERVAL '5'",
         "1:20: syntax error: expected an INTERVAL unit (YEAR, QUARTER, MONTH, WEEK, DAY, HOUR, MINUTE, "
         "SECOND, MILLISECOND or MICROSECOND) after INTERVAL '5', found the end of the input"},
        {"SELECT INTERVAL 'x' DAY",
         "1:17: syntax error: expected a number in the INTERVAL literal, found the string 'x'"},
        {"SELECT INTERVAL '1.5' MONTH",
         "1:17: syntax error: INTERVAL '1.5' MONTH is not a whole number of months"},
        {"SELECT * FROM a JOIN b",
         "1:23: syntax error: expected ON and a join condition after the joined source, found "
         "the end of the input"},
        {"SELECT * FROM a JOIN b WITHIN 1m ON a.x = b.x WITHIN 2m",
         "1:47: syntax error: WITHIN is given twice for one join"},
        {"SELECT * FROM a LEFT b ON TRUE",
         "1:22: syntax error: expected JOIN after LEFT, found 'b'"},
        {"SELECT * FROM a, b",
         "1:16: syntax error: a FROM list with ',' is not supported; join "
         "sources with JOIN … ON …"},
        {"SELECT * FROM a CROSS JOIN b",
         "1:17: syntax error: CROSS JOIN is not supported; write JOIN … ON with a condition"},
        {"SELECT * FROM (SELECT 1)",
         "1:25: syntax error: a subquery in FROM needs an alias, as in (SELECT …) AS name; "
         "found the end of the input"},
        {"SELECT a FROM t GROUP BY a WHERE a > 1",
         "1:28: syntax error: 'WHERE' is out of place: the clauses of a query go SELECT, FROM, "
         "JOIN, WHERE, GROUP BY, WINDOW, HAVING, ORDER BY, LIMIT, EMIT"},
        {"SELECT a FROM t UNION SELECT b FROM u", "1:17: syntax error: 'UNION' is not supported"},
        {"SELECT a FROM t EMIT FINALLY",
         "1:22: syntax error: expected CHANGES or FINAL after EMIT, found 'FINALLY', did you "
         "mean 'FINAL'?"},
        {"SELECT a FROM t LIMIT -1",
         "1:23: syntax error: expected a row count (a non-negative integer) after LIMIT, found "
         "'-'"},
        {"CREATE STREAM s AS SELECT a INTO k FROM t",
         "1:29: syntax error: INTO is only allowed in an ad-hoc SELECT statement (to write a "
         "query's results to a sink, use INSERT INTO sink SELECT …)"},
        {"SELECT a INTO k FROM t INTO j", "1:24: syntax error: INTO is given twice"},
        {"SELECT CASE WHEN a THEN b",
         "1:26: syntax error: expected WHEN, ELSE or END to close CASE at 1:8, found the end of "
         "the input"},
        {"SELECT CASE END", "1:13: syntax error: expected WHEN in CASE, found 'END'"},
        {"SELECT CASE WHEN a THEN END",
         "1:25: syntax error: expected an expression after THEN, found 'END'"},
        {"SELECT start, end FROM t",
         "1:15: syntax error: 'end' is a reserved word; quote it as `end` to use it as a name"},
        {"SELECT CAST(a DECIMAL(10,2))",
         "1:15: syntax error: expected AS and a type in CAST(value AS type), found 'DECIMAL'"},
        {"SELECT f(a b)", "1:12: syntax error: expected ',' or ')' to close '(' at 1:9, found 'b'"},
        {"SELECT a[1 FROM t", "1:12: syntax error: expected ']' to close '[' at 1:9, found 'FROM'"},
        {"SELECT a IS 5",
         "1:13: syntax error: expected NULL, NOT, TRUE, FALSE or DISTINCT FROM "
         "after IS, found '5'"},
        {"SELECT a BETWEEN 1 OR 2",
         "1:20: syntax error: expected AND between the bounds of BETWEEN, found 'OR'"},
        {"SELECT a IN 1", "1:13: syntax error: expected '(' after IN, found '1'"},
        {"SELECT t.* + 1 FROM t",
         "1:12: syntax error: unexpected '+' after the end of the "
         "statement"},
        {"SELECT f(t.*)",
         "1:12: syntax error: '.*' is only allowed in the select list, as in SELECT t.*"},
        {"SELECT a FROM t)", "1:16: syntax error: unmatched ')'"},
        {"SELEC a FROM t",
         "1:1: syntax error: expected a statement (CREATE, INSERT, SELECT, WITH, SHOW or "
         "DESCRIBE), found 'SELEC', did you mean 'SELECT'?"},
        {"SHOW STREAM",
         "1:6: syntax error: expected STREAMS, TABLES, JOBS or FUNCTIONS after SHOW, found "
         "'STREAM', did you mean 'STREAMS'?"},
        {"INSERT sink SELECT 1", "1:8: syntax error: expected INTO after INSERT, found 'sink'"},
        {"INSERT INTO sink VALUES (1)",
         "1:18: syntax error: expected a query (SELECT …) after INSERT INTO sink, found "
         "'VALUES'"},
        {"SELECT a AS FROM t",
         "1:13: syntax error: 'FROM' is a reserved word; quote it as `FROM` to use it as a "
         "name"},
        {"SELECT 'abc\n  FROM t", "1:8: syntax error: unterminated string literal: no closing '"},
        {"SELECT a FROM t WHERE s = 'x' /* comment",
         "1:31: syntax error: unterminated comment: '/*' has no closing '*/'"},
        {"SELECT `Name FROM t", "1:8: syntax error: unterminated quoted identifier: no closing `"},
        {"-- @name high_value\nSELECT 1",
         "1:4: syntax error: annotation '@name' needs a ':' after its name, as in '-- @name: "
         "value'"},
        {"SELECT a FROM t ORDER BY a NULLS",
         "1:33: syntax error: expected FIRST or LAST after "
         "NULLS, found the end of the input"},
        {"SELECT SUM(x) OVER (ROWS 1)",
         "1:27: syntax error: expected PRECEDING or FOLLOWING after the frame offset, found ')'"},
        {"SELECT SUM(x) OVER (ROWS BETWEEN x PRECEDING AND CURRENT ROW)",
         "1:34: syntax error: expected a frame bound (UNBOUNDED PRECEDING, n PRECEDING, CURRENT "
         "ROW, n FOLLOWING or UNBOUNDED FOLLOWING), found 'x'"},
        {"SELECT SUM(x) OVER w", "1:20: syntax error: expected '(' after OVER, found 'w'"},
        {"\tSELECT\t*\tFROM\tt\tWHERE\t",
         "1:23: syntax error: expected an expression, found "
         "the end of the input"},
    };
    for (const auto& [sql, message] : cases) {
        EXPECT_EQ(parseError(sql), message) << sql;
    }
}

TEST(ParserTest, ParseExpressionRejectsTrailingTokens) {
    Result<ParsedExpression> parsed = parseExpression("a + b c");
    ASSERT_FALSE(parsed.isOk());
    EXPECT_EQ(parsed.status().toString(), "1:7: syntax error: unexpected 'c' after the expression");
}

// ---------------------------------------------------------------------------------------
// Error rendering

TEST(ErrorRenderTest, CaretUnderTheColumn) {
    std::string sql = "SELECT a\nFROM t\nWHERE a >\n";
    Result<ParsedApp> parsed = parseApp(sql);
    ASSERT_FALSE(parsed.isOk());
    EXPECT_EQ(renderErrorWithCaret(sql, "app.sql", parsed.status()),
              "app.sql:3:10: syntax error: expected an expression, found the end of the input\n"
              "WHERE a >\n"
              "         ^");
}

TEST(ErrorRenderTest, TabsAndWideCharactersLineUp) {
    std::string sql = "SELECT\t'é',\t, x";
    Result<ParsedApp> parsed = parseApp(sql);
    ASSERT_FALSE(parsed.isOk());
    EXPECT_EQ(renderErrorWithCaret(sql, "x.sql", parsed.status()),
              "x.sql:1:13: syntax error: expected an expression, found ','\n"
              "SELECT\t'é',\t, x\n"
              "      \t    \t^");
}

TEST(ErrorRenderTest, CrLfAndMissingLocation) {
    std::string sql = "SELECT 1,\r\n  FROM t\r\n";
    Result<ParsedApp> parsed = parseApp(sql);
    ASSERT_FALSE(parsed.isOk());
    EXPECT_EQ(renderErrorWithCaret(sql, "w.sql", parsed.status()),
              "w.sql:2:3: syntax error: expected an expression, found 'FROM'\n"
              "  FROM t\n"
              "  ^");
    EXPECT_EQ(renderErrorWithCaret(sql, "w.sql", Status::user(ErrorCode::kUnknownKey, "bad key")),
              "w.sql: bad key");
    EXPECT_EQ(
        renderErrorWithCaret("x", "w.sql", Status::user(ErrorCode::kSyntaxError, "far", {9, 1})),
        "w.sql:9:1: far");
}

// ---------------------------------------------------------------------------------------
// Unparse round trip

TEST(ParserTest, ToSqlRoundTripsToTheSameTree) {
    const std::string_view statements[] = {
        kDesignExample,
        "SELECT a.x, b.* FROM a LEFT JOIN b WITHIN 5m ON a.k = b.k WHERE a.x BETWEEN -1 AND "
        "1.5 AND b.s LIKE 'x%' ESCAPE '!' AND b.t IS NOT DISTINCT FROM a.t ORDER BY 1 DESC "
        "LIMIT 3 INTO out WITH ('out.type' = 'stdout_sink', 'n' = 1e3, 'b' = FALSE)",
        "SELECT CASE WHEN x IN (1, 2) THEN -x ELSE - -x END, CAST(m AS MAP<STRING, "
        "STRUCT<a BIGINT>>)['k'].a, EXTRACT(HOUR FROM ts), NOT EXISTS (SELECT 1), "
        "COUNT(DISTINCT y) OVER (PARTITION BY z ORDER BY ts ROWS BETWEEN 2 PRECEDING AND "
        "CURRENT ROW) FROM t",
        "CREATE TABLE `Weird Name` (`Col` ARRAY<DECIMAL(38,10)>, PRIMARY KEY (`Col`))",
        "SELECT -9223372036854775808, - 5, -(5), 2 - -3, -INTERVAL '1' DAY, DATE '2024-01-01', "
        "x IS TRUE, 'a' || 'b' FROM t WINDOW SLIDING(ts, INTERVAL '1' HOUR, 1m)",
    };
    for (std::string_view sql : statements) {
        ParsedApp first = parseOk(sql);
        for (const auto& statement : first.statements) {
            std::string once = toSql(*statement);
            ParsedApp second = parseOk(once);
            ASSERT_EQ(second.statements.size(), 1u) << once;
            EXPECT_EQ(toSql(*second.statements[0]), once);
        }
    }
}

}  // namespace
}  // namespace ferris::sql
