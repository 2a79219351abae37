#include "sql/keywords.h"

#include <algorithm>
#include <iterator>

namespace ferris::sql {

namespace {

/// Sorted, so that isReservedWord can binary-search.
constexpr std::string_view kReservedWords[] = {
    "all",       "and",   "as",       "asc",      "between", "by",      "case",  "cast",   "create",
    "cross",     "desc",  "describe", "distinct", "else",    "emit",    "end",   "escape", "except",
    "exists",    "false", "from",     "full",     "group",   "having",  "in",    "inner",  "insert",
    "intersect", "into",  "is",       "join",     "left",    "like",    "limit", "not",    "null",
    "on",        "or",    "order",    "outer",    "over",    "primary", "right", "select", "show",
    "then",      "true",  "union",    "when",     "where",   "window",  "with",  "within",
};

static_assert(std::is_sorted(std::begin(kReservedWords), std::end(kReservedWords)),
              "kReservedWords must stay sorted");

}  // namespace

std::span<const std::string_view> reservedWords() {
    return kReservedWords;
}

bool isReservedWord(std::string_view lowerCaseWord) {
    return std::binary_search(std::begin(kReservedWords), std::end(kReservedWords), lowerCaseWord);
}

}  // namespace ferris::sql
