// Diagnostics as JSON, shared by `clivec ... --json` and the language server.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "clive/lang/diagnostics.h"
#include "nlohmann/json.hpp"

namespace clive::lsp {

// {"file", "line", "column", "end_line", "end_column", "severity", "code",
//  "message", "notes": [...]}, with 1-based lines and columns, for the CLI.
nlohmann::ordered_json ToCliJson(const lang::Diagnostic& d);

// What a "did you mean `x`?" diagnostic suggests: replace the bytes
// [begin, end) of the file (the misspelt name inside the diagnostic's range)
// with `replacement`.
struct SuggestedFix {
  uint32_t begin = 0;
  uint32_t end = 0;
  std::string replacement;
};
std::optional<SuggestedFix> SuggestedReplacement(std::string_view text, lang::SourceRange range,
                                                 std::string_view message);

// An LSP `Diagnostic` (0-based positions; columns in UTF-16 code units).
// A did-you-mean suggestion goes in its `data`: {"replace": range,
// "with": text}, which the code action for it applies.
nlohmann::json ToLspDiagnostic(const lang::Diagnostic& d);

}  // namespace clive::lsp
