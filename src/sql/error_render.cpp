#include "sql/error_render.h"

#include <fmt/format.h>

#include <optional>

namespace ferris::sql {

namespace {

/// The text of 1-based line `line`, or nullopt when there is no such line.
std::optional<std::string_view> lineOf(std::string_view text, int line) {
    size_t begin = 0;
    for (int current = 1; current < line; ++current) {
        size_t newline = text.find('\n', begin);
        if (newline == std::string_view::npos) return std::nullopt;
        begin = newline + 1;
    }
    size_t end = text.find('\n', begin);
    std::string_view result = text.substr(begin, end == std::string_view::npos ? end : end - begin);
    if (!result.empty() && result.back() == '\r') result.remove_suffix(1);
    return result;
}

}  // namespace

std::string renderErrorWithCaret(std::string_view sqlText, std::string_view fileName,
                                 const Status& status) {
    SourceLocation location = status.location();
    if (!location.valid()) return fmt::format("{}: {}", fileName, status.message());
    std::string out =
        fmt::format("{}:{}:{}: {}", fileName, location.line, location.column, status.message());
    std::optional<std::string_view> line = lineOf(sqlText, location.line);
    if (!line) return out;
    out += '\n';
    out += *line;
    out += '\n';
    // Columns count code points; the caret line copies tabs so that it lines up.
    int column = 1;
    for (char c : *line) {
        if (column >= location.column) break;
        if ((static_cast<unsigned char>(c) & 0xC0) == 0x80) continue;
        out += c == '\t' ? '\t' : ' ';
        ++column;
    }
    while (column < location.column) {
        out += ' ';
        ++column;
    }
    out += '^';
    return out;
}

}  // namespace ferris::sql
