#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace ferris::expr {

/// A compiled SQL LIKE pattern: `%` matches any sequence, `_` any one character (a Unicode
/// code point), everything else itself, case-sensitively; newlines are ordinary characters
/// (§1.4.1). Common shapes (exact, prefix%, %suffix, %infix%) match without backtracking.
class LikeMatcher {
public:
    /// `escape` is the ESCAPE character, or 0 for none. Errors: a pattern ending in the
    /// escape character, or an escape followed by anything but %, _ or itself.
    static Result<LikeMatcher> compile(std::string_view pattern, char escape);

    bool matches(std::string_view text) const;

private:
    enum class Shape : uint8_t { kExact, kPrefix, kSuffix, kInfix, kGeneral };
    /// One token of a general pattern.
    struct Token {
        enum Kind : uint8_t { kLiteral, kAnyOne, kAnyMany } kind;
        std::string literal;
    };

    bool matchGeneral(std::string_view text) const;

    Shape shape_ = Shape::kGeneral;
    std::string literal_;  ///< the literal part for the simple shapes
    std::vector<Token> tokens_;
};

}  // namespace ferris::expr
