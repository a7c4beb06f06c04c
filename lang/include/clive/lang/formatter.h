// The clive formatter (`clivec fmt`): one canonical layout for clive.cl files,
// in the spirit of gofmt. docs/language.md ("Formatting") lists the rules.
//
// The formatter prints the syntax tree, not the tokens: layout comes from the
// tree, while literals, comments, blank lines between declarations and the
// parentheses the author wrote come from the source. It never changes what a
// file means: FormatSource re-parses its output and refuses to return text
// whose syntax tree (StructuralDump) or comments differ from the input's.
#pragma once

#include <string>

#include "clive/lang/diagnostics.h"
#include "clive/lang/source_file.h"
#include "clive/lang/syntax_tree.h"
#include "clive/store/status.h"

namespace clive::lang {

// Lines longer than this are broken where the layout allows it.
inline constexpr int kFormatMaxWidth = 100;

// The canonical text of `tree`, which must come from a parse without errors
// (tree.file is the source it came from). Ends with one newline, or is empty.
std::string Format(const SyntaxTree& tree);

// Parses `file` and formats it. Syntax errors go to `sink` and give an
// InvalidArgument status (nothing is formatted); an Internal status means the
// formatter would have changed the file's meaning (a formatter bug), and the
// caller must leave the file as it is.
Expected<std::string> FormatSource(const SourceFile& file, DiagnosticSink& sink);

// The tree as text, without source ranges: two trees that print the same
// dump mean the same thing. Used to check the formatter (and by its tests).
std::string StructuralDump(const SyntaxTree& tree);

}  // namespace clive::lang
