#include "sql/annotations.h"

#include <fmt/format.h>

namespace ferris::sql {

namespace {

bool isBlank(char c) {
    return c == ' ' || c == '\t' || c == '\r';
}

bool isKeyStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool isKeyChar(char c) {
    return isKeyStart(c) || (c >= '0' && c <= '9') || c == '.';
}

/// Columns are counted in code points.
int codePoints(std::string_view text) {
    int count = 0;
    for (char c : text) {
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
    }
    return count;
}

bool isAlwaysAppKey(std::string_view key) {
    return key == "app" || key == "version" || key == "description";
}

}  // namespace

Result<std::optional<ast::Annotation>> parseAnnotationComment(const LineComment& comment) {
    std::string_view body = comment.body;
    size_t at = 0;
    while (at < body.size() && isBlank(body[at])) ++at;
    if (at >= body.size() || body[at] != '@') return std::optional<ast::Annotation>();
    size_t keyBegin = at + 1;
    size_t keyEnd = keyBegin;
    if (keyEnd >= body.size() || !isKeyStart(body[keyEnd])) {
        return std::optional<ast::Annotation>();  // "-- @ text", "-- @@": a plain comment
    }
    while (keyEnd < body.size() && isKeyChar(body[keyEnd])) ++keyEnd;
    // Columns: the comment starts at its '-', the body two characters later.
    auto columnOf = [&](size_t offsetInBody) {
        return comment.location.column + 2 + codePoints(body.substr(0, offsetInBody));
    };
    ast::Annotation annotation;
    annotation.key.assign(body.substr(keyBegin, keyEnd - keyBegin));
    annotation.location = {comment.location.line, columnOf(at)};

    size_t colon = keyEnd;
    while (colon < body.size() && isBlank(body[colon])) ++colon;
    if (colon >= body.size() || body[colon] != ':') {
        return Status::user(ErrorCode::kSyntaxError,
                            fmt::format("syntax error: annotation '@{0}' needs a ':' after its "
                                        "name, as in '-- @{0}: value'",
                                        annotation.key),
                            annotation.location);
    }
    std::string_view value = body.substr(colon + 1);
    // A trailing "-- note" is a comment on the annotation, not part of its value.
    for (size_t i = 0; i + 1 < value.size(); ++i) {
        if (value[i] == '-' && value[i + 1] == '-' && (i == 0 || isBlank(value[i - 1]))) {
            value = value.substr(0, i);
            break;
        }
    }
    size_t valueBegin = 0;
    while (valueBegin < value.size() && isBlank(value[valueBegin])) ++valueBegin;
    size_t valueEnd = value.size();
    while (valueEnd > valueBegin && isBlank(value[valueEnd - 1])) --valueEnd;
    annotation.value.assign(value.substr(valueBegin, valueEnd - valueBegin));
    annotation.valueLocation = {comment.location.line, columnOf(colon + 1 + valueBegin)};
    return std::optional<ast::Annotation>(std::move(annotation));
}

Result<AssignedAnnotations> assignAnnotations(const LexedSql& lexed,
                                              std::span<const StatementStart> statements) {
    AssignedAnnotations result;
    result.perStatement.resize(statements.size());

    // The first line of the block of comment-only lines directly above each statement.
    std::vector<int> blockTop(statements.size(), 0);
    for (size_t i = 0; i < statements.size(); ++i) {
        const StatementStart& start = statements[i];
        int top = start.line;
        if (start.firstOnLine) {
            while (top > 1) {
                uint8_t flags = lexed.lineFlags[static_cast<size_t>(top - 1)];
                if ((flags & kLineHasToken) != 0 || (flags & kLineHasComment) == 0) break;
                --top;
            }
        }
        blockTop[i] = top;
    }

    size_t statement = 0;  // the first statement starting after the current comment
    for (const LineComment& comment : lexed.lineComments) {
        FERRIS_ASSIGN_OR_RETURN(std::optional<ast::Annotation> annotation,
                                parseAnnotationComment(comment));
        if (!annotation) continue;
        while (statement < statements.size() && statements[statement].begin < comment.begin) {
            ++statement;
        }
        int line = comment.location.line;
        bool directlyAbove = statement < statements.size() && line >= blockTop[statement] &&
                             line < statements[statement].line;
        if (statement == 0) {
            if (directlyAbove && !isAlwaysAppKey(annotation->key)) {
                result.perStatement[0].push_back(std::move(*annotation));
            } else {
                result.app.push_back(std::move(*annotation));
            }
        } else if (directlyAbove) {
            result.perStatement[statement].push_back(std::move(*annotation));
        } else {
            result.detached.push_back(std::move(*annotation));
        }
    }
    return result;
}

}  // namespace ferris::sql
