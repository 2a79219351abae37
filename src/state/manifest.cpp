#include "state/manifest.h"

#include <charconv>
#include <limits>
#include <set>

#include <fmt/format.h>

#include "common/base64.h"

namespace ferris::state {
namespace {

// ---- writing --------------------------------------------------------------------------------

/// Whether `text` is well-formed UTF-8 (no overlong forms, surrogates or values past U+10FFFF).
bool isValidUtf8(std::string_view text) {
    size_t i = 0;
    while (i < text.size()) {
        auto byte = static_cast<uint8_t>(text[i]);
        if (byte < 0x80) {
            ++i;
            continue;
        }
        size_t length = 0;
        uint32_t codePoint = 0;
        uint32_t minimum = 0;
        if ((byte & 0xE0) == 0xC0) {
            length = 2, codePoint = byte & 0x1F, minimum = 0x80;
        } else if ((byte & 0xF0) == 0xE0) {
            length = 3, codePoint = byte & 0x0F, minimum = 0x800;
        } else if ((byte & 0xF8) == 0xF0) {
            length = 4, codePoint = byte & 0x07, minimum = 0x10000;
        } else {
            return false;
        }
        if (i + length > text.size()) return false;
        for (size_t k = 1; k < length; ++k) {
            auto next = static_cast<uint8_t>(text[i + k]);
            if ((next & 0xC0) != 0x80) return false;
            codePoint = (codePoint << 6) | (next & 0x3F);
        }
        if (codePoint < minimum || codePoint > 0x10FFFF ||
            (codePoint >= 0xD800 && codePoint <= 0xDFFF)) {
            return false;
        }
        i += length;
    }
    return true;
}

void appendJsonString(std::string& out, std::string_view text) {
    out.push_back('"');
    for (char c : text) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            default:
                if (static_cast<uint8_t>(c) < 0x20) {
                    out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
                } else {
                    out.push_back(c);
                }
        }
    }
    out.push_back('"');
}

/// Bytes as a JSON string when they are UTF-8 text, else as {"base64": "..."}.
void appendJsonBytes(std::string& out, std::string_view bytes) {
    if (isValidUtf8(bytes)) {
        appendJsonString(out, bytes);
        return;
    }
    std::string encoded;
    base64Encode(bytes, encoded);
    out += "{\"base64\": ";
    appendJsonString(out, encoded);
    out += "}";
}

void appendFileRef(std::string& out, const StateFileRef& file) {
    out += "{\"file\": ";
    appendJsonString(out, file.name);
    out += fmt::format(", \"bytes\": {}, \"records\": {}}}", file.bytes, file.records);
}

// ---- reading --------------------------------------------------------------------------------

/// A parsed JSON value; numbers are the non-negative integers a manifest holds.
struct JsonValue {
    enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
    Type type = Type::kNull;
    bool boolean = false;
    uint64_t number = 0;
    std::string text;
    std::vector<JsonValue> items;        ///< array elements, or object member values
    std::vector<std::string> keys;       ///< object member names, parallel to `items`

    const JsonValue* member(std::string_view name) const {
        for (size_t i = 0; i < keys.size(); ++i) {
            if (keys[i] == name) return &items[i];
        }
        return nullptr;
    }
};

/// Recursive-descent JSON parser (RFC 8259), except that numbers must be non-negative integers.
class JsonParser {
public:
    explicit JsonParser(std::string_view text) : text_(text) {}

    Status parseDocument(JsonValue& value) {
        FERRIS_RETURN_IF_ERROR(parseValue(value, 0));
        skipSpace();
        if (position_ != text_.size()) return error("expected the end of the document");
        return Status::ok();
    }

private:
    static constexpr int kMaxDepth = 32;

    Status error(std::string_view expected) const { return errorAt(position_, expected); }
    static Status errorAt(size_t offset, std::string_view expected) {
        return Status::ioError(fmt::format("invalid JSON at offset {}: {}", offset, expected));
    }
    void skipSpace() {
        while (position_ < text_.size() &&
               (text_[position_] == ' ' || text_[position_] == '\n' || text_[position_] == '\r' ||
                text_[position_] == '\t')) {
            ++position_;
        }
    }
    bool consume(std::string_view token) {
        if (text_.substr(position_, token.size()) != token) return false;
        position_ += token.size();
        return true;
    }

    Status parseValue(JsonValue& value, int depth) {
        if (depth > kMaxDepth) return error("nesting too deep");
        skipSpace();
        if (position_ >= text_.size()) return error("expected a value, found the end");
        char c = text_[position_];
        if (c == '{') return parseObject(value, depth);
        if (c == '[') return parseArray(value, depth);
        if (c == '"') {
            value.type = JsonValue::Type::kString;
            return parseString(value.text);
        }
        if (consume("true")) {
            value.type = JsonValue::Type::kBool;
            value.boolean = true;
            return Status::ok();
        }
        if (consume("false")) {
            value.type = JsonValue::Type::kBool;
            value.boolean = false;
            return Status::ok();
        }
        if (consume("null")) {
            value.type = JsonValue::Type::kNull;
            return Status::ok();
        }
        if (c >= '0' && c <= '9') return parseNumber(value);
        return error("expected a value");
    }

    Status parseNumber(JsonValue& value) {
        size_t start = position_;
        while (position_ < text_.size() && text_[position_] >= '0' && text_[position_] <= '9') {
            ++position_;
        }
        if (position_ < text_.size() &&
            (text_[position_] == '.' || text_[position_] == 'e' || text_[position_] == 'E')) {
            return error("expected a non-negative integer");
        }
        if (position_ - start > 1 && text_[start] == '0') return error("leading zero in number");
        auto [end, ec] = std::from_chars(text_.data() + start, text_.data() + position_,
                                         value.number);
        if (ec != std::errc() || end != text_.data() + position_) {
            position_ = start;
            return error("integer out of range");
        }
        value.type = JsonValue::Type::kNumber;
        return Status::ok();
    }

    Status parseHex4(uint32_t& unit) {
        if (position_ + 4 > text_.size()) return error("expected four hex digits after \\u");
        unit = 0;
        for (int i = 0; i < 4; ++i) {
            char c = text_[position_++];
            unit <<= 4;
            if (c >= '0' && c <= '9') {
                unit |= static_cast<uint32_t>(c - '0');
            } else if (c >= 'a' && c <= 'f') {
                unit |= static_cast<uint32_t>(c - 'a' + 10);
            } else if (c >= 'A' && c <= 'F') {
                unit |= static_cast<uint32_t>(c - 'A' + 10);
            } else {
                --position_;
                return error("expected a hex digit");
            }
        }
        return Status::ok();
    }

    static void appendUtf8(std::string& out, uint32_t codePoint) {
        if (codePoint < 0x80) {
            out.push_back(static_cast<char>(codePoint));
        } else if (codePoint < 0x800) {
            out.push_back(static_cast<char>(0xC0 | (codePoint >> 6)));
            out.push_back(static_cast<char>(0x80 | (codePoint & 0x3F)));
        } else if (codePoint < 0x10000) {
            out.push_back(static_cast<char>(0xE0 | (codePoint >> 12)));
            out.push_back(static_cast<char>(0x80 | ((codePoint >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (codePoint & 0x3F)));
        } else {
            out.push_back(static_cast<char>(0xF0 | (codePoint >> 18)));
            out.push_back(static_cast<char>(0x80 | ((codePoint >> 12) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | ((codePoint >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (codePoint & 0x3F)));
        }
    }

    Status parseString(std::string& out) {
        size_t start = position_;
        ++position_;  // the opening quote
        out.clear();
        while (true) {
            if (position_ >= text_.size()) return errorAt(start, "unterminated string");
            char c = text_[position_++];
            if (c == '"') return Status::ok();
            if (static_cast<uint8_t>(c) < 0x20) {
                --position_;
                return error("control character in string");
            }
            if (c != '\\') {
                out.push_back(c);
                continue;
            }
            if (position_ >= text_.size()) return error("unterminated escape");
            char escape = text_[position_++];
            switch (escape) {
                case '"': out.push_back('"'); break;
                case '\\': out.push_back('\\'); break;
                case '/': out.push_back('/'); break;
                case 'b': out.push_back('\b'); break;
                case 'f': out.push_back('\f'); break;
                case 'n': out.push_back('\n'); break;
                case 'r': out.push_back('\r'); break;
                case 't': out.push_back('\t'); break;
                case 'u': {
                    uint32_t unit = 0;
                    FERRIS_RETURN_IF_ERROR(parseHex4(unit));
                    if (unit >= 0xD800 && unit <= 0xDBFF) {
                        uint32_t low = 0;
                        if (!consume("\\u")) return error("expected a low surrogate");
                        FERRIS_RETURN_IF_ERROR(parseHex4(low));
                        if (low < 0xDC00 || low > 0xDFFF) return error("expected a low surrogate");
                        unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                    } else if (unit >= 0xDC00 && unit <= 0xDFFF) {
                        return error("unpaired low surrogate");
                    }
                    appendUtf8(out, unit);
                    break;
                }
                default: --position_; return error("invalid escape");
            }
        }
    }

    Status parseArray(JsonValue& value, int depth) {
        ++position_;
        value.type = JsonValue::Type::kArray;
        skipSpace();
        if (consume("]")) return Status::ok();
        while (true) {
            value.items.emplace_back();
            FERRIS_RETURN_IF_ERROR(parseValue(value.items.back(), depth + 1));
            skipSpace();
            if (consume("]")) return Status::ok();
            if (!consume(",")) return error("expected ',' or ']'");
        }
    }

    Status parseObject(JsonValue& value, int depth) {
        ++position_;
        value.type = JsonValue::Type::kObject;
        skipSpace();
        if (consume("}")) return Status::ok();
        while (true) {
            skipSpace();
            if (position_ >= text_.size() || text_[position_] != '"') {
                return error("expected a member name");
            }
            value.keys.emplace_back();
            FERRIS_RETURN_IF_ERROR(parseString(value.keys.back()));
            skipSpace();
            if (!consume(":")) return error("expected ':'");
            value.items.emplace_back();
            FERRIS_RETURN_IF_ERROR(parseValue(value.items.back(), depth + 1));
            skipSpace();
            if (consume("}")) return Status::ok();
            if (!consume(",")) return error("expected ',' or '}'");
        }
    }

    std::string_view text_;
    size_t position_ = 0;
};

/// Reads the manifest's fields out of the parsed JSON, naming the field in each error.
class ManifestReader {
public:
    Status field(const JsonValue& object, std::string_view name, JsonValue::Type type,
                 const JsonValue*& out) const {
        out = object.member(name);
        if (out == nullptr) return Status::ioError(fmt::format("missing field \"{}\"", name));
        if (out->type != type) {
            return Status::ioError(fmt::format("field \"{}\" is not {}", name, typeName(type)));
        }
        return Status::ok();
    }

    Status number(const JsonValue& object, std::string_view name, uint64_t& out) const {
        const JsonValue* value = nullptr;
        FERRIS_RETURN_IF_ERROR(field(object, name, JsonValue::Type::kNumber, value));
        out = value->number;
        return Status::ok();
    }

    /// A string, or {"base64": "..."} for bytes that are not UTF-8.
    Status bytes(const JsonValue& value, std::string_view name, std::string& out) const {
        if (value.type == JsonValue::Type::kString) {
            out = value.text;
            return Status::ok();
        }
        const JsonValue* encoded = nullptr;
        if (value.type == JsonValue::Type::kObject &&
            field(value, "base64", JsonValue::Type::kString, encoded).isOk() &&
            base64Decode(encoded->text, out)) {
            return Status::ok();
        }
        return Status::ioError(
            fmt::format("field \"{}\" is neither a string nor {{\"base64\": ...}}", name));
    }

    Status fileRef(const JsonValue& value, StoreId storeId, bool snapshot,
                   StateFileRef& out) const {
        if (value.type != JsonValue::Type::kObject) {
            return Status::ioError(fmt::format("a file entry of store {} is not an object",
                                               storeId));
        }
        const JsonValue* name = nullptr;
        FERRIS_RETURN_IF_ERROR(field(value, "file", JsonValue::Type::kString, name));
        StoreId nameStore = 0;
        bool nameSnapshot = false;
        if (!isStateFileName(name->text, &nameStore, &nameSnapshot) || nameStore != storeId ||
            nameSnapshot != snapshot) {
            return Status::ioError(fmt::format("\"{}\" is not a {} file name of store {}",
                                               name->text, snapshot ? "snapshot" : "delta",
                                               storeId));
        }
        out.name = name->text;
        FERRIS_RETURN_IF_ERROR(number(value, "bytes", out.bytes));
        return number(value, "records", out.records);
    }

private:
    static std::string_view typeName(JsonValue::Type type) {
        switch (type) {
            case JsonValue::Type::kNull: return "null";
            case JsonValue::Type::kBool: return "a boolean";
            case JsonValue::Type::kNumber: return "a non-negative integer";
            case JsonValue::Type::kString: return "a string";
            case JsonValue::Type::kArray: return "an array";
            case JsonValue::Type::kObject: return "an object";
        }
        return "?";
    }
};

Result<Manifest> decodeManifestFields(const JsonValue& root) {
    ManifestReader reader;
    if (root.type != JsonValue::Type::kObject) return Status::ioError("not a JSON object");
    Manifest manifest;
    uint64_t version = 0;
    FERRIS_RETURN_IF_ERROR(reader.number(root, "format_version", version));
    if (version == 0 || version > Manifest::kFormatVersion) {
        return Status::ioError(fmt::format(
            "format version {} is not readable by this build (it reads versions 1 to {})",
            version, Manifest::kFormatVersion));
    }
    manifest.formatVersion = static_cast<uint32_t>(version);
    FERRIS_RETURN_IF_ERROR(reader.number(root, "checkpoint_id", manifest.checkpointId));
    if (manifest.checkpointId == 0) return Status::ioError("checkpoint_id is 0");

    const JsonValue* value = root.member("fingerprint");
    if (value == nullptr) return Status::ioError("missing field \"fingerprint\"");
    FERRIS_RETURN_IF_ERROR(reader.bytes(*value, "fingerprint", manifest.info.fingerprint));
    FERRIS_RETURN_IF_ERROR(reader.field(root, "finished", JsonValue::Type::kBool, value));
    manifest.info.finished = value->boolean;

    FERRIS_RETURN_IF_ERROR(reader.field(root, "blobs", JsonValue::Type::kObject, value));
    for (size_t i = 0; i < value->keys.size(); ++i) {
        std::string blob;
        FERRIS_RETURN_IF_ERROR(reader.bytes(value->items[i], value->keys[i], blob));
        if (!manifest.info.blobs.emplace(value->keys[i], std::move(blob)).second) {
            return Status::ioError(fmt::format("blob \"{}\" appears twice", value->keys[i]));
        }
    }

    const JsonValue* stores = nullptr;
    FERRIS_RETURN_IF_ERROR(reader.field(root, "stores", JsonValue::Type::kArray, stores));
    std::set<std::string> names;
    for (const JsonValue& store : stores->items) {
        if (store.type != JsonValue::Type::kObject) {
            return Status::ioError("an entry of \"stores\" is not an object");
        }
        uint64_t id = 0;
        FERRIS_RETURN_IF_ERROR(reader.number(store, "store_id", id));
        if (id > std::numeric_limits<StoreId>::max()) {
            return Status::ioError(fmt::format("store_id {} is out of range", id));
        }
        auto storeId = static_cast<StoreId>(id);
        auto [entry, inserted] = manifest.stores.try_emplace(storeId);
        if (!inserted) return Status::ioError(fmt::format("store {} appears twice", storeId));
        StoreFiles& files = entry->second;
        const JsonValue* snapshot = store.member("snapshot");
        if (snapshot == nullptr) return Status::ioError("missing field \"snapshot\"");
        if (snapshot->type != JsonValue::Type::kNull) {
            files.snapshot.emplace();
            FERRIS_RETURN_IF_ERROR(reader.fileRef(*snapshot, storeId, true, *files.snapshot));
        }
        const JsonValue* deltas = nullptr;
        FERRIS_RETURN_IF_ERROR(reader.field(store, "deltas", JsonValue::Type::kArray, deltas));
        for (const JsonValue& delta : deltas->items) {
            FERRIS_RETURN_IF_ERROR(reader.fileRef(delta, storeId, false, files.deltas.emplace_back()));
        }
        if (!files.snapshot && files.deltas.empty()) {
            return Status::ioError(fmt::format("store {} lists no files", storeId));
        }
        if (files.snapshot && !names.insert(files.snapshot->name).second) {
            return Status::ioError(fmt::format("file {} is listed twice", files.snapshot->name));
        }
        for (const StateFileRef& delta : files.deltas) {
            if (!names.insert(delta.name).second) {
                return Status::ioError(fmt::format("file {} is listed twice", delta.name));
            }
        }
    }
    return manifest;
}

/// Parses a decimal number without sign or leading zeros; false otherwise.
bool parseCanonicalNumber(std::string_view digits, uint64_t& out) {
    if (digits.empty() || (digits.size() > 1 && digits[0] == '0')) return false;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
    return ec == std::errc() && end == digits.data() + digits.size();
}

}  // namespace

uint64_t StoreFiles::deltaBytes() const {
    uint64_t total = 0;
    for (const StateFileRef& delta : deltas) total += delta.bytes;
    return total;
}

std::string encodeManifest(const Manifest& manifest) {
    std::string out;
    out += fmt::format("{{\n  \"format_version\": {},\n  \"checkpoint_id\": {},\n",
                       manifest.formatVersion, manifest.checkpointId);
    out += "  \"fingerprint\": ";
    appendJsonBytes(out, manifest.info.fingerprint);
    out += fmt::format(",\n  \"finished\": {},\n  \"blobs\": {{", manifest.info.finished);
    bool first = true;
    for (const auto& [name, blob] : manifest.info.blobs) {
        out += first ? "\n    " : ",\n    ";
        first = false;
        appendJsonString(out, name);
        out += ": ";
        appendJsonBytes(out, blob);
    }
    out += first ? "},\n" : "\n  },\n";
    out += "  \"stores\": [";
    first = true;
    for (const auto& [storeId, files] : manifest.stores) {
        out += first ? "\n    " : ",\n    ";
        first = false;
        out += fmt::format("{{\n      \"store_id\": {},\n      \"snapshot\": ", storeId);
        if (files.snapshot) {
            appendFileRef(out, *files.snapshot);
        } else {
            out += "null";
        }
        out += ",\n      \"deltas\": [";
        for (size_t i = 0; i < files.deltas.size(); ++i) {
            out += i == 0 ? "\n        " : ",\n        ";
            appendFileRef(out, files.deltas[i]);
        }
        out += files.deltas.empty() ? "]\n    }" : "\n      ]\n    }";
    }
    out += first ? "]\n}\n" : "\n  ]\n}\n";
    return out;
}

Result<Manifest> decodeManifest(std::string_view text, std::string_view origin) {
    JsonValue root;
    JsonParser parser(text);
    Status parsed = parser.parseDocument(root);
    if (!parsed.isOk()) {
        return parsed.withContext(fmt::format("manifest {} is unreadable", origin));
    }
    Result<Manifest> manifest = decodeManifestFields(root);
    if (!manifest.isOk()) {
        return manifest.status().withContext(fmt::format("manifest {} is invalid", origin));
    }
    return manifest;
}

std::string stateFileName(StoreId storeId, uint64_t checkpointId, bool snapshot) {
    return fmt::format("s{}-{}.{}", storeId, checkpointId, snapshot ? "snap" : "delta");
}

bool isStateFileName(std::string_view name, StoreId* storeId, bool* snapshot) {
    bool isSnapshot = false;
    if (name.ends_with(".snap")) {
        isSnapshot = true;
        name.remove_suffix(5);
    } else if (name.ends_with(".delta")) {
        name.remove_suffix(6);
    } else {
        return false;
    }
    if (!name.starts_with('s')) return false;
    name.remove_prefix(1);
    size_t dash = name.find('-');
    if (dash == std::string_view::npos) return false;
    uint64_t store = 0;
    uint64_t checkpoint = 0;
    if (!parseCanonicalNumber(name.substr(0, dash), store) ||
        !parseCanonicalNumber(name.substr(dash + 1), checkpoint) ||
        store > std::numeric_limits<StoreId>::max() || checkpoint == 0) {
        return false;
    }
    if (storeId != nullptr) *storeId = static_cast<StoreId>(store);
    if (snapshot != nullptr) *snapshot = isSnapshot;
    return true;
}

}  // namespace ferris::state
