#include "types/data_type.h"

#include <strings.h>

#include <fmt/format.h>

#include "common/check.h"
#include "types/decimal.h"

namespace ferris::types {

DataType DataType::decimal(int precision, int scale) {
    FERRIS_CHECK(precision >= 1 && precision <= kMaxDecimalPrecision && scale >= 0 && scale <= precision,
                 fmt::format("bad DECIMAL({},{})", precision, scale));
    DataType type(TypeId::kDecimal);
    type.precision_ = static_cast<uint8_t>(precision);
    type.scale_ = static_cast<uint8_t>(scale);
    return type;
}

DataType DataType::array(DataType element) {
    DataType type(TypeId::kArray);
    type.element_ = std::make_shared<const DataType>(std::move(element));
    return type;
}

DataType DataType::map(DataType value) {
    DataType type(TypeId::kMap);
    type.element_ = std::make_shared<const DataType>(std::move(value));
    return type;
}

DataType DataType::structOf(std::vector<StructField> fields) {
    DataType type(TypeId::kStruct);
    type.fields_ = std::make_shared<const std::vector<StructField>>(std::move(fields));
    return type;
}

const DataType& DataType::elementType() const {
    FERRIS_CHECK(element_ != nullptr, "elementType() of " + toString());
    return *element_;
}

const std::vector<StructField>& DataType::fields() const {
    static const std::vector<StructField> kNone;
    return fields_ ? *fields_ : kNone;
}

int DataType::fieldIndex(std::string_view name) const {
    const auto& all = fields();
    for (size_t i = 0; i < all.size(); ++i) {
        if (all[i].name.size() == name.size() &&
            strncasecmp(all[i].name.data(), name.data(), name.size()) == 0) {
            return static_cast<int>(i);
        }
    }
    return -1;
}

size_t DataType::valueWidth() const {
    switch (id_) {
        case TypeId::kNull: return 1;
        case TypeId::kBoolean: return sizeof(uint8_t);
        case TypeId::kBigint:
        case TypeId::kTimestamp: return sizeof(int64_t);
        case TypeId::kDouble: return sizeof(double);
        case TypeId::kDecimal: return precision_ <= 18 ? sizeof(int64_t) : sizeof(int128_t);
        case TypeId::kString:
        case TypeId::kBytes: return sizeof(std::string_view);
        case TypeId::kDate: return sizeof(int32_t);
        case TypeId::kInterval: return sizeof(IntervalValue);
        case TypeId::kArray:
        case TypeId::kMap:
        case TypeId::kStruct: return 0;
    }
    return 0;
}

std::string DataType::toString() const {
    switch (id_) {
        case TypeId::kNull: return "NULL";
        case TypeId::kBoolean: return "BOOLEAN";
        case TypeId::kBigint: return "BIGINT";
        case TypeId::kDouble: return "DOUBLE";
        case TypeId::kDecimal: return fmt::format("DECIMAL({},{})", precision_, scale_);
        case TypeId::kString: return "STRING";
        case TypeId::kBytes: return "BYTES";
        case TypeId::kTimestamp: return "TIMESTAMP";
        case TypeId::kDate: return "DATE";
        case TypeId::kInterval: return "INTERVAL";
        case TypeId::kArray: return fmt::format("ARRAY<{}>", element_->toString());
        case TypeId::kMap: return fmt::format("MAP<STRING, {}>", element_->toString());
        case TypeId::kStruct: {
            std::string out = "STRUCT<";
            for (size_t i = 0; i < fields_->size(); ++i) {
                if (i > 0) out += ", ";
                out += (*fields_)[i].name + " " + (*fields_)[i].type.toString();
            }
            return out + ">";
        }
    }
    return "?";
}

bool DataType::operator==(const DataType& other) const {
    if (id_ != other.id_) return false;
    switch (id_) {
        case TypeId::kDecimal: return precision_ == other.precision_ && scale_ == other.scale_;
        case TypeId::kArray:
        case TypeId::kMap: return *element_ == *other.element_;
        case TypeId::kStruct: {
            if (fields_->size() != other.fields_->size()) return false;
            for (size_t i = 0; i < fields_->size(); ++i) {
                if ((*fields_)[i].name != (*other.fields_)[i].name ||
                    (*fields_)[i].type != (*other.fields_)[i].type) {
                    return false;
                }
            }
            return true;
        }
        default: return true;
    }
}

}  // namespace ferris::types
