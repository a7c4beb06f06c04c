#include "protocol.h"

#include <iostream>

#include "clive/lsp/language_server.h"

namespace clive::lsp {
using json = nlohmann::json;

namespace {

// A failed request: the JSON-RPC error to answer with.
struct RpcError {
  int code;
  std::string message;
};

}  // namespace

ProtocolHandler::ProtocolHandler(Transport& transport)
    : transport_(transport),
      service_([this](const std::string& method, json params) {
        Send({{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}});
      }) {}

int ProtocolHandler::Run() {
  while (true) {
    Frame frame = transport_.Read();
    if (frame.kind == Frame::Kind::kEof) break;
    if (frame.kind == Frame::Kind::kBadFrame) {
      // Without a body there is no id to answer; say so where a human looks.
      std::cerr << "clivec lsp: skipping a damaged message: " << frame.error << "\n";
      continue;
    }
    if (!Handle(frame.body)) break;
  }
  return exited_ && shutdown_ ? 0 : 1;
}

bool ProtocolHandler::Handle(const std::string& body) {
  json message = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (message.is_discarded()) {
    ReplyError(nullptr, rpc::kParseError, "parse error: the message is not JSON");
    return true;
  }
  if (!message.is_object() || message.value("jsonrpc", json()) != "2.0" || !message.contains("method") ||
      !message["method"].is_string()) {
    // A response from the client (we send no requests) is not ours to answer.
    if (message.is_object() && !message.contains("method") && message.contains("id") &&
        (message.contains("result") || message.contains("error"))) {
      return true;
    }
    json id = message.is_object() && message.contains("id") ? message["id"] : json(nullptr);
    if (!id.is_string() && !id.is_number_integer()) id = nullptr;
    ReplyError(id, rpc::kInvalidRequest, "invalid request: expected a JSON-RPC 2.0 request or notification");
    return true;
  }
  std::string method = message["method"].get<std::string>();
  json params = message.contains("params") ? message["params"] : json::object();
  if (!message.contains("id")) {
    HandleNotification(method, params);
    return !exited_;
  }
  const json& id = message["id"];
  if (!id.is_string() && !id.is_number_integer()) {
    ReplyError(nullptr, rpc::kInvalidRequest, "invalid request: `id` must be a string or an integer");
    return true;
  }
  HandleRequest(id, method, params);
  return true;
}

void ProtocolHandler::HandleRequest(const json& id, const std::string& method, const json& params) {
  if (method == "initialize") {
    if (initialized_) return ReplyError(id, rpc::kInvalidRequest, "initialize was already called");
    initialized_ = true;
    return Reply(id, {{"capabilities", LanguageService::Capabilities()},
                      {"serverInfo", {{"name", "clivec lsp"}}}});
  }
  if (!initialized_) return ReplyError(id, rpc::kServerNotInitialized, "the server is not initialized");
  if (shutdown_) return ReplyError(id, rpc::kInvalidRequest, "the server is shutting down");
  if (method == "shutdown") {
    shutdown_ = true;
    return Reply(id, nullptr);
  }
  try {
    Reply(id, Dispatch(method, params));
  } catch (const RpcError& e) {
    ReplyError(id, e.code, e.message);
  } catch (const InvalidParams& e) {
    ReplyError(id, rpc::kInvalidParams, std::string("invalid params: ") + e.what());
  } catch (const json::exception& e) {
    ReplyError(id, rpc::kInvalidParams, std::string("invalid params: ") + e.what());
  } catch (const std::exception& e) {
    ReplyError(id, rpc::kInternalError, std::string("internal error: ") + e.what());
  }
}

json ProtocolHandler::Dispatch(const std::string& method, const json& params) {
  if (method == "textDocument/hover") return service_.Hover(params);
  if (method == "textDocument/definition") return service_.Definition(params);
  if (method == "textDocument/completion") return service_.Completion(params);
  if (method == "textDocument/documentSymbol") return service_.DocumentSymbol(params);
  throw RpcError{rpc::kMethodNotFound, "method not found: " + method};
}

void ProtocolHandler::HandleNotification(const std::string& method, const json& params) {
  if (method == "exit") {
    exited_ = true;
    return;
  }
  // Notifications have no answer, so errors in them can only be logged.
  if (!initialized_ || shutdown_) return;
  try {
    if (method == "textDocument/didOpen") return service_.DidOpen(params);
    if (method == "textDocument/didChange") return service_.DidChange(params);
    if (method == "textDocument/didClose") return service_.DidClose(params);
    // `initialized`, `$/cancelRequest`, `$/setTrace`, ...: nothing to do.
  } catch (const std::exception& e) {
    std::cerr << "clivec lsp: " << method << ": " << e.what() << "\n";
  }
}

void ProtocolHandler::Reply(const json& id, json result) {
  Send({{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}});
}

void ProtocolHandler::ReplyError(const json& id, int code, const std::string& message) {
  Send({{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}});
}

void ProtocolHandler::Send(const json& message) {
  // Replace invalid UTF-8 (from a damaged file) rather than throw.
  transport_.Write(message.dump(-1, ' ', false, json::error_handler_t::replace));
}

int RunLanguageServer(std::istream& in, std::ostream& out) {
  Transport transport(in, out);
  ProtocolHandler handler(transport);
  return handler.Run();
}

}  // namespace clive::lsp
