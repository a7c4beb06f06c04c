#include "clive/lang/parser.h"

#include "CliveLexer.h"
#include "CliveParser.h"
#include "antlr4-runtime.h"
#include "clive/lang/error_codes.h"
#include "lexer.h"
#include "tree_builder.h"

namespace clive::lang {
namespace {

// Turns ANTLR's syntax errors into E0001 diagnostics at the offending token.
class SyntaxErrorListener : public antlr4::BaseErrorListener {
 public:
  SyntaxErrorListener(const SourceFile& file, DiagnosticSink& sink) : file_(file), sink_(sink) {}

  void syntaxError(antlr4::Recognizer*, antlr4::Token* token, size_t line, size_t column,
                   const std::string& msg, std::exception_ptr) override {
    SourceRange range;
    if (token != nullptr && token->getType() != antlr4::Token::EOF) {
      range.begin = file_.ByteOffsetOfCodePoint(token->getStartIndex());
      range.end = file_.ByteOffsetOfCodePoint(token->getStopIndex() + 1);
    } else if (token != nullptr) {
      range.begin = range.end = static_cast<uint32_t>(file_.text().size());
    } else {
      (void)line;
      (void)column;
    }
    // One error per position: ANTLR may report the same spot twice while
    // it resynchronizes.
    if (reported_any_ && range.begin == last_offset_) return;
    reported_any_ = true;
    last_offset_ = range.begin;
    std::string message = Polish(msg, token);
    sink_.Error(codes::kSyntax, file_, range, message);
  }

 private:
  static std::string Polish(std::string msg, antlr4::Token* token) {
    if (token != nullptr && token->getType() == antlr::CliveLexer::BAD_CHAR) {
      return "unexpected character '" + token->getText() + "'";
    }
    for (auto [from, to] : {std::pair<std::string, std::string>{"<EOF>", "end of file"},
                            {"mismatched input", "unexpected"},
                            {"extraneous input", "unexpected"},
                            {"no viable alternative at input", "cannot parse"},
                            {"' at '", "' before '"}}) {
      for (size_t at = msg.find(from); at != std::string::npos; at = msg.find(from, at)) {
        msg.replace(at, from.size(), to);
        at += to.size();
      }
    }
    return msg;
  }

  const SourceFile& file_;
  DiagnosticSink& sink_;
  bool reported_any_ = false;
  uint32_t last_offset_ = 0;
};

}  // namespace

namespace {

// ANTLR's default recovery may delete one unexpected token to continue the
// current rule. Deleting a declaration keyword swallows the next declaration
// (`val a = 1 +` followed by `val b = 2` would become `1 + b`), so keywords
// that start a declaration are never deleted: recovery resynchronizes on them.
class DeclarationSyncStrategy : public antlr4::DefaultErrorStrategy {
 protected:
  antlr4::Token* singleTokenDeletion(antlr4::Parser* recognizer) override {
    size_t next = recognizer->getInputStream()->LA(1);
    for (std::string_view keyword : {"'val'", "'type'", "'import'"}) {
      if (recognizer->getVocabulary().getLiteralName(next) == keyword) return nullptr;
    }
    return antlr4::DefaultErrorStrategy::singleTokenDeletion(recognizer);
  }
};

// Every later phase walks expressions recursively, and so does ANTLR, so the
// nesting of one declaration is bounded before parsing: brackets, prefix
// operators and operator chains each add a level. The limit is far beyond
// hand-written or generated models and far below what exhausts the stack.
constexpr int kMaxNesting = 1000;

// What each token type does to the nesting count of FindTooDeep.
enum class Nesting : uint8_t { kNone, kDeclaration, kOpen, kClose, kOperator };

// Indexed by token type; built once from the literal spellings.
const std::vector<Nesting>& NestingByType() {
  static const std::vector<Nesting> table = [] {
    std::vector<Nesting> t(antlr::CliveLexer::BAD_CHAR + 1, Nesting::kNone);
    for (const char* s : {"val", "type", "import"}) t[LiteralTokenType(s)] = Nesting::kDeclaration;
    for (const char* s : {"(", "{", "["}) t[LiteralTokenType(s)] = Nesting::kOpen;
    for (const char* s : {")", "}", "]"}) t[LiteralTokenType(s)] = Nesting::kClose;
    for (const char* s : {"+", "-", "*", "/", "%", "!", ".", "&&", "||", "==", "!=", "<", ">", "<=", ">="}) {
      t[LiteralTokenType(s)] = Nesting::kOperator;
    }
    return t;
  }();
  return table;
}

// The first token that nests deeper than kMaxNesting, or null. Token types
// stand for their spellings: only the literal token 'val' is spelled "val".
antlr4::Token* FindTooDeep(antlr4::CommonTokenStream& tokens) {
  tokens.fill();
  const std::vector<Nesting>& nesting = NestingByType();
  int brackets = 0;
  int operators = 0;  // operator tokens since the last declaration keyword
  for (antlr4::Token* t : tokens.getTokens()) {
    if (t->getChannel() != antlr4::Token::DEFAULT_CHANNEL) continue;
    size_t type = t->getType();
    switch (type < nesting.size() ? nesting[type] : Nesting::kNone) {
      case Nesting::kDeclaration: operators = 0; break;
      case Nesting::kOpen: ++brackets; break;
      case Nesting::kClose: brackets = std::max(0, brackets - 1); break;
      case Nesting::kOperator: ++operators; break;
      case Nesting::kNone: break;
    }
    if (brackets + operators > kMaxNesting) return t;
  }
  return nullptr;
}

}  // namespace

std::unique_ptr<SyntaxTree> Parse(const SourceFile& file, DiagnosticSink& sink) {
  auto tree = std::make_unique<SyntaxTree>();
  tree->file = &file;
  if (size_t bad = FindInvalidUtf8(file.text()); bad != std::string_view::npos) {
    auto at = static_cast<uint32_t>(bad);
    sink.Error(codes::kInvalidUtf8, file, {at, at + 1}, "source file is not valid UTF-8");
    return tree;
  }

  // The hand-written lexer (lexer.h) yields the generated CliveLexer's
  // tokens without its cost; BAD_CHAR makes both total.
  LexerTokenSource lexer(file.text());
  LexerTokenStream tokens(&lexer);
  if (antlr4::Token* deep = FindTooDeep(tokens)) {
    uint32_t at = file.ByteOffsetOfCodePoint(deep->getStartIndex());
    sink.Error(codes::kTooDeep, file, {at, at + 1},
               "expression nested too deeply (more than " + std::to_string(kMaxNesting) +
                   " levels of brackets and operators in one declaration)");
    return tree;
  }
  antlr::CliveParser parser(&tokens);
  parser.removeErrorListeners();

  // Two-stage parsing: SLL prediction with bail-out is fast and exact for
  // valid input; only if it fails do we pay for full LL with error recovery.
  parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(
      antlr4::atn::PredictionMode::SLL);
  parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
  antlr::CliveParser::FileContext* root = nullptr;
  try {
    root = parser.file();
  } catch (const antlr4::ParseCancellationException&) {
    tokens.seek(0);
    parser.reset();
    parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(
        antlr4::atn::PredictionMode::LL);
    parser.setErrorHandler(std::make_shared<DeclarationSyncStrategy>());
    SyntaxErrorListener listener(file, sink);
    parser.addErrorListener(&listener);
    root = parser.file();
    parser.removeErrorListeners();
  }

  // String interpolations are parsed on demand from the same input, each
  // with its own lexer and parser positioned after the `${`. Their parse
  // trees must live until the tree builder is done with them.
  struct InterpolationParse {
    std::unique_ptr<LexerTokenSource> lexer;
    std::unique_ptr<LexerTokenStream> tokens;
    std::unique_ptr<antlr::CliveParser> parser;
  };
  std::vector<InterpolationParse> interpolations;
  SyntaxErrorListener interpolation_errors(file, sink);
  static const size_t close_brace = LiteralTokenType("}");
  auto parse_interpolation = [&](size_t code_point) -> antlr::CliveParser::InterpolationContext* {
    InterpolationParse job;
    job.lexer = std::make_unique<LexerTokenSource>(file.text(), file.ByteOffsetOfCodePoint(code_point),
                                                   code_point);
    job.tokens = std::make_unique<LexerTokenStream>(job.lexer.get());
    job.parser = std::make_unique<antlr::CliveParser>(job.tokens.get());
    job.parser->removeErrorListeners();
    job.parser->addErrorListener(&interpolation_errors);
    job.parser->setErrorHandler(std::make_shared<DeclarationSyncStrategy>());
    auto* ctx = job.parser->interpolation();
    // The expression must end right at the closing `}`.
    antlr4::Token* next = job.tokens->LT(1);
    if (next != nullptr && next->getType() != close_brace) {
      interpolation_errors.syntaxError(job.parser.get(), next, next->getLine(),
                                       next->getCharPositionInLine(),
                                       "unexpected '" + next->getText() + "' in string interpolation",
                                       nullptr);
    }
    interpolations.push_back(std::move(job));
    return ctx;
  };

  TreeBuilder builder(file, sink, *tree, tokens, parse_interpolation);
  builder.BuildFile(root);
  return tree;
}

}  // namespace clive::lang
