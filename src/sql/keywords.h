#pragma once

#include <span>
#include <string_view>

namespace ferris::sql {

/// Reserved words: they cannot be used unquoted as a name (write `order` or "order").
/// Every other keyword (STREAM, TABLE, KEY, FIRST, LAST, NULLS, PARTITION, ROWS, RANGE,
/// PRECEDING, FOLLOWING, UNBOUNDED, CURRENT, ROW, TUMBLING, SLIDING, HOPPING, SESSION,
/// STREAMS, TABLES, JOBS, FUNCTIONS, CHANGES, FINAL, INTERVAL, DATE, TIMESTAMP, EXTRACT,
/// the interval units, the type names, …) is recognised by context and stays usable as a
/// name. The list, in lower case and alphabetical order:
///
///   all and as asc between by case cast create cross desc describe distinct else emit end
///   escape except exists false from full group having in inner insert intersect into is
///   join left like limit not null on or order outer over primary right select show then
///   true union when where window with within
///
/// LEFT and RIGHT still name the string functions when directly followed by '('.
std::span<const std::string_view> reservedWords();

/// True when `lowerCaseWord` is a reserved word.
bool isReservedWord(std::string_view lowerCaseWord);

}  // namespace ferris::sql
