#include "codec/avro_schema.h"

#include <simdjson.h>

#include <algorithm>
#include <unordered_map>

#include <fmt/format.h>

#include "types/decimal.h"

namespace ferris::codec {

using types::DataType;

namespace {

/// Deepest nesting of type definitions a schema may have.
constexpr int kMaxSchemaDepth = 128;

struct Primitive {
    std::string_view name;
    AvroKind kind;
};
constexpr Primitive kPrimitives[] = {
    {"null", AvroKind::kNull},   {"boolean", AvroKind::kBoolean}, {"int", AvroKind::kInt},
    {"long", AvroKind::kLong},   {"float", AvroKind::kFloat},     {"double", AvroKind::kDouble},
    {"bytes", AvroKind::kBytes}, {"string", AvroKind::kString},
};

bool primitiveKind(std::string_view name, AvroKind& kind) {
    for (const auto& primitive : kPrimitives) {
        if (primitive.name == name) {
            kind = primitive.kind;
            return true;
        }
    }
    return false;
}

std::string_view kindName(AvroKind kind) {
    switch (kind) {
        case AvroKind::kNull: return "null";
        case AvroKind::kBoolean: return "boolean";
        case AvroKind::kInt: return "int";
        case AvroKind::kLong: return "long";
        case AvroKind::kFloat: return "float";
        case AvroKind::kDouble: return "double";
        case AvroKind::kBytes: return "bytes";
        case AvroKind::kString: return "string";
        case AvroKind::kRecord: return "record";
        case AvroKind::kEnum: return "enum";
        case AvroKind::kArray: return "array";
        case AvroKind::kMap: return "map";
        case AvroKind::kUnion: return "union";
        case AvroKind::kFixed: return "fixed";
    }
    return "?";
}

/// A valid Avro name: [A-Za-z_][A-Za-z0-9_]*.
bool validName(std::string_view name) {
    if (name.empty()) return false;
    for (size_t i = 0; i < name.size(); ++i) {
        char c = name[i];
        bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
        if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
    }
    return true;
}

/// A valid full name: names separated by dots.
bool validFullName(std::string_view name) {
    size_t start = 0;
    while (true) {
        size_t dot = name.find('.', start);
        if (!validName(name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start))) {
            return false;
        }
        if (dot == std::string_view::npos) return true;
        start = dot + 1;
    }
}

/// A schema error; `where` is the dotted path of the field it is in ("" at the top).
Status invalid(std::string_view where, std::string_view what) {
    return Status::user(ErrorCode::kInvalidValue,
                        where.empty() ? fmt::format("invalid Avro schema: {}", what)
                                      : fmt::format("invalid Avro schema: field '{}': {}", where, what));
}

}  // namespace

/// Builds an AvroSchema's nodes from simdjson's DOM of the schema text.
class AvroSchemaParser {
public:
    explicit AvroSchemaParser(AvroSchema& schema) : schema_(schema) {}

    Status parse(std::string_view json) {
        simdjson::dom::element root;
        simdjson::padded_string padded(json);
        if (auto code = parser_.parse(padded).get(root); code != simdjson::SUCCESS) {
            return invalid("", fmt::format("malformed JSON ({})", simdjson::error_message(code)));
        }
        FERRIS_ASSIGN_OR_RETURN(schema_.root_, parseType(root, "", "", 0));
        std::vector<int8_t> state(schema_.nodes_.size(), 0);
        for (size_t i = 0; i < schema_.nodes_.size(); ++i) minBytes(static_cast<int>(i), state);
        return Status::ok();
    }

private:
    int addNode(AvroNode node) {
        schema_.nodes_.push_back(std::move(node));
        return static_cast<int>(schema_.nodes_.size() - 1);
    }

    Result<int> parseType(simdjson::dom::element element, const std::string& ns, const std::string& where, int depth) {
        if (depth > kMaxSchemaDepth) return invalid(where, "types nested too deeply");
        switch (element.type()) {
            case simdjson::dom::element_type::STRING: return reference(element.get_string().value(), ns, where);
            case simdjson::dom::element_type::ARRAY: return parseUnion(element.get_array().value(), ns, where, depth);
            case simdjson::dom::element_type::OBJECT:
                return parseObject(element.get_object().value(), ns, where, depth);
            default: return invalid(where, "a type must be a name, an object or an array (a union)");
        }
    }

    /// A primitive type name or a reference to a named type defined earlier.
    Result<int> reference(std::string_view name, const std::string& ns, const std::string& where) {
        AvroKind kind;
        if (primitiveKind(name, kind)) {
            AvroNode node;
            node.kind = kind;
            return addNode(std::move(node));
        }
        if (name.find('.') == std::string_view::npos && !ns.empty()) {
            auto found = named_.find(ns + "." + std::string(name));
            if (found != named_.end()) return found->second;
        }
        auto found = named_.find(std::string(name));
        if (found != named_.end()) return found->second;
        return invalid(where, fmt::format("unknown type '{}'", name));
    }

    Result<int> parseUnion(simdjson::dom::array array, const std::string& ns, const std::string& where, int depth) {
        AvroNode node;
        node.kind = AvroKind::kUnion;
        for (simdjson::dom::element branch : array) {
            FERRIS_ASSIGN_OR_RETURN(int index, parseType(branch, ns, where, depth + 1));
            const AvroNode& added = schema_.nodes_[static_cast<size_t>(index)];
            if (added.kind == AvroKind::kUnion) return invalid(where, "a union may not directly contain a union");
            for (int other : node.branches) {
                const AvroNode& seen = schema_.nodes_[static_cast<size_t>(other)];
                bool isNamed =
                    added.kind == AvroKind::kRecord || added.kind == AvroKind::kEnum || added.kind == AvroKind::kFixed;
                if (isNamed ? seen.fullName == added.fullName : seen.kind == added.kind) {
                    return invalid(where, fmt::format("the union holds {} twice", schema_.describe(index)));
                }
            }
            node.branches.push_back(index);
        }
        if (node.branches.empty()) return invalid(where, "a union needs at least one branch");
        return addNode(std::move(node));
    }

    static bool getString(simdjson::dom::object object, std::string_view key, std::string_view& out) {
        return object.at_key(key).get_string().get(out) == simdjson::SUCCESS;
    }
    static bool has(simdjson::dom::object object, std::string_view key) {
        simdjson::dom::element element;
        return object.at_key(key).get(element) == simdjson::SUCCESS;
    }

    /// Resolves the full name of a named type definition and registers it.
    Result<std::string> defineName(simdjson::dom::object object, const std::string& ns, const std::string& where,
                                   std::string& innerNamespace) {
        std::string_view name;
        if (!getString(object, "name", name)) return invalid(where, "a named type needs a \"name\" string");
        std::string fullName;
        if (name.find('.') != std::string_view::npos) {
            fullName = std::string(name);
            innerNamespace = fullName.substr(0, fullName.rfind('.'));
        } else {
            std::string_view declared;
            innerNamespace = getString(object, "namespace", declared) ? std::string(declared) : ns;
            fullName = innerNamespace.empty() ? std::string(name) : innerNamespace + "." + std::string(name);
        }
        if (!validFullName(fullName)) return invalid(where, fmt::format("invalid name '{}'", fullName));
        AvroKind kind;
        if (primitiveKind(fullName, kind)) return invalid(where, fmt::format("'{}' names a primitive type", fullName));
        if (named_.count(fullName) != 0) return invalid(where, fmt::format("the name '{}' is defined twice", fullName));
        return fullName;
    }

    Result<int> parseObject(simdjson::dom::object object, const std::string& ns, const std::string& where, int depth) {
        simdjson::dom::element typeElement;
        if (object.at_key("type").get(typeElement) != simdjson::SUCCESS) {
            return invalid(where, "a type object needs a \"type\"");
        }
        std::string_view type;
        if (typeElement.get_string().get(type) != simdjson::SUCCESS) {
            // {"type": {...}} or {"type": [...]}: the inner type, attributes ignored.
            return parseType(typeElement, ns, where, depth + 1);
        }
        AvroKind kind;
        if (primitiveKind(type, kind)) return parsePrimitive(object, kind, where);
        if (type == "record" || type == "error") return parseRecord(object, ns, where, depth);
        if (type == "enum") return parseEnum(object, ns, where);
        if (type == "fixed") return parseFixed(object, ns, where);
        if (type == "array" || type == "map") {
            simdjson::dom::element inner;
            std::string_view key = type == "array" ? "items" : "values";
            if (object.at_key(key).get(inner) != simdjson::SUCCESS) {
                return invalid(where, fmt::format("{} needs \"{}\"", type, key));
            }
            FERRIS_ASSIGN_OR_RETURN(int items, parseType(inner, ns, where, depth + 1));
            AvroNode node;
            node.kind = type == "array" ? AvroKind::kArray : AvroKind::kMap;
            node.items = items;
            return addNode(std::move(node));
        }
        // {"type": "com.acme.Named"}: a reference.
        return reference(type, ns, where);
    }

    static bool getInt(simdjson::dom::object object, std::string_view key, int64_t& out) {
        return object.at_key(key).get_int64().get(out) == simdjson::SUCCESS;
    }

    /// Reads the decimal attributes into `node` (on bytes or fixed).
    static Status decimalAttributes(simdjson::dom::object object, AvroNode& node, const std::string& where) {
        int64_t precision = 0;
        int64_t scale = 0;
        if (!getInt(object, "precision", precision) || precision <= 0) {
            return invalid(where, "decimal needs a positive integer \"precision\"");
        }
        if (has(object, "scale") && (!getInt(object, "scale", scale) || scale < 0 || scale > precision)) {
            return invalid(where,
                           fmt::format("decimal scale must be an integer from 0 to the precision ({})", precision));
        }
        if (precision > 255) return invalid(where, fmt::format("decimal precision {} is too large", precision));
        node.logical = AvroLogical::kDecimal;
        node.precision = static_cast<int>(precision);
        node.scale = static_cast<int>(scale);
        return Status::ok();
    }

    Result<int> parsePrimitive(simdjson::dom::object object, AvroKind kind, const std::string& where) {
        AvroNode node;
        node.kind = kind;
        std::string_view logical;
        if (getString(object, "logicalType", logical)) {
            if (logical == "decimal" && kind == AvroKind::kBytes) {
                FERRIS_RETURN_IF_ERROR(decimalAttributes(object, node, where));
            } else if (logical == "timestamp-millis" && kind == AvroKind::kLong) {
                node.logical = AvroLogical::kTimestampMillis;
            } else if (logical == "timestamp-micros" && kind == AvroKind::kLong) {
                node.logical = AvroLogical::kTimestampMicros;
            } else if (logical == "date" && kind == AvroKind::kInt) {
                node.logical = AvroLogical::kDate;
            }
            // Any other logical type, or one on the wrong type, is ignored (the specification's rule).
        }
        return addNode(std::move(node));
    }

    Result<int> parseRecord(simdjson::dom::object object, const std::string& ns, const std::string& where, int depth) {
        std::string innerNamespace;
        FERRIS_ASSIGN_OR_RETURN(std::string fullName, defineName(object, ns, where, innerNamespace));
        simdjson::dom::array fields;
        if (object.at_key("fields").get_array().get(fields) != simdjson::SUCCESS) {
            return invalid(where, fmt::format("record '{}' needs a \"fields\" array", fullName));
        }
        AvroNode node;
        node.kind = AvroKind::kRecord;
        node.fullName = fullName;
        int index = addNode(std::move(node));
        named_[fullName] = index;  // before the fields: they may refer to the record itself
        std::vector<AvroField> parsed;
        for (simdjson::dom::element field : fields) {
            simdjson::dom::object fieldObject;
            std::string_view name;
            if (field.get_object().get(fieldObject) != simdjson::SUCCESS || !getString(fieldObject, "name", name)) {
                return invalid(where, fmt::format("record '{}': each field needs a \"name\" string", fullName));
            }
            std::string fieldWhere = where.empty() ? std::string(name) : fmt::format("{}.{}", where, name);
            if (!validName(name)) return invalid(fieldWhere, "invalid field name");
            for (const auto& other : parsed) {
                if (other.name == name) return invalid(fieldWhere, "the field is defined twice");
            }
            simdjson::dom::element fieldType;
            if (fieldObject.at_key("type").get(fieldType) != simdjson::SUCCESS) {
                return invalid(fieldWhere, "the field needs a \"type\"");
            }
            FERRIS_ASSIGN_OR_RETURN(int type, parseType(fieldType, innerNamespace, fieldWhere, depth + 1));
            parsed.push_back({std::string(name), type});
        }
        schema_.nodes_[static_cast<size_t>(index)].fields = std::move(parsed);
        return index;
    }

    Result<int> parseEnum(simdjson::dom::object object, const std::string& ns, const std::string& where) {
        std::string innerNamespace;
        FERRIS_ASSIGN_OR_RETURN(std::string fullName, defineName(object, ns, where, innerNamespace));
        simdjson::dom::array symbols;
        if (object.at_key("symbols").get_array().get(symbols) != simdjson::SUCCESS) {
            return invalid(where, fmt::format("enum '{}' needs a \"symbols\" array", fullName));
        }
        AvroNode node;
        node.kind = AvroKind::kEnum;
        node.fullName = fullName;
        for (simdjson::dom::element symbol : symbols) {
            std::string_view text;
            if (symbol.get_string().get(text) != simdjson::SUCCESS || !validName(text)) {
                return invalid(where, fmt::format("enum '{}': symbols must be valid names", fullName));
            }
            if (std::find(node.symbols.begin(), node.symbols.end(), text) != node.symbols.end()) {
                return invalid(where, fmt::format("enum '{}': the symbol '{}' appears twice", fullName, text));
            }
            node.symbols.emplace_back(text);
        }
        int index = addNode(std::move(node));
        named_[fullName] = index;
        return index;
    }

    Result<int> parseFixed(simdjson::dom::object object, const std::string& ns, const std::string& where) {
        std::string innerNamespace;
        FERRIS_ASSIGN_OR_RETURN(std::string fullName, defineName(object, ns, where, innerNamespace));
        int64_t size = 0;
        if (!getInt(object, "size", size) || size < 0 || size > (1 << 30)) {
            return invalid(where, fmt::format("fixed '{}' needs a non-negative integer \"size\"", fullName));
        }
        AvroNode node;
        node.kind = AvroKind::kFixed;
        node.fullName = fullName;
        node.size = static_cast<int>(size);
        std::string_view logical;
        if (getString(object, "logicalType", logical) && logical == "decimal") {
            FERRIS_RETURN_IF_ERROR(decimalAttributes(object, node, where));
        }
        int index = addNode(std::move(node));
        named_[fullName] = index;
        return index;
    }

    /// Fewest encoded bytes of node `index`; `state` marks nodes done (2) or in progress (1).
    uint32_t minBytes(int index, std::vector<int8_t>& state) {
        AvroNode& node = schema_.nodes_[static_cast<size_t>(index)];
        if (state[static_cast<size_t>(index)] == 2) return node.minBytes;
        if (state[static_cast<size_t>(index)] == 1) return 1;  // a record inside itself (never finite)
        state[static_cast<size_t>(index)] = 1;
        uint64_t bytes = 0;
        switch (node.kind) {
            case AvroKind::kNull: bytes = 0; break;
            case AvroKind::kFloat: bytes = 4; break;
            case AvroKind::kDouble: bytes = 8; break;
            case AvroKind::kFixed: bytes = static_cast<uint64_t>(node.size); break;
            case AvroKind::kRecord:
                for (const auto& field : node.fields) {
                    bytes += minBytes(field.type, state);
                    bytes = std::min<uint64_t>(bytes, UINT32_MAX);
                }
                break;
            default: bytes = 1; break;  // boolean, varints, lengths, block counts, union indexes
        }
        AvroNode& again = schema_.nodes_[static_cast<size_t>(index)];  // `nodes_` is not resized here
        again.minBytes = static_cast<uint32_t>(bytes);
        state[static_cast<size_t>(index)] = 2;
        return again.minBytes;
    }

    AvroSchema& schema_;
    simdjson::dom::parser parser_;
    std::unordered_map<std::string, int> named_;
};

Result<std::shared_ptr<const AvroSchema>> AvroSchema::parse(std::string_view json) {
    std::shared_ptr<AvroSchema> schema(new AvroSchema());
    schema->text_ = std::string(json);
    AvroSchemaParser parser(*schema);
    FERRIS_RETURN_IF_ERROR(parser.parse(json));
    return std::shared_ptr<const AvroSchema>(std::move(schema));
}

std::string AvroSchema::describe(int index) const {
    const AvroNode& node = this->node(index);
    switch (node.logical) {
        case AvroLogical::kDecimal:
            return node.kind == AvroKind::kFixed
                       ? fmt::format("decimal({},{}) fixed {}", node.precision, node.scale, node.fullName)
                       : fmt::format("decimal({},{})", node.precision, node.scale);
        case AvroLogical::kTimestampMillis: return "timestamp-millis";
        case AvroLogical::kTimestampMicros: return "timestamp-micros";
        case AvroLogical::kDate: return "date";
        case AvroLogical::kNone: break;
    }
    switch (node.kind) {
        case AvroKind::kRecord:
        case AvroKind::kEnum:
        case AvroKind::kFixed: return fmt::format("{} {}", kindName(node.kind), node.fullName);
        case AvroKind::kArray: return fmt::format("array<{}>", describe(node.items));
        case AvroKind::kMap: return fmt::format("map<{}>", describe(node.items));
        case AvroKind::kUnion: {
            std::string text = "union [";
            for (size_t i = 0; i < node.branches.size(); ++i) {
                if (i > 0) text += ", ";
                text += describe(node.branches[i]);
            }
            return text + "]";
        }
        default: return std::string(kindName(node.kind));
    }
}

Result<AvroSqlType> AvroSchema::sqlType(int index, std::string_view where) const {
    std::vector<int> visiting;
    return sqlType(index, where, visiting);
}

Result<AvroSqlType> AvroSchema::sqlType(int index, std::string_view where, std::vector<int>& visiting) const {
    const AvroNode& node = this->node(index);
    auto unmappable = [&](std::string_view why) -> Status {
        return Status::user(ErrorCode::kNotSupported, fmt::format("field '{}': the Avro type {} has no SQL type ({})",
                                                                  where, describe(index), why));
    };
    switch (node.logical) {
        case AvroLogical::kDecimal:
            if (node.precision > types::kMaxDecimalPrecision) {
                return unmappable(fmt::format("DECIMAL precision is at most {}", types::kMaxDecimalPrecision));
            }
            return AvroSqlType{DataType::decimal(node.precision, node.scale), false};
        case AvroLogical::kTimestampMillis:
        case AvroLogical::kTimestampMicros: return AvroSqlType{DataType::timestamp(), false};
        case AvroLogical::kDate: return AvroSqlType{DataType::date(), false};
        case AvroLogical::kNone: break;
    }
    switch (node.kind) {
        case AvroKind::kNull: return unmappable("null is only a union branch");
        case AvroKind::kBoolean: return AvroSqlType{DataType::boolean(), false};
        case AvroKind::kInt:
        case AvroKind::kLong: return AvroSqlType{DataType::bigint(), false};
        case AvroKind::kFloat:
        case AvroKind::kDouble: return AvroSqlType{DataType::float64(), false};
        case AvroKind::kString:
        case AvroKind::kEnum: return AvroSqlType{DataType::string(), false};
        case AvroKind::kBytes:
        case AvroKind::kFixed: return AvroSqlType{DataType::bytes(), false};
        case AvroKind::kArray: {
            FERRIS_ASSIGN_OR_RETURN(AvroSqlType items, sqlType(node.items, fmt::format("{}[]", where), visiting));
            return AvroSqlType{DataType::array(items.type), false};
        }
        case AvroKind::kMap: {
            FERRIS_ASSIGN_OR_RETURN(AvroSqlType values, sqlType(node.items, fmt::format("{}{{}}", where), visiting));
            return AvroSqlType{DataType::map(values.type), false};
        }
        case AvroKind::kRecord: {
            if (std::find(visiting.begin(), visiting.end(), index) != visiting.end()) {
                return unmappable("a recursive record");
            }
            if (node.fields.empty()) return unmappable("a record without fields");
            visiting.push_back(index);
            std::vector<types::StructField> fields;
            for (const auto& field : node.fields) {
                FERRIS_ASSIGN_OR_RETURN(AvroSqlType type,
                                        sqlType(field.type, fmt::format("{}.{}", where, field.name), visiting));
                fields.push_back({field.name, type.type});
            }
            visiting.pop_back();
            return AvroSqlType{DataType::structOf(std::move(fields)), false};
        }
        case AvroKind::kUnion: {
            AvroSqlType result;
            bool found = false;
            for (int branch : node.branches) {
                if (this->node(branch).kind == AvroKind::kNull) {
                    result.nullable = true;
                    continue;
                }
                FERRIS_ASSIGN_OR_RETURN(AvroSqlType type, sqlType(branch, where, visiting));
                if (found && type.type != result.type) {
                    return unmappable("a union maps to SQL only when its non-null branches have one SQL type");
                }
                result.type = type.type;
                found = true;
            }
            if (!found) return unmappable("null is only a union branch");
            return result;
        }
    }
    return unmappable("unknown kind");
}

Result<std::vector<types::StructField>> AvroSchema::columns() const {
    if (root().kind != AvroKind::kRecord) {
        return Status::user(ErrorCode::kInvalidValue,
                            fmt::format("the Avro schema is a {}, not a record", describe(root_)));
    }
    std::vector<types::StructField> columns;
    for (const auto& field : root().fields) {
        FERRIS_ASSIGN_OR_RETURN(AvroSqlType type, sqlType(field.type, field.name));
        columns.push_back({field.name, type.type});
    }
    return columns;
}

}  // namespace ferris::codec
