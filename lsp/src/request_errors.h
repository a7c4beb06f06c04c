// Why a request fails, as exceptions the protocol layer turns into JSON-RPC
// errors (protocol.cc). Thrown by the service and the language features.
#pragma once

#include <exception>
#include <stdexcept>

namespace clive::lsp {

// Parameters without the shape LSP defines: -32602.
class InvalidParams : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
// A well-formed request the server refuses (renaming a stdlib symbol,
// formatting a file that does not parse): -32803.
class RequestFailed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
// The client cancelled the request being answered: -32800.
class RequestCancelled : public std::exception {
 public:
  const char* what() const noexcept override { return "request cancelled"; }
};

}  // namespace clive::lsp
