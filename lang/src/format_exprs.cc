// The formatter's expression layout (see format_printer.h).
#include <algorithm>

#include "format_printer.h"

namespace clive::lang::format {
namespace {

// Binding strength, as the grammar's alternatives order it: postfix forms
// and delimited atoms bind tightest, `if` loosest (its `else` branch extends
// as far as it can).
int Precedence(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kBinary:
      switch (static_cast<BinaryOp>(e.op)) {
        case BinaryOp::kMul:
        case BinaryOp::kDiv:
        case BinaryOp::kRem: return 8;
        case BinaryOp::kAdd:
        case BinaryOp::kSub: return 7;
        case BinaryOp::kLt:
        case BinaryOp::kLe:
        case BinaryOp::kGt:
        case BinaryOp::kGe: return 6;
        case BinaryOp::kEq:
        case BinaryOp::kNe: return 5;
        case BinaryOp::kAnd: return 4;
        case BinaryOp::kOr: return 3;
        case BinaryOp::kElvis: return 2;
      }
      return 2;
    case ExprKind::kUnary: return 9;
    case ExprKind::kIf: return 1;
    default: return 10;
  }
}

constexpr Slot kInParens{.owned_open = true, .owned_close = true, .needs_parens = false};

}  // namespace

// --- Parentheses ------------------------------------------------------------

Slot Printer::BinarySlot(ExprId parent, ExprId child, bool left) const {
  const Expr& p = tree_.exprs[parent];
  int parent_prec = Precedence(p);
  int child_prec = Precedence(tree_.exprs[child]);
  bool right_assoc = static_cast<BinaryOp>(p.op) == BinaryOp::kElvis;
  Slot slot;
  slot.needs_parens = child_prec < parent_prec ||
                      (child_prec == parent_prec && (left ? right_assoc : !right_assoc));
  return slot;
}

Slot Printer::OperandSlot(ExprId child) const {
  Slot slot;
  slot.needs_parens = Precedence(tree_.exprs[child]) < 9;
  return slot;
}

Slot Printer::PostfixSlot(ExprId child, bool member) const {
  const Expr& e = tree_.exprs[child];
  Slot slot;
  // `(1).x`: without parentheses `1.x` would lex as the quantity 1.x.
  slot.needs_parens = Precedence(e) < 10 ||
                      (member && (e.kind == ExprKind::kInt || e.kind == ExprKind::kFloat));
  return slot;
}

Slot Printer::ArgSlot(ExprId call, uint32_t index, uint32_t paren_args) const {
  const Arg& arg = tree_.args[tree_.exprs[call].list.first + index];
  Slot slot;
  slot.owned_open = index == 0 && arg.name.empty();
  slot.owned_close = index + 1 == paren_args;
  return slot;
}

// The tree drops parentheses, so the author's are found in the source: the
// `(`s right before the expression and the `)`s right after it, less those
// the parent's own syntax wrote there.
Parens Printer::FindParens(ExprId id, Slot slot) const {
  const Expr& e = tree_.exprs[id];
  int opens = 0;
  for (uint32_t p = e.range.begin;;) {
    uint32_t q = SkipBackward(p);
    if (q == 0 || src_[q - 1] != '(') break;
    ++opens;
    p = q - 1;
  }
  int closes = 0;
  bool comma_after = false;  // `f(a, (b),)`: the call's `)` comes after the `,`
  for (uint32_t p = e.range.end;;) {
    uint32_t q = SkipForward(p);
    if (q >= src_.size() || src_[q] != ')') {
      comma_after = q < src_.size() && src_[q] == ',';
      break;
    }
    ++closes;
    p = q + 1;
  }
  int user = std::min(opens - (slot.owned_open ? 1 : 0),
                      closes - (slot.owned_close && !comma_after ? 1 : 0));
  Parens parens;
  if (user > 0) {
    parens.present = parens.from_source = true;
    uint32_t p = e.range.begin;
    for (int i = 0; i < user; ++i) p = SkipBackward(p) - 1;
    parens.open = p;
    p = e.range.end;
    for (int i = 0; i < user; ++i) {
      parens.close = SkipForward(p);
      p = parens.close + 1;
    }
  } else if (slot.needs_parens) {
    parens.present = true;
    parens.open = e.range.begin;
    parens.close = e.range.end;
  }
  return parens;
}

uint32_t Printer::OuterBegin(ExprId id, Slot slot) const {
  Parens p = FindParens(id, slot);
  return p.from_source ? p.open : tree_.exprs[id].range.begin;
}

uint32_t Printer::OuterEnd(ExprId id, Slot slot) const {
  Parens p = FindParens(id, slot);
  return p.from_source ? p.close + 1 : tree_.exprs[id].range.end;
}

// --- Calls ------------------------------------------------------------------

// The tree stores `f(a) { x -> y }` as f(a, { x -> y }); the source tells
// whether the lambda followed the parentheses.
bool Printer::IsTrailingLambda(ExprId call) const {
  const Expr& e = tree_.exprs[call];
  if (e.list.count == 0) return false;
  const Arg& last = tree_.args[e.list.end() - 1];
  if (!last.name.empty() || tree_.exprs[last.value].kind != ExprKind::kLambda) return false;
  uint32_t prev_end = e.list.count >= 2 ? tree_.exprs[tree_.args[e.list.end() - 2].value].range.end
                                        : tree_.exprs[e.lhs].range.end;
  // Between them: nothing (`f { ... }`), or a `)` (`f(a) { ... }`, `f(a,) { ... }`),
  // but `,` or `(` when the lambda is inside the parentheses.
  uint32_t lambda_begin = tree_.exprs[last.value].range.begin;
  char last_char = 0;
  for (uint32_t p = SkipForward(prev_end); p < lambda_begin; p = SkipForward(p + 1)) last_char = src_[p];
  return last_char == 0 || last_char == ')';
}

// `f() { x -> y }` is written `f { x -> y }`, except where the callee is a
// call itself (`g(1)() { ... }` would otherwise pass the lambda to g) or
// the parentheses hold a comment (before the lambda it would end the call).
bool Printer::HasParenGroup(ExprId call, bool trailing) const {
  const Expr& e = tree_.exprs[call];
  if (!trailing || e.list.count > 1) return true;
  Slot callee_slot = PostfixSlot(e.lhs, false);
  uint32_t close = SkipBackward(tree_.exprs[tree_.args[e.list.end() - 1].value].range.begin);
  if (close > 0 && src_[close - 1] == ')' && HasCommentIn(OuterEnd(e.lhs, callee_slot), close)) {
    return true;
  }
  return tree_.exprs[e.lhs].kind == ExprKind::kCall && !FindParens(e.lhs, callee_slot).present;
}

std::optional<std::string> Printer::FlatArgs(ExprId call, bool trailing) const {
  const Expr& e = tree_.exprs[call];
  uint32_t n = e.list.count - (trailing ? 1 : 0);
  std::string text = "(";
  for (uint32_t i = 0; i < n; ++i) {
    const Arg& arg = tree_.args[e.list.first + i];
    std::optional<std::string> value = Flat(arg.value, ArgSlot(call, i, n));
    if (!value) return std::nullopt;
    if (i > 0) text += ", ";
    if (!arg.name.empty()) text += std::string(arg.name) + " = ";
    text += *value;
  }
  return text + ")";
}

void Printer::Call(ExprId id, int trailer) {
  const Expr& e = tree_.exprs[id];
  bool trailing = IsTrailingLambda(id);
  uint32_t n = e.list.count - (trailing ? 1 : 0);
  ExprId lambda = trailing ? tree_.args[e.list.end() - 1].value : kNone;
  Slot callee_slot = PostfixSlot(e.lhs, false);
  PrintExpr(e.lhs, callee_slot, 1);
  if (HasParenGroup(id, trailing)) {
    uint32_t close = e.range.end - 1;
    if (trailing) {
      uint32_t begin = tree_.exprs[lambda].range.begin;
      uint32_t q = SkipBackward(begin);
      close = q > 0 && src_[q - 1] == ')' ? q - 1 : begin;
    }
    // Before a trailing lambda, its head `{ x, y ->` must fit on the line too.
    int after = trailer;
    if (trailing) {
      const Expr& l = tree_.exprs[lambda];
      after = 5;  // ` { ->`
      for (uint32_t i = l.list.first; i < l.list.end(); ++i) {
        after += static_cast<int>(CodePoints(tree_.names[i].text)) + (i > l.list.first ? 2 : 1);
      }
    }
    std::optional<std::string> flat = FlatArgs(id, trailing);
    if (flat && !HasCommentIn(OuterEnd(e.lhs, callee_slot), close) && Fits(*flat, after)) {
      Write(*flat);
    } else {
      Write("(");
      std::vector<Item> items;
      for (uint32_t i = 0; i < n; ++i) {
        const Arg& arg = tree_.args[e.list.first + i];
        Slot slot = ArgSlot(id, i, n);
        uint32_t begin = arg.name.empty() ? OuterBegin(arg.value, slot) : arg.name_range.begin;
        items.push_back({begin, OuterEnd(arg.value, slot), [this, &arg, slot] {
                           if (arg.name.empty()) {
                             PrintExpr(arg.value, slot, 1);
                           } else {
                             Write(arg.name);
                             AssignValue(arg.value, slot, 1);
                           }
                         }});
      }
      Items(items, ",", close);
      Write(")");
    }
  }
  if (trailing) {
    Write(" ");
    PrintExpr(lambda, {}, trailer);
  }
}

// --- One-line forms -----------------------------------------------------------

// A builder item or `when` branch is simple when it holds no block and no
// non-empty collection: only blocks of simple items may stay on one line.
bool Printer::IsSimple(ExprId id) const {
  if (id == kNone) return true;
  const Expr& e = tree_.exprs[id];
  switch (e.kind) {
    case ExprKind::kBuilder: return e.list.count == 0 && IsSimple(e.lhs);
    case ExprKind::kLambda:
    case ExprKind::kWhen:
    case ExprKind::kComprehension: return false;
    case ExprKind::kList:
    case ExprKind::kMap: return e.list.count == 0;
    case ExprKind::kCall:
      for (uint32_t i = e.list.first; i < e.list.end(); ++i) {
        if (!IsSimple(tree_.args[i].value)) return false;
      }
      return IsSimple(e.lhs);
    case ExprKind::kMember:
    case ExprKind::kUnary:
    case ExprKind::kIndex:
    case ExprKind::kBinary:
    case ExprKind::kIf: return IsSimple(e.lhs) && IsSimple(e.rhs) && IsSimple(e.third);
    default: return true;
  }
}

// Builder blocks and `when` stay on one line only with at most two simple
// items; anything bigger reads better one item per line.
bool Printer::BlockFitsOneLine(ExprId id) const {
  const Expr& e = tree_.exprs[id];
  if (e.list.count > 2) return false;
  if (e.kind == ExprKind::kBuilder) {
    for (uint32_t i = e.list.first; i < e.list.end(); ++i) {
      if (!IsSimple(tree_.field_inits[i].value)) return false;
    }
    return true;
  }
  if (!IsSimple(e.lhs)) return false;
  for (uint32_t i = e.list.first; i < e.list.end(); ++i) {
    const WhenBranch& branch = tree_.when_branches[i];
    if (!IsSimple(branch.value)) return false;
    for (uint32_t c = branch.conditions.first; c < branch.conditions.end(); ++c) {
      if (!IsSimple(tree_.expr_lists[c])) return false;
    }
  }
  return true;
}

std::optional<std::string> Printer::Flat(ExprId id, Slot slot) const {
  const Expr& e = tree_.exprs[id];
  Parens parens = FindParens(id, slot);
  uint32_t begin = parens.from_source ? parens.open : e.range.begin;
  uint32_t end = parens.from_source ? parens.close + 1 : e.range.end;
  if (HasCommentIn(begin, end)) return std::nullopt;
  std::optional<std::string> body = FlatBody(id);
  if (!body || !parens.present) return body;
  return "(" + *body + ")";
}

std::optional<std::string> Printer::FlatBody(ExprId id) const {
  const Expr& e = tree_.exprs[id];
  std::string text;
  // Appends the flat form of a child; false if it has none.
  auto add = [&](ExprId child, Slot slot) {
    std::optional<std::string> flat = Flat(child, slot);
    if (flat) text += *flat;
    return flat.has_value();
  };
  switch (e.kind) {
    case ExprKind::kName: return std::string(e.name);
    case ExprKind::kMember:
      if (!add(e.lhs, PostfixSlot(e.lhs, true))) return std::nullopt;
      return text + (e.safe ? "?." : ".") + std::string(e.name);
    case ExprKind::kCall: {
      bool trailing = IsTrailingLambda(id);
      if (!add(e.lhs, PostfixSlot(e.lhs, false))) return std::nullopt;
      if (HasParenGroup(id, trailing)) {
        std::optional<std::string> args = FlatArgs(id, trailing);
        if (!args) return std::nullopt;
        text += *args;
      }
      if (trailing) {
        text += " ";
        if (!add(tree_.args[e.list.end() - 1].value, {})) return std::nullopt;
      }
      return text;
    }
    case ExprKind::kIndex:
      if (!add(e.lhs, PostfixSlot(e.lhs, false))) return std::nullopt;
      text += "[";
      if (!add(e.rhs, {})) return std::nullopt;
      return text + "]";
    case ExprKind::kBuilder: {
      if (!BlockFitsOneLine(id) || !add(e.lhs, PostfixSlot(e.lhs, false))) return std::nullopt;
      if (e.list.count == 0) return text + " {}";
      text += " { ";
      for (uint32_t i = e.list.first; i < e.list.end(); ++i) {
        const FieldInit& init = tree_.field_inits[i];
        if (i > e.list.first) text += "; ";  // required: `T { a; (b) }` is not `a(b)`
        if (!init.name.empty()) text += std::string(init.name) + " = ";
        if (!add(init.value, {})) return std::nullopt;
      }
      return text + " }";
    }
    case ExprKind::kUnary:
      text = Spelling(static_cast<UnaryOp>(e.op));
      if (!add(e.lhs, OperandSlot(e.lhs))) return std::nullopt;
      return text;
    case ExprKind::kBinary:
      if (!add(e.lhs, BinarySlot(id, e.lhs, true))) return std::nullopt;
      text += std::string(" ") + Spelling(static_cast<BinaryOp>(e.op)) + " ";
      if (!add(e.rhs, BinarySlot(id, e.rhs, false))) return std::nullopt;
      return text;
    case ExprKind::kIf:
      text = "if (";
      if (!add(e.lhs, kInParens)) return std::nullopt;
      text += ") ";
      if (!add(e.rhs, {})) return std::nullopt;
      text += " else ";
      if (!add(e.third, {})) return std::nullopt;
      return text;
    case ExprKind::kWhen: {
      if (!BlockFitsOneLine(id)) return std::nullopt;
      text = "when";
      if (e.lhs != kNone) {
        text += " (";
        if (!add(e.lhs, kInParens)) return std::nullopt;
        text += ")";
      }
      if (e.list.count == 0) return text + " {}";
      text += " { ";
      for (uint32_t i = e.list.first; i < e.list.end(); ++i) {
        const WhenBranch& branch = tree_.when_branches[i];
        if (i > e.list.first) text += "; ";
        if (branch.conditions.count == 0) text += "else";
        for (uint32_t c = branch.conditions.first; c < branch.conditions.end(); ++c) {
          if (c > branch.conditions.first) text += ", ";
          if (!add(tree_.expr_lists[c], {})) return std::nullopt;
        }
        text += " -> ";
        if (!add(branch.value, {})) return std::nullopt;
      }
      return text + " }";
    }
    case ExprKind::kLambda: {
      text = "{ ";
      for (uint32_t i = e.list.first; i < e.list.end(); ++i) {
        text += std::string(tree_.names[i].text) + (i + 1 < e.list.end() ? ", " : " ");
      }
      text += "-> ";
      if (!add(e.lhs, {})) return std::nullopt;
      return text + " }";
    }
    case ExprKind::kList:
      text = "[";
      for (uint32_t i = e.list.first; i < e.list.end(); ++i) {
        if (i > e.list.first) text += ", ";
        if (!add(tree_.expr_lists[i], {})) return std::nullopt;
      }
      return text + "]";
    case ExprKind::kMap:
      if (e.list.count == 0) return std::string("[:]");
      text = "[";
      for (uint32_t i = e.list.first; i < e.list.end(); ++i) {
        if (i > e.list.first) text += ", ";
        if (!add(tree_.map_entries[i].key, {})) return std::nullopt;
        text += ": ";
        if (!add(tree_.map_entries[i].value, {})) return std::nullopt;
      }
      return text + "]";
    case ExprKind::kComprehension:
      text = "[";
      if (!add(e.lhs, {})) return std::nullopt;
      text += " for " + std::string(e.name) + " in ";
      if (!add(e.rhs, {})) return std::nullopt;
      if (e.third != kNone) {
        text += " if ";
        if (!add(e.third, {})) return std::nullopt;
      }
      return text + "]";
    default:
      // Literals as written: escapes, interpolations, `1_000`, `16.GB`.
      return std::string(tree_.file->Slice(e.range));
  }
}

// --- Broken forms -------------------------------------------------------------

void Printer::PrintExpr(ExprId id, Slot slot, int trailer) {
  const Expr& e = tree_.exprs[id];
  Parens parens = FindParens(id, slot);
  FlushInline(parens.from_source ? parens.open : e.range.begin);
  if (std::optional<std::string> flat = Flat(id, slot); flat && Fits(*flat, trailer)) {
    Write(*flat);
    return;
  }
  if (!parens.present) {
    ExprBody(id, trailer);
    FlushInline(e.range.end);
    return;
  }
  Write("(");
  ExprBody(id, trailer + 1);
  FlushInline(parens.from_source ? parens.close : e.range.end);
  Write(")");
}

std::vector<Item> Printer::ExprItems(Span list) {
  std::vector<Item> items;
  for (uint32_t i = list.first; i < list.end(); ++i) {
    ExprId id = tree_.expr_lists[i];
    items.push_back({OuterBegin(id, {}), OuterEnd(id, {}), [this, id] { PrintExpr(id, {}, 1); }});
  }
  return items;
}

void Printer::ExprBody(ExprId id, int trailer) {
  const Expr& e = tree_.exprs[id];
  uint32_t close = e.range.end - 1;  // the closing bracket of delimited forms
  switch (e.kind) {
    case ExprKind::kMember:
      PrintExpr(e.lhs, PostfixSlot(e.lhs, true), 0);
      FlushInline(e.name_range.begin);
      Write(e.safe ? "?." : ".");
      Write(e.name);
      return;
    case ExprKind::kCall: Call(id, trailer); return;
    case ExprKind::kIndex:
      PrintExpr(e.lhs, PostfixSlot(e.lhs, false), 1);
      Write("[");
      PrintExpr(e.rhs, {}, trailer + 1);
      FlushInline(close);
      Write("]");
      return;
    case ExprKind::kBuilder: {
      PrintExpr(e.lhs, PostfixSlot(e.lhs, false), 2);
      Write(" {");
      std::vector<Item> items;
      for (uint32_t i = e.list.first; i < e.list.end(); ++i) {
        const FieldInit& init = tree_.field_inits[i];
        uint32_t begin = init.name.empty() ? OuterBegin(init.value, {}) : init.name_range.begin;
        items.push_back({begin, OuterEnd(init.value, {}), [this, &init] {
                           if (init.name.empty()) {
                             PrintExpr(init.value, {}, 0);
                           } else {
                             Write(init.name);
                             AssignValue(init.value, {}, 0);
                           }
                         }});
      }
      Items(items, "", close);
      Write("}");
      return;
    }
    case ExprKind::kUnary:
      Write(Spelling(static_cast<UnaryOp>(e.op)));
      PrintExpr(e.lhs, OperandSlot(e.lhs), trailer);
      return;
    case ExprKind::kBinary: {
      std::string op = std::string(" ") + Spelling(static_cast<BinaryOp>(e.op)) + " ";
      // Never a line break before the operator: `a` and `-b` on two lines
      // are two expressions.
      PrintExpr(e.lhs, BinarySlot(id, e.lhs, true), static_cast<int>(op.size()));
      Write(op);
      PrintExpr(e.rhs, BinarySlot(id, e.rhs, false), trailer);
      return;
    }
    case ExprKind::kIf:
      Write("if (");
      PrintExpr(e.lhs, kInParens, 2);
      Write(") ");
      PrintExpr(e.rhs, {}, 5);
      Write(" else ");
      PrintExpr(e.third, {}, trailer);
      return;
    case ExprKind::kWhen: {
      Write("when");
      if (e.lhs != kNone) {
        Write(" (");
        PrintExpr(e.lhs, kInParens, 3);
        Write(")");
      }
      Write(" {");
      std::vector<Item> items;
      for (uint32_t i = e.list.first; i < e.list.end(); ++i) {
        const WhenBranch& branch = tree_.when_branches[i];
        items.push_back({branch.range.begin, OuterEnd(branch.value, {}), [this, &branch] {
                           if (branch.conditions.count == 0) Write("else");
                           for (uint32_t c = branch.conditions.first; c < branch.conditions.end(); ++c) {
                             if (c > branch.conditions.first) Write(", ");
                             PrintExpr(tree_.expr_lists[c], {}, 0);
                           }
                           Write(" -> ");
                           PrintExpr(branch.value, {}, 0);
                         }});
      }
      Items(items, "", close);
      Write("}");
      return;
    }
    case ExprKind::kLambda: {
      std::string head = "{";
      for (uint32_t i = e.list.first; i < e.list.end(); ++i) {
        head += (i > e.list.first ? ", " : " ") + std::string(tree_.names[i].text);
      }
      Write(head + " ->");
      ExprId body = e.lhs;
      Items({{OuterBegin(body, {}), OuterEnd(body, {}), [this, body] { PrintExpr(body, {}, 0); }}}, "", close);
      Write("}");
      return;
    }
    case ExprKind::kList:
      Write("[");
      Items(ExprItems(e.list), ",", close);
      Write("]");
      return;
    case ExprKind::kMap: {
      if (e.list.count == 0) {
        Write("[:");
        FlushInline(close);
        Write("]");
        return;
      }
      Write("[");
      std::vector<Item> items;
      for (uint32_t i = e.list.first; i < e.list.end(); ++i) {
        const MapEntry& entry = tree_.map_entries[i];
        items.push_back({OuterBegin(entry.key, {}), OuterEnd(entry.value, {}), [this, &entry] {
                           PrintExpr(entry.key, {}, 2);
                           Write(": ");
                           PrintExpr(entry.value, {}, 1);
                         }});
      }
      Items(items, ",", close);
      Write("]");
      return;
    }
    case ExprKind::kComprehension:
      Write("[");
      PrintExpr(e.lhs, {}, 0);
      Write(" for ");
      FlushInline(e.name_range.begin);
      Write(e.name);
      Write(" in ");
      PrintExpr(e.rhs, {}, e.third == kNone ? 1 : 0);
      if (e.third != kNone) {
        Write(" if ");
        PrintExpr(e.third, {}, 1);
      }
      FlushInline(close);
      Write("]");
      return;
    default:
      Write(*FlatBody(id));
      return;
  }
}

}  // namespace clive::lang::format
