// The clivec subcommands. Each returns the process exit code:
// 0 success, 1 errors in the program or the store, 2 misuse of the CLI.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace clive::cli {

struct RunFlags {
  std::string target;
  std::optional<std::string> store;
  bool json = false;
};
int RunCommand(const RunFlags& flags);

struct CheckFlags {
  std::string target;
  bool json = false;
};
int CheckCommand(const CheckFlags& flags);

struct GetFlags {
  std::string cell;
  std::optional<std::string> store;
  bool json = false;
};
int GetCommand(const GetFlags& flags);

struct FmtFlags {
  std::vector<std::string> paths;  // files, or directories (every *.cl below them)
  bool check = false;              // rewrite nothing; list what would change
  bool to_stdout = false;          // print the one formatted file instead
};
int FmtCommand(const FmtFlags& flags);

}  // namespace clive::cli
