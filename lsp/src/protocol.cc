#include "protocol.h"

#include <iostream>
#include <thread>

#include "clive/lsp/language_server.h"

namespace clive::lsp {
using json = nlohmann::json;

namespace {

// A failed request: the JSON-RPC error to answer with.
struct RpcError {
  int code;
  std::string message;
};

bool IsCancelRequest(const json& message) {
  return message.is_object() && message.value("method", json()) == "$/cancelRequest" && !message.contains("id");
}

}  // namespace

// The reader thread's state. It outlives the handler when the client sends
// `exit` without closing its end: the thread is then left blocked in a read
// and the process ends under it.
struct ProtocolHandler::Reader {
  Reader(std::istream& in, std::ostream& out) : transport(in, out) {}
  Transport transport;  // only Read() is used on this side
  MessageQueue queue;
  CancelledRequests cancelled;
  std::thread thread;

  void Loop() {
    while (true) {
      Frame frame = transport.Read();
      if (frame.kind == Frame::Kind::kEof) break;
      if (frame.kind == Frame::Kind::kBadFrame) {
        // Logged by the main thread: std::cerr is tied to the std::cout it
        // writes, and only one thread may touch the output stream.
        queue.Push({Incoming::Kind::kBadFrame, {}, {}, std::move(frame.error)});
        continue;
      }
      json message = json::parse(frame.body, nullptr, /*allow_exceptions=*/false);
      if (message.is_discarded()) {
        queue.Push({Incoming::Kind::kParseError, {}, {}, {}});
        continue;
      }
      if (IsCancelRequest(message)) {
        const json& params = message.value("params", json::object());
        if (params.is_object() && params.contains("id")) cancelled.Add(params["id"]);
        continue;
      }
      queue.Push({Incoming::Kind::kMessage, std::move(message), {}, {}});
    }
    queue.Push({Incoming::Kind::kEof, {}, {}, {}});
  }
};

ProtocolHandler::ProtocolHandler(std::istream& in, std::ostream& out)
    : reader_(std::make_shared<Reader>(in, out)),
      writer_(in, out),
      service_(
          [this](const std::string& method, json params) {
            Send({{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}});
          },
          [reader = reader_.get()](std::function<void()> task) {
            reader->queue.Push({Incoming::Kind::kTask, {}, std::move(task), {}});
          },
          [reader = reader_.get()](const std::string& uri) {
            return reader->queue.AnyMessage([&](const json& m) {
              return m.value("method", json()) == "textDocument/didChange" && m.contains("params") &&
                     m["params"].is_object() && m["params"].value("textDocument", json()).is_object() &&
                     m["params"]["textDocument"].value("uri", json()) == uri;
            });
          }) {}

ProtocolHandler::~ProtocolHandler() {
  if (reader_->thread.joinable()) reader_->thread.detach();
}

int ProtocolHandler::Run() {
  // The reader starts here, not in the constructor: `this` is complete.
  std::shared_ptr<Reader> reader = reader_;
  reader->thread = std::thread([reader] { reader->Loop(); });
  bool eof = false;
  while (!exited_) {
    // Checks whose debounce delay ran out go first, even if messages wait:
    // a steady stream of requests must not starve diagnostics.
    std::optional<Clock::time_point> deadline = service_.NextDeadline();
    if (deadline && *deadline <= Clock::now()) {
      RunLogged("checking", [&] { service_.RunDueWork(); });
      continue;
    }
    std::optional<Incoming> item = reader->queue.Pop(deadline);
    if (!item) continue;  // a deadline passed
    if (item->kind == Incoming::Kind::kEof) {
      eof = true;
      break;
    }
    if (item->kind == Incoming::Kind::kTask) {
      RunLogged("finishing a workspace check", item->task);
    } else if (item->kind == Incoming::Kind::kBadFrame) {
      // Without a body there is no id to answer; say so where a human looks.
      std::cerr << "clivec lsp: skipping a damaged message: " << item->error << "\n";
    } else if (item->kind == Incoming::Kind::kParseError) {
      ReplyError(nullptr, rpc::kParseError, "parse error: the message is not JSON");
    } else {
      Handle(item->message);
    }
  }
  service_.Stop();
  if (eof) reader->thread.join();
  return exited_ && shutdown_ ? 0 : 1;
}

void ProtocolHandler::RunLogged(const char* what, const std::function<void()>& work) {
  // Work nobody asked for has nobody to answer: a failure is logged, and
  // the server goes on.
  try {
    work();
  } catch (const std::exception& e) {
    std::cerr << "clivec lsp: " << what << ": " << e.what() << "\n";
  }
}

void ProtocolHandler::Handle(const json& message) {
  if (!message.is_object() || message.value("jsonrpc", json()) != "2.0" || !message.contains("method") ||
      !message["method"].is_string()) {
    // A response from the client (we send no requests) is not ours to answer.
    if (message.is_object() && !message.contains("method") && message.contains("id") &&
        (message.contains("result") || message.contains("error"))) {
      return;
    }
    json id = message.is_object() && message.contains("id") ? message["id"] : json(nullptr);
    if (!id.is_string() && !id.is_number_integer()) id = nullptr;
    return ReplyError(id, rpc::kInvalidRequest, "invalid request: expected a JSON-RPC 2.0 request or notification");
  }
  std::string method = message["method"].get<std::string>();
  json params = message.contains("params") ? message["params"] : json::object();
  if (!message.contains("id")) return HandleNotification(method, params);
  const json& id = message["id"];
  if (!id.is_string() && !id.is_number_integer()) {
    return ReplyError(nullptr, rpc::kInvalidRequest, "invalid request: `id` must be a string or an integer");
  }
  HandleRequest(id, method, params);
}

void ProtocolHandler::HandleRequest(const json& id, const std::string& method, const json& params) {
  if (method == "initialize") {
    if (initialized_) return ReplyError(id, rpc::kInvalidRequest, "initialize was already called");
    initialized_ = true;
    service_.Initialize(params);
    return Reply(id, {{"capabilities", LanguageService::Capabilities()}, {"serverInfo", {{"name", "clivec lsp"}}}});
  }
  if (!initialized_) return ReplyError(id, rpc::kServerNotInitialized, "the server is not initialized");
  if (shutdown_) return ReplyError(id, rpc::kInvalidRequest, "the server is shutting down");
  if (method == "shutdown") {
    shutdown_ = true;
    return Reply(id, nullptr);
  }
  CancelledRequests& cancelled = reader_->cancelled;
  auto answer = [&] {
    if (cancelled.Contains(id)) throw RequestCancelled();
    service_.set_cancelled([&] { return cancelled.Contains(id); });
    Reply(id, Dispatch(method, params));
  };
  try {
    answer();
  } catch (const RpcError& e) {
    ReplyError(id, e.code, e.message);
  } catch (const RequestCancelled&) {
    ReplyError(id, rpc::kRequestCancelled, "request cancelled");
  } catch (const RequestFailed& e) {
    ReplyError(id, rpc::kRequestFailed, e.what());
  } catch (const InvalidParams& e) {
    ReplyError(id, rpc::kInvalidParams, std::string("invalid params: ") + e.what());
  } catch (const json::exception& e) {
    ReplyError(id, rpc::kInvalidParams, std::string("invalid params: ") + e.what());
  } catch (const std::exception& e) {
    ReplyError(id, rpc::kInternalError, std::string("internal error: ") + e.what());
  }
  service_.set_cancelled(nullptr);
  cancelled.Remove(id);
}

json ProtocolHandler::Dispatch(const std::string& method, const json& params) {
  using Handler = json (LanguageService::*)(const json&);
  static const std::map<std::string, Handler, std::less<>> kHandlers = {
      {"textDocument/hover", &LanguageService::Hover},
      {"textDocument/definition", &LanguageService::Definition},
      {"textDocument/references", &LanguageService::References},
      {"textDocument/prepareRename", &LanguageService::PrepareRename},
      {"textDocument/rename", &LanguageService::Rename},
      {"textDocument/completion", &LanguageService::Completion},
      {"textDocument/documentSymbol", &LanguageService::DocumentSymbol},
      {"workspace/symbol", &LanguageService::WorkspaceSymbol},
      {"textDocument/semanticTokens/full", &LanguageService::SemanticTokens},
      {"textDocument/formatting", &LanguageService::Formatting},
      {"textDocument/signatureHelp", &LanguageService::SignatureHelp},
      {"textDocument/inlayHint", &LanguageService::InlayHints},
      {"textDocument/codeAction", &LanguageService::CodeActions},
  };
  auto it = kHandlers.find(method);
  if (it == kHandlers.end()) throw RpcError{rpc::kMethodNotFound, "method not found: " + method};
  if (!params.is_object()) throw InvalidParams("`params` must be an object");
  return (service_.*(it->second))(params);
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
    if (method == "workspace/didChangeWatchedFiles") return service_.FilesChanged();
    // `initialized`, `$/setTrace`, `textDocument/didSave`, ...: nothing to do.
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
  std::string body = message.dump(-1, ' ', false, json::error_handler_t::replace);
  std::lock_guard lock(write_mutex_);
  writer_.Write(body);
}

int RunLanguageServer(std::istream& in, std::ostream& out) {
  // The reader thread reads `in` while the main thread writes `out`: reading
  // must not flush `out` (std::cin is tied to std::cout).
  in.tie(nullptr);
  ProtocolHandler handler(in, out);
  return handler.Run();
}

}  // namespace clive::lsp
