#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "types/data_type.h"

namespace ferris::codec {

/// The Avro types of the specification (https://avro.apache.org/docs/1.11.1/specification/).
/// `error` records parse as kRecord.
enum class AvroKind : uint8_t {
    kNull,
    kBoolean,
    kInt,
    kLong,
    kFloat,
    kDouble,
    kBytes,
    kString,
    kRecord,
    kEnum,
    kArray,
    kMap,
    kUnion,
    kFixed,
};

/// The logical types FerrisStreams maps to SQL types. Other logical types (time-millis,
/// uuid, local-timestamp-*, …) are ignored as the specification says: the value reads as its
/// underlying type.
enum class AvroLogical : uint8_t {
    kNone,
    kDecimal,          ///< bytes or fixed: big-endian two's-complement unscaled integer
    kTimestampMillis,  ///< long: milliseconds since the epoch, UTC
    kTimestampMicros,  ///< long: microseconds since the epoch, UTC
    kDate,             ///< int: days since the epoch
};

/// A record field: its name and the index of its type node.
struct AvroField {
    std::string name;
    int type = -1;
};

/// One type of a parsed schema. Nodes refer to each other by index into AvroSchema::nodes(),
/// so named types can be referenced (and recursive) without shared ownership cycles.
struct AvroNode {
    AvroKind kind = AvroKind::kNull;
    AvroLogical logical = AvroLogical::kNone;
    int precision = 0;                 ///< decimal
    int scale = 0;                     ///< decimal
    int size = 0;                      ///< fixed: bytes per value
    std::string fullName;              ///< record, enum, fixed: namespace-qualified name
    std::vector<AvroField> fields;     ///< record
    std::vector<std::string> symbols;  ///< enum
    std::vector<int> branches;         ///< union
    int items = -1;                    ///< array items, map values
    /// Fewest bytes a value of this type takes in the binary encoding: 0 only for types that
    /// always take none (null, records of such), which lets corrupt block counts be bounded.
    uint32_t minBytes = 0;
};

/// A SQL type an Avro type maps to, and whether NULL is among its values (a union with null).
struct AvroSqlType {
    types::DataType type;
    bool nullable = false;
};

/// An immutable, parsed Avro schema: the node graph plus the JSON text it came from.
/// Shared (`shared_ptr<const AvroSchema>`) between decoders, encoders and registry caches.
class AvroSchema {
public:
    /// Parses Avro schema JSON: primitives, record, enum, array, map, fixed, unions, named
    /// references with namespaces, and the logical types decimal (bytes, fixed),
    /// timestamp-millis, timestamp-micros (long) and date (int). A malformed schema is a
    /// user error saying where ("field 'a.b': …").
    static Result<std::shared_ptr<const AvroSchema>> parse(std::string_view json);

    const std::vector<AvroNode>& nodes() const { return nodes_; }
    const AvroNode& node(int index) const { return nodes_[static_cast<size_t>(index)]; }
    int rootIndex() const { return root_; }
    const AvroNode& root() const { return node(root_); }
    /// The JSON text the schema was parsed from (what is registered and compared).
    const std::string& text() const { return text_; }

    /// The SQL type of node `index` (DESIGN.md §2.1 types): boolean → BOOLEAN, int/long →
    /// BIGINT, float/double → DOUBLE, string/enum → STRING, bytes/fixed → BYTES,
    /// decimal(p,s) → DECIMAL(p,s), timestamp-millis/-micros → TIMESTAMP, date → DATE,
    /// array → ARRAY, map → MAP<STRING,T>, record → STRUCT, and a union of null with branches
    /// that all map to one type T → nullable T. Anything else is a user error naming the
    /// field (`where`, its dotted path: "line.qty", "tags[]") and the Avro type.
    Result<AvroSqlType> sqlType(int index, std::string_view where) const;
    /// The columns of a record schema: one (name, type) per field, in order.
    Result<std::vector<types::StructField>> columns() const;

    /// How the node is written in messages: "long", "decimal(10,2)", "record com.acme.User",
    /// "union [null, string]".
    std::string describe(int index) const;

private:
    friend class AvroSchemaParser;
    AvroSchema() = default;

    Result<AvroSqlType> sqlType(int index, std::string_view where, std::vector<int>& visiting) const;

    std::vector<AvroNode> nodes_;
    int root_ = -1;
    std::string text_;
};

using AvroSchemaPtr = std::shared_ptr<const AvroSchema>;

}  // namespace ferris::codec
