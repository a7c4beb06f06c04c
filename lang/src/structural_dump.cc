// StructuralDump: the syntax tree as an S-expression without source ranges,
// so that two parses of differently laid out text can be compared.
#include <algorithm>
#include <cstdio>
#include <functional>

#include "clive/lang/formatter.h"

namespace clive::lang {
namespace {

class Dumper {
 public:
  explicit Dumper(const SyntaxTree& tree) : t_(tree) {}

  std::string Run() {
    for (const ImportDecl& import : t_.imports) {
      out_ += "(import";
      for (std::string_view part : import.path) out_ += " " + std::string(part);
      for (const ImportName& name : import.names) {
        out_ += " (name " + std::string(name.name) + " " + std::string(name.alias) + ")";
      }
      out_ += " (as " + std::string(import.alias) + "))\n";
    }
    // Declarations of every kind, in source order.
    std::vector<std::pair<uint32_t, std::function<void()>>> decls;
    for (TypeDeclId id : t_.top_types) decls.push_back({t_.type_decls[id].range.begin, [this, id] { Type(id); }});
    for (uint32_t id : t_.top_enums) decls.push_back({t_.enum_decls[id].range.begin, [this, id] { Enum(id); }});
    for (uint32_t id : t_.top_fns) decls.push_back({t_.fn_decls[id].range.begin, [this, id] { Fn(id); }});
    for (const ValDecl& val : t_.vals) decls.push_back({val.range.begin, [this, &val] { Val(val); }});
    std::stable_sort(decls.begin(), decls.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [begin, dump] : decls) {
      dump();
      out_ += "\n";
    }
    return std::move(out_);
  }

 private:
  // Trailing blanks of doc lines mean nothing (the formatter drops them).
  void Doc(const std::string& doc) {
    if (doc.empty()) return;
    std::string text;
    size_t start = 0;
    while (start <= doc.size()) {
      size_t end = std::min(doc.find('\n', start), doc.size());
      std::string_view line(doc.data() + start, end - start);
      while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
      text += std::string(line) + (end < doc.size() ? "\n" : "");
      start = end + 1;
    }
    out_ += " (doc " + Quote(text) + ")";
  }

  static std::string Quote(std::string_view s) {
    std::string q = "\"";
    for (char c : s) {
      if (c == '"' || c == '\\') {
        q += '\\';
        q += c;
      } else if (static_cast<unsigned char>(c) < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
        q += buf;
      } else {
        q += c;
      }
    }
    return q + "\"";
  }

  void Annotations(const std::vector<std::string_view>& annotations) {
    for (std::string_view a : annotations) out_ += " @" + std::string(a);
  }

  void Names(Span names) {
    out_ += " <";
    for (uint32_t i = names.first; i < names.end(); ++i) out_ += " " + std::string(t_.names[i].text);
    out_ += ">";
  }

  void Type(TypeDeclId id) {
    const TypeDecl& decl = t_.type_decls[id];
    out_ += "(type " + std::string(decl.name);
    Names(decl.type_params);
    Doc(decl.doc);
    std::vector<std::pair<uint32_t, std::function<void()>>> members;
    for (uint32_t i = decl.fields.first; i < decl.fields.end(); ++i) {
      members.push_back({t_.field_decls[i].name_range.begin, [this, i] { Field(t_.field_decls[i]); }});
    }
    for (TypeDeclId nested : decl.nested) {
      members.push_back({t_.type_decls[nested].range.begin, [this, nested] { Type(nested); }});
    }
    for (uint32_t e : decl.enums) members.push_back({t_.enum_decls[e].range.begin, [this, e] { Enum(e); }});
    for (uint32_t fn : decl.fns) members.push_back({t_.fn_decls[fn].range.begin, [this, fn] { Fn(fn); }});
    std::stable_sort(members.begin(), members.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [begin, dump] : members) {
      out_ += " ";
      dump();
    }
    out_ += ")";
  }

  void Field(const FieldDecl& field) {
    out_ += "(field " + std::string(field.name);
    Annotations(field.annotations);
    Doc(field.doc);
    out_ += " ";
    TypeRefText(field.type);
    out_ += " ";
    ExprText(field.default_value);
    out_ += ")";
  }

  void Enum(uint32_t id) {
    const EnumDecl& decl = t_.enum_decls[id];
    out_ += "(enum " + std::string(decl.name);
    Doc(decl.doc);
    for (std::string_view c : decl.cases) out_ += " " + std::string(c);
    out_ += ")";
  }

  void Fn(uint32_t id) {
    const FnDecl& fn = t_.fn_decls[id];
    out_ += "(fn " + std::string(fn.name);
    Annotations(fn.annotations);
    Doc(fn.doc);
    Names(fn.type_params);
    out_ += " (receiver ";
    TypeRefText(fn.receiver);
    out_ += ")";
    for (uint32_t i = fn.params.first; i < fn.params.end(); ++i) {
      const Param& p = t_.params[i];
      out_ += " (param " + std::string(p.name) + " ";
      TypeRefText(p.type);
      out_ += " ";
      ExprText(p.default_value);
      out_ += ")";
    }
    out_ += " (result ";
    TypeRefText(fn.result);
    out_ += ") ";
    ExprText(fn.body);
    out_ += ")";
  }

  void Val(const ValDecl& val) {
    out_ += "(val " + std::string(val.name);
    Annotations(val.annotations);
    Doc(val.doc);
    out_ += " ";
    TypeRefText(val.type);
    out_ += " ";
    ExprText(val.value);
    out_ += ")";
  }

  void TypeRefText(TypeRefId id) {
    if (id == kNone) {
      out_ += "-";
      return;
    }
    const TypeRef& ref = t_.type_refs[id];
    if (ref.function) {
      out_ += "(fn-type";
    } else {
      out_ += "(";
      // The formatter writes `JVM . Provider` as `JVM.Provider`.
      for (char c : ref.name) {
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') out_ += c;
      }
    }
    for (uint32_t i = ref.args.first; i < ref.args.end(); ++i) {
      out_ += " ";
      TypeRefText(t_.type_ref_args[i]);
    }
    if (ref.function) {
      out_ += " -> ";
      TypeRefText(ref.result);
    }
    if (ref.optional) out_ += " ?";
    out_ += ")";
  }

  static const char* KindName(ExprKind kind) {
    static constexpr const char* kNames[] = {
        "error", "int",  "float", "quantity", "string", "interpolation", "bool",
        "null",  "name", "member", "call",    "index",  "builder",       "unary",
        "binary", "if",  "when",  "lambda",   "list",   "map",           "comprehension"};
    return kNames[static_cast<int>(kind)];
  }

  void ExprText(ExprId id) {
    if (id == kNone) {
      out_ += "-";
      return;
    }
    const Expr& e = t_.exprs[id];
    out_ += "(";
    out_ += KindName(e.kind);
    auto child = [&](ExprId c) {
      out_ += " ";
      ExprText(c);
    };
    auto expr_list = [&](Span list) {
      for (uint32_t i = list.first; i < list.end(); ++i) child(t_.expr_lists[i]);
    };
    switch (e.kind) {
      case ExprKind::kInt:
      case ExprKind::kBool: out_ += " " + std::to_string(e.int_value); break;
      case ExprKind::kFloat: out_ += " " + FloatText(e.float_value); break;
      case ExprKind::kQuantity:
        out_ += " " + (e.is_float ? FloatText(e.float_value) : std::to_string(e.int_value)) + " " +
                std::string(e.name);
        break;
      case ExprKind::kString: out_ += " " + Quote(t_.strings[e.string_index]); break;
      case ExprKind::kInterpolation: expr_list(e.list); break;
      case ExprKind::kName: out_ += " " + std::string(e.name); break;
      case ExprKind::kMember:
        out_ += std::string(e.safe ? " ?." : " .") + std::string(e.name);
        child(e.lhs);
        break;
      case ExprKind::kCall:
        child(e.lhs);
        for (uint32_t i = e.list.first; i < e.list.end(); ++i) {
          out_ += " (arg " + std::string(t_.args[i].name) + " ";
          ExprText(t_.args[i].value);
          out_ += ")";
        }
        break;
      case ExprKind::kIndex:
      case ExprKind::kBinary:
        if (e.kind == ExprKind::kBinary) out_ += std::string(" ") + Spelling(static_cast<BinaryOp>(e.op));
        child(e.lhs);
        child(e.rhs);
        break;
      case ExprKind::kBuilder:
        child(e.lhs);
        for (uint32_t i = e.list.first; i < e.list.end(); ++i) {
          out_ += " (init " + std::string(t_.field_inits[i].name) + " ";
          ExprText(t_.field_inits[i].value);
          out_ += ")";
        }
        break;
      case ExprKind::kUnary:
        out_ += std::string(" ") + Spelling(static_cast<UnaryOp>(e.op));
        child(e.lhs);
        break;
      case ExprKind::kIf:
        child(e.lhs);
        child(e.rhs);
        child(e.third);
        break;
      case ExprKind::kWhen:
        child(e.lhs);
        for (uint32_t i = e.list.first; i < e.list.end(); ++i) {
          const WhenBranch& b = t_.when_branches[i];
          out_ += " (branch";
          expr_list(b.conditions);
          out_ += " ->";
          child(b.value);
          out_ += ")";
        }
        break;
      case ExprKind::kLambda:
        Names(e.list);
        child(e.lhs);
        break;
      case ExprKind::kList: expr_list(e.list); break;
      case ExprKind::kMap:
        for (uint32_t i = e.list.first; i < e.list.end(); ++i) {
          out_ += " (entry";
          child(t_.map_entries[i].key);
          child(t_.map_entries[i].value);
          out_ += ")";
        }
        break;
      case ExprKind::kComprehension:
        out_ += " " + std::string(e.name);
        child(e.lhs);
        child(e.rhs);
        child(e.third);
        break;
      case ExprKind::kNull:
      case ExprKind::kError: break;
    }
    out_ += ")";
  }

  static std::string FloatText(double value) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", value);
    return buf;
  }

  const SyntaxTree& t_;
  std::string out_;
};

}  // namespace

std::string StructuralDump(const SyntaxTree& tree) { return Dumper(tree).Run(); }

}  // namespace clive::lang
