// The hand-written lexer (lang/src/lexer.h) against the lexer antlr4
// generates from Clive.g4, which stays the specification: both must produce
// identical token streams (type, channel, code point range, line, column,
// text) for every file of the repository and for inputs chosen to hit each
// lexer rule's edges.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "../../../lang/src/lexer.h"
#include "CliveLexer.h"
#include "clive/lang/source_file.h"

namespace clive::lang {
namespace {

struct Tok {
  size_t type, channel, start, stop, line, column;
  std::string text;
  bool operator==(const Tok&) const = default;
};

std::string Describe(const Tok& t) {
  std::ostringstream out;
  out << "type " << (t.type == antlr4::Token::EOF ? std::string("EOF") : std::to_string(t.type))
      << " channel " << t.channel << " [" << t.start << ", " << static_cast<long long>(t.stop) << "] "
      << t.line << ":" << t.column << " '" << t.text << "'";
  return out.str();
}

Tok From(antlr4::Token& t) {
  return {t.getType(), t.getChannel(), t.getStartIndex(), t.getStopIndex(), t.getLine(),
          t.getCharPositionInLine(), t.getText()};
}

// The generated lexer, started at `code_point` the way parser.cc used to
// start it for string interpolations.
std::vector<Tok> Reference(const std::string& text, size_t code_point = 0) {
  antlr4::ANTLRInputStream input(text);
  antlr::CliveLexer lexer(&input);
  lexer.removeErrorListeners();
  input.seek(code_point);
  std::vector<Tok> out;
  for (;;) {
    std::unique_ptr<antlr4::Token> t = lexer.nextToken();
    out.push_back(From(*t));
    if (t->getType() == antlr4::Token::EOF) return out;
  }
}

std::vector<Tok> Ours(const std::string& text, size_t code_point = 0) {
  SourceFile file("x.cl", text);
  LexerTokenSource source(text, file.ByteOffsetOfCodePoint(code_point), code_point);
  std::vector<Tok> out;
  for (;;) {
    std::unique_ptr<antlr4::Token> t = source.nextToken();
    out.push_back(From(*t));
    if (t->getType() == antlr4::Token::EOF) return out;
  }
}

// Empty when both lexers agree; otherwise the first difference.
std::string Compare(const std::string& text, size_t code_point = 0) {
  std::vector<Tok> expected = Reference(text, code_point);
  std::vector<Tok> actual = Ours(text, code_point);
  for (size_t i = 0; i < std::max(expected.size(), actual.size()); ++i) {
    if (i < expected.size() && i < actual.size() && expected[i] == actual[i]) continue;
    std::string e = i < expected.size() ? Describe(expected[i]) : "(none)";
    std::string a = i < actual.size() ? Describe(actual[i]) : "(none)";
    return "token " + std::to_string(i) + " from code point " + std::to_string(code_point) +
           ":\n  generated:    " + e + "\n  hand-written: " + a;
  }
  return {};
}

size_t CodePointCount(const std::string& text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(),
                                           [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

const std::vector<std::string>& TrickyInputs() {
  static const std::vector<std::string> inputs = {
      "",
      " ",
      "\t \t",
      "\n",
      // Quantities, floats, ints and member access.
      "1.5.GB",
      "1.5",
      "a.b",
      "16.GB 512.MiB 30.s 1.e 1.e5 1.5e 1.5e5 1.5E+3 1.5e-3 1.5e+ 1.5e5.GB 1.5.e3",
      "1_000 1_000.GB 1__0 1_ 1_a 1..GB 1.2.3 1.GB5 0.5.x.y 12.34.GiB.toBytes()",
      "x.1 x.1.GB 1.5.",
      "1.",
      "1.5.G",
      "9223372036854775808 1e5 .5",
      // Strings and interpolations.
      R"("plain" "with \"escapes\" \\ \n \r \t \$ \0")",
      R"("${name}-${v + 1}")",
      R"("a ${ {x -> "}"} } b")",
      R"("${ "nested ${ "deeper ${ {{}} }" } x" }")",
      R"("${map["k"]}" "${f({ a -> a })}")",
      R"("end $" "$" "$$" "$${x}" "$a $1 $ b")",
      R"("$\n" "$\\")",
      "\"unterminated",
      "\"unterminated ${ x",
      "\"line\nbreak\"",
      "\"${\n}\"",
      "\"bad escape \\q\"",
      "\"ends with backslash \\",
      "\"${ \"unterminated nested }\"",
      "\"${ { }\"",
      "\"}\" \"{\" \"${}\"",
      "\"$",
      "\"\\",
      // Comments.
      "// line\n/// doc\n//// four\n///\n//",
      "a /* block */ b /* multi\nline\n  comment */ c",
      "/* unterminated\nblock",
      "/**/ /***/ /*/ */ /* a */ b */",
      "///* doc */\n//* line",
      "/",
      "a / b",
      // Line endings and whitespace.
      "a\r\nb\rc\n\r\n",
      "a\r",
      "\tval\tx\t=\t1\n\t\tval y = 2",
      "\f\v",
      // Operators.
      "a?.b ?: c -> d <= e >= f == g != h && i || j",
      "? ?. ?: -> - > < <= >= = == ! != & && | || ||| &&& === !== --> <<= ?.5",
      "@ ; , : { } ( ) [ ] * % + # ~ ^ ` ' \\ $",
      // Keywords and identifiers.
      "import as type enum val fn if else when for in true false null",
      "imports as_ types enumx vals fn1 iff elsewhere whenever fort inn truex falsey nullable",
      "_ __ _1 a_b_c A1 Val VAL",
      // Non-ASCII: BAD_CHAR per code point, positions in code points.
      "val größe = 1\nval x = \"ç ${größe}\" // ümlaut",
      "é 日本 😀 a😀b \"😀\" /* 😀\n😀 */ x",
      std::string("a\0b", 3),
      // Doc comments before declarations.
      "/// A type.\n/// Two lines.\ntype T { /// field\n x: Int }\n",
  };
  return inputs;
}

TEST(Lexer, MatchesGeneratedLexerOnTrickyInputs) {
  for (const std::string& text : TrickyInputs()) {
    EXPECT_EQ(Compare(text), "") << "input: " << text;
  }
}

// String interpolations are lexed from a code point inside the file; every
// starting point of the tricky inputs must agree too.
TEST(Lexer, MatchesGeneratedLexerFromEveryCodePoint) {
  for (const std::string& text : TrickyInputs()) {
    for (size_t cp = 0; cp <= CodePointCount(text); ++cp) {
      std::string diff = Compare(text, cp);
      ASSERT_EQ(diff, "") << "input: " << text;
    }
  }
}

TEST(Lexer, KnowsEveryLiteralOfTheGrammar) {
  antlr4::ANTLRInputStream empty;
  antlr::CliveLexer reference(&empty);
  const antlr4::dfa::Vocabulary& vocabulary = reference.getVocabulary();
  size_t literals = 0;
  for (size_t type = 1; type <= vocabulary.getMaxTokenType(); ++type) {
    std::string literal = vocabulary.getLiteralName(type);
    if (literal.empty()) continue;
    ++literals;
    std::string spelling = literal.substr(1, literal.size() - 2);
    EXPECT_EQ(LiteralTokenType(spelling), type) << literal;
    EXPECT_EQ(Compare(spelling), "") << literal;
    EXPECT_EQ(Compare("x" + spelling + "1"), "") << literal;
  }
  EXPECT_GT(literals, 40u);
  EXPECT_THROW(LiteralTokenType("no such token"), std::logic_error);
}

TEST(Lexer, MatchesGeneratedLexerOnEveryRepositoryFile) {
  const std::filesystem::path root = CLIVE_SOURCE_DIR;  // lang_test's compile definition
  size_t files = 0;
  // The lit tests hold clive snippets among shell lines: more odd input.
  const std::pair<const char*, const char*> sources[] = {{"examples", ".cl"},
                                                         {"stdlib", ".cl"},
                                                         {"tests/fuzz/corpus/parse_check_fuzzer", ".cl"},
                                                         {"tests/fuzz/corpus/lexer_diff_fuzzer", ".cl"},
                                                         {"tests/lit", ".test"}};
  for (auto [dir, extension] : sources) {
    ASSERT_TRUE(std::filesystem::is_directory(root / dir)) << root / dir;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root / dir)) {
      if (!entry.is_regular_file() || entry.path().extension() != extension) continue;
      std::ifstream in(entry.path(), std::ios::binary);
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (FindInvalidUtf8(text) != std::string_view::npos) continue;  // never reaches a lexer
      ++files;
      EXPECT_EQ(Compare(text), "") << entry.path();
      // And from just inside every interpolation, as the parser starts it.
      size_t cp = 0;
      for (size_t i = 0; i + 1 < text.size(); ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++cp;
        if (text[i] == '$' && text[i + 1] == '{') {
          EXPECT_EQ(Compare(text, cp + 1), "") << entry.path();
        }
      }
    }
  }
  EXPECT_GT(files, 50u);
}

TEST(Lexer, FindsInvalidUtf8) {
  EXPECT_EQ(FindInvalidUtf8("abc ç 日本 😀"), std::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8("ab\xff"), 2u);
  EXPECT_EQ(FindInvalidUtf8("\xc0\xaf"), 0u);          // overlong
  EXPECT_EQ(FindInvalidUtf8("a\xed\xa0\x80"), 1u);     // surrogate
  EXPECT_EQ(FindInvalidUtf8("\xf4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(FindInvalidUtf8("\xe6\x97"), 0u);          // truncated
}

}  // namespace
}  // namespace clive::lang
