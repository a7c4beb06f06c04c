// Functions, calls, lambdas and generics (module_checker.h).
//
// Generic functions are checked once, with their type parameters as opaque
// types; a call infers the type arguments by unifying parameter types with
// argument types (lambdas last, so that `xs.map { x -> ... }` knows `x`'s
// type from `xs`), and substitutes them into the result type.
#include "module_checker.h"
#include "suggest.h"

namespace clive::compiler {

using lang::ExprId;
using lang::ExprKind;
using lang::kNone;
using lang::SourceRange;

void ModuleChecker::DeclareFunctions() {
  fn_state_.assign(tree_.fn_decls.size(), FnState::kUnchecked);
  for (uint32_t f = 0; f < tree_.fn_decls.size(); ++f) {
    const lang::FnDecl& decl = tree_.fn_decls[f];
    FunctionInfo fn;
    fn.name = decl.name;
    fn.module = module_.id;
    fn.decl = f;
    for (std::string_view annotation : decl.annotations) {
      if (annotation == "builtin") {
        fn.builtin = true;
        // The runtime implements the prelude's built-ins and no others.
        if (module_.path != "clive.prelude") {
          sink_.Error(codes::kUnsupported, file_, decl.name_range,
                      "only the prelude (clive.prelude) declares @builtin functions");
        }
      } else {
        sink_.Error(codes::kUnknownName, file_, decl.name_range,
                    "unknown annotation " + Quote("@" + std::string(annotation)) + " (known: @builtin)");
      }
    }
    for (uint32_t t = decl.type_params.first; t < decl.type_params.end(); ++t) {
      TypeId param = types_.AddTypeParam(std::string(tree_.names[t].text));
      fn.type_params.push_back(param);
      type_params_.emplace_back(tree_.names[t].text, param);
    }
    if (decl.parent != kNone) {
      fn.receiver = type_of_decl_[decl.parent];
    } else if (decl.receiver != kNone) {
      fn.receiver = ResolveTypeRef(decl.receiver, kNone);
    }
    for (uint32_t p = decl.params.first; p < decl.params.end(); ++p) {
      const lang::Param& param = tree_.params[p];
      fn.params.push_back({param.name, ResolveTypeRef(param.type, decl.parent), param.default_value});
    }
    if (decl.result != kNone) fn.result = ResolveTypeRef(decl.result, decl.parent);
    type_params_.resize(type_params_.size() - fn.type_params.size());
    if (decl.body == kNone && !fn.builtin) {
      sink_.Error(codes::kUnsupported, file_, decl.name_range,
                  "function " + Quote(decl.name) + " needs a body: `= expression`");
    }
    if (fn.builtin && decl.result == kNone) {
      sink_.Error(codes::kCannotInfer, file_, decl.name_range, "a @builtin function must declare its result type");
    }
    uint32_t index = static_cast<uint32_t>(module_.functions.size());
    SymbolRef symbol{SymbolRef::Kind::kFunction, module_.id, index, 0};
    bool extension = decl.parent == kNone && decl.receiver != kNone;
    if (decl.parent != kNone && fn.receiver != kErr) {
      types_.mutable_record(fn.receiver).methods.push_back(index);
    } else if (extension) {
      extensions_.emplace(std::string(decl.name), symbol);
      module_.extension_exports.emplace(decl.name, symbol);
    } else if (decl.parent == kNone) {
      Bind(decl.name, decl.name_range, symbol);
      module_.exports[decl.name] = symbol;
    }
    module_.functions.push_back(std::move(fn));
  }
}

void ModuleChecker::CheckFunctions() {
  for (uint32_t f = 0; f < module_.functions.size(); ++f) CheckFunctionBody(f);
}

TypeId ModuleChecker::FunctionResult(uint32_t index) {
  const FunctionInfo& fn = module_.functions[index];
  if (fn.result != kErr || fn.builtin) return fn.result;
  return CheckFunctionBody(index);
}

TypeId ModuleChecker::CheckFunctionBody(uint32_t index) {
  if (fn_state_[index] == FnState::kDone) return module_.functions[index].result;
  const lang::FnDecl& decl = tree_.fn_decls[module_.functions[index].decl];
  if (fn_state_[index] == FnState::kInProgress) {
    if (module_.functions[index].result == kErr) {
      sink_.Error(codes::kCannotInfer, file_, decl.name_range,
                  "function " + Quote(decl.name) + " calls itself, so it must declare its result type");
    }
    return module_.functions[index].result;
  }
  fn_state_[index] = FnState::kInProgress;
  if (decl.body != kNone) {
    // Copies: checking the body may add functions' types to the table.
    const FunctionInfo fn = module_.functions[index];
    for (size_t t = 0; t < fn.type_params.size(); ++t) {
      type_params_.emplace_back(tree_.names[decl.type_params.first + t].text, fn.type_params[t]);
    }
    Scope scope{false, kNone, decl.parent, {}};
    if (fn.receiver != kErr) {
      scope.locals.push_back({"this", fn.receiver, {SymbolRef::Kind::kThis, module_.id, 0, fn.receiver}});
      // A record's fields are in scope in its member and extension functions.
      if (types_.Is(fn.receiver, TypeKind::kRecord)) {
        const RecordType& record = types_.record(fn.receiver);
        for (size_t f = 0; f < record.fields.size(); ++f) {
          scope.locals.push_back({record.fields[f].name, record.fields[f].type,
                                  {SymbolRef::Kind::kField, record.module, static_cast<uint32_t>(f), fn.receiver}});
        }
      }
    }
    for (size_t p = 0; p < fn.params.size(); ++p) {
      const FunctionParam& param = fn.params[p];
      if (param.default_value != kNone) {
        TypeId actual = CheckExpr(param.default_value, scope, param.type);
        Expect(param.type, actual, param.default_value, [&] { return "the default of parameter " + Quote(param.name); });
      }
      scope.locals.push_back({param.name, param.type, {SymbolRef::Kind::kParam, module_.id, static_cast<uint32_t>(p), 0}});
    }
    TypeId body = CheckExpr(decl.body, scope, fn.result);
    if (fn.result != kErr) {
      Expect(fn.result, body, decl.body, [&] { return "the result of " + Quote(decl.name); });
    } else {
      module_.functions[index].result = body == TypeTable::kNull ? kErr : body;
    }
    type_params_.resize(type_params_.size() - fn.type_params.size());
  }
  fn_state_[index] = FnState::kDone;
  return module_.functions[index].result;
}

bool ModuleChecker::Unify(TypeId param, TypeId arg, std::map<TypeId, TypeId>& subst) const {
  if (param == kErr || arg == kErr) return true;
  switch (types_.kind(param)) {
    case TypeKind::kTypeParam: {
      auto it = subst.find(param);
      if (it == subst.end()) {
        subst[param] = arg;
        return true;
      }
      if (types_.Assignable(arg, it->second)) return true;
      if (types_.Assignable(it->second, arg)) {
        it->second = arg;  // widen: T = Int then T = Int? gives Int?
        return true;
      }
      return false;
    }
    case TypeKind::kList:
      return types_.Is(arg, TypeKind::kList) && Unify(types_.element(param), types_.element(arg), subst);
    case TypeKind::kMap:
      return types_.Is(arg, TypeKind::kMap) && Unify(types_.key(param), types_.key(arg), subst) &&
             Unify(types_.value(param), types_.value(arg), subst);
    case TypeKind::kRef:
      return types_.Is(arg, TypeKind::kRef) && Unify(types_.element(param), types_.element(arg), subst);
    case TypeKind::kOptional:
      if (arg == TypeTable::kNull) return true;
      return Unify(types_.element(param), types_.NonOptional(arg), subst);
    case TypeKind::kFunction: {
      if (!types_.Is(arg, TypeKind::kFunction) || types_.params(arg).size() != types_.params(param).size()) {
        return false;
      }
      for (size_t i = 0; i < types_.params(param).size(); ++i) {
        if (!Unify(types_.params(param)[i], types_.params(arg)[i], subst)) return false;
      }
      return Unify(types_.result(param), types_.result(arg), subst);
    }
    default: return types_.Assignable(arg, param);
  }
}

TypeId ModuleChecker::Substitute(TypeId type, const std::map<TypeId, TypeId>& subst) {
  return types_.Substitute(type, subst);
}

TypeId ModuleChecker::CheckLambda(ExprId id, const lang::Expr& e, Scope& scope, TypeId expected) {
  std::vector<TypeId> params;
  TypeId wanted = types_.NonOptional(expected);
  bool known = expected != kErr && types_.Is(wanted, TypeKind::kFunction) &&
               types_.params(wanted).size() == e.list.count;
  if (expected != kErr && !known && types_.Is(wanted, TypeKind::kFunction)) {
    sink_.Error(codes::kTypeMismatch, file_, e.range,
                "this lambda takes " + std::to_string(e.list.count) + " parameter(s), but " + TypeName(wanted) +
                    " takes " + std::to_string(types_.params(wanted).size()));
    return kErr;
  }
  for (uint32_t i = 0; i < e.list.count; ++i) {
    TypeId type = known ? types_.params(wanted)[i] : kErr;
    if (type == kErr || types_.IsGeneric(type)) {
      sink_.Error(codes::kCannotInfer, file_, tree_.names[e.list.first + i].range,
                  "cannot infer the type of lambda parameter " + Quote(tree_.names[e.list.first + i].text) +
                      "; pass the lambda where a function type is expected");
      return kErr;
    }
    params.push_back(type);
  }
  size_t before = scope.locals.size();
  for (uint32_t i = 0; i < e.list.count; ++i) {
    scope.locals.push_back({tree_.names[e.list.first + i].text, params[i],
                            {SymbolRef::Kind::kLocal, module_.id, e.list.first + i, params[i]}});
  }
  TypeId result_hint = known && !types_.IsGeneric(types_.result(wanted)) ? types_.result(wanted) : kErr;
  TypeId body = CheckExpr(e.lhs, scope, result_hint);
  scope.locals.resize(before);
  (void)id;
  if (body == kErr) return kErr;
  if (result_hint != kErr && !types_.Assignable(body, result_hint)) {
    Expect(result_hint, body, e.lhs, "the lambda's result");
    return kErr;  // reported once, here
  }
  return types_.FunctionOf(params, body);
}

// `ref(cell)`: a live reference to a cell (the runtime follows it, issue 6).
// The argument must name a cell, here or in an imported module; the
// reference does not read the cell, so it adds no dependency.
TypeId ModuleChecker::CheckRef(ExprId id, const lang::Expr& e, Scope& scope) {
  if (e.list.count != 1 || !tree_.args[e.list.first].name.empty()) {
    for (uint32_t a = e.list.first; a < e.list.end(); ++a) CheckExpr(tree_.args[a].value, scope);
    sink_.Error(codes::kTooManyArgs, file_, e.range, "`ref` takes one cell, as in `ref(server)`");
    return kErr;
  }
  ExprId arg = tree_.args[e.list.first].value;
  const lang::Expr& target = tree_.exprs[arg];
  SymbolRef cell;
  if (target.kind == ExprKind::kName) {
    if (auto it = names_.find(std::string(target.name)); it != names_.end()) cell = it->second.symbol;
  } else if (target.kind == ExprKind::kMember) {
    SymbolRef path = ResolvePath(target.lhs, scope);
    if (path.kind == SymbolRef::Kind::kModule) {
      const CheckedModule& m = program_.module(path.module);
      if (auto it = m.exports.find(target.name); it != m.exports.end()) cell = it->second;
    }
  }
  if (cell.kind != SymbolRef::Kind::kCell) {
    CheckExpr(arg, scope);
    sink_.Error(codes::kTypeMismatch, file_, target.range,
                "`ref` takes the name of a cell (a top-level `val`), as in `ref(server)` or `ref(lib.server)`");
    return kErr;
  }
  module_.expr_refs[arg] = cell;
  module_.expr_refs[id] = {SymbolRef::Kind::kCell, cell.module, cell.index, 0};
  TypeId type = cell.module == module_.id ? RefTargetType(cell.index, target.range)
                                          : program_.module(cell.module).cells[cell.index].type;
  module_.expr_types[arg] = type;
  return types_.RefOf(type);
}

// A reference reads its target when it runs, not when the cell holding it
// is computed, so cells may refer to each other through references (the
// runtime reports a cycle if following them loops). Only the target's type
// is needed here: when the target is being checked already, that is its
// declared type.
TypeId ModuleChecker::RefTargetType(uint32_t c, lang::SourceRange at) {
  if (cell_state_[c] != CellState::kInProgress) return CheckCell(c);
  const lang::ValDecl& val = tree_.vals[module_.cells[c].val_index];
  if (val.type != kNone) return ResolveTypeRef(val.type, kNone);
  sink_.Error(codes::kCannotInfer, file_, at,
              "cannot infer the type of " + Quote(val.name) + ": it refers back to itself through references; "
              "declare it, as in `val " + std::string(val.name) + ": Int = ...`");
  return kErr;
}

TypeId ModuleChecker::CheckCopy(ExprId id, const lang::Expr& e, Scope& scope, TypeId record_type) {
  module_.expr_refs[id] = {SymbolRef::Kind::kCopy, module_.id, 0, record_type};
  const RecordType record = types_.record(record_type);
  std::vector<bool> seen(record.fields.size(), false);
  for (uint32_t a = e.list.first; a < e.list.end(); ++a) {
    const lang::Arg& arg = tree_.args[a];
    if (arg.name.empty()) {
      CheckExpr(arg.value, scope);
      sink_.Error(codes::kTypeMismatch, file_, tree_.exprs[arg.value].range,
                  "`copy` takes named arguments only, as in `copy(port = 8080)`");
      continue;
    }
    int f = record.FieldIndex(arg.name);
    if (f < 0) {
      CheckExpr(arg.value, scope);
      ReportUnknownField(record, arg.name, arg.name_range);
      continue;
    }
    if (seen[f]) {
      sink_.Error(codes::kFieldSetTwice, file_, arg.name_range, "field " + Quote(arg.name) + " is set more than once");
    }
    seen[f] = true;
    TypeId actual = CheckExpr(arg.value, scope, record.fields[f].type);
    Expect(record.fields[f].type, actual, arg.value, [&] { return "field " + Quote(arg.name); });
  }
  return record_type;
}

TypeId ModuleChecker::CheckArguments(const lang::Expr& e, const FunctionInfo& fn, Scope& scope,
                                     std::map<TypeId, TypeId>& subst) {
  const lang::FnDecl& decl = program_.module(fn.module).tree->fn_decls[fn.decl];
  std::vector<ExprId> bound(fn.params.size(), kNone);
  size_t next_positional = 0;
  bool ok = true;
  for (uint32_t a = e.list.first; a < e.list.end(); ++a) {
    const lang::Arg& arg = tree_.args[a];
    size_t index = fn.params.size();
    if (arg.name.empty()) {
      index = next_positional++;
      if (index >= fn.params.size()) {
        sink_.Error(codes::kTooManyArgs, file_, tree_.exprs[arg.value].range,
                    Quote(fn.name) + " takes " + std::to_string(fn.params.size()) + " argument(s)");
        ok = false;
        continue;
      }
    } else {
      for (size_t p = 0; p < fn.params.size(); ++p) {
        if (fn.params[p].name == arg.name) index = p;
      }
      if (index == fn.params.size()) {
        std::vector<std::string_view> names;
        for (const FunctionParam& p : fn.params) names.push_back(p.name);
        std::string message = Quote(fn.name) + " has no parameter " + Quote(arg.name);
        if (auto match = ClosestMatch(arg.name, names); !match.empty()) message += "; did you mean " + Quote(match) + "?";
        sink_.Error(codes::kUnknownParam, file_, arg.name_range, message);
        ok = false;
        continue;
      }
    }
    if (bound[index] != kNone) {
      sink_.Error(codes::kUnknownParam, file_, arg.name.empty() ? tree_.exprs[arg.value].range : arg.name_range,
                  "parameter " + Quote(fn.params[index].name) + " is given more than once");
      ok = false;
      continue;
    }
    bound[index] = arg.value;
  }
  // Plain arguments first, lambdas second: a lambda's parameter types often
  // come from the type arguments the other arguments fix.
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t p = 0; p < fn.params.size(); ++p) {
      if (bound[p] == kNone) continue;
      bool lambda = tree_.exprs[bound[p]].kind == ExprKind::kLambda;
      if (lambda != (pass == 1)) continue;
      TypeId param = Substitute(fn.params[p].type, subst);
      TypeId actual = CheckExpr(bound[p], scope, lambda || !types_.IsGeneric(param) ? param : kErr);
      if (actual == kErr) {
        ok = false;
        continue;
      }
      if (!Unify(fn.params[p].type, actual, subst)) {
        Expect(Substitute(fn.params[p].type, subst), actual, bound[p],
               [&] { return "parameter " + Quote(fn.params[p].name); });
        ok = false;
      }
    }
  }
  for (size_t p = 0; p < fn.params.size(); ++p) {
    if (bound[p] != kNone || fn.params[p].default_value != kNone) continue;
    lang::Diagnostic d{lang::Severity::kError, codes::kMissingArg, &file_, e.range,
                       "missing argument " + Quote(fn.params[p].name) + " of " + Quote(fn.name), {}};
    const CheckedModule& owner = program_.module(fn.module);
    d.notes.push_back({owner.file.get(), decl.name_range, Quote(fn.name) + " is declared here"});
    sink_.Report(std::move(d));
    ok = false;
  }
  TypeId result = fn.module == module_.id ? FunctionResult(static_cast<uint32_t>(&fn - module_.functions.data()))
                                          : fn.result;
  if (!ok || result == kErr) return kErr;
  result = Substitute(result, subst);
  if (types_.IsGeneric(result)) {
    sink_.Error(codes::kCannotInfer, file_, e.range,
                "cannot infer the type arguments of " + Quote(fn.name) + " (its result is " + TypeName(result) + ")");
    return kErr;
  }
  return result;
}

TypeId ModuleChecker::CheckCall(ExprId id, const lang::Expr& e, Scope& scope, TypeId expected) {
  (void)expected;
  const lang::Expr& callee = tree_.exprs[e.lhs];
  auto check_args_blind = [&] {
    for (uint32_t a = e.list.first; a < e.list.end(); ++a) CheckExpr(tree_.args[a].value, scope);
  };
  std::map<TypeId, TypeId> subst;

  if (callee.kind == ExprKind::kMember) {
    SymbolRef path = ResolvePath(callee.lhs, scope);
    if (path.kind == SymbolRef::Kind::kModule) {
      const CheckedModule& m = program_.module(path.module);
      auto it = m.exports.find(callee.name);
      if (it == m.exports.end() || it->second.kind != SymbolRef::Kind::kFunction) {
        check_args_blind();
        sink_.Error(codes::kUnknownExport, file_, callee.name_range,
                    "module " + Quote(m.path) + " has no function " + Quote(callee.name));
        return kErr;
      }
      module_.expr_refs[id] = it->second;
      return CheckArguments(e, Function(it->second), scope, subst);
    }
    TypeId receiver = CheckExpr(callee.lhs, scope);
    if (receiver == kErr) {
      check_args_blind();
      return kErr;
    }
    if (types_.Is(receiver, TypeKind::kOptional) && !callee.safe) {
      check_args_blind();
      sink_.Error(codes::kMaybeNull, file_, callee.range,
                  "this value of type " + TypeName(receiver) + " may be null; use " +
                      Quote("?." + std::string(callee.name) + "(...)"));
      return kErr;
    }
    TypeId base = types_.NonOptional(receiver);
    auto wrap = [&](TypeId t) { return callee.safe && t != kErr ? types_.OptionalOf(t) : t; };
    if (types_.Is(base, TypeKind::kRecord)) {
      if (callee.name == "copy") return wrap(CheckCopy(id, e, scope, base));
      const RecordType& record = types_.record(base);
      for (uint32_t method : record.methods) {
        const FunctionInfo& fn = program_.module(record.module).functions[method];
        if (fn.name != callee.name) continue;
        module_.expr_refs[id] = {SymbolRef::Kind::kFunction, record.module, method, 0};
        return wrap(CheckArguments(e, fn, scope, subst));
      }
    }
    // Extensions, most recently bound first; the first whose receiver fits.
    auto [begin, end] = extensions_.equal_range(callee.name);
    for (auto it = begin; it != end; ++it) {
      const FunctionInfo& fn = Function(it->second);
      std::map<TypeId, TypeId> trial;
      if (fn.receiver == kErr || !Unify(fn.receiver, base, trial)) continue;
      module_.expr_refs[id] = it->second;
      return wrap(CheckArguments(e, fn, scope, trial));
    }
    check_args_blind();
    std::vector<std::string_view> candidates;
    for (const auto& [name, symbol] : extensions_) {
      std::map<TypeId, TypeId> trial;
      const FunctionInfo& fn = Function(symbol);
      if (fn.receiver != kErr && Unify(fn.receiver, base, trial)) candidates.push_back(fn.name);
    }
    if (types_.Is(base, TypeKind::kRecord)) {
      const RecordType& record = types_.record(base);
      candidates.push_back("copy");
      for (uint32_t m : record.methods) candidates.push_back(program_.module(record.module).functions[m].name);
    }
    std::string message = "type " + TypeName(base) + " has no function " + Quote(callee.name);
    if (auto match = ClosestMatch(callee.name, candidates); !match.empty()) {
      message += "; did you mean " + Quote(match) + "?";
    }
    sink_.Error(codes::kUnknownField, file_, callee.name_range, message);
    return kErr;
  }

  if (callee.kind == ExprKind::kName && callee.name == "ref" && names_.find("ref") == names_.end()) {
    return CheckRef(id, e, scope);
  }
  if (callee.kind == ExprKind::kName) {
    // `copy(...)` in a member or extension function copies `this`.
    if (callee.name == "copy") {
      for (auto local = scope.locals.rbegin(); local != scope.locals.rend(); ++local) {
        if (local->symbol.kind == SymbolRef::Kind::kThis && types_.Is(local->type, TypeKind::kRecord)) {
          return CheckCopy(id, e, scope, local->type);
        }
      }
    }
    bool shadowed = false;
    for (const Local& local : scope.locals) shadowed = shadowed || local.name == callee.name;
    auto it = names_.find(callee.name);
    if (!shadowed && it != names_.end() && it->second.symbol.kind == SymbolRef::Kind::kFunction) {
      module_.expr_refs[id] = it->second.symbol;
      return CheckArguments(e, Function(it->second.symbol), scope, subst);
    }
    if (!shadowed && it != names_.end() && it->second.symbol.kind == SymbolRef::Kind::kType) {
      check_args_blind();
      sink_.Error(codes::kNotARecord, file_, callee.range,
                  "a type is not a function; build a value with " + Quote(std::string(callee.name) + " { ... }"));
      return kErr;
    }
  }
  // Calling a value of function type: positional arguments only.
  TypeId fn_type = CheckExpr(e.lhs, scope);
  if (fn_type == kErr) {
    check_args_blind();
    return kErr;
  }
  if (!types_.Is(fn_type, TypeKind::kFunction)) {
    check_args_blind();
    sink_.Error(codes::kNotCallable, file_, callee.range, "a value of type " + TypeName(fn_type) + " cannot be called");
    return kErr;
  }
  const std::vector<TypeId> params = types_.params(fn_type);
  if (e.list.count != params.size()) {
    check_args_blind();
    sink_.Error(codes::kTooManyArgs, file_, e.range,
                "this function takes " + std::to_string(params.size()) + " argument(s), but " +
                    std::to_string(e.list.count) + " were given");
    return kErr;
  }
  for (uint32_t a = 0; a < e.list.count; ++a) {
    const lang::Arg& arg = tree_.args[e.list.first + a];
    Expect(params[a], CheckExpr(arg.value, scope, params[a]), arg.value,
           [&] { return "argument " + std::to_string(a + 1); });
  }
  return types_.result(fn_type);
}

}  // namespace clive::compiler
