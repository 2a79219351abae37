// Kafka header functions on hand-built batches: the headers live in the batch's RowOrigin,
// so the calls are compiled and evaluated directly rather than through expr_eval.

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "expr/compiled_expr.h"
#include "expr/function_registry.h"
#include "types/batch.h"
#include "types/value_vector.h"

namespace ferris::expr {
namespace {

using types::Batch;
using types::DataType;
using types::Header;
using types::Value;
using types::Vector;
using types::VectorPtr;

/// One header as a test writes it: a null value is std::nullopt.
struct TestHeader {
    std::string_view key;
    std::optional<std::string_view> value;
};

/// A batch of rows with these headers (and no columns).
void fillHeaders(Batch& batch, const std::vector<std::vector<TestHeader>>& rows) {
    batch.setNumRows(static_cast<uint32_t>(rows.size()));
    auto& origin = batch.origin();
    origin.headerBegin.push_back(0);
    for (const auto& row : rows) {
        for (const auto& header : row) {
            origin.headers.push_back(
                Header{header.key, header.value.value_or(""), !header.value.has_value()});
        }
        origin.headerBegin.push_back(static_cast<uint32_t>(origin.headers.size()));
    }
}

/// The rows used by most tests.
const std::vector<std::vector<TestHeader>> kRows = {
    {{"k", "v1"}, {"x", "y"}, {"k", "v2"}},  // 0: last value wins
    {},                                      // 1: no headers
    {{"k", std::nullopt}},                   // 2: a null value
    {{"K", "upper"}},                        // 3: keys are case-sensitive
    {{"k", "v1"}, {"k", std::nullopt}},      // 4: the last one is null
    {{"k", std::nullopt}, {"k", "v"}},       // 5: the last one is not
    {{"k", ""}, {"x", "1"}, {"x", "2"}},     // 6: empty value, repeated key
};

/// Resolves and compiles `function(args…)` as the binder would (literal arguments are
/// shown to the resolver; arguments are cast to the overload's types) and evaluates it on
/// `rows` of the batch (default: every row).
Result<VectorPtr> evaluate(Batch& batch, const std::string& function, std::vector<ExprPtr> args,
                           std::optional<std::vector<uint32_t>> rows = std::nullopt) {
    std::vector<ArgInfo> infos;
    for (const auto& arg : args) {
        ArgInfo info{arg->type, std::nullopt};
        if (arg->isLiteral()) info.literal = arg->literal;
        infos.push_back(info);
    }
    FERRIS_ASSIGN_OR_RETURN(BoundFunction bound,
                            FunctionRegistry::builtins().resolve(function, infos));
    for (size_t i = 0; i < args.size(); ++i) {
        // Cast to the overload's types, as the binder does.
        if (args[i]->type != bound.argTypes[i]) args[i] = Expr::cast(args[i], bound.argTypes[i]);
    }
    auto call = Expr::call(std::make_shared<const BoundFunction>(bound), std::move(args), function);
    FERRIS_ASSIGN_OR_RETURN(auto compiled, CompiledExpr::compile(call));
    EvalContext context(batch, 0);
    std::vector<uint32_t> selection =
        rows ? *rows : std::vector<uint32_t>(batch.selection().begin(), batch.selection().end());
    return compiled->eval(context, selection);
}

ExprPtr text(std::string value) {
    return Expr::constant(Value::string(std::move(value)));
}

/// Row values of a flat result as SQL text ("'v2'", "NULL", "TRUE").
std::vector<std::string> values(const Vector& vector, const std::vector<uint32_t>& rows) {
    std::vector<std::string> out;
    for (uint32_t row : rows) out.push_back(types::readValue(vector, row).toSql());
    return out;
}

std::vector<uint32_t> allRows(const Batch& batch) {
    return {batch.selection().begin(), batch.selection().end()};
}

/// The string elements of row `row` of an ARRAY<STRING> result.
std::vector<std::string> arrayRow(const Vector& vector, uint32_t row) {
    std::vector<std::string> out;
    const auto* elements = vector.child(0).values<std::string_view>();
    for (int32_t i = vector.offsets()[row]; i < vector.offsets()[row + 1]; ++i) {
        out.emplace_back(elements[i]);
    }
    return out;
}

using Strings = std::vector<std::string>;

// ---- HEADER -------------------------------------------------------------------------------

TEST(HeaderTest, LastValueForTheKey) {
    Batch batch;
    fillHeaders(batch, kRows);
    auto out = evaluate(batch, "HEADER", {text("k")});
    ASSERT_TRUE(out.isOk()) << out.status().toString();
    EXPECT_EQ(out.value()->type(), DataType::string());
    EXPECT_EQ(values(*out.value(), allRows(batch)),
              (Strings{"'v2'", "NULL", "NULL", "NULL", "NULL", "'v'", "''"}));
    auto x = evaluate(batch, "HEADER", {text("x")});
    ASSERT_TRUE(x.isOk());
    EXPECT_EQ(values(*x.value(), allRows(batch)),
              (Strings{"'y'", "NULL", "NULL", "NULL", "NULL", "NULL", "'2'"}));
    auto upper = evaluate(batch, "HEADER", {text("K")});
    ASSERT_TRUE(upper.isOk());
    EXPECT_EQ(types::readValue(*upper.value(), 3).toSql(), "'upper'");
}

TEST(HeaderTest, KeyFromAColumnAndNullKey) {
    Batch batch;
    fillHeaders(batch, kRows);
    auto keys = std::make_shared<Vector>(DataType::string(), batch.numRows());
    std::vector<Value> keyValues = {Value::string("x"), Value::null(DataType::string()),
                                    Value::string("k"), Value::string("K"),
                                    Value::string("k"), Value::string("k"),
                                    Value::string("x")};
    for (uint32_t row = 0; row < batch.numRows(); ++row) {
        types::writeValue(*keys, row, keyValues[row], batch.arena());
    }
    batch.columns().push_back(keys);
    auto out = evaluate(batch, "HEADER", {Expr::column(0, DataType::string())});
    ASSERT_TRUE(out.isOk());
    EXPECT_EQ(values(*out.value(), allRows(batch)),
              (Strings{"'y'", "NULL", "NULL", "'upper'", "NULL", "'v'", "'2'"}));
    auto nullKey = evaluate(batch, "HEADER", {Expr::constant(Value::null())});
    ASSERT_TRUE(nullKey.isOk());
    EXPECT_EQ(values(*nullKey.value(), {0, 1}), (Strings{"NULL", "NULL"}));
}

TEST(HeaderTest, BatchWithoutHeaders) {
    Batch batch;
    batch.setNumRows(3);  // e.g. from a file source: headerBegin stays empty
    auto out = evaluate(batch, "HEADER", {text("k")});
    ASSERT_TRUE(out.isOk());
    EXPECT_EQ(values(*out.value(), allRows(batch)), (Strings{"NULL", "NULL", "NULL"}));
}

TEST(HeaderTest, OnlyTheSelectedRows) {
    Batch batch;
    fillHeaders(batch, kRows);
    auto out = evaluate(batch, "HEADER", {text("k")}, std::vector<uint32_t>{5, 6});
    ASSERT_TRUE(out.isOk());
    EXPECT_EQ(values(*out.value(), {5, 6}), (Strings{"'v'", "''"}));
}

// ---- HAS_HEADER ---------------------------------------------------------------------------

TEST(HasHeaderTest, TrueEvenForANullValue) {
    Batch batch;
    fillHeaders(batch, kRows);
    auto out = evaluate(batch, "HAS_HEADER", {text("k")});
    ASSERT_TRUE(out.isOk());
    EXPECT_EQ(out.value()->type(), DataType::boolean());
    EXPECT_EQ(values(*out.value(), allRows(batch)),
              (Strings{"TRUE", "FALSE", "TRUE", "FALSE", "TRUE", "TRUE", "TRUE"}));
    auto nullKey = evaluate(batch, "HAS_HEADER", {Expr::constant(Value::null(DataType::string()))});
    ASSERT_TRUE(nullKey.isOk());
    EXPECT_EQ(values(*nullKey.value(), {0}), (Strings{"NULL"}));

    Batch empty;
    empty.setNumRows(2);
    auto none = evaluate(empty, "HAS_HEADER", {text("k")});
    ASSERT_TRUE(none.isOk());
    EXPECT_EQ(values(*none.value(), allRows(empty)), (Strings{"FALSE", "FALSE"}));
}

// ---- HEADER_KEYS --------------------------------------------------------------------------

TEST(HeaderKeysTest, DistinctKeysInFirstAppearanceOrder) {
    Batch batch;
    fillHeaders(batch, kRows);
    auto out = evaluate(batch, "HEADER_KEYS", {});
    ASSERT_TRUE(out.isOk());
    const Vector& keys = *out.value();
    EXPECT_EQ(keys.type(), DataType::array(DataType::string()));
    EXPECT_EQ(arrayRow(keys, 0), (Strings{"k", "x"}));
    EXPECT_EQ(arrayRow(keys, 1), Strings{});
    EXPECT_EQ(arrayRow(keys, 2), (Strings{"k"}));
    EXPECT_EQ(arrayRow(keys, 3), (Strings{"K"}));
    EXPECT_EQ(arrayRow(keys, 4), (Strings{"k"}));
    EXPECT_EQ(arrayRow(keys, 5), (Strings{"k"}));
    EXPECT_EQ(arrayRow(keys, 6), (Strings{"k", "x"}));
    EXPECT_EQ(keys.offsets()[7], 8);
    EXPECT_EQ(keys.child(0).size(), 8u);
    EXPECT_FALSE(keys.mayHaveNulls());
}

TEST(HeaderKeysTest, UnselectedRowsGetEmptyRanges) {
    Batch batch;
    fillHeaders(batch, kRows);
    auto out = evaluate(batch, "HEADER_KEYS", {}, std::vector<uint32_t>{3, 6});
    ASSERT_TRUE(out.isOk());
    const Vector& keys = *out.value();
    EXPECT_EQ(arrayRow(keys, 3), (Strings{"K"}));
    EXPECT_EQ(arrayRow(keys, 6), (Strings{"k", "x"}));
    for (uint32_t row = 0; row < 7; ++row) {
        EXPECT_LE(keys.offsets()[row], keys.offsets()[row + 1]) << row;
    }
    EXPECT_EQ(keys.offsets()[0], 0);
    EXPECT_EQ(keys.offsets()[3], 0);
    EXPECT_EQ(keys.offsets()[7], 3);
}

TEST(HeaderKeysTest, BatchWithoutHeaders) {
    Batch batch;
    batch.setNumRows(2);
    auto out = evaluate(batch, "HEADER_KEYS", {});
    ASSERT_TRUE(out.isOk());
    EXPECT_EQ(arrayRow(*out.value(), 0), Strings{});
    EXPECT_EQ(arrayRow(*out.value(), 1), Strings{});
}

// ---- Resolution ---------------------------------------------------------------------------

std::string resolveCode(const std::string& function, std::vector<DataType> types) {
    std::vector<ArgInfo> infos;
    for (auto& type : types) infos.push_back({type, std::nullopt});
    auto bound = FunctionRegistry::builtins().resolve(function, infos);
    return bound.isOk() ? "ok" : std::string(errorCodeName(bound.status().code()));
}

TEST(HeaderResolveTest, WrongArguments) {
    EXPECT_EQ(resolveCode("HEADER", {DataType::bigint()}), "type_mismatch");
    EXPECT_EQ(resolveCode("HEADER", {}), "type_mismatch");
    EXPECT_EQ(resolveCode("HEADER", {DataType::string(), DataType::string()}), "type_mismatch");
    EXPECT_EQ(resolveCode("HAS_HEADER", {DataType::bytes()}), "type_mismatch");
    EXPECT_EQ(resolveCode("HEADER_KEYS", {DataType::string()}), "type_mismatch");
    EXPECT_EQ(resolveCode("HEADER", {DataType::string()}), "ok");
}

TEST(HeaderResolveTest, SetAndRemoveHeaderAreSelectItemsOnly) {
    const auto& registry = FunctionRegistry::builtins();
    ArgInfo args[] = {{DataType::string(), Value::string("k")},
                      {DataType::string(), Value::string("v")}};
    auto set = registry.resolve("SET_HEADER", args);
    ASSERT_FALSE(set.isOk());
    EXPECT_EQ(set.status().code(), ErrorCode::kNotSupported);
    EXPECT_EQ(set.status().message(),
              "SET_HEADER is allowed only as a select item of a query writing to a Kafka sink");
    auto remove = registry.resolve("REMOVE_HEADER", std::span<const ArgInfo>(args, 1));
    ASSERT_FALSE(remove.isOk());
    EXPECT_EQ(remove.status().code(), ErrorCode::kNotSupported);
    EXPECT_EQ(remove.status().message(),
              "REMOVE_HEADER is allowed only as a select item of a query writing to a Kafka sink");
}

TEST(HeaderResolveTest, EntriesAreNeverConstantFolded) {
    const auto& registry = FunctionRegistry::builtins();
    for (const char* name :
         {"HEADER", "HAS_HEADER", "HEADER_KEYS", "SET_HEADER", "REMOVE_HEADER"}) {
        const FunctionEntry* entry = registry.find(name);
        ASSERT_NE(entry, nullptr) << name;
        EXPECT_EQ(entry->category, "header") << name;
        EXPECT_FALSE(entry->signatures.empty()) << name;
        EXPECT_FALSE(entry->description.empty()) << name;
        EXPECT_FALSE(entry->deterministic) << name;
    }
    ArgInfo key{DataType::string(), Value::string("k")};
    auto bound = registry.resolve("HEADER", std::span<const ArgInfo>(&key, 1));
    ASSERT_TRUE(bound.isOk());
    EXPECT_FALSE(bound.value().deterministic);
    auto call = Expr::call(std::make_shared<const BoundFunction>(bound.value()), {text("k")},
                           "HEADER('k')");
    EXPECT_FALSE(call->isConstant());
}

}  // namespace
}  // namespace ferris::expr
