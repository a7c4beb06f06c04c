// Differential fuzz target: the hand-written lexer (lang/src/lexer.h) against
// the lexer antlr4 generates from Clive.g4. On any valid UTF-8 input both
// must produce the same tokens (type, channel, code point range, line,
// column, text), from the start and from any code point (string
// interpolations are lexed from inside the file); it aborts on the first
// difference.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "../../lang/src/lexer.h"
#include "CliveLexer.h"
#include "clive/lang/source_file.h"

namespace {

void Check(bool same, const char* what, size_t index, const std::string& text) {
  if (same) return;
  std::fprintf(stderr, "lexer_diff_fuzzer: token %zu differs in %s; input (%zu bytes):\n%s\n", index, what,
               text.size(), text.c_str());
  std::abort();
}

void Compare(const std::string& text, size_t code_point) {
  antlr4::ANTLRInputStream input(text);
  clive::lang::antlr::CliveLexer reference(&input);
  reference.removeErrorListeners();
  input.seek(code_point);
  clive::lang::SourceFile file("fuzz.cl", text);
  clive::lang::LexerTokenSource ours(text, file.ByteOffsetOfCodePoint(code_point), code_point);
  for (size_t i = 0;; ++i) {
    std::unique_ptr<antlr4::Token> e = reference.nextToken();
    std::unique_ptr<antlr4::Token> a = ours.nextToken();
    Check(e->getType() == a->getType(), "type", i, text);
    Check(e->getChannel() == a->getChannel(), "channel", i, text);
    Check(e->getStartIndex() == a->getStartIndex(), "start", i, text);
    Check(e->getStopIndex() == a->getStopIndex(), "stop", i, text);
    Check(e->getLine() == a->getLine(), "line", i, text);
    Check(e->getCharPositionInLine() == a->getCharPositionInLine(), "column", i, text);
    Check(e->getText() == a->getText(), "text", i, text);
    if (e->getType() == antlr4::Token::EOF) return;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  // Both lexers are defined on valid UTF-8 only; the parser rejects the rest.
  if (clive::lang::FindInvalidUtf8(text) != std::string::npos) return 0;
  Compare(text, 0);
  // One more start inside the input, derived from it (deterministic).
  if (size > 1) {
    size_t code_points = 0;
    for (char c : text) code_points += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    Compare(text, (data[0] * 131u + data[size - 1]) % (code_points + 1));
  }
  return 0;
}
