// Declarations: imports, types, enums, fields and cells (module_checker.h).
#include <algorithm>
#include <functional>

#include "clive/lang/error_codes.h"
#include "module_checker.h"
#include "suggest.h"

namespace clive::compiler {

using lang::kNone;
using lang::SourceRange;
using lang::TypeDeclId;

void ModuleChecker::Run(const std::vector<ResolvedImport>& imports, std::optional<ModuleId> prelude) {
  module_.expr_types.assign(tree_.exprs.size(), kErr);
  module_.expr_refs.assign(tree_.exprs.size(), SymbolRef{});
  module_.init_fields.assign(tree_.field_inits.size(), kNone);
  BindImports(imports);
  DeclareTypes();
  ResolveFieldTypes();
  DeclareFunctions();
  DeclareCells();
  // Local declarations shadow the prelude, so it is bound last.
  if (prelude && *prelude != module_.id) BindPrelude(*prelude);
  CheckFieldDefaults();
  CheckFunctions();
  CheckCells();
  OrderCells();
}

void ModuleChecker::BindExtensions(const CheckedModule& from, std::string_view name) {
  auto [begin, end] = from.extension_exports.equal_range(name);
  for (auto it = begin; it != end; ++it) extensions_.emplace(std::string(name), it->second);
}

void ModuleChecker::BindPrelude(ModuleId prelude) {
  const CheckedModule& m = program_.module(prelude);
  for (const auto& [name, symbol] : m.exports) {
    if (names_.find(name) == names_.end()) names_.emplace(std::string(name), Binding{symbol, {}});
  }
  for (const auto& [name, symbol] : m.extension_exports) extensions_.emplace(std::string(name), symbol);
}

const CheckedModule* ModuleChecker::FindSubmodule(const CheckedModule& parent, std::string_view name) {
  path_scratch_.clear();
  if (!parent.path.empty()) path_scratch_.append(parent.path).append(".");
  path_scratch_.append(name);
  if (modules_ == nullptr) return program_.Find(path_scratch_);
  auto it = modules_->find(path_scratch_);
  return it == modules_->end() ? nullptr : &program_.module(it->second);
}

TypeId ModuleChecker::Unsupported(SourceRange range, const std::string& what) {
  sink_.Error(codes::kUnsupported, file_, range, what + " are not supported yet");
  return kErr;
}

void ModuleChecker::ReportDuplicate(const char* what, std::string_view name, SourceRange here,
                                    SourceRange first) {
  lang::Diagnostic d{lang::Severity::kError, codes::kDuplicate, &file_, here,
                     std::string(what) + " " + Quote(name) + " is defined more than once", {}};
  d.notes.push_back({&file_, first, "first defined here"});
  sink_.Report(std::move(d));
}

void ModuleChecker::Bind(std::string_view name, SourceRange range, SymbolRef symbol) {
  auto [it, inserted] = names_.emplace(std::string(name), Binding{symbol, range});
  if (!inserted) ReportDuplicate("name", name, range, it->second.range);
}

void ModuleChecker::BindImports(const std::vector<ResolvedImport>& imports) {
  for (size_t i = 0; i < tree_.imports.size(); ++i) {
    const lang::ImportDecl& decl = tree_.imports[i];
    const ResolvedImport& resolved = imports[i];
    if (!resolved.resolved || decl.path.empty()) continue;  // the loader reported it
    const CheckedModule& target = program_.module(resolved.module);
    if (std::find(module_.imports.begin(), module_.imports.end(), target.id) == module_.imports.end()) {
      module_.imports.push_back(target.id);
    }
    // Looks up `name` among the target's exports, then its submodules.
    auto export_of = [&](std::string_view name, SourceRange range) -> std::optional<SymbolRef> {
      if (auto it = target.exports.find(name); it != target.exports.end()) return it->second;
      if (target.extension_exports.count(name) > 0) return SymbolRef{};  // bound as extensions
      if (const CheckedModule* m = FindSubmodule(target, name)) {
        return SymbolRef{SymbolRef::Kind::kModule, m->id, 0, 0};
      }
      lang::Diagnostic d{lang::Severity::kError, codes::kUnknownExport, &file_, range,
                         "module " + Quote(target.path) + " has no " + Quote(name), {}};
      std::vector<std::string_view> candidates;
      for (const auto& [exported, symbol] : target.exports) candidates.push_back(exported);
      if (auto match = ClosestMatch(name, candidates); !match.empty()) {
        d.message += "; did you mean " + Quote(match) + "?";
      }
      sink_.Report(std::move(d));
      return std::nullopt;
    };
    if (!decl.names.empty()) {
      for (const lang::ImportName& name : decl.names) {
        BindExtensions(target, name.name);
        if (auto symbol = export_of(name.name, name.range); symbol && symbol->kind != SymbolRef::Kind::kNone) {
          Bind(name.alias.empty() ? name.name : name.alias, name.range, *symbol);
        }
      }
    } else if (!resolved.name.empty()) {
      BindExtensions(target, resolved.name);
      if (auto symbol = export_of(resolved.name, decl.path_ranges.back());
          symbol && symbol->kind != SymbolRef::Kind::kNone) {
        Bind(decl.alias.empty() ? resolved.name : decl.alias, decl.path_ranges.back(), *symbol);
      }
    } else {
      Bind(decl.alias.empty() ? decl.path.back() : decl.alias, decl.path_ranges.back(),
           SymbolRef{SymbolRef::Kind::kModule, target.id, 0, 0});
    }
  }
}

std::string ModuleChecker::QualifiedName(TypeDeclId id) const {
  const lang::TypeDecl& decl = tree_.type_decls[id];
  std::string name(decl.name);
  return decl.parent == kNone ? name : QualifiedName(decl.parent) + "." + name;
}

void ModuleChecker::DeclareTypes() {
  auto declare = [&](std::string qualified, std::string_view name, SourceRange range, TypeId type,
                     bool top_level) {
    if (BuiltinType(name) != kErr) {
      sink_.Error(codes::kDuplicate, file_, range,
                  "type " + Quote(name) + " shadows the built-in type of that name");
      return false;
    }
    auto [it, inserted] = types_by_name_.emplace(qualified, type);
    if (!inserted) {
      sink_.Error(codes::kDuplicate, file_, range, "type " + Quote(qualified) + " is defined more than once");
      return false;
    }
    module_.local_types[qualified] = type;
    if (top_level) {
      Bind(name, range, SymbolRef{SymbolRef::Kind::kType, module_.id, type, type});
      module_.exports[name] = SymbolRef{SymbolRef::Kind::kType, module_.id, type, type};
    }
    return true;
  };
  type_of_decl_.assign(tree_.type_decls.size(), kErr);
  for (TypeDeclId id = 0; id < tree_.type_decls.size(); ++id) {
    const lang::TypeDecl& decl = tree_.type_decls[id];
    if (decl.name.empty()) continue;
    if (decl.type_params.count > 0) {
      Unsupported(decl.name_range, "generic types");
      continue;
    }
    RecordType record;
    record.name = QualifiedName(id);
    record.module = module_.id;
    record.decl = id;
    std::string qualified = record.name;
    TypeId type = types_.AddRecord(std::move(record));
    if (declare(qualified, decl.name, decl.name_range, type, decl.parent == kNone)) type_of_decl_[id] = type;
  }
  type_of_enum_.assign(tree_.enum_decls.size(), kErr);
  for (uint32_t e = 0; e < tree_.enum_decls.size(); ++e) {
    const lang::EnumDecl& decl = tree_.enum_decls[e];
    if (decl.name.empty()) continue;
    EnumType type;
    type.name = decl.parent == kNone ? std::string(decl.name)
                                     : QualifiedName(decl.parent) + "." + std::string(decl.name);
    type.module = module_.id;
    type.decl = e;
    for (size_t c = 0; c < decl.cases.size(); ++c) {
      if (type.CaseIndex(decl.cases[c]) >= 0) {
        ReportDuplicate("enum case", decl.cases[c], decl.case_ranges[c],
                        decl.case_ranges[type.CaseIndex(decl.cases[c])]);
        continue;
      }
      type.cases.push_back(decl.cases[c]);
    }
    std::string qualified = type.name;
    TypeId id = types_.AddEnum(std::move(type));
    if (declare(qualified, decl.name, decl.name_range, id, decl.parent == kNone)) type_of_enum_[e] = id;
  }
}

void ModuleChecker::ResolveFieldTypes() {
  for (TypeDeclId id = 0; id < tree_.type_decls.size(); ++id) {
    TypeId type = type_of_decl_[id];
    if (type == kErr) continue;
    const lang::TypeDecl& decl = tree_.type_decls[id];
    for (uint32_t f = decl.fields.first; f < decl.fields.end(); ++f) {
      const lang::FieldDecl& field = tree_.field_decls[f];
      if (int prev = types_.record(type).FieldIndex(field.name); prev >= 0) {
        ReportDuplicate("field", field.name, field.name_range,
                        types_.record(type).fields[prev].name_range);
        continue;
      }
      TypeId field_type = ResolveTypeRef(field.type, id);
      RecordField info{field.name, field.name_range, field_type, field.default_value, false, field.doc};
      for (std::string_view annotation : field.annotations) {
        if (annotation != "collect") {
          sink_.Error(codes::kUnknownName, file_, field.name_range,
                      "unknown annotation " + Quote("@" + std::string(annotation)) + " (known: @collect)");
          continue;
        }
        RecordType& record = types_.mutable_record(type);
        if (record.collect_field >= 0) {
          sink_.Error(codes::kNoCollectField, file_, field.name_range,
                      "type " + Quote(record.name) + " has more than one @collect field");
        } else if (field_type != kErr && !types_.Is(field_type, TypeKind::kList)) {
          sink_.Error(codes::kNoCollectField, file_, field.name_range,
                      "a @collect field must be a List, but " + Quote(field.name) + " is " + TypeName(field_type));
        } else {
          info.collect = true;
          record.collect_field = static_cast<int>(record.fields.size());
        }
      }
      types_.mutable_record(type).fields.push_back(info);
    }
  }
}

void ModuleChecker::CheckFieldDefaults() {
  for (TypeDeclId id = 0; id < tree_.type_decls.size(); ++id) {
    TypeId type = type_of_decl_[id];
    if (type == kErr) continue;
    // By index, not by reference: checking a default may add types
    // (List<...>) and so move the table's storage. (Copying the fields, doc
    // strings and all, cost more than checking them.)
    for (size_t f = 0; f < types_.record(type).fields.size(); ++f) {
      const RecordField& field = types_.record(type).fields[f];
      if (field.default_value == kNone) continue;
      const std::string_view name = field.name;
      const TypeId field_type = field.type;
      const lang::ExprId default_value = field.default_value;
      Scope scope{false, kNone, id, {}};
      TypeId actual = CheckExpr(default_value, scope, field_type);
      Expect(field_type, actual, default_value, [&] { return "the default of field " + Quote(name); });
    }
  }
}

TypeId ModuleChecker::BuiltinType(std::string_view name) const {
  static const std::pair<std::string_view, TypeId> kBuiltins[] = {
      {"Int", TypeTable::kInt},   {"Float", TypeTable::kFloat}, {"Bool", TypeTable::kBool},
      {"String", TypeTable::kString}, {"Path", TypeTable::kPath}, {"Size", TypeTable::kSize},
      {"Duration", TypeTable::kDuration}};
  for (auto [builtin, id] : kBuiltins) {
    if (builtin == name) return id;
  }
  return kErr;
}

TypeId ModuleChecker::LookupTypeName(std::string_view name, TypeDeclId scope) const {
  for (auto it = type_params_.rbegin(); it != type_params_.rend(); ++it) {
    if (it->first == name) return it->second;
  }
  // Nested declarations first, from the innermost type outwards.
  for (TypeDeclId s = scope; s != kNone; s = tree_.type_decls[s].parent) {
    if (auto it = types_by_name_.find(QualifiedName(s) + "." + std::string(name)); it != types_by_name_.end()) {
      return it->second;
    }
  }
  if (auto it = types_by_name_.find(name); it != types_by_name_.end()) return it->second;
  size_t dot = name.find('.');
  std::string_view first = name.substr(0, dot);
  std::string_view rest = dot == std::string_view::npos ? std::string_view() : name.substr(dot + 1);
  if (auto it = names_.find(first); it != names_.end()) {
    const SymbolRef& symbol = it->second.symbol;
    if (symbol.kind == SymbolRef::Kind::kType) {
      if (rest.empty()) return symbol.type;
      // A type nested in an imported type: look it up in its module.
      const CheckedModule& owner = program_.module(symbol.module);
      std::string outer = types_.Is(symbol.type, TypeKind::kRecord) ? types_.record(symbol.type).name
                                                                    : types_.enum_type(symbol.type).name;
      auto nested = owner.local_types.find(outer + "." + std::string(rest));
      return nested == owner.local_types.end() ? kErr : nested->second;
    }
    if (symbol.kind == SymbolRef::Kind::kModule && !rest.empty()) {
      const CheckedModule& owner = program_.module(symbol.module);
      auto found = owner.local_types.find(std::string(rest));
      return found == owner.local_types.end() ? kErr : found->second;
    }
  }
  return BuiltinType(name);
}

std::vector<std::string_view> ModuleChecker::KnownTypeNames() const {
  std::vector<std::string_view> names = {"Int", "Float", "Bool", "String", "Path", "Size", "Duration",
                                         "List", "Map", "ref"};
  for (const auto& [name, id] : types_by_name_) names.push_back(name);
  for (const auto& [name, binding] : names_) {
    if (binding.symbol.kind == SymbolRef::Kind::kType) names.push_back(name);
  }
  return names;
}

void ModuleChecker::ReportUnknownType(std::string_view name, SourceRange range) {
  lang::Diagnostic d{lang::Severity::kError, codes::kUnknownType, &file_, range,
                     "unknown type " + Quote(name), {}};
  if (auto match = ClosestMatch(name, KnownTypeNames()); !match.empty()) {
    d.message += "; did you mean " + Quote(match) + "?";
  }
  sink_.Report(std::move(d));
}

TypeId ModuleChecker::ResolveTypeRef(lang::TypeRefId ref_id, TypeDeclId scope) {
  if (ref_id == kNone) return kErr;
  const lang::TypeRef& ref = tree_.type_refs[ref_id];
  std::vector<TypeId> args;
  for (uint32_t i = ref.args.first; i < ref.args.end(); ++i) {
    args.push_back(ResolveTypeRef(tree_.type_ref_args[i], scope));
  }
  for (TypeId a : args) {
    if (a == kErr) return kErr;
  }
  TypeId type = kErr;
  if (ref.function) {
    type = types_.FunctionOf(args, ResolveTypeRef(ref.result, scope));
  } else {
    if (ref.name.empty()) return kErr;  // a syntax error, already reported
    auto expect_args = [&](size_t n) {
      if (args.size() == n) return true;
      sink_.Error(codes::kBadTypeArgs, file_, ref.range,
                  Quote(ref.name) + " takes " + std::to_string(n) + " type argument" + (n == 1 ? "" : "s") +
                      ", but " + std::to_string(args.size()) + (args.size() == 1 ? " was" : " were") + " given");
      return false;
    };
    if (ref.name == "List") {
      if (!expect_args(1)) return kErr;
      type = types_.ListOf(args[0]);
    } else if (ref.name == "Map") {
      if (!expect_args(2)) return kErr;
      type = types_.MapOf(args[0], args[1]);
    } else if (ref.name == "ref") {
      if (!expect_args(1)) return kErr;
      type = types_.RefOf(args[0]);
    } else {
      type = LookupTypeName(ref.name, scope);
      if (type == kErr) {
        ReportUnknownType(ref.name, ref.range);
        return kErr;
      }
      if (!expect_args(0)) return kErr;
    }
  }
  return ref.optional ? types_.OptionalOf(type) : type;
}

// Whether `val` is an `@input` cell; reports unknown annotations and an
// input cell without a declared type (`clivec set` checks values against it).
bool ModuleChecker::IsInputCell(const lang::ValDecl& val) {
  bool input = false;
  for (std::string_view annotation : val.annotations) {
    if (annotation != "input") {
      sink_.Error(codes::kUnknownName, file_, val.name_range,
                  "unknown annotation " + Quote("@" + std::string(annotation)) + " (known: @input)");
    } else {
      input = true;
    }
  }
  if (input && val.type == lang::kNone) {
    sink_.Error(codes::kInputWithoutType, file_, val.name_range,
                "input cell " + Quote(val.name) + " must declare its type: `@input val " + std::string(val.name) +
                    ": Type = ...`");
  }
  return input;
}

void ModuleChecker::DeclareCells() {
  for (uint32_t v = 0; v < tree_.vals.size(); ++v) {
    const lang::ValDecl& val = tree_.vals[v];
    Cell cell;
    cell.name = val.name;
    cell.name_range = val.name_range;
    cell.val_index = v;
    cell.input = IsInputCell(val);
    uint32_t index = static_cast<uint32_t>(module_.cells.size());
    SymbolRef symbol{SymbolRef::Kind::kCell, module_.id, index, 0};
    auto [it, inserted] = names_.emplace(std::string(val.name), Binding{symbol, val.name_range});
    if (!inserted) {
      ReportDuplicate(it->second.symbol.kind == SymbolRef::Kind::kCell ? "value" : "name", val.name,
                      val.name_range, it->second.range);
      continue;
    }
    module_.exports[val.name] = symbol;
    module_.cells.push_back(std::move(cell));
  }
  cell_state_.assign(module_.cells.size(), CellState::kUnchecked);
}

void ModuleChecker::CheckCells() {
  for (uint32_t c = 0; c < module_.cells.size(); ++c) CheckCell(c);
}

// Checks cell `c` once. A cell that reads a later cell checks that one first;
// reaching a cell that is in progress means a cycle, which OrderCells reports
// with the whole chain.
TypeId ModuleChecker::CheckCell(uint32_t c) {
  if (cell_state_[c] == CellState::kDone) return module_.cells[c].type;
  if (cell_state_[c] == CellState::kInProgress) return kErr;
  cell_state_[c] = CellState::kInProgress;
  const lang::ValDecl& val = tree_.vals[module_.cells[c].val_index];
  TypeId declared = val.type == kNone ? kErr : ResolveTypeRef(val.type, kNone);
  Scope scope{true, c, kNone, {}};
  TypeId actual = CheckExpr(val.value, scope, declared);
  if (val.type != kNone) Expect(declared, actual, val.value, [&] { return "value " + Quote(val.name); });
  TypeId type = val.type == kNone ? actual : declared;
  if (val.type == kNone && type == TypeTable::kNull) {
    sink_.Error(codes::kCannotInfer, file_, val.name_range,
                "cannot infer the type of " + Quote(val.name) + " from `null`; declare it, as in `val " +
                    std::string(val.name) + ": String? = null`");
    type = kErr;
  }
  module_.cells[c].type = type;
  cell_state_[c] = CellState::kDone;
  return type;
}

void ModuleChecker::OrderCells() {
  enum class Mark : uint8_t { kNew, kActive, kDone };
  std::vector<Mark> marks(module_.cells.size(), Mark::kNew);
  std::vector<uint32_t> stack;
  std::function<void(uint32_t)> visit = [&](uint32_t c) {
    if (marks[c] == Mark::kDone) return;
    if (marks[c] == Mark::kActive) {
      std::string chain;
      auto start = std::find(stack.begin(), stack.end(), c);
      for (auto it = start; it != stack.end(); ++it) chain += std::string(module_.cells[*it].name) + " -> ";
      chain += std::string(module_.cells[c].name);
      sink_.Error(codes::kCellCycle, file_, module_.cells[c].name_range,
                  "value " + Quote(module_.cells[c].name) + " depends on itself: " + chain);
      return;
    }
    marks[c] = Mark::kActive;
    stack.push_back(c);
    // Cells of other modules are ordered by the module order.
    for (const CellId& dep : module_.cells[c].reads) {
      if (dep.module == module_.id) visit(dep.cell);
    }
    stack.pop_back();
    marks[c] = Mark::kDone;
    module_.eval_order.push_back(c);
  };
  for (uint32_t c = 0; c < module_.cells.size(); ++c) visit(c);
}

}  // namespace clive::compiler
