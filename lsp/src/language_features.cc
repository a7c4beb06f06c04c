#include "language_features.h"

#include <functional>
#include <optional>

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
using lang::SourceRange;

// LSP's CompletionItemKind and SymbolKind numbers.
namespace item {
constexpr int kMethod = 2, kFunction = 3, kField = 5, kVariable = 6, kModule = 9, kEnumMember = 20, kStruct = 22;
}
namespace symbol {
constexpr int kMethod = 6, kField = 8, kEnum = 10, kFunction = 12, kVariable = 13, kEnumMember = 22,
              kStruct = 23;
}

bool Contains(SourceRange r, uint32_t offset) { return r.begin <= offset && offset <= r.end && r.begin < r.end; }

// A declaration: where it is and what hover says about it.
struct Decl {
  const CheckedModule* module = nullptr;
  SourceRange range;
  std::string signature;  // shown as code
  std::string doc;
};

json Location(const CheckedModule& module, SourceRange range) {
  return {{"uri", PathToUri(module.file->path())}, {"range", RangeJson(module.file->text(), range.begin, range.end)}};
}

std::string DefaultText(const Program& program, const compiler::RecordType& record, const compiler::RecordField& field) {
  if (field.default_value == lang::kNone) return {};
  const CheckedModule& owner = program.module(record.module);
  return std::string(owner.file->Slice(owner.tree->expr(field.default_value).range));
}

Decl FieldDecl(const Program& program, TypeId record_type, uint32_t index) {
  const compiler::RecordType& record = program.types.record(record_type);
  if (index >= record.fields.size()) return {};
  const compiler::RecordField& field = record.fields[index];
  std::string signature = record.name + "." + std::string(field.name) + ": " + program.types.Name(field.type);
  std::string default_text = DefaultText(program, record, field);
  if (!default_text.empty()) signature += " = " + default_text;
  return {&program.module(record.module), field.name_range, signature, field.doc};
}

Decl TypeDecl(const Program& program, TypeId type) {
  if (program.types.Is(type, TypeKind::kRecord)) {
    const compiler::RecordType& record = program.types.record(type);
    const CheckedModule& owner = program.module(record.module);
    if (record.decl == lang::kNone) return {};
    const lang::TypeDecl& decl = owner.tree->type_decls[record.decl];
    return {&owner, decl.name_range, "type " + record.name, decl.doc};
  }
  if (program.types.Is(type, TypeKind::kEnum)) {
    const compiler::EnumType& e = program.types.enum_type(type);
    const CheckedModule& owner = program.module(e.module);
    if (e.decl == lang::kNone) return {};
    const lang::EnumDecl& decl = owner.tree->enum_decls[e.decl];
    return {&owner, decl.name_range, "enum " + e.name, decl.doc};
  }
  return {};
}

std::string FunctionSignature(const Program& program, const compiler::FunctionInfo& fn) {
  std::string s = "fn ";
  if (fn.receiver != compiler::TypeTable::kError) s += program.types.Name(fn.receiver) + ".";
  s += std::string(fn.name) + "(";
  for (size_t i = 0; i < fn.params.size(); ++i) {
    s += (i ? ", " : "") + std::string(fn.params[i].name) + ": " + program.types.Name(fn.params[i].type);
  }
  return s + "): " + program.types.Name(fn.result);
}

// What `ref` names, when it is declared somewhere a client can go to.
std::optional<Decl> SymbolDecl(const Program& program, const SymbolRef& ref) {
  switch (ref.kind) {
    case SymbolRef::Kind::kCell: {
      const CheckedModule& owner = program.module(ref.module);
      if (ref.index >= owner.cells.size()) return std::nullopt;
      const compiler::Cell& cell = owner.cells[ref.index];
      return Decl{&owner, cell.name_range, "val " + std::string(cell.name) + ": " + program.types.Name(cell.type),
                  owner.tree->vals[cell.val_index].doc};
    }
    case SymbolRef::Kind::kType: {
      Decl d = TypeDecl(program, ref.type);
      return d.module ? std::optional<Decl>(d) : std::nullopt;
    }
    case SymbolRef::Kind::kModule: {
      const CheckedModule& owner = program.module(ref.module);
      return Decl{&owner, {0, 0}, "module " + (owner.path.empty() ? std::string("(root)") : owner.path), {}};
    }
    case SymbolRef::Kind::kEnumCase: {
      if (!program.types.Is(ref.type, TypeKind::kEnum)) return std::nullopt;
      const compiler::EnumType& e = program.types.enum_type(ref.type);
      const CheckedModule& owner = program.module(e.module);
      if (e.decl == lang::kNone) return std::nullopt;
      const lang::EnumDecl& decl = owner.tree->enum_decls[e.decl];
      if (ref.index >= decl.case_ranges.size()) return std::nullopt;
      return Decl{&owner, decl.case_ranges[ref.index], e.name + "." + std::string(e.cases[ref.index]), decl.doc};
    }
    case SymbolRef::Kind::kField:
    case SymbolRef::Kind::kBuilderField: {
      if (!program.types.Is(ref.type, TypeKind::kRecord)) return std::nullopt;
      Decl d = FieldDecl(program, ref.type, ref.index);
      return d.module ? std::optional<Decl>(d) : std::nullopt;
    }
    case SymbolRef::Kind::kFunction: {
      const CheckedModule& owner = program.module(ref.module);
      if (ref.index >= owner.functions.size()) return std::nullopt;
      const compiler::FunctionInfo& fn = owner.functions[ref.index];
      const lang::FnDecl& decl = owner.tree->fn_decls[fn.decl];
      return Decl{&owner, decl.name_range, FunctionSignature(program, fn), decl.doc};
    }
    default:
      return std::nullopt;
  }
}

// What expression `id` refers to. The checker records a call's function on
// the call, and does not record the type a `T { ... }` block names; both are
// found here from the enclosing node.
SymbolRef RefOf(const Program& program, const CheckedModule& module, lang::ExprId id) {
  if (module.expr_refs[id].kind != SymbolRef::Kind::kNone) return module.expr_refs[id];
  const auto& exprs = module.tree->exprs;
  for (lang::ExprId parent = 0; parent < exprs.size(); ++parent) {
    if (exprs[parent].lhs != id) continue;
    if (exprs[parent].kind == ExprKind::kCall) return module.expr_refs[parent];
    TypeId type = module.expr_types[id];
    if (exprs[parent].kind == ExprKind::kBuilder &&
        (program.types.Is(type, TypeKind::kRecord) || program.types.Is(type, TypeKind::kEnum))) {
      return {SymbolRef::Kind::kType, module.id, type, type};
    }
  }
  return {};
}

// The innermost expression at `offset`: the one with the smallest range.
std::optional<lang::ExprId> ExprAt(const CheckedModule& module, uint32_t offset) {
  std::optional<lang::ExprId> best;
  const auto& exprs = module.tree->exprs;
  for (lang::ExprId id = 0; id < exprs.size(); ++id) {
    const lang::Expr& e = exprs[id];
    if (e.kind == ExprKind::kError || !Contains(e.range, offset)) continue;
    if (!best || e.range.end - e.range.begin < exprs[*best].range.end - exprs[*best].range.begin) best = id;
  }
  return best;
}

// The builder expression whose block holds field init `init`.
std::optional<lang::ExprId> BuilderOf(const CheckedModule& module, uint32_t init) {
  const auto& exprs = module.tree->exprs;
  for (lang::ExprId id = 0; id < exprs.size(); ++id) {
    if (exprs[id].kind == ExprKind::kBuilder && exprs[id].list.first <= init && init < exprs[id].list.end()) return id;
  }
  return std::nullopt;
}

// The record type a builder block sets fields of, or kError.
TypeId BuilderRecord(const Program& program, const CheckedModule& module, lang::ExprId builder) {
  TypeId t = program.types.NonOptional(module.expr_types[builder]);
  return program.types.Is(t, TypeKind::kRecord) ? t : compiler::TypeTable::kError;
}

// The field a `name = ...` in a builder block names.
std::optional<SymbolRef> FieldInitAt(const Program& program, const CheckedModule& module, uint32_t offset) {
  const auto& inits = module.tree->field_inits;
  for (uint32_t i = 0; i < inits.size(); ++i) {
    if (inits[i].name.empty() || !Contains(inits[i].name_range, offset)) continue;
    std::optional<lang::ExprId> builder = BuilderOf(module, i);
    if (!builder) return std::nullopt;
    TypeId record = BuilderRecord(program, module, *builder);
    if (record == compiler::TypeTable::kError) return std::nullopt;
    int field = program.types.record(record).FieldIndex(inits[i].name);
    if (field < 0) return std::nullopt;
    return SymbolRef{SymbolRef::Kind::kBuilderField, module.id, static_cast<uint32_t>(field), record};
  }
  return std::nullopt;
}

SourceRange InitNameAt(const CheckedModule& module, uint32_t offset) {
  for (const lang::FieldInit& init : module.tree->field_inits) {
    if (Contains(init.name_range, offset)) return init.name_range;
  }
  return {};
}

// The type a (possibly dotted) type name in `module` stands for: a type of
// this module, or one it imports.
std::optional<TypeId> LookupType(const Program& program, const CheckedModule& module, std::string_view name) {
  if (auto it = module.local_types.find(std::string(name)); it != module.local_types.end()) return it->second;
  size_t dot = name.find('.');
  std::string_view head = name.substr(0, dot);
  for (compiler::ModuleId imported : module.imports) {
    const CheckedModule& other = program.module(imported);
    auto it = other.exports.find(head);
    if (it == other.exports.end() || it->second.kind != SymbolRef::Kind::kType) continue;
    if (dot == std::string_view::npos) return it->second.type;
    if (!program.types.Is(it->second.type, TypeKind::kRecord)) return std::nullopt;
    std::string qualified = program.types.record(it->second.type).name + std::string(name.substr(dot));
    if (auto nested = other.local_types.find(qualified); nested != other.local_types.end()) return nested->second;
  }
  return std::nullopt;
}

// The declaration of what is at `offset`, with the range of the reference.
struct Found {
  Decl decl;
  SourceRange at;
  std::string type;  // the type of the expression, when there is one
};

std::optional<Found> FindAt(const Program& program, const CheckedModule& module, uint32_t offset) {
  const lang::SyntaxTree& tree = *module.tree;
  // Imports: a module path, or an imported name.
  for (const lang::ImportDecl& import : tree.imports) {
    if (!Contains(import.range, offset)) continue;
    std::string path;
    for (size_t i = 0; i < import.path.size(); ++i) {
      path += (i ? "." : "") + std::string(import.path[i]);
      if (!Contains(import.path_ranges[i], offset)) continue;
      const CheckedModule* target = program.Find(path);
      if (target == nullptr) return std::nullopt;
      return Found{{target, {0, 0}, "module " + path, {}}, import.path_ranges[i], {}};
    }
    const CheckedModule* from = program.Find(path);
    for (const lang::ImportName& name : import.names) {
      if (!Contains(name.range, offset)) continue;
      if (from != nullptr) {
        if (auto it = from->exports.find(name.name); it != from->exports.end()) {
          if (auto decl = SymbolDecl(program, it->second)) return Found{*decl, name.range, {}};
        }
      }
      if (const CheckedModule* sub = program.Find(path + "." + std::string(name.name))) {
        return Found{{sub, {0, 0}, "module " + sub->path, {}}, name.range, {}};
      }
      return std::nullopt;
    }
  }
  if (auto field = FieldInitAt(program, module, offset)) {
    if (auto decl = SymbolDecl(program, *field)) {
      const compiler::RecordField& f = program.types.record(field->type).fields[field->index];
      return Found{*decl, InitNameAt(module, offset), program.types.Name(f.type)};
    }
  }
  if (std::optional<lang::ExprId> id = ExprAt(module, offset)) {
    const lang::Expr& e = tree.expr(*id);
    std::string type = program.types.Name(module.expr_types[*id]);
    if (module.expr_types[*id] == compiler::TypeTable::kError) type.clear();
    if (auto decl = SymbolDecl(program, RefOf(program, module, *id))) {
      return Found{*decl, e.kind == ExprKind::kMember ? e.name_range : e.range, type};
    }
    if (!type.empty()) return Found{{}, e.range, type};
  }
  // Declarations themselves.
  for (uint32_t i = 0; i < module.cells.size(); ++i) {
    if (Contains(module.cells[i].name_range, offset)) {
      auto decl = SymbolDecl(program, {SymbolRef::Kind::kCell, module.id, i, 0});
      if (decl) return Found{*decl, module.cells[i].name_range, program.types.Name(module.cells[i].type)};
    }
  }
  for (const auto& [name, type] : module.local_types) {
    Decl decl = TypeDecl(program, type);
    if (decl.module == &module && Contains(decl.range, offset)) return Found{decl, decl.range, {}};
    if (program.types.Is(type, TypeKind::kRecord)) {
      const compiler::RecordType& record = program.types.record(type);
      for (uint32_t f = 0; f < record.fields.size(); ++f) {
        if (Contains(record.fields[f].name_range, offset)) {
          Decl field = FieldDecl(program, type, f);
          return Found{field, record.fields[f].name_range, program.types.Name(record.fields[f].type)};
        }
      }
    }
  }
  for (uint32_t i = 0; i < module.functions.size(); ++i) {
    const lang::FnDecl& decl = tree.fn_decls[module.functions[i].decl];
    if (Contains(decl.name_range, offset)) {
      if (auto d = SymbolDecl(program, {SymbolRef::Kind::kFunction, module.id, i, 0})) {
        return Found{*d, decl.name_range, {}};
      }
    }
  }
  for (const lang::TypeRef& ref : tree.type_refs) {
    if (ref.function || !Contains(ref.range, offset)) continue;
    if (std::optional<TypeId> type = LookupType(program, module, ref.name)) {
      Decl decl = TypeDecl(program, *type);
      if (decl.module != nullptr) return Found{decl, ref.range, {}};
    }
  }
  return std::nullopt;
}

}  // namespace

json Hover(const Program& program, const CheckedModule& module, uint32_t offset) {
  std::optional<Found> found = FindAt(program, module, offset);
  if (!found) return nullptr;
  std::string code = found->decl.signature;
  if (code.empty()) code = found->type;
  else if (!found->type.empty() && code.find(found->type) == std::string::npos) code += "\n// " + found->type;
  if (code.empty()) return nullptr;
  std::string text = "```clive\n" + code + "\n```";
  if (!found->decl.doc.empty()) text += "\n\n" + found->decl.doc;
  json hover = {{"contents", {{"kind", "markdown"}, {"value", text}}}};
  if (found->at.begin < found->at.end) hover["range"] = RangeJson(module.file->text(), found->at.begin, found->at.end);
  return hover;
}

json Definition(const Program& program, const CheckedModule& module, uint32_t offset) {
  std::optional<Found> found = FindAt(program, module, offset);
  if (!found || found->decl.module == nullptr) return nullptr;
  return Location(*found->decl.module, found->decl.range);
}

namespace {

json FieldItems(const Program& program, TypeId record_type, bool builder) {
  json items = json::array();
  const compiler::RecordType& record = program.types.record(record_type);
  for (const compiler::RecordField& field : record.fields) {
    std::string detail = program.types.Name(field.type);
    std::string default_text = DefaultText(program, record, field);
    if (!default_text.empty()) detail += " = " + default_text;
    json item = {{"label", field.name}, {"kind", item::kField}, {"detail", detail}};
    if (builder) item["insertText"] = std::string(field.name) + " = ";
    if (!field.doc.empty()) item["documentation"] = field.doc;
    items.push_back(std::move(item));
  }
  if (!builder) {
    for (uint32_t method : record.methods) {
      const compiler::FunctionInfo& fn = program.module(record.module).functions[method];
      items.push_back({{"label", fn.name}, {"kind", item::kMethod}, {"detail", FunctionSignature(program, fn)}});
    }
  }
  return items;
}

// `a.b.c` as text, when the expression is a chain of plain names.
std::optional<std::string> DottedName(const lang::SyntaxTree& tree, lang::ExprId id) {
  const lang::Expr& e = tree.expr(id);
  if (e.kind == ExprKind::kName) return std::string(e.name);
  if (e.kind != ExprKind::kMember || e.safe) return std::nullopt;
  std::optional<std::string> head = DottedName(tree, e.lhs);
  if (!head) return std::nullopt;
  return *head + "." + std::string(e.name);
}

json MemberItems(const Program& program, const CheckedModule& module, const lang::Expr& member) {
  SymbolRef lhs = module.expr_refs[member.lhs];
  if (lhs.kind == SymbolRef::Kind::kNone) {
    // The checker resolves `Enum.Case` as a whole; with an unknown case the
    // enum itself is recorded nowhere, so look up its name.
    if (std::optional<std::string> name = DottedName(*module.tree, member.lhs)) {
      if (std::optional<TypeId> type = LookupType(program, module, *name)) {
        lhs = {SymbolRef::Kind::kType, module.id, *type, *type};
      }
    }
  }
  json items = json::array();
  if (lhs.kind == SymbolRef::Kind::kType && program.types.Is(lhs.type, TypeKind::kEnum)) {
    const compiler::EnumType& e = program.types.enum_type(lhs.type);
    for (std::string_view c : e.cases) items.push_back({{"label", c}, {"kind", item::kEnumMember}, {"detail", e.name}});
    return items;
  }
  if (lhs.kind == SymbolRef::Kind::kType && program.types.Is(lhs.type, TypeKind::kRecord)) {
    // `JVM.` names what the type declares: its nested enums and types.
    const std::string prefix = program.types.record(lhs.type).name + ".";
    const CheckedModule& owner = program.module(program.types.record(lhs.type).module);
    for (const auto& [name, type] : owner.local_types) {
      if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
      std::string rest = name.substr(prefix.size());
      if (rest.find('.') != std::string::npos) continue;
      items.push_back({{"label", rest}, {"kind", item::kStruct}, {"detail", name}});
    }
    return items;
  }
  if (lhs.kind == SymbolRef::Kind::kModule) {
    for (const auto& [name, ref] : program.module(lhs.module).exports) {
      int kind = ref.kind == SymbolRef::Kind::kType ? item::kStruct
                 : ref.kind == SymbolRef::Kind::kFunction ? item::kFunction
                 : ref.kind == SymbolRef::Kind::kModule ? item::kModule : item::kVariable;
      items.push_back({{"label", name}, {"kind", kind}});
    }
    return items;
  }
  TypeId object = program.types.NonOptional(module.expr_types[member.lhs]);
  if (program.types.Is(object, TypeKind::kRecord)) return FieldItems(program, object, false);
  if (program.types.Is(object, TypeKind::kList)) {
    items.push_back({{"label", "size"}, {"kind", item::kField}, {"detail", "Int"}});
    items.push_back({{"label", "isEmpty"}, {"kind", item::kField}, {"detail", "Bool"}});
  }
  return items;
}

bool IsMarker(std::string_view name) {
  // The marker may run into the identifier the cursor was in: `na|me`.
  return name.find(kCompletionMarker) != std::string_view::npos;
}

}  // namespace

json Completion(const Program& program, const CheckedModule& module) {
  const lang::SyntaxTree& tree = *module.tree;
  for (const lang::Expr& e : tree.exprs) {
    if (e.kind == ExprKind::kMember && IsMarker(e.name) && e.lhs != lang::kNone) {
      return MemberItems(program, module, e);
    }
  }
  // In a builder block, at a field's name: `T { na| }` parses as a bare
  // expression or as `na = ...`.
  for (uint32_t i = 0; i < tree.field_inits.size(); ++i) {
    const lang::FieldInit& init = tree.field_inits[i];
    bool at_name = IsMarker(init.name) ||
                   (init.name.empty() && init.value != lang::kNone && tree.expr(init.value).kind == ExprKind::kName &&
                    IsMarker(tree.expr(init.value).name));
    if (!at_name) continue;
    std::optional<lang::ExprId> builder = BuilderOf(module, i);
    if (!builder) break;
    TypeId record = BuilderRecord(program, module, *builder);
    if (record == compiler::TypeTable::kError) break;
    return FieldItems(program, record, true);
  }
  return json::array();
}

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

}  // namespace clive::lsp
