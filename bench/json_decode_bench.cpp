// JSON decode cost per field, by type: the §3 target is ≤ 15 ns per field.
// Each record holds 8 fields of one type; a batch of 1024 records is decoded per iteration
// from one padded buffer, as the file source hands them over.

#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <functional>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "codec/decoder.h"
#include "types/batch.h"

namespace {

using namespace ferris;

constexpr int kFields = 8;
constexpr size_t kRecords = 1024;

struct Input {
    std::string buffer;
    std::vector<types::RawRecord> records;
    std::vector<codec::DecodeField> fields;
};

Input makeInput(const types::DataType& type, const std::function<std::string(std::mt19937_64&)>& value) {
    Input input;
    std::mt19937_64 random(42);
    std::vector<std::pair<size_t, size_t>> ranges;
    for (size_t r = 0; r < kRecords; ++r) {
        size_t start = input.buffer.size();
        input.buffer += '{';
        for (int f = 0; f < kFields; ++f) {
            if (f > 0) input.buffer += ',';
            input.buffer += fmt::format("\"field_{}\":{}", f, value(random));
        }
        input.buffer += "}\n";
        ranges.emplace_back(start, input.buffer.size() - 1 - start);
    }
    input.buffer.append(simdjson::SIMDJSON_PADDING, ' ');
    for (auto [start, size] : ranges) {
        types::RawRecord record;
        record.value = std::string_view(input.buffer.data() + start, size);
        record.paddingAfter = static_cast<uint32_t>(input.buffer.size() - start - size);
        input.records.push_back(record);
    }
    for (int f = 0; f < kFields; ++f) input.fields.push_back({fmt::format("field_{}", f), type, f});
    return input;
}

void runDecode(benchmark::State& state, const Input& input) {
    auto decoder = codec::makeJsonDecoder(input.fields);
    if (!decoder.isOk()) {
        state.SkipWithError(decoder.status().toString().c_str());
        return;
    }
    for (auto _ : state) {
        types::Batch batch;
        batch.setNumRows(kRecords);
        batch.columns().resize(kFields);
        decoder.value()->decode(input.records, batch);
        if (!batch.errors().empty()) {
            state.SkipWithError(batch.errors()[0].message.c_str());
            return;
        }
        benchmark::DoNotOptimize(batch.columns().data());
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kRecords * kFields));
    state.counters["ns_per_field"] = benchmark::Counter(
        static_cast<double>(state.iterations() * kRecords * kFields),
        benchmark::Counter::kIsRate | benchmark::Counter::kInvert, benchmark::Counter::kIs1000);
}

void BM_DecodeBigint(benchmark::State& state) {
    // Quantities and ids: 1 to 6 digits.
    static const Input input = makeInput(types::DataType::bigint(), [](std::mt19937_64& r) {
        return std::to_string(static_cast<int64_t>(1 + r() % 500'000));
    });
    runDecode(state, input);
}

void BM_DecodeDouble(benchmark::State& state) {
    // Prices with cents, as market data carries them.
    static const Input input = makeInput(types::DataType::float64(), [](std::mt19937_64& r) {
        return fmt::format("{}", static_cast<double>(r() % 5'000'000) / 100.0);
    });
    runDecode(state, input);
}

void BM_DecodeDecimal(benchmark::State& state) {
    // Prices with 1 to 4 decimals as DECIMAL(18,4).
    static const Input input = makeInput(types::DataType::decimal(18, 4), [](std::mt19937_64& r) {
        uint64_t cents = r() % 5'000'000;
        return fmt::format("{}.{:02d}", cents / 100, cents % 100);
    });
    runDecode(state, input);
}

void BM_DecodeString(benchmark::State& state) {
    static const Input input = makeInput(types::DataType::string(), [](std::mt19937_64& r) {
        static const char* kSymbols[] = {"AAPL", "MSFT", "NVDA", "GOOGL", "AMZN", "META", "TSLA", "JPM"};
        return fmt::format("\"{}\"", kSymbols[r() % 8]);
    });
    runDecode(state, input);
}

void BM_DecodeTimestamp(benchmark::State& state) {
    // Epoch milliseconds (13 digits).
    static const Input input = makeInput(types::DataType::timestamp(), [](std::mt19937_64& r) {
        return std::to_string(1'767'623'400'000 + static_cast<int64_t>(r() % 86'400'000));
    });
    runDecode(state, input);
}

void BM_DecodeTimestampIso(benchmark::State& state) {
    static const Input input = makeInput(types::DataType::timestamp(), [](std::mt19937_64& r) {
        return fmt::format("\"2026-01-05T{:02d}:{:02d}:{:02d}.{:03d}Z\"", r() % 24, r() % 60, r() % 60, r() % 1000);
    });
    runDecode(state, input);
}

BENCHMARK(BM_DecodeBigint);
BENCHMARK(BM_DecodeDouble);
BENCHMARK(BM_DecodeDecimal);
BENCHMARK(BM_DecodeString);
BENCHMARK(BM_DecodeTimestamp);
BENCHMARK(BM_DecodeTimestampIso);

}  // namespace

BENCHMARK_MAIN();
