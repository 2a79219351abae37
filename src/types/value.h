#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include "types/data_type.h"
#include "types/decimal.h"

namespace ferris::types {

/// A single typed scalar value: literals at plan time, constants folded by the binder.
/// Never used per row on the data path (columns are Vectors).
class Value {
public:
    Value() = default;
    /// A NULL of the given type.
    static Value null(DataType type = DataType::null()) { return Value(std::move(type), std::monostate{}); }
    static Value boolean(bool v) { return Value(DataType::boolean(), v); }
    static Value bigint(int64_t v) { return Value(DataType::bigint(), v); }
    static Value float64(double v) { return Value(DataType::float64(), v); }
    static Value decimal(int128_t unscaled, int precision, int scale) {
        return Value(DataType::decimal(precision, scale), unscaled);
    }
    static Value string(std::string v) { return Value(DataType::string(), std::move(v)); }
    static Value bytes(std::string v) { return Value(DataType::bytes(), std::move(v)); }
    static Value timestamp(int64_t micros) { return Value(DataType::timestamp(), micros); }
    static Value date(int32_t days) { return Value(DataType::date(), static_cast<int64_t>(days)); }
    static Value interval(IntervalValue v) { return Value(DataType::interval(), v); }

    const DataType& type() const { return type_; }
    bool isNull() const { return std::holds_alternative<std::monostate>(data_); }

    bool asBool() const { return std::get<bool>(data_); }
    /// BIGINT, TIMESTAMP (µs) and DATE (days) values.
    int64_t asInt64() const { return std::get<int64_t>(data_); }
    double asDouble() const { return std::get<double>(data_); }
    int128_t asDecimal() const { return std::get<int128_t>(data_); }
    const std::string& asString() const { return std::get<std::string>(data_); }
    IntervalValue asInterval() const { return std::get<IntervalValue>(data_); }

    /// SQL text of the value, e.g. `'abc'`, `1.50`, `TIMESTAMP '2024-01-01T00:00:00.000Z'`.
    std::string toSql() const;

private:
    using Data = std::variant<std::monostate, bool, int64_t, double, int128_t, std::string, IntervalValue>;
    Value(DataType type, Data data) : type_(std::move(type)), data_(std::move(data)) {}

    DataType type_;
    Data data_;
};

}  // namespace ferris::types
