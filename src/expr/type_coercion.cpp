#include "expr/type_coercion.h"

#include <fmt/format.h>

#include "types/decimal.h"

namespace ferris::expr {

using types::DataType;
using types::TypeId;

namespace {
Result<DataType> pairCommon(const DataType& a, const DataType& b, std::string_view context) {
    if (a.isNull()) return b;
    if (b.isNull() || a == b) return a;
    if (a.isNumeric() && b.isNumeric()) {
        if (a.id() == TypeId::kDouble || b.id() == TypeId::kDouble) return DataType::float64();
        types::DecimalSpec sa = a.isDecimal() ? types::DecimalSpec{a.precision(), a.scale()} : types::kBigintAsDecimal;
        types::DecimalSpec sb = b.isDecimal() ? types::DecimalSpec{b.precision(), b.scale()} : types::kBigintAsDecimal;
        types::DecimalSpec common = types::decimalCommonType(sa, sb);
        return DataType::decimal(common.precision, common.scale);
    }
    auto temporal = [](const DataType& t) { return t.id() == TypeId::kTimestamp || t.id() == TypeId::kDate; };
    if (temporal(a) && temporal(b)) return DataType::timestamp();
    return Status::user(ErrorCode::kTypeMismatch,
                        fmt::format("{}: incompatible types {} and {}", context, a.toString(), b.toString()));
}
}  // namespace

Result<DataType> commonType(std::span<const DataType> types, std::string_view context) {
    DataType result = DataType::null();
    for (const auto& type : types) {
        FERRIS_ASSIGN_OR_RETURN(result, pairCommon(result, type, context));
    }
    return result;
}

}  // namespace ferris::expr
