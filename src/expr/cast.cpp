#include "expr/cast.h"

#include <cmath>
#include <cstring>
#include <strings.h>

#include <fmt/format.h>
#include <simdjson.h>

#include "expr/kernel_util.h"
#include "types/decimal.h"
#include "types/number_text.h"
#include "types/time.h"

namespace ferris::expr {

using types::DataType;
using types::DecimalSpec;
using types::DecimalStatus;
using types::TypeId;
using types::Vector;

namespace {

bool isScalar(const DataType& type) { return !type.isNested(); }

/// Copies text into the batch arena and returns a view of it.
std::string_view storeText(EvalContext& context, const char* data, size_t size) {
    return context.arena().copy(std::string_view(data, size));
}

std::string_view trimmed(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    return text;
}

std::string quoteForMessage(std::string_view text) {
    if (text.size() > 64) return fmt::format("'{}…'", text.substr(0, 64));
    return fmt::format("'{}'", text);
}

void decimalError(EvalContext& context, uint32_t row, DecimalStatus status, const DataType& to,
                  std::string_view what) {
    if (status == DecimalStatus::kOverflow) {
        context.error(row, ErrorCode::kDecimalOverflow, fmt::format("{} does not fit {}", what, to.toString()));
    } else {
        context.error(row, ErrorCode::kCastError, fmt::format("cannot cast {} to {}", what, to.toString()));
    }
}

/// Text form of any scalar value, as CAST(x AS STRING) and the encoders write it.
template <typename T>
KernelPtr toStringKernel(const DataType& from) {
    return makeKernel([from](EvalContext& context, std::span<const uint32_t> rows,
                             std::span<const Vector* const> args, Vector& out) {
        const Vector& in = *args[0];
        auto* result = out.values<std::string_view>();
        char buffer[64];
        for (uint32_t row : rows) {
            size_t size = 0;
            switch (from.id()) {
                case TypeId::kBoolean:
                    result[row] = in.values<uint8_t>()[row] ? "true" : "false";
                    continue;
                case TypeId::kBigint: size = types::formatInt64(in.values<int64_t>()[row], buffer); break;
                case TypeId::kDouble: size = types::formatDouble(in.values<double>()[row], buffer); break;
                case TypeId::kDecimal: size = types::decimalFormat(readDecimal(in, row), from.scale(), buffer); break;
                case TypeId::kTimestamp: size = types::formatTimestampIso(in.values<int64_t>()[row], buffer); break;
                case TypeId::kDate: size = types::formatDate(in.values<int32_t>()[row], buffer); break;
                case TypeId::kInterval: {
                    std::string text = types::intervalToString(in.values<types::IntervalValue>()[row]);
                    result[row] = storeText(context, text.data(), text.size());
                    continue;
                }
                case TypeId::kString: result[row] = in.values<std::string_view>()[row]; continue;
                case TypeId::kBytes: {
                    // A STRING is UTF-8 (§1.4.1): bytes that are not are no string.
                    std::string_view bytes = in.values<std::string_view>()[row];
                    if (!simdjson::validate_utf8(bytes.data(), bytes.size())) {
                        context.error(row, ErrorCode::kCastError,
                                      "cannot cast BYTES to STRING: the bytes are not valid UTF-8");
                        out.setNull(row);
                        continue;
                    }
                    result[row] = bytes;
                    continue;
                }
                default: FERRIS_UNREACHABLE("toString of " + from.toString());
            }
            result[row] = storeText(context, buffer, size);
        }
    });
}

KernelPtr fromStringKernel(const DataType& to) {
    return makeKernel([to](EvalContext& context, std::span<const uint32_t> rows,
                           std::span<const Vector* const> args, Vector& out) {
        const auto* in = args[0]->values<std::string_view>();
        for (uint32_t row : rows) {
            std::string_view text = trimmed(in[row]);
            bool ok = true;
            switch (to.id()) {
                case TypeId::kBigint: ok = types::parseInt64(text, out.values<int64_t>()[row]); break;
                case TypeId::kDouble: ok = types::parseDouble(text, out.values<double>()[row]); break;
                case TypeId::kBoolean: {
                    if (text.size() == 4 && strncasecmp(text.data(), "true", 4) == 0) {
                        out.values<uint8_t>()[row] = 1;
                    } else if (text.size() == 5 && strncasecmp(text.data(), "false", 5) == 0) {
                        out.values<uint8_t>()[row] = 0;
                    } else {
                        ok = false;
                    }
                    break;
                }
                case TypeId::kDecimal: {
                    int128_t value = 0;
                    DecimalStatus status =
                        types::decimalParseRounding(text, {to.precision(), to.scale()}, value);
                    if (status != DecimalStatus::kOk) {
                        decimalError(context, row, status, to, quoteForMessage(in[row]));
                        out.setNull(row);
                        continue;
                    }
                    writeDecimal(out, row, value);
                    break;
                }
                case TypeId::kTimestamp:
                    ok = types::parseTimestampIso(text, out.values<int64_t>()[row]) == types::TimeParseStatus::kOk;
                    break;
                case TypeId::kDate:
                    ok = types::parseDate(text, out.values<int32_t>()[row]) == types::TimeParseStatus::kOk;
                    break;
                case TypeId::kString:
                case TypeId::kBytes: out.values<std::string_view>()[row] = in[row]; break;
                default: ok = false;
            }
            if (!ok) {
                context.error(row, ErrorCode::kCastError,
                              fmt::format("cannot cast {} to {}", quoteForMessage(in[row]), to.toString()));
                out.setNull(row);
            }
        }
    });
}

KernelPtr decimalToDecimalKernel(DecimalSpec from, const DataType& to) {
    return makeKernel([from, to](EvalContext& context, std::span<const uint32_t> rows,
                                 std::span<const Vector* const> args, Vector& out) {
        DecimalSpec spec{to.precision(), to.scale()};
        for (uint32_t row : rows) {
            int128_t value = readDecimal(*args[0], row);
            int128_t result = 0;
            DecimalStatus status = types::decimalRescale(value, from.scale, spec, result);
            if (status != DecimalStatus::kOk) {
                decimalError(context, row, status, to, types::decimalToString(value, from.scale));
                out.setNull(row);
                continue;
            }
            writeDecimal(out, row, result);
        }
    });
}

KernelPtr doubleToDecimalKernel(const DataType& to) {
    return makeKernel([to](EvalContext& context, std::span<const uint32_t> rows,
                           std::span<const Vector* const> args, Vector& out) {
        DecimalSpec spec{to.precision(), to.scale()};
        const double* in = args[0]->values<double>();
        for (uint32_t row : rows) {
            int128_t result = 0;
            DecimalStatus status = types::decimalFromDouble(in[row], spec, result);
            if (status != DecimalStatus::kOk) {
                char buffer[types::kNumberMaxChars];
                size_t size = types::formatDouble(in[row], buffer);
                decimalError(context, row, status, to, std::string(buffer, size));
                out.setNull(row);
                continue;
            }
            writeDecimal(out, row, result);
        }
    });
}

KernelPtr decimalToBigintKernel(int scale) {
    return makeKernel([scale](EvalContext& context, std::span<const uint32_t> rows,
                              std::span<const Vector* const> args, Vector& out) {
        int64_t* result = out.values<int64_t>();
        for (uint32_t row : rows) {
            int128_t value = readDecimal(*args[0], row);
            if (types::decimalToInt64(value, scale, result[row]) != DecimalStatus::kOk) {
                context.error(row, ErrorCode::kIntegerOverflow,
                              fmt::format("{} does not fit BIGINT", types::decimalToString(value, scale)));
                out.setNull(row);
            }
        }
    });
}

}  // namespace

bool canImplicitlyCast(const DataType& from, const DataType& to) {
    if (from == to || from.isNull()) return true;
    switch (from.id()) {
        case TypeId::kBigint: return to.id() == TypeId::kDouble || (to.isDecimal() && to.precision() - to.scale() >= 19);
        case TypeId::kDecimal:
            if (to.id() == TypeId::kDouble) return true;
            return to.isDecimal() && to.scale() >= from.scale() &&
                   to.precision() - to.scale() >= from.precision() - from.scale();
        case TypeId::kDate: return to.id() == TypeId::kTimestamp;
        default: return false;
    }
}

Status checkCast(const DataType& from, const DataType& to) {
    if (from == to || from.isNull()) return Status::ok();
    auto refuse = [&] {
        return Status::user(ErrorCode::kTypeMismatch,
                            fmt::format("cannot cast {} to {}", from.toString(), to.toString()));
    };
    if (!isScalar(from) || !isScalar(to)) return refuse();
    if (to.id() == TypeId::kString) return Status::ok();
    if (from.id() == TypeId::kString) {
        return to.id() == TypeId::kInterval ? refuse() : Status::ok();
    }
    switch (from.id()) {
        case TypeId::kBoolean: return to.id() == TypeId::kBigint ? Status::ok() : refuse();
        case TypeId::kBigint:
            return (to.isNumeric() || to.id() == TypeId::kBoolean || to.id() == TypeId::kTimestamp) ? Status::ok()
                                                                                                     : refuse();
        case TypeId::kDouble:
        case TypeId::kDecimal: return to.isNumeric() ? Status::ok() : refuse();
        case TypeId::kTimestamp:
            return (to.id() == TypeId::kDate || to.id() == TypeId::kBigint) ? Status::ok() : refuse();
        case TypeId::kDate: return to.id() == TypeId::kTimestamp ? Status::ok() : refuse();
        case TypeId::kBytes: return refuse();
        default: return refuse();
    }
}

Result<KernelPtr> makeCastKernel(const DataType& from, const DataType& to) {
    FERRIS_RETURN_IF_ERROR(checkCast(from, to));
    if (from == to) {
        return makeKernel([](EvalContext&, std::span<const uint32_t> rows, std::span<const Vector* const> args,
                             Vector& out) { types::copyRows(*args[0], rows, out); });
    }
    if (from.isNull()) {
        return makeKernel([](EvalContext&, std::span<const uint32_t> rows, std::span<const Vector* const>,
                             Vector& out) { types::setNullRows(rows, out); });
    }
    if (to.id() == TypeId::kString) {
        return dispatchStorage(from, [&]<typename T>() { return toStringKernel<T>(from); });
    }
    if (from.isStringLike()) return fromStringKernel(to);

    switch (from.id()) {
        case TypeId::kBoolean:  // → BIGINT
            return unaryKernel<uint8_t, int64_t>([](uint8_t v) { return v ? 1 : 0; });
        case TypeId::kBigint:
            switch (to.id()) {
                case TypeId::kDouble: return unaryKernel<int64_t, double>([](int64_t v) { return static_cast<double>(v); });
                case TypeId::kBoolean: return unaryKernel<int64_t, uint8_t>([](int64_t v) { return v != 0; });
                case TypeId::kTimestamp:  // epoch milliseconds
                    return unaryCheckedKernel<int64_t, int64_t>(
                        [](EvalContext& context, uint32_t row, int64_t v, int64_t& out) {
                            if (__builtin_mul_overflow(v, types::kMicrosPerMilli, &out)) {
                                context.error(row, ErrorCode::kIntegerOverflow,
                                              fmt::format("{} ms is out of the TIMESTAMP range", v));
                                return false;
                            }
                            return true;
                        });
                case TypeId::kDecimal: return decimalToDecimalKernel({19, 0}, to);
                default: break;
            }
            break;
        case TypeId::kDouble:
            switch (to.id()) {
                case TypeId::kBigint:
                    return unaryCheckedKernel<double, int64_t>(
                        [](EvalContext& context, uint32_t row, double v, int64_t& out) {
                            double rounded = std::round(v);  // half away from zero
                            if (!(rounded >= -9223372036854775808.0 && rounded < 9223372036854775808.0)) {
                                char buffer[types::kNumberMaxChars];
                                size_t size = types::formatDouble(v, buffer);
                                context.error(row, ErrorCode::kIntegerOverflow,
                                              fmt::format("{} does not fit BIGINT", std::string_view(buffer, size)));
                                return false;
                            }
                            out = static_cast<int64_t>(rounded);
                            return true;
                        });
                case TypeId::kDecimal: return doubleToDecimalKernel(to);
                default: break;
            }
            break;
        case TypeId::kDecimal:
            switch (to.id()) {
                case TypeId::kBigint: return decimalToBigintKernel(from.scale());
                case TypeId::kDouble: {
                    int scale = from.scale();
                    return makeKernel([scale](EvalContext&, std::span<const uint32_t> rows,
                                              std::span<const Vector* const> args, Vector& out) {
                        double* result = out.values<double>();
                        for (uint32_t row : rows) result[row] = types::decimalToDouble(readDecimal(*args[0], row), scale);
                    });
                }
                case TypeId::kDecimal: return decimalToDecimalKernel({from.precision(), from.scale()}, to);
                default: break;
            }
            break;
        case TypeId::kTimestamp:
            if (to.id() == TypeId::kDate) {
                return unaryKernel<int64_t, int32_t>([](int64_t v) { return static_cast<int32_t>(types::floorDays(v)); });
            }
            if (to.id() == TypeId::kBigint) {  // epoch milliseconds, floor
                return unaryKernel<int64_t, int64_t>([](int64_t v) {
                    int64_t q = v / types::kMicrosPerMilli;
                    return (v % types::kMicrosPerMilli < 0) ? q - 1 : q;
                });
            }
            break;
        case TypeId::kDate:
            if (to.id() == TypeId::kTimestamp) {
                return unaryKernel<int32_t, int64_t>([](int32_t v) { return int64_t{v} * types::kMicrosPerDay; });
            }
            break;
        default: break;
    }
    return Status::internal(fmt::format("no cast kernel from {} to {}", from.toString(), to.toString()));
}

}  // namespace ferris::expr
