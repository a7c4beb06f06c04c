// The formatter's printer. Private to lang/: formatter.cc lays out
// declarations and blocks, format_exprs.cc expressions.
//
// Layout is decided top-down: a construct is written on one line ("flat")
// when it has a flat form and that form fits in the line, else in its broken
// form (one item per line), whose parts decide again on their own. Comments
// are not in the tree's structure, so the printer walks them with a cursor in
// source order: before writing a token that comes from source offset `p`, it
// writes every comment that starts before `p` ("flushing").
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "clive/lang/formatter.h"
#include "clive/lang/syntax_tree.h"

namespace clive::lang::format {

inline constexpr int kIndent = 2;

// Where an expression sits in its parent. The parent's own syntax may put a
// `(` right before it or a `)` right after it (a call's first and last
// argument, `if (c)`, `when (x)`): those are not the author's parentheses.
// `needs_parens` is set when precedence requires parentheses.
struct Slot {
  bool owned_open = false;
  bool owned_close = false;
  bool needs_parens = false;
};

// The parentheses printed around an expression: the author's (one pair is
// kept however many were written) or those precedence requires.
struct Parens {
  bool present = false;
  bool from_source = false;  // the author's, not only required by precedence
  uint32_t open = 0;         // offset of the outermost `(` (the expression's start if synthesized)
  uint32_t close = 0;        // offset of its `)` (the expression's end if synthesized)
};

// One line of a block or of a broken list: comments before `begin` lead it,
// comments after `end` on the same source line trail it.
struct Item {
  uint32_t begin = 0;
  uint32_t end = 0;
  std::function<void()> print;
};

class Printer {
 public:
  explicit Printer(const SyntaxTree& tree);
  std::string Run();

 private:
  // --- Output.
  void Write(std::string_view text);
  void NewLine();
  void BlankLine();
  int Column() const;
  bool Fits(std::string_view flat, int trailer) const;

  // --- Source scanning (comments are skipped by their ranges).
  uint32_t SkipForward(uint32_t pos) const;
  uint32_t SkipBackward(uint32_t pos) const;
  bool HasCommentIn(uint32_t begin, uint32_t end) const;
  bool HasDocCommentIn(uint32_t begin, uint32_t end) const;
  size_t NewlinesBetween(uint32_t begin, uint32_t end) const;
  // The `ch` after `pos` (an optional trailing `,` skipped), or `pos`.
  uint32_t FindForward(uint32_t pos, char ch) const;
  // The end of a declaration's range without its optional `;` or `,`.
  uint32_t ContentEnd(SourceRange range) const;

  // --- Comments.
  const Comment* NextComment() const;
  void EmitComment();
  // Writes the comments before `offset` where the output is.
  void FlushInline(uint32_t offset);
  // Writes the comments before `limit` that share a source line with the
  // token before them (or start before `inside_end`), at the end of the
  // current line; a line comment ends the line and the rest.
  void EmitTrailing(uint32_t limit, uint32_t inside_end = 0);
  // Writes the comments before `limit` on lines of their own, keeping one
  // blank line where the source had any (never first in a block).
  void EmitLeading(uint32_t limit, bool& first);
  bool OnLineOfPreviousToken(const Comment& c) const;
  bool FollowedOnSameLine(const Comment& c) const;

  // --- Blocks and broken lists: one item per line, each followed by `sep`,
  // then the comments before `close`. With `bracketed`, the opening bracket
  // has just been written and the items are indented one level.
  void Items(const std::vector<Item>& items, std::string_view sep, uint32_t close,
             bool bracketed = true);

  // --- Declarations (formatter.cc).
  void File();
  void Import(const ImportDecl& import);
  void TypeDeclaration(TypeDeclId id);
  void EnumDeclaration(uint32_t id);
  void FnDeclaration(uint32_t id);
  void ValDeclaration(const ValDecl& val);
  void Field(const FieldDecl& field);
  void Annotations(const std::vector<std::string_view>& annotations);
  void TypeRefAt(TypeRefId id);
  std::string TypeRefText(TypeRefId id) const;
  std::string NamesText(Span names) const;
  Item FieldItem(const FieldDecl& field);
  // ` = value`: on this line if it fits, else alone on the next line (one
  // level deeper) if it fits there, else broken after ` = `.
  void AssignValue(ExprId value, Slot slot, int trailer);

  // --- Expressions (format_exprs.cc). PrintExpr writes an expression with
  // its parentheses: flat if that fits with `trailer` more columns after it,
  // else broken. No line ever breaks before a call's `(`, an index's `[`, a
  // trailing lambda or a binary operator: a newline there ends the expression.
  void PrintExpr(ExprId id, Slot slot, int trailer);
  void ExprBody(ExprId id, int trailer);
  void Call(ExprId id, int trailer);
  std::optional<std::string> Flat(ExprId id, Slot slot) const;
  std::optional<std::string> FlatBody(ExprId id) const;
  std::optional<std::string> FlatArgs(ExprId call, bool trailing) const;
  Parens FindParens(ExprId id, Slot slot) const;
  uint32_t OuterBegin(ExprId id, Slot slot) const;
  uint32_t OuterEnd(ExprId id, Slot slot) const;
  bool IsTrailingLambda(ExprId call) const;
  bool HasParenGroup(ExprId call, bool trailing) const;
  Slot ArgSlot(ExprId call, uint32_t index, uint32_t paren_args) const;
  Slot BinarySlot(ExprId parent, ExprId child, bool left) const;
  Slot OperandSlot(ExprId child) const;
  Slot PostfixSlot(ExprId child, bool member) const;
  bool IsSimple(ExprId id) const;
  bool BlockFitsOneLine(ExprId id) const;
  std::vector<Item> ExprItems(Span list);

  const SyntaxTree& tree_;
  std::string_view src_;
  std::string out_;
  int indent_ = 0;
  int column_ = 0;              // code points on the current output line
  bool at_line_start_ = true;   // nothing written on this line yet, not even indentation
  int line_indent_ = -1;        // indentation of the pending line if not indent_
  bool newline_pending_ = false;  // a line comment ended the line
  bool space_pending_ = false;    // an inline block comment wants a space after it
  uint32_t last_end_ = 0;       // source end of the last comment or item written
  size_t next_comment_ = 0;     // the comment cursor
};

size_t CodePoints(std::string_view text);

}  // namespace clive::lang::format
