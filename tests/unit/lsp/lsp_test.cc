// Unit tests of diagnostics as JSON, in the CLI's and in LSP's shape; of
// did-you-mean fixes; and a random session: thousands of random edits and
// requests against a real server, which must answer every request and
// neither crash nor hang.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include "clive/lsp/diagnostic_json.h"
#include "clive/lsp/language_server.h"
#include "nlohmann/json.hpp"
#include "scheduler.h"
#include "server.h"

namespace clive::lsp {
namespace {

TEST(DiagnosticJson, CliShapeIsOneBased) {
  lang::SourceFile f("f.cl", "val a = 1\nval b = x\n");
  lang::Diagnostic d{lang::Severity::kError, "E0101", &f, {18, 19}, "unknown name `x`", {}};
  d.notes.push_back({&f, {4, 5}, "see here"});
  auto j = ToCliJson(d);
  EXPECT_EQ(j["code"], "E0101");
  EXPECT_EQ(j["severity"], "error");
  EXPECT_EQ(j["file"], "f.cl");
  EXPECT_EQ(j["line"], 2);
  EXPECT_EQ(j["column"], 9);
  EXPECT_EQ(j["end_column"], 10);
  ASSERT_EQ(j["notes"].size(), 1u);
  EXPECT_EQ(j["notes"][0]["line"], 1);
}

TEST(DiagnosticJson, LspShapeIsZeroBasedUtf16) {
  // "é" is one UTF-16 unit, "😀" (4 UTF-8 bytes) is two.
  lang::SourceFile f("/w/f.cl", "val s = \"é😀\" + x\n");
  uint32_t x = static_cast<uint32_t>(f.text().find('x'));
  lang::Diagnostic d{lang::Severity::kError, "E0101", &f, {x, x + 1}, "unknown name `x`", {}};
  auto j = ToLspDiagnostic(d);
  EXPECT_EQ(j["range"]["start"]["line"], 0);
  EXPECT_EQ(j["range"]["start"]["character"], 16);
  EXPECT_EQ(j["range"]["end"]["character"], 17);
  EXPECT_EQ(j["severity"], 1);
  EXPECT_EQ(j["source"], "clive");
}

TEST(SuggestedReplacement, ReplacesTheMisspeltNameInsideTheRange) {
  std::string text = "val a = Endpoint { prot = 81 }";
  uint32_t at = static_cast<uint32_t>(text.find("prot"));
  auto fix = SuggestedReplacement(text, {at, at + 4}, "type `Endpoint` has no field `prot`; did you mean `port`?");
  ASSERT_TRUE(fix.has_value());
  EXPECT_EQ(fix->begin, at);
  EXPECT_EQ(fix->end, at + 4);
  EXPECT_EQ(fix->replacement, "port");
  // A range wider than the name: only the name is replaced.
  std::string import = "import clive.modle.jvm";
  fix = SuggestedReplacement(import, {0, static_cast<uint32_t>(import.size())},
                             "cannot find module `clive.modle.jvm`; did you mean `clive.model.jvm`?");
  ASSERT_TRUE(fix.has_value());
  EXPECT_EQ(import.substr(fix->begin, fix->end - fix->begin), "clive.modle.jvm");
  EXPECT_FALSE(SuggestedReplacement(text, {at, at + 4}, "unknown name `prot`").has_value());
}

TEST(CheckScheduler, EachChangeMovesTheDeadlineBack) {
  CheckScheduler scheduler;
  scheduler.set_delays({std::chrono::milliseconds(100), std::chrono::milliseconds(500)});
  Clock::time_point t0 = Clock::now();
  scheduler.DocumentChanged("a", t0);
  scheduler.DocumentChanged("a", t0 + std::chrono::milliseconds(80));  // a burst: one check, later
  scheduler.WorkspaceChanged("w", t0);
  EXPECT_EQ(scheduler.NextDeadline(), t0 + std::chrono::milliseconds(180));
  EXPECT_FALSE(scheduler.TakeDue(t0 + std::chrono::milliseconds(150)).has_value());
  auto work = scheduler.TakeDue(t0 + std::chrono::milliseconds(180));
  ASSERT_TRUE(work.has_value());
  EXPECT_EQ(work->kind, CheckScheduler::Kind::kDocument);
  EXPECT_EQ(work->key, "a");
  EXPECT_FALSE(scheduler.TakeDue(t0 + std::chrono::milliseconds(499)).has_value());
  work = scheduler.TakeDue(t0 + std::chrono::milliseconds(500));
  ASSERT_TRUE(work.has_value());
  EXPECT_EQ(work->kind, CheckScheduler::Kind::kWorkspace);
  EXPECT_FALSE(scheduler.NextDeadline().has_value());
}

// A document check that comes due while a newer edit of the document waits
// is stale: nothing is published for it; the check after the edit is.
TEST(LanguageService, DropsTheDiagnosticsOfAStaleCheck) {
  namespace fs = std::filesystem;
  fs::path root = fs::temp_directory_path() / ("clive-lsp-stale-" + std::to_string(::getpid()));
  fs::create_directories(root);
  const std::string uri = "file://" + (root / "clive.cl").string();
  std::vector<nlohmann::json> published;
  bool edit_waiting = true;
  LanguageService service([&](const std::string&, nlohmann::json params) { published.push_back(std::move(params)); },
                          [](std::function<void()>) {}, [&](const std::string&) { return edit_waiting; });
  service.Initialize({{"initializationOptions", {{"diagnosticsDelayMs", 0}, {"workspaceDelayMs", 600000}}}});
  service.DidOpen({{"textDocument", {{"uri", uri}, {"version", 1}, {"text", "val a = nope\n"}}}});
  service.RunDueWork();
  EXPECT_TRUE(published.empty());
  edit_waiting = false;
  service.DidChange({{"textDocument", {{"uri", uri}, {"version", 2}}}, {"contentChanges", {{{"text", "val a = 2\n"}}}}});
  service.RunDueWork();
  ASSERT_EQ(published.size(), 1u);
  EXPECT_EQ(published[0]["version"], 2);
  EXPECT_TRUE(published[0]["diagnostics"].empty());
  // The next edit breaks it: its error is published with its version.
  service.DidChange({{"textDocument", {{"uri", uri}, {"version", 3}}}, {"contentChanges", {{{"text", "val a = oops\n"}}}}});
  service.RunDueWork();
  ASSERT_EQ(published.size(), 2u);
  EXPECT_EQ(published[1]["version"], 3);
  EXPECT_EQ(published[1]["diagnostics"][0]["code"], "E0101");
  service.Stop();
  fs::remove_all(root);
}

// A module changed on disk, not open in the editor: after
// workspace/didChangeWatchedFiles the open document importing it is checked
// against the new text.
TEST(LanguageService, ChecksAgainAfterFilesChangeOnDisk) {
  namespace fs = std::filesystem;
  fs::path root = fs::temp_directory_path() / ("clive-lsp-watched-" + std::to_string(::getpid()));
  fs::create_directories(root / "lib");
  std::ofstream(root / "lib" / "clive.cl") << "val port = 8080\n";
  const std::string uri = "file://" + (root / "clive.cl").string();
  std::vector<nlohmann::json> published;
  LanguageService service([&](const std::string&, nlohmann::json params) { published.push_back(std::move(params)); },
                          [](std::function<void()>) {}, [](const std::string&) { return false; });
  service.Initialize({{"rootUri", "file://" + root.string()},
                      {"initializationOptions", {{"diagnosticsDelayMs", 0}, {"workspaceDelayMs", 600000}}}});
  service.DidOpen({{"textDocument", {{"uri", uri}, {"version", 1}, {"text", "import lib.{port}\nval p = port + 1\n"}}}});
  service.RunDueWork();
  ASSERT_EQ(published.size(), 1u);
  EXPECT_TRUE(published[0]["diagnostics"].empty());
  std::ofstream(root / "lib" / "clive.cl") << "val prot = 8080\n";
  service.FilesChanged();
  service.RunDueWork();
  ASSERT_EQ(published.size(), 2u);
  EXPECT_EQ(published[1]["diagnostics"][0]["code"], "E0121") << published[1].dump();
  service.Stop();
  fs::remove_all(root);
}

// A random session: `kMessages` random edits (valid and out-of-range
// ranges, fragments of clive, unbalanced braces, astral characters) and
// requests of every kind at random positions, then shutdown and exit.
TEST(RandomSession, AnswersEveryRequestWithoutCrashing) {
  namespace fs = std::filesystem;
  fs::path root = fs::temp_directory_path() / ("clive-lsp-fuzz-" + std::to_string(::getpid()));
  fs::create_directories(root / "lib");
  std::ofstream(root / "lib" / "clive.cl") << "type T { a: Int = 1 }\nval port = 8080\nfn f(x: Int, y: Int = 2): Int = x + y\n";
  std::string text = "import lib.{T, port, f}\nimport clive.model.jvm.{JVM}\nval t = T { a = port }\nval j = JVM { version = f(1, y = 3) }\n";
  std::ofstream(root / "clive.cl") << text;
  const std::string uri = "file://" + (root / "clive.cl").string();

  constexpr int kMessages = 3000;
  std::mt19937 rng(20261124);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  const std::vector<std::string> fragments = {"{", "}", "(", ")", ".", ",", "val ", "x", " = ", "JVM {", "T {", "\n",
                                              "\"", "import ", "lib.", "1.GB", "[", "]", "->", "\xF0\x9F\x98\x80", "when",
                                              "f(", "a = ", "port", "//", "", "copy(", "?", ":", "Int"};
  const std::vector<std::string> positional = {"textDocument/hover", "textDocument/definition", "textDocument/completion",
                                               "textDocument/signatureHelp", "textDocument/references",
                                               "textDocument/prepareRename"};
  std::string input;
  auto send = [&](const nlohmann::json& message) {
    std::string body = message.dump();
    input += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  };
  auto position = [&] { return nlohmann::json{{"line", pick(8)}, {"character", pick(50)}}; };
  send({{"jsonrpc", "2.0"}, {"id", 0}, {"method", "initialize"}, {"params", {{"rootUri", "file://" + root.string()}}}});
  send({{"jsonrpc", "2.0"}, {"method", "textDocument/didOpen"},
        {"params", {{"textDocument", {{"uri", uri}, {"languageId", "clive"}, {"version", 1}, {"text", text}}}}}});
  std::set<int> requests;
  for (int i = 1; i <= kMessages; ++i) {
    nlohmann::json doc = {{"uri", uri}};
    if (pick(40) == 0) {
      // Back to well-formed text now and then, so that requests also meet
      // checked programs, not only syntax errors.
      send({{"jsonrpc", "2.0"}, {"method", "textDocument/didChange"},
            {"params", {{"textDocument", {{"uri", uri}, {"version", i + 1}}}, {"contentChanges", {{{"text", text}}}}}}});
      continue;
    }
    switch (pick(4)) {
      case 0:
      case 1: {
        nlohmann::json start = position();
        nlohmann::json end = pick(3) == 0 ? position() : start;
        nlohmann::json change = {{"range", {{"start", start}, {"end", end}}}, {"text", fragments[pick(static_cast<int>(fragments.size()))]}};
        send({{"jsonrpc", "2.0"}, {"method", "textDocument/didChange"},
              {"params", {{"textDocument", {{"uri", uri}, {"version", i + 1}}}, {"contentChanges", {change}}}}});
        break;
      }
      case 2: {
        nlohmann::json params = {{"textDocument", doc}, {"position", position()}, {"newName", "renamed"},
                                 {"context", {{"includeDeclaration", true}}}};
        send({{"jsonrpc", "2.0"}, {"id", i}, {"method", positional[pick(static_cast<int>(positional.size()))]}, {"params", params}});
        requests.insert(i);
        break;
      }
      default: {
        const char* methods[] = {"textDocument/semanticTokens/full", "textDocument/documentSymbol", "textDocument/formatting",
                                 "textDocument/inlayHint", "workspace/symbol", "textDocument/rename", "textDocument/codeAction"};
        nlohmann::json params = {{"textDocument", doc}, {"query", "p"}, {"position", position()}, {"newName", "renamed"},
                                 {"range", {{"start", position()}, {"end", position()}}},
                                 {"context", {{"diagnostics", nlohmann::json::array()}}}};
        send({{"jsonrpc", "2.0"}, {"id", i}, {"method", methods[pick(7)]}, {"params", params}});
        requests.insert(i);
        break;
      }
    }
  }
  send({{"jsonrpc", "2.0"}, {"id", kMessages + 1}, {"method", "shutdown"}});
  send({{"jsonrpc", "2.0"}, {"method", "exit"}});

  std::istringstream in(input);
  std::ostringstream out;
  EXPECT_EQ(RunLanguageServer(in, out), 0);
  // Every request has its answer (a result or an error), and no answer is
  // an internal error.
  std::string output = out.str();
  std::set<int> answered;
  for (size_t at = output.find("\r\n\r\n"); at != std::string::npos; at = output.find("\r\n\r\n", at)) {
    size_t header = output.rfind("Content-Length: ", at);
    size_t length = std::stoul(output.substr(header + 16, at - header - 16));
    nlohmann::json message = nlohmann::json::parse(output.substr(at + 4, length));
    at += 4 + length;
    if (!message.contains("id") || !message["id"].is_number_integer()) continue;
    answered.insert(message["id"].get<int>());
    if (message.contains("error")) {
      EXPECT_NE(message["error"]["code"], -32603) << message.dump();
    }
  }
  for (int id : requests) EXPECT_TRUE(answered.count(id)) << "request " << id << " was not answered";
  fs::remove_all(root);
}

}  // namespace
}  // namespace clive::lsp
