// `clivec set <cell> <value> [workspace]`: commits a value of an input cell
// (runtime/inputs.h does the work).
#include <iostream>

#include "clive/runtime/inputs.h"
#include "commands.h"

namespace clive::cli {

int SetCommand(const SetFlags& flags) {
  runtime::SetOptions options;
  options.target = flags.workspace;
  if (flags.store) options.store_dir = *flags.store;
  options.cell = flags.cell;
  options.value = flags.value;
  auto report = runtime::SetInput(options);
  if (!report.ok()) {
    std::cerr << "clivec: error: " << report.status().message() << "\n";
    return 1;
  }
  size_t errors = 0;
  for (const auto& d : report->diagnostics) {
    std::cerr << lang::Render(d);
    errors += d.severity == lang::Severity::kError;
  }
  if (!report->committed) {
    std::cerr << "clivec: " << errors << (errors == 1 ? " error" : " errors") << "; nothing was committed\n";
    return 1;
  }
  std::cout << report->commit.address << " = " << runtime::Format(report->value) << "\n";
  std::cerr << "clivec: set " << report->commit.address << " in " << report->store_dir.string() << " ("
            << (report->commit.changed ? "commit " + report->commit.commit_id.Hex().substr(0, 12) : "unchanged")
            << ")\n";
  return 0;
}

}  // namespace clive::cli
