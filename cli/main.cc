// clivec: the clive driver. Thin by design: it parses flags and calls the
// libraries; everything it does is reachable from them.
#include <iostream>

#include "CLI/CLI.hpp"
#include "commands.h"

namespace {

constexpr const char* kDescription =
    "clivec - compile, evaluate and store clive.cl spreadsheets of code and data";

}  // namespace

int main(int argc, char** argv) {
  CLI::App app(kDescription, "clivec");
  app.set_version_flag("--version", std::string("clivec ") + CLIVE_VERSION + " (LLVM " +
                                        CLIVE_LLVM_VERSION + ")");
  app.require_subcommand(1, 1);
  app.fallthrough(false);

  clive::cli::RunFlags run;
  CLI::App* run_cmd = app.add_subcommand(
      "run", "Evaluate a workspace (or one .cl file), print every cell and commit it to the store");
  run_cmd->add_option("path", run.target, "Workspace directory or clive.cl file")->required();
  run_cmd->add_option("--store", run.store, "Store directory (default: <workspace>/.clive)");
  run_cmd->add_flag("--json", run.json, "Print cells and diagnostics as JSON");

  clive::cli::CheckFlags check;
  CLI::App* check_cmd = app.add_subcommand(
      "check", "Parse and type-check a workspace (or one .cl file) without running it");
  check_cmd->add_option("path", check.target, "Workspace directory or clive.cl file")->required();
  check_cmd->add_flag("--json", check.json, "Print diagnostics as JSON");

  clive::cli::GetFlags get;
  CLI::App* get_cmd = app.add_subcommand("get", "Print a cell's committed value from the store");
  get_cmd->add_option("cell", get.cell, "Cell address: name, or a.b.name for module a/b")->required();
  get_cmd->add_option("--store", get.store,
                      "Store directory (default: the nearest .clive above the current directory)");
  get_cmd->add_flag("--json", get.json, "Print the value as JSON");

  clive::cli::FmtFlags fmt;
  CLI::App* fmt_cmd = app.add_subcommand(
      "fmt", "Format .cl files in place (a directory: every *.cl below it); see docs/language.md");
  fmt_cmd->add_option("paths", fmt.paths, "Files or directories")->required();
  CLI::Option* fmt_check = fmt_cmd->add_flag(
      "--check", fmt.check, "Rewrite nothing; list the files that would change and exit 1 if any");
  fmt_cmd->add_flag("--stdout", fmt.to_stdout, "Print the formatted file instead (one file only)")
      ->excludes(fmt_check);

  // CLI11 words an unknown command as "a subcommand is required"; name it.
  auto is_command = [&](const std::string& name) {
    for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
      if (sub->get_name() == name) return true;
    }
    return false;
  };
  if (argc > 1 && argv[1][0] != '-' && !is_command(argv[1])) {
    std::cerr << "clivec: unknown command '" << argv[1] << "' (see clivec --help)\n";
    return 2;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help (of the right subcommand) or --version
  } catch (const CLI::ParseError& e) {
    // CLI misuse: one plain line, exit code 2.
    std::string message = e.what();
    if (message.empty()) message = "a command is required";
    std::cerr << "clivec: " << message << " (see clivec --help)\n";
    return 2;
  }

  if (run_cmd->parsed()) return clive::cli::RunCommand(run);
  if (get_cmd->parsed()) return clive::cli::GetCommand(get);
  if (check_cmd->parsed()) return clive::cli::CheckCommand(check);
  if (fmt_cmd->parsed()) return clive::cli::FmtCommand(fmt);
  return 2;
}
