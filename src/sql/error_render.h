#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace ferris::sql {

/// Formats an error about a SQL text the way compilers do:
///
///     app.sql:3:15: syntax error: expected an expression, found ','
///     SELECT a, , b FROM t
///               ^
///
/// The source line is printed as is (tabs kept, so the caret, which reuses them, lines up;
/// a trailing '\r' is dropped). Without a location, or with a line the text does not have,
/// only the first line is produced ("app.sql: message").
std::string renderErrorWithCaret(std::string_view sqlText, std::string_view fileName,
                                 const Status& status);

}  // namespace ferris::sql
