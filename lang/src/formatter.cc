#include "clive/lang/formatter.h"

#include <algorithm>
#include <cctype>

#include "clive/lang/parser.h"
#include "format_printer.h"

namespace clive::lang {
namespace format {

size_t CodePoints(std::string_view text) {
  size_t n = 0;
  for (char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

Printer::Printer(const SyntaxTree& tree) : tree_(tree), src_(tree.file->text()) {}

std::string Printer::Run() {
  File();
  return std::move(out_);
}

// --- Output -----------------------------------------------------------------

void Printer::Write(std::string_view text) {
  if (text.empty()) return;
  if (newline_pending_) {
    // A line comment ended the line in the middle of a construct: continue
    // one level deeper, like any other continuation line.
    NewLine();
    line_indent_ = indent_ + kIndent;
  }
  if (at_line_start_) {
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    if (text.empty()) return;
    int indent = line_indent_ >= 0 ? line_indent_ : indent_;
    out_.append(static_cast<size_t>(indent), ' ');
    column_ = indent;
    at_line_start_ = false;
  } else if (space_pending_ && text.front() != ' ' && text.front() != ',' &&
             text.front() != ')' && text.front() != ']' && text.front() != '>') {
    out_ += ' ';
    ++column_;
  }
  space_pending_ = false;
  out_.append(text);
  size_t last_newline = text.rfind('\n');  // only block comments span lines
  if (last_newline == std::string_view::npos) {
    column_ += static_cast<int>(CodePoints(text));
  } else {
    column_ = static_cast<int>(CodePoints(text.substr(last_newline + 1)));
  }
}

void Printer::NewLine() {
  while (!out_.empty() && out_.back() == ' ') out_.pop_back();
  out_ += '\n';
  at_line_start_ = true;
  newline_pending_ = false;
  space_pending_ = false;
  line_indent_ = -1;
  column_ = 0;
}

void Printer::BlankLine() {
  if (out_.empty() || (out_.size() >= 2 && out_.compare(out_.size() - 2, 2, "\n\n") == 0)) return;
  out_ += '\n';
}

int Printer::Column() const {
  if (newline_pending_) return indent_ + kIndent;
  if (at_line_start_) return line_indent_ >= 0 ? line_indent_ : indent_;
  return column_;
}

bool Printer::Fits(std::string_view flat, int trailer) const {
  return Column() + static_cast<int>(CodePoints(flat)) + trailer <= kFormatMaxWidth;
}

// --- Source scanning --------------------------------------------------------

namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

uint32_t Printer::SkipForward(uint32_t pos) const {
  const auto& comments = tree_.comments;
  while (pos < src_.size()) {
    if (IsSpace(src_[pos])) {
      ++pos;
      continue;
    }
    auto it = std::lower_bound(comments.begin(), comments.end(), pos,
                               [](const Comment& c, uint32_t p) { return c.range.begin < p; });
    if (it == comments.end() || it->range.begin != pos) break;
    pos = it->range.end;
  }
  return pos;
}

uint32_t Printer::SkipBackward(uint32_t pos) const {
  const auto& comments = tree_.comments;
  while (pos > 0) {
    if (IsSpace(src_[pos - 1])) {
      --pos;
      continue;
    }
    // Comments do not overlap, so their ends are sorted too.
    auto it = std::lower_bound(comments.begin(), comments.end(), pos,
                               [](const Comment& c, uint32_t p) { return c.range.end < p; });
    if (it == comments.end() || it->range.end != pos) break;
    pos = it->range.begin;
  }
  return pos;
}

bool Printer::HasDocCommentIn(uint32_t begin, uint32_t end) const {
  const auto& comments = tree_.comments;
  auto it = std::lower_bound(comments.begin(), comments.end(), begin,
                             [](const Comment& c, uint32_t p) { return c.range.begin < p; });
  for (; it != comments.end() && it->range.begin < end; ++it) {
    if (it->kind == Comment::Kind::kDoc) return true;
  }
  return false;
}

bool Printer::HasCommentIn(uint32_t begin, uint32_t end) const {
  const auto& comments = tree_.comments;
  auto it = std::lower_bound(comments.begin(), comments.end(), begin,
                             [](const Comment& c, uint32_t p) { return c.range.begin < p; });
  return it != comments.end() && it->range.begin < end;
}

size_t Printer::NewlinesBetween(uint32_t begin, uint32_t end) const {
  if (begin >= end) return 0;
  return static_cast<size_t>(std::count(src_.begin() + begin, src_.begin() + end, '\n'));
}

uint32_t Printer::FindForward(uint32_t pos, char ch) const {
  uint32_t p = SkipForward(pos);
  if (p < src_.size() && src_[p] == ',' && ch != ',') p = SkipForward(p + 1);
  return p < src_.size() && src_[p] == ch ? p : pos;
}

uint32_t Printer::ContentEnd(SourceRange range) const {
  uint32_t p = SkipBackward(range.end);
  if (p > range.begin && (src_[p - 1] == ';' || src_[p - 1] == ',')) p = SkipBackward(p - 1);
  return std::max(p, range.begin);
}

// --- Comments ---------------------------------------------------------------

const Comment* Printer::NextComment() const {
  return next_comment_ < tree_.comments.size() ? &tree_.comments[next_comment_] : nullptr;
}

void Printer::EmitComment() {
  const Comment& c = tree_.comments[next_comment_++];
  std::string_view text = tree_.file->Slice(c.range);
  bool line = c.kind != Comment::Kind::kBlock;
  if (line) {
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  }
  if (!at_line_start_ && !newline_pending_ && !out_.empty()) {
    // `f(/* a */ x)` and `List</* a */ T>`, but `f( // b` and `{ /* c */`.
    char prev = out_.back();
    if (prev != ' ' && (line || (prev != '(' && prev != '[' && prev != '<'))) Write(" ");
  }
  space_pending_ = false;
  Write(text);
  last_end_ = std::max(last_end_, c.range.end);
  if (line) {
    newline_pending_ = true;  // nothing may follow a line comment on its line
  } else {
    space_pending_ = true;
  }
}

void Printer::FlushInline(uint32_t offset) {
  while (const Comment* c = NextComment()) {
    if (c->range.begin >= offset) break;
    EmitComment();
  }
}

bool Printer::OnLineOfPreviousToken(const Comment& c) const {
  uint32_t p = c.range.begin;
  while (p > 0 && (src_[p - 1] == ' ' || src_[p - 1] == '\t')) --p;
  return p > 0 && src_[p - 1] != '\n';
}

bool Printer::FollowedOnSameLine(const Comment& c) const {
  uint32_t p = c.range.end;
  while (p < src_.size() && (src_[p] == ' ' || src_[p] == '\t')) ++p;
  return p < src_.size() && src_[p] != '\n' && src_[p] != '\r';
}

void Printer::EmitTrailing(uint32_t limit, uint32_t inside_end) {
  while (const Comment* c = NextComment()) {
    if (c->range.begin >= limit || newline_pending_) break;
    if (c->range.begin >= inside_end && !OnLineOfPreviousToken(*c)) break;
    EmitComment();
  }
}

void Printer::EmitLeading(uint32_t limit, bool& first) {
  bool same_line = false;  // the previous comment was followed by this one on its line
  while (const Comment* c = NextComment()) {
    if (c->range.begin >= limit) break;
    if (!same_line) {
      if (!at_line_start_ || newline_pending_) NewLine();
      if (!first && NewlinesBetween(last_end_, c->range.begin) >= 2) BlankLine();
    }
    // `/* a */ x`: a block comment followed by code on its line stays there.
    same_line = c->kind == Comment::Kind::kBlock && FollowedOnSameLine(*c);
    EmitComment();
    first = false;
    if (!same_line) NewLine();
  }
}

// --- Blocks and broken lists ------------------------------------------------

void Printer::Items(const std::vector<Item>& items, std::string_view sep, uint32_t close,
                    bool bracketed) {
  if (bracketed) {
    EmitTrailing(items.empty() ? close : items.front().begin);  // `{ // why`
    NewLine();
    indent_ += kIndent;
  }
  bool first = true;
  for (size_t i = 0; i < items.size(); ++i) {
    const Item& item = items[i];
    EmitLeading(item.begin, first);
    if (at_line_start_ && !first && NewlinesBetween(last_end_, item.begin) >= 2) BlankLine();
    item.print();
    // Comments the item's parts did not place (inside a type, say) trail it,
    // after its separator, where they are found again on the next run.
    const Comment* leftover = NextComment();
    if (leftover == nullptr || leftover->range.begin >= item.end) {
      // Comments up to the item's separator in the source come before ours,
      // so that `a /* x */, b` keeps its order (if the separator is on the
      // item's line: after a line break it separates nothing).
      uint32_t next = SkipForward(item.end);
      bool source_sep = next < src_.size() && (src_[next] == ',' || src_[next] == ';');
      if (source_sep && NewlinesBetween(item.end, next) == 0) {
        FlushInline(next);
      } else if (source_sep && sep.empty() && HasDocCommentIn(item.end, next)) {
        // `a = 1 /// x` + `;` on the next line: without its `;`, the `///`
        // would document the next declaration.
        FlushInline(next);
        Write(src_.substr(next, 1));
        last_end_ = next + 1;
      }
    }
    Write(sep);
    last_end_ = std::max(last_end_, item.end);
    EmitTrailing(i + 1 < items.size() ? items[i + 1].begin : close, item.end);
    NewLine();
    first = false;
  }
  EmitLeading(close, first);
  if (!at_line_start_ || newline_pending_) NewLine();
  if (bracketed) indent_ -= kIndent;
}

// --- Declarations -----------------------------------------------------------

void Printer::File() {
  std::vector<Item> items;
  for (const ImportDecl& import : tree_.imports) {
    items.push_back({import.range.begin, ContentEnd(import.range), [this, &import] { Import(import); }});
  }
  for (TypeDeclId id : tree_.top_types) {
    SourceRange r = tree_.type_decls[id].range;
    items.push_back({r.begin, ContentEnd(r), [this, id] { TypeDeclaration(id); }});
  }
  for (uint32_t id : tree_.top_enums) {
    SourceRange r = tree_.enum_decls[id].range;
    items.push_back({r.begin, ContentEnd(r), [this, id] { EnumDeclaration(id); }});
  }
  for (uint32_t id : tree_.top_fns) {
    SourceRange r = tree_.fn_decls[id].range;
    items.push_back({r.begin, ContentEnd(r), [this, id] { FnDeclaration(id); }});
  }
  for (const ValDecl& val : tree_.vals) {
    items.push_back({val.range.begin, ContentEnd(val.range), [this, &val] { ValDeclaration(val); }});
  }
  std::stable_sort(items.begin(), items.end(),
                   [](const Item& a, const Item& b) { return a.begin < b.begin; });
  Items(items, "", static_cast<uint32_t>(src_.size()), /*bracketed=*/false);
  if (!out_.empty() && out_.back() != '\n') NewLine();
}

void Printer::Import(const ImportDecl& import) {
  Write("import ");
  for (size_t i = 0; i < import.path.size(); ++i) {
    FlushInline(import.path_ranges[i].begin);
    Write((i > 0 ? "." : "") + std::string(import.path[i]));
  }
  if (!import.names.empty()) {
    auto name_text = [](const ImportName& n) {
      return std::string(n.name) + (n.alias.empty() ? "" : " as " + std::string(n.alias));
    };
    const ImportName& last = import.names.back();
    uint32_t last_end = last.alias.empty()
                            ? last.range.end
                            : static_cast<uint32_t>(last.alias.data() - src_.data() + last.alias.size());
    uint32_t close = FindForward(last_end, '}');
    std::string flat = ".{";
    for (size_t i = 0; i < import.names.size(); ++i) flat += (i ? ", " : "") + name_text(import.names[i]);
    flat += "}";
    int trailer = import.alias.empty() ? 0 : static_cast<int>(4 + import.alias.size());
    if (!HasCommentIn(import.path_ranges.back().end, close) && Fits(flat, trailer)) {
      Write(flat);
    } else {
      Write(".{");
      std::vector<Item> items;
      for (const ImportName& n : import.names) {
        uint32_t end = n.alias.empty() ? n.range.end
                                       : static_cast<uint32_t>(n.alias.data() - src_.data() + n.alias.size());
        items.push_back({n.range.begin, end, [this, &n, name_text] { Write(name_text(n)); }});
      }
      Items(items, ",", close);
      Write("}");
    }
  }
  if (!import.alias.empty()) {
    Write(" as ");
    FlushInline(static_cast<uint32_t>(import.alias.data() - src_.data()));
    Write(import.alias);
  }
}

std::string Printer::NamesText(Span names) const {
  std::string text;
  for (uint32_t i = names.first; i < names.end(); ++i) {
    text += (i > names.first ? ", " : "") + std::string(tree_.names[i].text);
  }
  return text;
}

std::string Printer::TypeRefText(TypeRefId id) const {
  const TypeRef& ref = tree_.type_refs[id];
  std::string text;
  auto args = [&] {
    std::string s;
    for (uint32_t i = ref.args.first; i < ref.args.end(); ++i) {
      s += (i > ref.args.first ? ", " : "") + TypeRefText(tree_.type_ref_args[i]);
    }
    return s;
  };
  if (ref.function) {
    text = "(" + args() + ") -> " + (ref.result != kNone ? TypeRefText(ref.result) : "");
  } else {
    // `JVM . Provider` is the qualified name JVM.Provider.
    for (char c : ref.name) {
      if (!IsSpace(c)) text += c;
    }
    if (ref.args.count > 0) text += "<" + args() + ">";
  }
  if (ref.optional) text += "?";
  return text;
}

// Written piece by piece, so that a comment inside a type stays between the
// same tokens (a `///` moved before a declaration would document it).
void Printer::TypeRefAt(TypeRefId id) {
  const TypeRef& ref = tree_.type_refs[id];
  FlushInline(ref.range.begin);
  if (ref.function) {
    Write("(");
  } else {
    // `JVM.Provider`, name by name.
    auto at = static_cast<uint32_t>(ref.name.data() - src_.data());
    uint32_t end = at + static_cast<uint32_t>(ref.name.size());
    for (uint32_t p = at; p < end;) {
      p = SkipForward(p);
      if (p >= end) break;
      uint32_t q = p;
      while (q < end && (std::isalnum(static_cast<unsigned char>(src_[q])) || src_[q] == '_')) ++q;
      if (q == p) ++q;  // the `.`
      FlushInline(p);
      Write(src_.substr(p, q - p));
      p = q;
    }
    if (ref.args.count > 0) Write("<");
  }
  for (uint32_t i = ref.args.first; i < ref.args.end(); ++i) {
    if (i > ref.args.first) Write(", ");
    TypeRefAt(tree_.type_ref_args[i]);
  }
  // Just past the type's last token, and its `?` if it has one.
  uint32_t end = SkipBackward(ref.range.end);
  uint32_t question = end;
  if (ref.optional && end > ref.range.begin && src_[end - 1] == '?') {
    question = end - 1;
    end = SkipBackward(end - 1);
  }
  if (ref.function) {
    uint32_t after = ref.args.count > 0 ? tree_.type_refs[tree_.type_ref_args[ref.args.end() - 1]].range.end
                                        : ref.range.begin + 1;
    FlushInline(FindForward(after, ')'));
    Write(") -> ");
    if (ref.result != kNone) TypeRefAt(ref.result);
  } else if (ref.args.count > 0) {
    FlushInline(end - 1);  // the `>`
    Write(">");
  }
  if (ref.optional) {
    FlushInline(question);
    Write("?");
  }
}

void Printer::AssignValue(ExprId value, Slot slot, int trailer) {
  Write(" =");
  // Blocks and collections break inside their brackets instead (their
  // items read better one per line than pushed to the right).
  bool bracketed = false;
  switch (tree_.exprs[value].kind) {
    case ExprKind::kBuilder:
    case ExprKind::kList:
    case ExprKind::kMap:
    case ExprKind::kLambda:
    case ExprKind::kWhen: bracketed = true; break;
    default: break;
  }
  std::optional<std::string> flat = bracketed ? std::nullopt : Flat(value, slot);
  uint32_t begin = OuterBegin(value, slot);
  const Comment* pending = NextComment();
  bool comment_first = pending != nullptr && pending->range.begin < begin;
  if (flat && !comment_first && !Fits(" " + *flat, trailer) &&
      indent_ + kIndent + static_cast<int>(CodePoints(*flat)) + trailer <= kFormatMaxWidth) {
    indent_ += kIndent;
    NewLine();
    Write(*flat);
    indent_ -= kIndent;
    return;
  }
  Write(" ");
  PrintExpr(value, slot, trailer);
}

Item Printer::FieldItem(const FieldDecl& field) {
  uint32_t begin = field.name_range.begin;
  if (!field.annotations.empty()) {
    uint32_t at = SkipBackward(static_cast<uint32_t>(field.annotations.front().data() - src_.data()));
    if (at > 0 && src_[at - 1] == '@') begin = at - 1;
  }
  uint32_t end = field.default_value != kNone ? OuterEnd(field.default_value, {})
                 : field.type != kNone        ? tree_.type_refs[field.type].range.end
                                              : field.name_range.end;
  return {begin, end, [this, &field] { Field(field); }};
}

void Printer::Annotations(const std::vector<std::string_view>& annotations) {
  for (std::string_view annotation : annotations) {
    Write("@");
    Write(annotation);
    Write(" ");
  }
}

void Printer::Field(const FieldDecl& field) {
  Annotations(field.annotations);
  FlushInline(field.name_range.begin);
  Write(field.name);
  if (field.type != kNone) {
    Write(": ");
    TypeRefAt(field.type);
  }
  if (field.default_value != kNone) AssignValue(field.default_value, {}, 0);
}

void Printer::TypeDeclaration(TypeDeclId id) {
  const TypeDecl& decl = tree_.type_decls[id];
  Write("type ");
  FlushInline(decl.name_range.begin);
  Write(decl.name);
  if (decl.type_params.count > 0) Write("<" + NamesText(decl.type_params) + ">");
  // A comment before the `{` stays there: inside, a `///` would document
  // the first member.
  uint32_t brace = SkipForward(decl.type_params.count > 0
                                   ? tree_.names[decl.type_params.end() - 1].range.end
                                   : decl.name_range.end);
  if (brace < src_.size() && src_[brace] == '>') brace = SkipForward(brace + 1);
  FlushInline(brace);
  Write(" {");
  std::vector<Item> members;
  for (uint32_t i = decl.fields.first; i < decl.fields.end(); ++i) {
    members.push_back(FieldItem(tree_.field_decls[i]));
  }
  for (TypeDeclId nested : decl.nested) {
    SourceRange r = tree_.type_decls[nested].range;
    members.push_back({r.begin, ContentEnd(r), [this, nested] { TypeDeclaration(nested); }});
  }
  for (uint32_t e : decl.enums) {
    SourceRange r = tree_.enum_decls[e].range;
    members.push_back({r.begin, ContentEnd(r), [this, e] { EnumDeclaration(e); }});
  }
  for (uint32_t fn : decl.fns) {
    SourceRange r = tree_.fn_decls[fn].range;
    members.push_back({r.begin, ContentEnd(r), [this, fn] { FnDeclaration(fn); }});
  }
  std::stable_sort(members.begin(), members.end(),
                   [](const Item& a, const Item& b) { return a.begin < b.begin; });
  uint32_t close = ContentEnd(decl.range) - 1;  // the `}`
  if (members.empty() && !HasCommentIn(decl.name_range.end, close)) {
    Write("}");
    return;
  }
  Items(members, "", close);
  Write("}");
}

void Printer::EnumDeclaration(uint32_t id) {
  const EnumDecl& decl = tree_.enum_decls[id];
  Write("enum ");
  FlushInline(decl.name_range.begin);
  Write(decl.name);
  Write(" ");
  FlushInline(SkipForward(decl.name_range.end));  // the `{`
  uint32_t close = ContentEnd(decl.range) - 1;  // the `}`
  bool comments = HasCommentIn(decl.name_range.end, close);
  if (decl.cases.empty() && !comments) {
    Write("{}");
    return;
  }
  std::string flat = "{ ";
  for (size_t i = 0; i < decl.cases.size(); ++i) flat += (i ? ", " : "") + std::string(decl.cases[i]);
  flat += " }";
  if (!comments && Fits(flat, 0)) {
    Write(flat);
    return;
  }
  Write("{");
  std::vector<Item> items;
  for (size_t i = 0; i < decl.cases.size(); ++i) {
    std::string_view name = decl.cases[i];
    items.push_back({decl.case_ranges[i].begin, decl.case_ranges[i].end, [this, name] { Write(name); }});
  }
  Items(items, ",", close);
  Write("}");
}

void Printer::FnDeclaration(uint32_t id) {
  const FnDecl& fn = tree_.fn_decls[id];
  Annotations(fn.annotations);
  Write("fn ");
  if (fn.type_params.count > 0) Write("<" + NamesText(fn.type_params) + "> ");
  if (fn.receiver != kNone) {
    TypeRefAt(fn.receiver);
    // `Int?.name` would lex as `Int` `?.` `name`.
    std::string receiver = TypeRefText(fn.receiver);
    Write(!receiver.empty() && receiver.back() == '?' ? " ." : ".");
  }
  FlushInline(fn.name_range.begin);
  Write(fn.name);

  // The parameter list: `(` right after the name, `)` after the last one.
  uint32_t open = SkipForward(fn.name_range.end);
  std::vector<Item> params;
  std::string flat = "(";
  bool flat_ok = true;
  for (uint32_t i = fn.params.first; i < fn.params.end(); ++i) {
    const Param& p = tree_.params[i];
    Slot slot;
    slot.owned_close = i + 1 == fn.params.end();  // `f(x: Int = 1)`
    std::string text = std::string(p.name) + ": " + (p.type != kNone ? TypeRefText(p.type) : "");
    uint32_t end = p.type != kNone ? tree_.type_refs[p.type].range.end : p.name_range.end;
    if (p.default_value != kNone) {
      std::optional<std::string> value = Flat(p.default_value, slot);
      if (value) text += " = " + *value;
      flat_ok = flat_ok && value.has_value();
      end = OuterEnd(p.default_value, slot);
    }
    flat += (i > fn.params.first ? ", " : "") + text;
    params.push_back({p.name_range.begin, end, [this, &p, slot] {
                        Write(p.name);
                        Write(": ");
                        if (p.type != kNone) TypeRefAt(p.type);
                        if (p.default_value != kNone) AssignValue(p.default_value, slot, 1);
                      }});
  }
  flat += ")";
  uint32_t close = params.empty() ? FindForward(open + 1, ')') : FindForward(params.back().end, ')');
  std::string suffix = fn.result != kNone ? ": " + TypeRefText(fn.result) : "";
  if (fn.body != kNone) suffix += " =";
  FlushInline(open);  // `fn f /* x */ (`: a `///` there documents nothing
  if (flat_ok && !HasCommentIn(open, close) && Fits(flat, static_cast<int>(CodePoints(suffix)))) {
    Write(flat);
  } else {
    Write("(");
    Items(params, ",", close);
    Write(")");
  }
  if (fn.result != kNone) {
    Write(": ");
    TypeRefAt(fn.result);
  }
  if (fn.body != kNone) AssignValue(fn.body, {}, 0);
}

void Printer::ValDeclaration(const ValDecl& val) {
  Annotations(val.annotations);
  Write("val ");
  FlushInline(val.name_range.begin);
  Write(val.name);
  if (val.type != kNone) {
    Write(": ");
    TypeRefAt(val.type);
  }
  AssignValue(val.value, {}, 0);
}

}  // namespace format

std::string Format(const SyntaxTree& tree) { return format::Printer(tree).Run(); }

namespace {

// The comments' texts, as the formatter keeps them (line comments lose
// trailing blanks).
std::vector<std::string_view> CommentTexts(const SyntaxTree& tree) {
  std::vector<std::string_view> texts;
  for (const Comment& c : tree.comments) {
    std::string_view text = tree.file->Slice(c.range);
    if (c.kind != Comment::Kind::kBlock) {
      while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    }
    texts.push_back(text);
  }
  return texts;
}

}  // namespace

Expected<std::string> FormatSource(const SourceFile& file, DiagnosticSink& sink) {
  size_t errors_before = sink.error_count();
  std::unique_ptr<SyntaxTree> tree = Parse(file, sink);
  if (sink.error_count() > errors_before) {
    size_t n = sink.error_count() - errors_before;
    return Status::InvalidArgument(file.path() + ": " + std::to_string(n) + " error" +
                                   (n == 1 ? "" : "s") + "; not formatted");
  }
  std::string text = Format(*tree);

  // The formatter must never change meaning: the output must parse to the
  // same tree and carry the same comments. Checking costs one more parse,
  // and turns a formatter bug into an error instead of a changed program.
  SourceFile formatted(file.path(), text);
  DiagnosticSink check;
  std::unique_ptr<SyntaxTree> again = Parse(formatted, check);
  std::string problem;
  if (check.has_errors()) {
    problem = "its output does not parse";
  } else if (StructuralDump(*again) != StructuralDump(*tree)) {
    problem = "its output has a different syntax tree";
  } else if (CommentTexts(*again) != CommentTexts(*tree)) {
    problem = "its output does not keep every comment";
  }
  if (!problem.empty()) {
    return Status::Internal(file.path() + ": cannot format this file (" + problem +
                            "; this is a formatter bug); left unchanged");
  }
  return text;
}

}  // namespace clive::lang
