#include "commands.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "clive/lang/formatter.h"
#include "clive/lsp/diagnostic_json.h"
#include "clive/lsp/language_server.h"
#include "clive/runtime/persist.h"
#include "clive/runtime/workspace.h"
#include "cli_output.h"

namespace clive::cli {

int CheckCommand(const CheckFlags& flags) {
  auto ws = runtime::DiscoverWorkspace(flags.target);
  if (!ws.ok()) return Fail(ws.status());
  auto report = runtime::CheckWorkspace(*ws);
  if (!report.ok()) return Fail(report.status());
  if (flags.json) {
    nlohmann::ordered_json out;
    out["modules"] = report->program->size();
    out["errors"] = report->error_count;
    out["diagnostics"] = nlohmann::ordered_json::array();
    for (const auto& d : report->diagnostics) out["diagnostics"].push_back(lsp::ToCliJson(d));
    std::cout << out.dump(2) << "\n";
  } else {
    for (const auto& d : report->diagnostics) std::cerr << lang::Render(d);
    size_t modules = report->program->size();
    std::cerr << "clivec: checked " << Plural(modules, "module") << ": "
              << (report->error_count == 0 ? std::string("no errors") : Plural(report->error_count, "error"))
              << "\n";
  }
  return report->error_count > 0 ? 1 : 0;
}

int LspCommand() {
  // The protocol is binary-exact (Content-Length counts bytes): no
  // synchronisation with C stdio, which would only slow large messages.
  std::ios::sync_with_stdio(false);
  return lsp::RunLanguageServer(std::cin, std::cout);
}

namespace {

namespace fs = std::filesystem;

// Every *.cl file below `dir`, in a stable order. Hidden directories (the
// store, VCS data) and hidden files are skipped, as the workspace does.
Status CollectSources(const fs::path& dir, std::vector<fs::path>& files) {
  std::error_code ec;
  std::vector<fs::path> found;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (!name.empty() && name.front() == '.') {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (it->path().extension() == ".cl" && it->is_regular_file(ec)) found.push_back(it->path());
  }
  if (ec) return Status::IOError(dir.string() + ": " + ec.message());
  std::sort(found.begin(), found.end());
  files.insert(files.end(), found.begin(), found.end());
  return Status::Ok();
}

// Replaces `path`'s contents by writing a temporary file beside it and
// renaming it over the original, so that a crash never leaves half a file.
Status WriteAtomically(const fs::path& path, const std::string& text) {
  std::error_code ec;
  fs::path target = fs::is_symlink(path, ec) ? fs::canonical(path, ec) : path;
  if (ec) return Status::IOError(path.string() + ": " + ec.message());
  fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  std::string temp = (dir / ("." + target.filename().string() + ".fmt-XXXXXX")).string();
  int fd = mkstemp(temp.data());
  if (fd < 0) return Status::IOError("cannot write " + path.string() + ": " + std::strerror(errno));
  auto fail = [&](const char* what) {
    Status status = Status::IOError("cannot " + std::string(what) + " " + path.string() + ": " +
                                    std::strerror(errno));
    close(fd);
    unlink(temp.c_str());
    return status;
  };
  struct stat st;
  if (stat(target.c_str(), &st) == 0 && fchmod(fd, st.st_mode & 07777) != 0) return fail("write");
  for (size_t done = 0; done < text.size();) {
    ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("write");
    done += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0) return fail("write");
  if (close(fd) != 0) {
    unlink(temp.c_str());
    return Status::IOError("cannot write " + path.string() + ": " + std::strerror(errno));
  }
  if (rename(temp.c_str(), target.c_str()) != 0) {
    Status status = Status::IOError("cannot replace " + path.string() + ": " + std::strerror(errno));
    unlink(temp.c_str());
    return status;
  }
  return Status::Ok();
}

}  // namespace

int FmtCommand(const FmtFlags& flags) {
  int exit_code = 0;
  std::vector<fs::path> files;
  for (const std::string& arg : flags.paths) {
    std::error_code ec;
    fs::file_status st = fs::status(arg, ec);
    if (!fs::exists(st)) {
      exit_code = Fail(Status::NotFound(arg + ": no such file or directory"));
    } else if (fs::is_directory(st)) {
      if (Status s = CollectSources(arg, files); !s.ok()) exit_code = Fail(s);
    } else {
      files.push_back(arg);
    }
  }
  if (flags.to_stdout && files.size() != 1 && exit_code == 0) {
    std::cerr << "clivec: --stdout formats exactly one file, but " << files.size()
              << " were given (see clivec --help)\n";
    return 2;
  }

  for (const fs::path& file : files) {
    auto source = lang::SourceFile::Read(file);
    if (!source.ok()) {
      exit_code = Fail(source.status());
      continue;
    }
    lang::DiagnosticSink sink;
    auto formatted = lang::FormatSource(*source, sink);
    if (!formatted.ok()) {
      // Syntax errors are reported as `clivec check` reports them; the file
      // is left as it is.
      for (const auto& d : sink.diagnostics()) std::cerr << lang::Render(d);
      exit_code = Fail(formatted.status());
      continue;
    }
    if (flags.to_stdout) {
      std::cout << *formatted;
      continue;
    }
    if (*formatted == source->text()) continue;
    if (flags.check) {
      std::cout << file.string() << "\n";
      exit_code = 1;
      continue;
    }
    if (Status s = WriteAtomically(file, *formatted); !s.ok()) {
      exit_code = Fail(s);
      continue;
    }
    std::cout << file.string() << "\n";
  }
  return exit_code;
}

}  // namespace clive::cli
