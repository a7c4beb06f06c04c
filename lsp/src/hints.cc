// Signature help in calls, and inlay hints for inferred types.
#include "language_features.h"
#include "symbol_index.h"
#include "text.h"

namespace clive::lsp {
namespace {

using compiler::CheckedModule;
using compiler::Program;
using compiler::SymbolRef;
using compiler::TypeId;
using compiler::TypeKind;
using json = nlohmann::json;
using lang::ExprKind;

constexpr int kTypeHint = 1;  // InlayHintKind.Type

// The index of the argument the cursor is in: commas at the call's own
// nesting level between its `(` and the cursor.
uint32_t ArgumentIndex(std::string_view text, uint32_t open, uint32_t offset) {
  uint32_t index = 0;
  int depth = 0;
  for (uint32_t i = open; i < offset && i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') {
      for (++i; i < offset && text[i] != '"'; ++i) {
        if (text[i] == '\\') ++i;
      }
    } else if (c == '(' || c == '[' || c == '{') {
      ++depth;
    } else if (c == ')' || c == ']' || c == '}') {
      --depth;
    } else if (c == ',' && depth == 1) {
      ++index;
    }
  }
  return index;
}

struct Signature {
  std::string label;
  std::vector<std::pair<uint32_t, uint32_t>> params;  // [begin, end) in label, UTF-16 (ASCII names)
  std::vector<std::string_view> names;
  std::string doc;
};

Signature FunctionSignatureOf(const Program& program, const compiler::FunctionInfo& fn) {
  Signature s;
  const CheckedModule& owner = program.module(fn.module);
  s.label = std::string(fn.name) + "(";
  for (size_t i = 0; i < fn.params.size(); ++i) {
    if (i) s.label += ", ";
    std::string param = std::string(fn.params[i].name) + ": " + program.types.Name(fn.params[i].type);
    if (fn.params[i].default_value != lang::kNone) {
      param += " = " + std::string(owner.file->Slice(owner.tree->expr(fn.params[i].default_value).range));
    }
    s.params.push_back({static_cast<uint32_t>(s.label.size()), static_cast<uint32_t>(s.label.size() + param.size())});
    s.names.push_back(fn.params[i].name);
    s.label += param;
  }
  s.label += "): " + program.types.Name(fn.result);
  s.doc = owner.tree->fn_decls[fn.decl].doc;
  return s;
}

Signature CopySignatureOf(const Program& program, TypeId record_type) {
  Signature s;
  const compiler::RecordType& record = program.types.record(record_type);
  s.label = "copy(";
  for (size_t i = 0; i < record.fields.size(); ++i) {
    if (i) s.label += ", ";
    std::string param = std::string(record.fields[i].name) + ": " + program.types.Name(record.fields[i].type);
    s.params.push_back({static_cast<uint32_t>(s.label.size()), static_cast<uint32_t>(s.label.size() + param.size())});
    s.names.push_back(record.fields[i].name);
    s.label += param;
  }
  s.label += "): " + record.name;
  return s;
}

}  // namespace

json SignatureHelp(const Program& program, const CheckedModule& module, uint32_t offset) {
  const lang::SyntaxTree& tree = *module.tree;
  std::string_view text = module.file->text();
  // The innermost call whose parentheses hold the cursor.
  std::optional<lang::ExprId> best;
  for (lang::ExprId id = 0; id < tree.exprs.size(); ++id) {
    const lang::Expr& e = tree.exprs[id];
    if (e.kind != ExprKind::kCall || e.lhs == lang::kNone) continue;
    uint32_t open = tree.expr(e.lhs).range.end;
    if (offset <= open || offset > e.range.end || (offset == e.range.end && text[e.range.end - 1] == ')')) continue;
    if (!best || e.range.end - e.range.begin < tree.exprs[*best].range.end - tree.exprs[*best].range.begin) best = id;
  }
  if (!best) return nullptr;
  const lang::Expr& call = tree.expr(*best);
  Signature s;
  const SymbolRef& ref = module.expr_refs[*best];
  if (const compiler::FunctionInfo* fn = CalledFunction(program, module, *best)) {
    s = FunctionSignatureOf(program, *fn);
  } else if (ref.kind == SymbolRef::Kind::kCopy && program.types.Is(ref.type, TypeKind::kRecord)) {
    s = CopySignatureOf(program, ref.type);
  } else {
    return nullptr;
  }
  uint32_t index = ArgumentIndex(text, tree.expr(call.lhs).range.end, offset);
  uint32_t active = index;
  // A named argument is its parameter, wherever it stands.
  if (index < call.list.count) {
    std::string_view name = tree.args[call.list.first + index].name;
    for (uint32_t p = 0; p < s.names.size(); ++p) {
      if (!name.empty() && s.names[p] == name) active = p;
    }
  }
  json params = json::array();
  for (const auto& [begin, end] : s.params) params.push_back({{"label", {begin, end}}});
  json signature = {{"label", s.label}, {"parameters", std::move(params)}};
  if (!s.doc.empty()) signature["documentation"] = s.doc;
  if (active < s.params.size()) signature["activeParameter"] = active;
  json help = {{"signatures", json::array({signature})}, {"activeSignature", 0}};
  if (active < s.params.size()) help["activeParameter"] = active;
  return help;
}

json InlayHints(const Program& program, const CheckedModule& module, uint32_t begin, uint32_t end) {
  const lang::SyntaxTree& tree = *module.tree;
  const std::string& text = module.file->text();
  json hints = json::array();
  auto hint = [&](lang::SourceRange name, TypeId type) {
    if (type == compiler::TypeTable::kError || name.end < begin || name.end > end || name.begin >= name.end) return;
    hints.push_back({{"position", ToJson(PositionOf(text, name.end))},
                     {"label", ": " + program.types.Name(type)},
                     {"kind", kTypeHint},
                     {"paddingLeft", false}});
  };
  for (const compiler::Cell& cell : module.cells) {
    if (tree.vals[cell.val_index].type == lang::kNone) hint(cell.name_range, cell.type);
  }
  for (lang::ExprId id = 0; id < tree.exprs.size(); ++id) {
    const lang::Expr& e = tree.exprs[id];
    if (e.kind != ExprKind::kLambda) continue;
    TypeId type = module.expr_types[id];
    if (!program.types.Is(type, TypeKind::kFunction)) continue;
    const std::vector<TypeId>& params = program.types.params(type);
    for (uint32_t n = e.list.first; n < e.list.end() && n - e.list.first < params.size(); ++n) {
      hint(tree.names[n].range, params[n - e.list.first]);
    }
  }
  return hints;
}

}  // namespace clive::lsp
