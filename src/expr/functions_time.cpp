// Date/time functions: NOW/CURRENT_TIMESTAMP, CURRENT_DATE, UNIX_TIMESTAMP, FROM_UNIXTIME,
// EXTRACT, DATE_TRUNC, DATEDIFF, DATE_FORMAT, TUMBLE_START and TUMBLE_END. DATE arguments
// are cast to TIMESTAMP (midnight UTC) by the binder; every computation is in UTC.

#include <fmt/format.h>

#include <cmath>

#include "expr/function_registry.h"
#include "expr/kernel_util.h"
#include "types/decimal.h"
#include "types/time.h"

namespace ferris::expr {

using types::DataType;
using types::DecimalSpec;
using types::TimeUnit;
using types::TypeId;
using types::Vector;

namespace {

using ResolveFunction = Result<BoundFunction> (*)(const FunctionEntry&, std::span<const ArgInfo>);

FunctionEntry timeEntry(std::string name, std::vector<std::string> aliases,
                        std::vector<std::string> signatures, std::string description,
                        ResolveFunction resolve) {
    FunctionEntry entry;
    entry.name = std::move(name);
    entry.aliases = std::move(aliases);
    entry.category = "date/time";
    entry.signatures = std::move(signatures);
    entry.description = std::move(description);
    entry.resolve = resolve;
    return entry;
}

/// TIMESTAMP, DATE (cast to TIMESTAMP by the binder) or a bare NULL.
bool isTemporalArg(const ArgInfo& arg) {
    TypeId id = arg.type.id();
    return id == TypeId::kTimestamp || id == TypeId::kDate || id == TypeId::kNull;
}

bool isStringArg(const ArgInfo& arg) {
    return arg.type.id() == TypeId::kString || arg.type.isNull();
}

int64_t floorDivide(int64_t value, int64_t divisor) {
    int64_t quotient = value / divisor;
    return (value % divisor < 0) ? quotient - 1 : quotient;
}

/// The date part named by a unit argument, which must be a string literal. EXTRACT takes
/// every unit; DATE_TRUNC and DATEDIFF reject the EXTRACT-only ones (DOW, DOY, EPOCH).
Result<TimeUnit> unitArgument(const FunctionEntry& self, const ArgInfo& arg, bool extractOnlyOk) {
    std::string_view valid =
        extractOnlyOk ? "MICROSECOND, MILLISECOND, SECOND, MINUTE, HOUR, DAY, WEEK, MONTH, "
                        "QUARTER, YEAR, DOW, DOY, EPOCH"
                      : "MICROSECOND, MILLISECOND, SECOND, MINUTE, HOUR, DAY, WEEK, MONTH, "
                        "QUARTER, YEAR";
    if (!arg.literal.has_value() || arg.literal->isNull() || arg.type.id() != TypeId::kString) {
        return Status::user(
            ErrorCode::kInvalidArgument,
            fmt::format("{} needs its unit as a literal, one of {}", self.name, valid));
    }
    const std::string& text = arg.literal->asString();
    TimeUnit unit = TimeUnit::kSecond;
    if (!types::parseTimeUnit(text, unit) || (!extractOnlyOk && types::isExtractOnlyUnit(unit))) {
        return Status::user(
            ErrorCode::kInvalidArgument,
            fmt::format("{}: unknown unit '{}'; valid units are {}", self.name, text, valid));
    }
    return unit;
}

BoundFunction bind(const FunctionEntry& self, std::vector<DataType> argTypes, DataType result) {
    BoundFunction bound;
    bound.name = self.name;
    bound.argTypes = std::move(argTypes);
    bound.resultType = std::move(result);
    return bound;
}

/// A kernel writing one value, computed from the batch's clock reading, to every row.
template <typename T, typename F>
KernelPtr clockKernel(F fromNow) {
    return makeKernel([fromNow](EvalContext& context, std::span<const uint32_t> rows,
                                std::span<const Vector* const>, Vector& out) {
        T value = fromNow(context.nowMicros());
        T* result = out.values<T>();
        for (uint32_t row : rows) result[row] = value;
    });
}

// ---- NOW, CURRENT_DATE, UNIX_TIMESTAMP ----------------------------------------------------

Result<BoundFunction> resolveNow(const FunctionEntry& self, std::span<const ArgInfo> args) {
    if (!args.empty()) return noMatchingOverload(self, args);
    BoundFunction bound = bind(self, {}, DataType::timestamp());
    bound.deterministic = false;
    bound.makeKernel = [] { return clockKernel<int64_t>([](int64_t now) { return now; }); };
    return bound;
}

Result<BoundFunction> resolveCurrentDate(const FunctionEntry& self, std::span<const ArgInfo> args) {
    if (!args.empty()) return noMatchingOverload(self, args);
    BoundFunction bound = bind(self, {}, DataType::date());
    bound.deterministic = false;
    bound.makeKernel = [] {
        return clockKernel<int32_t>(
            [](int64_t now) { return static_cast<int32_t>(types::floorDays(now)); });
    };
    return bound;
}

Result<BoundFunction> resolveUnixTimestamp(const FunctionEntry& self,
                                           std::span<const ArgInfo> args) {
    if (args.empty()) {
        BoundFunction bound = bind(self, {}, DataType::bigint());
        bound.deterministic = false;
        bound.makeKernel = [] {
            return clockKernel<int64_t>(
                [](int64_t now) { return floorDivide(now, types::kMicrosPerSecond); });
        };
        return bound;
    }
    if (args.size() != 1 || !isTemporalArg(args[0])) return noMatchingOverload(self, args);
    BoundFunction bound = bind(self, {DataType::timestamp()}, DataType::bigint());
    bound.makeKernel = [] {
        return unaryKernel<int64_t, int64_t>(
            [](int64_t ts) { return floorDivide(ts, types::kMicrosPerSecond); });
    };
    return bound;
}

// ---- FROM_UNIXTIME ------------------------------------------------------------------------

void reportOutOfRange(EvalContext& context, uint32_t row, std::string_view seconds) {
    context.error(row, ErrorCode::kIntegerOverflow,
                  fmt::format("FROM_UNIXTIME({}) is out of the TIMESTAMP range", seconds));
}

KernelPtr fromUnixtimeKernel(const DataType& type) {
    if (type.id() == TypeId::kBigint) {
        return unaryCheckedKernel<int64_t, int64_t>(
            [](EvalContext& context, uint32_t row, int64_t seconds, int64_t& out) {
                if (__builtin_mul_overflow(seconds, types::kMicrosPerSecond, &out)) [[unlikely]] {
                    reportOutOfRange(context, row, std::to_string(seconds));
                    return false;
                }
                return true;
            });
    }
    if (type.id() == TypeId::kDouble) {
        return unaryCheckedKernel<double, int64_t>(
            [](EvalContext& context, uint32_t row, double seconds, int64_t& out) {
                double micros = std::round(seconds * 1e6);  // nearest microsecond
                bool fits = micros >= -9223372036854775808.0 && micros < 9223372036854775808.0;
                if (!fits) [[unlikely]] {  // NaN fails too
                    if (std::isnan(seconds)) {
                        context.error(row, ErrorCode::kInvalidArgument,
                                      "FROM_UNIXTIME(NaN) is not a time");
                    } else {
                        reportOutOfRange(context, row, fmt::format("{}", seconds));
                    }
                    return false;
                }
                out = static_cast<int64_t>(micros);
                return true;
            });
    }
    // DECIMAL: exact, rounded half away from zero to the microsecond.
    int scale = type.scale();
    auto convert = [scale](EvalContext& context, uint32_t row, int128_t seconds, int64_t& out) {
        int128_t micros = 0;
        types::DecimalStatus status =
            types::decimalRescale(seconds, scale, DecimalSpec{38, 6}, micros);
        bool fits =
            status == types::DecimalStatus::kOk && micros <= INT64_MAX && micros >= INT64_MIN;
        if (!fits) [[unlikely]] {
            reportOutOfRange(context, row, types::decimalToString(seconds, scale));
            return false;
        }
        out = static_cast<int64_t>(micros);
        return true;
    };
    if (type.isDecimal64()) {
        return unaryCheckedKernel<int64_t, int64_t>(
            [convert](EvalContext& context, uint32_t row, int64_t seconds, int64_t& out) {
                return convert(context, row, seconds, out);
            });
    }
    return unaryCheckedKernel<int128_t, int64_t>(convert);
}

Result<BoundFunction> resolveFromUnixtime(const FunctionEntry& self,
                                          std::span<const ArgInfo> args) {
    if (args.size() != 1) return noMatchingOverload(self, args);
    DataType type = args[0].type.isNull() ? DataType::bigint() : args[0].type;
    if (!type.isNumeric()) return noMatchingOverload(self, args);
    BoundFunction bound = bind(self, {type}, DataType::timestamp());
    bound.makeKernel = [type] { return fromUnixtimeKernel(type); };
    return bound;
}

// ---- EXTRACT, DATE_TRUNC, DATEDIFF --------------------------------------------------------

Result<BoundFunction> resolveExtract(const FunctionEntry& self, std::span<const ArgInfo> args) {
    if (args.size() != 2 || !isStringArg(args[0]) || !isTemporalArg(args[1])) {
        return noMatchingOverload(self, args);
    }
    FERRIS_ASSIGN_OR_RETURN(TimeUnit unit, unitArgument(self, args[0], /*extractOnlyOk=*/true));
    BoundFunction bound =
        bind(self, {DataType::string(), DataType::timestamp()}, DataType::bigint());
    bound.makeKernel = [unit] {
        return makeKernel([unit](EvalContext&, std::span<const uint32_t> rows,
                                 std::span<const Vector* const> args, Vector& out) {
            const int64_t* ts = args[1]->values<int64_t>();
            int64_t* result = out.values<int64_t>();
            if (unit == TimeUnit::kEpoch) {
                for (uint32_t row : rows) {
                    result[row] = floorDivide(ts[row], types::kMicrosPerSecond);
                }
                return;
            }
            for (uint32_t row : rows) result[row] = types::extractFromTimestamp(unit, ts[row]);
        });
    };
    return bound;
}

Result<BoundFunction> resolveDateTrunc(const FunctionEntry& self, std::span<const ArgInfo> args) {
    if (args.size() != 2 || !isStringArg(args[0]) || !isTemporalArg(args[1])) {
        return noMatchingOverload(self, args);
    }
    FERRIS_ASSIGN_OR_RETURN(TimeUnit unit, unitArgument(self, args[0], /*extractOnlyOk=*/false));
    BoundFunction bound =
        bind(self, {DataType::string(), DataType::timestamp()}, DataType::timestamp());
    bound.makeKernel = [unit] {
        return makeKernel([unit](EvalContext&, std::span<const uint32_t> rows,
                                 std::span<const Vector* const> args, Vector& out) {
            const int64_t* ts = args[1]->values<int64_t>();
            int64_t* result = out.values<int64_t>();
            for (uint32_t row : rows) result[row] = types::truncateTimestamp(unit, ts[row]);
        });
    };
    return bound;
}

/// DATEDIFF(unit, start, end), or MySQL's DATEDIFF(end, start) counting days.
Result<BoundFunction> resolveDateDiff(const FunctionEntry& self, std::span<const ArgInfo> args) {
    DataType ts = DataType::timestamp();
    if (args.size() == 2) {
        if (!isTemporalArg(args[0]) || !isTemporalArg(args[1])) {
            return noMatchingOverload(self, args);
        }
        BoundFunction bound = bind(self, {ts, ts}, DataType::bigint());
        bound.makeKernel = [] {
            return binaryKernel<int64_t, int64_t, int64_t>([](int64_t end, int64_t start) {
                return types::diffTimestamps(TimeUnit::kDay, start, end);
            });
        };
        return bound;
    }
    if (args.size() != 3 || !isStringArg(args[0]) || !isTemporalArg(args[1]) ||
        !isTemporalArg(args[2])) {
        return noMatchingOverload(self, args);
    }
    FERRIS_ASSIGN_OR_RETURN(TimeUnit unit, unitArgument(self, args[0], /*extractOnlyOk=*/false));
    BoundFunction bound = bind(self, {DataType::string(), ts, ts}, DataType::bigint());
    bound.makeKernel = [unit] {
        return makeKernel([unit](EvalContext&, std::span<const uint32_t> rows,
                                 std::span<const Vector* const> args, Vector& out) {
            const int64_t* start = args[1]->values<int64_t>();
            const int64_t* end = args[2]->values<int64_t>();
            int64_t* result = out.values<int64_t>();
            for (uint32_t row : rows) {
                result[row] = types::diffTimestamps(unit, start[row], end[row]);
            }
        });
    };
    return bound;
}

// ---- DATE_FORMAT --------------------------------------------------------------------------

constexpr std::string_view kPatternConversions = "%Y %m %d %H %I %M %S %f %j %z %a %b %p %%";

std::string badPatternMessage(std::string_view pattern, std::string_view conversion) {
    return fmt::format(
        "DATE_FORMAT: unknown conversion '{}' in pattern '{}'; valid conversions are {}",
        conversion, pattern, kPatternConversions);
}

/// Formats with a pattern fixed at plan time (checked by the resolver).
KernelPtr dateFormatConstantKernel(std::string pattern) {
    return makeKernel([pattern](EvalContext& context, std::span<const uint32_t> rows,
                                std::span<const Vector* const> args, Vector& out) {
        const int64_t* ts = args[0]->values<int64_t>();
        auto* result = out.values<std::string_view>();
        for (uint32_t row : rows) {
            result[row] = context.arena().copy(types::formatTimestampPattern(ts[row], pattern));
        }
    });
}

/// Formats with a pattern from the data: each distinct pattern (compared with the last
/// one seen) is checked once; a bad one is a row error.
KernelPtr dateFormatColumnKernel() {
    return makeKernel([lastPattern = std::string(), lastError = std::string()](
                          EvalContext& context, std::span<const uint32_t> rows,
                          std::span<const Vector* const> args, Vector& out) mutable {
        const int64_t* ts = args[0]->values<int64_t>();
        const auto* patterns = args[1]->values<std::string_view>();
        auto* result = out.values<std::string_view>();
        bool checked = false;
        for (uint32_t row : rows) {
            std::string_view pattern = patterns[row];
            if (!checked || pattern != lastPattern) {
                lastPattern.assign(pattern);
                lastError = types::validateTimestampPattern(pattern);
                checked = true;
            }
            if (!lastError.empty()) {
                context.error(row, ErrorCode::kInvalidArgument,
                              badPatternMessage(pattern, lastError));
                out.setNull(row);
                continue;
            }
            result[row] = context.arena().copy(types::formatTimestampPattern(ts[row], pattern));
        }
    });
}

Result<BoundFunction> resolveDateFormat(const FunctionEntry& self, std::span<const ArgInfo> args) {
    if (args.size() != 2 || !isTemporalArg(args[0]) || !isStringArg(args[1])) {
        return noMatchingOverload(self, args);
    }
    BoundFunction bound =
        bind(self, {DataType::timestamp(), DataType::string()}, DataType::string());
    if (args[1].literal.has_value() && !args[1].literal->isNull()) {
        std::string pattern = args[1].literal->asString();
        std::string bad = types::validateTimestampPattern(pattern);
        if (!bad.empty()) {
            return Status::user(ErrorCode::kInvalidArgument, badPatternMessage(pattern, bad));
        }
        bound.makeKernel = [pattern] { return dateFormatConstantKernel(pattern); };
    } else {
        bound.makeKernel = [] { return dateFormatColumnKernel(); };
    }
    return bound;
}

// ---- TUMBLE_START, TUMBLE_END -------------------------------------------------------------

/// The start (or, for kEnd, the exclusive end) of the epoch-aligned window
/// [start, start + size) containing ts; false when it leaves the TIMESTAMP range.
template <bool kEnd>
bool tumbleBound(int64_t ts, int64_t size, int64_t& out) {
    int64_t start = 0;
    if (__builtin_mul_overflow(floorDivide(ts, size), size, &start)) return false;
    if constexpr (kEnd) return !__builtin_add_overflow(start, size, &out);
    out = start;
    return true;
}

template <bool kEnd>
Result<BoundFunction> resolveTumble(const FunctionEntry& self, std::span<const ArgInfo> args) {
    if (args.size() != 2 || !isTemporalArg(args[0]) || args[1].type.id() != TypeId::kInterval) {
        return noMatchingOverload(self, args);
    }
    const auto& literal = args[1].literal;
    if (!literal.has_value() || literal->isNull() || literal->asInterval().months != 0 ||
        literal->asInterval().micros <= 0) {
        return Status::user(
            ErrorCode::kInvalidArgument,
            fmt::format("{} needs a positive INTERVAL literal of a fixed length (no "
                        "MONTH, QUARTER or YEAR), e.g. INTERVAL '5' MINUTE",
                        self.name));
    }
    int64_t size = literal->asInterval().micros;
    BoundFunction bound =
        bind(self, {DataType::timestamp(), DataType::interval()}, DataType::timestamp());
    std::string name = self.name;
    bound.makeKernel = [size, name] {
        return makeKernel([size, name](EvalContext& context, std::span<const uint32_t> rows,
                                       std::span<const Vector* const> args, Vector& out) {
            const int64_t* ts = args[0]->values<int64_t>();
            int64_t* result = out.values<int64_t>();
            for (uint32_t row : rows) {
                if (!tumbleBound<kEnd>(ts[row], size, result[row])) [[unlikely]] {
                    context.error(
                        row, ErrorCode::kIntegerOverflow,
                        fmt::format("{}: the window containing {} µs is out of the TIMESTAMP range",
                                    name, ts[row]));
                    out.setNull(row);
                }
            }
        });
    };
    return bound;
}

}  // namespace

void registerTimeFunctions(FunctionRegistry& registry) {
    FunctionEntry now = timeEntry("NOW", {"CURRENT_TIMESTAMP"}, {"NOW() -> TIMESTAMP"},
                                  "the job clock, read once per batch", resolveNow);
    now.deterministic = false;
    registry.add(std::move(now));

    FunctionEntry today =
        timeEntry("CURRENT_DATE", {}, {"CURRENT_DATE() -> DATE"},
                  "the job clock's UTC date, read once per batch", resolveCurrentDate);
    today.deterministic = false;
    registry.add(std::move(today));

    FunctionEntry unixTimestamp = timeEntry(
        "UNIX_TIMESTAMP", {}, {"UNIX_TIMESTAMP() -> BIGINT", "UNIX_TIMESTAMP(TIMESTAMP) -> BIGINT"},
        "whole seconds since the epoch (floor) of the job clock, or of the argument",
        resolveUnixTimestamp);
    unixTimestamp.deterministic = false;  // the form without arguments reads the clock
    registry.add(std::move(unixTimestamp));

    registry.add(
        timeEntry("FROM_UNIXTIME", {},
                  {"FROM_UNIXTIME(BIGINT) -> TIMESTAMP", "FROM_UNIXTIME(DECIMAL) -> TIMESTAMP",
                   "FROM_UNIXTIME(DOUBLE) -> TIMESTAMP"},
                  "the timestamp of a number of seconds since the epoch (fractions "
                  "rounded half away from zero to the microsecond; out of range is a row error)",
                  resolveFromUnixtime));
    registry.add(
        timeEntry("EXTRACT", {}, {"EXTRACT(unit FROM TIMESTAMP|DATE) -> BIGINT"},
                  "a date part: YEAR, QUARTER, MONTH, WEEK (ISO), DAY, HOUR, MINUTE, SECOND "
                  "(whole seconds 0..59), MILLISECOND/MICROSECOND (including the seconds), "
                  "DOW (1 = Sunday .. 7), DOY, EPOCH (whole seconds, floor)",
                  resolveExtract));
    registry.add(timeEntry("DATE_TRUNC", {}, {"DATE_TRUNC('unit', TIMESTAMP|DATE) -> TIMESTAMP"},
                           "the start of the unit (MICROSECOND .. YEAR; weeks start on Monday) "
                           "containing the timestamp",
                           resolveDateTrunc));
    registry.add(
        timeEntry("DATE_FORMAT", {}, {"DATE_FORMAT(TIMESTAMP|DATE, STRING) -> STRING"},
                  "formats in UTC with a strftime-style pattern: %Y %m %d %H %I %M %S %f %j %z "
                  "%a %b %p %%",
                  resolveDateFormat));
    registry.add(
        timeEntry("DATEDIFF", {},
                  {"DATEDIFF('unit', TIMESTAMP|DATE start, TIMESTAMP|DATE end) -> BIGINT",
                   "DATEDIFF(TIMESTAMP|DATE end, TIMESTAMP|DATE start) -> BIGINT"},
                  "the number of unit boundaries crossed from start to end (negative when end "
                  "is earlier); the two-argument form counts days",
                  resolveDateDiff));
    registry.add(timeEntry("TUMBLE_START", {}, {"TUMBLE_START(TIMESTAMP, INTERVAL) -> TIMESTAMP"},
                           "start of the epoch-aligned tumbling window [start, end) containing the "
                           "timestamp",
                           resolveTumble<false>));
    registry.add(timeEntry("TUMBLE_END", {}, {"TUMBLE_END(TIMESTAMP, INTERVAL) -> TIMESTAMP"},
                           "end (exclusive) of the epoch-aligned tumbling window [start, end) "
                           "containing the timestamp",
                           resolveTumble<true>));
}

}  // namespace ferris::expr
