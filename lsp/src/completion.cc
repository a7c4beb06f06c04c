// Completion: from the text before the cursor (module paths after `import`,
// type names after `name:`), else from the module checked with a marker
// identifier at the cursor (members, builder fields, named arguments, enum
// cases, names in scope, keyword snippets).
#include <algorithm>
#include <cctype>
#include <set>

#include "language_features.h"
#include "symbol_index.h"

namespace clive::lsp {
namespace {

namespace fs = std::filesystem;
using compiler::CheckedModule;
using compiler::Program;
using compiler::SymbolRef;
using compiler::TypeId;
using compiler::TypeKind;
using json = nlohmann::json;
using lang::ExprKind;

// LSP's CompletionItemKind numbers.
namespace item {
constexpr int kMethod = 2, kFunction = 3, kField = 5, kVariable = 6, kModule = 9, kProperty = 10, kKeyword = 14,
              kSnippet = 15, kEnumMember = 20, kStruct = 22, kTypeParameter = 25;
}
constexpr int kSnippetFormat = 2;  // InsertTextFormat.Snippet

bool IsMarker(std::string_view name) {
  // The marker may run into the identifier the cursor was in: `na|me`.
  return name.find(kCompletionMarker) != std::string_view::npos;
}

bool IsMarkerExpr(const lang::SyntaxTree& tree, lang::ExprId id) {
  return id != lang::kNone && tree.expr(id).kind == ExprKind::kName && IsMarker(tree.expr(id).name);
}

// Items that come from hash maps, in a stable order (by label) from `first` on.
void SortByLabel(json& items, size_t first = 0) {
  if (first >= items.size()) return;
  std::sort(items.begin() + static_cast<std::ptrdiff_t>(first), items.end(),
            [](const json& a, const json& b) { return a["label"].get<std::string>() < b["label"].get<std::string>(); });
}

json FieldItems(const Program& program, TypeId record_type, bool builder) {
  json items = json::array();
  const compiler::RecordType& record = program.types.record(record_type);
  for (const compiler::RecordField& field : record.fields) {
    std::string detail = program.types.Name(field.type);
    std::string default_text = DefaultText(program, record, field);
    if (!default_text.empty()) detail += " = " + default_text;
    json item = {{"label", field.name}, {"kind", item::kField}, {"detail", detail}};
    if (builder) item["insertText"] = std::string(field.name) + " = ";
    if (!field.doc.empty()) item["documentation"] = field.doc;
    items.push_back(std::move(item));
  }
  if (!builder) {
    for (uint32_t method : record.methods) {
      const compiler::FunctionInfo& fn = program.module(record.module).functions[method];
      items.push_back({{"label", fn.name}, {"kind", item::kMethod}, {"detail", FunctionSignature(program, fn)}});
    }
  }
  return items;
}

int ItemKind(const SymbolRef& ref) {
  switch (ref.kind) {
    case SymbolRef::Kind::kType: return item::kStruct;
    case SymbolRef::Kind::kFunction: return item::kFunction;
    case SymbolRef::Kind::kModule: return item::kModule;
    default: return item::kVariable;
  }
}

json EnumCaseItems(const Program& program, TypeId enum_type, bool qualified) {
  json items = json::array();
  const compiler::EnumType& e = program.types.enum_type(enum_type);
  for (std::string_view c : e.cases) {
    json item = {{"label", c}, {"kind", item::kEnumMember}, {"detail", e.name}};
    if (qualified) {
      item["label"] = e.name + "." + std::string(c);
      item["filterText"] = std::string(c);
    }
    items.push_back(std::move(item));
  }
  return items;
}

json MemberItems(const Program& program, const CheckedModule& module, const lang::Expr& member) {
  SymbolRef lhs = module.expr_refs[member.lhs];
  if (lhs.kind == SymbolRef::Kind::kNone) {
    // The checker resolves `Enum.Case` as a whole; with an unknown case the
    // enum itself is recorded nowhere, so look up its name.
    if (std::optional<std::string> name = DottedName(*module.tree, member.lhs)) {
      if (std::optional<TypeId> type = LookupType(program, module, *name)) {
        lhs = {SymbolRef::Kind::kType, module.id, *type, *type};
      }
    }
  }
  json items = json::array();
  if (lhs.kind == SymbolRef::Kind::kType && program.types.Is(lhs.type, TypeKind::kEnum)) {
    return EnumCaseItems(program, lhs.type, false);
  }
  if (lhs.kind == SymbolRef::Kind::kType && program.types.Is(lhs.type, TypeKind::kRecord)) {
    // `JVM.` names what the type declares: its nested enums and types.
    const std::string prefix = program.types.record(lhs.type).name + ".";
    const CheckedModule& owner = program.module(program.types.record(lhs.type).module);
    for (const auto& [name, type] : owner.local_types) {
      if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
      std::string rest = name.substr(prefix.size());
      if (rest.find('.') != std::string::npos) continue;
      items.push_back({{"label", rest}, {"kind", item::kStruct}, {"detail", name}});
    }
    SortByLabel(items);
    return items;
  }
  if (lhs.kind == SymbolRef::Kind::kModule) {
    for (const auto& [name, ref] : program.module(lhs.module).exports) {
      items.push_back({{"label", name}, {"kind", ItemKind(ref)}});
    }
    SortByLabel(items);
    return items;
  }
  TypeId object = program.types.NonOptional(module.expr_types[member.lhs]);
  if (program.types.Is(object, TypeKind::kRecord)) {
    items = FieldItems(program, object, false);
    items.push_back({{"label", "copy"}, {"kind", item::kMethod}, {"detail", "a copy with some fields changed"}});
  } else if (program.types.Is(object, TypeKind::kList)) {
    items.push_back({{"label", "size"}, {"kind", item::kField}, {"detail", "Int"}});
    items.push_back({{"label", "isEmpty"}, {"kind", item::kField}, {"detail", "Bool"}});
  }
  // Extension functions whose receiver fits this type: of the modules it
  // imports, the prelude (`List<T>.map`, ...), and this module.
  auto fits = [&](TypeId receiver) {
    if (receiver == object) return true;
    // A generic receiver (`List<T>`) fits every type of its kind; the
    // checker's unification decides the rest when the call is checked.
    return receiver != compiler::TypeTable::kError && program.types.IsGeneric(receiver) &&
           program.types.kind(receiver) == program.types.kind(object);
  };
  std::vector<compiler::ModuleId> sources = module.imports;
  if (const CheckedModule* prelude = program.Find("clive.prelude")) sources.push_back(prelude->id);
  size_t first_extension = items.size();
  std::set<std::string> seen;
  for (compiler::ModuleId id : sources) {
    for (const auto& [name, ref] : program.module(id).extension_exports) {
      const compiler::FunctionInfo& fn = program.module(ref.module).functions[ref.index];
      if (fits(fn.receiver) && seen.insert(std::string(name)).second) {
        items.push_back({{"label", name}, {"kind", item::kMethod}, {"detail", FunctionSignature(program, fn)}});
      }
    }
  }
  SortByLabel(items, first_extension);
  for (const compiler::FunctionInfo& fn : module.functions) {
    if (fits(fn.receiver) && module.tree->fn_decls[fn.decl].parent == lang::kNone) {
      items.push_back({{"label", fn.name}, {"kind", item::kMethod}, {"detail", FunctionSignature(program, fn)}});
    }
  }
  return items;
}

// Named arguments of call `call`: the function's parameters, or the fields
// of a `.copy(...)`.
json NamedArgItems(const Program& program, const CheckedModule& module, lang::ExprId call) {
  json items = json::array();
  const SymbolRef& ref = module.expr_refs[call];
  if (ref.kind == SymbolRef::Kind::kCopy && program.types.Is(ref.type, TypeKind::kRecord)) {
    for (json& field : FieldItems(program, ref.type, true)) {
      field["kind"] = item::kProperty;
      items.push_back(std::move(field));
    }
    return items;
  }
  const compiler::FunctionInfo* fn = CalledFunction(program, module, call);
  if (fn == nullptr) return items;
  const CheckedModule& owner = program.module(fn->module);
  for (const compiler::FunctionParam& p : fn->params) {
    std::string detail = program.types.Name(p.type);
    if (p.default_value != lang::kNone) detail += " = " + std::string(owner.file->Slice(owner.tree->expr(p.default_value).range));
    items.push_back({{"label", std::string(p.name) + " ="}, {"filterText", p.name}, {"kind", item::kProperty},
                     {"detail", detail}, {"insertText", std::string(p.name) + " = "}});
  }
  return items;
}

json Snippet(const char* label, const char* body, const char* detail) {
  return {{"label", label}, {"kind", item::kSnippet}, {"insertText", body}, {"insertTextFormat", kSnippetFormat},
          {"detail", detail}};
}

json DeclarationKeywords() {
  return {Snippet("val", "val ${1:name} = ${0}", "a cell"),
          Snippet("type", "type ${1:Name} {\n\t${0}\n}", "a record type"),
          Snippet("enum", "enum ${1:Name} { ${0} }", "an enum"),
          Snippet("fn", "fn ${1:name}(${2}): ${3:Type} = ${0}", "a function"),
          Snippet("import", "import ${0}", "an import")};
}

json ExpressionKeywords() {
  json items = {Snippet("if", "if (${1:condition}) ${2:then} else ${0:otherwise}", "if expression"),
                Snippet("when", "when (${1:value}) {\n\t${2:case} -> ${3:result}\n\telse -> ${0}\n}", "when expression"),
                Snippet("for", "[${1:item} for ${2:x} in ${3:list}]", "list comprehension")};
  for (const char* word : {"true", "false", "null"}) items.push_back({{"label", word}, {"kind", item::kKeyword}});
  return items;
}

// Cells, functions, types and imported names visible in `module`.
json ScopeItems(const Program& program, const CheckedModule& module) {
  json items = json::array();
  std::set<std::string> seen;
  auto add = [&](std::string_view name, int kind, std::string detail) {
    if (name.empty() || IsMarker(name) || !seen.insert(std::string(name)).second) return;
    json item = {{"label", name}, {"kind", kind}};
    if (!detail.empty()) item["detail"] = std::move(detail);
    items.push_back(std::move(item));
  };
  for (const compiler::Cell& cell : module.cells) {
    add(cell.name, item::kVariable, cell.type == compiler::TypeTable::kError ? "" : program.types.Name(cell.type));
  }
  for (const compiler::FunctionInfo& fn : module.functions) {
    if (module.tree->fn_decls[fn.decl].parent == lang::kNone && fn.receiver == compiler::TypeTable::kError) {
      add(fn.name, item::kFunction, FunctionSignature(program, fn));
    }
  }
  for (const auto& [name, type] : module.local_types) {
    if (name.find('.') == std::string::npos) add(name, item::kStruct, {});
  }
  for (const lang::ImportDecl& import : module.tree->imports) {
    for (const lang::ImportName& name : import.names) add(name.alias.empty() ? name.name : name.alias, item::kVariable, {});
    if (import.names.empty() && !import.path.empty()) add(import.alias.empty() ? import.path.back() : import.alias, item::kModule, {});
  }
  SortByLabel(items);
  return items;
}

void Append(json& items, const json& more) {
  for (const json& item : more) items.push_back(item);
}

// The type names a type position may hold.
json TypeItems(const Program& program, const CheckedModule& module) {
  json items = json::array();
  for (const char* builtin : {"Int", "Float", "Bool", "String", "Path", "Size", "Duration", "List", "Map", "ref"}) {
    items.push_back({{"label", builtin}, {"kind", item::kTypeParameter}, {"detail", "built-in"}});
  }
  size_t declared = items.size();
  for (const auto& [name, type] : module.local_types) items.push_back({{"label", name}, {"kind", item::kStruct}});
  for (compiler::ModuleId id : module.imports) {
    const CheckedModule& other = program.module(id);
    for (const auto& [name, ref] : other.exports) {
      if (ref.kind != SymbolRef::Kind::kType) continue;
      items.push_back({{"label", name}, {"kind", item::kStruct}, {"detail", other.path}});
    }
  }
  SortByLabel(items, declared);
  return items;
}

// Modules (and, after `{`, names) an import may name, from the directories
// of the search roots.
json ImportItems(const std::vector<fs::path>& roots, const std::string& path, bool names,
                 const Program* program) {
  json items = json::array();
  std::set<std::string> seen;
  fs::path relative;
  std::string dotted;
  size_t start = 0;
  while (start < path.size()) {
    size_t dot = path.find('.', start);
    std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    relative /= part;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  for (const fs::path& root : roots) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(root / relative, ec)) {
      std::string name = entry.path().filename().string();
      if (!entry.is_directory(ec) || name.empty() || name[0] == '.' || !IsIdentifier(name)) continue;
      if (!seen.insert(name).second) continue;
      items.push_back({{"label", name}, {"kind", item::kModule}, {"detail", (path.empty() ? "" : path + ".") + name}});
    }
  }
  if (program != nullptr && !path.empty()) {
    if (const CheckedModule* m = program->Find(path)) {
      for (const auto& [name, ref] : m->exports) {
        if (seen.insert(std::string(name)).second || names) items.push_back({{"label", name}, {"kind", ItemKind(ref)}});
      }
    }
  }
  SortByLabel(items);
  return items;
}

// Whether the cursor, after `line_prefix`, is where a type is written:
// `name: |`, `fn f(): |`, `List<|` (not `a ?: |`).
bool InTypePosition(std::string_view prefix) {
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  size_t end = prefix.size();
  while (end > 0 && (word(prefix[end - 1]) || prefix[end - 1] == '.')) --end;
  while (end > 0 && prefix[end - 1] == ' ') --end;
  if (end == 0) return false;
  if (prefix[end - 1] == '<') return true;
  if (prefix[end - 1] != ':') return false;
  size_t before = end - 1;
  while (before > 0 && prefix[before - 1] == ' ') --before;
  return before > 0 && (word(prefix[before - 1]) || prefix[before - 1] == ')');
}

}  // namespace

namespace {

bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// `import a.b.` or `import a.b.{x, y` (with a partial name after either):
// the dotted path before the cursor and whether a `{` list is open. Scanned
// by hand rather than with std::regex, which is slow and trips GCC 12's
// -Wmaybe-uninitialized in sanitizer builds.
struct ImportPrefix {
  std::string path;  // "a.b"
  bool in_braces = false;
};
std::optional<ImportPrefix> ParseImportPrefix(std::string_view line) {
  size_t i = line.find_first_not_of(" \t");
  if (i == std::string_view::npos || line.compare(i, 6, "import") != 0) return std::nullopt;
  i += 6;
  size_t spaces = i;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  if (i == spaces) return std::nullopt;
  ImportPrefix prefix;
  while (true) {
    size_t word = i;
    while (i < line.size() && IsWordChar(line[i])) ++i;
    bool identifier = i > word && !std::isdigit(static_cast<unsigned char>(line[word]));
    if (identifier && i < line.size() && line[i] == '.') {
      prefix.path += std::string(line.substr(word, i - word)) + ".";
      ++i;
      continue;
    }
    i = word;
    break;
  }
  if (!prefix.path.empty()) prefix.path.pop_back();  // the trailing dot
  if (i < line.size() && line[i] == '{') {
    prefix.in_braces = true;
    return line.find('}', i) == std::string_view::npos ? std::optional(prefix) : std::nullopt;
  }
  while (i < line.size() && IsWordChar(line[i])) ++i;
  return i == line.size() ? std::optional(prefix) : std::nullopt;
}

}  // namespace

std::optional<json> TextCompletion(const CompletionContext& context, const Program* program) {
  if (auto prefix = ParseImportPrefix(context.line_prefix)) {
    return ImportItems(context.roots, prefix->path, prefix->in_braces, program);
  }
  return std::nullopt;
}

std::optional<json> Completion(const Program& program, const CheckedModule& module, const CompletionContext& context) {
  const lang::SyntaxTree& tree = *module.tree;
  if (InTypePosition(context.line_prefix)) return TypeItems(program, module);
  for (const lang::Expr& e : tree.exprs) {
    if (e.kind == ExprKind::kMember && IsMarker(e.name) && e.lhs != lang::kNone) {
      return MemberItems(program, module, e);
    }
  }
  // In a call's parentheses: named arguments, then what values may be.
  for (lang::ExprId id = 0; id < tree.exprs.size(); ++id) {
    const lang::Expr& e = tree.exprs[id];
    if (e.kind != ExprKind::kCall) continue;
    for (uint32_t a = e.list.first; a < e.list.end(); ++a) {
      const lang::Arg& arg = tree.args[a];
      if (!IsMarker(arg.name) && !(arg.name.empty() && IsMarkerExpr(tree, arg.value))) continue;
      json items = NamedArgItems(program, module, id);
      Append(items, ScopeItems(program, module));
      return items;
    }
  }
  // In a builder block: at a field's name (`T { na| }` parses as a bare
  // expression or as `na = ...`), or at its value (`provider = |`).
  for (uint32_t i = 0; i < tree.field_inits.size(); ++i) {
    const lang::FieldInit& init = tree.field_inits[i];
    bool at_name = IsMarker(init.name) || (init.name.empty() && IsMarkerExpr(tree, init.value));
    bool at_value = !init.name.empty() && !IsMarker(init.name) && IsMarkerExpr(tree, init.value);
    if (!at_name && !at_value) continue;
    std::optional<lang::ExprId> builder = BuilderOf(module, i);
    if (!builder) break;
    TypeId record = BuilderRecord(program, module, *builder);
    if (record == compiler::TypeTable::kError) break;
    if (at_name) return FieldItems(program, record, true);
    json items = json::array();
    int field = program.types.record(record).FieldIndex(init.name);
    if (field >= 0) {
      TypeId type = program.types.NonOptional(program.types.record(record).fields[field].type);
      if (program.types.Is(type, TypeKind::kEnum)) items = EnumCaseItems(program, type, true);
    }
    Append(items, ScopeItems(program, module));
    Append(items, ExpressionKeywords());
    return items;
  }
  // In an expression elsewhere: the names in scope.
  for (const lang::Expr& e : tree.exprs) {
    if (e.kind == ExprKind::kName && IsMarker(e.name)) {
      json items = ScopeItems(program, module);
      Append(items, ExpressionKeywords());
      return items;
    }
  }
  return std::nullopt;
}

json FallbackCompletion(const CompletionContext& context) {
  // At the start of a line (blanks, then letters at most): declarations.
  const std::string& line = context.line_prefix;
  size_t i = line.find_first_not_of(" \t\r\n\f\v");
  bool at_start = i == std::string::npos || std::all_of(line.begin() + static_cast<long>(i), line.end(), [](char c) {
                    return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
                  });
  if (at_start) return DeclarationKeywords();
  return json::array();
}

}  // namespace clive::lsp
