// Parsing a clive.cl file into a SyntaxTree.
#pragma once

#include <memory>

#include "clive/lang/diagnostics.h"
#include "clive/lang/syntax_tree.h"

namespace clive::lang {

// Always returns a tree. After a syntax error the parser recovers, reports
// E0001 to `sink`, and the tree holds kError nodes where input was missing,
// so later phases (and the LSP) still see every declaration that parsed.
std::unique_ptr<SyntaxTree> Parse(const SourceFile& file, DiagnosticSink& sink);

}  // namespace clive::lang
