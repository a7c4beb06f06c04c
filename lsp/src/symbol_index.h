// What the names of a checked module refer to: the declaration at a
// position, and every occurrence of a declared symbol. Shared by the
// language features (hover, navigation, rename, semantic tokens, hints).
// Pure queries over a Program; they never change it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "clive/compiler/checker.h"
#include "nlohmann/json.hpp"

namespace clive::lsp {

// What a declaration declares; decides semantic token types and what rename
// may touch.
enum class DeclKind : uint8_t { kModule, kType, kEnum, kEnumCase, kField, kFunction, kCell, kParam, kLocal };

// A declaration: where it is and what hover says about it.
struct Decl {
  const compiler::CheckedModule* module = nullptr;
  lang::SourceRange range;
  std::string signature;  // shown as code
  std::string doc;
  DeclKind kind = DeclKind::kCell;

  // Two Decls name the same symbol (in one program) when they are declared
  // at the same place.
  bool SameAs(const Decl& other) const {
    return module == other.module && range.begin == other.range.begin && range.end == other.range.end &&
           kind == other.kind;
  }
};

// The declaration of what is at a position, with the range of the name there.
struct Found {
  Decl decl;
  lang::SourceRange at;
  std::string type;  // the type of the expression, when there is one
};

inline bool Contains(lang::SourceRange r, uint32_t offset) {
  return r.begin <= offset && offset <= r.end && r.begin < r.end;
}

// LSP `Location`.
nlohmann::json Location(const compiler::CheckedModule& module, lang::SourceRange range);
// The source text of a field's default value ("" when it has none).
std::string DefaultText(const compiler::Program& program, const compiler::RecordType& record,
                        const compiler::RecordField& field);
std::string FunctionSignature(const compiler::Program& program, const compiler::FunctionInfo& fn);
Decl FieldDecl(const compiler::Program& program, compiler::TypeId record_type, uint32_t index);
Decl TypeDecl(const compiler::Program& program, compiler::TypeId type);

// The type a (possibly dotted) type name in `module` stands for: a type of
// this module, or one it imports.
std::optional<compiler::TypeId> LookupType(const compiler::Program& program, const compiler::CheckedModule& module,
                                           std::string_view name);
// `a.b.c` as text, when the expression is a chain of plain names.
std::optional<std::string> DottedName(const lang::SyntaxTree& tree, lang::ExprId id);
// The innermost expression at `offset`: the one with the smallest range.
std::optional<lang::ExprId> ExprAt(const compiler::CheckedModule& module, uint32_t offset);
// The builder expression whose block holds field init `init`.
std::optional<lang::ExprId> BuilderOf(const compiler::CheckedModule& module, uint32_t init);
// The record type a builder block sets fields of, or kError.
compiler::TypeId BuilderRecord(const compiler::Program& program, const compiler::CheckedModule& module,
                               lang::ExprId builder);
// The function a call expression calls, when the checker resolved it.
const compiler::FunctionInfo* CalledFunction(const compiler::Program& program, const compiler::CheckedModule& module,
                                             lang::ExprId call);

std::optional<Found> FindAt(const compiler::Program& program, const compiler::CheckedModule& module,
                            uint32_t offset);

// Calls `f` for every name in `module` that refers to (or declares) a
// symbol: declarations, references, builder field names, named arguments,
// type names, imports.
using OccurrenceFn = std::function<void(lang::SourceRange at, const Decl& decl)>;
void ForEachOccurrence(const compiler::Program& program, const compiler::CheckedModule& module,
                       const OccurrenceFn& f);

// The module of `program` read from `file`, or null.
const compiler::CheckedModule* ModuleOf(const compiler::Program& program, std::string_view file);

}  // namespace clive::lsp
