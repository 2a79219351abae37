#include "sql/lexer.h"

#include <fmt/format.h>

#include <limits>

#include "sql/duration.h"
#include "sql/keywords.h"

namespace ferris::sql {

std::string_view tokenKindName(TokenKind kind) {
    switch (kind) {
        case TokenKind::kEnd: return "the end of the input";
        case TokenKind::kWord: return "a name";
        case TokenKind::kQuotedIdentifier: return "a quoted name";
        case TokenKind::kString: return "a string literal";
        case TokenKind::kInteger: return "an integer";
        case TokenKind::kDecimal: return "a decimal number";
        case TokenKind::kDouble: return "a floating-point number";
        case TokenKind::kDuration: return "a duration";
        case TokenKind::kLeftParen: return "'('";
        case TokenKind::kRightParen: return "')'";
        case TokenKind::kLeftBracket: return "'['";
        case TokenKind::kRightBracket: return "']'";
        case TokenKind::kComma: return "','";
        case TokenKind::kSemicolon: return "';'";
        case TokenKind::kDot: return "'.'";
        case TokenKind::kStar: return "'*'";
        case TokenKind::kPlus: return "'+'";
        case TokenKind::kMinus: return "'-'";
        case TokenKind::kSlash: return "'/'";
        case TokenKind::kPercent: return "'%'";
        case TokenKind::kConcat: return "'||'";
        case TokenKind::kEq: return "'='";
        case TokenKind::kNotEq: return "'<>'";
        case TokenKind::kLt: return "'<'";
        case TokenKind::kLe: return "'<='";
        case TokenKind::kGt: return "'>'";
        case TokenKind::kGe: return "'>='";
    }
    return "?";
}

namespace {

bool isDigit(char c) {
    return c >= '0' && c <= '9';
}

bool isWordStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           static_cast<unsigned char>(c) >= 0x80;
}

bool isWordChar(char c) {
    return isWordStart(c) || isDigit(c);
}

bool isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

char toLower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

Status syntaxError(std::string message, SourceLocation location) {
    return Status::user(ErrorCode::kSyntaxError, "syntax error: " + message, location);
}

/// One pass over the text; keeps the line and the column (counted in code points).
class Lexer {
public:
    explicit Lexer(std::string_view text) : text_(text) { out_.lineFlags.assign(2, 0); }

    Result<LexedSql> run() {
        while (true) {
            skipSpace();
            if (unterminatedComment_) {
                return syntaxError("unterminated comment: '/*' has no closing '*/'",
                                   blockCommentStart_);
            }
            if (atEnd()) break;
            FERRIS_RETURN_IF_ERROR(next());
        }
        Token end;
        end.kind = TokenKind::kEnd;
        end.begin = end.end = lastTokenEnd_;
        end.location = lastTokenEndLocation_;
        out_.tokens.push_back(std::move(end));
        return std::move(out_);
    }

private:
    bool atEnd() const { return pos_ >= text_.size(); }
    char peekChar(size_t ahead = 0) const {
        return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
    }
    SourceLocation here() const { return {line_, column_}; }

    void bump() {
        char c = text_[pos_++];
        if (c == '\n') {
            ++line_;
            column_ = 1;
            if (out_.lineFlags.size() <= static_cast<size_t>(line_)) {
                out_.lineFlags.resize(static_cast<size_t>(line_) + 1, 0);
            }
        } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
            ++column_;
        }
    }

    void markLines(int first, int last, uint8_t flag) {
        for (int line = first; line <= last; ++line)
            out_.lineFlags[static_cast<size_t>(line)] |= flag;
    }

    /// Skips white space and comments (recording them).
    void skipSpace() {
        while (!atEnd()) {
            char c = peekChar();
            if (isSpace(c)) {
                bump();
            } else if (c == '-' && peekChar(1) == '-') {
                LineComment comment;
                comment.location = here();
                comment.begin = static_cast<uint32_t>(pos_);
                bump();
                bump();
                size_t bodyBegin = pos_;
                while (!atEnd() && peekChar() != '\n') bump();
                comment.body = text_.substr(bodyBegin, pos_ - bodyBegin);
                markLines(comment.location.line, comment.location.line, kLineHasComment);
                out_.lineComments.push_back(comment);
            } else if (c == '/' && peekChar(1) == '*') {
                blockCommentStart_ = here();
                int firstLine = line_;
                bump();
                bump();
                bool closed = false;
                while (!atEnd()) {
                    if (peekChar() == '*' && peekChar(1) == '/') {
                        bump();
                        bump();
                        closed = true;
                        break;
                    }
                    bump();
                }
                markLines(firstLine, line_, kLineHasComment);
                if (!closed) {
                    unterminatedComment_ = true;
                    return;
                }
            } else {
                return;
            }
        }
    }

    Status next() {
        Token token;
        token.begin = static_cast<uint32_t>(pos_);
        token.location = here();
        int firstLine = line_;
        char c = peekChar();
        if (c == '\'') {
            FERRIS_RETURN_IF_ERROR(lexQuoted(token, '\'', TokenKind::kString,
                                             "unterminated string literal: no closing '"));
        } else if (c == '`' || c == '"') {
            FERRIS_RETURN_IF_ERROR(
                lexQuoted(token, c, TokenKind::kQuotedIdentifier,
                          fmt::format("unterminated quoted identifier: no closing {}", c)));
            if (token.text.empty()) {
                return syntaxError("a quoted identifier cannot be empty", token.location);
            }
        } else if (isDigit(c) || (c == '.' && isDigit(peekChar(1)))) {
            FERRIS_RETURN_IF_ERROR(lexNumber(token));
        } else if (isWordStart(c)) {
            FERRIS_RETURN_IF_ERROR(lexWord(token));
        } else {
            FERRIS_RETURN_IF_ERROR(lexPunctuation(token));
        }
        token.end = static_cast<uint32_t>(pos_);
        if (token.kind != TokenKind::kString && token.kind != TokenKind::kQuotedIdentifier &&
            token.kind != TokenKind::kWord) {
            token.text.assign(text_.substr(token.begin, token.end - token.begin));
        }
        markLines(firstLine, line_, kLineHasToken);
        lastTokenEnd_ = token.end;
        lastTokenEndLocation_ = here();
        out_.tokens.push_back(std::move(token));
        return Status::ok();
    }

    /// A string or quoted identifier; the delimiter inside is written twice.
    Status lexQuoted(Token& token, char quote, TokenKind kind, std::string unterminated) {
        token.kind = kind;
        bump();
        while (true) {
            if (atEnd()) return syntaxError(std::move(unterminated), token.location);
            char c = peekChar();
            if (c == quote) {
                if (peekChar(1) == quote) {
                    token.text.push_back(quote);
                    bump();
                    bump();
                    continue;
                }
                bump();
                return Status::ok();
            }
            token.text.push_back(c);
            bump();
        }
    }

    Status lexNumber(Token& token) {
        token.kind = TokenKind::kInteger;
        while (isDigit(peekChar())) bump();
        if (peekChar() == '.' && isDigit(peekChar(1))) {
            token.kind = TokenKind::kDecimal;
            bump();
            while (isDigit(peekChar())) bump();
        }
        char e = peekChar();
        if ((e == 'e' || e == 'E') &&
            (isDigit(peekChar(1)) ||
             ((peekChar(1) == '+' || peekChar(1) == '-') && isDigit(peekChar(2))))) {
            token.kind = TokenKind::kDouble;
            bump();
            if (!isDigit(peekChar())) bump();
            while (isDigit(peekChar())) bump();
        }
        if (!isWordStart(peekChar())) return Status::ok();

        // A number directly followed by letters is a duration shorthand: 5m, 500ms, 1.5s.
        size_t unitBegin = pos_;
        while (isWordChar(peekChar())) bump();
        std::string_view number = text_.substr(token.begin, unitBegin - token.begin);
        std::string_view unit = text_.substr(unitBegin, pos_ - unitBegin);
        std::string_view whole = text_.substr(token.begin, pos_ - token.begin);
        std::optional<int64_t> unitMicros = shorthandUnitMicros(unit);
        if (token.kind == TokenKind::kDouble || !unitMicros) {
            return syntaxError(fmt::format("unknown duration unit '{}' in '{}' (expected us, ms, "
                                           "s, m, h or d)",
                                           token.kind == TokenKind::kDouble
                                               ? whole.substr(number.find_first_of("eE"))
                                               : unit,
                                           whole),
                               token.location);
        }
        ScaledAmount scaled = scaleAmount(number, *unitMicros);
        if (scaled.error == AmountError::kNotWhole) {
            return syntaxError(
                fmt::format("duration '{}' is not a whole number of microseconds", whole),
                token.location);
        }
        if (scaled.error != AmountError::kNone) {
            return syntaxError(fmt::format("duration '{}' is too large", whole), token.location);
        }
        token.kind = TokenKind::kDuration;
        token.durationMicros = scaled.value;
        return Status::ok();
    }

    Status lexWord(Token& token) {
        token.kind = TokenKind::kWord;
        while (isWordChar(peekChar())) {
            // Typographic quotes pasted from documents are not part of a name.
            if (isTypographicQuote()) break;
            token.text.push_back(toLower(peekChar()));
            bump();
        }
        if (token.text.empty()) {
            return syntaxError(fmt::format("unexpected character '{}' (a typographic quote; "
                                           "write ' for strings and ` for names)",
                                           text_.substr(pos_, 3)),
                               token.location);
        }
        token.reserved = isReservedWord(token.text);
        return Status::ok();
    }

    /// ‘ ’ “ ” (U+2018, U+2019, U+201C, U+201D) at the current position.
    bool isTypographicQuote() const {
        if (static_cast<unsigned char>(peekChar()) != 0xE2 ||
            static_cast<unsigned char>(peekChar(1)) != 0x80) {
            return false;
        }
        auto third = static_cast<unsigned char>(peekChar(2));
        return third == 0x98 || third == 0x99 || third == 0x9C || third == 0x9D;
    }

    Status lexPunctuation(Token& token) {
        char c = peekChar();
        char d = peekChar(1);
        auto one = [&](TokenKind kind) {
            token.kind = kind;
            bump();
            return Status::ok();
        };
        auto two = [&](TokenKind kind) {
            token.kind = kind;
            bump();
            bump();
            return Status::ok();
        };
        switch (c) {
            case '(': return one(TokenKind::kLeftParen);
            case ')': return one(TokenKind::kRightParen);
            case '[': return one(TokenKind::kLeftBracket);
            case ']': return one(TokenKind::kRightBracket);
            case ',': return one(TokenKind::kComma);
            case ';': return one(TokenKind::kSemicolon);
            case '.': return one(TokenKind::kDot);
            case '*': return one(TokenKind::kStar);
            case '+': return one(TokenKind::kPlus);
            case '-': return one(TokenKind::kMinus);
            case '/': return one(TokenKind::kSlash);
            case '%': return one(TokenKind::kPercent);
            case '=': return one(TokenKind::kEq);
            case '|':
                if (d == '|') return two(TokenKind::kConcat);
                return syntaxError("unexpected character '|' (write || to concatenate strings)",
                                   token.location);
            case '!':
                if (d == '=') return two(TokenKind::kNotEq);
                return syntaxError(
                    "unexpected character '!' (write <> or != for 'not equal' "
                    "and NOT for negation)",
                    token.location);
            case '<':
                if (d == '=') return two(TokenKind::kLe);
                if (d == '>') return two(TokenKind::kNotEq);
                return one(TokenKind::kLt);
            case '>':
                if (d == '=') return two(TokenKind::kGe);
                return one(TokenKind::kGt);
            default: break;
        }
        auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7F) {
            return syntaxError(fmt::format("unexpected control character 0x{:02X}", byte),
                               token.location);
        }
        return syntaxError(fmt::format("unexpected character '{}'", c), token.location);
    }

    std::string_view text_;
    size_t pos_ = 0;
    int line_ = 1;
    int column_ = 1;
    uint32_t lastTokenEnd_ = 0;
    SourceLocation lastTokenEndLocation_{1, 1};
    bool unterminatedComment_ = false;
    SourceLocation blockCommentStart_;
    LexedSql out_;
};

}  // namespace

Result<LexedSql> lex(std::string_view text) {
    if (text.size() >= std::numeric_limits<uint32_t>::max()) {
        return Status::user(ErrorCode::kSyntaxError, "syntax error: the SQL text is too large");
    }
    Lexer lexer(text);
    return lexer.run();
}

}  // namespace ferris::sql
