// The language features over checked programs, one function per LSP
// request, each a pure query: it reads a Program (and text) and never
// changes it, so the server may answer from whichever analysis is current.
// Split by feature: navigation.cc, completion.cc, symbols.cc,
// semantic_tokens.cc, edits.cc, hints.cc; symbol_index.h is what they share.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "clive/compiler/checker.h"
#include "nlohmann/json.hpp"

namespace clive::lsp {

// An identifier the server writes at the cursor before re-checking, so that
// an unfinished `x.` or `T { ` parses into a node completion can look at.
inline constexpr std::string_view kCompletionMarker = "__clive_complete__";

// --- navigation.cc ---
// LSP `Hover` for byte `offset` of `module`, or null.
nlohmann::json Hover(const compiler::Program& program, const compiler::CheckedModule& module, uint32_t offset);
// LSP `Location` of the declaration of what is at `offset`, or null.
nlohmann::json Definition(const compiler::Program& program, const compiler::CheckedModule& module,
                          uint32_t offset);
// LSP `Location`s of every occurrence, in every module of `program`, of the
// symbol at `offset`; null when there is none.
nlohmann::json References(const compiler::Program& program, const compiler::CheckedModule& module, uint32_t offset,
                          bool include_declaration);
// What a rename at `offset` would rename: the name's range and text, or why
// it cannot be renamed. `editable` says which files the user may change.
struct RenameTarget {
  std::optional<nlohmann::json> range;  // LSP range of the name at the cursor
  std::string placeholder;
  std::string refusal;  // non-empty: why not
};
using Editable = std::function<bool(const std::string& file)>;
RenameTarget PrepareRename(const compiler::Program& program, const compiler::CheckedModule& module, uint32_t offset,
                           const Editable& editable);
// LSP `WorkspaceEdit` renaming the symbol at `offset` to `new_name` in every
// module of `program`. Call PrepareRename first.
nlohmann::json RenameEdit(const compiler::Program& program, const compiler::CheckedModule& module, uint32_t offset,
                          const std::string& new_name);
// Whether `name` may be a clive identifier (and is not a keyword).
bool IsIdentifier(std::string_view name);

// --- completion.cc ---
// What the text before the cursor says about it.
struct CompletionContext {
  std::string line_prefix;  // the cursor's line, up to the cursor
  std::vector<std::filesystem::path> roots;  // where imports are found (workspace, stdlib)
};
// Completion items from the text alone (module paths after `import`), or
// nullopt when the text does not decide.
std::optional<nlohmann::json> TextCompletion(const CompletionContext& context, const compiler::Program* program);
// LSP `CompletionItem`s for a module checked with kCompletionMarker written
// at the cursor: members after `.`, fields in builder blocks, named
// arguments in calls, enum cases where one is expected, type names in type
// positions, and the names in scope and keyword snippets in expressions.
// nullopt when the marker did not parse into any of those places.
std::optional<nlohmann::json> Completion(const compiler::Program& program, const compiler::CheckedModule& module,
                                         const CompletionContext& context);
// What to offer when no check places the cursor: declaration keyword
// snippets at the start of a line.
nlohmann::json FallbackCompletion(const CompletionContext& context);

// --- symbols.cc ---
// LSP `DocumentSymbol`s of `module`: types with their fields, enums with their
// cases, functions and cells.
nlohmann::json DocumentSymbols(const compiler::Program& program, const compiler::CheckedModule& module);
// LSP `SymbolInformation`s of the modules `include` accepts whose names match
// `query` (prefix, then substring, then in-order subsequence; case-insensitive).
nlohmann::json WorkspaceSymbols(const compiler::Program& program, std::string_view query,
                                const std::function<bool(const compiler::CheckedModule&)>& include);

// --- semantic_tokens.cc ---
nlohmann::json SemanticTokensLegend();
// LSP `SemanticTokens` (full) of `module`.
nlohmann::json SemanticTokens(const compiler::Program& program, const compiler::CheckedModule& module);

// --- edits.cc ---
// The `TextEdit`s that format `text` with clivec fmt's formatter; throws
// RequestFailed when the text does not parse.
nlohmann::json FormattingEdits(const std::string& path, const std::string& text);
// A quickfix `CodeAction` for each diagnostic of `context` that suggests a
// replacement ("did you mean `x`?").
nlohmann::json CodeActions(const std::string& uri, std::string_view text, const nlohmann::json& diagnostics);

// --- hints.cc ---
// LSP `SignatureHelp` for a call around `offset`, or null.
nlohmann::json SignatureHelp(const compiler::Program& program, const compiler::CheckedModule& module,
                             uint32_t offset);
// LSP `InlayHint`s in [begin, end): the inferred types of cells without an
// annotation and of lambda parameters.
nlohmann::json InlayHints(const compiler::Program& program, const compiler::CheckedModule& module, uint32_t begin,
                          uint32_t end);

}  // namespace clive::lsp
