// Loading, name resolution and type checking of a program: a set of modules
// connected by imports.
//
// `import a.b.c` resolves to the module in /a/b/c/clive.cl, or else to the
// name `c` exported by /a/b/clive.cl; `import a.b.{x, y}` to the names x
// and y of /a/b/clive.cl (or its submodules a/b/x, a/b/y). Each search root
// is tried in order (the workspace, then the stdlib) and the first match wins.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "clive/compiler/types.h"
#include "clive/lang/diagnostics.h"
#include "clive/lang/syntax_tree.h"

namespace clive::compiler {

// What a name or member expression refers to.
struct SymbolRef {
  enum class Kind : uint8_t {
    kNone,
    kCell,      // module, index = cell index in that module
    kType,      // index = TypeId
    kModule,    // module
    kEnumCase,  // type = the enum, index = case
    kField,     // a field of a record value (member access), index = field
    kLocal,     // a comprehension variable, index = its slot
    kBuilderField,  // a field of an enclosing builder block: index = field, type = record
    kFunction,  // module, index = function index in that module
    kParam,     // a parameter of the enclosing function: index = parameter
    kThis,      // the receiver of the enclosing member or extension function
    kCopy,      // the built-in `.copy(...)` of every record
  };
  Kind kind = Kind::kNone;
  ModuleId module = 0;
  uint32_t index = 0;
  TypeId type = 0;
};

struct CellId {
  ModuleId module = 0;
  uint32_t cell = 0;
  bool operator==(const CellId&) const = default;
};

// A top-level `val`: a cell of the spreadsheet.
struct Cell {
  std::string_view name;
  lang::SourceRange name_range;
  uint32_t val_index = 0;  // into SyntaxTree::vals
  TypeId type = TypeTable::kError;
  std::vector<CellId> reads;  // cells this cell reads, in any module
  // `@input val`: `clivec set` may replace its value; its declared
  // expression is the initial value. Input cells always declare their type.
  bool input = false;
};

struct FunctionParam {
  std::string_view name;
  TypeId type = TypeTable::kError;
  lang::ExprId default_value = lang::kNone;  // kNone: required
};

// A `fn`: free, an extension (`fn T.name`), or a member declared in a type.
struct FunctionInfo {
  std::string_view name;
  ModuleId module = 0;
  uint32_t decl = 0;                       // into SyntaxTree::fn_decls
  TypeId receiver = TypeTable::kError;     // kError for free functions
  std::vector<TypeId> type_params;         // kTypeParam types
  std::vector<FunctionParam> params;
  TypeId result = TypeTable::kError;       // known once declared or inferred
  bool builtin = false;                    // @builtin: implemented by the runtime
};

// The checker's output for one module: its tree plus side tables indexed by
// node id.
struct CheckedModule {
  ModuleId id = 0;
  std::string path;  // "" for the workspace's root module, "a.b" for a/b/clive.cl
  std::unique_ptr<lang::SourceFile> file;
  std::unique_ptr<lang::SyntaxTree> tree;

  std::vector<TypeId> expr_types;      // per ExprId
  std::vector<SymbolRef> expr_refs;    // per ExprId: kName and kMember
  std::vector<uint32_t> init_fields;   // per FieldInit: the field it sets
  std::vector<Cell> cells;             // in source order
  std::vector<uint32_t> eval_order;    // cells of this module in dependency order
  std::vector<ModuleId> imports;       // modules this one imports
  std::vector<FunctionInfo> functions;
  // Top-level names other modules can import. Extension functions may share
  // a name (one per receiver type), so they are kept apart.
  std::unordered_map<std::string_view, SymbolRef> exports;
  std::unordered_multimap<std::string_view, SymbolRef> extension_exports;
  // Every type and enum declared here, by qualified name ("JVM.Provider").
  std::unordered_map<std::string, TypeId> local_types;
  bool parsed_cleanly = false;  // the parser reported no error

  TypeId TypeOf(lang::ExprId id) const { return expr_types[id]; }
};

struct SearchPath {
  std::vector<std::filesystem::path> roots;  // tried in order
};

class Program {
 public:
  TypeTable types;

  size_t size() const { return modules_.size(); }
  CheckedModule& module(ModuleId id) { return *modules_[id]; }
  const CheckedModule& module(ModuleId id) const { return *modules_[id]; }
  // Module ids with every module after the modules it imports.
  const std::vector<ModuleId>& order() const { return order_; }
  // The module with this path, if it was loaded.
  const CheckedModule* Find(std::string_view path) const;

 private:
  friend class ProgramLoader;
  std::vector<std::unique_ptr<CheckedModule>> modules_;
  std::vector<ModuleId> order_;
};

struct ModuleRequest {
  std::string path;  // module path ("" for the root module)
  std::filesystem::path file;
};

// Loads, parses and checks `requests` and every module they import (found
// through `search`). Reports every error to `sink`; the program is fit for
// lowering only when `sink` has no errors. Returns null only when a requested
// file cannot be read (the Status says why).
Expected<std::unique_ptr<Program>> CheckProgram(const std::vector<ModuleRequest>& requests,
                                                const SearchPath& search, lang::DiagnosticSink& sink);

// Texts that replace files on disk, by file path (compared after
// lexically_normal()). The language server checks the buffers the user is
// editing, saved or not; a path in the overlay exists even if no file does.
using SourceOverlay = std::unordered_map<std::string, std::string>;
Expected<std::unique_ptr<Program>> CheckProgram(const std::vector<ModuleRequest>& requests,
                                                const SearchPath& search, lang::DiagnosticSink& sink,
                                                const SourceOverlay& overlay);

// Parsed files kept from one check of a workspace to the next (clivec
// watch): a file whose text did not change is not parsed again. Only files
// that parsed without errors are kept, so no diagnostics need replaying.
class ParseCache {
 public:
  // Takes back the files and syntax trees of `program`, which must not be
  // used afterwards (its modules lose their trees).
  void Keep(Program& program);
  // The parse of `file` if its text is `text`; null otherwise.
  struct Parsed {
    std::unique_ptr<lang::SourceFile> file;
    std::unique_ptr<lang::SyntaxTree> tree;
  };
  std::optional<Parsed> Take(const std::string& file_path, std::string_view text);

 private:
  std::unordered_map<std::string, Parsed> parsed_;  // by file path
};

// CheckProgram, reusing and refilling `cache`.
Expected<std::unique_ptr<Program>> CheckProgram(const std::vector<ModuleRequest>& requests,
                                                const SearchPath& search, lang::DiagnosticSink& sink,
                                                const SourceOverlay& overlay, ParseCache* cache);

// Replaces the text of module `id` of a checked `program` and checks that
// module again against the modules it imports, as they are (loading those
// it imports for the first time). Modules importing `id` are not checked
// again, so this is for programs where none does: the language server's
// analysis of the document being edited, which then costs one module, not
// the module and everything it imports. The types the old text declared
// stay in the type table, unused.
void RecheckModule(Program& program, ModuleId id, std::string text, const SearchPath& search,
                   lang::DiagnosticSink& sink, const SourceOverlay& overlay);

// Checks one module held in memory (no imports resolved from disk beyond
// `search`): for tests, fuzzing and the language server.
std::unique_ptr<Program> CheckSource(std::string display_path, std::string text,
                                     lang::DiagnosticSink& sink, const SearchPath& search = {});

}  // namespace clive::compiler
