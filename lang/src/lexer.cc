#include "lexer.h"

#include <array>
#include <bit>
#include <cctype>
#include <cstring>
#include <stdexcept>
#include <unordered_map>

#include "CliveLexer.h"

namespace clive::lang {

using Ref = antlr::CliveLexer;  // the generated lexer: named token types

namespace {

// Keywords and operators of more than one character; one-character
// literals are looked up by character.
constexpr std::string_view kKeywords[] = {"import", "as", "type", "enum", "val",  "fn",    "if",
                                          "else",   "when", "for", "in",  "true", "false", "null"};
constexpr std::string_view kPairs[] = {"->", "?.", "?:", "<=", ">=", "==", "!=", "&&", "||"};
constexpr size_t kKeywordCount = std::size(kKeywords);
constexpr size_t kPairCount = std::size(kPairs);
static_assert(kKeywordCount <= 16, "keywords_by_first is a 16-bit mask");

}  // namespace

// Token types by spelling, built once from the generated vocabulary.
struct LexerVocabulary {
  std::unordered_map<std::string, size_t> by_spelling;
  std::array<size_t, 128> single{};  // one-character literals; 0 = not a literal
  std::array<size_t, kKeywordCount> keyword{};
  std::array<uint16_t, 128> keywords_by_first{};  // bit i: kKeywords[i] starts with this character
  // Second characters and types of the two-character operators, by first
  // character; 0 = none.
  std::array<std::array<std::pair<char, size_t>, 2>, 128> pairs{};
};

namespace {

const LexerVocabulary& Vocab() {
  static const LexerVocabulary vocab = [] {
    LexerVocabulary v;
    antlr4::ANTLRInputStream empty;
    Ref reference(&empty);
    const antlr4::dfa::Vocabulary& names = reference.getVocabulary();
    for (size_t type = 1; type <= names.getMaxTokenType(); ++type) {
      std::string literal = names.getLiteralName(type);
      if (literal.size() < 3 || literal.front() != '\'' || literal.back() != '\'') continue;
      v.by_spelling.emplace(literal.substr(1, literal.size() - 2), type);
    }
    // Every literal of the grammar must be one this lexer knows, and the
    // other way round; otherwise Clive.g4 changed without lexer.cc.
    size_t known = 0;
    auto type_of = [&](std::string_view spelling) {
      auto it = v.by_spelling.find(std::string(spelling));
      if (it == v.by_spelling.end()) {
        throw std::logic_error("lexer.cc knows '" + std::string(spelling) + "', Clive.g4 does not");
      }
      ++known;
      return it->second;
    };
    for (size_t i = 0; i < kKeywordCount; ++i) {
      v.keyword[i] = type_of(kKeywords[i]);
      v.keywords_by_first[static_cast<unsigned char>(kKeywords[i][0])] |= static_cast<uint16_t>(1u << i);
    }
    for (std::string_view pair : kPairs) {
      auto& slots = v.pairs[static_cast<unsigned char>(pair[0])];
      auto& slot = slots[0].second == 0 ? slots[0] : slots[1];
      if (slot.second != 0) throw std::logic_error("lexer.cc: more than two operators start with " + std::string(pair));
      slot = {pair[1], type_of(pair)};
    }
    for (const auto& [spelling, type] : v.by_spelling) {
      if (spelling.size() != 1) continue;
      auto c = static_cast<unsigned char>(spelling[0]);
      if (c >= 128 || std::isalnum(c) || c == '_' || c == '"' || c == '\n' || c == '\r' ||
          c == ' ' || c == '\t') {
        throw std::logic_error("Clive.g4 has a literal '" + spelling + "' lexer.cc cannot lex");
      }
      v.single[c] = type;
      ++known;
    }
    if (v.single['/'] == 0) throw std::logic_error("Clive.g4 has no '/' literal");  // comments fall back to it
    if (known != v.by_spelling.size()) {
      throw std::logic_error("Clive.g4 has literal tokens that lexer.cc does not know");
    }
    return v;
  }();
  return vocab;
}

// How Next() dispatches on a token's first byte.
enum CharClass : uint8_t { kOther, kSpace, kWord, kDigit, kNewline, kReturn, kQuote, kSlash, kNonAscii };

constexpr std::array<uint8_t, 256> kClass = [] {
  std::array<uint8_t, 256> t{};
  for (int c = 'a'; c <= 'z'; ++c) t[c] = kWord;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = kWord;
  t['_'] = kWord;
  for (int c = '0'; c <= '9'; ++c) t[c] = kDigit;
  t[' '] = t['\t'] = kSpace;
  t['\n'] = kNewline;
  t['\r'] = kReturn;
  t['"'] = kQuote;
  t['/'] = kSlash;
  for (int c = 128; c < 256; ++c) t[c] = kNonAscii;
  return t;
}();

constexpr bool IsDigit(unsigned char c) { return c >= '0' && c <= '9'; }
constexpr bool IsLetter(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool IsIdentPart(unsigned char c) { return kClass[c] == kWord || kClass[c] == kDigit; }
constexpr bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Code points in bytes [begin, end): SourceFile's rule (every byte that does
// not continue a UTF-8 sequence starts one).
size_t CodePoints(std::string_view text, size_t begin, size_t end) {
  size_t n = 0;
  for (size_t i = begin; i < end; ++i) n += !IsContinuation(static_cast<unsigned char>(text[i]));
  return n;
}

// The type of an identifier-shaped word: a keyword's literal rule comes
// before IDENT in the grammar, so it wins the tie.
size_t WordType(const LexerVocabulary& v, std::string_view word) {
  for (uint16_t candidates = v.keywords_by_first[static_cast<unsigned char>(word[0])]; candidates != 0;
       candidates &= static_cast<uint16_t>(candidates - 1)) {
    int i = std::countr_zero(candidates);
    if (kKeywords[i] == word) return v.keyword[i];
  }
  return Ref::IDENT;
}

// End of DIGITS : [0-9] ('_'? [0-9])* starting at a digit at `at`.
size_t ScanDigits(std::string_view s, size_t at) {
  size_t p = at + 1;
  while (p < s.size()) {
    auto c = static_cast<unsigned char>(s[p]);
    if (IsDigit(c)) {
      ++p;
    } else if (c == '_' && p + 1 < s.size() && IsDigit(static_cast<unsigned char>(s[p + 1]))) {
      p += 2;
    } else {
      break;
    }
  }
  return p;
}

}  // namespace

size_t FindInvalidUtf8(std::string_view s) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = byte(i);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t length = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      length = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      length = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      length = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return i;
    }
    if (i + length > s.size() || byte(i + 1) < lo || byte(i + 1) > hi) return i;
    for (size_t k = 2; k < length; ++k) {
      if ((byte(i + k) & 0xC0) != 0x80) return i;
    }
    i += length;
  }
  return std::string_view::npos;
}

size_t LiteralTokenType(std::string_view spelling) {
  const LexerVocabulary& v = Vocab();
  auto it = v.by_spelling.find(std::string(spelling));
  if (it == v.by_spelling.end()) {
    throw std::logic_error("Clive.g4 has no literal token '" + std::string(spelling) + "'");
  }
  return it->second;
}

Lexer::Lexer(std::string_view text, size_t offset, size_t code_point)
    : vocabulary_(Vocab()), text_(text), pos_(offset), code_point_(code_point) {}

size_t Lexer::NextCodePoint(size_t at) const {
  ++at;
  while (at < text_.size() && IsContinuation(static_cast<unsigned char>(text_[at]))) ++at;
  return at;
}

LexedToken Lexer::EmitAscii(size_t type, size_t channel, size_t end) {
  size_t length = end - pos_;
  LexedToken t{type,   channel, code_point_, code_point_ + length - 1, static_cast<uint32_t>(pos_),
               static_cast<uint32_t>(end), line_, column_};
  column_ += length;
  code_point_ += length;
  pos_ = end;
  return t;
}

LexedToken Lexer::Emit(size_t type, size_t channel, size_t end) {
  size_t length = CodePoints(text_, pos_, end);
  LexedToken t{type,   channel, code_point_, code_point_ + length - 1, static_cast<uint32_t>(pos_),
               static_cast<uint32_t>(end), line_, column_};
  // ANTLR counts a line at every '\n' (NL, block comments) and restarts
  // the column after it.
  size_t line_start = pos_;
  for (size_t i = pos_; i < end; ++i) {
    if (text_[i] == '\n') {
      ++line_;
      line_start = i + 1;
    }
  }
  column_ = line_start == pos_ ? column_ + length : CodePoints(text_, line_start, end);
  code_point_ += length;
  pos_ = end;
  return t;
}

size_t Lexer::MatchString(size_t begin) {
  // STRING and NESTED_STRING: '"' (ESCAPE | INTERPOLATION | '$' ~[{"\\\r\n]
  //   | ~["\\\r\n$])* '$'? '"'
  // INTERPOLATION and nested braces: '{' (~[{}"\r\n] | braces | NESTED_STRING)* '}'
  // The rules are deterministic (each character has one reading), so one
  // pass with a stack of open strings ('"') and braces ('{') decides them;
  // a stack rather than recursion, so deep nesting cannot exhaust the stack.
  const std::string_view s = text_;
  frames_.assign(1, '"');
  size_t p = begin + 1;
  while (p < s.size()) {
    auto c = static_cast<unsigned char>(s[p]);
    if (frames_.back() == '"') {
      switch (c) {
        case '"':
          ++p;
          frames_.pop_back();
          if (frames_.empty()) return p;
          break;
        case '\\': {
          if (p + 1 >= s.size()) return 0;
          char e = s[p + 1];
          if (e != '"' && e != '\\' && e != 'n' && e != 'r' && e != 't' && e != '$' && e != '0') return 0;
          p += 2;
          break;
        }
        case '$': {
          if (p + 1 >= s.size()) return 0;
          char next = s[p + 1];
          if (next == '{') {
            frames_.push_back('{');
            p += 2;
          } else if (next == '"') {  // '$'? '"': the string ends
            p += 2;
            frames_.pop_back();
            if (frames_.empty()) return p;
          } else if (next == '\\' || next == '\r' || next == '\n') {
            return 0;
          } else {
            p = NextCodePoint(p + 1);  // '$' and any one character
          }
          break;
        }
        case '\r':
        case '\n': return 0;
        default: p = NextCodePoint(p); break;
      }
    } else {
      switch (c) {
        case '}':
          ++p;
          frames_.pop_back();  // a '{' frame is never the bottom one
          break;
        case '{':
          frames_.push_back('{');
          ++p;
          break;
        case '"':
          frames_.push_back('"');
          ++p;
          break;
        case '\r':
        case '\n': return 0;
        default: p = NextCodePoint(p); break;
      }
    }
  }
  return 0;  // end of input inside the string
}

LexedToken Lexer::Next() {
  const std::string_view s = text_;
  const size_t n = s.size();
  // WS : [ \t]+ -> skip
  while (pos_ < n && (s[pos_] == ' ' || s[pos_] == '\t')) {
    ++pos_;
    ++code_point_;
    ++column_;
  }
  if (pos_ >= n) {
    // What Lexer::emitEOF makes: an empty range at the end.
    return {antlr4::Token::EOF, antlr4::Token::DEFAULT_CHANNEL, code_point_, code_point_ - 1,
            static_cast<uint32_t>(pos_), static_cast<uint32_t>(pos_), line_, column_};
  }
  const LexerVocabulary& v = vocabulary_;
  constexpr size_t kDefault = antlr4::Token::DEFAULT_CHANNEL;
  constexpr size_t kHidden = antlr4::Token::HIDDEN_CHANNEL;
  const size_t b = pos_;
  const auto c = static_cast<unsigned char>(s[b]);
  auto at = [&](size_t i) -> unsigned char { return i < n ? static_cast<unsigned char>(s[i]) : 0; };

  switch (kClass[c]) {
    case kWord: {
      size_t e = b + 1;
      while (e < n && IsIdentPart(static_cast<unsigned char>(s[e]))) ++e;
      return EmitAscii(WordType(v, s.substr(b, e - b)), kDefault, e);
    }
    case kDigit: {
      // The longest of QUANTITY, FLOAT and INT (they never tie).
      size_t digits = ScanDigits(s, b);
      if (at(digits) != '.') return EmitAscii(Ref::INT, kDefault, digits);
      if (IsLetter(at(digits + 1))) {  // DIGITS '.' [a-zA-Z]+
        size_t e = digits + 2;
        while (IsLetter(at(e))) ++e;
        return EmitAscii(Ref::QUANTITY, kDefault, e);
      }
      if (!IsDigit(at(digits + 1))) return EmitAscii(Ref::INT, kDefault, digits);
      size_t fraction = ScanDigits(s, digits + 1);
      if (at(fraction) == '.' && IsLetter(at(fraction + 1))) {  // DIGITS '.' DIGITS '.' [a-zA-Z]+
        size_t e = fraction + 2;
        while (IsLetter(at(e))) ++e;
        return EmitAscii(Ref::QUANTITY, kDefault, e);
      }
      if (at(fraction) == 'e' || at(fraction) == 'E') {  // ([eE] [+-]? DIGITS)?
        size_t exponent = fraction + 1;
        if (at(exponent) == '+' || at(exponent) == '-') ++exponent;
        if (IsDigit(at(exponent))) return EmitAscii(Ref::FLOAT, kDefault, ScanDigits(s, exponent));
      }
      return EmitAscii(Ref::FLOAT, kDefault, fraction);
    }
    case kNewline: return Emit(Ref::NL, kHidden, b + 1);
    case kReturn:
      if (at(b + 1) == '\n') return Emit(Ref::NL, kHidden, b + 2);
      return EmitAscii(Ref::BAD_CHAR, kDefault, b + 1);
    case kQuote: {
      size_t e = MatchString(b);
      return e != 0 ? Emit(Ref::STRING, kDefault, e) : EmitAscii(Ref::BAD_CHAR, kDefault, b + 1);
    }
    case kSlash: {
      unsigned char next = at(b + 1);
      if (next == '/') {
        size_t e = b + 2;
        while (e < n && s[e] != '\n' && s[e] != '\r') ++e;
        // DOC_COMMENT comes first in the grammar, so it wins the tie.
        return Emit(at(b + 2) == '/' ? Ref::DOC_COMMENT : Ref::LINE_COMMENT, kHidden, e);
      }
      if (next == '*') {
        // '/*' .*? '*/': the first '*/' ends it; without one, only '/' matches.
        size_t close = s.find("*/", b + 2);
        if (close != std::string_view::npos) return Emit(Ref::BLOCK_COMMENT, kHidden, close + 2);
      }
      return EmitAscii(v.single['/'], kDefault, b + 1);
    }
    case kNonAscii: return Emit(Ref::BAD_CHAR, kDefault, NextCodePoint(b));
    default: break;
  }
  // Operators: two characters win over one (longest match).
  for (const auto& [second, type] : v.pairs[c]) {
    if (type != 0 && at(b + 1) == static_cast<unsigned char>(second)) return EmitAscii(type, kDefault, b + 2);
  }
  return EmitAscii(v.single[c] != 0 ? v.single[c] : size_t{Ref::BAD_CHAR}, kDefault, b + 1);
}

antlr4::TokenFactory<antlr4::CommonToken>* LexerTokenSource::getTokenFactory() {
  return antlr4::CommonTokenFactory::DEFAULT.get();
}

SourceToken::SourceToken(antlr4::TokenSource* source, const LexedToken& t, std::string_view text)
    : antlr4::CommonToken({source, nullptr}, t.type, t.channel, t.start, t.stop), text_(text) {
  _line = t.line;
  _charPositionInLine = t.column;
}

std::string SourceToken::getText() const {
  // setText() (which nothing here calls) would still win, as in CommonToken.
  return _text.empty() ? std::string(text_) : _text;
}

std::unique_ptr<antlr4::Token> LexerTokenSource::nextToken() {
  return NextToken([](antlr4::TokenSource* source, const LexedToken& t, std::string_view text) {
    return std::make_unique<SourceToken>(source, t, text);
  });
}

LexerTokenStream::~LexerTokenStream() {
  for (std::unique_ptr<antlr4::Token>& token : _tokens) static_cast<void>(token.release());
}

size_t LexerTokenStream::fetch(size_t n) {
  if (_fetchedEOF) return 0;
  for (size_t i = 0; i < n; ++i) {
    SourceToken& token = source_->NextToken([&](antlr4::TokenSource* source, const LexedToken& t,
                                                std::string_view text) -> SourceToken& {
      constexpr size_t kChunk = 512;
      if (storage_.empty() || storage_.back().size() == kChunk) storage_.emplace_back().reserve(kChunk);
      return storage_.back().emplace_back(source, t, text);
    });
    token.setTokenIndex(_tokens.size());
    _tokens.emplace_back(&token);
    if (token.getType() == antlr4::Token::EOF) {
      _fetchedEOF = true;
      return i + 1;
    }
  }
  return n;
}

}  // namespace clive::lang
