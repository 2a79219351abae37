#pragma once

#include <span>
#include <string_view>
#include <type_traits>

#include "expr/kernel.h"
#include "types/data_type.h"
#include "types/decimal.h"

namespace ferris::expr {

using types::int128_t;

/// Calls `f.template operator()<T>()` with T the C++ storage type of `type`'s values
/// (uint8_t, int64_t, double, int128_t, std::string_view, int32_t, IntervalValue).
template <typename F>
decltype(auto) dispatchStorage(const types::DataType& type, F&& f) {
    switch (type.id()) {
        case types::TypeId::kNull:
        case types::TypeId::kBoolean: return f.template operator()<uint8_t>();
        case types::TypeId::kBigint:
        case types::TypeId::kTimestamp: return f.template operator()<int64_t>();
        case types::TypeId::kDouble: return f.template operator()<double>();
        case types::TypeId::kDecimal:
            if (type.isDecimal64()) return f.template operator()<int64_t>();
            return f.template operator()<int128_t>();
        case types::TypeId::kString:
        case types::TypeId::kBytes: return f.template operator()<std::string_view>();
        case types::TypeId::kDate: return f.template operator()<int32_t>();
        case types::TypeId::kInterval: return f.template operator()<types::IntervalValue>();
        default: break;
    }
    FERRIS_UNREACHABLE("no flat storage for " + type.toString());
}

/// Kernel for `Out f(In)` applied to every row (no errors possible).
template <typename In, typename Out, typename F>
KernelPtr unaryKernel(F f) {
    return makeKernel([f](EvalContext&, std::span<const uint32_t> rows,
                          std::span<const types::Vector* const> args, types::Vector& out) {
        const In* in = args[0]->values<In>();
        Out* result = out.values<Out>();
        for (uint32_t row : rows) result[row] = static_cast<Out>(f(in[row]));
    });
}

/// Kernel for `bool f(EvalContext&, uint32_t row, In, Out&)`: false means f recorded an
/// error for the row (the output is then NULL).
template <typename In, typename Out, typename F>
KernelPtr unaryCheckedKernel(F f) {
    return makeKernel([f](EvalContext& context, std::span<const uint32_t> rows,
                          std::span<const types::Vector* const> args, types::Vector& out) {
        const In* in = args[0]->values<In>();
        Out* result = out.values<Out>();
        for (uint32_t row : rows) {
            if (!f(context, row, in[row], result[row])) out.setNull(row);
        }
    });
}

/// Kernel for `Out f(A, B)`.
template <typename A, typename B, typename Out, typename F>
KernelPtr binaryKernel(F f) {
    return makeKernel([f](EvalContext&, std::span<const uint32_t> rows,
                          std::span<const types::Vector* const> args, types::Vector& out) {
        const A* a = args[0]->values<A>();
        const B* b = args[1]->values<B>();
        Out* result = out.values<Out>();
        for (uint32_t row : rows) result[row] = static_cast<Out>(f(a[row], b[row]));
    });
}

/// Kernel for `bool f(EvalContext&, uint32_t row, A, B, Out&)`; false = error recorded.
template <typename A, typename B, typename Out, typename F>
KernelPtr binaryCheckedKernel(F f) {
    return makeKernel([f](EvalContext& context, std::span<const uint32_t> rows,
                          std::span<const types::Vector* const> args, types::Vector& out) {
        const A* a = args[0]->values<A>();
        const B* b = args[1]->values<B>();
        Out* result = out.values<Out>();
        for (uint32_t row : rows) {
            if (!f(context, row, a[row], b[row], result[row])) out.setNull(row);
        }
    });
}

/// Reads value `row` of a decimal-or-integer column as a 128-bit unscaled value.
inline int128_t readDecimal(const types::Vector& vector, uint32_t row) {
    if (vector.type().isDecimal128()) return vector.values<int128_t>()[row];
    return vector.values<int64_t>()[row];
}

/// Writes an unscaled decimal into `row` of a DECIMAL column (64- or 128-bit storage).
inline void writeDecimal(types::Vector& vector, uint32_t row, int128_t value) {
    if (vector.type().isDecimal128()) {
        vector.values<int128_t>()[row] = value;
    } else {
        vector.values<int64_t>()[row] = static_cast<int64_t>(value);
    }
}

/// Precision and scale of a DECIMAL, or DECIMAL(19,0) for a BIGINT operand.
inline types::DecimalSpec decimalSpecOf(const types::DataType& type) {
    if (type.isDecimal()) return {type.precision(), type.scale()};
    return types::kBigintAsDecimal;
}

}  // namespace ferris::expr
