// Diagnostics as JSON, shared by `clivec ... --json` and the language server.
#pragma once

#include "clive/lang/diagnostics.h"
#include "nlohmann/json.hpp"

namespace clive::lsp {

// {"file", "line", "column", "end_line", "end_column", "severity", "code",
//  "message", "notes": [...]}, with 1-based lines and columns, for the CLI.
nlohmann::ordered_json ToCliJson(const lang::Diagnostic& d);

// An LSP `Diagnostic` (0-based positions; columns in UTF-16 code units).
nlohmann::json ToLspDiagnostic(const lang::Diagnostic& d);

}  // namespace clive::lsp
