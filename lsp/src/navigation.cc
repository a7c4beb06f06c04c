// Hover, go-to-definition, find-references and rename.
#include <map>
#include <set>

#include "language_features.h"
#include "symbol_index.h"
#include "text.h"

namespace clive::lsp {

using compiler::CheckedModule;
using compiler::Program;
using json = nlohmann::json;
using lang::SourceRange;

json Hover(const Program& program, const CheckedModule& module, uint32_t offset) {
  std::optional<Found> found = FindAt(program, module, offset);
  if (!found) return nullptr;
  std::string code = found->decl.signature;
  if (code.empty()) code = found->type;
  else if (!found->type.empty() && code.find(found->type) == std::string::npos) code += "\n// " + found->type;
  if (code.empty()) return nullptr;
  std::string text = "```clive\n" + code + "\n```";
  if (!found->decl.doc.empty()) text += "\n\n" + found->decl.doc;
  json hover = {{"contents", {{"kind", "markdown"}, {"value", text}}}};
  if (found->at.begin < found->at.end) hover["range"] = RangeJson(module.file->text(), found->at.begin, found->at.end);
  return hover;
}

json Definition(const Program& program, const CheckedModule& module, uint32_t offset) {
  std::optional<Found> found = FindAt(program, module, offset);
  if (!found || found->decl.module == nullptr) return nullptr;
  return Location(*found->decl.module, found->decl.range);
}

namespace {

// Every occurrence of `target` in `program`, by module (in the order of
// their file paths), sorted and unique.
struct ModuleOrder {
  bool operator()(const CheckedModule* a, const CheckedModule* b) const { return a->file->path() < b->file->path(); }
};
std::map<const CheckedModule*, std::set<std::pair<uint32_t, uint32_t>>, ModuleOrder> Occurrences(
    const Program& program, const Decl& target) {
  std::map<const CheckedModule*, std::set<std::pair<uint32_t, uint32_t>>, ModuleOrder> out;
  for (compiler::ModuleId id : program.order()) {
    const CheckedModule& m = program.module(id);
    ForEachOccurrence(program, m, [&](SourceRange at, const Decl& decl) {
      if (decl.SameAs(target)) out[&m].insert({at.begin, at.end});
    });
  }
  return out;
}

}  // namespace

json References(const Program& program, const CheckedModule& module, uint32_t offset, bool include_declaration) {
  std::optional<Found> found = FindAt(program, module, offset);
  if (!found || found->decl.module == nullptr) return nullptr;
  const Decl& target = found->decl;
  json out = json::array();
  for (const auto& [m, ranges] : Occurrences(program, target)) {
    for (const auto& [begin, end] : ranges) {
      bool is_declaration = m == target.module && begin == target.range.begin;
      if (is_declaration && !include_declaration) continue;
      out.push_back(Location(*m, {begin, end}));
    }
  }
  return out;
}

bool IsIdentifier(std::string_view name) {
  static const std::set<std::string_view> kKeywords = {"import", "as",   "type", "enum", "val",  "fn",   "if",
                                                       "else",   "when", "for",  "in",   "true", "false", "null"};
  if (name.empty() || kKeywords.count(name)) return false;
  auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!letter(name[0])) return false;
  for (char c : name) {
    if (!letter(c) && !(c >= '0' && c <= '9')) return false;
  }
  return true;
}

RenameTarget PrepareRename(const Program& program, const CheckedModule& module, uint32_t offset,
                           const Editable& editable) {
  RenameTarget target;
  std::optional<Found> found = FindAt(program, module, offset);
  if (!found || found->decl.module == nullptr) {
    target.refusal = "there is no symbol to rename here";
    return target;
  }
  std::string name(module.file->Slice(found->at));
  const Decl& decl = found->decl;
  if (decl.kind == DeclKind::kModule) {
    target.refusal = "cannot rename module `" + name + "`: a module is named by its directory; rename that instead";
  } else if (!editable(decl.module->file->path())) {
    target.refusal = "cannot rename `" + name + "`: it is declared in the standard library (" +
                     decl.module->file->path() + "), which is not part of the workspace";
  } else if (decl.kind == DeclKind::kEnumCase && name.find('.') != std::string::npos) {
    target.refusal = "cannot rename `" + name + "` here; rename it at its case name";
  }
  if (target.refusal.empty()) {
    target.range = RangeJson(module.file->text(), found->at.begin, found->at.end);
    target.placeholder = name;
  }
  return target;
}

json RenameEdit(const Program& program, const CheckedModule& module, uint32_t offset, const std::string& new_name) {
  std::optional<Found> found = FindAt(program, module, offset);
  json changes = json::object();
  if (!found || found->decl.module == nullptr) return {{"changes", changes}};
  std::string old_name(found->decl.module->file->Slice(found->decl.range));
  for (const auto& [m, ranges] : Occurrences(program, found->decl)) {
    json edits = json::array();
    for (const auto& [begin, end] : ranges) {
      // An import alias (`x as y`) is used by its own name: leave it.
      if (m->file->Slice({begin, end}) != old_name) continue;
      edits.push_back({{"range", RangeJson(m->file->text(), begin, end)}, {"newText", new_name}});
    }
    if (!edits.empty()) changes[PathToUri(m->file->path())] = std::move(edits);
  }
  return {{"changes", std::move(changes)}};
}

}  // namespace clive::lsp
