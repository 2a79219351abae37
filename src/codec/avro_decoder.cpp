#include <simdjson.h>

#include <cmath>
#include <cstring>
#include <unordered_map>

#include <fmt/format.h>

#include "codec/avro.h"
#include "codec/json_value_reader.h"
#include "codec/schema_registry.h"
#include "common/base64.h"
#include "types/number_text.h"
#include "types/decimal.h"
#include "types/int256.h"
#include "types/time.h"

namespace ferris::codec {

using types::Batch;
using types::DataType;
using types::int128_t;
using types::RawRecord;
using types::TypeId;
using types::Vector;

namespace {

/// Deepest nesting of values a record may have (recursive schemas nest as deep as the data).
constexpr int kMaxValueDepth = 256;

/// How one writer type is read into a vector of the column's type, decided once per
/// (writer schema, declared column).
enum class ReadOp : uint8_t {
    kNull,  ///< a union's null branch
    kBoolean,
    kIntegerBigint,  ///< int or long → BIGINT
    kIntegerDouble,  ///< int or long → DOUBLE
    kFloatDouble,
    kDoubleDouble,
    kStringView,  ///< string → STRING or BYTES (UTF-8 checked for STRING)
    kBytesView,   ///< bytes → BYTES
    kFixedView,   ///< fixed → BYTES
    kEnumString,
    kDecimal,        ///< decimal bytes or fixed → DECIMAL
    kDecimalDouble,  ///< decimal bytes or fixed → DOUBLE
    kTimestampMillis,
    kTimestampMicros,
    kDate,
    kArray,
    kMap,
    kRecord,  ///< record → STRUCT, or the top-level record → the declared columns
    kUnion,
};

struct ReadPlan {
    ReadOp op = ReadOp::kNull;
    int node = -1;  ///< the writer node
    bool checkUtf8 = false;
    int fromScale = 0;               ///< decimal
    types::DecimalSpec to;           ///< decimal
    std::vector<ReadPlan> children;  ///< array/map: items; union: branches; record: writer fields
    std::vector<int> targets;        ///< record: per writer field, the target child (or column), or -1
    std::vector<int> missing;        ///< record: target children no writer field fills
};

/// A writer schema compiled against the declared columns.
struct WriterPlan {
    AvroSchemaPtr schema;
    ReadPlan root;
    Status status;        ///< why this schema's records cannot be read (row errors), or OK
    bool pinned = false;  ///< schema pinned by the current batch (enum values view its symbols)
};

/// Builds ReadPlans: checks that each target type can be read from its writer type.
class PlanCompiler {
public:
    explicit PlanCompiler(const AvroSchema& schema) : schema_(schema) {}

    Result<ReadPlan> compile(int index, const DataType& target, const std::string& where, int depth) {
        if (depth > kMaxValueDepth) return mismatch(index, target, where);
        const AvroNode& node = schema_.node(index);
        ReadPlan plan;
        plan.node = index;
        if (node.kind == AvroKind::kUnion) {
            plan.op = ReadOp::kUnion;
            for (int branch : node.branches) {
                if (schema_.node(branch).kind == AvroKind::kNull) {
                    ReadPlan null;
                    null.node = branch;
                    plan.children.push_back(std::move(null));
                    continue;
                }
                FERRIS_ASSIGN_OR_RETURN(ReadPlan child, compile(branch, target, where, depth + 1));
                plan.children.push_back(std::move(child));
            }
            return plan;
        }
        TypeId want = target.id();
        if (node.logical == AvroLogical::kDecimal) {
            if (want == TypeId::kDouble) {
                plan.op = ReadOp::kDecimalDouble;
                plan.fromScale = node.scale;
                return plan;
            }
            if (want == TypeId::kDecimal) {
                int p = target.precision();
                int s = target.scale();
                if (s < node.scale || p - s < node.precision - node.scale) {
                    return Status::user(
                        ErrorCode::kTypeMismatch,
                        fmt::format("{}: {} cannot hold the writer's decimal({},{}) exactly (it needs a scale of at "
                                    "least {} and at least {} integer digits)",
                                    where, target.toString(), node.precision, node.scale, node.scale,
                                    node.precision - node.scale));
                }
                plan.op = ReadOp::kDecimal;
                plan.fromScale = node.scale;
                plan.to = {p, s};
                return plan;
            }
            if (want == TypeId::kBytes) {
                plan.op = node.kind == AvroKind::kFixed ? ReadOp::kFixedView : ReadOp::kBytesView;
                return plan;
            }
            return mismatch(index, target, where);
        }
        switch (node.kind) {
            case AvroKind::kBoolean:
                if (want == TypeId::kBoolean) return op(plan, ReadOp::kBoolean);
                break;
            case AvroKind::kInt:
            case AvroKind::kLong:
                if (want == TypeId::kBigint) return op(plan, ReadOp::kIntegerBigint);
                if (want == TypeId::kDouble && node.logical == AvroLogical::kNone) {
                    return op(plan, ReadOp::kIntegerDouble);
                }
                if (want == TypeId::kTimestamp && node.logical == AvroLogical::kTimestampMillis) {
                    return op(plan, ReadOp::kTimestampMillis);
                }
                if (want == TypeId::kTimestamp && node.logical == AvroLogical::kTimestampMicros) {
                    return op(plan, ReadOp::kTimestampMicros);
                }
                if (want == TypeId::kDate && node.logical == AvroLogical::kDate) return op(plan, ReadOp::kDate);
                break;
            case AvroKind::kFloat:
                if (want == TypeId::kDouble) return op(plan, ReadOp::kFloatDouble);
                break;
            case AvroKind::kDouble:
                if (want == TypeId::kDouble) return op(plan, ReadOp::kDoubleDouble);
                break;
            case AvroKind::kString:
                if (want == TypeId::kString || want == TypeId::kBytes) {
                    plan.checkUtf8 = want == TypeId::kString;
                    return op(plan, ReadOp::kStringView);
                }
                break;
            case AvroKind::kBytes:
                if (want == TypeId::kBytes) return op(plan, ReadOp::kBytesView);
                break;
            case AvroKind::kFixed:
                if (want == TypeId::kBytes) return op(plan, ReadOp::kFixedView);
                break;
            case AvroKind::kEnum:
                if (want == TypeId::kString) return op(plan, ReadOp::kEnumString);
                break;
            case AvroKind::kArray:
            case AvroKind::kMap: {
                bool isArray = node.kind == AvroKind::kArray;
                if (want != (isArray ? TypeId::kArray : TypeId::kMap)) break;
                FERRIS_ASSIGN_OR_RETURN(ReadPlan items, compile(node.items, target.elementType(),
                                                                where + (isArray ? "[]" : "{}"), depth + 1));
                plan.op = isArray ? ReadOp::kArray : ReadOp::kMap;
                plan.children.push_back(std::move(items));
                return plan;
            }
            case AvroKind::kRecord: {
                if (want != TypeId::kStruct) break;
                const auto& fields = target.fields();
                return compileRecord(index, fields, where, depth);
            }
            default: break;
        }
        return mismatch(index, target, where);
    }

    /// A record read into `targets` (struct fields, or the declared columns), matched by name.
    Result<ReadPlan> compileRecord(int index, const std::vector<types::StructField>& targets, const std::string& where,
                                   int depth) {
        const AvroNode& node = schema_.node(index);
        ReadPlan plan;
        plan.op = ReadOp::kRecord;
        plan.node = index;
        std::vector<bool> filled(targets.size(), false);
        for (const auto& field : node.fields) {
            int target = -1;
            for (size_t i = 0; i < targets.size(); ++i) {
                if (targets[i].name == field.name && !filled[i]) {
                    target = static_cast<int>(i);
                    break;
                }
            }
            plan.targets.push_back(target);
            if (target < 0) {
                plan.children.emplace_back();  // skipped: read by skip(), never by a plan
                continue;
            }
            filled[static_cast<size_t>(target)] = true;
            std::string fieldWhere =
                where.empty() ? fmt::format("column '{}'", field.name) : fmt::format("{}.{}", where, field.name);
            FERRIS_ASSIGN_OR_RETURN(
                ReadPlan child, compile(field.type, targets[static_cast<size_t>(target)].type, fieldWhere, depth + 1));
            plan.children.push_back(std::move(child));
        }
        for (size_t i = 0; i < targets.size(); ++i) {
            if (!filled[i]) plan.missing.push_back(static_cast<int>(i));
        }
        return plan;
    }

private:
    static ReadPlan op(ReadPlan plan, ReadOp op) {
        plan.op = op;
        return plan;
    }

    Status mismatch(int index, const DataType& target, const std::string& where) const {
        return Status::user(ErrorCode::kTypeMismatch, fmt::format("{}: the writer's Avro type {} cannot be read as {}",
                                                                  where, schema_.describe(index), target.toString()));
    }

    const AvroSchema& schema_;
};

/// The bytes of one datum being read.
struct Cursor {
    const uint8_t* at;
    const uint8_t* end;
    size_t left() const { return static_cast<size_t>(end - at); }
};

/// Reads Avro binary values into vectors; every failure leaves a message in `error_`.
class AvroReader {
public:
    AvroReader(std::string& error, types::StringArena& arena, bool copyStrings)
        : error_(error), arena_(arena), copyStrings_(copyStrings) {}

    bool fail(std::string message) {
        error_ = std::move(message);
        return false;
    }
    bool truncated() { return fail("the record ends inside a value"); }

    bool readLong(Cursor& in, int64_t& out) {
        uint64_t value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (in.at == in.end) return truncated();
            uint8_t byte = *in.at++;
            if (shift == 63 && byte > 1) return fail("a varint is longer than 64 bits");
            value |= uint64_t{byte & 0x7Fu} << shift;
            if ((byte & 0x80) == 0) {
                out = static_cast<int64_t>((value >> 1) ^ (~(value & 1) + 1));  // zig-zag
                return true;
            }
        }
        return fail("a varint is longer than 64 bits");
    }

    bool readInt(Cursor& in, int64_t& out) {
        if (!readLong(in, out)) return false;
        if (out < INT32_MIN || out > INT32_MAX) return fail(fmt::format("int value {} is out of range", out));
        return true;
    }

    /// A length-prefixed byte string (bytes, string).
    bool readBlob(Cursor& in, std::string_view& out) {
        int64_t length = 0;
        if (!readLong(in, length)) return false;
        if (length < 0) return fail(fmt::format("negative length {}", length));
        if (static_cast<uint64_t>(length) > in.left()) {
            return fail(fmt::format("a length of {} exceeds the {} bytes left", length, in.left()));
        }
        out = std::string_view(reinterpret_cast<const char*>(in.at), static_cast<size_t>(length));
        in.at += length;
        return true;
    }

    bool readFixed(Cursor& in, size_t size, std::string_view& out) {
        if (size > in.left()) return truncated();
        out = std::string_view(reinterpret_cast<const char*>(in.at), size);
        in.at += size;
        return true;
    }

    /// A block count of an array or map; a negative count is followed by the block's size.
    bool readBlockCount(Cursor& in, uint32_t minBytes, int64_t& count, int64_t& blockBytes) {
        blockBytes = -1;
        if (!readLong(in, count)) return false;
        if (count < 0) {
            if (count == INT64_MIN) return fail("invalid block count");
            count = -count;
            if (!readLong(in, blockBytes)) return false;
            if (blockBytes < 0 || static_cast<uint64_t>(blockBytes) > in.left()) {
                return fail(fmt::format("a block size of {} exceeds the {} bytes left", blockBytes, in.left()));
            }
        }
        // Each item takes at least minBytes: a count the bytes left cannot hold is corrupt.
        if (minBytes > 0 && static_cast<uint64_t>(count) > in.left() / minBytes) {
            return fail(fmt::format("a block of {} items exceeds the {} bytes left", count, in.left()));
        }
        return true;
    }

    /// The unscaled value of a decimal's big-endian two's-complement bytes.
    bool decimalValue(std::string_view bytes, int128_t& out) {
        size_t size = bytes.size();
        const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
        if (size == 0) {
            out = 0;
            return true;
        }
        uint8_t sign = (data[0] & 0x80) ? 0xFF : 0x00;
        size_t skip = 0;
        // Leading sign-extension bytes beyond 16 are allowed; real digits beyond 128 bits are not.
        while (size - skip > 16 && data[skip] == sign) ++skip;
        if (size - skip > 16 || (size - skip == 16 && ((data[skip] ^ sign) & 0x80) != 0)) {
            return fail("a decimal value is wider than 128 bits");
        }
        types::uint128_t value = sign ? ~static_cast<types::uint128_t>(0) : 0;
        for (size_t i = skip; i < size; ++i) value = (value << 8) | data[i];
        out = static_cast<int128_t>(value);
        return true;
    }

    std::string_view keep(std::string_view bytes) { return copyStrings_ ? arena_.copy(bytes) : bytes; }

    /// Skips a value of writer node `index` that no column reads.
    bool skip(const AvroSchema& schema, int index, Cursor& in, int depth) {
        if (depth > kMaxValueDepth) return fail("values nested too deeply");
        const AvroNode& node = schema.node(index);
        int64_t number = 0;
        std::string_view bytes;
        switch (node.kind) {
            case AvroKind::kNull: return true;
            case AvroKind::kBoolean:
                if (in.at == in.end) return truncated();
                ++in.at;
                return true;
            case AvroKind::kInt:
            case AvroKind::kLong:
            case AvroKind::kEnum: return readLong(in, number);
            case AvroKind::kFloat: return readFixed(in, 4, bytes);
            case AvroKind::kDouble: return readFixed(in, 8, bytes);
            case AvroKind::kBytes:
            case AvroKind::kString: return readBlob(in, bytes);
            case AvroKind::kFixed: return readFixed(in, static_cast<size_t>(node.size), bytes);
            case AvroKind::kRecord:
                for (const auto& field : node.fields) {
                    if (!skip(schema, field.type, in, depth + 1)) return false;
                }
                return true;
            case AvroKind::kUnion: {
                if (!readLong(in, number)) return false;
                if (number < 0 || static_cast<size_t>(number) >= node.branches.size()) {
                    return fail(
                        fmt::format("union branch {} is out of range ({} branches)", number, node.branches.size()));
                }
                return skip(schema, node.branches[static_cast<size_t>(number)], in, depth + 1);
            }
            case AvroKind::kArray:
            case AvroKind::kMap: {
                bool isMap = node.kind == AvroKind::kMap;
                uint32_t itemBytes = schema.node(node.items).minBytes + (isMap ? 1 : 0);
                while (true) {
                    int64_t count = 0;
                    int64_t blockBytes = 0;
                    if (!readBlockCount(in, itemBytes, count, blockBytes)) return false;
                    if (count == 0) return true;
                    if (blockBytes >= 0) {  // the writer gave the block's size: jump over it
                        in.at += blockBytes;
                        continue;
                    }
                    if (itemBytes == 0) continue;  // items that take no bytes
                    for (int64_t i = 0; i < count; ++i) {
                        if (isMap && !readBlob(in, bytes)) return false;
                        if (!skip(schema, node.items, in, depth + 1)) return false;
                    }
                }
            }
        }
        return fail("unknown Avro type");
    }

    /// Appends a value of writer node `index` as text: JSON when `quote` (strings quoted,
    /// bytes base64, decimals and dates as JSON strings), else a scalar's bare text (a string
    /// or bytes as they are) — the forms of §1.4.1 key text. Timestamps are epoch ms.
    bool appendText(const AvroSchema& schema, int index, Cursor& in, bool quote, std::string& out, int depth) {
        if (depth > kMaxValueDepth) return fail("values nested too deeply");
        const AvroNode& node = schema.node(index);
        int64_t number = 0;
        std::string_view bytes;
        char buffer[64];
        auto scalar = [&](std::string_view text, bool quoted) {
            if (quoted) out += '"';
            out += text;
            if (quoted) out += '"';
        };
        auto string = [&](std::string_view text) {  // a JSON string when quoted, the bare text when not
            if (quote) {
                appendJsonString(text, out);
            } else {
                out += text;
            }
        };
        switch (node.kind) {
            case AvroKind::kNull: out += "null"; return true;
            case AvroKind::kBoolean:
                if (in.at == in.end) return truncated();
                out += *in.at++ != 0 ? "true" : "false";
                return true;
            case AvroKind::kInt:
            case AvroKind::kLong: {
                if (!(node.kind == AvroKind::kInt ? readInt(in, number) : readLong(in, number))) return false;
                if (node.logical == AvroLogical::kDate) {
                    scalar(std::string_view(buffer, types::formatDate(static_cast<int32_t>(number), buffer)), quote);
                    return true;
                }
                if (node.logical == AvroLogical::kTimestampMicros) {
                    number = number / 1000 - (number % 1000 < 0 ? 1 : 0);  // floor to milliseconds
                }
                fmt::format_to(std::back_inserter(out), "{}", number);
                return true;
            }
            case AvroKind::kFloat:
            case AvroKind::kDouble: {
                double value = 0;
                if (node.kind == AvroKind::kFloat) {
                    float single = 0;
                    if (!readFixed(in, 4, bytes)) return false;
                    std::memcpy(&single, bytes.data(), 4);
                    value = single;
                } else {
                    if (!readFixed(in, 8, bytes)) return false;
                    std::memcpy(&value, bytes.data(), 8);
                }
                bool finite = value == value && value != HUGE_VAL && value != -HUGE_VAL;
                scalar(std::string_view(buffer, types::formatDouble(value, buffer)), quote && !finite);
                return true;
            }
            case AvroKind::kString:
                if (!readBlob(in, bytes)) return false;
                string(bytes);
                return true;
            case AvroKind::kBytes:
            case AvroKind::kFixed: {
                bool ok = node.kind == AvroKind::kBytes ? readBlob(in, bytes)
                                                        : readFixed(in, static_cast<size_t>(node.size), bytes);
                if (!ok) return false;
                if (node.logical == AvroLogical::kDecimal) {
                    int128_t unscaled = 0;
                    if (!decimalValue(bytes, unscaled)) return false;
                    char digits[64];
                    scalar(std::string_view(digits, types::decimalFormat(unscaled, node.scale, digits)), quote);
                } else if (quote) {
                    out += '"';
                    base64Encode(bytes, out);
                    out += '"';
                } else {
                    out += bytes;
                }
                return true;
            }
            case AvroKind::kEnum: {
                if (!readInt(in, number)) return false;
                if (number < 0 || static_cast<size_t>(number) >= node.symbols.size()) {
                    return fail(fmt::format("enum index {} is out of range ({} symbols)", number, node.symbols.size()));
                }
                string(node.symbols[static_cast<size_t>(number)]);
                return true;
            }
            case AvroKind::kRecord:
                out += '{';
                for (size_t i = 0; i < node.fields.size(); ++i) {
                    if (i > 0) out += ',';
                    appendJsonString(node.fields[i].name, out);
                    out += ':';
                    if (!appendText(schema, node.fields[i].type, in, true, out, depth + 1)) return false;
                }
                out += '}';
                return true;
            case AvroKind::kUnion:
                if (!readLong(in, number)) return false;
                if (number < 0 || static_cast<size_t>(number) >= node.branches.size()) {
                    return fail(
                        fmt::format("union branch {} is out of range ({} branches)", number, node.branches.size()));
                }
                return appendText(schema, node.branches[static_cast<size_t>(number)], in, quote, out, depth + 1);
            case AvroKind::kArray:
            case AvroKind::kMap: {
                bool isMap = node.kind == AvroKind::kMap;
                uint32_t itemBytes = schema.node(node.items).minBytes + (isMap ? 1 : 0);
                out += isMap ? '{' : '[';
                bool first = true;
                while (true) {
                    int64_t count = 0;
                    int64_t blockBytes = 0;
                    if (!readBlockCount(in, itemBytes, count, blockBytes)) return false;
                    if (count == 0) break;
                    for (int64_t i = 0; i < count; ++i) {
                        if (!first) out += ',';
                        first = false;
                        if (isMap) {
                            if (!readBlob(in, bytes)) return false;
                            appendJsonString(bytes, out);
                            out += ':';
                        }
                        if (!appendText(schema, node.items, in, true, out, depth + 1)) return false;
                    }
                }
                out += isMap ? '}' : ']';
                return true;
            }
        }
        return fail("unknown Avro type");
    }

    /// Reads a value of plan.node into row `row` of `column`.
    bool read(const AvroSchema& schema, const ReadPlan& plan, Cursor& in, Vector& column, uint32_t row, int depth) {
        if (depth > kMaxValueDepth) return fail("values nested too deeply");
        int64_t number = 0;
        std::string_view bytes;
        if (plan.op != ReadOp::kUnion && plan.op != ReadOp::kNull && column.mayHaveNulls()) column.setNotNull(row);
        switch (plan.op) {
            case ReadOp::kNull: setNullRow(column, row); return true;
            case ReadOp::kUnion: {
                if (!readLong(in, number)) return false;
                if (number < 0 || static_cast<size_t>(number) >= plan.children.size()) {
                    return fail(
                        fmt::format("union branch {} is out of range ({} branches)", number, plan.children.size()));
                }
                return read(schema, plan.children[static_cast<size_t>(number)], in, column, row, depth + 1);
            }
            case ReadOp::kBoolean: {
                if (in.at == in.end) return truncated();
                uint8_t byte = *in.at++;
                if (byte > 1) return fail(fmt::format("invalid boolean byte 0x{:02x}", byte));
                column.values<uint8_t>()[row] = byte;
                return true;
            }
            case ReadOp::kIntegerBigint: return readLong(in, column.values<int64_t>()[row]);
            case ReadOp::kIntegerDouble:
                if (!readLong(in, number)) return false;
                column.values<double>()[row] = static_cast<double>(number);
                return true;
            case ReadOp::kFloatDouble: {
                if (!readFixed(in, 4, bytes)) return false;
                float value;
                std::memcpy(&value, bytes.data(), 4);  // little-endian IEEE 754, as x86-64 stores it
                column.values<double>()[row] = static_cast<double>(value);
                return true;
            }
            case ReadOp::kDoubleDouble:
                if (!readFixed(in, 8, bytes)) return false;
                std::memcpy(&column.values<double>()[row], bytes.data(), 8);
                return true;
            case ReadOp::kStringView:
                if (!readBlob(in, bytes)) return false;
                if (plan.checkUtf8 && !simdjson::validate_utf8(bytes.data(), bytes.size())) {
                    return fail("a string is not valid UTF-8");
                }
                column.values<std::string_view>()[row] = keep(bytes);
                return true;
            case ReadOp::kBytesView:
                if (!readBlob(in, bytes)) return false;
                column.values<std::string_view>()[row] = keep(bytes);
                return true;
            case ReadOp::kFixedView:
                if (!readFixed(in, static_cast<size_t>(schema.node(plan.node).size), bytes)) return false;
                column.values<std::string_view>()[row] = keep(bytes);
                return true;
            case ReadOp::kEnumString: {
                if (!readLong(in, number)) return false;
                const auto& symbols = schema.node(plan.node).symbols;
                if (number < 0 || static_cast<size_t>(number) >= symbols.size()) {
                    return fail(fmt::format("enum symbol {} is out of range ({} symbols)", number, symbols.size()));
                }
                column.values<std::string_view>()[row] = symbols[static_cast<size_t>(number)];  // schema pinned
                return true;
            }
            case ReadOp::kDecimal:
            case ReadOp::kDecimalDouble: {
                const AvroNode& node = schema.node(plan.node);
                bool ok = node.kind == AvroKind::kFixed ? readFixed(in, static_cast<size_t>(node.size), bytes)
                                                        : readBlob(in, bytes);
                int128_t unscaled = 0;
                if (!ok || !decimalValue(bytes, unscaled)) return false;
                if (plan.op == ReadOp::kDecimalDouble) {
                    column.values<double>()[row] = types::decimalToDouble(unscaled, plan.fromScale);
                    return true;
                }
                int128_t value = 0;
                if (types::decimalRescale(unscaled, plan.fromScale, plan.to, value) != types::DecimalStatus::kOk) {
                    return fail(fmt::format("the decimal {} does not fit DECIMAL({},{})",
                                            types::decimalToString(unscaled, plan.fromScale), plan.to.precision,
                                            plan.to.scale));
                }
                if (plan.to.precision <= types::kMaxDecimal64Precision) {
                    column.values<int64_t>()[row] = static_cast<int64_t>(value);
                } else {
                    column.values<int128_t>()[row] = value;
                }
                return true;
            }
            case ReadOp::kTimestampMillis:
                if (!readLong(in, number)) return false;
                if (__builtin_mul_overflow(number, types::kMicrosPerMilli, &column.values<int64_t>()[row])) {
                    return fail(fmt::format("timestamp-millis {} is out of range", number));
                }
                return true;
            case ReadOp::kTimestampMicros: return readLong(in, column.values<int64_t>()[row]);
            case ReadOp::kDate:
                if (!readInt(in, number)) return false;
                column.values<int32_t>()[row] = static_cast<int32_t>(number);
                return true;
            case ReadOp::kArray:
            case ReadOp::kMap: return readList(schema, plan, in, column, row, depth);
            case ReadOp::kRecord: {
                const AvroNode& node = schema.node(plan.node);
                for (size_t i = 0; i < node.fields.size(); ++i) {
                    int target = plan.targets[i];
                    bool ok = target < 0 ? skip(schema, node.fields[i].type, in, depth + 1)
                                         : read(schema, plan.children[i], in, column.child(static_cast<size_t>(target)),
                                                row, depth + 1);
                    if (!ok) return false;
                }
                for (int target : plan.missing) setNullRow(column.child(static_cast<size_t>(target)), row);
                return true;
            }
        }
        return fail("unknown read operation");
    }

private:
    bool readList(const AvroSchema& schema, const ReadPlan& plan, Cursor& in, Vector& column, uint32_t row, int depth) {
        bool isMap = plan.op == ReadOp::kMap;
        const AvroNode& node = schema.node(plan.node);
        uint32_t itemBytes = schema.node(node.items).minBytes + (isMap ? 1 : 0);
        Vector& values = column.child(isMap ? 1 : 0);
        int32_t start = column.offsets()[row];
        int64_t total = 0;
        while (true) {
            int64_t count = 0;
            int64_t blockBytes = 0;
            if (!readBlockCount(in, itemBytes, count, blockBytes)) return false;
            if (count == 0) break;
            if (itemBytes == 0 || total + count > INT32_MAX - start) return fail("too many items in one value");
            for (int64_t i = 0; i < count; ++i) {
                auto index = static_cast<uint32_t>(start + total);
                if (isMap) {
                    Vector& keys = column.child(0);
                    keys.resize(index + 1);
                    std::string_view key;
                    if (!readBlob(in, key)) return false;
                    if (!simdjson::validate_utf8(key.data(), key.size())) return fail("a map key is not valid UTF-8");
                    keys.setNotNull(index);
                    keys.values<std::string_view>()[index] = keep(key);
                }
                values.resize(index + 1);
                if (!read(schema, plan.children[0], in, values, index, depth + 1)) {
                    column.offsets()[row + 1] = start + static_cast<int32_t>(total);
                    return false;
                }
                ++total;
            }
        }
        column.offsets()[row + 1] = start + static_cast<int32_t>(total);
        return true;
    }

    std::string& error_;
    types::StringArena& arena_;
    bool copyStrings_;
};

int32_t readBigEndian32(const char* data) {
    uint32_t value = 0;
    for (int i = 0; i < 4; ++i) value = (value << 8) | static_cast<uint8_t>(data[i]);
    return static_cast<int32_t>(value);
}

class AvroDecoder final : public Decoder {
public:
    AvroDecoder(std::vector<DecodeField> fields, AvroDecoderOptions options)
        : declared_(std::move(fields)), options_(std::move(options)) {
        for (const auto& field : declared_) targets_.push_back({field.name, field.type});
        for (const auto& field : declared_) nested_ |= field.type.isNested();
    }

    /// Compiles `schema` against the declared columns.
    std::shared_ptr<WriterPlan> compile(AvroSchemaPtr schema) const {
        auto plan = std::make_shared<WriterPlan>();
        plan->schema = std::move(schema);
        if (plan->schema->root().kind != AvroKind::kRecord) {
            plan->status =
                Status::user(ErrorCode::kTypeMismatch, fmt::format("the Avro writer schema is a {}, not a record",
                                                                   plan->schema->describe(plan->schema->rootIndex())));
            return plan;
        }
        PlanCompiler compiler(*plan->schema);
        auto root = compiler.compileRecord(plan->schema->rootIndex(), targets_, "", 0);
        if (root.isOk()) {
            plan->root = std::move(root).value();
        } else {
            plan->status = root.status();
        }
        return plan;
    }

    void setFixedPlan(std::shared_ptr<WriterPlan> plan) { fixed_ = std::move(plan); }

    void decode(std::span<const RawRecord> records, Batch& batch) override {
        auto rows = static_cast<uint32_t>(records.size());
        columns_ = makeFieldColumns(declared_, rows, batch);
        failedIds_.clear();
        if (fixed_) fixed_->pinned = false;
        for (auto& [id, plan] : byId_) plan->pinned = false;
        AvroReader reader(error_, batch.arena(), options_.copyStrings);
        for (uint32_t row = 0; row < rows; ++row) {
            if (decodeRecord(records[row], batch, row, reader)) continue;
            batch.addError(row, ErrorCode::kDecodeError, std::move(error_));
            error_.clear();
            for (Vector* column : columns_) {
                if (nested_) resetRow(*column, row);
                setNullRow(*column, row);
            }
        }
    }

private:
    bool decodeRecord(const RawRecord& record, Batch& batch, uint32_t row, AvroReader& reader) {
        if (record.valueIsNull) return reader.fail("the record has no value (null)");
        const char* data = record.value.data();
        size_t size = record.value.size();
        WriterPlan* plan = fixed_.get();
        if (options_.confluentFraming) {
            if (size < kConfluentHeaderSize) {
                return reader.fail(
                    fmt::format("the record has {} bytes, fewer than the 5-byte Confluent header", size));
            }
            if (static_cast<uint8_t>(data[0]) != kConfluentMagicByte) {
                return reader.fail(fmt::format("expected the Confluent magic byte 0x00, found 0x{:02x}",
                                               static_cast<uint8_t>(data[0])));
            }
            int32_t id = readBigEndian32(data + 1);
            plan = planForId(id, reader);
            if (plan == nullptr) return false;
            data += kConfluentHeaderSize;
            size -= kConfluentHeaderSize;
        }
        if (!plan->status.isOk()) return reader.fail(plan->status.message());
        if (!plan->pinned) {
            batch.pin(plan->schema);  // enum values are views of the schema's symbols
            plan->pinned = true;
        }
        Cursor in{reinterpret_cast<const uint8_t*>(data), reinterpret_cast<const uint8_t*>(data) + size};
        const AvroSchema& schema = *plan->schema;
        const AvroNode& root = schema.root();
        for (size_t i = 0; i < root.fields.size(); ++i) {
            int target = plan->root.targets[i];
            bool ok = target < 0 ? reader.skip(schema, root.fields[i].type, in, 1)
                                 : reader.read(schema, plan->root.children[i], in,
                                               *columns_[static_cast<size_t>(target)], row, 1);
            if (!ok) {
                error_ = fmt::format("field '{}': {}", root.fields[i].name, error_);
                return false;
            }
        }
        if (in.at != in.end) {
            return reader.fail(fmt::format("{} bytes left over after the record", in.left()));
        }
        for (int target : plan->root.missing) setNullRow(*columns_[static_cast<size_t>(target)], row);
        return true;
    }

    /// The compiled writer schema of `id`, resolving and compiling it on first sight.
    WriterPlan* planForId(int32_t id, AvroReader& reader) {
        auto found = byId_.find(id);
        if (found != byId_.end()) return found->second.get();
        auto failed = failedIds_.find(id);
        if (failed != failedIds_.end()) {
            reader.fail(failed->second);
            return nullptr;
        }
        Result<AvroSchemaPtr> schema = options_.resolver(id);
        if (!schema.isOk()) {
            std::string message = fmt::format("schema id {}: {}", id, schema.status().message());
            failedIds_[id] = message;
            reader.fail(std::move(message));
            return nullptr;
        }
        auto plan = compile(std::move(schema).value());
        if (!plan->status.isOk()) {
            plan->status =
                Status::user(plan->status.code(), fmt::format("schema id {}: {}", id, plan->status.message()));
        }
        WriterPlan* raw = plan.get();
        byId_[id] = std::move(plan);
        return raw;
    }

    std::vector<DecodeField> declared_;
    std::vector<types::StructField> targets_;
    AvroDecoderOptions options_;
    bool nested_ = false;
    std::shared_ptr<WriterPlan> fixed_;                              ///< without framing
    std::unordered_map<int32_t, std::shared_ptr<WriterPlan>> byId_;  ///< with framing
    std::unordered_map<int32_t, std::string> failedIds_;             ///< this decode() call's resolver failures
    std::vector<Vector*> columns_;
    std::string error_;
};

}  // namespace

Result<std::unique_ptr<Decoder>> makeAvroDecoder(std::vector<DecodeField> fields, AvroDecoderOptions options) {
    for (const auto& field : fields) {
        if (field.type.id() == TypeId::kInterval || field.type.isNull()) {
            return Status::notSupported(
                fmt::format("reading column '{}' of type {} from Avro", field.name, field.type.toString()));
        }
    }
    if (options.confluentFraming && !options.resolver) {
        return Status::internal("an Avro decoder with Confluent framing needs a schema resolver");
    }
    if (!options.confluentFraming && !options.writerSchema) {
        return Status::internal("an Avro decoder without Confluent framing needs the writer schema");
    }
    AvroSchemaPtr writer = options.writerSchema;
    bool framing = options.confluentFraming;
    auto decoder = std::make_unique<AvroDecoder>(std::move(fields), std::move(options));
    if (writer) {
        auto plan = decoder->compile(writer);
        if (!plan->status.isOk()) return plan->status;
        if (!framing) decoder->setFixedPlan(std::move(plan));
    }
    return std::unique_ptr<Decoder>(std::move(decoder));
}

void appendConfluentHeader(int32_t schemaId, std::string& out) {
    auto id = static_cast<uint32_t>(schemaId);
    char header[kConfluentHeaderSize] = {static_cast<char>(kConfluentMagicByte), static_cast<char>(id >> 24),
                                         static_cast<char>(id >> 16), static_cast<char>(id >> 8),
                                         static_cast<char>(id)};
    out.append(header, kConfluentHeaderSize);
}

bool appendAvroKeyText(const AvroSchema& schema, std::string_view datum, std::string& out, std::string& error) {
    types::StringArena unused;
    AvroReader reader(error, unused, false);
    Cursor in{reinterpret_cast<const uint8_t*>(datum.data()), reinterpret_cast<const uint8_t*>(datum.data()) + datum.size()};
    const AvroNode& root = schema.root();
    size_t before = out.size();
    bool ok = root.kind == AvroKind::kRecord && root.fields.size() == 1
                  ? reader.appendText(schema, root.fields[0].type, in, false, out, 1)
                  : reader.appendText(schema, schema.rootIndex(), in, false, out, 0);
    if (ok && in.at != in.end) ok = reader.fail(fmt::format("{} bytes follow the value", in.left()));
    if (!ok) out.resize(before);
    return ok;
}

AvroSchemaResolver registryAvroResolver(std::shared_ptr<SchemaRegistryClient> client) {
    return [client = std::move(client)](int32_t id) -> Result<AvroSchemaPtr> {
        FERRIS_ASSIGN_OR_RETURN(std::string text, client->schemaById(id));
        return AvroSchema::parse(text);
    };
}

}  // namespace ferris::codec
