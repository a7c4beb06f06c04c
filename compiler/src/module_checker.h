// The checker of one module. Private to compiler/: the public entry points
// are CheckProgram and CheckSource (checker.h).
//
// Phases, in order: bind imports, declare types and enums, resolve field
// types, check field defaults, declare cells, check cells (on demand, so a
// cell may read one declared later), order cells. Every expression gets a
// type; kError absorbs follow-on errors so that one mistake yields one
// message.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "clive/compiler/checker.h"
#include "clive/compiler/error_codes.h"

namespace clive::compiler {

class ModuleChecker {
 public:
  // Modules by path, the first of each path as Program::Find finds it.
  using ModuleIndex = std::unordered_map<std::string_view, ModuleId>;

  // `modules`, when given, indexes every module of `program`: member
  // accesses on modules look up submodules there rather than by a scan of
  // all modules each (quadratic in the number of modules).
  ModuleChecker(Program& program, CheckedModule& module, lang::DiagnosticSink& sink,
                const ModuleIndex* modules = nullptr)
      : program_(program),
        types_(program.types),
        module_(module),
        tree_(*module.tree),
        file_(*module.file),
        sink_(sink),
        modules_(modules) {}

  // `imports` maps each import declaration to what it resolved to (filled by
  // the loader): the imported module, and for `import a.b.c` of a name, the
  // name within it.
  struct ResolvedImport {
    ModuleId module = 0;
    bool resolved = false;
    std::string_view name;  // non-empty: a name exported by `module`
  };
  // `prelude` is the module whose names every module sees without importing
  // them (stdlib clive.prelude), when there is one.
  void Run(const std::vector<ResolvedImport>& imports, std::optional<ModuleId> prelude);

 private:
  static constexpr TypeId kErr = TypeTable::kError;

  // --- declarations (check_decls.cc) ---
  void BindImports(const std::vector<ResolvedImport>& imports);
  void BindPrelude(ModuleId prelude);
  void BindExtensions(const CheckedModule& from, std::string_view name);
  void Bind(std::string_view name, lang::SourceRange range, SymbolRef symbol);
  void DeclareTypes();
  void ResolveFieldTypes();
  void CheckFieldDefaults();
  void DeclareCells();
  bool IsInputCell(const lang::ValDecl& val);
  void CheckCells();
  TypeId CheckCell(uint32_t cell);
  TypeId RefTargetType(uint32_t cell, lang::SourceRange at);
  void OrderCells();
  std::string QualifiedName(lang::TypeDeclId id) const;

  // --- names and types ---
  TypeId BuiltinType(std::string_view name) const;
  // A (possibly dotted) type name seen from the type declaration `scope`.
  TypeId LookupTypeName(std::string_view name, lang::TypeDeclId scope) const;
  TypeId ResolveTypeRef(lang::TypeRefId ref, lang::TypeDeclId scope);
  std::vector<std::string_view> KnownTypeNames() const;
  void ReportUnknownType(std::string_view name, lang::SourceRange range);
  void ReportDuplicate(const char* what, std::string_view name, lang::SourceRange here,
                       lang::SourceRange first);
  TypeId Unsupported(lang::SourceRange range, const std::string& what);
  // program_.Find(parent + "." + name), or of `name` alone under the root.
  const CheckedModule* FindSubmodule(const CheckedModule& parent, std::string_view name);
  std::string Quote(std::string_view s) const { return "`" + std::string(s) + "`"; }
  std::string TypeName(TypeId t) const { return Quote(types_.Name(t)); }

  // --- expressions (check_exprs.cc) ---
  struct Local {
    std::string_view name;
    TypeId type;
    SymbolRef symbol;
  };
  struct Scope {
    bool cells_visible = false;
    uint32_t cell = lang::kNone;            // the cell being checked, for its reads
    lang::TypeDeclId type_scope = lang::kNone;  // innermost type declaration
    std::vector<Local> locals;              // innermost last
  };

  // --- functions and calls (check_calls.cc) ---
  void DeclareFunctions();
  void CheckFunctions();
  // The result type of function `index` of this module, checking its body
  // first when the result is inferred.
  TypeId FunctionResult(uint32_t index);
  TypeId CheckFunctionBody(uint32_t index);
  TypeId CheckCall(lang::ExprId id, const lang::Expr& e, Scope& scope, TypeId expected);
  TypeId CheckLambda(lang::ExprId id, const lang::Expr& e, Scope& scope, TypeId expected);
  TypeId CheckCopy(lang::ExprId id, const lang::Expr& e, Scope& scope, TypeId record);
  TypeId CheckRef(lang::ExprId id, const lang::Expr& e, Scope& scope);
  // Checks the arguments of call `e` against `fn` (receiver already bound in
  // `subst`) and returns the call's result type.
  TypeId CheckArguments(const lang::Expr& e, const FunctionInfo& fn, Scope& scope,
                        std::map<TypeId, TypeId>& subst);
  bool Unify(TypeId param, TypeId arg, std::map<TypeId, TypeId>& subst) const;
  TypeId Substitute(TypeId type, const std::map<TypeId, TypeId>& subst);
  const FunctionInfo& Function(const SymbolRef& ref) const {
    return program_.module(ref.module).functions[ref.index];
  }

  // Checks `id` against `expected` (kErr: no expectation) and returns its type.
  TypeId CheckExpr(lang::ExprId id, Scope& scope, TypeId expected = kErr);
  TypeId CheckExprKind(lang::ExprId id, Scope& scope, TypeId expected);
  // Reports a mismatch unless `actual` is assignable to `expected`. `what`
  // names the expected thing in the message: a string, or a function that
  // makes one, so that the message is only built for an actual mismatch
  // (nearly every check passes, and building it each time cost more than
  // the check).
  template <typename What>
  void Expect(TypeId expected, TypeId actual, lang::ExprId at, const What& what) {
    if (types_.Assignable(actual, expected)) return;
    if constexpr (std::is_invocable_v<const What&>) {
      ReportMismatch(expected, actual, at, what());
    } else {
      ReportMismatch(expected, actual, at, what);
    }
  }
  void ReportMismatch(TypeId expected, TypeId actual, lang::ExprId at, const std::string& what);
  TypeId CheckQuantity(const lang::Expr& e);
  TypeId CheckName(lang::ExprId id, const lang::Expr& e, Scope& scope);
  TypeId CheckMember(lang::ExprId id, const lang::Expr& e, Scope& scope);
  TypeId CheckBuilder(const lang::Expr& e, Scope& scope);
  TypeId CheckUnary(const lang::Expr& e, Scope& scope);
  TypeId CheckBinary(const lang::Expr& e, Scope& scope, TypeId expected);
  TypeId CheckIf(const lang::Expr& e, Scope& scope, TypeId expected);
  TypeId CheckWhen(const lang::Expr& e, Scope& scope, TypeId expected);
  TypeId CheckList(const lang::Expr& e, Scope& scope, TypeId expected);
  TypeId CheckMap(const lang::Expr& e, Scope& scope, TypeId expected);
  TypeId CheckComprehension(const lang::Expr& e, Scope& scope);
  TypeId CheckIndex(const lang::Expr& e, Scope& scope);
  TypeId CheckInterpolation(const lang::Expr& e, Scope& scope);
  // The common type of two branches (T and Null join to T?), or kErr after
  // reporting a mismatch at `at`.
  TypeId Join(TypeId a, TypeId b, lang::ExprId at);
  // What a dotted name (a.b.c), read as a path of modules and types, names.
  SymbolRef ResolvePath(lang::ExprId id, const Scope& scope);
  void ReportUnknownField(const RecordType& record, std::string_view name, lang::SourceRange range);

  Program& program_;
  TypeTable& types_;
  CheckedModule& module_;
  const lang::SyntaxTree& tree_;
  const lang::SourceFile& file_;
  lang::DiagnosticSink& sink_;
  const ModuleIndex* modules_;
  std::string path_scratch_;  // FindSubmodule's key, reused

  // Module-level names: imports, types, enums and cells.
  struct Binding {
    SymbolRef symbol;
    lang::SourceRange range;
  };
  // Keyed by std::string but found by string_view, without building a
  // string per lookup. The hash equals std::hash<std::string>'s (the
  // standard requires it of string_view's), so iteration order, which the
  // "did you mean" suggestions depend on, is unchanged.
  struct NameHash : std::hash<std::string_view> {
    using is_transparent = void;
  };
  template <typename V>
  using NameMap = std::unordered_map<std::string, V, NameHash, std::equal_to<>>;
  NameMap<Binding> names_;
  NameMap<TypeId> types_by_name_;  // qualified local type names
  // Extension and free functions visible here by name (several extensions
  // may share a name, one per receiver type).
  std::unordered_multimap<std::string, SymbolRef, NameHash, std::equal_to<>> extensions_;
  // Type parameters in scope while checking a generic function.
  std::vector<std::pair<std::string_view, TypeId>> type_params_;
  enum class FnState : uint8_t { kUnchecked, kInProgress, kDone };
  std::vector<FnState> fn_state_;
  std::vector<TypeId> type_of_decl_;
  std::vector<TypeId> type_of_enum_;
  enum class CellState : uint8_t { kUnchecked, kInProgress, kDone };
  std::vector<CellState> cell_state_;
};

}  // namespace clive::compiler
