// JSON-RPC 2.0 for LSP: a reader thread frames and parses messages into a
// queue; the main thread routes them to the language service, answers with
// results or errors, runs the checks the scheduler says are due, and
// enforces the lifecycle (initialize first; shutdown, then exit).
#pragma once

#include <functional>
#include <istream>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>

#include "message_queue.h"
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
constexpr int kRequestFailed = -32803;
constexpr int kRequestCancelled = -32800;
}  // namespace rpc

class ProtocolHandler {
 public:
  ProtocolHandler(std::istream& in, std::ostream& out);
  ~ProtocolHandler();
  ProtocolHandler(const ProtocolHandler&) = delete;
  ProtocolHandler& operator=(const ProtocolHandler&) = delete;

  // Serves until `exit` or the end of input; returns the exit code.
  int Run();

 private:
  struct Reader;

  void Handle(const nlohmann::json& message);
  void RunLogged(const char* what, const std::function<void()>& work);
  void HandleRequest(const nlohmann::json& id, const std::string& method, const nlohmann::json& params);
  void HandleNotification(const std::string& method, const nlohmann::json& params);
  nlohmann::json Dispatch(const std::string& method, const nlohmann::json& params);
  void Reply(const nlohmann::json& id, nlohmann::json result);
  void ReplyError(const nlohmann::json& id, int code, const std::string& message);
  void Send(const nlohmann::json& message);

  std::shared_ptr<Reader> reader_;  // shared with the reader thread
  Transport writer_;
  std::mutex write_mutex_;
  LanguageService service_;
  bool initialized_ = false;  // `initialize` answered
  bool shutdown_ = false;     // `shutdown` answered
  bool exited_ = false;
};

}  // namespace clive::lsp
