#include "expr/like_matcher.h"

#include <fmt/format.h>

namespace ferris::expr {

namespace {
/// Length in bytes of the UTF-8 sequence starting with `lead` (1 for invalid bytes, so
/// malformed text still advances).
size_t utf8Length(unsigned char lead) {
    if (lead < 0x80) return 1;
    if ((lead >> 5) == 0x6) return 2;
    if ((lead >> 4) == 0xE) return 3;
    if ((lead >> 3) == 0x1E) return 4;
    return 1;
}
}  // namespace

Result<LikeMatcher> LikeMatcher::compile(std::string_view pattern, char escape) {
    LikeMatcher matcher;
    std::vector<Token>& tokens = matcher.tokens_;
    for (size_t i = 0; i < pattern.size(); ++i) {
        char c = pattern[i];
        if (escape != 0 && c == escape) {
            if (i + 1 >= pattern.size()) {
                return Status::user(ErrorCode::kInvalidArgument,
                                    fmt::format("LIKE pattern '{}' ends with the escape character", pattern));
            }
            char next = pattern[i + 1];
            if (next != '%' && next != '_' && next != escape) {
                return Status::user(ErrorCode::kInvalidArgument,
                                    fmt::format("LIKE pattern '{}': the escape character must be followed by %, _ "
                                                "or itself",
                                                pattern));
            }
            if (tokens.empty() || tokens.back().kind != Token::kLiteral) tokens.push_back({Token::kLiteral, {}});
            tokens.back().literal += next;
            ++i;
        } else if (c == '%') {
            if (tokens.empty() || tokens.back().kind != Token::kAnyMany) tokens.push_back({Token::kAnyMany, {}});
        } else if (c == '_') {
            tokens.push_back({Token::kAnyOne, {}});
        } else {
            if (tokens.empty() || tokens.back().kind != Token::kLiteral) tokens.push_back({Token::kLiteral, {}});
            tokens.back().literal += c;
        }
    }
    auto is = [&](size_t i, Token::Kind kind) { return tokens[i].kind == kind; };
    size_t n = tokens.size();
    if (n == 0) {
        matcher.shape_ = Shape::kExact;
    } else if (n == 1 && is(0, Token::kLiteral)) {
        matcher.shape_ = Shape::kExact;
        matcher.literal_ = tokens[0].literal;
    } else if (n == 2 && is(0, Token::kLiteral) && is(1, Token::kAnyMany)) {
        matcher.shape_ = Shape::kPrefix;
        matcher.literal_ = tokens[0].literal;
    } else if (n == 2 && is(0, Token::kAnyMany) && is(1, Token::kLiteral)) {
        matcher.shape_ = Shape::kSuffix;
        matcher.literal_ = tokens[1].literal;
    } else if (n == 3 && is(0, Token::kAnyMany) && is(1, Token::kLiteral) && is(2, Token::kAnyMany)) {
        matcher.shape_ = Shape::kInfix;
        matcher.literal_ = tokens[1].literal;
    } else if (n == 1 && is(0, Token::kAnyMany)) {
        matcher.shape_ = Shape::kPrefix;  // '%' matches everything: empty prefix
    }
    return matcher;
}

bool LikeMatcher::matches(std::string_view text) const {
    switch (shape_) {
        case Shape::kExact: return text == literal_;
        case Shape::kPrefix: return text.starts_with(literal_);
        case Shape::kSuffix: return text.ends_with(literal_);
        case Shape::kInfix: return text.find(literal_) != std::string_view::npos;
        case Shape::kGeneral: return matchGeneral(text);
    }
    return false;
}

bool LikeMatcher::matchGeneral(std::string_view text) const {
    // Greedy matching with one backtrack point (the last %): linear for patterns without
    // `_` after `%`, and at worst O(text × pattern).
    size_t t = 0;
    size_t p = 0;
    size_t starToken = std::string_view::npos;
    size_t starText = 0;
    while (true) {
        if (p < tokens_.size()) {
            const Token& token = tokens_[p];
            if (token.kind == Token::kAnyMany) {
                starToken = p++;
                starText = t;
                continue;
            }
            if (token.kind == Token::kAnyOne) {
                if (t < text.size()) {
                    t += utf8Length(static_cast<unsigned char>(text[t]));
                    ++p;
                    continue;
                }
            } else if (text.substr(t).starts_with(token.literal)) {
                t += token.literal.size();
                ++p;
                continue;
            }
        } else if (t == text.size()) {
            return true;
        }
        // Mismatch: let the last % absorb one more character, or fail.
        if (starToken == std::string_view::npos || starText >= text.size()) return false;
        starText += utf8Length(static_cast<unsigned char>(text[starText]));
        t = starText;
        p = starToken + 1;
    }
}

}  // namespace ferris::expr
