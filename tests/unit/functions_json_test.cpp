// JSON functions of the registry (JSON_VALUE, JSON_EXTRACT, JSON_EXISTS), evaluated the way
// the runtime does through tests/support/expr_eval.h. Outcomes are rendered as text: 'text'
// for a STRING, true/false, NULL, or the row / resolve error with its code.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "expr/compiled_expr.h"
#include "expr/function_registry.h"
#include "expr_eval.h"
#include "types/batch.h"
#include "types/value_vector.h"

namespace ferris::expr {
namespace {

using testing::evalFunction;
using types::DataType;
using types::TypeId;
using types::Value;

Value S(std::string text) {
    return Value::string(std::move(text));
}
Value null() {
    return Value::null();
}
Value nullString() {
    return Value::null(DataType::string());
}

std::string render(const Value& value) {
    if (value.isNull()) return "NULL";
    if (value.type().id() == TypeId::kString) return "'" + value.asString() + "'";
    if (value.type().id() == TypeId::kBoolean) return value.asBool() ? "true" : "false";
    return value.toSql();
}

std::string renderError(std::string_view kind, ErrorCode code, const std::string& message) {
    return std::string(kind) + " " + std::string(errorCodeName(code)) + ": " + message;
}

std::vector<std::string> callRows(const std::string& function,
                                  const std::vector<std::vector<Value>>& rows, bool literal) {
    std::vector<DataType> types;
    for (const auto& arg : rows[0]) types.push_back(arg.type());
    auto result = evalFunction(function, types, rows, std::vector<bool>(types.size(), literal));
    if (!result.isOk()) {
        return {renderError("resolve error", result.status().code(), result.status().message())};
    }
    std::vector<std::string> out;
    for (const auto& row : result->rows) {
        out.push_back(row.isError ? renderError("row error", row.errorCode, row.errorMessage)
                                  : render(row.value));
    }
    return out;
}

/// One call with literal arguments (the path parsed at resolve).
std::string call(const std::string& function, const std::vector<Value>& args) {
    return callRows(function, {args}, true)[0];
}

/// One call with both arguments read from columns (the path parsed per row).
std::string callColumns(const std::string& function, const std::vector<Value>& args) {
    return callRows(function, {args}, false)[0];
}

/// Both forms must agree; returns the outcome.
std::string eval(const std::string& function, std::string json, std::string path) {
    std::string literal = call(function, {S(json), S(path)});
    EXPECT_EQ(literal, callColumns(function, {S(json), S(path)}))
        << function << "(" << json << ", " << path << "): literal and column paths disagree";
    return literal;
}

std::string value(std::string json, std::string path) {
    return eval("JSON_VALUE", std::move(json), std::move(path));
}
std::string extract(std::string json, std::string path) {
    return eval("JSON_EXTRACT", std::move(json), std::move(path));
}
std::string exists(std::string json, std::string path) {
    return eval("JSON_EXISTS", std::move(json), std::move(path));
}

const std::string kDocument = R"({"a": {"b": [10, "x", {"c": true}], "s": "he said \"hi\"",
    "n": null, "num": 187.2300, "big": 123456789012345678901234567890, "e": 1.5E-3,
    "neg": -0, "key with space": 1, "日本": "語", "f": false},
  "arr": [], "obj": {}})";

// ---- registry entries -----------------------------------------------------------------------

TEST(JsonFunctionsTest, Registered) {
    const auto& registry = FunctionRegistry::builtins();
    for (const char* name : {"JSON_VALUE", "JSON_EXTRACT", "JSON_EXISTS"}) {
        const FunctionEntry* entry = registry.find(name);
        ASSERT_NE(entry, nullptr) << name;
        EXPECT_EQ(entry->category, "json");
        EXPECT_EQ(entry->signatures.size(), 1u);
        EXPECT_FALSE(entry->description.empty());
    }
    EXPECT_EQ(call("JSON_VALUE", {S("{}"), Value::bigint(1)}),
              "resolve error type_mismatch: JSON_VALUE cannot take (STRING, BIGINT); it accepts "
              "JSON_VALUE(STRING, STRING) -> STRING");
    EXPECT_EQ(call("JSON_EXISTS", {S("{}")}),
              "resolve error type_mismatch: JSON_EXISTS cannot take (STRING); it accepts "
              "JSON_EXISTS(STRING, STRING) -> BOOLEAN");
}

TEST(JsonFunctionsTest, NullArguments) {
    for (const char* function : {"JSON_VALUE", "JSON_EXTRACT", "JSON_EXISTS"}) {
        EXPECT_EQ(call(function, {null(), S("$.a")}), "NULL") << function;
        EXPECT_EQ(call(function, {S(R"({"a": 1})"), null()}), "NULL") << function;
        EXPECT_EQ(callColumns(function, {nullString(), S("$.a")}), "NULL") << function;
        EXPECT_EQ(callColumns(function, {S(R"({"a": 1})"), nullString()}), "NULL") << function;
    }
}

// ---- JSON_VALUE -----------------------------------------------------------------------------

TEST(JsonFunctionsTest, JsonValueScalars) {
    EXPECT_EQ(value(kDocument, "$.a.b[0]"), "'10'");
    EXPECT_EQ(value(kDocument, "$.a.b[1]"), "'x'");
    EXPECT_EQ(value(kDocument, "$.a.b[2].c"), "'true'");
    EXPECT_EQ(value(kDocument, "$.a.f"), "'false'");
    EXPECT_EQ(value(kDocument, "$.a.s"), "'he said \"hi\"'");
    // Numbers exactly as written.
    EXPECT_EQ(value(kDocument, "$.a.num"), "'187.2300'");
    EXPECT_EQ(value(kDocument, "$.a.big"), "'123456789012345678901234567890'");
    EXPECT_EQ(value(kDocument, "$.a.e"), "'1.5E-3'");
    EXPECT_EQ(value(kDocument, "$.a.neg"), "'-0'");
    EXPECT_EQ(value(R"({"x": 1e400})", "$.x"), "'1e400'");
}

TEST(JsonFunctionsTest, JsonValueIsNullForNullObjectsArraysAndMissingPaths) {
    EXPECT_EQ(value(kDocument, "$.a.n"), "NULL");
    EXPECT_EQ(value(kDocument, "$.a.b[2]"), "NULL");
    EXPECT_EQ(value(kDocument, "$.a.b"), "NULL");
    EXPECT_EQ(value(kDocument, "$.arr"), "NULL");
    EXPECT_EQ(value(kDocument, "$.obj"), "NULL");
    EXPECT_EQ(value(kDocument, "$"), "NULL");
    EXPECT_EQ(value(kDocument, "$.missing"), "NULL");
    EXPECT_EQ(value(kDocument, "$.a.b[3]"), "NULL");
    EXPECT_EQ(value(kDocument, "$.arr[0]"), "NULL");
    EXPECT_EQ(value(kDocument, "$.a.s.x"), "NULL");      // a string has no members
    EXPECT_EQ(value(kDocument, "$.a[0]"), "NULL");       // an object is not an array
    EXPECT_EQ(value(kDocument, "$.a.b.c"), "NULL");      // an array is not an object
    EXPECT_EQ(value(kDocument, "$.a.b[0][0]"), "NULL");  // nor is a number
    EXPECT_EQ(value(kDocument, "$.A"), "NULL");          // names are case-sensitive
}

TEST(JsonFunctionsTest, JsonValuePathForms) {
    EXPECT_EQ(value(kDocument, "$.a['key with space']"), "'1'");
    EXPECT_EQ(value(kDocument, "$.a[\"key with space\"]"), "'1'");
    EXPECT_EQ(value(kDocument, "$.a.\"key with space\""), "'1'");
    EXPECT_EQ(value(kDocument, "$['a']['b'][1]"), "'x'");
    EXPECT_EQ(value(kDocument, "$.a.日本"), "'語'");
    EXPECT_EQ(value(R"({"it's": 1})", R"($['it\'s'])"), "'1'");
    EXPECT_EQ(value(R"({"k\"q": 5})", R"($['k"q'])"), "'5'");
    EXPECT_EQ(value(R"({"a\\b": 6})", R"($["a\\b"])"), "'6'");
    EXPECT_EQ(value(R"({"$id": 7, "_x1": 8})", "$.$id"), "'7'");
    EXPECT_EQ(value(R"({"$id": 7, "_x1": 8})", "$._x1"), "'8'");
    EXPECT_EQ(value(R"({"": 9})", "$['']"), "'9'");
    EXPECT_EQ(value(R"([[1, [2, 3]]])", "$[0][1][1]"), "'3'");
}

TEST(JsonFunctionsTest, JsonValueRootScalars) {
    EXPECT_EQ(value(R"("text")", "$"), "'text'");
    EXPECT_EQ(value(" 42 ", "$"), "'42'");
    EXPECT_EQ(value("true", "$"), "'true'");
    EXPECT_EQ(value("null", "$"), "NULL");
    EXPECT_EQ(value("{}", "$"), "NULL");
    EXPECT_EQ(value("[1]", "$"), "NULL");
    EXPECT_EQ(value("42", "$.a"), "NULL");
    EXPECT_EQ(value("42", "$[0]"), "NULL");
    EXPECT_EQ(value(R"("a\tb")", "$"), "'a\tb'");
}

TEST(JsonFunctionsTest, JsonValueUnescapesStrings) {
    EXPECT_EQ(value(R"({"u": "\u00e9\ud83d\ude00 \/ \\ \n"})", "$.u"), "'é😀 / \\ \n'");
    EXPECT_EQ(value(R"({"u": "日本😀"})", "$.u"), "'日本😀'");
    EXPECT_EQ(value(R"({"u": ""})", "$.u"), "''");
    // Keys are compared unescaped; the first of repeated keys counts.
    EXPECT_EQ(value(R"({"\u00e9": 1})", "$.é"), "'1'");
    EXPECT_EQ(value(R"({"a": 1, "a": 2})", "$.a"), "'1'");
    EXPECT_EQ(value("  {\n \"a\" :\t[ 1 ,\r\n 2 ] }  ", "$.a[1]"), "'2'");
}

// ---- malformed documents --------------------------------------------------------------------

TEST(JsonFunctionsTest, MalformedDocumentsGiveNull) {
    for (std::string json : {"",
                             "   ",
                             "{",
                             R"({"a": 1)",
                             R"({"a": 1}})",
                             R"({"a": 1} x)",
                             "[1 2]",
                             "[1,]",
                             R"({"a": 1,})",
                             R"({"a" 1})",
                             R"({a: 1})",
                             R"({'a': 1})",
                             "tru",
                             "nul",
                             "01",
                             "1.",
                             "-",
                             "+1",
                             ".5",
                             "1e",
                             "NaN",
                             R"("unterminated)",
                             R"("bad \x escape")",
                             "\"raw \x01 control\"",
                             "[1] [2]",
                             R"({"a": [1, 2}})",
                             "\xff",
                             R"({"a": 1, "b": tru})",
                             R"({"a": 1, "b": [1,,2]})",
                             R"({"a": 1, "b": {"c": 01}})",
                             R"({"a": 1, "b": "\u12"})",
                             "[\"a\" \"b\"]",
                             "42 43",
                             R"({"a": 1 "b": 2})",
                             R"({"a": })",
                             "{,}",
                             "[,1]",
                             R"({"a": 1,, "b": 2})",
                             "[1, 2, ]",
                             R"({"a": [})",
                             "]",
                             "}",
                             R"({"a": 1])",
                             "[1}",
                             R"({"a": {"b": 1]})",
                             R"([{"a": 1]])",
                             R"({"a": 1}, {"b": 2})",
                             R"({"a": True})",
                             R"({"a": "\ud800"})",
                             R"({"a": 0x10})",
                             R"({"a": 1.5e+})"}) {
        SCOPED_TRACE(json);
        EXPECT_EQ(value(json, "$.a"), "NULL");
        EXPECT_EQ(value(json, "$"), "NULL");
        EXPECT_EQ(extract(json, "$.a"), "NULL");
        EXPECT_EQ(extract(json, "$"), "NULL");
        EXPECT_EQ(exists(json, "$.a"), "NULL");
        EXPECT_EQ(exists(json, "$"), "NULL");
    }
}

TEST(JsonFunctionsTest, NestingDepthLimit) {
    auto nested = [](int depth) { return std::string(depth, '[') + "1" + std::string(depth, ']'); };
    std::string path = "$";
    for (int i = 0; i < 255; ++i) path += "[0]";
    EXPECT_EQ(value(nested(256), path + "[0]"), "'1'");
    EXPECT_EQ(value(nested(257), "$"), "NULL");
    EXPECT_EQ(exists(nested(257), "$"), "NULL");
}

// ---- JSON_EXTRACT ---------------------------------------------------------------------------

TEST(JsonFunctionsTest, JsonExtractReturnsMinifiedJsonText) {
    const std::string json = R"({"a": {"b": [1, 2.50, {"c": "x y"}], "n": null, "e": {}, "f": [ ]},
        "s": "q\"uote", "t": true})";
    EXPECT_EQ(extract(json, "$.a"), R"('{"b":[1,2.50,{"c":"x y"}],"n":null,"e":{},"f":[]}')");
    EXPECT_EQ(extract(json, "$.a.b"), R"('[1,2.50,{"c":"x y"}]')");
    EXPECT_EQ(extract(json, "$.a.b[1]"), "'2.50'");
    EXPECT_EQ(extract(json, "$.a.b[2].c"), R"('"x y"')");
    EXPECT_EQ(extract(json, "$.a.n"), "'null'");
    EXPECT_EQ(extract(json, "$.a.e"), "'{}'");
    EXPECT_EQ(extract(json, "$.a.f"), "'[]'");
    EXPECT_EQ(extract(json, "$.s"), R"('"q\"uote"')");
    EXPECT_EQ(extract(json, "$.t"), "'true'");
    EXPECT_EQ(
        extract(json, "$"),
        R"('{"a":{"b":[1,2.50,{"c":"x y"}],"n":null,"e":{},"f":[]},"s":"q\"uote","t":true}')");
    EXPECT_EQ(extract(json, "$.missing"), "NULL");
    EXPECT_EQ(extract(json, "$.a.b[3]"), "NULL");
    EXPECT_EQ(extract(R"( "日本" )", "$"), R"('"日本"')");
    EXPECT_EQ(extract(R"({"k": "a \\\" b\t"})", "$.k"), R"('"a \\\" b\t"')");
}

// ---- JSON_EXISTS ----------------------------------------------------------------------------

TEST(JsonFunctionsTest, JsonExists) {
    EXPECT_EQ(exists(kDocument, "$"), "true");
    EXPECT_EQ(exists(kDocument, "$.a"), "true");
    EXPECT_EQ(exists(kDocument, "$.a.n"), "true");  // present, with a null value
    EXPECT_EQ(exists(kDocument, "$.a.b[2].c"), "true");
    EXPECT_EQ(exists(kDocument, "$.arr"), "true");
    EXPECT_EQ(exists(kDocument, "$.missing"), "false");
    EXPECT_EQ(exists(kDocument, "$.a.b[3]"), "false");
    EXPECT_EQ(exists(kDocument, "$.arr[0]"), "false");
    EXPECT_EQ(exists(kDocument, "$.a.s.x"), "false");
    EXPECT_EQ(exists("null", "$"), "true");
    EXPECT_EQ(exists("[]", "$[0]"), "false");
}

// ---- paths ----------------------------------------------------------------------------------

TEST(JsonFunctionsTest, InvalidLiteralPathsAreResolveErrors) {
    auto error = [](const std::string& path) { return call("JSON_VALUE", {S("{}"), S(path)}); };
    EXPECT_EQ(error(""),
              "resolve error invalid_argument: JSON_VALUE: invalid JSON path '': expected "
              "'$' at position 1, found the end");
    EXPECT_EQ(error("a.b"),
              "resolve error invalid_argument: JSON_VALUE: invalid JSON path 'a.b': "
              "expected '$' at position 1, found 'a'");
    EXPECT_EQ(error("$."),
              "resolve error invalid_argument: JSON_VALUE: invalid JSON path '$.': "
              "expected a member name at position 3, found the end");
    EXPECT_EQ(error("$a"),
              "resolve error invalid_argument: JSON_VALUE: invalid JSON path '$a': "
              "expected '.' or '[' at position 2, found 'a'");
    EXPECT_EQ(error("$.a b"),
              "resolve error invalid_argument: JSON_VALUE: invalid JSON path '$.a b': "
              "expected '.' or '[' at position 4, found ' '");
    EXPECT_EQ(error("$["),
              "resolve error invalid_argument: JSON_VALUE: invalid JSON path '$[': "
              "expected an array index or a quoted member name at position 3, found the "
              "end");
    EXPECT_EQ(error("$[1"),
              "resolve error invalid_argument: JSON_VALUE: invalid JSON path '$[1': "
              "expected ']' at position 4, found the end");
    EXPECT_EQ(error("$['a"),
              "resolve error invalid_argument: JSON_VALUE: invalid JSON path '$['a': "
              "expected a closing ' at position 5, found the end");
    EXPECT_EQ(error("$['a'x"),
              "resolve error invalid_argument: JSON_VALUE: invalid JSON path "
              "'$['a'x': expected ']' at position 6, found 'x'");
    EXPECT_EQ(error("$[-1]"),
              "resolve error invalid_argument: JSON_VALUE: invalid JSON path '$[-1]': "
              "expected an array index or a quoted member name at position 3, found "
              "'-'");
    EXPECT_EQ(error("$.*"),
              "resolve error invalid_argument: JSON_VALUE: invalid JSON path '$.*': "
              "expected a member name at position 3, found '*'");
    EXPECT_EQ(error("$[*]"),
              "resolve error invalid_argument: JSON_VALUE: invalid JSON path '$[*]': "
              "expected an array index or a quoted member name at position 3, found "
              "'*'");
    EXPECT_EQ(error("$[99999999999999999999]"),
              "resolve error invalid_argument: JSON_VALUE: invalid JSON path "
              "'$[99999999999999999999]': expected an array index below 2^62 at position 3, found "
              "'9'");
    // Positions count characters, not bytes.
    EXPECT_EQ(error("$.日本.x y"),
              "resolve error invalid_argument: JSON_VALUE: invalid JSON path "
              "'$.日本.x y': expected '.' or '[' at position 7, found ' '");
    EXPECT_EQ(call("JSON_EXISTS", {S("{}"), S("$..a")}),
              "resolve error invalid_argument: JSON_EXISTS: invalid JSON path '$..a': expected a "
              "member name at position 3, found '.'");
}

TEST(JsonFunctionsTest, PathsFromTheDataAreParsedPerRow) {
    EXPECT_EQ(callRows("JSON_VALUE",
                       {{S(R"({"a": 1, "b": 2})"), S("$.a")},
                        {S(R"({"a": 3, "b": 4})"), S("$.a")},
                        {S(R"({"a": 5, "b": 6})"), S("$.b")},
                        {S(R"({"a": 7})"), S("$.")},
                        {S(R"({"a": 8})"), S("$.a")},
                        {S(R"({"a": 9)"), S("$.a")},
                        {S(R"([10, 11])"), S("$[1]")}},
                       false),
              (std::vector<std::string>{"'1'", "'3'", "'6'",
                                        "row error invalid_argument: JSON_VALUE: invalid JSON path "
                                        "'$.': expected a member name at position 3, found the end",
                                        "'8'", "NULL", "'11'"}));
    EXPECT_EQ(callColumns("JSON_EXTRACT", {S("{}"), S("x")}),
              "row error invalid_argument: JSON_EXTRACT: invalid JSON path 'x': expected '$' at "
              "position 1, found 'x'");
    EXPECT_EQ(callColumns("JSON_EXISTS", {S("{}"), S("$[")}),
              "row error invalid_argument: JSON_EXISTS: invalid JSON path '$[': expected an array "
              "index or a quoted member name at position 3, found the end");
}

TEST(JsonFunctionsTest, ManyDocumentsOfGrowingSizeReuseTheParser) {
    std::vector<std::vector<Value>> rows;
    std::vector<std::string> expected;
    std::string items;
    for (int i = 0; i < 300; ++i) {
        if (i > 0) items += ", ";
        items +=
            R"({"id": )" + std::to_string(i) + R"(, "name": "item \")" + std::to_string(i) + "\"}";
        rows.push_back(
            {S("{\"items\": [" + items + "]}"), S("$.items[" + std::to_string(i) + "].name")});
        expected.push_back("'item \"" + std::to_string(i) + "'");
    }
    EXPECT_EQ(callRows("JSON_VALUE", rows, false), expected);
}

// ---- zero-copy ------------------------------------------------------------------------------

/// Evaluates JSON_VALUE or JSON_EXTRACT over one row of columns; whether the result is a view
/// into the input document.
bool resultIsViewOfInput(const std::string& function, const std::string& json,
                         const std::string& path) {
    ArgInfo infos[] = {{DataType::string(), std::nullopt}, {DataType::string(), std::nullopt}};
    auto bound = FunctionRegistry::builtins().resolve(function, infos);
    EXPECT_TRUE(bound.isOk());
    if (!bound.isOk()) return false;
    types::Batch batch;
    batch.setNumRows(1);
    std::vector<ExprPtr> columns;
    for (int i = 0; i < 2; ++i) {
        auto column = std::make_shared<types::Vector>(DataType::string(), 1);
        types::writeValue(*column, 0, S(i == 0 ? json : path), batch.arena());
        batch.columns().push_back(column);
        columns.push_back(Expr::column(i, DataType::string()));
    }
    auto compiled = CompiledExpr::compile(
        Expr::call(std::make_shared<const BoundFunction>(*bound), columns, function));
    EXPECT_TRUE(compiled.isOk());
    EvalContext context(batch, 0);
    uint32_t row = 0;
    types::VectorPtr out = (*compiled)->eval(context, std::span<const uint32_t>(&row, 1));
    EXPECT_FALSE(out->isNull(0));
    std::string_view input = batch.column(0).values<std::string_view>()[0];
    std::string_view result = out->values<std::string_view>()[0];
    return result.data() >= input.data() &&
           result.data() + result.size() <= input.data() + input.size();
}

TEST(JsonFunctionsTest, ResultsAsFoundAreViewsOfTheInput) {
    EXPECT_TRUE(resultIsViewOfInput("JSON_VALUE", R"({"a": "plain"})", "$.a"));
    EXPECT_TRUE(resultIsViewOfInput("JSON_VALUE", R"({"a": 1.50})", "$.a"));
    EXPECT_TRUE(resultIsViewOfInput("JSON_EXTRACT", R"({"a": {"b":[1,2]}})", "$.a"));
    EXPECT_FALSE(resultIsViewOfInput("JSON_VALUE", R"({"a": "esc\naped"})", "$.a"));
    EXPECT_FALSE(resultIsViewOfInput("JSON_EXTRACT", R"({"a": {"b": [1, 2]}})", "$.a"));
}

}  // namespace
}  // namespace ferris::expr
