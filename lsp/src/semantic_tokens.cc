// Semantic tokens: names classified by what they declare (from the symbol
// index), literals and comments from the syntax tree, and keywords found
// in the code between them.
#include <algorithm>
#include <set>

#include "language_features.h"
#include "symbol_index.h"
#include "text.h"

namespace clive::lsp {
namespace {

using compiler::CheckedModule;
using compiler::Program;
using json = nlohmann::json;
using lang::ExprKind;
using lang::SourceRange;

// Indices into the legend's tokenTypes.
enum TokenType : uint32_t {
  kKeyword, kType, kEnum, kEnumMember, kFunction, kParameter, kProperty, kVariable, kString, kNumber, kComment,
  kNamespace,
};
constexpr const char* kTokenTypes[] = {"keyword",   "type",     "enum",     "enumMember", "function", "parameter",
                                       "property",  "variable", "string",   "number",     "comment",  "namespace"};
constexpr uint32_t kDeclarationModifier = 1;  // bit 0 of tokenModifiers

struct Token {
  uint32_t begin, end, type, modifiers;
};

uint32_t TypeOf(DeclKind kind) {
  switch (kind) {
    case DeclKind::kModule: return kNamespace;
    case DeclKind::kType: return kType;
    case DeclKind::kEnum: return kEnum;
    case DeclKind::kEnumCase: return kEnumMember;
    case DeclKind::kField: return kProperty;
    case DeclKind::kFunction: return kFunction;
    case DeclKind::kParam: return kParameter;
    case DeclKind::kCell:
    case DeclKind::kLocal: return kVariable;
  }
  return kVariable;
}

bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Literal tokens: strings (an interpolation's text around its expressions)
// and numbers.
void AddLiterals(const lang::SyntaxTree& tree, std::vector<Token>& out) {
  for (const lang::Expr& e : tree.exprs) {
    switch (e.kind) {
      case ExprKind::kInt:
      case ExprKind::kFloat:
      case ExprKind::kQuantity:
        out.push_back({e.range.begin, e.range.end, kNumber, 0});
        break;
      case ExprKind::kString:
        out.push_back({e.range.begin, e.range.end, kString, 0});
        break;
      case ExprKind::kInterpolation: {
        uint32_t at = e.range.begin;
        for (uint32_t i = e.list.first; i < e.list.end(); ++i) {
          const lang::Expr& part = tree.expr(tree.expr_lists[i]);
          if (part.kind == ExprKind::kString) continue;
          if (part.range.begin > at) out.push_back({at, part.range.begin, kString, 0});
          at = std::max(at, part.range.end);
        }
        if (e.range.end > at) out.push_back({at, e.range.end, kString, 0});
        break;
      }
      default:
        break;
    }
  }
}

// Keywords: words of the keyword list outside comments and strings.
void AddKeywords(std::string_view text, const std::vector<Token>& literals, std::vector<Token>& out) {
  static const std::set<std::string_view> kKeywords = {"import", "as",   "type", "enum", "val",  "fn",   "if",
                                                       "else",   "when", "for",  "in",   "true", "false", "null"};
  size_t next_literal = 0;  // literals are sorted by begin
  for (uint32_t i = 0; i < text.size();) {
    while (next_literal < literals.size() && literals[next_literal].end <= i) ++next_literal;
    if (next_literal < literals.size() && literals[next_literal].begin <= i) {
      i = literals[next_literal].end;
      continue;
    }
    if (!IsWordChar(text[i])) {
      ++i;
      continue;
    }
    uint32_t end = i;
    while (end < text.size() && IsWordChar(text[end])) ++end;
    if (kKeywords.count(text.substr(i, end - i))) out.push_back({i, end, kKeyword, 0});
    i = end;
  }
}

// LSP's relative encoding, one token per line (multi-line comments and
// strings are split at line ends).
json Encode(std::string_view text, std::vector<Token> tokens) {
  std::sort(tokens.begin(), tokens.end(), [](const Token& a, const Token& b) { return a.begin < b.begin; });
  json data = json::array();
  uint32_t last_line = 0, last_char = 0, covered = 0;
  // Positions move forward only: track the line of the last one.
  uint32_t line = 0, line_start = 0;
  auto utf16 = [&](uint32_t from, uint32_t to) {
    uint32_t units = 0;
    for (uint32_t i = from; i < to; ++i) {
      unsigned char c = static_cast<unsigned char>(text[i]);
      if ((c & 0xC0) != 0x80) units += c >= 0xF0 ? 2 : 1;
    }
    return units;
  };
  auto emit = [&](uint32_t begin, uint32_t end, const Token& t) {
    for (size_t nl = text.find('\n', line_start); nl != std::string_view::npos && nl < begin; nl = text.find('\n', line_start)) {
      ++line;
      line_start = static_cast<uint32_t>(nl + 1);
    }
    uint32_t character = utf16(line_start, begin);
    uint32_t length = utf16(begin, end);
    if (length == 0) return;
    data.push_back(line - last_line);
    data.push_back(line == last_line ? character - last_char : character);
    data.push_back(length);
    data.push_back(t.type);
    data.push_back(t.modifiers);
    last_line = line;
    last_char = character;
  };
  for (const Token& t : tokens) {
    if (t.begin < covered || t.end <= t.begin || t.end > text.size()) continue;  // overlaps: the first wins
    covered = t.end;
    uint32_t begin = t.begin;
    while (begin < t.end) {
      size_t newline = text.find('\n', begin);
      uint32_t line_end = newline == std::string_view::npos ? t.end : std::min<uint32_t>(t.end, static_cast<uint32_t>(newline));
      emit(begin, line_end, t);
      begin = line_end + 1;
    }
  }
  return data;
}

}  // namespace

json SemanticTokensLegend() {
  json types = json::array();
  for (const char* t : kTokenTypes) types.push_back(t);
  return {{"tokenTypes", std::move(types)}, {"tokenModifiers", {"declaration"}}};
}

json SemanticTokens(const Program& program, const CheckedModule& module) {
  const lang::SyntaxTree& tree = *module.tree;
  std::string_view text = module.file->text();
  std::vector<Token> literals;
  for (const lang::Comment& c : tree.comments) literals.push_back({c.range.begin, c.range.end, kComment, 0});
  AddLiterals(tree, literals);
  std::sort(literals.begin(), literals.end(), [](const Token& a, const Token& b) { return a.begin < b.begin; });

  std::vector<Token> tokens = literals;
  AddKeywords(text, literals, tokens);
  ForEachOccurrence(program, module, [&](SourceRange at, const Decl& decl) {
    bool declaration = decl.module == &module && decl.range.begin == at.begin;
    tokens.push_back({at.begin, at.end, TypeOf(decl.kind), declaration ? kDeclarationModifier : 0});
  });
  // Built-in type names are types too.
  static const std::set<std::string_view> kBuiltinTypes = {"Int",  "Float",    "Bool", "String", "Path",
                                                           "Size", "Duration", "List", "Map",    "ref"};
  for (const lang::TypeRef& ref : tree.type_refs) {
    if (!ref.function && kBuiltinTypes.count(ref.name)) {
      tokens.push_back({ref.range.begin, ref.range.begin + static_cast<uint32_t>(ref.name.size()), kType, 0});
    }
  }
  return {{"data", Encode(text, std::move(tokens))}};
}

}  // namespace clive::lsp
