// `clivec lsp`: a Language Server Protocol server over two streams.
#pragma once

#include <istream>
#include <ostream>

namespace clive::lsp {

// Serves LSP (JSON-RPC 2.0, Content-Length framed) from `in` to `out` until
// the client sends `exit` or closes `in`. Returns the process exit code: 0
// after `shutdown` then `exit`, 1 otherwise (as LSP specifies).
int RunLanguageServer(std::istream& in, std::ostream& out);

}  // namespace clive::lsp
