// libFuzzer target: parses arbitrary bytes as a SQL application.
//
// Checks that the parser never crashes, hangs or overflows the stack, that every error can
// be rendered with a caret, and that the normalised SQL of every parsed statement
// (ast::toSql) parses again to the same normalised SQL.

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/check.h"
#include "sql/error_render.h"
#include "sql/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    ferris::Result<ferris::sql::ParsedApp> parsed = ferris::sql::parseApp(text);
    if (!parsed.isOk()) {
        const ferris::Status& status = parsed.status();
        FERRIS_CHECK(status.code() == ferris::ErrorCode::kSyntaxError,
                     "a parse error that is not a syntax error: " + status.toString());
        FERRIS_CHECK(status.location().valid() || size >= UINT32_MAX,
                     "a syntax error without a location: " + status.toString());
        std::string rendered = ferris::sql::renderErrorWithCaret(text, "fuzz.sql", status);
        FERRIS_CHECK(rendered.find(status.message()) != std::string::npos,
                     "the rendered error lost its message");
        return 0;
    }
    for (const auto& statement : parsed->statements) {
        std::string once = ferris::sql::ast::toSql(*statement);
        ferris::Result<ferris::sql::ParsedApp> again = ferris::sql::parseApp(once);
        if (!again.isOk()) {
            // toSql parenthesises every operator operand, so a tall (but legal) chain such as
            // a + b + … can come back nested deeper than the nesting limit.
            FERRIS_CHECK(again.status().message().find("nests too deeply") != std::string::npos,
                         "toSql output does not parse: " + once + "\n" + again.status().toString());
            continue;
        }
        FERRIS_CHECK(again->statements.size() == 1, "toSql output is not one statement: " + once);
        std::string twice = ferris::sql::ast::toSql(*again->statements[0]);
        FERRIS_CHECK(twice == once, "toSql is not stable:\n" + once + "\n" + twice);
    }
    return 0;
}
