#include <cstring>

#include <fmt/format.h>

#include "codec/avro.h"
#include "types/decimal.h"
#include "types/int256.h"
#include "types/time.h"

namespace ferris::codec {

using types::Batch;
using types::DataType;
using types::int128_t;
using types::TypeId;
using types::Vector;

namespace {

/// How one SQL value is written as one writer type, decided at creation.
enum class WriteOp : uint8_t {
    kBoolean,
    kLong,  ///< BIGINT → long
    kDouble,
    kString,  ///< STRING → string, BYTES → bytes
    kDecimalBytes,
    kDecimalFixed,
    kTimestampMicros,
    kTimestampMillis,  ///< floored to milliseconds
    kDate,
    kArray,
    kMap,
    kRecord,
};

struct WritePlan {
    WriteOp op = WriteOp::kLong;
    int64_t nullBranch = -1;          ///< the union index of null
    int64_t valueBranch = -1;         ///< the union index of the value's branch
    int fixedSize = 0;                ///< decimal fixed
    std::vector<WritePlan> children;  ///< array/map: items; record: per writer field
    std::vector<int> sources;         ///< record: per writer field, the struct child (or column), or -1 (null)
};

// ---- The binary encoding -------------------------------------------------------------------

void appendLong(int64_t value, std::string& out) {
    uint64_t zigzag = (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63);
    char buffer[10];
    size_t size = 0;
    while (zigzag >= 0x80) {
        buffer[size++] = static_cast<char>((zigzag & 0x7F) | 0x80);
        zigzag >>= 7;
    }
    buffer[size++] = static_cast<char>(zigzag);
    out.append(buffer, size);
}

void appendBlob(std::string_view bytes, std::string& out) {
    appendLong(static_cast<int64_t>(bytes.size()), out);
    out.append(bytes);
}

/// The shortest big-endian two's-complement bytes of `value` (at least one).
size_t decimalBytes(int128_t value, char* buffer) {
    size_t size = 16;
    auto bits = static_cast<types::uint128_t>(value);
    for (size_t i = 0; i < 16; ++i) buffer[15 - i] = static_cast<char>(static_cast<uint8_t>(bits >> (8 * i)));
    size_t start = 0;
    // Drop a leading byte while the next one carries the same sign.
    while (size - start > 1) {
        auto first = static_cast<uint8_t>(buffer[start]);
        auto second = static_cast<uint8_t>(buffer[start + 1]);
        if ((first == 0x00 && (second & 0x80) == 0) || (first == 0xFF && (second & 0x80) != 0)) {
            ++start;
        } else {
            break;
        }
    }
    std::memmove(buffer, buffer + start, size - start);
    return size - start;
}

int128_t decimalAt(const Vector& column, uint32_t row) {
    return column.type().isDecimal64() ? int128_t{column.values<int64_t>()[row]} : column.values<int128_t>()[row];
}

void writeValue(const WritePlan& plan, const Vector& column, uint32_t row, std::string& out) {
    if (column.isNull(row)) {
        appendLong(plan.nullBranch, out);
        return;
    }
    appendLong(plan.valueBranch, out);
    switch (plan.op) {
        case WriteOp::kBoolean: out += static_cast<char>(column.values<uint8_t>()[row] != 0 ? 1 : 0); return;
        case WriteOp::kLong:
        case WriteOp::kTimestampMicros: appendLong(column.values<int64_t>()[row], out); return;
        case WriteOp::kTimestampMillis: {
            int64_t micros = column.values<int64_t>()[row];
            int64_t millis = micros / types::kMicrosPerMilli;
            if (micros % types::kMicrosPerMilli < 0) --millis;  // floor
            appendLong(millis, out);
            return;
        }
        case WriteOp::kDate: appendLong(column.values<int32_t>()[row], out); return;
        case WriteOp::kDouble: {
            char bytes[8];
            std::memcpy(bytes, &column.values<double>()[row], 8);  // little-endian IEEE 754 on x86-64
            out.append(bytes, 8);
            return;
        }
        case WriteOp::kString: appendBlob(column.values<std::string_view>()[row], out); return;
        case WriteOp::kDecimalBytes: {
            char buffer[16];
            size_t size = decimalBytes(decimalAt(column, row), buffer);
            appendBlob(std::string_view(buffer, size), out);
            return;
        }
        case WriteOp::kDecimalFixed: {
            int128_t value = decimalAt(column, row);
            char sign = value < 0 ? static_cast<char>(0xFF) : 0;
            char buffer[16];
            size_t size = decimalBytes(value, buffer);
            // Checked at creation: the fixed size holds every value of the column's precision.
            out.append(static_cast<size_t>(plan.fixedSize) - size, sign);
            out.append(buffer, size);
            return;
        }
        case WriteOp::kArray:
        case WriteOp::kMap: {
            int32_t begin = column.offsets()[row];
            int32_t end = column.offsets()[row + 1];
            if (end > begin) {
                appendLong(end - begin, out);
                for (int32_t i = begin; i < end; ++i) {
                    if (plan.op == WriteOp::kMap) {
                        appendBlob(column.child(0).values<std::string_view>()[i], out);
                        writeValue(plan.children[0], column.child(1), static_cast<uint32_t>(i), out);
                    } else {
                        writeValue(plan.children[0], column.child(0), static_cast<uint32_t>(i), out);
                    }
                }
            }
            appendLong(0, out);
            return;
        }
        case WriteOp::kRecord:
            for (size_t i = 0; i < plan.children.size(); ++i) {
                int source = plan.sources[i];
                if (source < 0) {
                    appendLong(plan.children[i].nullBranch, out);
                } else {
                    writeValue(plan.children[i], column.child(static_cast<size_t>(source)), row, out);
                }
            }
            return;
    }
}

// ---- Checking a writer schema against the columns ------------------------------------------------

/// Largest precision a two's-complement fixed of `size` bytes holds: floor(log10(2^(8·size−1) − 1)).
int fixedPrecision(int size) {
    if (size <= 0) return 0;
    if (size >= 16) return types::kMaxDecimalPrecision;
    int128_t limit = (int128_t{1} << (8 * size - 1)) - 1;
    return types::decimalDigits(limit) - 1;
}

class WriteCompiler {
public:
    explicit WriteCompiler(const AvroSchema& schema) : schema_(schema) {}

    /// The plan for writing values of `type` as the writer type `index`, which must be a
    /// union with null.
    Result<WritePlan> compileNullable(int index, const DataType& type, const std::string& where) {
        const AvroNode& node = schema_.node(index);
        if (node.kind != AvroKind::kUnion) {
            return Status::user(ErrorCode::kTypeMismatch,
                                fmt::format("{}: the writer type {} is not a union with null, but every SQL value "
                                            "may be NULL",
                                            where, schema_.describe(index)));
        }
        WritePlan plan;
        std::string firstError;
        for (size_t i = 0; i < node.branches.size(); ++i) {
            int branch = node.branches[i];
            if (schema_.node(branch).kind == AvroKind::kNull) {
                plan.nullBranch = static_cast<int64_t>(i);
                continue;
            }
            if (plan.valueBranch >= 0) continue;
            auto compiled = compileValue(branch, type, where);
            if (!compiled.isOk()) {
                if (firstError.empty()) firstError = compiled.status().message();
                continue;
            }
            int64_t nullBranch = plan.nullBranch;
            plan = std::move(compiled).value();
            plan.nullBranch = nullBranch;
            plan.valueBranch = static_cast<int64_t>(i);
        }
        if (plan.nullBranch < 0) {
            return Status::user(ErrorCode::kTypeMismatch,
                                fmt::format("{}: the writer type {} has no null branch, but every SQL value may be "
                                            "NULL",
                                            where, schema_.describe(index)));
        }
        if (plan.valueBranch < 0) {
            return Status::user(ErrorCode::kTypeMismatch, firstError.empty()
                                                              ? fmt::format("{}: no branch of {} takes {}", where,
                                                                            schema_.describe(index), type.toString())
                                                              : firstError);
        }
        return plan;
    }

    /// Writing `type` as the record `index`, fields matched by name.
    Result<WritePlan> compileRecord(int index, const std::vector<types::StructField>& sources,
                                    const std::string& where) {
        const AvroNode& node = schema_.node(index);
        WritePlan plan;
        plan.op = WriteOp::kRecord;
        std::vector<bool> used(sources.size(), false);
        for (const auto& field : node.fields) {
            int source = -1;
            for (size_t i = 0; i < sources.size(); ++i) {
                if (!used[i] && sources[i].name == field.name) {
                    source = static_cast<int>(i);
                    break;
                }
            }
            std::string fieldWhere =
                where.empty() ? fmt::format("column '{}'", field.name) : fmt::format("{}.{}", where, field.name);
            if (source < 0) {
                // No value: the field is written as null, so it must be a union with null.
                const AvroNode& type = schema_.node(field.type);
                WritePlan null;
                if (type.kind == AvroKind::kUnion) {
                    for (size_t b = 0; b < type.branches.size(); ++b) {
                        if (schema_.node(type.branches[b]).kind == AvroKind::kNull)
                            null.nullBranch = static_cast<int64_t>(b);
                    }
                }
                if (null.nullBranch < 0) {
                    return Status::user(ErrorCode::kTypeMismatch,
                                        fmt::format("{}: the writer schema's field '{}' has no output value and "
                                                    "cannot be null",
                                                    where.empty() ? "Avro encoder" : where, field.name));
                }
                plan.sources.push_back(-1);
                plan.children.push_back(std::move(null));
                continue;
            }
            used[static_cast<size_t>(source)] = true;
            FERRIS_ASSIGN_OR_RETURN(WritePlan child,
                                    compileNullable(field.type, sources[static_cast<size_t>(source)].type, fieldWhere));
            plan.sources.push_back(source);
            plan.children.push_back(std::move(child));
        }
        for (size_t i = 0; i < sources.size(); ++i) {
            if (!used[i]) {
                std::string name = where.empty() ? fmt::format("column '{}'", sources[i].name)
                                                 : fmt::format("{}.{}", where, sources[i].name);
                return Status::user(ErrorCode::kTypeMismatch,
                                    fmt::format("{}: the Avro writer schema has no field of that name", name));
            }
        }
        return plan;
    }

private:
    Result<WritePlan> compileValue(int index, const DataType& type, const std::string& where) {
        const AvroNode& node = schema_.node(index);
        WritePlan plan;
        auto with = [&](WriteOp op) -> Result<WritePlan> {
            plan.op = op;
            return plan;
        };
        switch (type.id()) {
            case TypeId::kBoolean:
                if (node.kind == AvroKind::kBoolean) return with(WriteOp::kBoolean);
                break;
            case TypeId::kBigint:
                if (node.kind == AvroKind::kLong && node.logical == AvroLogical::kNone) return with(WriteOp::kLong);
                break;
            case TypeId::kDouble:
                if (node.kind == AvroKind::kDouble) return with(WriteOp::kDouble);
                break;
            case TypeId::kString:
                if (node.kind == AvroKind::kString) return with(WriteOp::kString);
                break;
            case TypeId::kBytes:
                if (node.kind == AvroKind::kBytes && node.logical == AvroLogical::kNone) return with(WriteOp::kString);
                break;
            case TypeId::kDecimal:
                if (node.logical == AvroLogical::kDecimal && node.scale == type.scale() &&
                    node.precision >= type.precision()) {
                    if (node.kind == AvroKind::kBytes) return with(WriteOp::kDecimalBytes);
                    if (fixedPrecision(node.size) >= type.precision()) {
                        plan.fixedSize = node.size;
                        return with(WriteOp::kDecimalFixed);
                    }
                }
                break;
            case TypeId::kTimestamp:
                if (node.logical == AvroLogical::kTimestampMicros) return with(WriteOp::kTimestampMicros);
                if (node.logical == AvroLogical::kTimestampMillis) return with(WriteOp::kTimestampMillis);
                break;
            case TypeId::kDate:
                if (node.logical == AvroLogical::kDate) return with(WriteOp::kDate);
                break;
            case TypeId::kArray:
            case TypeId::kMap: {
                bool isArray = type.id() == TypeId::kArray;
                if (node.kind != (isArray ? AvroKind::kArray : AvroKind::kMap)) break;
                FERRIS_ASSIGN_OR_RETURN(
                    WritePlan items, compileNullable(node.items, type.elementType(), where + (isArray ? "[]" : "{}")));
                plan.children.push_back(std::move(items));
                return with(isArray ? WriteOp::kArray : WriteOp::kMap);
            }
            case TypeId::kStruct:
                if (node.kind == AvroKind::kRecord) return compileRecord(index, type.fields(), where);
                break;
            default: return Status::notSupported(fmt::format("writing {} ({}) as Avro", type.toString(), where));
        }
        return Status::user(ErrorCode::kTypeMismatch, fmt::format("{}: {} cannot be written as the Avro type {}", where,
                                                                  type.toString(), schema_.describe(index)));
    }

    const AvroSchema& schema_;
};

class AvroEncoder final : public Encoder {
public:
    AvroEncoder(std::vector<EncodeColumn> columns, AvroEncoderOptions options, WritePlan plan)
        : columns_(std::move(columns)), options_(std::move(options)), plan_(std::move(plan)) {}

    void encode(const Batch& batch, std::string& out) override {
        for (uint32_t row : batch.selection()) encodeRow(batch, row, out);
    }

    void encodeRow(const Batch& batch, uint32_t row, std::string& out) override {
        if (options_.schemaId) appendConfluentHeader(*options_.schemaId, out);
        for (size_t i = 0; i < plan_.children.size(); ++i) {
            int source = plan_.sources[i];
            if (source < 0) {
                appendLong(plan_.children[i].nullBranch, out);
                continue;
            }
            const Vector& column = batch.column(static_cast<size_t>(columns_[static_cast<size_t>(source)].slot));
            writeValue(plan_.children[i], column, row, out);
        }
    }

private:
    std::vector<EncodeColumn> columns_;
    AvroEncoderOptions options_;
    WritePlan plan_;
};

// ---- The generated writer schema -----------------------------------------------------------------

bool validAvroName(std::string_view name) {
    if (name.empty()) return false;
    for (size_t i = 0; i < name.size(); ++i) {
        char c = name[i];
        bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
        if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
    }
    return true;
}

Status appendAvroType(const DataType& type, const std::string& recordName, const std::string& where, std::string& out);

/// ["null", T]
Status appendNullable(const DataType& type, const std::string& recordName, const std::string& where, std::string& out) {
    out += "[\"null\",";
    FERRIS_RETURN_IF_ERROR(appendAvroType(type, recordName, where, out));
    out += ']';
    return Status::ok();
}

Status appendFields(const std::vector<types::StructField>& fields, const std::string& recordName,
                    const std::string& where, std::string& out) {
    out += "\"fields\":[";
    for (size_t i = 0; i < fields.size(); ++i) {
        const auto& field = fields[i];
        std::string fieldWhere = where.empty() ? field.name : where + "." + field.name;
        if (!validAvroName(field.name)) {
            return Status::user(ErrorCode::kInvalidValue,
                                fmt::format("column '{}' is not a valid Avro field name (letters, digits and _, not "
                                            "starting with a digit): give it an alias",
                                            fieldWhere));
        }
        for (size_t j = 0; j < i; ++j) {
            if (fields[j].name == field.name) {
                return Status::user(ErrorCode::kDuplicateName,
                                    fmt::format("column '{}' appears twice in the Avro record", fieldWhere));
            }
        }
        if (i > 0) out += ',';
        out += "{\"name\":";
        appendJsonString(field.name, out);
        out += ",\"type\":";
        FERRIS_RETURN_IF_ERROR(appendNullable(field.type, recordName + "_" + field.name, fieldWhere, out));
        out += ",\"default\":null}";
    }
    out += ']';
    return Status::ok();
}

Status appendAvroType(const DataType& type, const std::string& recordName, const std::string& where, std::string& out) {
    switch (type.id()) {
        case TypeId::kBoolean: out += "\"boolean\""; return Status::ok();
        case TypeId::kBigint: out += "\"long\""; return Status::ok();
        case TypeId::kDouble: out += "\"double\""; return Status::ok();
        case TypeId::kString: out += "\"string\""; return Status::ok();
        case TypeId::kBytes: out += "\"bytes\""; return Status::ok();
        case TypeId::kDecimal:
            out += fmt::format(R"({{"type":"bytes","logicalType":"decimal","precision":{},"scale":{}}})",
                               type.precision(), type.scale());
            return Status::ok();
        case TypeId::kTimestamp: out += R"({"type":"long","logicalType":"timestamp-micros"})"; return Status::ok();
        case TypeId::kDate: out += R"({"type":"int","logicalType":"date"})"; return Status::ok();
        case TypeId::kArray:
            out += R"({"type":"array","items":)";
            FERRIS_RETURN_IF_ERROR(appendNullable(type.elementType(), recordName, where + "[]", out));
            out += '}';
            return Status::ok();
        case TypeId::kMap:
            out += R"({"type":"map","values":)";
            FERRIS_RETURN_IF_ERROR(appendNullable(type.elementType(), recordName, where + "{}", out));
            out += '}';
            return Status::ok();
        case TypeId::kStruct:
            out += R"({"type":"record","name":)";
            appendJsonString(recordName, out);
            out += ',';
            FERRIS_RETURN_IF_ERROR(appendFields(type.fields(), recordName, where, out));
            out += '}';
            return Status::ok();
        case TypeId::kInterval:
        case TypeId::kNull: break;
    }
    return Status::notSupported(fmt::format("{} columns in Avro (column '{}')", type.toString(), where));
}

}  // namespace

Result<AvroSchemaPtr> avroSchemaFor(const std::vector<EncodeColumn>& columns, std::string_view recordName,
                                    std::string_view recordNamespace) {
    if (!validAvroName(recordName)) {
        return Status::user(ErrorCode::kInvalidValue, fmt::format("'{}' is not a valid Avro record name", recordName));
    }
    std::vector<types::StructField> fields;
    for (const auto& column : columns) fields.push_back({column.name, column.type});
    std::string text = R"({"type":"record","name":)";
    appendJsonString(recordName, text);
    if (!recordNamespace.empty()) {
        text += ",\"namespace\":";
        appendJsonString(recordNamespace, text);
    }
    text += ',';
    FERRIS_RETURN_IF_ERROR(appendFields(fields, std::string(recordName), "", text));
    text += '}';
    return AvroSchema::parse(text);
}

Result<std::unique_ptr<Encoder>> makeAvroEncoder(std::vector<EncodeColumn> columns, AvroEncoderOptions options) {
    if (!options.writerSchema) return Status::internal("an Avro encoder needs a writer schema");
    const AvroSchema& schema = *options.writerSchema;
    if (schema.root().kind != AvroKind::kRecord) {
        return Status::user(ErrorCode::kTypeMismatch, fmt::format("the Avro writer schema is a {}, not a record",
                                                                  schema.describe(schema.rootIndex())));
    }
    std::vector<types::StructField> sources;
    for (const auto& column : columns) sources.push_back({column.name, column.type});
    WriteCompiler compiler(schema);
    FERRIS_ASSIGN_OR_RETURN(WritePlan plan, compiler.compileRecord(schema.rootIndex(), sources, ""));
    return std::unique_ptr<Encoder>(
        std::make_unique<AvroEncoder>(std::move(columns), std::move(options), std::move(plan)));
}

}  // namespace ferris::codec
