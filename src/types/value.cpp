#include "types/value.h"

#include <fmt/format.h>

#include "types/time.h"

namespace ferris::types {

std::string Value::toSql() const {
    if (isNull()) return "NULL";
    switch (type_.id()) {
        case TypeId::kBoolean: return asBool() ? "TRUE" : "FALSE";
        case TypeId::kBigint: return std::to_string(asInt64());
        case TypeId::kDouble: return fmt::format("{}", asDouble());
        case TypeId::kDecimal: return decimalToString(asDecimal(), type_.scale());
        case TypeId::kString: {
            std::string out = "'";
            for (char c : asString()) {
                if (c == '\'') out += '\'';
                out += c;
            }
            return out + "'";
        }
        case TypeId::kBytes: return fmt::format("<{} bytes>", asString().size());
        case TypeId::kTimestamp: return fmt::format("TIMESTAMP '{}'", timestampToIsoString(asInt64()));
        case TypeId::kDate: return fmt::format("DATE '{}'", dateToString(static_cast<int32_t>(asInt64())));
        case TypeId::kInterval: return fmt::format("INTERVAL '{}'", intervalToString(asInterval()));
        default: return "?";
    }
}

}  // namespace ferris::types
