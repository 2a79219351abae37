#pragma once

#include <optional>
#include <span>
#include <vector>

#include "common/result.h"
#include "sql/ast.h"
#include "sql/lexer.h"

namespace ferris::sql {

/// Reads the annotation in a `--` comment if it is one: `-- @key: value   -- note` gives
/// key "key", value "value". A comment whose text starts with `@name` but has no ':' after
/// the name is an error (a misspelt annotation must not be silently ignored). Any other
/// comment gives nullopt.
Result<std::optional<ast::Annotation>> parseAnnotationComment(const LineComment& comment);

/// Where a statement starts, as the annotation pass needs it.
struct StatementStart {
    uint32_t begin = 0;       ///< byte offset of the first token
    int line = 0;             ///< line of the first token
    bool firstOnLine = true;  ///< no token before it on that line
};

/// The annotations of an app, split between the app, each statement and nothing.
struct AssignedAnnotations {
    std::vector<ast::Annotation> app;
    std::vector<std::vector<ast::Annotation>> perStatement;  ///< one entry per statement
    std::vector<ast::Annotation> detached;
};

/// Attaches every annotation comment of `lexed` (see ParsedApp for the rules): a
/// statement gets those in the block of comment-only lines directly above it; annotations
/// before the first statement and outside that block (or keyed @app, @version,
/// @description) go to the app; the rest are detached.
Result<AssignedAnnotations> assignAnnotations(const LexedSql& lexed,
                                              std::span<const StatementStart> statements);

}  // namespace ferris::sql
