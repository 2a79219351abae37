#include "types/value_vector.h"

#include "common/check.h"

namespace ferris::types {

Value readValue(const Vector& vector, uint32_t row) {
    const DataType& type = vector.type();
    if (vector.isNull(row)) return Value::null(type);
    switch (type.id()) {
        case TypeId::kBoolean: return Value::boolean(vector.values<uint8_t>()[row] != 0);
        case TypeId::kBigint: return Value::bigint(vector.values<int64_t>()[row]);
        case TypeId::kDouble: return Value::float64(vector.values<double>()[row]);
        case TypeId::kDecimal: {
            int128_t unscaled = type.isDecimal64() ? vector.values<int64_t>()[row] : vector.values<int128_t>()[row];
            return Value::decimal(unscaled, type.precision(), type.scale());
        }
        case TypeId::kString: return Value::string(std::string(vector.values<std::string_view>()[row]));
        case TypeId::kBytes: return Value::bytes(std::string(vector.values<std::string_view>()[row]));
        case TypeId::kTimestamp: return Value::timestamp(vector.values<int64_t>()[row]);
        case TypeId::kDate: return Value::date(vector.values<int32_t>()[row]);
        case TypeId::kInterval: return Value::interval(vector.values<IntervalValue>()[row]);
        default: FERRIS_UNREACHABLE("readValue of " + type.toString());
    }
}

void writeValue(Vector& vector, uint32_t row, const Value& value, StringArena& arena) {
    if (value.isNull()) {
        vector.setNull(row);
        return;
    }
    vector.setNotNull(row);
    const DataType& type = vector.type();
    switch (type.id()) {
        case TypeId::kBoolean: vector.values<uint8_t>()[row] = value.asBool() ? 1 : 0; break;
        case TypeId::kBigint:
        case TypeId::kTimestamp: vector.values<int64_t>()[row] = value.asInt64(); break;
        case TypeId::kDate: vector.values<int32_t>()[row] = static_cast<int32_t>(value.asInt64()); break;
        case TypeId::kDouble: vector.values<double>()[row] = value.asDouble(); break;
        case TypeId::kDecimal:
            if (type.isDecimal64()) {
                vector.values<int64_t>()[row] = static_cast<int64_t>(value.asDecimal());
            } else {
                vector.values<int128_t>()[row] = value.asDecimal();
            }
            break;
        case TypeId::kString:
        case TypeId::kBytes: vector.values<std::string_view>()[row] = arena.copy(value.asString()); break;
        case TypeId::kInterval: vector.values<IntervalValue>()[row] = value.asInterval(); break;
        default: FERRIS_UNREACHABLE("writeValue of " + type.toString());
    }
}

}  // namespace ferris::types
