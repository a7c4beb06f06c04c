// Expressions (module_checker.h). Checking is bidirectional where it helps:
// an expected type flows into `null`, empty collections and branches, and
// every expression reports its own type.
#include <cmath>

#include "clive/lang/error_codes.h"
#include "clive/lang/units.h"
#include "module_checker.h"
#include "suggest.h"

namespace clive::compiler {

using lang::ExprId;
using lang::ExprKind;
using lang::kNone;
using lang::SourceRange;

void ModuleChecker::ReportMismatch(TypeId expected, TypeId actual, ExprId at, const std::string& what) {
  sink_.Error(codes::kTypeMismatch, file_, tree_.exprs[at].range,
              "mismatched types: " + what + " has type " + TypeName(expected) +
                  ", but this expression has type " + TypeName(actual));
}

TypeId ModuleChecker::Join(TypeId a, TypeId b, ExprId at) {
  if (a == kErr) return b;
  if (b == kErr || a == b) return a;
  if (types_.Assignable(a, b)) return b;
  if (types_.Assignable(b, a)) return a;
  if (a == TypeTable::kNull) return types_.OptionalOf(b);
  if (b == TypeTable::kNull) return types_.OptionalOf(a);
  sink_.Error(codes::kTypeMismatch, file_, tree_.exprs[at].range,
              "mismatched types: this branch has type " + TypeName(b) + ", but an earlier one has type " +
                  TypeName(a));
  return kErr;
}

TypeId ModuleChecker::CheckExpr(ExprId id, Scope& scope, TypeId expected) {
  TypeId type = CheckExprKind(id, scope, expected);
  module_.expr_types[id] = type;
  return type;
}

TypeId ModuleChecker::CheckExprKind(ExprId id, Scope& scope, TypeId expected) {
  const lang::Expr& e = tree_.exprs[id];
  switch (e.kind) {
    case ExprKind::kError: return kErr;
    case ExprKind::kInt: return TypeTable::kInt;
    case ExprKind::kFloat: return TypeTable::kFloat;
    case ExprKind::kBool: return TypeTable::kBool;
    case ExprKind::kString: return TypeTable::kString;
    case ExprKind::kNull: return TypeTable::kNull;
    case ExprKind::kQuantity: return CheckQuantity(e);
    case ExprKind::kInterpolation: return CheckInterpolation(e, scope);
    case ExprKind::kName: return CheckName(id, e, scope);
    case ExprKind::kMember: return CheckMember(id, e, scope);
    case ExprKind::kBuilder: return CheckBuilder(e, scope);
    case ExprKind::kUnary: return CheckUnary(e, scope);
    case ExprKind::kBinary: return CheckBinary(e, scope, expected);
    case ExprKind::kIf: return CheckIf(e, scope, expected);
    case ExprKind::kWhen: return CheckWhen(e, scope, expected);
    case ExprKind::kList: return CheckList(e, scope, expected);
    case ExprKind::kMap: return CheckMap(e, scope, expected);
    case ExprKind::kComprehension: return CheckComprehension(e, scope);
    case ExprKind::kIndex: return CheckIndex(e, scope);
    case ExprKind::kCall: return CheckCall(id, e, scope, expected);
    case ExprKind::kLambda: return CheckLambda(id, e, scope, expected);
  }
  return kErr;
}

TypeId ModuleChecker::CheckQuantity(const lang::Expr& e) {
  std::optional<lang::Quantity> q = lang::QuantityOfUnit(e.name);
  if (!q) {
    std::vector<std::string_view> units;
    for (auto kind : {lang::Quantity::kSize, lang::Quantity::kDuration}) {
      for (const auto& u : lang::UnitsOf(kind)) units.push_back(u.name);
    }
    std::string message = "unknown unit " + Quote(e.name);
    if (auto match = ClosestMatch(e.name, units); !match.empty()) message += "; did you mean " + Quote(match) + "?";
    sink_.Error(codes::kUnknownUnit, file_, e.name_range, message);
    return kErr;
  }
  int64_t factor = *lang::UnitFactor(e.name);
  if (e.is_float) {
    // 1.5.GB is fine; 1.5.B is not a whole number of bytes.
    double value = e.float_value * static_cast<double>(factor);
    if (value != std::floor(value) || std::fabs(value) > 9.2e18) {
      sink_.Error(lang::codes::kBadLiteral, file_, e.range,
                  "quantity is not a whole number of " +
                      std::string(*q == lang::Quantity::kSize ? "bytes" : "milliseconds"));
      return kErr;
    }
  } else {
    int64_t value;
    if (__builtin_mul_overflow(e.int_value, factor, &value)) {
      sink_.Error(lang::codes::kBadLiteral, file_, e.range, "quantity literal does not fit in 64 bits");
      return kErr;
    }
  }
  return *q == lang::Quantity::kSize ? TypeTable::kSize : TypeTable::kDuration;
}

TypeId ModuleChecker::CheckInterpolation(const lang::Expr& e, Scope& scope) {
  for (uint32_t i = e.list.first; i < e.list.end(); ++i) {
    ExprId part = tree_.expr_lists[i];
    TypeId type = CheckExpr(part, scope);
    TypeKind kind = types_.kind(types_.NonOptional(type));
    bool printable = kind != TypeKind::kRecord && kind != TypeKind::kList && kind != TypeKind::kMap &&
                     kind != TypeKind::kFunction && kind != TypeKind::kRef;
    if (type != kErr && !printable) {
      sink_.Error(codes::kBadOperands, file_, tree_.exprs[part].range,
                  "cannot interpolate a value of type " + TypeName(type) + " into a string");
    }
  }
  return TypeTable::kString;
}

SymbolRef ModuleChecker::ResolvePath(ExprId id, const Scope& scope) {
  const lang::Expr& e = tree_.exprs[id];
  if (e.kind == ExprKind::kName) {
    for (const Local& local : scope.locals) {
      if (local.name == e.name) return {};
    }
    if (auto it = names_.find(e.name); it != names_.end()) {
      auto kind = it->second.symbol.kind;
      return kind == SymbolRef::Kind::kType || kind == SymbolRef::Kind::kModule ? it->second.symbol : SymbolRef{};
    }
    if (TypeId t = LookupTypeName(e.name, scope.type_scope); t != kErr && BuiltinType(e.name) == kErr) {
      return {SymbolRef::Kind::kType, module_.id, t, t};
    }
    return {};
  }
  if (e.kind != ExprKind::kMember || e.safe) return {};
  SymbolRef outer = ResolvePath(e.lhs, scope);
  if (outer.kind == SymbolRef::Kind::kModule) {
    const CheckedModule& m = program_.module(outer.module);
    if (auto it = m.exports.find(e.name); it != m.exports.end()) {
      auto kind = it->second.kind;
      if (kind == SymbolRef::Kind::kType || kind == SymbolRef::Kind::kModule) return it->second;
    }
    if (const CheckedModule* child = FindSubmodule(m, e.name)) return {SymbolRef::Kind::kModule, child->id, 0, 0};
    return {};
  }
  if (outer.kind == SymbolRef::Kind::kType && types_.Is(outer.type, TypeKind::kRecord)) {
    const RecordType& record = types_.record(outer.type);
    const CheckedModule& owner = program_.module(record.module);
    if (auto it = owner.local_types.find(record.name + "." + std::string(e.name)); it != owner.local_types.end()) {
      return {SymbolRef::Kind::kType, owner.id, it->second, it->second};
    }
  }
  return {};
}

TypeId ModuleChecker::CheckName(ExprId id, const lang::Expr& e, Scope& scope) {
  for (auto it = scope.locals.rbegin(); it != scope.locals.rend(); ++it) {
    if (it->name == e.name) {
      module_.expr_refs[id] = it->symbol;
      return it->type;
    }
  }
  auto found = names_.find(e.name);
  if (found != names_.end()) {
    const SymbolRef& symbol = found->second.symbol;
    switch (symbol.kind) {
      case SymbolRef::Kind::kCell: {
        if (!scope.cells_visible) {
          sink_.Error(codes::kUnknownName, file_, e.range,
                      "field defaults and functions cannot read values; " + Quote(e.name) +
                          " is a value (pass it as a parameter instead)");
          return kErr;
        }
        module_.expr_refs[id] = symbol;
        if (scope.cell != kNone) module_.cells[scope.cell].reads.push_back({symbol.module, symbol.index});
        if (symbol.module == module_.id) return CheckCell(symbol.index);
        return program_.module(symbol.module).cells[symbol.index].type;
      }
      case SymbolRef::Kind::kType:
        sink_.Error(codes::kNotARecord, file_, e.range,
                    Quote(e.name) + " is a type, not a value; build one with " +
                        Quote(std::string(e.name) + " { ... }"));
        return kErr;
      case SymbolRef::Kind::kFunction: {
        // A function as a value: its type, when it is not generic.
        const FunctionInfo& fn = Function(symbol);
        TypeId result = fn.module == module_.id ? FunctionResult(symbol.index) : fn.result;
        std::vector<TypeId> params;
        for (const FunctionParam& p : fn.params) params.push_back(p.type);
        TypeId type = types_.FunctionOf(params, result);
        if (type != kErr && types_.IsGeneric(type)) {
          sink_.Error(codes::kCannotInfer, file_, e.range,
                      "generic function " + Quote(e.name) + " can only be called, not used as a value");
          return kErr;
        }
        module_.expr_refs[id] = symbol;
        return type;
      }
      case SymbolRef::Kind::kModule:
        sink_.Error(codes::kUnknownName, file_, e.range,
                    Quote(e.name) + " is a module, not a value; use one of its names, as in " +
                        Quote(std::string(e.name) + ".name"));
        return kErr;
      default: break;
    }
  }
  if (LookupTypeName(e.name, scope.type_scope) != kErr) {
    sink_.Error(codes::kNotARecord, file_, e.range,
                Quote(e.name) + " is a type, not a value; build one with " + Quote(std::string(e.name) + " { ... }"));
    return kErr;
  }
  std::vector<std::string_view> candidates;
  for (const Local& local : scope.locals) candidates.push_back(local.name);
  if (scope.cells_visible) {
    for (const auto& [name, binding] : names_) candidates.push_back(name);
  }
  std::string message = "unknown name " + Quote(e.name);
  if (auto match = ClosestMatch(e.name, candidates); !match.empty()) {
    message += "; did you mean " + Quote(match) + "?";
  }
  sink_.Error(codes::kUnknownName, file_, e.range, message);
  return kErr;
}

void ModuleChecker::ReportUnknownField(const RecordType& record, std::string_view name, SourceRange range) {
  lang::Diagnostic d{lang::Severity::kError, codes::kUnknownField, &file_, range,
                     "type " + Quote(record.name) + " has no field " + Quote(name), {}};
  std::vector<std::string_view> names;
  for (const auto& f : record.fields) names.push_back(f.name);
  if (auto match = ClosestMatch(name, names); !match.empty()) d.message += "; did you mean " + Quote(match) + "?";
  const CheckedModule& owner = program_.module(record.module);
  d.notes.push_back({owner.file.get(), owner.tree->type_decls[record.decl].name_range,
                     Quote(record.name) + " is declared here"});
  sink_.Report(std::move(d));
}

TypeId ModuleChecker::CheckMember(ExprId id, const lang::Expr& e, Scope& scope) {
  // A path through modules and types: `m.cell`, `m.Type`, `Enum.Case`.
  if (SymbolRef path = ResolvePath(e.lhs, scope); path.kind != SymbolRef::Kind::kNone) {
    if (path.kind == SymbolRef::Kind::kModule) {
      const CheckedModule& m = program_.module(path.module);
      auto it = m.exports.find(e.name);
      if (it == m.exports.end()) {
        lang::Diagnostic d{lang::Severity::kError, codes::kUnknownExport, &file_, e.name_range,
                           "module " + Quote(m.path) + " has no " + Quote(e.name), {}};
        std::vector<std::string_view> candidates;
        for (const auto& [name, symbol] : m.exports) candidates.push_back(name);
        if (auto match = ClosestMatch(e.name, candidates); !match.empty()) {
          d.message += "; did you mean " + Quote(match) + "?";
        }
        sink_.Report(std::move(d));
        return kErr;
      }
      if (it->second.kind != SymbolRef::Kind::kCell) {
        sink_.Error(codes::kNotARecord, file_, e.range, Quote(e.name) + " is a type, not a value");
        return kErr;
      }
      module_.expr_refs[id] = it->second;
      if (scope.cell != kNone) module_.cells[scope.cell].reads.push_back({it->second.module, it->second.index});
      return m.cells[it->second.index].type;
    }
    if (types_.Is(path.type, TypeKind::kEnum)) {
      const EnumType& type = types_.enum_type(path.type);
      int index = type.CaseIndex(e.name);
      if (index < 0) {
        std::string message = "enum " + Quote(type.name) + " has no case " + Quote(e.name);
        if (auto match = ClosestMatch(e.name, type.cases); !match.empty()) {
          message += "; did you mean " + Quote(match) + "?";
        }
        sink_.Error(codes::kUnknownCase, file_, e.name_range, message);
        return kErr;
      }
      module_.expr_refs[id] = {SymbolRef::Kind::kEnumCase, type.module, static_cast<uint32_t>(index), path.type};
      return path.type;
    }
    sink_.Error(codes::kNotARecord, file_, e.range,
                TypeName(path.type) + " is a type; it has no value " + Quote(e.name));
    return kErr;
  }

  TypeId object = CheckExpr(e.lhs, scope);
  if (object == kErr) return kErr;
  if (types_.Is(object, TypeKind::kOptional) && !e.safe) {
    sink_.Error(codes::kMaybeNull, file_, e.range,
                "this value of type " + TypeName(object) + " may be null; use " +
                    Quote("?." + std::string(e.name)) + " or provide a default with `?:`");
    return kErr;
  }
  if (object == TypeTable::kNull) return TypeTable::kNull;  // null?.x is null
  TypeId inner = types_.NonOptional(object);
  auto wrap = [&](TypeId t) { return e.safe && t != kErr ? types_.OptionalOf(t) : t; };
  switch (types_.kind(inner)) {
    case TypeKind::kRecord: {
      const RecordType& record = types_.record(inner);
      int index = record.FieldIndex(e.name);
      if (index < 0) {
        ReportUnknownField(record, e.name, e.name_range);
        return kErr;
      }
      module_.expr_refs[id] = {SymbolRef::Kind::kField, record.module, static_cast<uint32_t>(index), inner};
      return wrap(record.fields[index].type);
    }
    case TypeKind::kList:
      if (e.name == "size") return wrap(TypeTable::kInt);
      if (e.name == "isEmpty") return wrap(TypeTable::kBool);
      break;
    case TypeKind::kMap:
      if (e.name == "size") return wrap(TypeTable::kInt);
      if (e.name == "isEmpty") return wrap(TypeTable::kBool);
      if (e.name == "keys") return wrap(types_.ListOf(types_.key(inner)));
      if (e.name == "values") return wrap(types_.ListOf(types_.value(inner)));
      break;
    case TypeKind::kString:
      if (e.name == "length") return wrap(TypeTable::kInt);
      if (e.name == "isEmpty") return wrap(TypeTable::kBool);
      break;
    case TypeKind::kRef:
      if (e.name == "value") return wrap(types_.element(inner));
      break;
    default: break;
  }
  sink_.Error(codes::kUnknownField, file_, e.name_range,
              "type " + TypeName(inner) + " has no field " + Quote(e.name));
  return kErr;
}

TypeId ModuleChecker::CheckBuilder(const lang::Expr& e, Scope& scope) {
  const lang::Expr& type_expr = tree_.exprs[e.lhs];
  TypeId type = kErr;
  bool from_type = false;  // `T { }` builds from defaults; `value { }` from a value
  SymbolRef path = ResolvePath(e.lhs, scope);
  if (path.kind == SymbolRef::Kind::kType) {
    type = path.type;
    from_type = true;
    if (!types_.Is(type, TypeKind::kRecord)) {
      sink_.Error(codes::kNotARecord, file_, type_expr.range,
                  "cannot build a value of type " + TypeName(type) + " with `{ ... }`; it is not a record type");
      type = kErr;
    }
  } else if (path.kind == SymbolRef::Kind::kModule) {
    sink_.Error(codes::kNotAType, file_, type_expr.range, "expected a type name before `{`, found a module");
  } else if (auto fn = type_expr.kind == ExprKind::kName ? names_.find(type_expr.name) : names_.end();
             fn != names_.end() && fn->second.symbol.kind == SymbolRef::Kind::kFunction) {
    // `make { ... }`: call `make` with its defaults, then set fields of the
    // record it returns.
    const FunctionInfo& info = Function(fn->second.symbol);
    for (const FunctionParam& p : info.params) {
      if (p.default_value == kNone) {
        sink_.Error(codes::kMissingArg, file_, type_expr.range,
                    "missing argument " + Quote(p.name) + " of " + Quote(info.name) + "; call it as " +
                        Quote(std::string(info.name) + "(" + std::string(p.name) + " = ...) { ... }"));
      }
    }
    type = info.module == module_.id ? FunctionResult(fn->second.symbol.index) : info.result;
    module_.expr_refs[e.lhs] = fn->second.symbol;
    module_.expr_types[e.lhs] = type;
    if (type != kErr && !types_.Is(type, TypeKind::kRecord)) {
      sink_.Error(codes::kNotARecord, file_, type_expr.range,
                  Quote(info.name) + " returns " + TypeName(type) + ", not a record, so it takes no `{ ... }` block");
      type = kErr;
    }
  } else if (type_expr.kind == ExprKind::kName && BuiltinType(type_expr.name) != kErr) {
    sink_.Error(codes::kNotARecord, file_, type_expr.range,
                "cannot build a value of type " + Quote(type_expr.name) + " with `{ ... }`; it is not a record type");
  } else if (type_expr.kind == ExprKind::kName && names_.find(type_expr.name) == names_.end() &&
             [&] {
               for (const Local& l : scope.locals) {
                 if (l.name == type_expr.name) return false;
               }
               return true;
             }()) {
    ReportUnknownType(type_expr.name, type_expr.range);
  } else {
    // `value { field = ... }`: a copy of a record value with some fields set.
    TypeId value = CheckExpr(e.lhs, scope);
    if (value != kErr && !types_.Is(value, TypeKind::kRecord)) {
      sink_.Error(codes::kNotAType, file_, type_expr.range,
                  "expected a type name or a record value before `{`, found a value of type " + TypeName(value));
    } else {
      type = value;
    }
  }
  if (from_type) module_.expr_types[e.lhs] = type;

  // Fields become readable by name once they are set, in this block and in
  // the blocks nested in it (`jvm = JVM {...}` then `jvm.copy(...)`).
  size_t locals_before = scope.locals.size();
  std::vector<SourceRange> set_at;
  if (type != kErr) set_at.assign(types_.record(type).fields.size(), SourceRange{kNone, kNone});
  bool collected = false;
  for (uint32_t i = e.list.first; i < e.list.end(); ++i) {
    const lang::FieldInit& init = tree_.field_inits[i];
    if (type == kErr) {
      CheckExpr(init.value, scope);
      continue;
    }
    // Checking values may grow the type table and so move its records: what
    // is needed is read before each check and the record looked up again
    // after it (records themselves are complete by now; copying the whole
    // record for every field set was a large share of the checker's time).
    auto record = [&]() -> const RecordType& { return types_.record(type); };
    if (init.name.empty()) {
      const int collect_field = record().collect_field;
      if (collect_field < 0) {
        CheckExpr(init.value, scope);
        sink_.Error(codes::kNoCollectField, file_, init.name_range,
                    "a bare expression in a " + Quote(record().name) + " block needs a @collect field in " +
                        Quote(record().name) + "; set a field with `name = value` instead");
        continue;
      }
      const TypeId field_type = record().fields[collect_field].type;
      TypeId element = types_.element(field_type);
      TypeId actual = CheckExpr(init.value, scope, element);
      // An item, or a whole list of items spliced in.
      if (!types_.Assignable(actual, element) && !types_.Assignable(actual, field_type)) {
        Expect(element, actual, init.value, [&] {
          return "an item of " + Quote(record().name + "." + std::string(record().fields[collect_field].name));
        });
      }
      module_.init_fields[i] = static_cast<uint32_t>(collect_field);
      collected = true;
      continue;
    }
    int index = record().FieldIndex(init.name);
    if (index < 0) {
      CheckExpr(init.value, scope);
      ReportUnknownField(record(), init.name, init.name_range);
      continue;
    }
    const TypeId field_type = record().fields[index].type;
    TypeId actual = CheckExpr(init.value, scope, field_type);
    if (set_at[index].begin != kNone) {
      lang::Diagnostic d{lang::Severity::kError, codes::kFieldSetTwice, &file_, init.name_range,
                         "field " + Quote(init.name) + " is set more than once", {}};
      d.notes.push_back({&file_, set_at[index], "first set here"});
      sink_.Report(std::move(d));
      continue;
    }
    set_at[index] = init.name_range;
    module_.init_fields[i] = static_cast<uint32_t>(index);
    Expect(field_type, actual, init.value, [&] { return "field " + Quote(init.name); });
    scope.locals.push_back({init.name, field_type,
                            {SymbolRef::Kind::kBuilderField, module_.id, static_cast<uint32_t>(index), type}});
  }
  scope.locals.resize(locals_before);
  if (type == kErr || !from_type) return type;
  const RecordType& record = types_.record(type);
  for (size_t f = 0; f < record.fields.size(); ++f) {
    bool set = set_at[f].begin != kNone || (static_cast<int>(f) == record.collect_field && collected);
    if (set || record.fields[f].default_value != kNone) continue;
    lang::Diagnostic d{lang::Severity::kError, codes::kMissingField, &file_, type_expr.range,
                       "missing field " + Quote(record.fields[f].name) + " in " + Quote(record.name) +
                           "; it has no default, so it must be set",
                       {}};
    const CheckedModule& owner = program_.module(record.module);
    d.notes.push_back({owner.file.get(), record.fields[f].name_range, "field declared here"});
    sink_.Report(std::move(d));
  }
  return type;
}

TypeId ModuleChecker::CheckUnary(const lang::Expr& e, Scope& scope) {
  TypeId operand = CheckExpr(e.lhs, scope);
  if (operand == kErr) return kErr;
  auto op = static_cast<lang::UnaryOp>(e.op);
  bool ok = op == lang::UnaryOp::kNeg ? (types_.IsNumeric(operand) || types_.IsQuantity(operand))
                                      : operand == TypeTable::kBool;
  if (ok) return operand;
  sink_.Error(codes::kBadOperands, file_, e.range,
              std::string("cannot apply `") + lang::Spelling(op) + "` to a value of type " + TypeName(operand));
  return kErr;
}

TypeId ModuleChecker::CheckBinary(const lang::Expr& e, Scope& scope, TypeId expected) {
  using lang::BinaryOp;
  auto op = static_cast<BinaryOp>(e.op);
  if (op == BinaryOp::kElvis) {
    TypeId l = CheckExpr(e.lhs, scope, expected == kErr ? kErr : types_.OptionalOf(expected));
    TypeId inner = l == TypeTable::kNull ? expected : types_.NonOptional(l);
    TypeId r = CheckExpr(e.rhs, scope, inner);
    if (l == kErr || r == kErr) return kErr;
    if (l == TypeTable::kNull) return r;
    return Join(inner, r, e.rhs);
  }
  TypeId l = CheckExpr(e.lhs, scope);
  TypeId r = CheckExpr(e.rhs, scope, op == BinaryOp::kEq || op == BinaryOp::kNe ? l : kErr);
  if (l == kErr || r == kErr) return kErr;
  auto same_and = [&](auto pred) { return l == r && pred(l); };
  TypeId result = kErr;
  switch (op) {
    case BinaryOp::kAdd:
      if (same_and([&](TypeId t) {
            return types_.IsNumeric(t) || t == TypeTable::kString || types_.IsQuantity(t) ||
                   types_.Is(t, TypeKind::kList) || types_.Is(t, TypeKind::kMap);
          })) {
        result = l;  // lists and maps concatenate
      }
      break;
    case BinaryOp::kSub:
      if (same_and([&](TypeId t) { return types_.IsNumeric(t) || types_.IsQuantity(t); })) result = l;
      break;
    case BinaryOp::kMul:
      if (l == r && types_.IsNumeric(l)) result = l;
      if (l == TypeTable::kInt && types_.IsQuantity(r)) result = r;
      if (types_.IsQuantity(l) && r == TypeTable::kInt) result = l;
      break;
    case BinaryOp::kDiv:
    case BinaryOp::kRem:
      if (l == r && types_.IsNumeric(l)) result = l;
      if (types_.IsQuantity(l) && r == TypeTable::kInt) result = l;
      break;
    case BinaryOp::kEq:
    case BinaryOp::kNe:
      if (types_.Assignable(l, r) || types_.Assignable(r, l)) {
        TypeKind k = types_.kind(types_.NonOptional(l));
        if (k != TypeKind::kFunction) result = TypeTable::kBool;
      }
      break;
    case BinaryOp::kLt:
    case BinaryOp::kLe:
    case BinaryOp::kGt:
    case BinaryOp::kGe:
      if (same_and([&](TypeId t) { return types_.IsNumeric(t) || t == TypeTable::kString || types_.IsQuantity(t); })) {
        result = TypeTable::kBool;
      }
      break;
    case BinaryOp::kAnd:
    case BinaryOp::kOr:
      if (l == TypeTable::kBool && r == TypeTable::kBool) result = TypeTable::kBool;
      break;
    case BinaryOp::kElvis: break;  // handled above
  }
  if (result == kErr) {
    sink_.Error(codes::kBadOperands, file_, e.range,
                std::string("cannot apply `") + lang::Spelling(op) + "` to " + TypeName(l) + " and " + TypeName(r));
  }
  return result;
}

TypeId ModuleChecker::CheckIf(const lang::Expr& e, Scope& scope, TypeId expected) {
  TypeId cond = CheckExpr(e.lhs, scope, TypeTable::kBool);
  Expect(TypeTable::kBool, cond, e.lhs, "the condition of `if`");
  TypeId then_type = CheckExpr(e.rhs, scope, expected);
  TypeId else_type = CheckExpr(e.third, scope, expected);
  return Join(then_type, else_type, e.third);
}

TypeId ModuleChecker::CheckWhen(const lang::Expr& e, Scope& scope, TypeId expected) {
  TypeId subject = e.lhs == kNone ? kErr : CheckExpr(e.lhs, scope);
  bool has_else = false;
  std::vector<bool> enum_cases;
  if (subject != kErr && types_.Is(subject, TypeKind::kEnum)) {
    enum_cases.assign(types_.enum_type(subject).cases.size(), false);
  }
  bool seen_true = false, seen_false = false;
  TypeId result = kErr;
  for (uint32_t b = e.list.first; b < e.list.end(); ++b) {
    const lang::WhenBranch& branch = tree_.when_branches[b];
    if (branch.conditions.count == 0) has_else = true;
    for (uint32_t c = branch.conditions.first; c < branch.conditions.end(); ++c) {
      ExprId cond = tree_.expr_lists[c];
      if (e.lhs == kNone) {
        Expect(TypeTable::kBool, CheckExpr(cond, scope, TypeTable::kBool), cond, "a `when` condition");
        continue;
      }
      TypeId value = CheckExpr(cond, scope, subject);
      if (subject != kErr && value != kErr && !types_.Assignable(value, subject) &&
          !types_.Assignable(subject, value)) {
        Expect(subject, value, cond,
               [&] { return "a `when` branch for a subject of type " + TypeName(subject) + ","; });
      }
      const SymbolRef& ref = module_.expr_refs[cond];
      if (ref.kind == SymbolRef::Kind::kEnumCase && ref.index < enum_cases.size()) enum_cases[ref.index] = true;
      const lang::Expr& ce = tree_.exprs[cond];
      if (ce.kind == ExprKind::kBool) (ce.int_value ? seen_true : seen_false) = true;
    }
    result = b == e.list.first ? CheckExpr(branch.value, scope, expected)
                               : Join(result, CheckExpr(branch.value, scope, expected), branch.value);
  }
  if (!has_else) {
    std::string missing;
    if (!enum_cases.empty()) {
      for (size_t c = 0; c < enum_cases.size(); ++c) {
        if (!enum_cases[c]) missing += (missing.empty() ? "" : ", ") + std::string(types_.enum_type(subject).cases[c]);
      }
    } else if (subject == TypeTable::kBool) {
      if (!seen_true) missing = "true";
      if (!seen_false) missing += missing.empty() ? "false" : ", false";
    } else {
      missing = "other values";
    }
    if (!missing.empty()) {
      sink_.Error(codes::kNotExhaustive, file_, e.range,
                  "`when` does not cover " + missing + "; add the missing branches or an `else ->` branch");
    }
  }
  if (e.list.count == 0) return Unsupported(e.range, "empty `when` expressions");
  return result;
}

TypeId ModuleChecker::CheckList(const lang::Expr& e, Scope& scope, TypeId expected) {
  TypeId element = kErr;
  bool want_element = expected != kErr && types_.Is(types_.NonOptional(expected), TypeKind::kList);
  if (want_element) element = types_.element(types_.NonOptional(expected));
  TypeId joined = kErr;
  for (uint32_t i = e.list.first; i < e.list.end(); ++i) {
    ExprId item = tree_.expr_lists[i];
    TypeId actual = CheckExpr(item, scope, element);
    if (want_element) {
      Expect(element, actual, item, [&] { return "an element of " + TypeName(types_.NonOptional(expected)); });
    } else {
      joined = i == e.list.first ? actual : Join(joined, actual, item);
    }
  }
  if (want_element) return types_.ListOf(element);
  if (e.list.count == 0) {
    sink_.Error(codes::kCannotInfer, file_, e.range,
                "cannot infer the element type of an empty list; declare it, as in `val xs: List<String> = []`");
    return kErr;
  }
  return types_.ListOf(joined);
}

TypeId ModuleChecker::CheckMap(const lang::Expr& e, Scope& scope, TypeId expected) {
  TypeId key = kErr, value = kErr;
  bool want = expected != kErr && types_.Is(types_.NonOptional(expected), TypeKind::kMap);
  if (want) {
    key = types_.key(types_.NonOptional(expected));
    value = types_.value(types_.NonOptional(expected));
  }
  TypeId joined_key = kErr, joined_value = kErr;
  for (uint32_t i = e.list.first; i < e.list.end(); ++i) {
    const lang::MapEntry& entry = tree_.map_entries[i];
    TypeId k = CheckExpr(entry.key, scope, key);
    TypeId v = CheckExpr(entry.value, scope, value);
    if (want) {
      Expect(key, k, entry.key, [&] { return "a key of " + TypeName(types_.NonOptional(expected)); });
      Expect(value, v, entry.value, [&] { return "a value of " + TypeName(types_.NonOptional(expected)); });
    } else {
      joined_key = i == e.list.first ? k : Join(joined_key, k, entry.key);
      joined_value = i == e.list.first ? v : Join(joined_value, v, entry.value);
    }
  }
  if (!want && e.list.count == 0) {
    sink_.Error(codes::kCannotInfer, file_, e.range,
                "cannot infer the types of an empty map; declare it, as in `val m: Map<String, Int> = [:]`");
    return kErr;
  }
  if (want) return types_.MapOf(key, value);
  TypeKind k = types_.kind(joined_key);
  if (joined_key != kErr && (k == TypeKind::kRecord || k == TypeKind::kList || k == TypeKind::kMap ||
                             k == TypeKind::kFunction || k == TypeKind::kOptional)) {
    sink_.Error(codes::kBadOperands, file_, e.range, "map keys must be scalars or enums, not " + TypeName(joined_key));
    return kErr;
  }
  return types_.MapOf(joined_key, joined_value);
}

TypeId ModuleChecker::CheckComprehension(const lang::Expr& e, Scope& scope) {
  TypeId iterable = CheckExpr(e.rhs, scope);
  TypeId element = kErr;
  if (iterable != kErr) {
    if (types_.Is(iterable, TypeKind::kList)) {
      element = types_.element(iterable);
    } else {
      sink_.Error(codes::kBadOperands, file_, tree_.exprs[e.rhs].range,
                  "a comprehension iterates over a List, not a value of type " + TypeName(iterable));
    }
  }
  ExprId self = static_cast<ExprId>(&e - tree_.exprs.data());
  scope.locals.push_back({e.name, element, {SymbolRef::Kind::kLocal, module_.id, self, element}});
  if (e.third != kNone) {
    Expect(TypeTable::kBool, CheckExpr(e.third, scope, TypeTable::kBool), e.third, "a comprehension's condition");
  }
  TypeId item = CheckExpr(e.lhs, scope);
  scope.locals.pop_back();
  if (element == kErr || item == kErr) return kErr;
  return types_.ListOf(item);
}

TypeId ModuleChecker::CheckIndex(const lang::Expr& e, Scope& scope) {
  TypeId object = CheckExpr(e.lhs, scope);
  if (object == kErr) {
    CheckExpr(e.rhs, scope);
    return kErr;
  }
  if (types_.Is(object, TypeKind::kList)) {
    Expect(TypeTable::kInt, CheckExpr(e.rhs, scope, TypeTable::kInt), e.rhs, "a list index");
    return types_.element(object);
  }
  if (types_.Is(object, TypeKind::kMap)) {
    Expect(types_.key(object), CheckExpr(e.rhs, scope, types_.key(object)), e.rhs, "a map key");
    return types_.OptionalOf(types_.value(object));  // absent keys give null
  }
  CheckExpr(e.rhs, scope);
  sink_.Error(codes::kBadOperands, file_, e.range, "cannot index a value of type " + TypeName(object));
  return kErr;
}

}  // namespace clive::compiler
