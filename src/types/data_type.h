#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ferris::types {

/// The SQL types of DESIGN.md §1.3. INT, INTEGER and BIGINT are one 64-bit type; FLOAT is
/// DOUBLE; VARCHAR and TEXT are STRING.
enum class TypeId : uint8_t {
    kNull,       ///< the type of a bare NULL literal before it is given a type
    kBoolean,    ///< stored as uint8_t
    kBigint,     ///< int64_t
    kDouble,     ///< double
    kDecimal,    ///< int64_t when precision ≤ 18, else __int128; p and s live in the type
    kString,     ///< UTF-8, std::string_view into batch-owned or pinned memory
    kBytes,      ///< std::string_view, arbitrary bytes
    kTimestamp,  ///< int64_t microseconds since the epoch, UTC
    kDate,       ///< int32_t days since the epoch
    kInterval,   ///< IntervalValue (months + microseconds)
    kArray,      ///< offsets + one child vector
    kMap,        ///< offsets + key child (STRING) + value child
    kStruct,     ///< one child vector per field
};

class DataType;

struct StructField;

/// A SQL type, a small value: scalar types carry only an id (and p, s for DECIMAL); nested
/// types share their immutable children.
class DataType {
public:
    DataType() = default;

    static DataType null() { return DataType(TypeId::kNull); }
    static DataType boolean() { return DataType(TypeId::kBoolean); }
    static DataType bigint() { return DataType(TypeId::kBigint); }
    static DataType float64() { return DataType(TypeId::kDouble); }
    static DataType decimal(int precision, int scale);
    static DataType string() { return DataType(TypeId::kString); }
    static DataType bytes() { return DataType(TypeId::kBytes); }
    static DataType timestamp() { return DataType(TypeId::kTimestamp); }
    static DataType date() { return DataType(TypeId::kDate); }
    static DataType interval() { return DataType(TypeId::kInterval); }
    static DataType array(DataType element);
    /// MAP<STRING, value>
    static DataType map(DataType value);
    static DataType structOf(std::vector<StructField> fields);

    TypeId id() const { return id_; }
    int precision() const { return precision_; }
    int scale() const { return scale_; }

    bool isNull() const { return id_ == TypeId::kNull; }
    bool isDecimal() const { return id_ == TypeId::kDecimal; }
    /// DECIMAL stored in 64 bits (p ≤ 18).
    bool isDecimal64() const { return id_ == TypeId::kDecimal && precision_ <= 18; }
    bool isDecimal128() const { return id_ == TypeId::kDecimal && precision_ > 18; }
    bool isNumeric() const {
        return id_ == TypeId::kBigint || id_ == TypeId::kDouble || id_ == TypeId::kDecimal;
    }
    bool isStringLike() const { return id_ == TypeId::kString || id_ == TypeId::kBytes; }
    bool isNested() const {
        return id_ == TypeId::kArray || id_ == TypeId::kMap || id_ == TypeId::kStruct;
    }

    /// Element type of an ARRAY, value type of a MAP.
    const DataType& elementType() const;
    const std::vector<StructField>& fields() const;
    /// Index of a STRUCT field by name (case-insensitive), or -1.
    int fieldIndex(std::string_view name) const;

    /// Size in bytes of one value in a column of this type (0 for nested types).
    size_t valueWidth() const;

    /// SQL spelling: "DECIMAL(18,4)", "ARRAY<STRING>", "STRUCT<a BIGINT, b STRING>".
    std::string toString() const;

    bool operator==(const DataType& other) const;
    bool operator!=(const DataType& other) const { return !(*this == other); }

private:
    explicit DataType(TypeId id) : id_(id) {}

    TypeId id_ = TypeId::kNull;
    uint8_t precision_ = 0;
    uint8_t scale_ = 0;
    std::shared_ptr<const DataType> element_;
    std::shared_ptr<const std::vector<StructField>> fields_;
};

struct StructField {
    std::string name;
    DataType type;
};

/// A SQL INTERVAL: calendar months plus an exact number of microseconds (days count as
/// 24 hours). Months and microseconds are kept apart because a month has no fixed length.
struct IntervalValue {
    int32_t months = 0;
    int64_t micros = 0;
    bool operator==(const IntervalValue& other) const = default;
};

}  // namespace ferris::types
