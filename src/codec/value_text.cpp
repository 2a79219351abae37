#include "codec/value_text.h"

#include <cstring>

#include "common/check.h"
#include "types/decimal.h"
#include "types/number_text.h"
#include "types/time.h"

namespace ferris::codec {

using types::TypeId;

size_t formatScalar(const types::Vector& column, uint32_t row, TimestampFormat timestamps, char* buffer) {
    const types::DataType& type = column.type();
    switch (type.id()) {
        case TypeId::kBoolean:
            if (column.values<uint8_t>()[row]) {
                std::memcpy(buffer, "true", 4);
                return 4;
            }
            std::memcpy(buffer, "false", 5);
            return 5;
        case TypeId::kBigint: return types::formatInt64(column.values<int64_t>()[row], buffer);
        case TypeId::kDouble: return types::formatDouble(column.values<double>()[row], buffer);
        case TypeId::kDecimal: {
            types::int128_t value = type.isDecimal64() ? column.values<int64_t>()[row]
                                                       : column.values<types::int128_t>()[row];
            return types::decimalFormat(value, type.scale(), buffer);
        }
        case TypeId::kTimestamp: {
            int64_t micros = column.values<int64_t>()[row];
            if (timestamps == TimestampFormat::kIso8601) return types::formatTimestampIso(micros, buffer);
            int64_t millis = micros / types::kMicrosPerMilli;
            if (micros % types::kMicrosPerMilli < 0) --millis;  // floor
            return types::formatInt64(millis, buffer);
        }
        case TypeId::kDate: return types::formatDate(column.values<int32_t>()[row], buffer);
        case TypeId::kInterval:
            return types::formatInt64(types::intervalToMillis(column.values<types::IntervalValue>()[row]), buffer);
        default: FERRIS_UNREACHABLE("formatScalar of " + type.toString());
    }
}

}  // namespace ferris::codec
