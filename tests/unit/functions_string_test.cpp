// String and regular-expression functions of the registry, evaluated the way the runtime
// does (resolve → implicit casts → compiled batch kernel) through tests/support/expr_eval.h.
// Outcomes are rendered as text so each expectation states the exact result: 'text' for a
// STRING, 42 for a BIGINT, true/false, NULL, or the row / resolve error with its code.

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "expr/compiled_expr.h"
#include "expr/function_registry.h"
#include "expr_eval.h"
#include "types/batch.h"
#include "types/value_vector.h"

namespace ferris::expr {
namespace {

using testing::CallResult;
using testing::evalFunction;
using types::DataType;
using types::TypeId;
using types::Value;

constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

Value S(std::string text) {
    return Value::string(std::move(text));
}
Value I(int64_t value) {
    return Value::bigint(value);
}
/// A bare NULL literal (type NULL; the binder casts it to the parameter type).
Value null() {
    return Value::null();
}
/// A NULL STRING (a NULL read from a STRING column).
Value nullString() {
    return Value::null(DataType::string());
}

std::string render(const Value& value) {
    if (value.isNull()) return "NULL";
    switch (value.type().id()) {
        case TypeId::kString: return "'" + value.asString() + "'";
        case TypeId::kBigint: return std::to_string(value.asInt64());
        case TypeId::kBoolean: return value.asBool() ? "true" : "false";
        default: return value.toSql();
    }
}

std::string renderError(std::string_view kind, ErrorCode code, const std::string& message) {
    return std::string(kind) + " " + std::string(errorCodeName(code)) + ": " + message;
}

/// Calls `function` over `rows`; `literal` marks every argument a literal (taken from the
/// first row), else every argument is a column. One rendered outcome per row.
std::vector<std::string> callRows(const std::string& function, const std::vector<DataType>& types,
                                  const std::vector<std::vector<Value>>& rows, bool literal) {
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

std::vector<DataType> typesOf(const std::vector<Value>& args) {
    std::vector<DataType> types;
    for (const auto& arg : args) types.push_back(arg.type());
    return types;
}

/// One call with literal arguments.
std::string call(const std::string& function, const std::vector<Value>& args) {
    return callRows(function, typesOf(args), {args}, true)[0];
}

/// One call with every argument read from a column (the per-row paths of the kernels).
std::string callColumns(const std::string& function, const std::vector<Value>& args) {
    return callRows(function, typesOf(args), {args}, false)[0];
}

/// Both of the above must agree; returns the outcome.
std::string eval(const std::string& function, const std::vector<Value>& args) {
    std::string literal = call(function, args);
    std::string columns = callColumns(function, args);
    EXPECT_EQ(literal, columns) << function << ": literal and column arguments disagree";
    return literal;
}

DataType resultType(const std::string& function, const std::vector<DataType>& types) {
    std::vector<ArgInfo> args;
    for (const auto& type : types) args.push_back({type, std::nullopt});
    auto bound = FunctionRegistry::builtins().resolve(function, args);
    EXPECT_TRUE(bound.isOk()) << bound.status().toString();
    return bound.isOk() ? bound->resultType : DataType::null();
}

const DataType kString = DataType::string();
const DataType kBigint = DataType::bigint();

// ---- registry entries -----------------------------------------------------------------------

TEST(StringFunctionsTest, EveryFunctionIsRegisteredWithItsAliases) {
    const auto& registry = FunctionRegistry::builtins();
    for (const char* name :
         {"UPPER",         "LOWER",       "LENGTH",    "SUBSTRING",      "CONCAT",
          "TRIM",          "LTRIM",       "RTRIM",     "REPLACE",        "LEFT",
          "RIGHT",         "LPAD",        "RPAD",      "POSITION",       "SPLIT",
          "SPLIT_PART",    "STARTS_WITH", "ENDS_WITH", "REGEXP_MATCHES", "REGEXP_REPLACE",
          "REGEXP_EXTRACT"}) {
        const FunctionEntry* entry = registry.find(name);
        ASSERT_NE(entry, nullptr) << name;
        EXPECT_EQ(entry->name, name);
        EXPECT_EQ(entry->category, "string") << name;
        EXPECT_EQ(entry->kind, FunctionKind::kScalar) << name;
        EXPECT_FALSE(entry->signatures.empty()) << name;
        EXPECT_FALSE(entry->description.empty()) << name;
        EXPECT_FALSE(entry->isOperator) << name;
    }
    EXPECT_EQ(registry.find("ucase"), registry.find("UPPER"));
    EXPECT_EQ(registry.find("lcase"), registry.find("LOWER"));
    EXPECT_EQ(registry.find("len"), registry.find("LENGTH"));
    EXPECT_EQ(registry.find("substr"), registry.find("SUBSTRING"));
}

TEST(StringFunctionsTest, ResultTypes) {
    EXPECT_EQ(resultType("UPPER", {kString}), kString);
    EXPECT_EQ(resultType("LENGTH", {kString}), kBigint);
    EXPECT_EQ(resultType("POSITION", {kString, kString}), kBigint);
    EXPECT_EQ(resultType("SPLIT", {kString, kString}), DataType::array(kString));
    EXPECT_EQ(resultType("STARTS_WITH", {kString, kString}), DataType::boolean());
    EXPECT_EQ(resultType("REGEXP_MATCHES", {kString, kString}), DataType::boolean());
    EXPECT_EQ(resultType("CONCAT", {kBigint, kString}), kString);
}

TEST(StringFunctionsTest, WrongArgumentsAreResolveErrors) {
    EXPECT_EQ(
        call("UPPER", {I(1)}),
        "resolve error type_mismatch: UPPER cannot take (BIGINT); it accepts UPPER(STRING) -> "
        "STRING");
    EXPECT_EQ(call("LENGTH", {}),
              "resolve error type_mismatch: LENGTH cannot take (); it accepts LENGTH(STRING) -> "
              "BIGINT");
    EXPECT_EQ(call("SUBSTRING", {S("a")}),
              "resolve error type_mismatch: SUBSTRING cannot take (STRING); it accepts "
              "SUBSTRING(STRING, BIGINT) -> STRING; SUBSTRING(STRING, BIGINT, BIGINT) -> STRING");
    EXPECT_EQ(call("SUBSTRING", {S("a"), S("b")}),
              "resolve error type_mismatch: SUBSTRING cannot take (STRING, STRING); it accepts "
              "SUBSTRING(STRING, BIGINT) -> STRING; SUBSTRING(STRING, BIGINT, BIGINT) -> STRING");
    EXPECT_EQ(call("LEFT", {S("a"), I(1), I(2)}),
              "resolve error type_mismatch: LEFT cannot take (STRING, BIGINT, BIGINT); it accepts "
              "LEFT(STRING, BIGINT) -> STRING");
    EXPECT_EQ(call("CONCAT", {}),
              "resolve error type_mismatch: CONCAT cannot take (); it accepts CONCAT(T, ...) -> "
              "STRING");
    EXPECT_EQ(call("SPLIT_PART", {S("a"), S(","), S("1")}),
              "resolve error type_mismatch: SPLIT_PART cannot take (STRING, STRING, STRING); it "
              "accepts SPLIT_PART(STRING, STRING, BIGINT) -> STRING");
    EXPECT_EQ(call("REGEXP_MATCHES", {S("a"), I(1)}),
              "resolve error type_mismatch: REGEXP_MATCHES cannot take (STRING, BIGINT); it "
              "accepts REGEXP_MATCHES(STRING, STRING) -> BOOLEAN");
}

// ---- UPPER / LOWER --------------------------------------------------------------------------

TEST(StringFunctionsTest, Upper) {
    EXPECT_EQ(eval("UPPER", {null()}), "NULL");
    EXPECT_EQ(eval("UPPER", {nullString()}), "NULL");
    EXPECT_EQ(eval("UPPER", {S("")}), "''");
    EXPECT_EQ(eval("UPPER", {S("abc")}), "'ABC'");
    EXPECT_EQ(eval("UPPER", {S("Hello, World 42!")}), "'HELLO, WORLD 42!'");
    EXPECT_EQ(eval("UCASE", {S("already UPPER")}), "'ALREADY UPPER'");
    // Latin-1, Latin Extended-A, Greek, Cyrillic.
    EXPECT_EQ(eval("UPPER", {S("éàüøÿ")}), "'ÉÀÜØŸ'");
    EXPECT_EQ(eval("UPPER", {S("żółć ŝ")}), "'ŻÓŁĆ Ŝ'");
    EXPECT_EQ(eval("UPPER", {S("αβγ ωσς")}), "'ΑΒΓ ΩΣΣ'");
    EXPECT_EQ(eval("UPPER", {S("привет ё")}), "'ПРИВЕТ Ё'");
    // Left alone: no two-byte upper case (ß, ı), division sign, CJK, emoji.
    EXPECT_EQ(eval("UPPER", {S("ß ı ÷ 日本 😀")}), "'ß ı ÷ 日本 😀'");
}

TEST(StringFunctionsTest, Lower) {
    EXPECT_EQ(eval("LOWER", {null()}), "NULL");
    EXPECT_EQ(eval("LOWER", {S("")}), "''");
    EXPECT_EQ(eval("LOWER", {S("ABC xyz")}), "'abc xyz'");
    EXPECT_EQ(eval("LCASE", {S("MiXeD 1")}), "'mixed 1'");
    EXPECT_EQ(eval("LOWER", {S("ÉÀÜØŸ")}), "'éàüøÿ'");
    EXPECT_EQ(eval("LOWER", {S("ŻÓŁĆ Ŝ Ĺ")}), "'żółć ŝ ĺ'");
    EXPECT_EQ(eval("LOWER", {S("ΑΒΓ ΩΣ")}), "'αβγ ωσ'");
    EXPECT_EQ(eval("LOWER", {S("ПРИВЕТ Ё")}), "'привет ё'");
    EXPECT_EQ(eval("LOWER", {S("İ × 日本 😀")}), "'İ × 日本 😀'");
}

// ---- LENGTH ---------------------------------------------------------------------------------

TEST(StringFunctionsTest, LengthCountsCodePoints) {
    EXPECT_EQ(eval("LENGTH", {null()}), "NULL");
    EXPECT_EQ(eval("LENGTH", {nullString()}), "NULL");
    EXPECT_EQ(eval("LENGTH", {S("")}), "0");
    EXPECT_EQ(eval("LENGTH", {S("hello")}), "5");
    EXPECT_EQ(eval("LENGTH", {S("é")}), "1");
    EXPECT_EQ(eval("LENGTH", {S("日本")}), "2");
    EXPECT_EQ(eval("LENGTH", {S("😀")}), "1");
    EXPECT_EQ(eval("LEN", {S("aé日😀")}), "4");
}

// ---- SUBSTRING ------------------------------------------------------------------------------

TEST(StringFunctionsTest, SubstringNulls) {
    EXPECT_EQ(eval("SUBSTRING", {null(), I(1)}), "NULL");
    EXPECT_EQ(eval("SUBSTRING", {S("hello"), null()}), "NULL");
    EXPECT_EQ(eval("SUBSTRING", {S("hello"), I(1), null()}), "NULL");
    EXPECT_EQ(eval("SUBSTRING", {nullString(), I(1), I(2)}), "NULL");
}

TEST(StringFunctionsTest, SubstringFromStart) {
    EXPECT_EQ(eval("SUBSTRING", {S("hello"), I(1)}), "'hello'");
    EXPECT_EQ(eval("SUBSTRING", {S("hello"), I(2)}), "'ello'");
    EXPECT_EQ(eval("SUBSTRING", {S("hello"), I(5)}), "'o'");
    EXPECT_EQ(eval("SUBSTRING", {S("hello"), I(6)}), "''");
    EXPECT_EQ(eval("SUBSTRING", {S("hello"), I(0)}), "'hello'");
    EXPECT_EQ(eval("SUBSTRING", {S("hello"), I(-3)}), "'hello'");
    EXPECT_EQ(eval("SUBSTRING", {S("hello"), I(kInt64Max)}), "''");
    EXPECT_EQ(eval("SUBSTR", {S("日本語"), I(2)}), "'本語'");
    EXPECT_EQ(eval("SUBSTRING", {S(""), I(1)}), "''");
}

TEST(StringFunctionsTest, SubstringWithLength) {
    EXPECT_EQ(eval("SUBSTRING", {S("hello"), I(2), I(3)}), "'ell'");
    EXPECT_EQ(eval("SUBSTRING", {S("hello"), I(1), I(5)}), "'hello'");
    EXPECT_EQ(eval("SUBSTRING", {S("hello"), I(4), I(10)}), "'lo'");
    EXPECT_EQ(eval("SUBSTRING", {S("hello"), I(1), I(0)}), "''");
    EXPECT_EQ(eval("SUBSTRING", {S("hello"), I(6), I(2)}), "''");
    // Positions before the string count (PostgreSQL): [0, 3) ∩ [1, 5] = 'he'.
    EXPECT_EQ(eval("SUBSTRING", {S("hello"), I(0), I(3)}), "'he'");
    EXPECT_EQ(eval("SUBSTRING", {S("hello"), I(-1), I(3)}), "'h'");
    EXPECT_EQ(eval("SUBSTRING", {S("hello"), I(-2), I(3)}), "''");
    EXPECT_EQ(eval("SUBSTRING", {S("hello"), I(-5), I(3)}), "''");
    EXPECT_EQ(eval("SUBSTRING", {S("hello"), I(kInt64Min), I(kInt64Max)}), "''");
    EXPECT_EQ(eval("SUBSTRING", {S("hello"), I(2), I(kInt64Max)}), "'ello'");
    EXPECT_EQ(eval("SUBSTRING", {S(""), I(1), I(3)}), "''");
}

TEST(StringFunctionsTest, SubstringCountsCodePoints) {
    EXPECT_EQ(eval("SUBSTRING", {S("héllo wörld"), I(2), I(4)}), "'éllo'");
    EXPECT_EQ(eval("SUBSTRING", {S("日本語テキスト"), I(3), I(2)}), "'語テ'");
    EXPECT_EQ(eval("SUBSTRING", {S("a😀b"), I(2), I(1)}), "'😀'");
    EXPECT_EQ(eval("SUBSTRING", {S("a😀b"), I(3)}), "'b'");
    EXPECT_EQ(eval("SUBSTRING", {S("😀😀😀"), I(0), I(2)}), "'😀'");
}

TEST(StringFunctionsTest, SubstringNegativeLengthIsARowError) {
    EXPECT_EQ(eval("SUBSTRING", {S("hello"), I(1), I(-1)}),
              "row error invalid_argument: SUBSTRING length must not be negative, got -1");
    // Other rows of the batch are unaffected.
    EXPECT_EQ(
        callRows("SUBSTRING", {kString, kBigint, kBigint},
                 {{S("abc"), I(1), I(2)}, {S("abc"), I(1), I(-5)}, {S("abc"), I(2), I(9)}}, false),
        (std::vector<std::string>{"'ab'",
                                  "row error invalid_argument: SUBSTRING length must not be "
                                  "negative, got -5",
                                  "'bc'"}));
}

// ---- CONCAT ---------------------------------------------------------------------------------

TEST(StringFunctionsTest, Concat) {
    EXPECT_EQ(eval("CONCAT", {S("a"), S("b"), S("c")}), "'abc'");
    EXPECT_EQ(eval("CONCAT", {S("only")}), "'only'");
    EXPECT_EQ(eval("CONCAT", {S(""), S("")}), "''");
    EXPECT_EQ(eval("CONCAT", {S("日本"), S("😀"), S("é")}), "'日本😀é'");
}

TEST(StringFunctionsTest, ConcatSkipsNulls) {
    EXPECT_EQ(eval("CONCAT", {S("a"), null(), S("c")}), "'ac'");
    EXPECT_EQ(eval("CONCAT", {nullString(), S("b")}), "'b'");
    EXPECT_EQ(eval("CONCAT", {null()}), "''");
    EXPECT_EQ(eval("CONCAT", {nullString(), nullString()}), "''");
}

TEST(StringFunctionsTest, ConcatCastsOtherScalarsToString) {
    EXPECT_EQ(eval("CONCAT", {S("n="), I(42), S(" ok="), Value::boolean(true), S(" p="),
                              Value::decimal(150, 3, 2), S(" d="), Value::float64(0.5)}),
              "'n=42 ok=true p=1.50 d=0.5'");
    EXPECT_EQ(eval("CONCAT", {I(-7)}), "'-7'");
}

// ---- TRIM / LTRIM / RTRIM -------------------------------------------------------------------

TEST(StringFunctionsTest, TrimWhitespace) {
    EXPECT_EQ(eval("TRIM", {null()}), "NULL");
    EXPECT_EQ(eval("TRIM", {S("  a b  ")}), "'a b'");
    EXPECT_EQ(eval("TRIM", {S("\t\n\v\f\r a \r\n")}), "'a'");
    EXPECT_EQ(eval("TRIM", {S("")}), "''");
    EXPECT_EQ(eval("TRIM", {S("   ")}), "''");
    EXPECT_EQ(eval("TRIM", {S("x")}), "'x'");
    EXPECT_EQ(eval("LTRIM", {S("  a b  ")}), "'a b  '");
    EXPECT_EQ(eval("RTRIM", {S("  a b  ")}), "'  a b'");
    EXPECT_EQ(eval("LTRIM", {nullString()}), "NULL");
    EXPECT_EQ(eval("RTRIM", {null()}), "NULL");
    // Non-ASCII spaces are not whitespace here.
    EXPECT_EQ(eval("TRIM", {S("\u00a0日本 ")}), "'\u00a0日本'");
}

TEST(StringFunctionsTest, TrimCharacters) {
    EXPECT_EQ(eval("TRIM", {S("xxaxx"), S("x")}), "'a'");
    EXPECT_EQ(eval("TRIM", {S("abcXcba"), S("abc")}), "'X'");
    EXPECT_EQ(eval("TRIM", {S("abc"), S("")}), "'abc'");
    EXPECT_EQ(eval("TRIM", {S("aaa"), S("a")}), "''");
    EXPECT_EQ(eval("TRIM", {S("ééaéé"), S("é")}), "'a'");
    EXPECT_EQ(eval("TRIM", {S("日本語日"), S("日")}), "'本語'");
    EXPECT_EQ(eval("TRIM", {S("😀x😀"), S("😀")}), "'x'");
    EXPECT_EQ(eval("LTRIM", {S("--a--"), S("-")}), "'a--'");
    EXPECT_EQ(eval("RTRIM", {S("--a--"), S("-")}), "'--a'");
    EXPECT_EQ(eval("RTRIM", {S("1.500"), S("0")}), "'1.5'");
    EXPECT_EQ(eval("TRIM", {S("a"), null()}), "NULL");
    EXPECT_EQ(eval("LTRIM", {null(), S("a")}), "NULL");
    // The set may differ per row.
    EXPECT_EQ(callRows("TRIM", {kString, kString},
                       {{S("xax"), S("x")}, {S("xay"), S("xy")}, {S("éaé"), S("é")}}, false),
              (std::vector<std::string>{"'a'", "'a'", "'a'"}));
}

// ---- REPLACE --------------------------------------------------------------------------------

TEST(StringFunctionsTest, Replace) {
    EXPECT_EQ(eval("REPLACE", {null(), S("a"), S("b")}), "NULL");
    EXPECT_EQ(eval("REPLACE", {S("a"), nullString(), S("b")}), "NULL");
    EXPECT_EQ(eval("REPLACE", {S("a"), S("a"), null()}), "NULL");
    EXPECT_EQ(eval("REPLACE", {S("hello world"), S("o"), S("0")}), "'hell0 w0rld'");
    EXPECT_EQ(eval("REPLACE", {S("aaa"), S("aa"), S("b")}), "'ba'");
    EXPECT_EQ(eval("REPLACE", {S("abc"), S(""), S("x")}), "'abc'");
    EXPECT_EQ(eval("REPLACE", {S("abc"), S("x"), S("y")}), "'abc'");
    EXPECT_EQ(eval("REPLACE", {S("abcb"), S("b"), S("")}), "'ac'");
    EXPECT_EQ(eval("REPLACE", {S("ab"), S("ab"), S("xyz")}), "'xyz'");
    EXPECT_EQ(eval("REPLACE", {S(""), S("a"), S("b")}), "''");
    EXPECT_EQ(eval("REPLACE", {S("日本日本"), S("本"), S("éé")}), "'日éé日éé'");
}

// ---- LEFT / RIGHT ---------------------------------------------------------------------------

TEST(StringFunctionsTest, Left) {
    EXPECT_EQ(eval("LEFT", {null(), I(1)}), "NULL");
    EXPECT_EQ(eval("LEFT", {S("a"), null()}), "NULL");
    EXPECT_EQ(eval("LEFT", {S("hello"), I(2)}), "'he'");
    EXPECT_EQ(eval("LEFT", {S("hello"), I(0)}), "''");
    EXPECT_EQ(eval("LEFT", {S("hello"), I(5)}), "'hello'");
    EXPECT_EQ(eval("LEFT", {S("hello"), I(10)}), "'hello'");
    EXPECT_EQ(eval("LEFT", {S("hello"), I(-2)}), "'hel'");
    EXPECT_EQ(eval("LEFT", {S("hello"), I(-10)}), "''");
    EXPECT_EQ(eval("LEFT", {S("hello"), I(kInt64Min)}), "''");
    EXPECT_EQ(eval("LEFT", {S(""), I(3)}), "''");
    EXPECT_EQ(eval("LEFT", {S("日本語"), I(2)}), "'日本'");
    EXPECT_EQ(eval("LEFT", {S("😀a"), I(1)}), "'😀'");
    EXPECT_EQ(eval("LEFT", {S("éa😀"), I(-1)}), "'éa'");
}

TEST(StringFunctionsTest, Right) {
    EXPECT_EQ(eval("RIGHT", {null(), I(1)}), "NULL");
    EXPECT_EQ(eval("RIGHT", {S("a"), null()}), "NULL");
    EXPECT_EQ(eval("RIGHT", {S("hello"), I(2)}), "'lo'");
    EXPECT_EQ(eval("RIGHT", {S("hello"), I(0)}), "''");
    EXPECT_EQ(eval("RIGHT", {S("hello"), I(10)}), "'hello'");
    EXPECT_EQ(eval("RIGHT", {S("hello"), I(-2)}), "'llo'");
    EXPECT_EQ(eval("RIGHT", {S("hello"), I(-10)}), "''");
    EXPECT_EQ(eval("RIGHT", {S("hello"), I(kInt64Min)}), "''");
    EXPECT_EQ(eval("RIGHT", {S(""), I(1)}), "''");
    EXPECT_EQ(eval("RIGHT", {S("日本語"), I(2)}), "'本語'");
    EXPECT_EQ(eval("RIGHT", {S("é😀"), I(1)}), "'😀'");
    EXPECT_EQ(eval("RIGHT", {S("é😀x"), I(-1)}), "'😀x'");
}

// ---- LPAD / RPAD ----------------------------------------------------------------------------

TEST(StringFunctionsTest, Lpad) {
    EXPECT_EQ(eval("LPAD", {null(), I(3)}), "NULL");
    EXPECT_EQ(eval("LPAD", {S("a"), null()}), "NULL");
    EXPECT_EQ(eval("LPAD", {S("a"), I(3), null()}), "NULL");
    EXPECT_EQ(eval("LPAD", {S("hi"), I(5)}), "'   hi'");
    EXPECT_EQ(eval("LPAD", {S("hi"), I(5), S("xy")}), "'xyxhi'");
    EXPECT_EQ(eval("LPAD", {S("hi"), I(6), S("xy")}), "'xyxyhi'");
    EXPECT_EQ(eval("LPAD", {S("hi"), I(2), S("x")}), "'hi'");
    EXPECT_EQ(eval("LPAD", {S("hello"), I(3)}), "'hel'");
    EXPECT_EQ(eval("LPAD", {S("hi"), I(0)}), "''");
    EXPECT_EQ(eval("LPAD", {S("hi"), I(-1), S("x")}), "''");
    EXPECT_EQ(eval("LPAD", {S("hi"), I(5), S("")}), "'hi'");
    EXPECT_EQ(eval("LPAD", {S("hello"), I(3), S("")}), "'hel'");
    EXPECT_EQ(eval("LPAD", {S(""), I(3), S("ab")}), "'aba'");
    EXPECT_EQ(eval("LPAD", {S("7"), I(3), S("0")}), "'007'");
    // Code points: the string, the pad and the target length.
    EXPECT_EQ(eval("LPAD", {S("日本"), I(4), S("é")}), "'éé日本'");
    EXPECT_EQ(eval("LPAD", {S("a"), I(4), S("日本")}), "'日本日a'");
    EXPECT_EQ(eval("LPAD", {S("日本語"), I(2), S("x")}), "'日本'");
    EXPECT_EQ(eval("LPAD", {S("😀"), I(3), S("😀x")}), "'😀x😀'");
}

TEST(StringFunctionsTest, Rpad) {
    EXPECT_EQ(eval("RPAD", {null(), I(3)}), "NULL");
    EXPECT_EQ(eval("RPAD", {S("a"), null(), S("x")}), "NULL");
    EXPECT_EQ(eval("RPAD", {S("a"), I(3), nullString()}), "NULL");
    EXPECT_EQ(eval("RPAD", {S("hi"), I(5)}), "'hi   '");
    EXPECT_EQ(eval("RPAD", {S("hi"), I(5), S("xy")}), "'hixyx'");
    EXPECT_EQ(eval("RPAD", {S("hello"), I(3), S("x")}), "'hel'");
    EXPECT_EQ(eval("RPAD", {S("hi"), I(0)}), "''");
    EXPECT_EQ(eval("RPAD", {S("hi"), I(4), S("")}), "'hi'");
    EXPECT_EQ(eval("RPAD", {S(""), I(2)}), "'  '");
    EXPECT_EQ(eval("RPAD", {S("日本"), I(4), S("é")}), "'日本éé'");
    EXPECT_EQ(eval("RPAD", {S("a"), I(4), S("日本")}), "'a日本日'");
    EXPECT_EQ(eval("RPAD", {S("😀😀😀"), I(1)}), "'😀'");
}

TEST(StringFunctionsTest, PadTooLongIsARowError) {
    EXPECT_EQ(eval("LPAD", {S("a"), I(100'000'000)}),
              "row error invalid_argument: LPAD to 100000000 characters exceeds the 16 MiB string "
              "limit");
    EXPECT_EQ(eval("RPAD", {S("a"), I(kInt64Max), S("xy")}),
              "row error invalid_argument: RPAD to 9223372036854775807 characters exceeds the 16 "
              "MiB string limit");
    // Just under the limit is fine.
    auto result = evalFunction("RPAD", {kString, kBigint}, {{S(""), I(16 << 20)}}, {true, true});
    ASSERT_TRUE(result.isOk());
    ASSERT_FALSE(result->rows[0].isError);
    EXPECT_EQ(result->rows[0].value.asString(), std::string(16 << 20, ' '));
}

// ---- POSITION -------------------------------------------------------------------------------

TEST(StringFunctionsTest, Position) {
    EXPECT_EQ(eval("POSITION", {null(), S("a")}), "NULL");
    EXPECT_EQ(eval("POSITION", {S("a"), nullString()}), "NULL");
    EXPECT_EQ(eval("POSITION", {S("lo"), S("hello")}), "4");
    EXPECT_EQ(eval("POSITION", {S("l"), S("hello")}), "3");
    EXPECT_EQ(eval("POSITION", {S("hello"), S("hello")}), "1");
    EXPECT_EQ(eval("POSITION", {S("z"), S("hello")}), "0");
    EXPECT_EQ(eval("POSITION", {S("hello!"), S("hello")}), "0");
    EXPECT_EQ(eval("POSITION", {S(""), S("hello")}), "1");
    EXPECT_EQ(eval("POSITION", {S(""), S("")}), "1");
    EXPECT_EQ(eval("POSITION", {S("a"), S("")}), "0");
    EXPECT_EQ(eval("POSITION", {S("本"), S("日本語")}), "2");
    EXPECT_EQ(eval("POSITION", {S("😀"), S("a😀b")}), "2");
    EXPECT_EQ(eval("POSITION", {S("b"), S("é😀b")}), "3");
}

// ---- SPLIT / SPLIT_PART ---------------------------------------------------------------------

/// Runs SPLIT over rows of (text, delimiter) columns and renders each ARRAY row, checking
/// that every element is a view into its input string.
std::vector<std::string> split(const std::vector<std::vector<Value>>& rows) {
    ArgInfo args[] = {{kString, std::nullopt}, {kString, std::nullopt}};
    auto bound = FunctionRegistry::builtins().resolve("SPLIT", args);
    EXPECT_TRUE(bound.isOk());
    if (!bound.isOk()) return {};
    types::Batch batch;
    batch.setNumRows(static_cast<uint32_t>(rows.size()));
    std::vector<ExprPtr> columns;
    for (int i = 0; i < 2; ++i) {
        auto column = std::make_shared<types::Vector>(kString, batch.numRows());
        for (uint32_t r = 0; r < batch.numRows(); ++r) {
            types::writeValue(*column, r, rows[r][static_cast<size_t>(i)], batch.arena());
        }
        batch.columns().push_back(column);
        columns.push_back(Expr::column(i, kString));
    }
    auto compiled = CompiledExpr::compile(
        Expr::call(std::make_shared<const BoundFunction>(*bound), columns, "SPLIT"));
    EXPECT_TRUE(compiled.isOk());
    EvalContext context(batch, 0);
    std::vector<uint32_t> selection(batch.selection().begin(), batch.selection().end());
    types::VectorPtr out = (*compiled)->eval(context, selection);

    std::vector<std::string> rendered(rows.size());
    for (const auto& error : batch.errors()) {
        rendered[error.row] = renderError("row error", error.code, error.message);
    }
    const auto* texts = batch.column(0).values<std::string_view>();
    const auto* elements = out->child(0).values<std::string_view>();
    for (uint32_t r = 0; r < batch.numRows(); ++r) {
        if (!rendered[r].empty()) continue;
        if (out->isNull(r)) {
            rendered[r] = "NULL";
            continue;
        }
        std::string text = "[";
        for (int32_t i = out->offsets()[r]; i < out->offsets()[r + 1]; ++i) {
            std::string_view element = elements[i];
            if (i > out->offsets()[r]) text += ", ";
            text += "'" + std::string(element) + "'";
            if (!element.empty()) {
                EXPECT_GE(element.data(), texts[r].data());
                EXPECT_LE(element.data() + element.size(), texts[r].data() + texts[r].size());
            }
        }
        rendered[r] = text + "]";
    }
    return rendered;
}

TEST(StringFunctionsTest, Split) {
    EXPECT_EQ(split({{S("a,b,c"), S(",")},
                     {S("a,,b"), S(",")},
                     {S(",a,"), S(",")},
                     {S(""), S(",")},
                     {S("abc"), S(",")},
                     {S("a::b::"), S("::")},
                     {S("日,本,😀"), S(",")},
                     {S("a日b日c"), S("日")},
                     {S(","), S(",")}}),
              (std::vector<std::string>{"['a', 'b', 'c']", "['a', '', 'b']", "['', 'a', '']",
                                        "['']", "['abc']", "['a', 'b', '']", "['日', '本', '😀']",
                                        "['a', 'b', 'c']", "['', '']"}));
}

TEST(StringFunctionsTest, SplitNullsAndErrorsKeepOtherRowsIntact) {
    EXPECT_EQ(split({{S("a,b"), S(",")},
                     {nullString(), S(",")},
                     {S("x;y"), S(";")},
                     {S("a,b"), nullString()},
                     {S("a,b"), S("")},
                     {S("p q"), S(" ")}}),
              (std::vector<std::string>{
                  "['a', 'b']", "NULL", "['x', 'y']", "NULL",
                  "row error invalid_argument: SPLIT delimiter must not be empty", "['p', 'q']"}));
    EXPECT_EQ(call("SPLIT", {null(), S(",")}), "NULL");
}

TEST(StringFunctionsTest, SplitPart) {
    EXPECT_EQ(eval("SPLIT_PART", {null(), S(","), I(1)}), "NULL");
    EXPECT_EQ(eval("SPLIT_PART", {S("a"), nullString(), I(1)}), "NULL");
    EXPECT_EQ(eval("SPLIT_PART", {S("a"), S(","), null()}), "NULL");
    EXPECT_EQ(eval("SPLIT_PART", {S("a,b,c"), S(","), I(1)}), "'a'");
    EXPECT_EQ(eval("SPLIT_PART", {S("a,b,c"), S(","), I(2)}), "'b'");
    EXPECT_EQ(eval("SPLIT_PART", {S("a,b,c"), S(","), I(3)}), "'c'");
    EXPECT_EQ(eval("SPLIT_PART", {S("a,b,c"), S(","), I(4)}), "''");
    EXPECT_EQ(eval("SPLIT_PART", {S("a,b,c"), S(","), I(kInt64Max)}), "''");
    EXPECT_EQ(eval("SPLIT_PART", {S("a,,b"), S(","), I(2)}), "''");
    EXPECT_EQ(eval("SPLIT_PART", {S(""), S(","), I(1)}), "''");
    EXPECT_EQ(eval("SPLIT_PART", {S("abc"), S(","), I(1)}), "'abc'");
    EXPECT_EQ(eval("SPLIT_PART", {S("日::本::語"), S("::"), I(2)}), "'本'");
    EXPECT_EQ(eval("SPLIT_PART", {S("a,b"), S(","), I(0)}),
              "row error invalid_argument: SPLIT_PART field number must be positive, got 0");
    EXPECT_EQ(eval("SPLIT_PART", {S("a,b"), S(","), I(-1)}),
              "row error invalid_argument: SPLIT_PART field number must be positive, got -1");
    EXPECT_EQ(eval("SPLIT_PART", {S("a,b"), S(""), I(1)}),
              "row error invalid_argument: SPLIT_PART delimiter must not be empty");
}

// ---- STARTS_WITH / ENDS_WITH ----------------------------------------------------------------

TEST(StringFunctionsTest, StartsWith) {
    EXPECT_EQ(eval("STARTS_WITH", {null(), S("a")}), "NULL");
    EXPECT_EQ(eval("STARTS_WITH", {S("a"), nullString()}), "NULL");
    EXPECT_EQ(eval("STARTS_WITH", {S("hello"), S("he")}), "true");
    EXPECT_EQ(eval("STARTS_WITH", {S("hello"), S("hello")}), "true");
    EXPECT_EQ(eval("STARTS_WITH", {S("hello"), S("lo")}), "false");
    EXPECT_EQ(eval("STARTS_WITH", {S("he"), S("hello")}), "false");
    EXPECT_EQ(eval("STARTS_WITH", {S("hello"), S("")}), "true");
    EXPECT_EQ(eval("STARTS_WITH", {S(""), S("")}), "true");
    EXPECT_EQ(eval("STARTS_WITH", {S(""), S("a")}), "false");
    EXPECT_EQ(eval("STARTS_WITH", {S("日本"), S("日")}), "true");
    EXPECT_EQ(eval("STARTS_WITH", {S("Hello"), S("he")}), "false");
}

TEST(StringFunctionsTest, EndsWith) {
    EXPECT_EQ(eval("ENDS_WITH", {null(), S("a")}), "NULL");
    EXPECT_EQ(eval("ENDS_WITH", {S("a"), null()}), "NULL");
    EXPECT_EQ(eval("ENDS_WITH", {S("hello"), S("lo")}), "true");
    EXPECT_EQ(eval("ENDS_WITH", {S("hello"), S("he")}), "false");
    EXPECT_EQ(eval("ENDS_WITH", {S("hello"), S("")}), "true");
    EXPECT_EQ(eval("ENDS_WITH", {S(""), S("")}), "true");
    EXPECT_EQ(eval("ENDS_WITH", {S("lo"), S("hello")}), "false");
    EXPECT_EQ(eval("ENDS_WITH", {S("日本😀"), S("本😀")}), "true");
}

// ---- regular expressions --------------------------------------------------------------------

TEST(RegexFunctionsTest, RegexpMatches) {
    EXPECT_EQ(eval("REGEXP_MATCHES", {null(), S("a")}), "NULL");
    EXPECT_EQ(eval("REGEXP_MATCHES", {S("a"), nullString()}), "NULL");
    EXPECT_EQ(eval("REGEXP_MATCHES", {S("abc123"), S("[0-9]+")}), "true");
    EXPECT_EQ(eval("REGEXP_MATCHES", {S("abc"), S("b")}), "true");
    EXPECT_EQ(eval("REGEXP_MATCHES", {S("abc"), S("^b")}), "false");
    EXPECT_EQ(eval("REGEXP_MATCHES", {S("abc"), S("^abc$")}), "true");
    EXPECT_EQ(eval("REGEXP_MATCHES", {S("ABC"), S("abc")}), "false");
    EXPECT_EQ(eval("REGEXP_MATCHES", {S("ABC"), S("(?i)abc")}), "true");
    EXPECT_EQ(eval("REGEXP_MATCHES", {S(""), S("")}), "true");
    EXPECT_EQ(eval("REGEXP_MATCHES", {S(""), S("a")}), "false");
    // UTF-8: `.` is one code point.
    EXPECT_EQ(eval("REGEXP_MATCHES", {S("日本語"), S("^日.語$")}), "true");
    EXPECT_EQ(eval("REGEXP_MATCHES", {S("😀"), S("^.$")}), "true");
    // `.` does not match a newline unless (?s).
    EXPECT_EQ(eval("REGEXP_MATCHES", {S("a\nb"), S("a.b")}), "false");
    EXPECT_EQ(eval("REGEXP_MATCHES", {S("a\nb"), S("(?s)a.b")}), "true");
}

TEST(RegexFunctionsTest, InvalidLiteralPatternIsAResolveError) {
    EXPECT_EQ(call("REGEXP_MATCHES", {S("a"), S("(")}),
              "resolve error invalid_argument: REGEXP_MATCHES: invalid regular expression '(': "
              "missing ): (");
    EXPECT_EQ(call("REGEXP_REPLACE", {S("a"), S("[a"), S("b")}),
              "resolve error invalid_argument: REGEXP_REPLACE: invalid regular expression '[a': "
              "missing ]: [a");
    EXPECT_EQ(call("REGEXP_EXTRACT", {S("a"), S("a**")}),
              "resolve error invalid_argument: REGEXP_EXTRACT: invalid regular expression 'a**': "
              "bad repetition operator: **");
    // RE2 has no backreferences in patterns.
    EXPECT_EQ(call("REGEXP_MATCHES", {S("aa"), S("(a)\\1")}),
              "resolve error invalid_argument: REGEXP_MATCHES: invalid regular expression "
              "'(a)\\1': invalid escape sequence: \\1");
}

TEST(RegexFunctionsTest, PatternsFromTheDataAreCompiledPerValue) {
    EXPECT_EQ(callRows("REGEXP_MATCHES", {kString, kString},
                       {{S("abc"), S("b")},
                        {S("abc"), S("(")},
                        {S("abc"), S("b")},
                        {S("xyz"), S("^x")},
                        {S("abc"), S("(")},
                        {S("abc"), S("^x")}},
                       false),
              (std::vector<std::string>{"true",
                                        "row error invalid_argument: REGEXP_MATCHES: invalid "
                                        "regular expression '(': missing ): (",
                                        "true", "true",
                                        "row error invalid_argument: REGEXP_MATCHES: invalid "
                                        "regular expression '(': missing ): (",
                                        "false"}));
}

TEST(RegexFunctionsTest, ManyDistinctPatternsFromTheData) {
    // More distinct patterns than the per-kernel cache holds, each used twice.
    std::vector<std::vector<Value>> rows;
    std::vector<std::string> expected;
    for (int round = 0; round < 2; ++round) {
        for (int i = 0; i < 40; ++i) {
            rows.push_back({S("x" + std::to_string(i) + "y"), S("^x" + std::to_string(i) + "y$")});
            expected.push_back("true");
            rows.push_back({S("x" + std::to_string(i)), S("^x" + std::to_string(i) + "y$")});
            expected.push_back("false");
        }
    }
    EXPECT_EQ(callRows("REGEXP_MATCHES", {kString, kString}, rows, false), expected);
}

TEST(RegexFunctionsTest, RegexpReplace) {
    EXPECT_EQ(eval("REGEXP_REPLACE", {null(), S("a"), S("b")}), "NULL");
    EXPECT_EQ(eval("REGEXP_REPLACE", {S("a"), null(), S("b")}), "NULL");
    EXPECT_EQ(eval("REGEXP_REPLACE", {S("a"), S("a"), nullString()}), "NULL");
    EXPECT_EQ(eval("REGEXP_REPLACE", {S("a1b22c333"), S("[0-9]+"), S("#")}), "'a#b#c#'");
    EXPECT_EQ(eval("REGEXP_REPLACE", {S("John Smith"), S("(\\w+) (\\w+)"), S("\\2, \\1")}),
              "'Smith, John'");
    EXPECT_EQ(eval("REGEXP_REPLACE", {S("abc"), S("b"), S("[\\0]")}), "'a[b]c'");
    EXPECT_EQ(eval("REGEXP_REPLACE", {S("abc"), S("x"), S("y")}), "'abc'");
    EXPECT_EQ(eval("REGEXP_REPLACE", {S("abc"), S("b"), S("")}), "'ac'");
    EXPECT_EQ(eval("REGEXP_REPLACE", {S("abc"), S(""), S("-")}), "'-a-b-c-'");
    EXPECT_EQ(eval("REGEXP_REPLACE", {S(""), S("x*"), S("-")}), "'-'");
    EXPECT_EQ(eval("REGEXP_REPLACE", {S("日本語"), S("本"), S("X")}), "'日X語'");
    EXPECT_EQ(eval("REGEXP_REPLACE", {S("日本"), S(""), S("|")}), "'|日|本|'");
    EXPECT_EQ(eval("REGEXP_REPLACE", {S("a.b"), S("\\."), S("\\\\")}), "'a\\b'");
}

TEST(RegexFunctionsTest, RegexpReplaceInvalidReplacement) {
    EXPECT_EQ(call("REGEXP_REPLACE", {S("ab"), S("(a)"), S("\\2")}),
              "resolve error invalid_argument: REGEXP_REPLACE: invalid replacement '\\2': Rewrite "
              "schema requests 2 matches, but the regexp only has 1 parenthesized subexpressions.");
    EXPECT_EQ(callColumns("REGEXP_REPLACE", {S("ab"), S("(a)"), S("\\2")}),
              "row error invalid_argument: REGEXP_REPLACE: invalid replacement '\\2': Rewrite "
              "schema requests 2 matches, but the regexp only has 1 parenthesized subexpressions.");
    EXPECT_EQ(callColumns("REGEXP_REPLACE", {S("ab"), S("(a"), S("x")}),
              "row error invalid_argument: REGEXP_REPLACE: invalid regular expression '(a': "
              "missing ): (a");
}

TEST(RegexFunctionsTest, RegexpExtract) {
    EXPECT_EQ(eval("REGEXP_EXTRACT", {null(), S("a")}), "NULL");
    EXPECT_EQ(eval("REGEXP_EXTRACT", {S("a"), nullString()}), "NULL");
    EXPECT_EQ(eval("REGEXP_EXTRACT", {S("a1"), S("([a-z])"), null()}), "NULL");
    // Default group: 1 when the pattern has a group, else the whole match.
    EXPECT_EQ(eval("REGEXP_EXTRACT", {S("id=42; key=value"), S("key=(\\w+)")}), "'value'");
    EXPECT_EQ(eval("REGEXP_EXTRACT", {S("abc123def456"), S("[0-9]+")}), "'123'");
    EXPECT_EQ(eval("REGEXP_EXTRACT", {S("abc"), S("[0-9]+")}), "NULL");
    EXPECT_EQ(eval("REGEXP_EXTRACT", {S("a1b2"), S("([a-z])([0-9])"), I(2)}), "'1'");
    EXPECT_EQ(eval("REGEXP_EXTRACT", {S("a1b2"), S("([a-z])([0-9])"), I(0)}), "'a1'");
    EXPECT_EQ(eval("REGEXP_EXTRACT", {S("a1b2"), S("([a-z])([0-9])"), I(1)}), "'a'");
    // A group that took no part in the match.
    EXPECT_EQ(eval("REGEXP_EXTRACT", {S("ab"), S("a(x)?b")}), "NULL");
    // An empty match is the empty string, not NULL.
    EXPECT_EQ(eval("REGEXP_EXTRACT", {S("abc"), S("x*")}), "''");
    EXPECT_EQ(eval("REGEXP_EXTRACT", {S("価格: 100円"), S("(\\d+)円")}), "'100'");
    EXPECT_EQ(eval("REGEXP_EXTRACT", {S("😀é日"), S("é(.)")}), "'日'");
}

TEST(RegexFunctionsTest, RegexpExtractGroupOutOfRange) {
    EXPECT_EQ(call("REGEXP_EXTRACT", {S("a1"), S("([a-z])"), I(2)}),
              "resolve error invalid_argument: REGEXP_EXTRACT: group 2 does not exist; the pattern "
              "has 1 capture group(s)");
    EXPECT_EQ(
        call("REGEXP_EXTRACT", {S("a1"), S("[a-z]"), I(-1)}),
        "resolve error invalid_argument: REGEXP_EXTRACT: group -1 does not exist; the pattern "
        "has 0 capture group(s)");
    EXPECT_EQ(callColumns("REGEXP_EXTRACT", {S("a1"), S("([a-z])"), I(2)}),
              "row error invalid_argument: REGEXP_EXTRACT: group 2 does not exist; the pattern has "
              "1 capture group(s)");
}

// ---- zero-copy ------------------------------------------------------------------------------

/// Evaluates `function` over one row of STRING/BIGINT columns and returns whether the
/// STRING result lies inside the first argument's bytes (a view, not a copy).
bool resultIsViewOfInput(const std::string& function, const std::vector<Value>& args) {
    std::vector<ArgInfo> infos;
    for (const auto& arg : args) infos.push_back({arg.type(), std::nullopt});
    auto bound = FunctionRegistry::builtins().resolve(function, infos);
    EXPECT_TRUE(bound.isOk());
    if (!bound.isOk()) return false;
    types::Batch batch;
    batch.setNumRows(1);
    std::vector<ExprPtr> columns;
    for (size_t i = 0; i < args.size(); ++i) {
        auto column = std::make_shared<types::Vector>(args[i].type(), 1);
        types::writeValue(*column, 0, args[i], batch.arena());
        batch.columns().push_back(column);
        columns.push_back(Expr::column(static_cast<int>(i), args[i].type()));
    }
    auto compiled = CompiledExpr::compile(
        Expr::call(std::make_shared<const BoundFunction>(*bound), columns, function));
    EXPECT_TRUE(compiled.isOk());
    EvalContext context(batch, 0);
    uint32_t row = 0;
    types::VectorPtr out = (*compiled)->eval(context, std::span<const uint32_t>(&row, 1));
    std::string_view input = batch.column(0).values<std::string_view>()[0];
    std::string_view result = out->values<std::string_view>()[0];
    return result.data() >= input.data() &&
           result.data() + result.size() <= input.data() + input.size();
}

TEST(StringFunctionsTest, PiecesOfTheInputAreViewsNotCopies) {
    EXPECT_TRUE(resultIsViewOfInput("SUBSTRING", {S("hello world"), I(2), I(3)}));
    EXPECT_TRUE(resultIsViewOfInput("TRIM", {S("  hello  ")}));
    EXPECT_TRUE(resultIsViewOfInput("LTRIM", {S("xxhello"), S("x")}));
    EXPECT_TRUE(resultIsViewOfInput("LEFT", {S("hello"), I(2)}));
    EXPECT_TRUE(resultIsViewOfInput("RIGHT", {S("hello"), I(2)}));
    EXPECT_TRUE(resultIsViewOfInput("LPAD", {S("hello"), I(2)}));
    EXPECT_TRUE(resultIsViewOfInput("SPLIT_PART", {S("a,b,c"), S(","), I(2)}));
    EXPECT_TRUE(resultIsViewOfInput("REGEXP_EXTRACT", {S("key=value"), S("=(\\w+)")}));
    // Unchanged text is returned as is.
    EXPECT_TRUE(resultIsViewOfInput("UPPER", {S("ALREADY 日本")}));
    EXPECT_TRUE(resultIsViewOfInput("REPLACE", {S("abc"), S("x"), S("y")}));
    EXPECT_TRUE(resultIsViewOfInput("REGEXP_REPLACE", {S("abc"), S("x"), S("y")}));
    EXPECT_FALSE(resultIsViewOfInput("UPPER", {S("lower")}));
    EXPECT_FALSE(resultIsViewOfInput("REPLACE", {S("abc"), S("b"), S("y")}));
}

}  // namespace
}  // namespace ferris::expr
