// Regular-expression string functions: REGEXP_MATCHES, REGEXP_REPLACE, REGEXP_EXTRACT.
//
// Patterns use RE2 syntax over UTF-8 (no backreferences in patterns, linear-time matching);
// `.` does not match a newline unless the pattern sets (?s). A literal pattern is compiled
// once when the call is resolved, and an invalid one is a resolve error carrying RE2's
// message; a pattern read from the data is compiled per distinct value (a small cache per
// kernel), and an invalid one is an invalid_argument row error.

#include <fmt/format.h>
#include <re2/re2.h>

#include <memory>
#include <string>
#include <vector>

#include "expr/function_registry.h"
#include "expr/kernel_util.h"

namespace ferris::expr {

using types::DataType;
using types::TypeId;
using types::Vector;

namespace {

using Text = std::string_view;

/// A pattern shortened for error messages.
std::string quotePattern(std::string_view pattern) {
    if (pattern.size() > 64) return fmt::format("'{}…'", pattern.substr(0, 64));
    return fmt::format("'{}'", pattern);
}

std::unique_ptr<RE2> compileRegex(std::string_view pattern) {
    RE2::Options options;  // UTF-8 by default
    options.set_log_errors(false);
    return std::make_unique<RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
}

std::string regexError(std::string_view function, std::string_view pattern, const RE2& regex) {
    return fmt::format("{}: invalid regular expression {}: {}", function, quotePattern(pattern),
                       regex.error());
}

/// The compiled patterns of one kernel whose pattern comes from the data, keyed by pattern
/// text. Invalid patterns are remembered too, so a column of bad patterns is compiled once
/// per distinct value. Holds the last kCapacity distinct patterns (replaced round-robin).
class RegexCache {
public:
    explicit RegexCache(std::string function) : function_(std::move(function)) {}

    /// The compiled pattern, or nullptr with `error` set when the pattern is invalid.
    const RE2* find(std::string_view pattern, std::string& error) {
        if (last_ < entries_.size() && entries_[last_].pattern == pattern) {
            return result(last_, error);
        }
        for (size_t i = 0; i < entries_.size(); ++i) {
            if (entries_[i].pattern == pattern) {
                last_ = i;
                return result(i, error);
            }
        }
        Entry entry{std::string(pattern), compileRegex(pattern), {}};
        if (!entry.regex->ok()) entry.error = regexError(function_, pattern, *entry.regex);
        if (entries_.size() < kCapacity) {
            last_ = entries_.size();
            entries_.push_back(std::move(entry));
        } else {
            last_ = next_;
            next_ = (next_ + 1) % kCapacity;
            entries_[last_] = std::move(entry);
        }
        return result(last_, error);
    }

private:
    static constexpr size_t kCapacity = 16;

    struct Entry {
        std::string pattern;
        std::unique_ptr<RE2> regex;
        std::string error;  ///< set when the pattern does not compile
    };

    const RE2* result(size_t index, std::string& error) const {
        if (!entries_[index].error.empty()) {
            error = entries_[index].error;
            return nullptr;
        }
        return entries_[index].regex.get();
    }

    std::string function_;
    std::vector<Entry> entries_;
    size_t last_ = 0;
    size_t next_ = 0;
};

/// A kernel over rows whose second argument is a pattern: `literal` when the pattern was a
/// literal (compiled at resolve), else each row's pattern through a RegexCache. Calls
/// `bool body(EvalContext&, uint32_t row, const RE2&, args, out)`; false = NULL result.
template <typename F>
KernelPtr regexKernel(std::string function, std::shared_ptr<const RE2> literal, F body) {
    return makeKernel([literal, body, cache = RegexCache(std::move(function))](
                          EvalContext& context, std::span<const uint32_t> rows,
                          std::span<const Vector* const> args, Vector& out) mutable {
        if (literal) {
            for (uint32_t row : rows) {
                if (!body(context, row, *literal, args, out)) out.setNull(row);
            }
            return;
        }
        const auto* pattern = args[1]->values<Text>();
        std::string error;
        for (uint32_t row : rows) {
            const RE2* regex = cache.find(pattern[row], error);
            if (regex == nullptr) {
                context.error(row, ErrorCode::kInvalidArgument, error);
                out.setNull(row);
                continue;
            }
            if (!body(context, row, *regex, args, out)) out.setNull(row);
        }
    });
}

/// Checks the argument types: (STRING, STRING, then `extra`), a bare NULL fitting any.
Result<std::vector<DataType>> bindArgs(const FunctionEntry& self, std::span<const ArgInfo> args,
                                       size_t required, const std::vector<DataType>& parameters) {
    if (args.size() < required || args.size() > parameters.size()) {
        return noMatchingOverload(self, args);
    }
    std::vector<DataType> types;
    for (size_t i = 0; i < args.size(); ++i) {
        if (!args[i].type.isNull() && args[i].type != parameters[i]) {
            return noMatchingOverload(self, args);
        }
        types.push_back(parameters[i]);
    }
    return types;
}

/// The pattern compiled once when argument 1 is a non-NULL literal; an invalid literal
/// pattern is a resolve error.
Result<std::shared_ptr<const RE2>> literalPattern(const FunctionEntry& self,
                                                  std::span<const ArgInfo> args) {
    const ArgInfo& arg = args[1];
    if (!arg.literal || arg.literal->isNull() || arg.literal->type().id() != TypeId::kString) {
        return std::shared_ptr<const RE2>();
    }
    const std::string& pattern = arg.literal->asString();
    std::shared_ptr<const RE2> regex = compileRegex(pattern);
    if (!regex->ok()) {
        return Status::user(ErrorCode::kInvalidArgument, regexError(self.name, pattern, *regex));
    }
    return regex;
}

/// A literal argument's value, when it is a non-NULL literal.
const types::Value* literalValue(std::span<const ArgInfo> args, size_t index) {
    if (index >= args.size() || !args[index].literal || args[index].literal->isNull()) {
        return nullptr;
    }
    return &*args[index].literal;
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

/// Per-row bodies of the regex kernels: `bool body(EvalContext&, uint32_t row, const RE2&,
/// args, out)`, false meaning a NULL result.
using Args = std::span<const Vector* const>;

/// REGEXP_MATCHES(s, pattern) → BOOLEAN: whether the pattern matches anywhere in s (anchor
/// with ^ and $ for a whole-string match). The BOOLEAN form, unlike PostgreSQL's set-returning
/// regexp_matches.
Result<BoundFunction> resolveMatches(const FunctionEntry& self, std::span<const ArgInfo> args) {
    FERRIS_ASSIGN_OR_RETURN(auto types,
                            bindArgs(self, args, 2, {DataType::string(), DataType::string()}));
    FERRIS_ASSIGN_OR_RETURN(auto literal, literalPattern(self, args));
    auto body = [](EvalContext&, uint32_t row, const RE2& regex, Args args, Vector& out) {
        Text text = args[0]->values<Text>()[row];
        out.values<uint8_t>()[row] = regex.Match(re2::StringPiece(text.data(), text.size()), 0,
                                                 text.size(), RE2::UNANCHORED, nullptr, 0);
        return true;
    };
    return bound(self, std::move(types), DataType::boolean(),
                 [literal, body, name = self.name] { return regexKernel(name, literal, body); });
}

/// REGEXP_REPLACE(s, pattern, replacement) → STRING: every non-overlapping match replaced;
/// the replacement may name groups as \1 … \9 (\0 is the whole match, \\ a backslash).
/// A replacement naming a group the pattern lacks is a resolve error when both are
/// literals, else a row error. Unchanged text is returned as a view of s.
Result<BoundFunction> resolveReplace(const FunctionEntry& self, std::span<const ArgInfo> args) {
    const DataType string = DataType::string();
    FERRIS_ASSIGN_OR_RETURN(auto types, bindArgs(self, args, 3, {string, string, string}));
    FERRIS_ASSIGN_OR_RETURN(auto literal, literalPattern(self, args));
    const types::Value* rewrite = literalValue(args, 2);
    auto rewriteError = [](std::string_view rewrite, const std::string& error) {
        return fmt::format("REGEXP_REPLACE: invalid replacement {}: {}", quotePattern(rewrite),
                           error);
    };
    if (literal && rewrite != nullptr) {
        std::string error;
        if (!literal->CheckRewriteString(rewrite->asString(), &error)) {
            return Status::user(ErrorCode::kInvalidArgument,
                                rewriteError(rewrite->asString(), error));
        }
    }
    // A literal replacement for a literal pattern was checked above, once.
    bool checked = literal && rewrite != nullptr;
    auto body = [checked, rewriteError, scratch = std::string(), error = std::string()](
                    EvalContext& context, uint32_t row, const RE2& regex, Args args,
                    Vector& out) mutable {
        Text text = args[0]->values<Text>()[row];
        Text rewrite = args[2]->values<Text>()[row];
        re2::StringPiece piece(rewrite.data(), rewrite.size());
        if (!checked && !regex.CheckRewriteString(piece, &error)) {
            context.error(row, ErrorCode::kInvalidArgument, rewriteError(rewrite, error));
            return false;
        }
        scratch.assign(text);
        auto& result = out.values<Text>()[row];
        result =
            RE2::GlobalReplace(&scratch, regex, piece) == 0 ? text : context.arena().copy(scratch);
        return true;
    };
    return bound(self, std::move(types), string,
                 [literal, body, name = self.name] { return regexKernel(name, literal, body); });
}

/// The capture group REGEXP_EXTRACT returns by default: 1 when the pattern has a group
/// (the usual `key=(\w+)` shape), else 0, the whole match.
int defaultGroup(const RE2& regex) {
    return regex.NumberOfCapturingGroups() > 0 ? 1 : 0;
}

std::string groupRangeError(int64_t group, const RE2& regex) {
    return fmt::format(
        "REGEXP_EXTRACT: group {} does not exist; the pattern has {} capture group(s)", group,
        regex.NumberOfCapturingGroups());
}

/// REGEXP_EXTRACT(s, pattern[, group]) → STRING: the text of the first match's capture group
/// (a view into s); NULL when nothing matches or the group took no part in the match. A
/// group out of range is a resolve error when pattern and group are literals, else a row error.
Result<BoundFunction> resolveExtract(const FunctionEntry& self, std::span<const ArgInfo> args) {
    const DataType string = DataType::string();
    FERRIS_ASSIGN_OR_RETURN(auto types,
                            bindArgs(self, args, 2, {string, string, DataType::bigint()}));
    FERRIS_ASSIGN_OR_RETURN(auto literal, literalPattern(self, args));
    const types::Value* group = literalValue(args, 2);
    if (literal && group != nullptr && group->type().id() == TypeId::kBigint &&
        (group->asInt64() < 0 || group->asInt64() > literal->NumberOfCapturingGroups())) {
        return Status::user(ErrorCode::kInvalidArgument,
                            groupRangeError(group->asInt64(), *literal));
    }
    bool hasGroup = args.size() == 3;
    auto body = [hasGroup, groups = std::vector<re2::StringPiece>()](
                    EvalContext& context, uint32_t row, const RE2& regex, Args args,
                    Vector& out) mutable {
        Text text = args[0]->values<Text>()[row];
        int64_t group = hasGroup ? args[2]->values<int64_t>()[row] : defaultGroup(regex);
        if (group < 0 || group > regex.NumberOfCapturingGroups()) {
            context.error(row, ErrorCode::kInvalidArgument, groupRangeError(group, regex));
            return false;
        }
        auto count = static_cast<int>(group) + 1;
        groups.resize(static_cast<size_t>(count));
        if (!regex.Match(re2::StringPiece(text.data(), text.size()), 0, text.size(),
                         RE2::UNANCHORED, groups.data(), count)) {
            return false;
        }
        const re2::StringPiece& piece = groups[static_cast<size_t>(group)];
        if (piece.data() == nullptr) return false;
        out.values<Text>()[row] =
            text.substr(static_cast<size_t>(piece.data() - text.data()), piece.size());
        return true;
    };
    return bound(self, std::move(types), string,
                 [literal, body, name = self.name] { return regexKernel(name, literal, body); });
}

void addFunction(FunctionRegistry& registry, std::string name, std::vector<std::string> signatures,
                 std::string description,
                 Result<BoundFunction> (*resolve)(const FunctionEntry&, std::span<const ArgInfo>)) {
    FunctionEntry entry;
    entry.name = std::move(name);
    entry.category = "string";
    entry.signatures = std::move(signatures);
    entry.description = std::move(description);
    entry.resolve = resolve;
    registry.add(std::move(entry));
}

}  // namespace

/// Registered from registerStringFunctions (functions_string.cpp).
void registerRegexFunctions(FunctionRegistry& registry) {
    addFunction(registry, "REGEXP_MATCHES", {"REGEXP_MATCHES(STRING, STRING) -> BOOLEAN"},
                "whether the RE2 pattern matches anywhere in the string", resolveMatches);
    addFunction(registry, "REGEXP_REPLACE", {"REGEXP_REPLACE(STRING, STRING, STRING) -> STRING"},
                "replaces every match of the RE2 pattern; \\1 in the replacement is group 1",
                resolveReplace);
    addFunction(registry, "REGEXP_EXTRACT",
                {"REGEXP_EXTRACT(STRING, STRING) -> STRING",
                 "REGEXP_EXTRACT(STRING, STRING, BIGINT) -> STRING"},
                "the first match of the RE2 pattern: the given capture group, by default group 1 "
                "if the pattern has one, else the whole match; NULL when there is no match",
                resolveExtract);
}

}  // namespace ferris::expr
