// A hand-written lexer for clive.cl files. Private to lang/.
//
// It produces exactly the tokens of the lexer that antlr4 generates from the
// lexer rules of Clive.g4 (same types, channels, code point indices, lines,
// columns and text) for an order of magnitude fewer instructions: the
// generated lexer simulates an ATN over a UTF-32 copy of the input, which
// made it the slow half of parsing. Clive.g4 stays the specification; tests/unit/lang/lexer_test.cc
// and tests/fuzz/lexer_diff_fuzzer.cc compare both lexers token by token.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "antlr4-runtime.h"

namespace clive::lang {

// One token, positioned the way ANTLR positions it.
struct LexedToken {
  size_t type = 0;     // a CliveLexer token type, or antlr4::Token::EOF
  size_t channel = 0;  // antlr4::Token::DEFAULT_CHANNEL or HIDDEN_CHANNEL
  size_t start = 0;    // code point index of the first character
  size_t stop = 0;     // code point index of the last character (start - 1 at EOF)
  uint32_t begin = 0;  // byte range [begin, end) of the token's text
  uint32_t end = 0;
  size_t line = 1;    // 1-based, counting '\n' only (as ANTLR does)
  size_t column = 0;  // 0-based, in code points
};

struct LexerVocabulary;  // token types by spelling (lexer.cc)

class Lexer {
 public:
  // Lexes `text` from byte `offset`, the start of code point `code_point`.
  // Lines and columns count from that point, like a fresh generated lexer
  // whose input was seeked there (how string interpolations are parsed).
  explicit Lexer(std::string_view text, size_t offset = 0, size_t code_point = 0);

  // The next token on any channel (whitespace is skipped, as `-> skip`
  // does); EOF at the end, and again on every later call.
  LexedToken Next();

  size_t line() const { return line_; }
  size_t column() const { return column_; }

 private:
  // Byte end of the STRING token starting with the '"' at `begin`, or 0 if
  // none matches there.
  size_t MatchString(size_t begin);
  size_t NextCodePoint(size_t at) const;
  // A token of `end - pos_` ASCII characters without a newline.
  LexedToken EmitAscii(size_t type, size_t channel, size_t end);
  // A token that may hold any characters (strings, comments, BAD_CHAR).
  LexedToken Emit(size_t type, size_t channel, size_t end);

  const LexerVocabulary& vocabulary_;
  std::string_view text_;
  size_t pos_;         // byte offset of the next character
  size_t code_point_;  // code point index of pos_
  size_t line_ = 1;
  size_t column_ = 0;
  std::string frames_;  // MatchString's stack of nested strings and braces
};

// A CommonToken whose text is a view of the source rather than a copy:
// most token texts are never read, so copying each one was wasted work.
// The source text must outlive the token.
class SourceToken final : public antlr4::CommonToken {
 public:
  SourceToken(antlr4::TokenSource* source, const LexedToken& t, std::string_view text);
  std::string getText() const override;

 private:
  std::string_view text_;
};

// An antlr4 TokenSource over Lexer: the parser reads SourceTokens, so no
// ANTLRInputStream (a UTF-32 copy of the file) is needed. Tokens are made on
// demand; the token stream that pulls them owns them.
class LexerTokenSource : public antlr4::TokenSource {
 public:
  explicit LexerTokenSource(std::string_view text, size_t offset = 0, size_t code_point = 0)
      : text_(text), lexer_(text, offset, code_point) {}

  // The next token, constructed in place by `make(source, lexed, text)`.
  template <typename Make>
  decltype(auto) NextToken(Make make) {
    LexedToken t = lexer_.Next();
    // EOF's text is what CommonToken::getText() answers for it.
    std::string_view text =
        t.type == antlr4::Token::EOF ? std::string_view("<EOF>") : text_.substr(t.begin, t.end - t.begin);
    return make(this, t, text);
  }
  std::unique_ptr<antlr4::Token> nextToken() override;
  size_t getLine() const override { return lexer_.line(); }
  size_t getCharPositionInLine() override { return lexer_.column(); }
  // There is no CharStream: every token carries its text.
  antlr4::CharStream* getInputStream() override { return nullptr; }
  std::string getSourceName() override { return antlr4::IntStream::UNKNOWN_SOURCE_NAME; }
  antlr4::TokenFactory<antlr4::CommonToken>* getTokenFactory() override;

 private:
  std::string_view text_;
  Lexer lexer_;
};

// A CommonTokenStream over a LexerTokenSource that keeps its tokens in
// blocks rather than one heap allocation each (a parse allocates and frees
// hundreds of thousands of them), and fetches without the dynamic_cast per
// token that BufferedTokenStream::fetch makes.
class LexerTokenStream : public antlr4::CommonTokenStream {
 public:
  explicit LexerTokenStream(LexerTokenSource* source) : antlr4::CommonTokenStream(source), source_(source) {}
  // The base class's vector of unique_ptrs points into storage_, which owns
  // the tokens: it must not delete them. (Nothing here calls the one base
  // method that would, setTokenSource().)
  ~LexerTokenStream() override;

 protected:
  size_t fetch(size_t n) override;

 private:
  LexerTokenSource* source_;
  // Chunks that never grow past their reserved capacity, so tokens keep
  // their addresses (std::deque would allocate every third token).
  std::vector<std::vector<SourceToken>> storage_;
};

// The offset of the first byte where `s` stops being valid UTF-8 (RFC 3629:
// no overlong forms, no surrogates, nothing above U+10FFFF), or npos. Both
// lexers are defined on valid UTF-8 only (ANTLR's decoder throws on the
// rest), so the parser rejects such files before lexing.
size_t FindInvalidUtf8(std::string_view s);

// The token type of the literal token the grammar spells `spelling` ("val",
// "{", "?.", without quotes), looked up once in the generated vocabulary so
// that nothing depends on ANTLR's T__N numbering. Throws std::logic_error
// if Clive.g4 has no such literal.
size_t LiteralTokenType(std::string_view spelling);

}  // namespace clive::lang
