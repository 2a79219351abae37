// Type names: BOOLEAN, INT/INTEGER/BIGINT, DOUBLE/FLOAT, DECIMAL(p,s)/NUMERIC,
// STRING/VARCHAR[(n)]/TEXT, BYTES, TIMESTAMP, DATE, INTERVAL, ARRAY<T>, MAP<STRING, T>,
// STRUCT<name type, …>.

#include <fmt/format.h>

#include <charconv>

#include "common/closest_name.h"
#include "sql/parser_internal.h"
#include "types/decimal.h"

namespace ferris::sql {

namespace {

std::vector<std::string> typeNames() {
    return {"BOOLEAN",   "INT",     "INTEGER",  "BIGINT",  "DOUBLE", "FLOAT",
            "DECIMAL",   "NUMERIC", "STRING",   "VARCHAR", "TEXT",   "BYTES",
            "TIMESTAMP", "DATE",    "INTERVAL", "ARRAY",   "MAP",    "STRUCT"};
}

}  // namespace

Result<int> Parser::parseTypeParameter(std::string_view what) {
    const Token& token = peek();
    if (token.kind != TokenKind::kInteger) return expected(what);
    advance();
    int value = 0;
    auto [ptr, error] =
        std::from_chars(token.text.data(), token.text.data() + token.text.size(), value);
    if (error != std::errc() || value > 1'000'000) value = 1'000'000;  // "too large" below
    return value;
}

Result<types::DataType> Parser::parseType() {
    Nesting nesting(*this);
    FERRIS_RETURN_IF_ERROR(checkDepth());
    const Token& token = peek();
    if (token.kind != TokenKind::kWord) return expected("a type name");
    advance();
    const std::string& name = token.text;
    std::string_view written = text_.substr(token.begin, token.end - token.begin);

    if (name == "boolean" || name == "bool") return types::DataType::boolean();
    if (name == "int" || name == "integer" || name == "bigint") return types::DataType::bigint();
    if (name == "double") {
        acceptWord("precision");  // DOUBLE PRECISION
        return types::DataType::float64();
    }
    if (name == "float") return types::DataType::float64();
    if (name == "string" || name == "text") return types::DataType::string();
    if (name == "varchar") {
        // VARCHAR(n): the length is accepted and not enforced (one STRING type).
        if (at(TokenKind::kLeftParen)) {
            const Token& open = advance();
            FERRIS_ASSIGN_OR_RETURN(int length, parseTypeParameter("a length in VARCHAR(n)"));
            if (length < 1) {
                return errorAt(tokens_[pos_ - 1], "VARCHAR length must be at least 1");
            }
            FERRIS_RETURN_IF_ERROR(expectClosing(TokenKind::kRightParen, open));
        }
        return types::DataType::string();
    }
    if (name == "bytes") return types::DataType::bytes();
    if (name == "timestamp") return types::DataType::timestamp();
    if (name == "date") return types::DataType::date();
    if (name == "interval") return types::DataType::interval();
    if (name == "decimal" || name == "numeric") {
        if (!at(TokenKind::kLeftParen)) {
            std::string upperName = name == "decimal" ? "DECIMAL" : "NUMERIC";
            return errorAt(token, fmt::format("{0} needs a precision: {0}(p,s)", upperName));
        }
        const Token& open = advance();
        const Token& precisionToken = peek();
        FERRIS_ASSIGN_OR_RETURN(int precision,
                                parseTypeParameter(fmt::format("a precision in {}(p,s)", written)));
        if (precision < 1 || precision > types::kMaxDecimalPrecision) {
            return errorAt(precisionToken,
                           fmt::format("DECIMAL precision must be between 1 and {}, found {}",
                                       types::kMaxDecimalPrecision, precisionToken.text));
        }
        int scale = 0;
        if (accept(TokenKind::kComma)) {
            const Token& scaleToken = peek();
            FERRIS_ASSIGN_OR_RETURN(scale,
                                    parseTypeParameter(fmt::format("a scale in {}(p,s)", written)));
            if (scale > precision) {
                return errorAt(scaleToken,
                               fmt::format("DECIMAL scale must be between 0 and the precision "
                                           "{}, found {}",
                                           precision, scaleToken.text));
            }
        }
        FERRIS_RETURN_IF_ERROR(expectClosing(TokenKind::kRightParen, open));
        return types::DataType::decimal(precision, scale);
    }
    if (name == "array" || name == "map" || name == "struct") {
        const Token& open = peek();
        FERRIS_RETURN_IF_ERROR(expect(TokenKind::kLt, fmt::format("after {}", written)));
        types::DataType result;
        if (name == "array") {
            FERRIS_ASSIGN_OR_RETURN(types::DataType element, parseType());
            result = types::DataType::array(std::move(element));
        } else if (name == "map") {
            const Token& keyToken = peek();
            FERRIS_ASSIGN_OR_RETURN(types::DataType key, parseType());
            if (key.id() != types::TypeId::kString) {
                return errorAt(keyToken,
                               fmt::format("MAP keys must be STRING, found {}", key.toString()));
            }
            FERRIS_RETURN_IF_ERROR(expect(TokenKind::kComma,
                                          "between the key and value types of "
                                          "MAP<STRING, T>"));
            FERRIS_ASSIGN_OR_RETURN(types::DataType value, parseType());
            result = types::DataType::map(std::move(value));
        } else {
            std::vector<types::StructField> fields;
            if (at(TokenKind::kGt)) return errorHere("STRUCT needs at least one field");
            while (true) {
                const Token& fieldToken = peek();
                if (fieldToken.kind != TokenKind::kWord &&
                    fieldToken.kind != TokenKind::kQuotedIdentifier) {
                    return expected("a field name in STRUCT<name type, …>");
                }
                advance();
                for (const auto& field : fields) {
                    if (field.name == fieldToken.text) {
                        return errorAt(fieldToken, fmt::format("duplicate field '{}' in STRUCT",
                                                               fieldToken.text));
                    }
                }
                FERRIS_ASSIGN_OR_RETURN(types::DataType fieldType, parseType());
                fields.push_back({fieldToken.text, std::move(fieldType)});
                if (!accept(TokenKind::kComma)) break;
            }
            result = types::DataType::structOf(std::move(fields));
        }
        FERRIS_RETURN_IF_ERROR(expectClosing(TokenKind::kGt, open));
        return result;
    }
    std::string hint = didYouMean(name, typeNames());
    if (hint.empty()) {
        hint =
            " (types: BOOLEAN, INT, BIGINT, DOUBLE, DECIMAL(p,s), STRING, BYTES, TIMESTAMP, "
            "DATE, INTERVAL, ARRAY<T>, MAP<STRING, T>, STRUCT<name type, …>)";
    }
    return errorAt(token, fmt::format("unknown type '{}'{}", written, hint));
}

}  // namespace ferris::sql
