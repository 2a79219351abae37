// JSON functions over JSON text in STRING columns: JSON_VALUE, JSON_EXTRACT, JSON_EXISTS.
//
// Paths: `$` (the whole document), then any number of steps: `.name` (letters, digits, `_`,
// `$` and non-ASCII characters), `."any name"`, `['any name']` / `["any name"]` (a backslash
// takes the next character literally) and `[n]` (a 0-based array index). No wildcards,
// filters or negative indexes. A literal path is parsed once when the call is resolved (a
// syntax error is a resolve error naming the 1-based character position); a path from the
// data is parsed per distinct value, and a bad one is an invalid_argument row error.
//
// Documents: the whole text must be one valid JSON value (RFC 8259; nesting at most
// kMaxJsonDepth deep), whatever part of it the path reads. A malformed document is not a row
// error: every function returns NULL for it (JSON data in a stream is often dirty, and NULL
// lets COALESCE and IS NULL handle it; JSON_EXISTS returns NULL rather than FALSE so that
// NOT JSON_EXISTS(…) does not select malformed rows). When a member name repeats, the first
// one counts. Parsed with simdjson On-Demand from a padded copy owned by the kernel; results
// are views of the input wherever the text can be used as found.

#include <fmt/format.h>
#include <simdjson.h>

#include <cctype>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "expr/function_registry.h"
#include "expr/kernel_util.h"

namespace ferris::expr {

using types::DataType;
using types::TypeId;
using types::Vector;

namespace {

namespace ondemand = simdjson::ondemand;
using simdjson::SUCCESS;
using Text = std::string_view;

/// Documents nested deeper than this are treated as malformed (bounds the recursion).
constexpr int kMaxJsonDepth = 256;

// ---- paths ----------------------------------------------------------------------------------

/// One step of a JSON path: a member name, or a 0-based array index.
struct JsonPathStep {
    bool isIndex = false;
    std::string name;
    uint64_t index = 0;
};

using JsonPath = std::vector<JsonPathStep>;

/// 1-based character (code point) position of byte `offset` of `text`.
size_t characterPosition(std::string_view text, size_t offset) {
    size_t position = 1;
    for (size_t i = 0; i < offset && i < text.size(); ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++position;
    }
    return position;
}

bool isNameByte(char c) {
    auto byte = static_cast<unsigned char>(c);
    return std::isalnum(byte) || c == '_' || c == '$' || byte >= 0x80;
}

/// Parses a JSON path (grammar in the file comment).
Result<JsonPath> parseJsonPath(std::string_view text) {
    size_t at = 0;
    auto fail = [&](std::string_view expected) -> Status {
        std::string found = at < text.size() ? fmt::format("'{}'", text[at]) : "the end";
        return Status::user(
            ErrorCode::kInvalidArgument,
            fmt::format("invalid JSON path '{}': expected {} at position {}, found {}", text,
                        expected, characterPosition(text, at), found));
    };
    // A quoted name starting at text[at] (the quote); leaves `at` after the closing quote.
    auto quoted = [&](std::string& out) -> Status {
        char quote = text[at++];
        while (at < text.size() && text[at] != quote) {
            if (text[at] == '\\') {
                if (++at == text.size()) break;
            }
            out += text[at++];
        }
        if (at == text.size()) return fail(fmt::format("a closing {}", quote));
        ++at;
        return Status::ok();
    };
    if (text.empty() || text[0] != '$') return fail("'$'");
    ++at;
    JsonPath path;
    while (at < text.size()) {
        JsonPathStep step;
        if (text[at] == '.') {
            ++at;
            if (at < text.size() && text[at] == '"') {
                FERRIS_RETURN_IF_ERROR(quoted(step.name));
            } else {
                size_t start = at;
                while (at < text.size() && isNameByte(text[at])) ++at;
                if (at == start) return fail("a member name");
                step.name = std::string(text.substr(start, at - start));
            }
        } else if (text[at] == '[') {
            ++at;
            if (at < text.size() && (text[at] == '\'' || text[at] == '"')) {
                FERRIS_RETURN_IF_ERROR(quoted(step.name));
            } else if (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at]))) {
                step.isIndex = true;
                size_t start = at;
                for (; at < text.size() && std::isdigit(static_cast<unsigned char>(text[at]));
                     ++at) {
                    auto digit = static_cast<uint64_t>(text[at] - '0');
                    if (step.index > (uint64_t{1} << 62) / 10) {
                        at = start;
                        return fail("an array index below 2^62");
                    }
                    step.index = step.index * 10 + digit;
                }
            } else {
                return fail("an array index or a quoted member name");
            }
            if (at >= text.size() || text[at] != ']') return fail("']'");
            ++at;
        } else {
            return fail("'.' or '['");
        }
        path.push_back(std::move(step));
    }
    return path;
}

// ---- documents ------------------------------------------------------------------------------

bool isJsonSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string_view trimJsonSpace(std::string_view text) {
    while (!text.empty() && isJsonSpace(text.front())) text.remove_prefix(1);
    while (!text.empty() && isJsonSpace(text.back())) text.remove_suffix(1);
    return text;
}

/// Whether `token` is a JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
bool isJsonNumber(std::string_view token) {
    size_t i = 0;
    auto digits = [&] {
        size_t start = i;
        while (i < token.size() && token[i] >= '0' && token[i] <= '9') ++i;
        return i > start;
    };
    if (i < token.size() && token[i] == '-') ++i;
    if (i < token.size() && token[i] == '0') {
        ++i;
    } else if (!digits()) {
        return false;
    }
    if (i < token.size() && token[i] == '.') {
        ++i;
        if (!digits()) return false;
    }
    if (i < token.size() && (token[i] == 'e' || token[i] == 'E')) {
        ++i;
        if (i < token.size() && (token[i] == '+' || token[i] == '-')) ++i;
        if (!digits()) return false;
    }
    return i == token.size();
}

/// Whether a scalar's token (trailing space trimmed) is valid for its type. Strings are
/// checked here for raw control characters; their escapes are checked by unescaping them.
bool isValidScalar(ondemand::json_type type, std::string_view token) {
    switch (type) {
        case ondemand::json_type::number: return isJsonNumber(token);
        case ondemand::json_type::boolean: return token == "true" || token == "false";
        case ondemand::json_type::null: return token == "null";
        case ondemand::json_type::string:
            for (char c : token) {
                if (static_cast<unsigned char>(c) < 0x20) return false;
            }
            return true;
        default: return false;
    }
}

bool validateValue(ondemand::value value, int depth);

bool validateObject(ondemand::object object, int depth) {
    for (auto field : object) {
        ondemand::field member;
        std::string_view name;
        if (std::move(field).get(member) != SUCCESS ||
            member.unescaped_key().get(name) != SUCCESS) {
            return false;
        }
        if (!validateValue(member.value(), depth)) return false;
    }
    return true;
}

bool validateArray(ondemand::array array, int depth) {
    for (auto element : array) {
        ondemand::value value;
        if (std::move(element).get(value) != SUCCESS || !validateValue(value, depth)) return false;
    }
    return true;
}

/// Reads all of `value` (nested at `depth`), checking that it is valid JSON.
bool validateValue(ondemand::value value, int depth) {
    ondemand::json_type type;
    if (value.type().get(type) != SUCCESS) return false;
    if (type == ondemand::json_type::object || type == ondemand::json_type::array) {
        if (depth >= kMaxJsonDepth) return false;
        if (type == ondemand::json_type::object) {
            ondemand::object object;
            return value.get_object().get(object) == SUCCESS && validateObject(object, depth + 1);
        }
        ondemand::array array;
        return value.get_array().get(array) == SUCCESS && validateArray(array, depth + 1);
    }
    if (!isValidScalar(type, trimJsonSpace(value.raw_json_token()))) return false;
    std::string_view unescaped;
    return type != ondemand::json_type::string || value.get_string().get(unescaped) == SUCCESS;
}

/// What a path found in a document.
enum class JsonLookup : uint8_t { kMalformed, kMissing, kFound };

/// The value a path found.
struct JsonMatch {
    ondemand::json_type type = ondemand::json_type::null;
    /// The value's JSON text as found (a view of the input), surrounding space trimmed.
    std::string_view text;
    /// For a string, when asked for: its unescaped value — a view of the input when it has no
    /// escapes, else of the parser's buffer (valid until the next lookup).
    std::string_view string;
    bool stringInInput = false;  ///< `string` is a view of the input
};

/// Finds values in JSON documents, one document at a time, reusing one simdjson parser and
/// one padded copy of the input (simdjson reads up to SIMDJSON_PADDING bytes past the end).
class JsonFinder {
public:
    JsonLookup find(std::string_view json, const JsonPath& path, bool unescape, JsonMatch& match) {
        if (!load(json)) return JsonLookup::kMalformed;
        if (path.empty()) return matchDocument(unescape, match);
        ondemand::value current;
        JsonLookup found = step(document_, path[0], current);
        for (size_t i = 1; i < path.size() && found == JsonLookup::kFound; ++i) {
            ondemand::value parent = current;
            found = step(parent, path[i], current);
        }
        if (found != JsonLookup::kFound) return found;
        return matchValue(current, unescape, match);
    }

private:
    /// Copies `json` into the padded buffer, parses and validates all of it, and rewinds.
    bool load(std::string_view json) {
        if (capacity_ < json.size() + simdjson::SIMDJSON_PADDING) {
            capacity_ = std::max(json.size() + simdjson::SIMDJSON_PADDING, 2 * capacity_);
            buffer_ = std::make_unique<char[]>(capacity_);
        }
        if (!json.empty()) std::memcpy(buffer_.get(), json.data(), json.size());
        std::memset(buffer_.get() + json.size(), 0, simdjson::SIMDJSON_PADDING);
        input_ = json;
        if (parser_.iterate(buffer_.get(), json.size(), capacity_).get(document_) != SUCCESS) {
            return false;
        }
        if (!validateDocument()) return false;
        document_.rewind();
        return true;
    }

    bool validateDocument() {
        ondemand::json_type type;
        if (document_.type().get(type) != SUCCESS) return false;
        if (type == ondemand::json_type::object) {
            ondemand::object object;
            if (document_.get_object().get(object) != SUCCESS || !validateObject(object, 1)) {
                return false;
            }
        } else if (type == ondemand::json_type::array) {
            ondemand::array array;
            if (document_.get_array().get(array) != SUCCESS || !validateArray(array, 1)) {
                return false;
            }
        } else {
            // A scalar document: its one token must be all of the text.
            std::string_view token;
            if (document_.raw_json_token().get(token) != SUCCESS) return false;
            token = trimJsonSpace(token);
            std::string_view all = trimJsonSpace(input());
            if (token.data() + token.size() != all.data() + all.size()) return false;
            if (!isValidScalar(type, token)) return false;
            std::string_view unescaped;
            return type != ondemand::json_type::string ||
                   document_.get_string().get(unescaped) == SUCCESS;
        }
        // Nothing may follow the root object or array.
        const char* trailing = nullptr;
        return document_.current_location().get(trailing) != SUCCESS;
    }

    /// The padded copy of the input.
    std::string_view input() const { return {buffer_.get(), input_.size()}; }

    /// The same bytes as `view` (a view of the padded copy) in the caller's input.
    std::string_view toInput(std::string_view view) const {
        return input_.substr(static_cast<size_t>(view.data() - buffer_.get()), view.size());
    }

    /// Moves from `node` (the document or a value) to its member or element named by `step`.
    template <typename Node>
    JsonLookup step(Node& node, const JsonPathStep& step, ondemand::value& out) {
        if (!step.isIndex) {
            ondemand::object object;
            if (node.get_object().get(object) != SUCCESS) return JsonLookup::kMissing;
            for (auto field : object) {
                ondemand::field member;
                std::string_view name;
                if (std::move(field).get(member) != SUCCESS ||
                    member.unescaped_key().get(name) != SUCCESS) {
                    return JsonLookup::kMalformed;
                }
                if (name == step.name) {
                    out = member.value();
                    return JsonLookup::kFound;
                }
            }
            return JsonLookup::kMissing;
        }
        ondemand::array array;
        if (node.get_array().get(array) != SUCCESS) return JsonLookup::kMissing;
        uint64_t index = 0;
        for (auto element : array) {
            ondemand::value value;
            if (std::move(element).get(value) != SUCCESS) return JsonLookup::kMalformed;
            if (index++ == step.index) {
                out = value;
                return JsonLookup::kFound;
            }
        }
        return JsonLookup::kMissing;
    }

    /// Fills `match.string` for a string whose JSON text (with quotes) is `match.text`.
    template <typename Node>
    JsonLookup unescapeString(Node& node, JsonMatch& match) {
        if (match.text.find('\\') == std::string_view::npos) {
            match.string = match.text.substr(1, match.text.size() - 2);
            match.stringInInput = true;
            return JsonLookup::kFound;
        }
        return node.get_string().get(match.string) == SUCCESS ? JsonLookup::kFound
                                                              : JsonLookup::kMalformed;
    }

    JsonLookup matchValue(ondemand::value& value, bool unescape, JsonMatch& match) {
        if (value.type().get(match.type) != SUCCESS) return JsonLookup::kMalformed;
        std::string_view raw;
        simdjson::error_code error = SUCCESS;
        if (match.type == ondemand::json_type::object) {
            ondemand::object object;
            error = value.get_object().get(object);
            if (error == SUCCESS) error = object.raw_json().get(raw);
        } else if (match.type == ondemand::json_type::array) {
            ondemand::array array;
            error = value.get_array().get(array);
            if (error == SUCCESS) error = array.raw_json().get(raw);
        } else {
            raw = value.raw_json_token();
        }
        if (error != SUCCESS) return JsonLookup::kMalformed;
        match.text = toInput(trimJsonSpace(raw));
        if (unescape && match.type == ondemand::json_type::string) {
            return unescapeString(value, match);
        }
        return JsonLookup::kFound;
    }

    JsonLookup matchDocument(bool unescape, JsonMatch& match) {
        if (document_.type().get(match.type) != SUCCESS) return JsonLookup::kMalformed;
        match.text = toInput(trimJsonSpace(input()));
        if (unescape && match.type == ondemand::json_type::string) {
            return unescapeString(document_, match);
        }
        return JsonLookup::kFound;
    }

    ondemand::parser parser_;
    ondemand::document document_;
    std::unique_ptr<char[]> buffer_;
    size_t capacity_ = 0;
    std::string_view input_;
};

/// JSON text without the space between tokens (string contents kept as written).
std::string_view minifyJson(types::StringArena& arena, std::string_view text) {
    bool hasSpace = false;
    for (char c : text) hasSpace |= isJsonSpace(c);
    if (!hasSpace) return text;
    char* out = arena.allocate(text.size());
    size_t size = 0;
    bool inString = false;
    bool escaped = false;
    for (char c : text) {
        if (inString) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                inString = false;
            }
        } else if (c == '"') {
            inString = true;
        } else if (isJsonSpace(c)) {
            continue;
        }
        out[size++] = c;
    }
    arena.shrinkLast(out + size);
    return {out, size};
}

// ---- kernels --------------------------------------------------------------------------------

enum class JsonFunction : uint8_t { kValue, kExtract, kExists };

/// The kernel of one JSON function: (json STRING, path STRING) rows; the path is the literal
/// parsed at resolve, or each row's path, parsed when it differs from the previous row's.
template <JsonFunction kFunction>
class JsonKernel final : public Kernel {
public:
    JsonKernel(std::string name, std::optional<JsonPath> literalPath)
        : name_(std::move(name)), literalPath_(std::move(literalPath)) {}

    void apply(EvalContext& context, std::span<const uint32_t> rows,
               std::span<const Vector* const> args, Vector& out) override {
        const auto* documents = args[0]->values<Text>();
        const auto* paths = args[1]->values<Text>();
        for (uint32_t row : rows) {
            const JsonPath* path =
                literalPath_ ? &*literalPath_ : rowPath(context, row, paths[row]);
            if (path == nullptr) {
                out.setNull(row);
                continue;
            }
            JsonMatch match;
            JsonLookup found =
                finder_.find(documents[row], *path, kFunction == JsonFunction::kValue, match);
            if constexpr (kFunction == JsonFunction::kExists) {
                if (found == JsonLookup::kMalformed) {
                    out.setNull(row);
                } else {
                    out.values<uint8_t>()[row] = found == JsonLookup::kFound;
                }
            } else if constexpr (kFunction == JsonFunction::kExtract) {
                if (found != JsonLookup::kFound) {
                    out.setNull(row);
                } else {
                    out.values<Text>()[row] = minifyJson(context.arena(), match.text);
                }
            } else {
                writeValue(context, row, found, match, out);
            }
        }
    }

private:
    /// JSON_VALUE: a scalar as SQL text; NULL for null, objects, arrays and no match.
    static void writeValue(EvalContext& context, uint32_t row, JsonLookup found,
                           const JsonMatch& match, Vector& out) {
        if (found != JsonLookup::kFound) {
            out.setNull(row);
            return;
        }
        auto& result = out.values<Text>()[row];
        switch (match.type) {
            case ondemand::json_type::string:
                // A view of the input when unescaping changed nothing, else an arena copy.
                result = match.stringInInput ? match.string : context.arena().copy(match.string);
                return;
            case ondemand::json_type::number:
            case ondemand::json_type::boolean: result = match.text; return;
            default: out.setNull(row); return;
        }
    }

    const JsonPath* rowPath(EvalContext& context, uint32_t row, Text text) {
        if (!cacheValid_ || cachedText_ != text) {
            cachedText_.assign(text);
            cacheValid_ = true;
            auto parsed = parseJsonPath(text);
            if (parsed.isOk()) {
                cachedPath_ = std::move(parsed).value();
                cachedError_.clear();
            } else {
                cachedError_ = fmt::format("{}: {}", name_, parsed.status().message());
            }
        }
        if (!cachedError_.empty()) {
            context.error(row, ErrorCode::kInvalidArgument, cachedError_);
            return nullptr;
        }
        return &cachedPath_;
    }

    std::string name_;
    std::optional<JsonPath> literalPath_;
    JsonFinder finder_;
    bool cacheValid_ = false;
    std::string cachedText_;
    JsonPath cachedPath_;
    std::string cachedError_;
};

template <JsonFunction kFunction>
Result<BoundFunction> resolveJson(const FunctionEntry& self, std::span<const ArgInfo> args) {
    if (args.size() != 2) return noMatchingOverload(self, args);
    for (const auto& arg : args) {
        if (!arg.type.isNull() && arg.type.id() != TypeId::kString) {
            return noMatchingOverload(self, args);
        }
    }
    std::optional<JsonPath> literalPath;
    const auto& path = args[1].literal;
    if (path && !path->isNull() && path->type().id() == TypeId::kString) {
        auto parsed = parseJsonPath(path->asString());
        if (!parsed.isOk()) {
            return Status::user(ErrorCode::kInvalidArgument,
                                fmt::format("{}: {}", self.name, parsed.status().message()));
        }
        literalPath = std::move(parsed).value();
    }
    BoundFunction bound;
    bound.name = self.name;
    bound.argTypes = {DataType::string(), DataType::string()};
    bound.resultType =
        kFunction == JsonFunction::kExists ? DataType::boolean() : DataType::string();
    bound.makeKernel = [name = self.name, literalPath]() -> KernelPtr {
        return std::make_unique<JsonKernel<kFunction>>(name, literalPath);
    };
    return bound;
}

void addFunction(FunctionRegistry& registry, std::string name, std::string signature,
                 std::string description,
                 Result<BoundFunction> (*resolve)(const FunctionEntry&, std::span<const ArgInfo>)) {
    FunctionEntry entry;
    entry.name = std::move(name);
    entry.category = "json";
    entry.signatures = {std::move(signature)};
    entry.description = std::move(description);
    entry.resolve = resolve;
    registry.add(std::move(entry));
}

}  // namespace

void registerJsonFunctions(FunctionRegistry& registry) {
    addFunction(registry, "JSON_VALUE", "JSON_VALUE(STRING, STRING) -> STRING",
                "the scalar at a JSON path as text (strings unescaped, numbers as written); NULL "
                "for null, objects, arrays, a missing path or malformed JSON",
                resolveJson<JsonFunction::kValue>);
    addFunction(registry, "JSON_EXTRACT", "JSON_EXTRACT(STRING, STRING) -> STRING",
                "the JSON text of the value at a JSON path, minified; NULL for a missing path or "
                "malformed JSON",
                resolveJson<JsonFunction::kExtract>);
    addFunction(registry, "JSON_EXISTS", "JSON_EXISTS(STRING, STRING) -> BOOLEAN",
                "whether a JSON path exists in the document (also when its value is null); NULL "
                "for malformed JSON",
                resolveJson<JsonFunction::kExists>);
}

}  // namespace ferris::expr
