#include "clive/runtime/inputs.h"

#include <algorithm>
#include <set>

#include "clive/runtime/error_codes.h"
#include "input_shapes.h"
#include "synthetic.h"

namespace clive::runtime {
namespace {

using compiler::CheckedModule;
using compiler::Program;
using compiler::TypeId;

constexpr const char* kDefaultsType = "__CliveDefaults";

std::string Quote(std::string_view s) { return "`" + std::string(s) + "`"; }

std::string AddressOf(const CheckedModule& module, std::string_view cell) { return CellAddress(module.path, cell); }

std::string SetTrailer(const char* how) { return std::string(kSetTrailer) + ": " + how + "\n"; }

struct LocatedCell {
  const CheckedModule* module = nullptr;
  uint32_t cell = 0;
  const compiler::Cell& info() const { return module->cells[cell]; }
  // The declared type as written: valid in the cell's module.
  std::string_view TypeText() const {
    const lang::ValDecl& val = module->tree->vals[info().val_index];
    return val.type == lang::kNone ? std::string_view() : module->file->Slice(module->tree->type_refs[val.type].range);
  }
};

Expected<LocatedCell> FindCell(const Program& program, std::string_view address) {
  size_t dot = address.rfind('.');
  std::string module_path(dot == std::string_view::npos ? "" : address.substr(0, dot));
  std::string_view name = dot == std::string_view::npos ? address : address.substr(dot + 1);
  const CheckedModule* module = program.Find(module_path);
  if (module != nullptr) {
    for (uint32_t c = 0; c < module->cells.size(); ++c) {
      if (module->cells[c].name == name) return LocatedCell{module, c};
    }
  }
  return Status::NotFound("no cell named '" + std::string(address) + "' in the workspace" +
                          (module == nullptr && !module_path.empty() ? " (no module '" + module_path + "')" : ""));
}

// The latest version of the cell at `address`, if it was set rather than
// computed.
Expected<std::optional<StoredCell>> ReadSetValue(store::Store& store, const std::string& address) {
  auto stored = ReadCell(store, address);
  if (!stored.ok()) {
    if (stored.status().IsNotFound()) return std::optional<StoredCell>();
    return stored.status();
  }
  auto commit = store.ReadCommit(stored->commit_id);
  if (!commit.ok()) return commit.status();
  if (commit->message.find("\n" + std::string(kSetTrailer) + ": ") == std::string::npos) {
    return std::optional<StoredCell>();
  }
  return std::optional<StoredCell>(std::move(*stored));
}

std::string RenderAll(const std::vector<lang::Diagnostic>& diagnostics) {
  std::string out;
  for (const auto& d : diagnostics) out += lang::Render(d);
  return out;
}

// The defaults of record fields, each evaluated in the scope of its type:
// a copy of the fields is declared in a type nested in the record's (which
// sees the same names), and a value of that type built with `{}`.
Expected<Defaults> EvaluateDefaults(const Workspace& workspace, const Program& program,
                                    const std::set<DefaultKey>& needed) {
  std::map<TypeId, std::vector<uint32_t>> by_type;
  for (const auto& [type, field] : needed) by_type[type].push_back(field);
  SyntheticEvaluation synthetic;
  std::vector<std::pair<TypeId, size_t>> cells;  // record type, its cell
  for (const auto& [type, fields] : by_type) {
    const compiler::RecordType& record = program.types.record(type);
    const CheckedModule& module = program.module(record.module);
    const lang::TypeDecl& decl = module.tree->type_decls[record.decl];
    std::string body = "\ntype " + std::string(kDefaultsType) + " {\n";
    for (uint32_t f : fields) {
      const compiler::RecordField& field = record.fields[f];
      const lang::FieldDecl* source = nullptr;
      for (uint32_t i = decl.fields.first; i < decl.fields.first + decl.fields.count; ++i) {
        if (module.tree->field_decls[i].name == field.name) source = &module.tree->field_decls[i];
      }
      if (source == nullptr || source->type == lang::kNone) {
        return Status::Internal("no declaration of field " + Quote(field.name) + " of " + Quote(record.name));
      }
      body += std::string(field.name) + ": " + std::string(module.file->Slice(module.tree->type_refs[source->type].range)) +
              " = (" + std::string(module.file->Slice(module.tree->exprs[field.default_value].range)) + ")\n";
    }
    body += "}\n";
    // Before the type's closing brace (its range may end in a separator).
    std::string_view text = module.file->text();
    size_t close = text.rfind('}', decl.range.end == 0 ? 0 : decl.range.end - 1);
    if (close == std::string_view::npos || close < decl.range.begin) {
      return Status::Internal("cannot find the end of type " + Quote(record.name));
    }
    synthetic.Insert(module.path, static_cast<uint32_t>(close), std::move(body));
    std::string nested = record.name + "." + kDefaultsType;
    cells.emplace_back(type, synthetic.AddCell(module.path, nested, nested + " {}"));
  }
  auto result = synthetic.Evaluate(workspace, program);
  if (!result.ok()) return result.status();
  Defaults defaults;
  for (const auto& [type, cell] : cells) {
    const auto& value = result->cells[cell].value;
    if (!value) {
      return Status::EvaluationError("cannot evaluate the defaults of fields of " +
                                     Quote(program.types.record(type).name) + ":\n" + RenderAll(result->diagnostics));
    }
    const std::vector<uint32_t>& fields = by_type[type];
    for (size_t i = 0; i < fields.size() && i < value->fields.size(); ++i) {
      defaults[{type, fields[i]}] = value->fields[i].second;
    }
  }
  return defaults;
}

// Conforms `value` to `type`, evaluating the defaults it needs.
Expected<Value> ConformWithDefaults(const Value& value, TypeId type, const Workspace& workspace,
                                    const Program& program, std::vector<ShapeIssue>& issues) {
  std::set<DefaultKey> needed;
  Value conformed = Conform(value, type, program.types, {}, needed, issues);
  if (needed.empty() || !issues.empty()) return conformed;
  auto defaults = EvaluateDefaults(workspace, program, needed);
  if (!defaults.ok()) return defaults.status();
  return Conform(value, type, program.types, *defaults, needed, issues);
}

// ---- clivec set ----

// Moves diagnostics inside the synthesized cell's expression onto the
// "<value>" file that holds the argument alone, naming the cell being set
// instead of the synthesized one.
lang::Diagnostic OntoValue(lang::Diagnostic d, const SyntheticEvaluation::Result::Cell& cell,
                           const lang::SourceFile& value_file, const std::string& address) {
  for (size_t at; (at = d.message.find(Quote(cell.name))) != std::string::npos;) {
    d.message.replace(at, cell.name.size() + 2, Quote(address));
  }
  auto inside = [&](const lang::SourceFile* file, lang::SourceRange r) {
    return file == cell.file && r.begin >= cell.expr_range.begin && r.end <= cell.expr_range.end;
  };
  auto shift = [&](lang::SourceRange r) {
    return lang::SourceRange{r.begin - cell.expr_range.begin, r.end - cell.expr_range.begin};
  };
  if (inside(d.file, d.range)) {
    d.file = &value_file;
    d.range = shift(d.range);
  }
  for (auto& note : d.notes) {
    if (inside(note.file, note.range)) {
      note.file = &value_file;
      note.range = shift(note.range);
    }
  }
  return d;
}

// The argument as a clive expression of the cell's declared type, checked
// and evaluated where the cell is declared.
std::optional<Value> ValueFromLiteral(const Workspace& workspace, const LocatedCell& target, SetReport& report) {
  SyntheticEvaluation synthetic;
  size_t index = synthetic.AddCell(target.module->path, std::string(target.TypeText()), report.value_file->text());
  auto result = synthetic.Evaluate(workspace, *report.program);
  if (!result.ok()) {
    report.diagnostics.push_back({lang::Severity::kError, codes::kSetValueMismatch, report.value_file.get(),
                                  {0, static_cast<uint32_t>(report.value_file->text().size())},
                                  result.status().message(), {}});
    return std::nullopt;
  }
  const auto& cell = result->cells[index];
  const std::string address = AddressOf(*target.module, target.info().name);
  for (const auto& d : result->diagnostics) {
    report.diagnostics.push_back(OntoValue(d, cell, *report.value_file, address));
  }
  report.value_program = std::move(result->program);
  if (!cell.reads.empty()) {
    const compiler::CellId& read = cell.reads.front();
    const CheckedModule& module = report.value_program->module(read.module);
    report.diagnostics.push_back({lang::Severity::kError, codes::kSetValueMismatch, report.value_file.get(),
                                  {0, static_cast<uint32_t>(report.value_file->text().size())},
                                  "the value of an input cell cannot read other cells, but this reads " +
                                      Quote(AddressOf(module, module.cells[read.cell].name)),
                                  {}});
    return std::nullopt;
  }
  return cell.value;
}

}  // namespace

Expected<SetReport> SetInput(const SetOptions& options) {
  auto ws = DiscoverWorkspace(options.target);
  if (!ws.ok()) return ws.status();
  SetReport report;
  report.store_dir = options.store_dir.value_or(ws->root / kStoreDirName);
  auto checked = CheckWorkspace(*ws);
  if (!checked.ok()) return checked.status();
  report.program = std::move(checked->program);
  report.diagnostics = std::move(checked->diagnostics);
  if (checked->error_count > 0) return report;
  const Program& program = *report.program;

  auto target = FindCell(program, options.cell);
  if (!target.ok()) return target.status();
  const compiler::Cell& cell = target->info();
  const std::string address = AddressOf(*target->module, cell.name);
  report.type = program.types.Name(cell.type);
  if (!cell.input) {
    report.diagnostics.push_back({lang::Severity::kError, codes::kNotAnInput, target->module->file.get(),
                                  cell.name_range,
                                  "cannot set " + Quote(address) +
                                      ": it is computed from its expression; only `@input val` cells can be set",
                                  {}});
    return report;
  }

  report.value_file = std::make_unique<lang::SourceFile>("<value>", options.value);
  const lang::SourceRange whole{0, static_cast<uint32_t>(options.value.size())};
  std::optional<Value> value;
  auto json = nlohmann::json::parse(options.value, nullptr, /*allow_exceptions=*/false);
  if (!json.is_discarded()) {
    std::vector<ShapeIssue> issues;
    Value read = FromJson(json, cell.type, program.types, issues);
    if (issues.empty()) {
      auto conformed = ConformWithDefaults(read, cell.type, *ws, program, issues);
      if (!conformed.ok()) return conformed.status();
      value = std::move(*conformed);
    }
    for (const ShapeIssue& issue : issues) {
      lang::Diagnostic d{lang::Severity::kError, codes::kSetValueMismatch, report.value_file.get(), whole,
                         (issue.path.empty() ? "" : "not a value of type " + Quote(report.type) + ": ") +
                             Describe(issue, program.types),
                         {}};
      d.notes.push_back({target->module->file.get(), cell.name_range,
                         Quote(address) + " is declared here as " + Quote(report.type)});
      report.diagnostics.push_back(std::move(d));
    }
  } else {
    size_t before = report.diagnostics.size();
    value = ValueFromLiteral(*ws, *target, report);
    // `clivec set name web` reads `web` as a name; the shell ate the quotes.
    TypeId text_type = program.types.NonOptional(cell.type);
    if (!value && report.diagnostics.size() > before &&
        (text_type == compiler::TypeTable::kString || text_type == compiler::TypeTable::kPath)) {
      report.diagnostics[before].notes.push_back(
          {nullptr, {}, "a string value is quoted, in JSON or clive: '\"" + options.value + "\"'"});
    }
  }
  bool has_errors = std::any_of(report.diagnostics.begin(), report.diagnostics.end(),
                                [](const lang::Diagnostic& d) { return d.severity == lang::Severity::kError; });
  if (has_errors || !value) return report;

  auto store = store::Store::Open(report.store_dir);
  if (!store.ok()) return store.status();
  auto previous = ReadSetValue(**store, address);
  if (!previous.ok()) return previous.status();
  auto source_blob = (*store)->WriteObject(store::ObjectType::kBlob, target->module->file->text());
  if (!source_blob.ok()) return source_blob.status();
  CellUpdate update{address, *value, *source_blob, SetTrailer("cli"), /*commit_unchanged=*/!previous->has_value()};
  auto committed = CommitCells(**store, {update});
  if (!committed.ok()) return committed.status();
  report.value = std::move(*value);
  report.commit = std::move(committed->front());
  report.committed = true;
  return report;
}

// ---- stored values brought up to date; set values of input cells for runs ----

namespace {

struct SetCell {
  const CheckedModule* module;
  uint32_t cell;
  std::string address;
  const Value* stored;
  std::vector<ShapeIssue> issues;

  const compiler::Cell& info() const { return module->cells[cell]; }
  std::string Kind() const { return info().input ? "input cell " : "cell "; }
};

// One E0402 per changed declaration, naming every cell it affects.
std::vector<lang::Diagnostic> IncompatibleChanges(const Program& program, const std::vector<SetCell>& cells) {
  using Kind = ShapeIssue::Kind;
  struct Change {
    const SetCell* first;
    const ShapeIssue* issue;
    std::vector<std::string> addresses;
    bool all_inputs = true;
  };
  std::map<std::tuple<int, TypeId, std::string, std::string>, Change> changes;  // in a stable order
  for (const SetCell& cell : cells) {
    for (const ShapeIssue& issue : cell.issues) {
      bool in_field = issue.kind == Kind::kMismatch && !issue.owner_field.empty();
      std::tuple key{static_cast<int>(issue.kind), in_field ? issue.owner : issue.type,
                     in_field ? issue.owner_field : issue.name,
                     issue.kind == Kind::kMismatch && !in_field ? cell.address : ""};
      auto [it, inserted] = changes.try_emplace(key, Change{&cell, &issue, {}});
      it->second.all_inputs = it->second.all_inputs && cell.info().input;
      if (std::find(it->second.addresses.begin(), it->second.addresses.end(), cell.address) ==
          it->second.addresses.end()) {
        it->second.addresses.push_back(cell.address);
      }
    }
  }
  std::vector<lang::Diagnostic> out;
  for (const auto& [key, change] : changes) {
    const ShapeIssue& issue = *change.issue;
    bool plural = change.addresses.size() > 1;
    std::string cells_text = plural ? std::string("the stored values of ") + (change.all_inputs ? "input cells " : "cells ")
                                    : "the stored value of " + change.first->Kind();
    for (size_t i = 0; i < change.addresses.size(); ++i) cells_text += (i ? ", " : "") + Quote(change.addresses[i]);
    lang::Diagnostic d{lang::Severity::kError, codes::kIncompatibleChange, nullptr, {}, {}, {}};
    auto at_record = [&](TypeId type) {
      const compiler::RecordType& record = program.types.record(type);
      const CheckedModule& module = program.module(record.module);
      d.file = module.file.get();
      return std::pair{&record, &module};
    };
    switch (issue.kind) {
      case Kind::kUnknownField: {
        auto [record, module] = at_record(issue.type);
        d.range = module->tree->type_decls[record->decl].name_range;
        d.message = "incompatible change to type " + Quote(record->name) + ": field " + Quote(issue.name) +
                    " was removed, but " + cells_text + (plural ? " have it" : " has it");
        break;
      }
      case Kind::kMissingField: {
        auto [record, module] = at_record(issue.type);
        d.range = record->fields[record->FieldIndex(issue.name)].name_range;
        d.message = "incompatible change to type " + Quote(record->name) + ": new field " + Quote(issue.name) +
                    " has no default, and " + cells_text + (plural ? " lack it" : " lacks it");
        break;
      }
      case Kind::kUnknownCase: {
        const compiler::EnumType& e = program.types.enum_type(issue.type);
        const CheckedModule& module = program.module(e.module);
        d.file = module.file.get();
        d.range = module.tree->enum_decls[e.decl].name_range;
        d.message = "incompatible change to enum " + Quote(e.name) + ": case " + Quote(issue.name) +
                    " was removed, but " + cells_text + (plural ? " hold it" : " holds it");
        break;
      }
      case Kind::kMismatch:
        if (!issue.owner_field.empty()) {
          auto [record, module] = at_record(issue.owner);
          d.range = record->fields[record->FieldIndex(issue.owner_field)].name_range;
          d.message = "incompatible change to type " + Quote(record->name) + ": field " + Quote(issue.owner_field) +
                      " is now " + Quote(program.types.Name(record->fields[record->FieldIndex(issue.owner_field)].type)) +
                      ", but " + cells_text + (plural ? " hold " : " holds ") + issue.found;
        } else {
          const compiler::Cell& info = change.first->info();
          d.file = change.first->module->file.get();
          d.range = info.name_range;
          d.message = "incompatible change to " + change.first->Kind() + Quote(change.first->address) + ": it is now " +
                      Quote(program.types.Name(info.type)) + ", but its stored value " +
                      (issue.path.empty() ? "is " + issue.found : "holds " + issue.found + " at " + Quote(issue.path));
        }
        break;
    }
    for (const SetCell& cell : cells) {
      if (std::find(change.addresses.begin(), change.addresses.end(), cell.address) == change.addresses.end()) continue;
      if (d.file == cell.module->file.get() && d.range.begin == cell.module->cells[cell.cell].name_range.begin) continue;
      d.notes.push_back({cell.module->file.get(), cell.info().name_range,
                         cell.info().input ? "input cell " + Quote(cell.address) + " was set with `clivec set`"
                                           : "cell " + Quote(cell.address) + " holds a value stored before the change"});
    }
    out.push_back(std::move(d));
  }
  if (!out.empty()) {
    out.back().notes.push_back({nullptr, {}, "restore the declarations, give new fields defaults, or `clivec set` "
                                             "the cells again"});
  }
  return out;
}

}  // namespace

Expected<UpToDateValues> BringUpToDate(const Workspace& workspace, const Program& program,
                                       const std::vector<StoredValue>& stored) {
  std::vector<SetCell> cells;
  std::set<DefaultKey> needed;
  for (const StoredValue& s : stored) {
    const CheckedModule& module = program.module(s.cell.module);
    SetCell cell{&module, s.cell.cell, AddressOf(module, module.cells[s.cell.cell].name), &s.value, {}};
    Conform(s.value, cell.info().type, program.types, {}, needed, cell.issues);
    cells.push_back(std::move(cell));
  }
  UpToDateValues out;
  out.diagnostics = IncompatibleChanges(program, cells);
  if (!out.diagnostics.empty()) return out;
  Defaults defaults;
  if (!needed.empty()) {
    auto evaluated = EvaluateDefaults(workspace, program, needed);
    if (!evaluated.ok()) return evaluated.status();
    defaults = std::move(*evaluated);
  }
  for (SetCell& cell : cells) {
    out.values.push_back(Conform(*cell.stored, cell.info().type, program.types, defaults, needed, cell.issues));
  }
  return out;
}

Expected<InputValues> LoadInputValues(store::Store& store, const Workspace& workspace, const Program& program) {
  std::vector<StoredValue> stored;
  for (compiler::ModuleId id : program.order()) {
    const CheckedModule& module = program.module(id);
    for (uint32_t c = 0; c < module.cells.size(); ++c) {
      if (!module.cells[c].input) continue;
      auto set = ReadSetValue(store, AddressOf(module, module.cells[c].name));
      if (!set.ok()) return set.status();
      if (set->has_value()) stored.push_back({{id, c}, std::move((*set)->value)});
    }
  }
  auto up_to_date = BringUpToDate(workspace, program, stored);
  if (!up_to_date.ok()) return up_to_date.status();
  InputValues out;
  out.diagnostics = std::move(up_to_date->diagnostics);
  for (size_t i = 0; i < up_to_date->values.size(); ++i) {
    const compiler::CellId& id = stored[i].cell;
    out.presets[id.module].push_back({id.cell, std::move(up_to_date->values[i]), SetTrailer("upgraded")});
  }
  return out;
}

const PresetCell* InputValues::Find(compiler::ModuleId module, uint32_t cell) const {
  auto it = presets.find(module);
  if (it == presets.end()) return nullptr;
  for (const PresetCell& preset : it->second) {
    if (preset.cell == cell) return &preset;
  }
  return nullptr;
}

}  // namespace clive::runtime
