#include "sql/lexer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sql/keywords.h"

namespace ferris::sql {
namespace {

std::vector<Token> lexOk(std::string_view text) {
    Result<LexedSql> lexed = lex(text);
    EXPECT_TRUE(lexed.isOk()) << lexed.status().toString();
    if (!lexed.isOk()) return {};
    return std::move(lexed).value().tokens;
}

std::vector<TokenKind> kinds(std::string_view text) {
    std::vector<TokenKind> out;
    for (const Token& token : lexOk(text)) out.push_back(token.kind);
    return out;
}

std::string lexError(std::string_view text) {
    Result<LexedSql> lexed = lex(text);
    EXPECT_FALSE(lexed.isOk()) << "lexing succeeded: " << text;
    if (lexed.isOk()) return "";
    EXPECT_EQ(lexed.status().code(), ErrorCode::kSyntaxError);
    return lexed.status().toString();
}

TEST(LexerTest, WordsAreLowerCasedAndReservedWordsFlagged) {
    std::vector<Token> tokens = lexOk("SELECT Price FROM Trades");
    ASSERT_EQ(tokens.size(), 5u);
    EXPECT_EQ(tokens[0].kind, TokenKind::kWord);
    EXPECT_EQ(tokens[0].text, "select");
    EXPECT_TRUE(tokens[0].reserved);
    EXPECT_EQ(tokens[1].text, "price");
    EXPECT_FALSE(tokens[1].reserved);
    EXPECT_TRUE(tokens[2].reserved);
    EXPECT_EQ(tokens[3].text, "trades");
    EXPECT_EQ(tokens[4].kind, TokenKind::kEnd);
}

TEST(LexerTest, QuotedIdentifiersKeepCaseAndUnescape) {
    std::vector<Token> tokens = lexOk("`My``Col` \"Other\"\"Name\" `select`");
    ASSERT_EQ(tokens.size(), 4u);
    EXPECT_EQ(tokens[0].kind, TokenKind::kQuotedIdentifier);
    EXPECT_EQ(tokens[0].text, "My`Col");
    EXPECT_EQ(tokens[1].kind, TokenKind::kQuotedIdentifier);
    EXPECT_EQ(tokens[1].text, "Other\"Name");
    EXPECT_EQ(tokens[2].text, "select");
    EXPECT_FALSE(tokens[2].reserved);
}

TEST(LexerTest, StringsUnescapeDoubledQuotes) {
    std::vector<Token> tokens = lexOk("'it''s' '' 'line\nbreak'");
    ASSERT_EQ(tokens.size(), 4u);
    EXPECT_EQ(tokens[0].kind, TokenKind::kString);
    EXPECT_EQ(tokens[0].text, "it's");
    EXPECT_EQ(tokens[1].text, "");
    EXPECT_EQ(tokens[2].text, "line\nbreak");
}

TEST(LexerTest, NumberKinds) {
    std::vector<Token> tokens = lexOk("42 1.50 .5 1e3 2.5E-1 7e+2 0");
    ASSERT_EQ(tokens.size(), 8u);
    EXPECT_EQ(tokens[0].kind, TokenKind::kInteger);
    EXPECT_EQ(tokens[0].text, "42");
    EXPECT_EQ(tokens[1].kind, TokenKind::kDecimal);
    EXPECT_EQ(tokens[1].text, "1.50");
    EXPECT_EQ(tokens[2].kind, TokenKind::kDecimal);
    EXPECT_EQ(tokens[2].text, ".5");
    EXPECT_EQ(tokens[3].kind, TokenKind::kDouble);
    EXPECT_EQ(tokens[3].text, "1e3");
    EXPECT_EQ(tokens[4].kind, TokenKind::kDouble);
    EXPECT_EQ(tokens[4].text, "2.5E-1");
    EXPECT_EQ(tokens[5].kind, TokenKind::kDouble);
    EXPECT_EQ(tokens[6].kind, TokenKind::kInteger);
}

TEST(LexerTest, DurationShorthands) {
    std::vector<Token> tokens = lexOk("10us 500ms 30s 5m 1h 1d 1.5s");
    ASSERT_EQ(tokens.size(), 8u);
    const int64_t expected[] = {
        10, 500'000, 30'000'000, 300'000'000, 3'600'000'000LL, 86'400'000'000LL, 1'500'000};
    for (size_t i = 0; i < 7; ++i) {
        EXPECT_EQ(tokens[i].kind, TokenKind::kDuration) << i;
        EXPECT_EQ(tokens[i].durationMicros, expected[i]) << i;
    }
    EXPECT_EQ(tokens[3].text, "5m");
}

TEST(LexerTest, Operators) {
    EXPECT_EQ(kinds("( ) [ ] , ; . * + - / % || = <> != < <= > >="),
              (std::vector<TokenKind>{
                  TokenKind::kLeftParen,    TokenKind::kRightParen, TokenKind::kLeftBracket,
                  TokenKind::kRightBracket, TokenKind::kComma,      TokenKind::kSemicolon,
                  TokenKind::kDot,          TokenKind::kStar,       TokenKind::kPlus,
                  TokenKind::kMinus,        TokenKind::kSlash,      TokenKind::kPercent,
                  TokenKind::kConcat,       TokenKind::kEq,         TokenKind::kNotEq,
                  TokenKind::kNotEq,        TokenKind::kLt,         TokenKind::kLe,
                  TokenKind::kGt,           TokenKind::kGe,         TokenKind::kEnd}));
}

TEST(LexerTest, ClosingGenericsLexAsSeparateGreaterThans) {
    EXPECT_EQ(kinds("ARRAY<ARRAY<INT>>"),
              (std::vector<TokenKind>{TokenKind::kWord, TokenKind::kLt, TokenKind::kWord,
                                      TokenKind::kLt, TokenKind::kWord, TokenKind::kGt,
                                      TokenKind::kGt, TokenKind::kEnd}));
}

TEST(LexerTest, CommentsAreSkippedAndRecorded) {
    Result<LexedSql> lexed = lex("-- @app: x\nSELECT /* inline\n comment */ 1 -- trailing\n");
    ASSERT_TRUE(lexed.isOk()) << lexed.status().toString();
    ASSERT_EQ(lexed->tokens.size(), 3u);
    EXPECT_EQ(lexed->tokens[0].text, "select");
    EXPECT_EQ(lexed->tokens[1].text, "1");
    EXPECT_EQ(lexed->tokens[1].location.line, 3);
    EXPECT_EQ(lexed->tokens[1].location.column, 13);
    ASSERT_EQ(lexed->lineComments.size(), 2u);
    EXPECT_EQ(lexed->lineComments[0].body, " @app: x");
    EXPECT_EQ(lexed->lineComments[0].location.line, 1);
    EXPECT_EQ(lexed->lineComments[1].body, " trailing");
    EXPECT_EQ(lexed->lineComments[1].location.column, 15);
    EXPECT_EQ(lexed->lineFlags[1], kLineHasComment);
    EXPECT_EQ(lexed->lineFlags[2], kLineHasToken | kLineHasComment);
    EXPECT_EQ(lexed->lineFlags[3], kLineHasToken | kLineHasComment);
}

TEST(LexerTest, MinusMinusWithoutSpaceIsAComment) {
    EXPECT_EQ(kinds("1--2"), (std::vector<TokenKind>{TokenKind::kInteger, TokenKind::kEnd}));
    EXPECT_EQ(kinds("1 - -2"),
              (std::vector<TokenKind>{TokenKind::kInteger, TokenKind::kMinus, TokenKind::kMinus,
                                      TokenKind::kInteger, TokenKind::kEnd}));
}

TEST(LexerTest, LocationsAreLineAndCodePointColumn) {
    std::vector<Token> tokens = lexOk("SELECT\n\t'é', x\n  FROM t");
    ASSERT_EQ(tokens.size(), 7u);
    EXPECT_EQ(tokens[0].location.line, 1);
    EXPECT_EQ(tokens[0].location.column, 1);
    EXPECT_EQ(tokens[1].location.line, 2);
    EXPECT_EQ(tokens[1].location.column, 2);  // after one tab
    EXPECT_EQ(tokens[2].location.column, 5);  // 'é' is three code points
    EXPECT_EQ(tokens[3].location.column, 7);
    EXPECT_EQ(tokens[4].location.line, 3);
    EXPECT_EQ(tokens[4].location.column, 3);
    EXPECT_EQ(tokens[1].begin, 8u);
    EXPECT_EQ(tokens[1].end, 12u);  // 'é' is four bytes
}

TEST(LexerTest, EndTokenSitsRightAfterTheLastToken) {
    std::vector<Token> tokens = lexOk("SELECT a FROM\n\n-- done\n");
    ASSERT_EQ(tokens.size(), 4u);
    EXPECT_EQ(tokens[3].kind, TokenKind::kEnd);
    EXPECT_EQ(tokens[3].location.line, 1);
    EXPECT_EQ(tokens[3].location.column, 14);
    EXPECT_EQ(tokens[3].begin, 13u);
}

TEST(LexerTest, ReservedWordListIsSortedAndQueryable) {
    EXPECT_TRUE(isReservedWord("select"));
    EXPECT_TRUE(isReservedWord("window"));
    EXPECT_FALSE(isReservedWord("key"));
    EXPECT_FALSE(isReservedWord("timestamp"));
    EXPECT_FALSE(isReservedWord("SELECT"));  // callers pass lower case
    EXPECT_EQ(reservedWords().size(), 53u);
}

TEST(LexerTest, Errors) {
    EXPECT_EQ(lexError("SELECT 'abc"),
              "1:8: syntax error: unterminated string literal: no closing '");
    EXPECT_EQ(lexError("SELECT\n  `abc"),
              "2:3: syntax error: unterminated quoted identifier: no closing `");
    EXPECT_EQ(lexError("SELECT \"abc"),
              "1:8: syntax error: unterminated quoted identifier: no closing \"");
    EXPECT_EQ(lexError("SELECT 1 /* never\nclosed"),
              "1:10: syntax error: unterminated comment: '/*' has no closing '*/'");
    EXPECT_EQ(lexError("WINDOW TUMBLING(5x)"),
              "1:17: syntax error: unknown duration unit 'x' in '5x' (expected us, ms, s, m, h "
              "or d)");
    EXPECT_EQ(lexError("x 5M"),
              "1:3: syntax error: unknown duration unit 'M' in '5M' (expected us, ms, s, m, h "
              "or d)");
    EXPECT_EQ(lexError("1.5us"),
              "1:1: syntax error: duration '1.5us' is not a whole number of microseconds");
    EXPECT_EQ(lexError("99999999999999999d"),
              "1:1: syntax error: duration '99999999999999999d' is too large");
    EXPECT_EQ(lexError("a | b"),
              "1:3: syntax error: unexpected character '|' (write || to concatenate strings)");
    EXPECT_EQ(lexError("a ! b"),
              "1:3: syntax error: unexpected character '!' (write <> or != for 'not equal' and "
              "NOT for negation)");
    EXPECT_EQ(lexError("SELECT #"), "1:8: syntax error: unexpected character '#'");
    EXPECT_EQ(lexError("SELECT ``"), "1:8: syntax error: a quoted identifier cannot be empty");
    EXPECT_EQ(lexError("WHERE s = \xE2\x80\x98x\xE2\x80\x99"),
              "1:11: syntax error: unexpected character '\xE2\x80\x98' (a typographic quote; "
              "write ' for strings and ` for names)");
}

}  // namespace
}  // namespace ferris::sql
