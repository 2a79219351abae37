#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace ferris::sql {

/// The kinds of token the lexer produces. Keywords are not separate kinds: a keyword is a
/// `kWord` whose (lower-cased) text the parser compares against, so that non-reserved
/// keywords stay usable as names.
enum class TokenKind : uint8_t {
    kEnd,               ///< the end of the input (always the last token)
    kWord,              ///< an unquoted identifier or keyword; text is lower-cased
    kQuotedIdentifier,  ///< `name` or "name"; text is the exact name, escapes removed
    kString,            ///< 'text'; text is the value with '' turned into '
    kInteger,           ///< 42; text as written
    kDecimal,           ///< 1.50 or .5; text as written (an exact DECIMAL literal)
    kDouble,            ///< 1e3, 2.5E-1; text as written
    kDuration,          ///< 5m, 500ms, 1.5s: a number directly followed by a unit
    kLeftParen,         ///< (
    kRightParen,        ///< )
    kLeftBracket,       ///< [
    kRightBracket,      ///< ]
    kComma,             ///< ,
    kSemicolon,         ///< ;
    kDot,               ///< .
    kStar,              ///< *
    kPlus,              ///< +
    kMinus,             ///< -
    kSlash,             ///< /
    kPercent,           ///< %
    kConcat,            ///< ||
    kEq,                ///< =
    kNotEq,             ///< <> or !=
    kLt,                ///< <
    kLe,                ///< <=
    kGt,                ///< > (always one character, so that `>>` closes two generics)
    kGe,                ///< >=
};

/// A lexed token with its position in the SQL text.
struct Token {
    TokenKind kind = TokenKind::kEnd;
    /// kWord: lower-cased; kQuotedIdentifier: the exact name; kString: the unescaped value;
    /// numbers, durations and punctuation: the text as written.
    std::string text;
    /// Byte range [begin, end) of the token in the SQL text.
    uint32_t begin = 0;
    uint32_t end = 0;
    /// 1-based line and column (in code points) of the token's first character.
    SourceLocation location;
    /// A kWord that is in the reserved-word list (keywords.h).
    bool reserved = false;
    /// kDuration: the duration in microseconds.
    int64_t durationMicros = 0;

    /// True for the unquoted word `keyword` (given in lower case).
    bool isWord(std::string_view keyword) const {
        return kind == TokenKind::kWord && text == keyword;
    }
    bool is(TokenKind other) const { return kind == other; }
};

/// How a token kind is named in messages: "')'", "a string literal", "the end of the input".
std::string_view tokenKindName(TokenKind kind);

}  // namespace ferris::sql
