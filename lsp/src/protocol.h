// JSON-RPC 2.0 for LSP: parses each framed message, routes requests and
// notifications to the language service, answers with results or errors,
// and enforces the lifecycle (initialize first; shutdown, then exit).
#pragma once

#include <string>

#include "nlohmann/json.hpp"
#include "server.h"
#include "transport.h"

namespace clive::lsp {

// JSON-RPC and LSP error codes.
namespace rpc {
constexpr int kParseError = -32700;
constexpr int kInvalidRequest = -32600;
constexpr int kMethodNotFound = -32601;
constexpr int kInvalidParams = -32602;
constexpr int kInternalError = -32603;
constexpr int kServerNotInitialized = -32002;
}  // namespace rpc

class ProtocolHandler {
 public:
  explicit ProtocolHandler(Transport& transport);

  // Serves until `exit` or the end of input; returns the exit code.
  int Run();
  // Handles one message body; false once the server should stop.
  bool Handle(const std::string& body);

 private:
  void HandleRequest(const nlohmann::json& id, const std::string& method, const nlohmann::json& params);
  void HandleNotification(const std::string& method, const nlohmann::json& params);
  nlohmann::json Dispatch(const std::string& method, const nlohmann::json& params);
  void Reply(const nlohmann::json& id, nlohmann::json result);
  void ReplyError(const nlohmann::json& id, int code, const std::string& message);
  void Send(const nlohmann::json& message);

  Transport& transport_;
  LanguageService service_;
  bool initialized_ = false;  // `initialize` answered
  bool shutdown_ = false;     // `shutdown` answered
  bool exited_ = false;
};

}  // namespace clive::lsp
