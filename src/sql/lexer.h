#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "sql/token.h"

namespace ferris::sql {

/// A `--` comment: where it starts and its text after the two dashes.
struct LineComment {
    SourceLocation location;  ///< of the first '-'
    uint32_t begin = 0;       ///< byte offset of the first '-'
    std::string_view body;    ///< the text after "--" up to the end of the line (a view)
};

/// What a line of the SQL text holds, as bits of LexedSql::lineFlags. Annotations attach to
/// a statement through the block of comment-only lines directly above it.
enum LineFlag : uint8_t {
    kLineHasToken = 1,    ///< part of a token is on the line
    kLineHasComment = 2,  ///< part of a comment is on the line
};

/// The tokens of a SQL text plus what the annotation pass needs to know about comments.
/// Views point into the lexed text, which must outlive this object.
struct LexedSql {
    /// The tokens; the last one is always kEnd, placed right after the last real token.
    std::vector<Token> tokens;
    /// Every `--` comment, in order.
    std::vector<LineComment> lineComments;
    /// LineFlag bits per line, indexed by the 1-based line number (index 0 unused).
    std::vector<uint8_t> lineFlags;
};

/// Splits a SQL text into tokens. Errors (a kSyntaxError Status at the offending character):
/// unterminated strings, quoted identifiers and block comments (reported where they
/// start), unknown characters, bad duration shorthands such as `5x`.
Result<LexedSql> lex(std::string_view text);

}  // namespace ferris::sql
