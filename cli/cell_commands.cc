// `clivec get`, `clivec log` and `clivec diff`: reading cells and their
// history from the store (docs/cells.md). Printing only; the reading is
// runtime/history.h.
#include <ctime>
#include <iostream>

#include "clive/runtime/history.h"
#include "clive/runtime/persist.h"
#include "clive/runtime/workspace.h"
#include "cli_output.h"
#include "commands.h"

namespace clive::cli {
namespace {

std::string IsoTime(int64_t seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

// `value` after `prefix`, on one line when it fits on one, else indented
// below it.
std::string Printed(const runtime::Value& value) {
  std::string text = runtime::Format(value, 2);
  return text.find('\n') == std::string::npos ? text : "\n  " + text;
}

}  // namespace

int GetCommand(const GetFlags& flags) {
  auto store = OpenStore(flags.store, /*write=*/false);
  if (!store.ok()) return Fail(store.status());
  auto cell = runtime::ResolveCellPath(**store, flags.cell);
  if (!cell.ok()) return Fail(cell.status());
  auto commit = flags.at ? runtime::ResolveCellRevision(**store, cell->address, *flags.at)
                         : runtime::ResolveCellRevision(**store, cell->address, "HEAD");
  if (!commit.ok()) return Fail(commit.status());
  auto version = runtime::ReadCellVersion(**store, *commit);
  if (!version.ok()) return Fail(version.status());
  runtime::ValueReader reader(**store);
  auto node = reader.Find(version->value, cell->path);
  if (!node.ok()) return Fail(Status::NotFound(cell->address + ": " + node.status().message()));
  auto value = reader.Load(*node);
  if (!value.ok()) return Fail(value.status());

  if (flags.json) {
    nlohmann::ordered_json out;
    out["cell"] = cell->address;
    if (!cell->path.empty()) out["path"] = flags.cell.substr(cell->address.size());
    out["type"] = runtime::TypeName(*value);
    out["value"] = runtime::ToJson(*value);
    out["id"] = node->id.Hex();
    out["commit"] = commit->Hex();
    std::cout << out.dump(2) << "\n";
  } else {
    std::cout << flags.cell << " = " << runtime::Format(*value) << "\n";
  }
  return 0;
}

int CellLogCommand(const CellLogFlags& flags) {
  auto store = OpenStore(flags.store, /*write=*/false);
  if (!store.ok()) return Fail(store.status());
  auto log = runtime::CellLog(**store, flags.cell);
  if (!log.ok()) return Fail(log.status());
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (size_t i = 0; i < log->size(); ++i) {
    const runtime::CellVersion& v = (*log)[i];
    if (flags.json) {
      nlohmann::ordered_json entry;
      entry["commit"] = v.commit.Hex();
      entry["time"] = IsoTime(v.time);
      entry["message"] = v.summary;
      entry["value"] = v.value.id.Hex();
      entry["source"] = v.source ? nlohmann::ordered_json(v.source->Hex()) : nlohmann::ordered_json(nullptr);
      entry["inputs"] = nlohmann::ordered_json::array();
      for (const auto& input : v.inputs) {
        entry["inputs"].push_back({{"cell", input.address}, {"commit", input.commit.Hex()}});
      }
      entry["trailers"] = nlohmann::ordered_json::object();
      for (const auto& [key, value] : v.trailers) entry["trailers"][key] = value;
      out.push_back(std::move(entry));
      continue;
    }
    if (i > 0) std::cout << "\n";
    std::cout << "commit " << v.commit.Hex() << "\n" << "Date:   " << IsoTime(v.time) << "\n";
    if (v.source) std::cout << "Source: " << v.source->Hex() << "\n";
    for (const auto& input : v.inputs) std::cout << "Input:  " << input.address << " " << input.commit.Hex() << "\n";
    for (const auto& [key, value] : v.trailers) std::cout << key << ": " << value << "\n";
    std::cout << "\n    " << v.summary << "\n";
  }
  if (flags.json) std::cout << out.dump(2) << "\n";
  return 0;
}

int DiffCommand(const DiffFlags& flags) {
  auto store = OpenStore(flags.store, /*write=*/false);
  if (!store.ok()) return Fail(store.status());
  auto from = runtime::ResolveCellRevision(**store, flags.cell, flags.from);
  if (!from.ok()) return Fail(from.status());
  auto to = runtime::ResolveCellRevision(**store, flags.cell, flags.to);
  if (!to.ok()) return Fail(to.status());
  auto before = runtime::ReadCellVersion(**store, *from);
  if (!before.ok()) return Fail(before.status());
  auto after = runtime::ReadCellVersion(**store, *to);
  if (!after.ok()) return Fail(after.status());
  auto changes = runtime::DiffValues(**store, before->value, after->value);
  if (!changes.ok()) return Fail(changes.status());

  using Kind = runtime::ValueChange::Kind;
  if (flags.json) {
    nlohmann::ordered_json out;
    out["cell"] = flags.cell;
    out["from"] = from->Hex();
    out["to"] = to->Hex();
    out["changes"] = nlohmann::ordered_json::array();
    for (const runtime::ValueChange& c : *changes) {
      nlohmann::ordered_json change;
      change["path"] = flags.cell + c.path;
      change["change"] = c.kind == Kind::kAdded ? "added" : c.kind == Kind::kRemoved ? "removed" : "changed";
      if (c.before) change["before"] = runtime::ToJson(*c.before);
      if (c.after) change["after"] = runtime::ToJson(*c.after);
      out["changes"].push_back(std::move(change));
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  for (const runtime::ValueChange& c : *changes) {
    std::string path = flags.cell + c.path;
    switch (c.kind) {
      case Kind::kAdded: std::cout << "+ " << path << ": " << Printed(*c.after) << "\n"; break;
      case Kind::kRemoved: std::cout << "- " << path << ": " << Printed(*c.before) << "\n"; break;
      case Kind::kChanged: {
        std::string old_text = Printed(*c.before), new_text = Printed(*c.after);
        if (old_text.find('\n') == std::string::npos && new_text.find('\n') == std::string::npos) {
          std::cout << "~ " << path << ": " << old_text << " -> " << new_text << "\n";
        } else {
          std::cout << "~ " << path << ":\n  before:" << (old_text[0] == '\n' ? "" : " ") << old_text
                    << "\n  after:" << (new_text[0] == '\n' ? "" : " ") << new_text << "\n";
        }
      }
    }
  }
  return 0;
}

}  // namespace clive::cli
