// Expression evaluation cost per row on 1024-row batches: compiled kernels, no per-row
// virtual calls (DESIGN.md §2.1).

#include <benchmark/benchmark.h>

#include <random>

#include "expr/compiled_expr.h"
#include "expr/function_registry.h"
#include "types/batch.h"
#include "types/value.h"

namespace {

using namespace ferris;
using types::DataType;

constexpr uint32_t kRows = 1024;

/// Slots: 0 price DECIMAL(18,4), 1 quantity BIGINT, 2 symbol STRING, 3 px DOUBLE.
types::Batch makeBatch() {
    types::Batch batch;
    batch.setNumRows(kRows);
    std::mt19937_64 random(7);
    auto price = std::make_shared<types::Vector>(DataType::decimal(18, 4), kRows);
    auto quantity = std::make_shared<types::Vector>(DataType::bigint(), kRows);
    auto symbol = std::make_shared<types::Vector>(DataType::string(), kRows);
    auto px = std::make_shared<types::Vector>(DataType::float64(), kRows);
    static const char* kSymbols[] = {"AAPL", "MSFT", "NVDA", "GOOGL"};
    for (uint32_t row = 0; row < kRows; ++row) {
        price->values<int64_t>()[row] = static_cast<int64_t>(1'000'000 + random() % 4'000'000);
        quantity->values<int64_t>()[row] = static_cast<int64_t>(1 + random() % 5000);
        symbol->values<std::string_view>()[row] = kSymbols[random() % 4];
        px->values<double>()[row] = 100.0 + static_cast<double>(random() % 40000) / 100.0;
    }
    batch.columns() = {price, quantity, symbol, px};
    return batch;
}

expr::ExprPtr column(int slot, DataType type) { return expr::Expr::column(slot, std::move(type)); }

expr::ExprPtr call(const std::string& name, std::vector<expr::ExprPtr> args) {
    std::vector<expr::ArgInfo> infos;
    for (const auto& arg : args) {
        expr::ArgInfo info{arg->type, std::nullopt};
        if (arg->isLiteral()) info.literal = arg->literal;
        infos.push_back(info);
    }
    auto bound = expr::FunctionRegistry::builtins().resolve(name, infos);
    auto shared = std::make_shared<const expr::BoundFunction>(std::move(bound).value());
    for (size_t i = 0; i < args.size(); ++i) {
        if (args[i]->type != shared->argTypes[i]) args[i] = expr::Expr::cast(args[i], shared->argTypes[i]);
    }
    return expr::Expr::call(shared, std::move(args));
}

void runExpr(benchmark::State& state, const expr::ExprPtr& expression) {
    types::Batch batch = makeBatch();
    auto compiled = expr::CompiledExpr::compile(expression);
    std::vector<uint32_t> rows(batch.selection().begin(), batch.selection().end());
    for (auto _ : state) {
        expr::EvalContext context(batch, 0);
        auto out = compiled.value()->eval(context, rows);
        benchmark::DoNotOptimize(out.get());
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kRows));
    state.counters["ns_per_row"] =
        benchmark::Counter(static_cast<double>(state.iterations() * kRows),
                           benchmark::Counter::kIsRate | benchmark::Counter::kInvert, benchmark::Counter::kIs1000);
}

void BM_DecimalTimesBigint(benchmark::State& state) {
    runExpr(state, call("*", {column(0, DataType::decimal(18, 4)), column(1, DataType::bigint())}));
}

void BM_NotionalFilter(benchmark::State& state) {
    // price * quantity > 250000.00
    auto notional = call("*", {column(0, DataType::decimal(18, 4)), column(1, DataType::bigint())});
    auto limit = expr::Expr::constant(types::Value::decimal(25'000'000, 8, 2));
    runExpr(state, call(">", {notional, limit}));
}

void BM_BigintCompare(benchmark::State& state) {
    runExpr(state, call(">", {column(1, DataType::bigint()), expr::Expr::constant(types::Value::bigint(1000))}));
}

void BM_DoubleArithmetic(benchmark::State& state) {
    runExpr(state, call("+", {call("*", {column(3, DataType::float64()), expr::Expr::constant(types::Value::float64(1.5))}),
                              expr::Expr::constant(types::Value::float64(2.0))}));
}

void BM_StringEquals(benchmark::State& state) {
    runExpr(state, call("=", {column(2, DataType::string()), expr::Expr::constant(types::Value::string("NVDA"))}));
}

void BM_DecimalDivide(benchmark::State& state) {
    runExpr(state, call("/", {column(0, DataType::decimal(18, 4)), column(1, DataType::bigint())}));
}

BENCHMARK(BM_DecimalTimesBigint);
BENCHMARK(BM_NotionalFilter);
BENCHMARK(BM_BigintCompare);
BENCHMARK(BM_DoubleArithmetic);
BENCHMARK(BM_StringEquals);
BENCHMARK(BM_DecimalDivide);

}  // namespace

BENCHMARK_MAIN();
