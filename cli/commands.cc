#include "commands.h"

#include <iostream>

#include "clive/lsp/diagnostic_json.h"
#include "clive/lsp/language_server.h"
#include "clive/runtime/persist.h"
#include "clive/runtime/workspace.h"

namespace clive::cli {
namespace {

int Fail(const Status& status) {
  std::cerr << "clivec: error: " << status.message() << "\n";
  return 1;
}

std::string Plural(size_t n, const char* noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

}  // namespace

int RunCommand(const RunFlags& flags) {
  runtime::RunOptions options;
  options.target = flags.target;
  if (flags.store) options.store_dir = *flags.store;
  auto report = runtime::Run(options);
  if (!report.ok()) return Fail(report.status());

  size_t errors = 0;
  for (const auto& d : report->diagnostics) errors += d.severity == lang::Severity::kError;

  if (flags.json) {
    nlohmann::ordered_json out;
    out["store"] = report->store_dir.string();
    out["committed"] = report->committed;
    out["cells"] = nlohmann::ordered_json::array();
    for (const auto& cell : report->cells) {
      nlohmann::ordered_json c;
      c["cell"] = cell.address;
      c["type"] = cell.type;
      c["value"] = runtime::ToJson(cell.value);
      if (report->committed) {
        c["ref"] = cell.commit.ref;
        c["id"] = cell.commit.value_id.Hex();
        c["commit"] = cell.commit.commit_id.Hex();
        c["changed"] = cell.commit.changed;
      }
      out["cells"].push_back(std::move(c));
    }
    out["diagnostics"] = nlohmann::ordered_json::array();
    for (const auto& d : report->diagnostics) out["diagnostics"].push_back(lsp::ToCliJson(d));
    std::cout << out.dump(2) << "\n";
    return errors > 0 ? 1 : 0;
  }

  for (const auto& d : report->diagnostics) std::cerr << lang::Render(d);
  for (const auto& cell : report->cells) {
    std::cout << cell.address << " = " << runtime::Format(cell.value) << "\n";
  }
  if (errors > 0) {
    std::cerr << "clivec: " << Plural(errors, "error") << "; nothing was committed\n";
    return 1;
  }
  size_t changed = 0;
  for (const auto& cell : report->cells) changed += cell.commit.changed;
  std::cerr << "clivec: " << Plural(report->cells.size(), "cell") << " in " << report->store_dir.string()
            << " (" << changed << " changed)\n";
  return 0;
}

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

int GetCommand(const GetFlags& flags) {
  std::filesystem::path store_dir;
  if (flags.store) {
    store_dir = *flags.store;
    std::error_code ec;
    if (!std::filesystem::is_directory(store_dir, ec)) {
      return Fail(Status::NotFound("no clive store at " + store_dir.string()));
    }
  } else {
    auto found = runtime::FindStore(std::filesystem::current_path());
    if (!found.ok()) return Fail(found.status());
    store_dir = *found;
  }
  store::StoreOptions options;
  options.create_if_missing = false;
  auto store = store::Store::Open(store_dir, options);
  if (!store.ok()) return Fail(store.status());
  auto cell = runtime::ReadCell(**store, flags.cell);
  if (!cell.ok()) return Fail(cell.status());

  if (flags.json) {
    nlohmann::ordered_json out;
    out["cell"] = flags.cell;
    out["type"] = runtime::TypeName(cell->value);
    out["value"] = runtime::ToJson(cell->value);
    out["id"] = cell->value_id.Hex();
    out["commit"] = cell->commit_id.Hex();
    std::cout << out.dump(2) << "\n";
  } else {
    std::cout << flags.cell << " = " << runtime::Format(cell->value) << "\n";
  }
  return 0;
}

}  // namespace clive::cli
