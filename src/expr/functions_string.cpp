// String functions (DESIGN.md §1.3): UPPER, LOWER, LENGTH, SUBSTRING, CONCAT, TRIM/LTRIM/RTRIM,
// REPLACE, LEFT, RIGHT, LPAD, RPAD, POSITION, SPLIT, SPLIT_PART, STARTS_WITH, ENDS_WITH. The
// REGEXP_* functions live in functions_regex.cpp and are registered from here.
//
// Strings are UTF-8 and every length, position and count is in Unicode code points
// (§1.4.1). Results that are a piece of an argument are views of it (zero-copy); new text
// is written to the batch arena. Semantics follow PostgreSQL where the SQL standard is
// silent; the exceptions are noted on each function.

#include <fmt/format.h>

#include <array>
#include <cstring>
#include <limits>
#include <tuple>
#include <utility>

#include "expr/cast.h"
#include "expr/function_registry.h"
#include "expr/kernel_util.h"

namespace ferris::expr {

void registerRegexFunctions(FunctionRegistry& registry);  // functions_regex.cpp

using types::DataType;
using types::TypeId;
using types::Vector;

namespace {

/// Largest string LPAD/RPAD build (16 MiB): a larger request is a row error, not an
/// allocation that takes the job down.
constexpr size_t kMaxPaddedBytes = size_t{16} << 20;

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

// ---- UTF-8 ----------------------------------------------------------------------------------

inline bool isContinuation(char c) {
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

/// Number of code points in `text` (bytes that do not continue a UTF-8 sequence).
int64_t countCodePoints(std::string_view text) {
    int64_t count = 0;
    for (char c : text) count += isContinuation(c) ? 0 : 1;
    return count;
}

/// Byte length of the first `count` code points of `text` (all of it if it has fewer).
size_t prefixBytes(std::string_view text, int64_t count) {
    size_t i = 0;
    while (count > 0 && i < text.size()) {
        ++i;
        while (i < text.size() && isContinuation(text[i])) ++i;
        --count;
    }
    return i;
}

/// Byte offset where the last `count` code points of `text` start (0 if it has fewer).
size_t suffixStart(std::string_view text, int64_t count) {
    size_t i = text.size();
    while (count > 0 && i > 0) {
        --i;
        while (i > 0 && isContinuation(text[i])) --i;
        --count;
    }
    return i;
}

/// |n| for a negative n, saturating at INT64_MAX.
inline int64_t magnitude(int64_t n) {
    return n == std::numeric_limits<int64_t>::min() ? kInt64Max : -n;
}

// ---- case mapping ---------------------------------------------------------------------------

/// Latin Extended-A (U+0100–U+017F) letters come in upper/lower pairs of adjacent code
/// points; true when `cp` is the lower-case one of such a pair.
inline bool isLatinExtendedALower(char32_t cp) {
    if (cp >= 0x100 && cp <= 0x137 && cp != 0x130 && cp != 0x131) return (cp & 1) != 0;
    if (cp >= 0x139 && cp <= 0x148) return (cp & 1) == 0;
    if (cp >= 0x14A && cp <= 0x177) return (cp & 1) != 0;
    if (cp >= 0x179 && cp <= 0x17E) return (cp & 1) == 0;
    return false;
}

inline bool isLatinExtendedAUpper(char32_t cp) {
    bool paired = (cp >= 0x100 && cp <= 0x137 && cp != 0x130 && cp != 0x131) ||
                  (cp >= 0x139 && cp <= 0x148) || (cp >= 0x14A && cp <= 0x177) ||
                  (cp >= 0x179 && cp <= 0x17E);
    return paired && !isLatinExtendedALower(cp);
}

/// Case mapping of a two-byte code point (U+0080–U+07FF) whose other case is also two
/// bytes: Latin-1, Latin Extended-A, basic Greek and Cyrillic. Anything else is unchanged.
template <bool kUpper>
char32_t mapTwoByteCase(char32_t cp) {
    if constexpr (kUpper) {
        if (cp >= 0xE0 && cp <= 0xFE && cp != 0xF7) return cp - 0x20;
        if (cp == 0xFF) return 0x178;
        if (isLatinExtendedALower(cp)) return cp - 1;
        if (cp == 0x3C2) return 0x3A3;  // final sigma
        if (cp >= 0x3B1 && cp <= 0x3C9) return cp - 0x20;
        if (cp >= 0x430 && cp <= 0x44F) return cp - 0x20;
        if (cp >= 0x450 && cp <= 0x45F) return cp - 0x50;
    } else {
        if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 0x20;
        if (cp == 0x178) return 0xFF;
        if (isLatinExtendedAUpper(cp)) return cp + 1;
        if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) return cp + 0x20;
        if (cp >= 0x410 && cp <= 0x42F) return cp + 0x20;
        if (cp >= 0x400 && cp <= 0x40F) return cp + 0x50;
    }
    return cp;
}

/// UPPER/LOWER of one string. Every mapping keeps the byte length, so the result is written
/// in one pass; when nothing changed the arena space is given back and the input returned.
template <bool kUpper>
std::string_view mapCase(types::StringArena& arena, std::string_view text) {
    if (text.empty()) return text;
    const auto* in = reinterpret_cast<const unsigned char*>(text.data());
    const size_t size = text.size();
    char* out = arena.allocate(size);
    bool changed = false;
    size_t i = 0;
    while (i < size) {
        unsigned char c = in[i];
        if (c < 0x80) {
            bool flip = kUpper ? (c >= 'a' && c <= 'z') : (c >= 'A' && c <= 'Z');
            out[i] = static_cast<char>(flip ? c ^ 0x20 : c);
            changed |= flip;
            ++i;
        } else if (c >= 0xC2 && c <= 0xDF && i + 1 < size && (in[i + 1] & 0xC0) == 0x80) {
            char32_t cp = (static_cast<char32_t>(c & 0x1F) << 6) | (in[i + 1] & 0x3F);
            char32_t mapped = mapTwoByteCase<kUpper>(cp);
            changed |= mapped != cp;
            out[i] = static_cast<char>(0xC0 | (mapped >> 6));
            out[i + 1] = static_cast<char>(0x80 | (mapped & 0x3F));
            i += 2;
        } else {
            out[i] = static_cast<char>(c);
            ++i;
        }
    }
    if (!changed) {
        arena.shrinkLast(out);
        return text;
    }
    return {out, size};
}

// ---- TRIM character sets --------------------------------------------------------------------

/// The characters TRIM removes: ASCII ones as a bitmap, others as the UTF-8 text they were
/// given in (looked up by code point; sets are short).
class TrimSet {
public:
    /// ASCII whitespace: space, \t, \n, \v, \f, \r.
    static TrimSet whitespace() { return TrimSet(" \t\n\v\f\r"); }

    explicit TrimSet(std::string_view chars) : chars_(chars) {
        for (char c : chars) {
            auto byte = static_cast<unsigned char>(c);
            if (byte < 0x80) {
                ascii_[byte >> 6] |= uint64_t{1} << (byte & 63);
            } else {
                hasMultiByte_ = true;
            }
        }
    }

    /// Bytes of the longest prefix of `text` made of set characters.
    size_t prefixLength(std::string_view text) const {
        size_t i = 0;
        while (i < text.size()) {
            size_t next = i + 1;
            while (next < text.size() && isContinuation(text[next])) ++next;
            if (!contains(text.substr(i, next - i))) break;
            i = next;
        }
        return i;
    }

    /// Byte offset where the longest suffix of `text` made of set characters starts.
    size_t suffixStart(std::string_view text) const {
        size_t end = text.size();
        while (end > 0) {
            size_t start = end - 1;
            while (start > 0 && isContinuation(text[start])) --start;
            if (!contains(text.substr(start, end - start))) break;
            end = start;
        }
        return end;
    }

private:
    /// Whether the one-character UTF-8 string `character` is in the set.
    bool contains(std::string_view character) const {
        auto first = static_cast<unsigned char>(character[0]);
        if (first < 0x80) return (ascii_[first >> 6] >> (first & 63)) & 1;
        if (!hasMultiByte_) return false;
        size_t i = 0;
        while (i < chars_.size()) {
            size_t next = i + 1;
            while (next < chars_.size() && isContinuation(chars_[next])) ++next;
            if (chars_.substr(i, next - i) == character) return true;
            i = next;
        }
        return false;
    }

    std::array<uint64_t, 2> ascii_{};
    std::string_view chars_;
    bool hasMultiByte_ = false;
};

enum class TrimSide : uint8_t { kBoth, kLeading, kTrailing };

template <TrimSide kSide>
std::string_view trimWith(const TrimSet& set, std::string_view text) {
    if constexpr (kSide != TrimSide::kTrailing) text.remove_prefix(set.prefixLength(text));
    if constexpr (kSide != TrimSide::kLeading) text = text.substr(0, set.suffixStart(text));
    return text;
}

// ---- kernels --------------------------------------------------------------------------------

template <typename Out, typename... In, typename F, size_t... kIndex>
void applyRows(const F& f, EvalContext& context, std::span<const uint32_t> rows,
               std::span<const Vector* const> args, Vector& out, std::index_sequence<kIndex...>) {
    std::tuple<const In*...> in{args[kIndex]->template values<In>()...};
    Out* result = out.values<Out>();
    for (uint32_t row : rows) {
        if (!f(context, row, result[row], std::get<kIndex>(in)[row]...)) out.setNull(row);
    }
}

/// A kernel running `bool f(EvalContext&, uint32_t row, Out& result, In... args)` over the
/// rows in one typed loop; false means f recorded a row error (the result is then NULL).
template <typename Out, typename... In, typename F>
KernelPtr rowKernel(F f) {
    return makeKernel([f](EvalContext& context, std::span<const uint32_t> rows,
                          std::span<const Vector* const> args, Vector& out) {
        applyRows<Out, In...>(f, context, rows, args, out, std::index_sequence_for<In...>{});
    });
}

using Text = std::string_view;

void invalidArgument(EvalContext& context, uint32_t row, std::string message) {
    context.error(row, ErrorCode::kInvalidArgument, std::move(message));
}

// ---- binding --------------------------------------------------------------------------------

/// What an argument of a string function must be (a bare NULL fits either).
enum class ArgKind : uint8_t { kString, kInteger };

/// Checks a call against one parameter list whose first `required` parameters are
/// mandatory; returns the argument types the binder casts to.
Result<std::vector<DataType>> bindArgs(const FunctionEntry& self, std::span<const ArgInfo> args,
                                       const std::vector<ArgKind>& kinds, size_t required) {
    if (args.size() < required || args.size() > kinds.size()) return noMatchingOverload(self, args);
    std::vector<DataType> types;
    auto kind = kinds.begin();
    for (const auto& arg : args) {
        DataType want = *kind == ArgKind::kString ? DataType::string() : DataType::bigint();
        if (!arg.type.isNull() && arg.type != want) return noMatchingOverload(self, args);
        types.push_back(std::move(want));
        ++kind;
    }
    return types;
}

/// The value of argument `index` when it is a non-NULL string literal.
std::optional<std::string> stringLiteral(std::span<const ArgInfo> args, size_t index) {
    if (index >= args.size() || !args[index].literal || args[index].literal->isNull()) return {};
    if (args[index].literal->type().id() != TypeId::kString) return {};
    return args[index].literal->asString();
}

BoundFunction bound(const FunctionEntry& self, std::vector<DataType> argTypes, DataType result,
                    std::function<KernelPtr()> makeKernel) {
    BoundFunction out;
    out.name = self.name;
    out.argTypes = std::move(argTypes);
    out.resultType = std::move(result);
    out.makeKernel = std::move(makeKernel);
    return out;
}

using Resolver =
    std::function<Result<BoundFunction>(const FunctionEntry&, std::span<const ArgInfo>)>;

void addFunction(FunctionRegistry& registry, std::string name, std::vector<std::string> aliases,
                 std::vector<std::string> signatures, std::string description, Resolver resolve) {
    FunctionEntry entry;
    entry.name = std::move(name);
    entry.aliases = std::move(aliases);
    entry.category = "string";
    entry.signatures = std::move(signatures);
    entry.description = std::move(description);
    entry.resolve = std::move(resolve);
    registry.add(std::move(entry));
}

/// A resolver for a function of fixed parameter kinds whose kernel does not depend on the
/// argument count or literals.
Resolver fixedResolver(std::vector<ArgKind> kinds, DataType result,
                       std::function<KernelPtr()> makeKernel) {
    return [kinds, result, makeKernel](const FunctionEntry& self,
                                       std::span<const ArgInfo> args) -> Result<BoundFunction> {
        FERRIS_ASSIGN_OR_RETURN(auto types, bindArgs(self, args, kinds, kinds.size()));
        return bound(self, std::move(types), result, makeKernel);
    };
}

// ---- the functions --------------------------------------------------------------------------

/// SUBSTRING(s, start[, length]) in code points, as PostgreSQL: the characters at positions
/// [start, start + length) that exist, so a start ≤ 0 shortens the result.
std::string_view substring(std::string_view text, int64_t start, int64_t length, bool toEnd) {
    int64_t begin = std::max<int64_t>(start, 1);
    int64_t end = kInt64Max;  // exclusive, 1-based
    if (!toEnd) {
        if (__builtin_add_overflow(start, length, &end)) end = kInt64Max;
        if (end <= begin) return {};
    }
    size_t from = prefixBytes(text, begin - 1);
    text.remove_prefix(from);
    if (toEnd) return text;
    return text.substr(0, prefixBytes(text, end - begin));
}

Result<BoundFunction> resolveSubstring(const FunctionEntry& self, std::span<const ArgInfo> args) {
    using K = ArgKind;
    FERRIS_ASSIGN_OR_RETURN(auto types,
                            bindArgs(self, args, {K::kString, K::kInteger, K::kInteger}, 2));
    if (args.size() == 2) {
        return bound(self, std::move(types), DataType::string(), [] {
            return rowKernel<Text, Text, int64_t>(
                [](EvalContext&, uint32_t, Text& result, Text text, int64_t start) {
                    result = substring(text, start, 0, true);
                    return true;
                });
        });
    }
    return bound(self, std::move(types), DataType::string(), [] {
        return rowKernel<Text, Text, int64_t, int64_t>([](EvalContext& context, uint32_t row,
                                                          Text& result, Text text, int64_t start,
                                                          int64_t length) {
            if (length < 0) {
                invalidArgument(
                    context, row,
                    fmt::format("SUBSTRING length must not be negative, got {}", length));
                return false;
            }
            result = substring(text, start, length, false);
            return true;
        });
    });
}

/// CONCAT(a, …): NULL arguments are skipped (CONCAT(NULL, NULL) is ''), unlike ||.
KernelPtr concatKernel() {
    return makeKernel([](EvalContext& context, std::span<const uint32_t> rows,
                         std::span<const Vector* const> args, Vector& out) {
        auto* result = out.values<Text>();
        for (uint32_t row : rows) {
            size_t total = 0;
            size_t present = 0;
            Text only;
            for (const Vector* arg : args) {
                if (arg->isNull(row)) continue;
                Text part = arg->values<Text>()[row];
                total += part.size();
                ++present;
                only = part;
            }
            if (present <= 1) {
                result[row] = only;
                continue;
            }
            char* buffer = context.arena().allocate(total);
            size_t at = 0;
            for (const Vector* arg : args) {
                if (arg->isNull(row)) continue;
                Text part = arg->values<Text>()[row];
                if (!part.empty()) std::memcpy(buffer + at, part.data(), part.size());
                at += part.size();
            }
            result[row] = Text(buffer, total);
        }
    });
}

Result<BoundFunction> resolveConcat(const FunctionEntry& self, std::span<const ArgInfo> args) {
    if (args.empty()) return noMatchingOverload(self, args);
    for (const auto& arg : args) {
        if (arg.type.isNested() || !checkCast(arg.type, DataType::string()).isOk()) {
            return noMatchingOverload(self, args);
        }
    }
    BoundFunction call = bound(self, std::vector<DataType>(args.size(), DataType::string()),
                               DataType::string(), concatKernel);
    call.nulls = NullHandling::kCustom;
    return call;
}

template <TrimSide kSide>
Result<BoundFunction> resolveTrim(const FunctionEntry& self, std::span<const ArgInfo> args) {
    FERRIS_ASSIGN_OR_RETURN(auto types,
                            bindArgs(self, args, {ArgKind::kString, ArgKind::kString}, 1));
    if (args.size() == 1) {
        return bound(self, std::move(types), DataType::string(), [] {
            return makeKernel([](EvalContext&, std::span<const uint32_t> rows,
                                 std::span<const Vector* const> args, Vector& out) {
                const TrimSet set = TrimSet::whitespace();
                const auto* text = args[0]->values<Text>();
                auto* result = out.values<Text>();
                for (uint32_t row : rows) result[row] = trimWith<kSide>(set, text[row]);
            });
        });
    }
    std::optional<std::string> literal = stringLiteral(args, 1);
    return bound(self, std::move(types), DataType::string(), [literal] {
        return makeKernel([literal](EvalContext&, std::span<const uint32_t> rows,
                                    std::span<const Vector* const> args, Vector& out) {
            const auto* text = args[0]->values<Text>();
            auto* result = out.values<Text>();
            if (literal) {
                const TrimSet set(*literal);
                for (uint32_t row : rows) result[row] = trimWith<kSide>(set, text[row]);
                return;
            }
            const auto* chars = args[1]->values<Text>();
            for (uint32_t row : rows) result[row] = trimWith<kSide>(TrimSet(chars[row]), text[row]);
        });
    });
}

/// REPLACE(s, from, to): every non-overlapping occurrence, left to right; an empty `from`
/// returns s. Counted first so the result is allocated once at its exact size.
constexpr auto replaceAll = [](EvalContext& context, uint32_t, Text& result, Text text, Text from,
                               Text to) {
    size_t first = from.empty() ? Text::npos : text.find(from);
    if (first == Text::npos) {
        result = text;
        return true;
    }
    size_t count = 0;
    for (size_t at = first; at != Text::npos; at = text.find(from, at + from.size())) ++count;
    size_t size = text.size() - count * from.size() + count * to.size();
    char* buffer = context.arena().allocate(size);
    char* write = buffer;
    size_t copied = 0;
    for (size_t at = first; at != Text::npos; at = text.find(from, at + from.size())) {
        std::memcpy(write, text.data() + copied, at - copied);
        write += at - copied;
        if (!to.empty()) std::memcpy(write, to.data(), to.size());
        write += to.size();
        copied = at + from.size();
    }
    std::memcpy(write, text.data() + copied, text.size() - copied);
    result = Text(buffer, size);
    return true;
};

/// LEFT(s, n): the first n code points; a negative n drops the last |n| (PostgreSQL).
constexpr auto left = [](EvalContext&, uint32_t, Text& result, Text text, int64_t n) {
    result = n >= 0 ? text.substr(0, prefixBytes(text, n))
                    : text.substr(0, suffixStart(text, magnitude(n)));
    return true;
};

/// RIGHT(s, n): the last n code points; a negative n drops the first |n| (PostgreSQL).
constexpr auto right = [](EvalContext&, uint32_t, Text& result, Text text, int64_t n) {
    result =
        n >= 0 ? text.substr(suffixStart(text, n)) : text.substr(prefixBytes(text, magnitude(n)));
    return true;
};

/// LPAD/RPAD(s, n, pad) as PostgreSQL: s cut to n code points when longer; otherwise filled
/// to n with `pad` repeated (the last copy cut short); an empty pad leaves s as it is.
template <bool kLeft>
struct Pad {
    bool operator()(EvalContext& context, uint32_t row, Text& result, Text text, int64_t length,
                    Text fill) const;
};

template <bool kLeft>
bool Pad<kLeft>::operator()(EvalContext& context, uint32_t row, Text& result, Text text,
                            int64_t length, Text fill) const {
    if (length <= 0) {
        result = {};
        return true;
    }
    size_t cut = prefixBytes(text, length);
    if (cut < text.size()) {
        result = text.substr(0, cut);
        return true;
    }
    int64_t have = countCodePoints(text);
    if (have >= length || fill.empty()) {
        result = text;
        return true;
    }
    auto missing = static_cast<uint64_t>(length - have);
    auto fillChars = static_cast<uint64_t>(countCodePoints(fill));
    uint64_t copies = missing / fillChars;
    size_t tailBytes = prefixBytes(fill, static_cast<int64_t>(missing % fillChars));
    if (text.size() + tailBytes > kMaxPaddedBytes ||
        copies > (kMaxPaddedBytes - text.size() - tailBytes) / fill.size()) {
        invalidArgument(context, row,
                        fmt::format("{} to {} characters exceeds the {} MiB string limit",
                                    kLeft ? "LPAD" : "RPAD", length, kMaxPaddedBytes >> 20));
        return false;
    }
    size_t size = text.size() + copies * fill.size() + tailBytes;
    char* buffer = context.arena().allocate(size);
    char* write = buffer;
    if constexpr (!kLeft) {
        if (!text.empty()) std::memcpy(write, text.data(), text.size());
        write += text.size();
    }
    for (uint64_t i = 0; i < copies; ++i, write += fill.size()) {
        std::memcpy(write, fill.data(), fill.size());
    }
    if (tailBytes > 0) std::memcpy(write, fill.data(), tailBytes);
    write += tailBytes;
    if constexpr (kLeft) {
        if (!text.empty()) std::memcpy(write, text.data(), text.size());
    }
    result = Text(buffer, size);
    return true;
}

template <bool kLeft>
Result<BoundFunction> resolvePad(const FunctionEntry& self, std::span<const ArgInfo> args) {
    using K = ArgKind;
    FERRIS_ASSIGN_OR_RETURN(auto types,
                            bindArgs(self, args, {K::kString, K::kInteger, K::kString}, 2));
    if (args.size() == 2) {
        return bound(self, std::move(types), DataType::string(), [] {
            return rowKernel<Text, Text, int64_t>(
                [](EvalContext& context, uint32_t row, Text& result, Text text, int64_t length) {
                    return Pad<kLeft>{}(context, row, result, text, length, " ");
                });
        });
    }
    return bound(self, std::move(types), DataType::string(),
                 [] { return rowKernel<Text, Text, int64_t, Text>(Pad<kLeft>{}); });
}

/// POSITION(sub, s) / POSITION(sub IN s): 1-based code-point index of the first occurrence,
/// 0 when there is none; an empty `sub` is found at 1.
constexpr auto position = [](EvalContext&, uint32_t, int64_t& result, Text needle, Text text) {
    size_t at = text.find(needle);
    result = at == Text::npos ? 0 : countCodePoints(text.substr(0, at)) + 1;
    return true;
};

bool emptyDelimiter(EvalContext& context, uint32_t row, std::string_view function) {
    invalidArgument(context, row, fmt::format("{} delimiter must not be empty", function));
    return false;
}

/// SPLIT(s, delim) → ARRAY<STRING> of views into s: n delimiters give n + 1 elements, so
/// SPLIT('', ',') is [''] and SPLIT(',', ',') is ['', '']. An empty delimiter is a row error.
KernelPtr splitKernel() {
    return makeKernel([](EvalContext& context, std::span<const uint32_t> rows,
                         std::span<const Vector* const> args, Vector& out) {
        const auto* text = args[0]->values<Text>();
        const auto* delimiter = args[1]->values<Text>();
        Vector& elements = out.child(0);
        int32_t* offsets = out.offsets();
        // The output is filled in row order; rows not computed here are empty arrays.
        uint32_t count = elements.size();
        uint32_t next = 0;
        for (uint32_t row : rows) {
            for (; next <= row; ++next) offsets[next] = static_cast<int32_t>(count);
            Text s = text[row];
            Text d = delimiter[row];
            if (d.empty()) {
                emptyDelimiter(context, row, "SPLIT");
                out.setNull(row);
                continue;
            }
            uint32_t parts = 1;
            for (size_t at = s.find(d); at != Text::npos; at = s.find(d, at + d.size())) ++parts;
            elements.resize(count + parts);
            auto* values = elements.values<Text>();
            size_t begin = 0;
            for (uint32_t i = 0; i + 1 < parts; ++i) {
                size_t at = s.find(d, begin);
                values[count + i] = s.substr(begin, at - begin);
                begin = at + d.size();
            }
            values[count + parts - 1] = s.substr(begin);
            count += parts;
            offsets[row + 1] = static_cast<int32_t>(count);
            next = row + 1;
        }
        for (; next <= out.size(); ++next) offsets[next] = static_cast<int32_t>(count);
    });
}

/// SPLIT_PART(s, delim, n): the n-th (1-based) piece of SPLIT(s, delim), '' past the last.
/// n ≤ 0 and an empty delimiter are row errors (SPLIT_PART(s, d, n) = SPLIT(s, d)[n]).
constexpr auto splitPart = [](EvalContext& context, uint32_t row, Text& result, Text text,
                              Text delimiter, int64_t n) {
    if (delimiter.empty()) return emptyDelimiter(context, row, "SPLIT_PART");
    if (n <= 0) {
        invalidArgument(context, row,
                        fmt::format("SPLIT_PART field number must be positive, got {}", n));
        return false;
    }
    size_t begin = 0;
    for (int64_t field = 1; field < n; ++field) {
        size_t at = text.find(delimiter, begin);
        if (at == Text::npos) {
            result = {};
            return true;
        }
        begin = at + delimiter.size();
    }
    size_t end = text.find(delimiter, begin);
    result = end == Text::npos ? text.substr(begin) : text.substr(begin, end - begin);
    return true;
};

}  // namespace

void registerStringFunctions(FunctionRegistry& registry) {
    using K = ArgKind;
    const DataType string = DataType::string();

    addFunction(
        registry, "UPPER", {"UCASE"}, {"UPPER(STRING) -> STRING"},
        "upper case; maps ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic letters, "
        "leaves other characters unchanged",
        fixedResolver({K::kString}, string, [] {
            return rowKernel<Text, Text>([](EvalContext& context, uint32_t, Text& result, Text s) {
                result = mapCase<true>(context.arena(), s);
                return true;
            });
        }));
    addFunction(
        registry, "LOWER", {"LCASE"}, {"LOWER(STRING) -> STRING"},
        "lower case; maps ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic letters, "
        "leaves other characters unchanged",
        fixedResolver({K::kString}, string, [] {
            return rowKernel<Text, Text>([](EvalContext& context, uint32_t, Text& result, Text s) {
                result = mapCase<false>(context.arena(), s);
                return true;
            });
        }));
    addFunction(
        registry, "LENGTH", {"LEN"}, {"LENGTH(STRING) -> BIGINT"},
        "number of characters (Unicode code points)",
        fixedResolver({K::kString}, DataType::bigint(), [] {
            return rowKernel<int64_t, Text>([](EvalContext&, uint32_t, int64_t& result, Text s) {
                result = countCodePoints(s);
                return true;
            });
        }));
    addFunction(
        registry, "SUBSTRING", {"SUBSTR"},
        {"SUBSTRING(STRING, BIGINT) -> STRING", "SUBSTRING(STRING, BIGINT, BIGINT) -> STRING"},
        "characters from a 1-based start, optionally at most length of them; a start "
        "below 1 counts positions before the string (SUBSTRING('hello', 0, 3) = 'he')",
        resolveSubstring);
    addFunction(registry, "CONCAT", {}, {"CONCAT(T, ...) -> STRING"},
                "concatenation of the arguments as strings; NULL arguments are skipped",
                resolveConcat);
    addFunction(registry, "TRIM", {}, {"TRIM(STRING) -> STRING", "TRIM(STRING, STRING) -> STRING"},
                "removes leading and trailing whitespace, or the characters of the second argument",
                resolveTrim<TrimSide::kBoth>);
    addFunction(registry, "LTRIM", {},
                {"LTRIM(STRING) -> STRING", "LTRIM(STRING, STRING) -> STRING"},
                "removes leading whitespace, or the characters of the second argument",
                resolveTrim<TrimSide::kLeading>);
    addFunction(registry, "RTRIM", {},
                {"RTRIM(STRING) -> STRING", "RTRIM(STRING, STRING) -> STRING"},
                "removes trailing whitespace, or the characters of the second argument",
                resolveTrim<TrimSide::kTrailing>);
    addFunction(registry, "REPLACE", {}, {"REPLACE(STRING, STRING, STRING) -> STRING"},
                "replaces every occurrence of the second argument with the third",
                fixedResolver({K::kString, K::kString, K::kString}, string,
                              [] { return rowKernel<Text, Text, Text, Text>(replaceAll); }));
    addFunction(registry, "LEFT", {}, {"LEFT(STRING, BIGINT) -> STRING"},
                "the first n characters; a negative n drops the last |n|",
                fixedResolver({K::kString, K::kInteger}, string,
                              [] { return rowKernel<Text, Text, int64_t>(left); }));
    addFunction(registry, "RIGHT", {}, {"RIGHT(STRING, BIGINT) -> STRING"},
                "the last n characters; a negative n drops the first |n|",
                fixedResolver({K::kString, K::kInteger}, string,
                              [] { return rowKernel<Text, Text, int64_t>(right); }));
    addFunction(registry, "LPAD", {},
                {"LPAD(STRING, BIGINT) -> STRING", "LPAD(STRING, BIGINT, STRING) -> STRING"},
                "pads on the left to n characters with spaces or the third argument; cuts a "
                "longer string to n",
                resolvePad<true>);
    addFunction(registry, "RPAD", {},
                {"RPAD(STRING, BIGINT) -> STRING", "RPAD(STRING, BIGINT, STRING) -> STRING"},
                "pads on the right to n characters with spaces or the third argument; cuts a "
                "longer string to n",
                resolvePad<false>);
    addFunction(registry, "POSITION", {},
                {"POSITION(STRING, STRING) -> BIGINT", "POSITION(STRING IN STRING) -> BIGINT"},
                "1-based character position of the first argument in the second, 0 if absent",
                fixedResolver({K::kString, K::kString}, DataType::bigint(),
                              [] { return rowKernel<int64_t, Text, Text>(position); }));
    addFunction(registry, "SPLIT", {}, {"SPLIT(STRING, STRING) -> ARRAY<STRING>"},
                "the pieces of the string between occurrences of a non-empty delimiter",
                fixedResolver({K::kString, K::kString}, DataType::array(string), splitKernel));
    addFunction(registry, "SPLIT_PART", {}, {"SPLIT_PART(STRING, STRING, BIGINT) -> STRING"},
                "the n-th (1-based) piece of the string split at a delimiter; '' past the last",
                fixedResolver({K::kString, K::kString, K::kInteger}, string,
                              [] { return rowKernel<Text, Text, Text, int64_t>(splitPart); }));
    addFunction(registry, "STARTS_WITH", {}, {"STARTS_WITH(STRING, STRING) -> BOOLEAN"},
                "whether the string begins with the prefix",
                fixedResolver({K::kString, K::kString}, DataType::boolean(), [] {
                    return rowKernel<uint8_t, Text, Text>(
                        [](EvalContext&, uint32_t, uint8_t& result, Text s, Text prefix) {
                            result = s.starts_with(prefix);
                            return true;
                        });
                }));
    addFunction(registry, "ENDS_WITH", {}, {"ENDS_WITH(STRING, STRING) -> BOOLEAN"},
                "whether the string ends with the suffix",
                fixedResolver({K::kString, K::kString}, DataType::boolean(), [] {
                    return rowKernel<uint8_t, Text, Text>(
                        [](EvalContext&, uint32_t, uint8_t& result, Text s, Text suffix) {
                            result = s.ends_with(suffix);
                            return true;
                        });
                }));

    registerRegexFunctions(registry);
}

}  // namespace ferris::expr
