// Document symbols (the outline of a module) and workspace symbols.
#include <algorithm>
#include <cctype>

#include "language_features.h"
#include "symbol_index.h"
#include "text.h"

namespace clive::lsp {
namespace {

using compiler::CheckedModule;
using compiler::Program;
using json = nlohmann::json;
using lang::SourceRange;

// LSP's SymbolKind numbers.
namespace symbol {
constexpr int kMethod = 6, kField = 8, kEnum = 10, kFunction = 12, kVariable = 13, kEnumMember = 22,
              kStruct = 23;
}

// How well `name` matches `query`: 0 prefix, 1 substring, 2 the query's
// letters in order; nullopt: no match. Case-insensitive.
std::optional<int> MatchRank(std::string_view name, std::string_view query) {
  std::string n(name), q(query);
  for (auto* s : {&n, &q}) {
    std::transform(s->begin(), s->end(), s->begin(), [](unsigned char c) { return std::tolower(c); });
  }
  if (n.compare(0, q.size(), q) == 0) return 0;
  if (n.find(q) != std::string::npos) return 1;
  size_t at = 0;
  for (char c : q) {
    at = n.find(c, at);
    if (at == std::string::npos) return std::nullopt;
    ++at;
  }
  return 2;
}

// Workspace symbols are capped: a client filters further as the user types.
constexpr size_t kMaxWorkspaceSymbols = 200;

}  // namespace

json DocumentSymbols(const Program& program, const CheckedModule& module) {
  const lang::SyntaxTree& tree = *module.tree;
  const std::string& text = module.file->text();
  auto symbol_json = [&](std::string_view name, int kind, SourceRange range, SourceRange selection,
                         std::string detail) {
    json s = {{"name", name}, {"kind", kind}, {"range", RangeJson(text, range.begin, range.end)},
              {"selectionRange", RangeJson(text, selection.begin, selection.end)}};
    if (!detail.empty()) s["detail"] = std::move(detail);
    return s;
  };
  auto enum_json = [&](uint32_t index) {
    const lang::EnumDecl& e = tree.enum_decls[index];
    json s = symbol_json(e.name, symbol::kEnum, e.range, e.name_range, {});
    s["children"] = json::array();
    for (size_t c = 0; c < e.cases.size(); ++c) {
      s["children"].push_back(symbol_json(e.cases[c], symbol::kEnumMember, e.case_ranges[c], e.case_ranges[c], {}));
    }
    return s;
  };
  auto fn_json = [&](uint32_t index, int kind) {
    const lang::FnDecl& f = tree.fn_decls[index];
    return symbol_json(f.name, kind, f.range, f.name_range, {});
  };
  std::function<json(lang::TypeDeclId)> type_json = [&](lang::TypeDeclId id) {
    const lang::TypeDecl& t = tree.type_decls[id];
    json s = symbol_json(t.name, symbol::kStruct, t.range, t.name_range, {});
    json children = json::array();
    for (uint32_t f = t.fields.first; f < t.fields.end(); ++f) {
      const lang::FieldDecl& field = tree.field_decls[f];
      std::string detail = field.type != lang::kNone ? std::string(tree.type_refs[field.type].name) : "";
      children.push_back(symbol_json(field.name, symbol::kField, field.name_range, field.name_range, detail));
    }
    for (uint32_t e : t.enums) children.push_back(enum_json(e));
    for (lang::TypeDeclId nested : t.nested) children.push_back(type_json(nested));
    for (uint32_t f : t.fns) children.push_back(fn_json(f, symbol::kMethod));
    s["children"] = std::move(children);
    return s;
  };
  json out = json::array();
  for (lang::TypeDeclId t : tree.top_types) out.push_back(type_json(t));
  for (uint32_t e : tree.top_enums) out.push_back(enum_json(e));
  for (uint32_t f : tree.top_fns) out.push_back(fn_json(f, symbol::kFunction));
  for (const compiler::Cell& cell : module.cells) {
    const lang::ValDecl& val = tree.vals[cell.val_index];
    out.push_back(symbol_json(val.name, symbol::kVariable, val.range, val.name_range, program.types.Name(cell.type)));
  }
  return out;
}

json WorkspaceSymbols(const Program& program, std::string_view query,
                      const std::function<bool(const CheckedModule&)>& include) {
  struct Match {
    int rank;
    std::string name;
    int kind;
    const CheckedModule* module;
    SourceRange range;
  };
  std::vector<Match> matches;
  for (compiler::ModuleId id : program.order()) {
    const CheckedModule& m = program.module(id);
    if (!include(m)) continue;
    const lang::SyntaxTree& tree = *m.tree;
    auto consider = [&](std::string name, int kind, SourceRange range) {
      if (std::optional<int> rank = MatchRank(name, query)) matches.push_back({*rank, std::move(name), kind, &m, range});
    };
    for (const lang::TypeDecl& t : tree.type_decls) consider(std::string(t.name), symbol::kStruct, t.name_range);
    for (const lang::EnumDecl& e : tree.enum_decls) consider(std::string(e.name), symbol::kEnum, e.name_range);
    for (const lang::FnDecl& f : tree.fn_decls) {
      consider(std::string(f.name), f.parent == lang::kNone ? symbol::kFunction : symbol::kMethod, f.name_range);
    }
    for (const lang::ValDecl& v : tree.vals) consider(std::string(v.name), symbol::kVariable, v.name_range);
  }
  std::stable_sort(matches.begin(), matches.end(), [](const Match& a, const Match& b) {
    return a.rank != b.rank ? a.rank < b.rank : a.name < b.name;
  });
  json out = json::array();
  for (const Match& match : matches) {
    if (out.size() == kMaxWorkspaceSymbols) break;
    out.push_back({{"name", match.name}, {"kind", match.kind}, {"location", Location(*match.module, match.range)},
                   {"containerName", match.module->path.empty() ? std::string("(root)") : match.module->path}});
  }
  return out;
}

}  // namespace clive::lsp
