#include "symbol_index.h"

#include <vector>

#include "text.h"

namespace clive::lsp {

using compiler::CheckedModule;
using compiler::Program;
using compiler::SymbolRef;
using compiler::TypeId;
using compiler::TypeKind;
using json = nlohmann::json;
using lang::ExprKind;
using lang::SourceRange;

json Location(const CheckedModule& module, SourceRange range) {
  return {{"uri", PathToUri(module.file->path())}, {"range", RangeJson(module.file->text(), range.begin, range.end)}};
}

const CheckedModule* ModuleOf(const Program& program, std::string_view file) {
  for (size_t i = 0; i < program.size(); ++i) {
    const CheckedModule& m = program.module(static_cast<compiler::ModuleId>(i));
    if (m.file->path() == file) return &m;
  }
  return nullptr;
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
  return {&program.module(record.module), field.name_range, signature, field.doc, DeclKind::kField};
}

Decl TypeDecl(const Program& program, TypeId type) {
  if (program.types.Is(type, TypeKind::kRecord)) {
    const compiler::RecordType& record = program.types.record(type);
    const CheckedModule& owner = program.module(record.module);
    if (record.decl == lang::kNone) return {};
    const lang::TypeDecl& decl = owner.tree->type_decls[record.decl];
    return {&owner, decl.name_range, "type " + record.name, decl.doc, DeclKind::kType};
  }
  if (program.types.Is(type, TypeKind::kEnum)) {
    const compiler::EnumType& e = program.types.enum_type(type);
    const CheckedModule& owner = program.module(e.module);
    if (e.decl == lang::kNone) return {};
    const lang::EnumDecl& decl = owner.tree->enum_decls[e.decl];
    return {&owner, decl.name_range, "enum " + e.name, decl.doc, DeclKind::kEnum};
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

namespace {

// The innermost function declaration of `module` around `offset`.
const compiler::FunctionInfo* FunctionAround(const CheckedModule& module, uint32_t offset) {
  const compiler::FunctionInfo* best = nullptr;
  uint32_t best_size = 0;
  for (const compiler::FunctionInfo& fn : module.functions) {
    SourceRange r = module.tree->fn_decls[fn.decl].range;
    if (!Contains(r, offset)) continue;
    if (best == nullptr || r.end - r.begin < best_size) best = &fn, best_size = r.end - r.begin;
  }
  return best;
}

Decl ParamDecl(const Program& program, const compiler::FunctionInfo& fn, uint32_t index) {
  const CheckedModule& owner = program.module(fn.module);
  const lang::FnDecl& decl = owner.tree->fn_decls[fn.decl];
  if (index >= decl.params.count || index >= fn.params.size()) return {};
  const lang::Param& p = owner.tree->params[decl.params.first + index];
  return {&owner, p.name_range, std::string(p.name) + ": " + program.types.Name(fn.params[index].type), {},
          DeclKind::kParam};
}

}  // namespace

// What `ref` names, when it is declared somewhere a client can go to.
// `context` and `offset` place the reference (parameters and locals are
// found from where they are used).
std::optional<Decl> SymbolDecl(const Program& program, const SymbolRef& ref, const CheckedModule& context,
                               uint32_t offset) {
  auto valid = [](Decl d) { return d.module ? std::optional<Decl>(d) : std::nullopt; };
  switch (ref.kind) {
    case SymbolRef::Kind::kCell: {
      const CheckedModule& owner = program.module(ref.module);
      if (ref.index >= owner.cells.size()) return std::nullopt;
      const compiler::Cell& cell = owner.cells[ref.index];
      return Decl{&owner, cell.name_range, "val " + std::string(cell.name) + ": " + program.types.Name(cell.type),
                  owner.tree->vals[cell.val_index].doc, DeclKind::kCell};
    }
    case SymbolRef::Kind::kType:
      return valid(TypeDecl(program, ref.type));
    case SymbolRef::Kind::kModule: {
      const CheckedModule& owner = program.module(ref.module);
      return Decl{&owner, {0, 0}, "module " + (owner.path.empty() ? std::string("(root)") : owner.path), {},
                  DeclKind::kModule};
    }
    case SymbolRef::Kind::kEnumCase: {
      if (!program.types.Is(ref.type, TypeKind::kEnum)) return std::nullopt;
      const compiler::EnumType& e = program.types.enum_type(ref.type);
      const CheckedModule& owner = program.module(e.module);
      if (e.decl == lang::kNone) return std::nullopt;
      const lang::EnumDecl& decl = owner.tree->enum_decls[e.decl];
      if (ref.index >= decl.case_ranges.size()) return std::nullopt;
      return Decl{&owner, decl.case_ranges[ref.index], e.name + "." + std::string(e.cases[ref.index]), decl.doc,
                  DeclKind::kEnumCase};
    }
    case SymbolRef::Kind::kField:
    case SymbolRef::Kind::kBuilderField:
      if (!program.types.Is(ref.type, TypeKind::kRecord)) return std::nullopt;
      return valid(FieldDecl(program, ref.type, ref.index));
    case SymbolRef::Kind::kFunction: {
      const CheckedModule& owner = program.module(ref.module);
      if (ref.index >= owner.functions.size()) return std::nullopt;
      const compiler::FunctionInfo& fn = owner.functions[ref.index];
      const lang::FnDecl& decl = owner.tree->fn_decls[fn.decl];
      return Decl{&owner, decl.name_range, FunctionSignature(program, fn), decl.doc, DeclKind::kFunction};
    }
    case SymbolRef::Kind::kParam: {
      const compiler::FunctionInfo* fn = FunctionAround(context, offset);
      return fn ? valid(ParamDecl(program, *fn, ref.index)) : std::nullopt;
    }
    case SymbolRef::Kind::kLocal: {
      // A comprehension's variable (index: the comprehension) or a lambda's
      // parameter (index: into names).
      const lang::SyntaxTree& tree = *context.tree;
      std::string type = ": " + program.types.Name(ref.type);
      if (ref.index < tree.exprs.size() && tree.exprs[ref.index].kind == ExprKind::kComprehension) {
        const lang::Expr& c = tree.exprs[ref.index];
        if (c.name_range.begin < c.name_range.end && c.range.begin <= offset && offset <= c.range.end) {
          return Decl{&context, c.name_range, std::string(c.name) + type, {}, DeclKind::kLocal};
        }
      }
      if (ref.index < tree.names.size()) {
        const lang::Name& n = tree.names[ref.index];
        return Decl{&context, n.range, std::string(n.text) + type, {}, DeclKind::kLocal};
      }
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

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

std::optional<std::string> DottedName(const lang::SyntaxTree& tree, lang::ExprId id) {
  const lang::Expr& e = tree.expr(id);
  if (e.kind == ExprKind::kName) return std::string(e.name);
  if (e.kind != ExprKind::kMember || e.safe) return std::nullopt;
  std::optional<std::string> head = DottedName(tree, e.lhs);
  if (!head) return std::nullopt;
  return *head + "." + std::string(e.name);
}

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

std::optional<lang::ExprId> BuilderOf(const CheckedModule& module, uint32_t init) {
  const auto& exprs = module.tree->exprs;
  for (lang::ExprId id = 0; id < exprs.size(); ++id) {
    if (exprs[id].kind == ExprKind::kBuilder && exprs[id].list.first <= init && init < exprs[id].list.end()) return id;
  }
  return std::nullopt;
}

TypeId BuilderRecord(const Program& program, const CheckedModule& module, lang::ExprId builder) {
  TypeId t = program.types.NonOptional(module.expr_types[builder]);
  return program.types.Is(t, TypeKind::kRecord) ? t : compiler::TypeTable::kError;
}

const compiler::FunctionInfo* CalledFunction(const Program& program, const CheckedModule& module, lang::ExprId call) {
  const SymbolRef& ref = module.expr_refs[call];
  if (ref.kind != SymbolRef::Kind::kFunction) return nullptr;
  const CheckedModule& owner = program.module(ref.module);
  return ref.index < owner.functions.size() ? &owner.functions[ref.index] : nullptr;
}

namespace {

// What expression `id` refers to. The checker records a call's function on
// the call, and does not record the type a `T { ... }` block or a path like
// `JVM.Provider` names; those are found here from the enclosing node or the
// names.
SymbolRef RefOf(const Program& program, const CheckedModule& module, lang::ExprId id, lang::ExprId parent) {
  if (module.expr_refs[id].kind != SymbolRef::Kind::kNone) return module.expr_refs[id];
  const auto& exprs = module.tree->exprs;
  if (parent != lang::kNone && exprs[parent].kind == ExprKind::kCall) return module.expr_refs[parent];
  TypeId type = module.expr_types[id];
  if (parent != lang::kNone && exprs[parent].kind == ExprKind::kBuilder &&
      (program.types.Is(type, TypeKind::kRecord) || program.types.Is(type, TypeKind::kEnum))) {
    return {SymbolRef::Kind::kType, module.id, type, type};
  }
  if (std::optional<std::string> name = DottedName(*module.tree, id)) {
    if (std::optional<TypeId> named = LookupType(program, module, *name)) {
      return {SymbolRef::Kind::kType, module.id, *named, *named};
    }
  }
  return {};
}

// For each expression, the call or builder it is the left-hand side of.
std::vector<lang::ExprId> LhsParents(const lang::SyntaxTree& tree) {
  std::vector<lang::ExprId> parents(tree.exprs.size(), lang::kNone);
  for (lang::ExprId id = 0; id < tree.exprs.size(); ++id) {
    const lang::Expr& e = tree.exprs[id];
    if ((e.kind == ExprKind::kCall || e.kind == ExprKind::kBuilder) && e.lhs != lang::kNone) parents[e.lhs] = id;
  }
  return parents;
}

// The parameter (or, for `.copy`, the field) a named argument of call `call` names.
std::optional<Decl> NamedArgDecl(const Program& program, const CheckedModule& module, lang::ExprId call,
                                 std::string_view name) {
  const SymbolRef& ref = module.expr_refs[call];
  if (ref.kind == SymbolRef::Kind::kCopy && program.types.Is(ref.type, TypeKind::kRecord)) {
    int field = program.types.record(ref.type).FieldIndex(name);
    if (field >= 0) return FieldDecl(program, ref.type, static_cast<uint32_t>(field));
    return std::nullopt;
  }
  const compiler::FunctionInfo* fn = CalledFunction(program, module, call);
  if (fn == nullptr) return std::nullopt;
  for (uint32_t p = 0; p < fn->params.size(); ++p) {
    if (fn->params[p].name == name) {
      Decl d = ParamDecl(program, *fn, p);
      if (d.module) return d;
    }
  }
  return std::nullopt;
}

// Each dot-separated segment of a type name at `range`, with the name up to
// it ("JVM", "JVM.Provider").
template <typename Fn>
void ForEachTypeSegment(std::string_view name, SourceRange range, Fn&& fn) {
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    size_t end = dot == std::string_view::npos ? name.size() : dot;
    fn(name.substr(0, end), SourceRange{range.begin + static_cast<uint32_t>(start), range.begin + static_cast<uint32_t>(end)});
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
}

}  // namespace

std::optional<Found> FindAt(const Program& program, const CheckedModule& module, uint32_t offset) {
  // The smallest name at `offset` that refers to something, with the type
  // of the expression there.
  std::optional<Found> best;
  ForEachOccurrence(program, module, [&](SourceRange at, const Decl& decl) {
    if (!Contains(at, offset)) return;
    if (best && best->at.end - best->at.begin <= at.end - at.begin) return;
    best = Found{decl, at, {}};
  });
  std::optional<lang::ExprId> expr = ExprAt(module, offset);
  if (best) {
    const lang::SyntaxTree& tree = *module.tree;
    // The value's type, where the name is an expression (or a cell, a field).
    if (expr) {
      const lang::Expr& e = tree.expr(*expr);
      SourceRange name = e.kind == ExprKind::kMember ? e.name_range : e.range;
      if (name.begin == best->at.begin && name.end == best->at.end &&
          module.expr_types[*expr] != compiler::TypeTable::kError) {
        best->type = program.types.Name(module.expr_types[*expr]);
      }
    }
    return best;
  }
  // No name: the type of the expression, if any.
  if (expr && module.expr_types[*expr] != compiler::TypeTable::kError) {
    return Found{{}, module.tree->expr(*expr).range, program.types.Name(module.expr_types[*expr])};
  }
  return std::nullopt;
}

void ForEachOccurrence(const Program& program, const CheckedModule& module, const OccurrenceFn& f) {
  const lang::SyntaxTree& tree = *module.tree;
  auto emit = [&](SourceRange at, const std::optional<Decl>& decl) {
    if (decl && decl->module != nullptr && at.begin < at.end) f(at, *decl);
  };
  auto module_decl = [&](const CheckedModule* m) -> std::optional<Decl> {
    if (m == nullptr) return std::nullopt;
    return SymbolDecl(program, {SymbolRef::Kind::kModule, m->id, 0, 0}, module, 0);
  };

  // Imports: module paths, and the names imported from them.
  for (const lang::ImportDecl& import : tree.imports) {
    std::string path;
    for (size_t i = 0; i < import.path.size() && i < import.path_ranges.size(); ++i) {
      path += (i ? "." : "") + std::string(import.path[i]);
      emit(import.path_ranges[i], module_decl(program.Find(path)));
    }
    const CheckedModule* from = program.Find(path);
    for (const lang::ImportName& name : import.names) {
      SourceRange at{name.range.begin, name.range.begin + static_cast<uint32_t>(name.name.size())};
      if (from != nullptr) {
        if (auto it = from->exports.find(name.name); it != from->exports.end()) {
          emit(at, SymbolDecl(program, it->second, module, at.begin));
          continue;
        }
      }
      emit(at, module_decl(program.Find(path + "." + std::string(name.name))));
    }
  }

  // Declarations.
  for (uint32_t i = 0; i < module.cells.size(); ++i) {
    emit(module.cells[i].name_range, SymbolDecl(program, {SymbolRef::Kind::kCell, module.id, i, 0}, module, 0));
  }
  for (const auto& [name, type] : module.local_types) {
    Decl decl = TypeDecl(program, type);
    if (decl.module != &module) continue;
    emit(decl.range, decl);
    if (program.types.Is(type, TypeKind::kRecord)) {
      const compiler::RecordType& record = program.types.record(type);
      for (uint32_t field = 0; field < record.fields.size(); ++field) emit(record.fields[field].name_range, FieldDecl(program, type, field));
    } else if (program.types.Is(type, TypeKind::kEnum)) {
      const compiler::EnumType& e = program.types.enum_type(type);
      for (uint32_t c = 0; c < e.cases.size(); ++c) {
        std::optional<Decl> d = SymbolDecl(program, {SymbolRef::Kind::kEnumCase, module.id, c, type}, module, 0);
        if (d) emit(d->range, d);
      }
    }
  }
  for (uint32_t i = 0; i < module.functions.size(); ++i) {
    const compiler::FunctionInfo& fn = module.functions[i];
    emit(tree.fn_decls[fn.decl].name_range, SymbolDecl(program, {SymbolRef::Kind::kFunction, module.id, i, 0}, module, 0));
    for (uint32_t p = 0; p < fn.params.size(); ++p) {
      Decl d = ParamDecl(program, fn, p);
      emit(d.range, d);
    }
  }

  // Builder field names.
  for (lang::ExprId id = 0; id < tree.exprs.size(); ++id) {
    const lang::Expr& e = tree.exprs[id];
    if (e.kind != ExprKind::kBuilder) continue;
    TypeId record = BuilderRecord(program, module, id);
    if (record == compiler::TypeTable::kError) continue;
    for (uint32_t i = e.list.first; i < e.list.end(); ++i) {
      const lang::FieldInit& init = tree.field_inits[i];
      if (init.name.empty()) continue;
      int field = program.types.record(record).FieldIndex(init.name);
      if (field >= 0) emit(init.name_range, FieldDecl(program, record, static_cast<uint32_t>(field)));
    }
  }

  // Names, members, named arguments, lambda parameters, comprehension variables.
  std::vector<lang::ExprId> parents = LhsParents(tree);
  for (lang::ExprId id = 0; id < tree.exprs.size(); ++id) {
    const lang::Expr& e = tree.exprs[id];
    switch (e.kind) {
      case ExprKind::kName:
      case ExprKind::kMember: {
        SymbolRef ref = RefOf(program, module, id, parents[id]);
        SourceRange at = e.kind == ExprKind::kMember ? e.name_range : e.range;
        emit(at, SymbolDecl(program, ref, module, at.begin));
        break;
      }
      case ExprKind::kCall:
        for (uint32_t a = e.list.first; a < e.list.end(); ++a) {
          const lang::Arg& arg = tree.args[a];
          if (!arg.name.empty()) emit(arg.name_range, NamedArgDecl(program, module, id, arg.name));
        }
        break;
      case ExprKind::kLambda: {
        TypeId type = module.expr_types[id];
        bool typed = program.types.Is(type, TypeKind::kFunction);
        for (uint32_t n = e.list.first; n < e.list.end(); ++n) {
          uint32_t i = n - e.list.first;
          TypeId param = typed && i < program.types.params(type).size() ? program.types.params(type)[i]
                                                                           : compiler::TypeTable::kError;
          emit(tree.names[n].range, SymbolDecl(program, {SymbolRef::Kind::kLocal, module.id, n, param}, module,
                                               tree.names[n].range.begin));
        }
        break;
      }
      case ExprKind::kComprehension: {
        TypeId over = module.expr_types[e.rhs != lang::kNone ? e.rhs : id];
        TypeId element = program.types.Is(over, TypeKind::kList) ? program.types.element(over) : compiler::TypeTable::kError;
        emit(e.name_range, SymbolDecl(program, {SymbolRef::Kind::kLocal, module.id, id, element}, module, e.name_range.begin));
        break;
      }
      default:
        break;
    }
  }

  // Type names, segment by segment.
  for (const lang::TypeRef& ref : tree.type_refs) {
    if (ref.function) continue;
    ForEachTypeSegment(ref.name, ref.range, [&](std::string_view prefix, SourceRange at) {
      if (std::optional<TypeId> type = LookupType(program, module, prefix)) emit(at, TypeDecl(program, *type));
    });
  }
}

}  // namespace clive::lsp
