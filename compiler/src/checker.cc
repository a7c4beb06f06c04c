// The checker: resolves names, computes a type for every expression, and
// orders cells by their dependencies. It keeps going after errors; the
// kError type absorbs follow-on errors so that one mistake yields one message.
#include "clive/compiler/checker.h"

#include <functional>
#include <unordered_map>

#include "clive/compiler/error_codes.h"
#include "clive/lang/error_codes.h"
#include "clive/lang/units.h"
#include "suggest.h"

namespace clive::compiler {
namespace {

using lang::ExprId;
using lang::ExprKind;
using lang::kNone;
using lang::SourceRange;
using lang::SyntaxTree;
using lang::TypeDeclId;

constexpr TypeId kErr = TypeTable::kError;

std::string Quote(std::string_view s) { return "`" + std::string(s) + "`"; }

class Checker {
 public:
  Checker(const SyntaxTree& tree, lang::DiagnosticSink& sink, CheckedModule& out)
      : tree_(tree), file_(*tree.file), sink_(sink), out_(out) {}

  void Run() {
    out_.tree = &tree_;
    out_.expr_types.assign(tree_.exprs.size(), kErr);
    out_.expr_refs.assign(tree_.exprs.size(), kNone);
    out_.init_fields.assign(tree_.field_inits.size(), kNone);
    for (const auto& import : tree_.imports) {
      sink_.Error(codes::kUnsupported, file_, import.range,
                  "imports are not supported yet; a module can only use its own declarations");
    }
    DeclareTypes();
    ResolveFieldTypes();
    CheckFieldDefaults();
    DeclareCells();
    CheckCells();
    OrderCells();
  }

 private:
  struct Scope {
    bool cells_visible = false;
    uint32_t cell = kNone;         // the cell being checked, for recording reads
    TypeDeclId type_scope = kNone; // innermost type declaration, for type names
  };

  // --- Types ---

  std::string QualifiedName(TypeDeclId id) const {
    const lang::TypeDecl& decl = tree_.type_decls[id];
    std::string name(decl.name);
    return decl.parent == kNone ? name : QualifiedName(decl.parent) + "." + name;
  }

  void DeclareTypes() {
    type_of_decl_.assign(tree_.type_decls.size(), kErr);
    for (TypeDeclId id = 0; id < tree_.type_decls.size(); ++id) {
      const lang::TypeDecl& decl = tree_.type_decls[id];
      if (decl.name.empty()) continue;
      std::string name = QualifiedName(id);
      if (BuiltinType(decl.name) != kErr) {
        sink_.Error(codes::kDuplicate, file_, decl.name_range,
                    "type " + Quote(decl.name) + " shadows the built-in type of that name");
        continue;
      }
      if (auto it = types_by_name_.find(name); it != types_by_name_.end()) {
        ReportDuplicate("type", decl.name, decl.name_range,
                        tree_.type_decls[out_.types.record(it->second).decl].name_range);
        continue;
      }
      RecordType record;
      record.name = name;
      record.decl = id;
      TypeId type = out_.types.AddRecord(std::move(record));
      types_by_name_[name] = type;
      type_of_decl_[id] = type;
    }
    for (const auto& e : tree_.enum_decls) Unsupported(e.name_range, "enums");
    for (const auto& f : tree_.fn_decls) Unsupported(f.name_range, "functions");
  }

  void ResolveFieldTypes() {
    for (TypeDeclId id = 0; id < tree_.type_decls.size(); ++id) {
      TypeId type = type_of_decl_[id];
      if (type == kErr) continue;
      const lang::TypeDecl& decl = tree_.type_decls[id];
      for (uint32_t f = decl.fields.first; f < decl.fields.end(); ++f) {
        const lang::FieldDecl& field = tree_.field_decls[f];
        RecordType& record = out_.types.mutable_record(type);
        if (int prev = record.FieldIndex(field.name); prev >= 0) {
          ReportDuplicate("field", field.name, field.name_range, record.fields[prev].name_range);
          continue;
        }
        TypeId field_type = ResolveTypeRef(field.type, id);
        out_.types.mutable_record(type).fields.push_back(
            {field.name, field.name_range, field_type, field.default_value});
      }
    }
  }

  void CheckFieldDefaults() {
    for (TypeDeclId id = 0; id < tree_.type_decls.size(); ++id) {
      TypeId type = type_of_decl_[id];
      if (type == kErr) continue;
      // Copy: checking may add nothing to the table, but keep no reference
      // into a vector across calls that could grow it.
      std::vector<RecordField> fields = out_.types.record(type).fields;
      for (const RecordField& field : fields) {
        if (field.default_value == kNone) continue;
        Scope scope{false, kNone, id};
        TypeId actual = CheckExpr(field.default_value, scope);
        ExpectType(field.type, actual, field.default_value, "the default of field " + Quote(field.name));
      }
    }
  }

  TypeId BuiltinType(std::string_view name) const {
    if (name == "Int") return TypeTable::kInt;
    if (name == "Bool") return TypeTable::kBool;
    if (name == "String") return TypeTable::kString;
    if (name == "Size") return TypeTable::kSize;
    if (name == "Duration") return TypeTable::kDuration;
    return kErr;
  }

  // Looks `name` up from `scope` outwards: nested types first, then top level.
  TypeId LookupTypeName(std::string_view name, TypeDeclId scope) const {
    for (TypeDeclId s = scope; s != kNone; s = tree_.type_decls[s].parent) {
      auto it = types_by_name_.find(QualifiedName(s) + "." + std::string(name));
      if (it != types_by_name_.end()) return it->second;
    }
    if (auto it = types_by_name_.find(std::string(name)); it != types_by_name_.end()) {
      return it->second;
    }
    return BuiltinType(name);
  }

  std::vector<std::string_view> KnownTypeNames() const {
    std::vector<std::string_view> names = {"Int", "Bool", "String", "Size", "Duration"};
    for (const auto& [name, id] : types_by_name_) names.push_back(name);
    return names;
  }

  TypeId ResolveTypeRef(lang::TypeRefId ref_id, TypeDeclId scope) {
    if (ref_id == kNone) return kErr;
    const lang::TypeRef& ref = tree_.type_refs[ref_id];
    if (ref.name.empty()) return kErr;  // a syntax error, already reported
    if (ref.args.count > 0 || ref.optional) {
      sink_.Error(codes::kUnsupported, file_, ref.range,
                  "generic and optional types are not supported yet");
      return kErr;
    }
    TypeId type = LookupTypeName(ref.name, scope);
    if (type == kErr) ReportUnknownType(ref.name, ref.range);
    return type;
  }

  void ReportUnknownType(std::string_view name, SourceRange range) {
    lang::Diagnostic d{lang::Severity::kError, codes::kUnknownType, &file_, range,
                       "unknown type " + Quote(name), {}};
    if (auto match = ClosestMatch(name, KnownTypeNames()); !match.empty()) {
      d.message += "; did you mean " + Quote(match) + "?";
    }
    sink_.Report(std::move(d));
  }

  void ReportDuplicate(const char* what, std::string_view name, SourceRange here, SourceRange first) {
    lang::Diagnostic d{lang::Severity::kError, codes::kDuplicate, &file_, here,
                       std::string(what) + " " + Quote(name) + " is defined more than once", {}};
    d.notes.push_back({&file_, first, "first defined here"});
    sink_.Report(std::move(d));
  }

  // --- Cells ---

  void DeclareCells() {
    for (uint32_t v = 0; v < tree_.vals.size(); ++v) {
      const lang::ValDecl& val = tree_.vals[v];
      if (auto it = cells_by_name_.find(val.name); it != cells_by_name_.end()) {
        ReportDuplicate("value", val.name, val.name_range, out_.cells[it->second].name_range);
        continue;
      }
      Cell cell;
      cell.name = val.name;
      cell.name_range = val.name_range;
      cell.val_index = v;
      cells_by_name_[val.name] = static_cast<uint32_t>(out_.cells.size());
      out_.cells.push_back(std::move(cell));
    }
  }

  void CheckCells() {
    cell_state_.assign(out_.cells.size(), CellState::kUnchecked);
    for (uint32_t c = 0; c < out_.cells.size(); ++c) CheckCell(c);
  }

  // Checks cell `c` once. A cell that reads a later cell checks that one
  // first; reaching a cell that is in progress means a cycle, which
  // OrderCells reports with the whole chain.
  TypeId CheckCell(uint32_t c) {
    if (cell_state_[c] == CellState::kDone) return out_.cells[c].type;
    if (cell_state_[c] == CellState::kInProgress) return kErr;
    cell_state_[c] = CellState::kInProgress;
    const lang::ValDecl& val = tree_.vals[out_.cells[c].val_index];
    Scope scope{true, c, kNone};
    TypeId actual = CheckExpr(val.value, scope);
    TypeId declared = val.type == kNone ? actual : ResolveTypeRef(val.type, kNone);
    if (val.type != kNone) ExpectType(declared, actual, val.value, "value " + Quote(val.name));
    out_.cells[c].type = declared;
    cell_state_[c] = CellState::kDone;
    return declared;
  }

  // Orders cells so each comes after the cells it reads; reports cycles.
  void OrderCells() {
    enum class Mark : uint8_t { kNew, kActive, kDone };
    std::vector<Mark> marks(out_.cells.size(), Mark::kNew);
    std::vector<uint32_t> stack;
    std::function<void(uint32_t)> visit = [&](uint32_t c) {
      if (marks[c] == Mark::kDone) return;
      if (marks[c] == Mark::kActive) {
        std::string chain;
        auto start = std::find(stack.begin(), stack.end(), c);
        for (auto it = start; it != stack.end(); ++it) chain += std::string(out_.cells[*it].name) + " -> ";
        chain += std::string(out_.cells[c].name);
        sink_.Error(codes::kCellCycle, file_, out_.cells[c].name_range,
                    "value " + Quote(out_.cells[c].name) + " depends on itself: " + chain);
        return;
      }
      marks[c] = Mark::kActive;
      stack.push_back(c);
      for (uint32_t dep : out_.cells[c].reads) visit(dep);
      stack.pop_back();
      marks[c] = Mark::kDone;
      out_.eval_order.push_back(c);
    };
    for (uint32_t c = 0; c < out_.cells.size(); ++c) visit(c);
  }

  // --- Expressions ---

  void ExpectType(TypeId expected, TypeId actual, ExprId at, const std::string& what) {
    if (expected == kErr || actual == kErr || expected == actual) return;
    sink_.Error(codes::kTypeMismatch, file_, tree_.exprs[at].range,
                "mismatched types: " + what + " has type " + Quote(out_.types.Name(expected)) +
                    ", but this expression has type " + Quote(out_.types.Name(actual)));
  }

  TypeId CheckExpr(ExprId id, Scope& scope) {
    TypeId type = CheckExprUncached(id, scope);
    out_.expr_types[id] = type;
    return type;
  }

  TypeId CheckExprUncached(ExprId id, Scope& scope) {
    const lang::Expr& e = tree_.exprs[id];
    switch (e.kind) {
      case ExprKind::kError: return kErr;
      case ExprKind::kInt: return TypeTable::kInt;
      case ExprKind::kBool: return TypeTable::kBool;
      case ExprKind::kString: return TypeTable::kString;
      case ExprKind::kFloat:
        sink_.Error(codes::kUnsupported, file_, e.range, "Float values are not supported yet");
        return kErr;
      case ExprKind::kQuantity: return CheckQuantity(e);
      case ExprKind::kName: return CheckName(id, e, scope);
      case ExprKind::kMember: return CheckMember(id, e, scope);
      case ExprKind::kBuilder: return CheckBuilder(e, scope);
      case ExprKind::kUnary: return CheckUnary(e, scope);
      case ExprKind::kBinary: return CheckBinary(e, scope);
      case ExprKind::kInterpolation:
      case ExprKind::kNull:
      case ExprKind::kCall:
      case ExprKind::kIndex:
      case ExprKind::kIf:
      case ExprKind::kWhen:
      case ExprKind::kLambda:
      case ExprKind::kList:
      case ExprKind::kMap:
      case ExprKind::kComprehension: return Unsupported(e.range, "this expression");
    }
    return kErr;
  }

  TypeId Unsupported(lang::SourceRange range, const std::string& what) {
    sink_.Error(codes::kUnsupported, file_, range, what + " is not supported yet");
    return kErr;
  }

  TypeId CheckQuantity(const lang::Expr& e) {
    std::optional<lang::Quantity> q = lang::QuantityOfUnit(e.name);
    if (!q) {
      std::vector<std::string_view> units;
      for (auto kind : {lang::Quantity::kSize, lang::Quantity::kDuration}) {
        for (const auto& u : lang::UnitsOf(kind)) units.push_back(u.name);
      }
      std::string message = "unknown unit " + Quote(e.name);
      if (auto match = ClosestMatch(e.name, units); !match.empty()) {
        message += "; did you mean " + Quote(match) + "?";
      }
      sink_.Error(codes::kUnknownUnit, file_, e.name_range, message);
      return kErr;
    }
    if (e.is_float) {
      sink_.Error(codes::kUnsupported, file_, e.range, "fractional quantities are not supported yet");
      return kErr;
    }
    int64_t factor = *lang::UnitFactor(e.name);
    int64_t value;
    if (__builtin_mul_overflow(e.int_value, factor, &value)) {
      sink_.Error(lang::codes::kBadLiteral, file_, e.range, "quantity literal does not fit in 64 bits");
      return kErr;
    }
    return *q == lang::Quantity::kSize ? TypeTable::kSize : TypeTable::kDuration;
  }

  TypeId CheckName(ExprId id, const lang::Expr& e, Scope& scope) {
    if (scope.cells_visible) {
      if (auto it = cells_by_name_.find(e.name); it != cells_by_name_.end()) {
        uint32_t target = it->second;
        out_.expr_refs[id] = target;
        if (scope.cell != kNone) out_.cells[scope.cell].reads.push_back(target);
        return CheckCell(target);
      }
    }
    if (LookupTypeName(e.name, scope.type_scope) != kErr) {
      sink_.Error(codes::kNotARecord, file_, e.range,
                  Quote(e.name) + " is a type, not a value; build one with " + Quote(std::string(e.name) + " { ... }"));
      return kErr;
    }
    std::vector<std::string_view> names;
    if (scope.cells_visible) {
      for (const Cell& c : out_.cells) names.push_back(c.name);
    }
    std::string message = "unknown name " + Quote(e.name);
    if (auto match = ClosestMatch(e.name, names); !match.empty()) {
      message += "; did you mean " + Quote(match) + "?";
    } else if (!scope.cells_visible) {
      message += " (field defaults cannot read values)";
    }
    sink_.Error(codes::kUnknownName, file_, e.range, message);
    return kErr;
  }

  TypeId CheckMember(ExprId id, const lang::Expr& e, Scope& scope) {
    if (e.safe) return Unsupported(e.range, "`?.`");
    TypeId object = CheckExpr(e.lhs, scope);
    if (object == kErr) return kErr;
    if (!out_.types.IsRecord(object)) {
      sink_.Error(codes::kUnknownField, file_, e.name_range,
                  "type " + Quote(out_.types.Name(object)) + " has no field " + Quote(e.name));
      return kErr;
    }
    const RecordType& record = out_.types.record(object);
    int index = record.FieldIndex(e.name);
    if (index < 0) {
      ReportUnknownField(record, e.name, e.name_range);
      return kErr;
    }
    out_.expr_refs[id] = static_cast<uint32_t>(index);
    return record.fields[index].type;
  }

  void ReportUnknownField(const RecordType& record, std::string_view name, SourceRange range) {
    lang::Diagnostic d{lang::Severity::kError, codes::kUnknownField, &file_, range,
                       "type " + Quote(record.name) + " has no field " + Quote(name), {}};
    std::vector<std::string_view> names;
    for (const auto& f : record.fields) names.push_back(f.name);
    if (auto match = ClosestMatch(name, names); !match.empty()) {
      d.message += "; did you mean " + Quote(match) + "?";
    }
    d.notes.push_back({&file_, tree_.type_decls[record.decl].name_range,
                       Quote(record.name) + " is declared here"});
    sink_.Report(std::move(d));
  }

  // The dotted name a builder's type expression spells ("JVM.Args").
  bool TypePath(ExprId id, std::string& path) const {
    const lang::Expr& e = tree_.exprs[id];
    if (e.kind == ExprKind::kName) {
      path = std::string(e.name);
      return true;
    }
    if (e.kind == ExprKind::kMember && TypePath(e.lhs, path)) {
      path += "." + std::string(e.name);
      return true;
    }
    return false;
  }

  TypeId CheckBuilder(const lang::Expr& e, Scope& scope) {
    std::string path;
    const lang::Expr& type_expr = tree_.exprs[e.lhs];
    TypeId type = kErr;
    if (!TypePath(e.lhs, path)) {
      sink_.Error(codes::kNotAType, file_, type_expr.range, "expected a type name before `{`");
    } else if ((type = LookupTypeName(path, scope.type_scope)) == kErr) {
      ReportUnknownType(path, type_expr.range);
    } else if (!out_.types.IsRecord(type)) {
      sink_.Error(codes::kNotARecord, file_, type_expr.range,
                  "cannot build a value of type " + Quote(path) + " with `{ ... }`; it is not a record type");
      type = kErr;
    }
    out_.expr_types[e.lhs] = type;
    std::vector<bool> set;
    if (type != kErr) set.assign(out_.types.record(type).fields.size(), false);
    std::vector<SourceRange> set_at(set.size());
    for (uint32_t i = e.list.first; i < e.list.end(); ++i) {
      const lang::FieldInit& init = tree_.field_inits[i];
      if (init.name.empty()) {
        Unsupported(init.name_range, "a bare expression in a builder block");
        continue;
      }
      TypeId value = CheckExpr(init.value, scope);
      if (type == kErr) continue;
      const RecordType& record = out_.types.record(type);
      int index = record.FieldIndex(init.name);
      if (index < 0) {
        ReportUnknownField(record, init.name, init.name_range);
        continue;
      }
      if (set[index]) {
        lang::Diagnostic d{lang::Severity::kError, codes::kFieldSetTwice, &file_, init.name_range,
                           "field " + Quote(init.name) + " is set more than once", {}};
        d.notes.push_back({&file_, set_at[index], "first set here"});
        sink_.Report(std::move(d));
        continue;
      }
      set[index] = true;
      set_at[index] = init.name_range;
      out_.init_fields[i] = static_cast<uint32_t>(index);
      ExpectType(record.fields[index].type, value, init.value, "field " + Quote(init.name));
    }
    if (type == kErr) return kErr;
    const RecordType& record = out_.types.record(type);
    for (size_t f = 0; f < record.fields.size(); ++f) {
      if (set[f] || record.fields[f].default_value != kNone) continue;
      lang::Diagnostic d{lang::Severity::kError, codes::kMissingField, &file_, type_expr.range,
                         "missing field " + Quote(record.fields[f].name) + " in " + Quote(record.name) +
                             "; it has no default, so it must be set",
                         {}};
      d.notes.push_back({&file_, record.fields[f].name_range, "field declared here"});
      sink_.Report(std::move(d));
    }
    return type;
  }

  static bool IsQuantity(TypeId t) { return t == TypeTable::kSize || t == TypeTable::kDuration; }

  TypeId CheckUnary(const lang::Expr& e, Scope& scope) {
    TypeId operand = CheckExpr(e.lhs, scope);
    if (operand == kErr) return kErr;
    auto op = static_cast<lang::UnaryOp>(e.op);
    bool ok = op == lang::UnaryOp::kNeg ? (operand == TypeTable::kInt || IsQuantity(operand))
                                        : operand == TypeTable::kBool;
    if (ok) return operand;
    sink_.Error(codes::kBadOperands, file_, e.range,
                std::string("cannot apply `") + lang::Spelling(op) + "` to a value of type " +
                    Quote(out_.types.Name(operand)));
    return kErr;
  }

  TypeId CheckBinary(const lang::Expr& e, Scope& scope) {
    using lang::BinaryOp;
    auto op = static_cast<BinaryOp>(e.op);
    if (op == BinaryOp::kElvis) return Unsupported(e.range, "`?:`");
    TypeId l = CheckExpr(e.lhs, scope);
    TypeId r = CheckExpr(e.rhs, scope);
    if (l == kErr || r == kErr) return kErr;
    TypeId result = kErr;
    switch (op) {
      case BinaryOp::kAdd:
        if (l == r && (l == TypeTable::kInt || l == TypeTable::kString || IsQuantity(l))) result = l;
        break;
      case BinaryOp::kSub:
        if (l == r && (l == TypeTable::kInt || IsQuantity(l))) result = l;
        break;
      case BinaryOp::kMul:
        if (l == TypeTable::kInt && (r == TypeTable::kInt || IsQuantity(r))) result = r;
        if (IsQuantity(l) && r == TypeTable::kInt) result = l;
        break;
      case BinaryOp::kDiv:
      case BinaryOp::kRem:
        if ((l == TypeTable::kInt || IsQuantity(l)) && r == TypeTable::kInt) result = l;
        break;
      case BinaryOp::kEq:
      case BinaryOp::kNe:
        if (l == r && !out_.types.IsRecord(l)) result = TypeTable::kBool;
        break;
      case BinaryOp::kLt:
      case BinaryOp::kLe:
      case BinaryOp::kGt:
      case BinaryOp::kGe:
        if (l == r && (l == TypeTable::kInt || l == TypeTable::kString || IsQuantity(l))) {
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
                  std::string("cannot apply `") + lang::Spelling(op) + "` to " +
                      Quote(out_.types.Name(l)) + " and " + Quote(out_.types.Name(r)));
    }
    return result;
  }

  const SyntaxTree& tree_;
  const lang::SourceFile& file_;
  lang::DiagnosticSink& sink_;
  CheckedModule& out_;
  std::unordered_map<std::string, TypeId> types_by_name_;
  std::vector<TypeId> type_of_decl_;
  std::unordered_map<std::string_view, uint32_t> cells_by_name_;
  enum class CellState : uint8_t { kUnchecked, kInProgress, kDone };
  std::vector<CellState> cell_state_;
};

}  // namespace

std::unique_ptr<CheckedModule> Check(const lang::SyntaxTree& tree, lang::DiagnosticSink& sink) {
  auto out = std::make_unique<CheckedModule>();
  Checker(tree, sink, *out).Run();
  return out;
}

}  // namespace clive::compiler

