// The language features over one checked program: what is at a position,
// where a symbol is declared, what may follow a cursor, the outline of a
// module. Pure queries: they read a Program and never change it, so the
// server may answer them from whichever analysis is current.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "clive/compiler/checker.h"
#include "nlohmann/json.hpp"

namespace clive::lsp {

// An identifier the server writes at the cursor before re-checking, so that
// an unfinished `x.` or `T { ` parses into a node completion can look at.
inline constexpr std::string_view kCompletionMarker = "__clive_complete__";

// LSP `Hover` for byte `offset` of `module`, or null.
nlohmann::json Hover(const compiler::Program& program, const compiler::CheckedModule& module, uint32_t offset);

// LSP `Location` of the declaration of what is at `offset`, or null.
nlohmann::json Definition(const compiler::Program& program, const compiler::CheckedModule& module,
                          uint32_t offset);

// LSP `CompletionItem`s for a module checked with kCompletionMarker written
// at the cursor: members after `.`, fields in builder blocks.
nlohmann::json Completion(const compiler::Program& program, const compiler::CheckedModule& module);

// LSP `DocumentSymbol`s of `module`: types with their fields, enums with their
// cases, functions and cells.
nlohmann::json DocumentSymbols(const compiler::Program& program, const compiler::CheckedModule& module);

}  // namespace clive::lsp
