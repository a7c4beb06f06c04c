// Unit tests of the formatter: layout decisions, comment placement, and a
// property test over every clive source in the repository (examples, stdlib,
// the files embedded in lit tests), also with comments added everywhere.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "clive/lang/formatter.h"
#include "clive/lang/parser.h"

namespace clive::lang {
namespace {

namespace fs = std::filesystem;

// Formats `text`, and checks on the way that formatting again changes nothing.
std::string Fmt(const std::string& text) {
  SourceFile file("test.cl", text);
  DiagnosticSink sink;
  Expected<std::string> once = FormatSource(file, sink);
  if (!once.ok()) {
    ADD_FAILURE() << once.status().message();
    return {};
  }
  SourceFile again_file("test.cl", *once);
  DiagnosticSink again_sink;
  Expected<std::string> twice = FormatSource(again_file, again_sink);
  EXPECT_TRUE(twice.ok());
  if (twice.ok()) {
    EXPECT_EQ(*twice, *once) << "not idempotent on:\n" << text;
  }
  return *once;
}

// --- Layout ---------------------------------------------------------------

TEST(Formatter, OneDeclarationPerLineAndSeparatorsDropped) {
  EXPECT_EQ(Fmt("val a = 1; val b = 2,val c=3\n"), "val a = 1\nval b = 2\nval c = 3\n");
  EXPECT_EQ(Fmt("type T { a: Int; b: String = \"x\", }\n"),
            "type T {\n  a: Int\n  b: String = \"x\"\n}\n");
  EXPECT_EQ(Fmt("type T {}\ntype U {\n}\n"), "type T {}\ntype U {}\n");
}

TEST(Formatter, BlankLinesKeptAsAtMostOne) {
  EXPECT_EQ(Fmt("\n\nval a = 1\n\n\n\nval b = 2\nval c = 3\n\n\n"),
            "val a = 1\n\nval b = 2\nval c = 3\n");
  // Not at the start or end of a block.
  EXPECT_EQ(Fmt("type T {\n\n  a: Int\n\n\n  b: Int\n\n}\n"), "type T {\n  a: Int\n\n  b: Int\n}\n");
  EXPECT_EQ(Fmt(""), "");
  EXPECT_EQ(Fmt("\n\n"), "");
}

TEST(Formatter, SpacesAroundOperatorsAndEquals) {
  EXPECT_EQ(Fmt("val a=1+2*3-x/y%z\n"), "val a = 1 + 2 * 3 - x / y % z\n");
  EXPECT_EQ(Fmt("val b=a==b&&c!=d||!e\n"), "val b = a == b && c != d || !e\n");
  EXPECT_EQ(Fmt("val c=a?:b\nval d=a?.b.c\n"), "val c = a ?: b\nval d = a?.b.c\n");
  EXPECT_EQ(Fmt("val e=T{a=1}\n"), "val e = T { a = 1 }\n");
  EXPECT_EQ(Fmt("fn f(a:Int=1,b:List<Map<String,Int>>?):Int=a\n"),
            "fn f(a: Int = 1, b: List<Map<String, Int>>?): Int = a\n");
}

TEST(Formatter, LiteralsExactlyAsWritten) {
  const std::string src =
      "val s = \"tab\\t ${a + \"x${b}\"} \\$ \\\" ünï\"\n"
      "val n = 1_000_000 + 0\n"
      "val q = 16.GB + 1.5.GiB + 30.s\n"
      "val f = 2.0e-3 + 1.50\n";
  EXPECT_EQ(Fmt(src), src);
}

TEST(Formatter, BuilderBlocksStayOnOneLineOnlyWhenSmallAndSimple) {
  EXPECT_EQ(Fmt("val a = T {\n  x = 1\n  y = \"two\"\n}\n"), "val a = T { x = 1; y = \"two\" }\n");
  EXPECT_EQ(Fmt("val a = T { x = 1; y = 2; z = 3 }\n"), "val a = T {\n  x = 1\n  y = 2\n  z = 3\n}\n");
  // A nested block or a non-empty collection inside breaks the block.
  EXPECT_EQ(Fmt("val a = T { u = U { x = 1 } }\n"), "val a = T {\n  u = U { x = 1 }\n}\n");
  EXPECT_EQ(Fmt("val a = T { xs = [1] }\n"), "val a = T {\n  xs = [1]\n}\n");
  EXPECT_EQ(Fmt("val a = T { xs = []; u = U {} }\n"), "val a = T { xs = []; u = U {} }\n");
  EXPECT_EQ(Fmt("val a = T { }\n"), "val a = T {}\n");
  // Bare items keep their separator on one line, and their parentheses.
  EXPECT_EQ(Fmt("val a = T { f(); (g) }\n"), "val a = T { f(); (g) }\n");
  EXPECT_EQ(Fmt("val a = T { a; (b); -c }\n"), "val a = T {\n  a\n  (b)\n  -c\n}\n");
  // Too long for one line.
  std::string long_value(80, 'x');
  EXPECT_EQ(Fmt("val a = T { name = \"" + long_value + "\" }\n"),
            "val a = T {\n  name = \"" + long_value + "\"\n}\n");
}

TEST(Formatter, CollectionsAndCallsOneLineIfTheyFitElseOnePerLine) {
  EXPECT_EQ(Fmt("val a = [\n  1,\n  2,\n]\nval m = [\"a\" : 1]\nval e = [ : ]\n"),
            "val a = [1, 2]\nval m = [\"a\": 1]\nval e = [:]\n");
  std::string a(45, 'a'), b(45, 'b');
  EXPECT_EQ(Fmt("val l = [" + a + ", " + b + ", c]\n"),
            "val l = [\n  " + a + ",\n  " + b + ",\n  c,\n]\n");
  EXPECT_EQ(Fmt("val c = f(" + a + ", name = " + b + ")\n"),
            "val c = f(\n  " + a + ",\n  name = " + b + ",\n)\n");
  EXPECT_EQ(Fmt("val m = [\"" + a + "\": 1, \"" + b + "\": 2]\n"),
            "val m = [\n  \"" + a + "\": 1,\n  \"" + b + "\": 2,\n]\n");
  // Exactly 100 columns fits; 101 does not.
  std::string fill(100 - std::string("val x = []").size(), 'y');
  EXPECT_EQ(Fmt("val x = [" + fill + "]\n"), "val x = [" + fill + "]\n");
  EXPECT_EQ(Fmt("val x = [" + fill + "z]\n"), "val x = [\n  " + fill + "z,\n]\n");
  // A call that fits nowhere breaks inside its parentheses.
  std::string wide(100, 'w');
  EXPECT_EQ(Fmt("val x = f(" + wide + ")\n"), "val x = f(\n  " + wide + ",\n)\n");
}

TEST(Formatter, ValueOnTheNextLineWhenItFitsOnlyThere) {
  std::string a(50, 'a');
  EXPECT_EQ(Fmt("fn " + a + "(x: Int): Int = x + x + x + x + x + x + x + x + x + x\n"),
            "fn " + a + "(x: Int): Int =\n  x + x + x + x + x + x + x + x + x + x\n");
  // A value that breaks anyway starts on the declaration's line.
  EXPECT_EQ(Fmt("fn " + a + "(x: Int): Int = T { a = 1; b = 2; c = 3 }\n"),
            "fn " + a + "(x: Int): Int = T {\n  a = 1\n  b = 2\n  c = 3\n}\n");
  EXPECT_EQ(Fmt("fn " + a + "(x: Int): Int = f(x, xxxxxxxxxxxxxxxxxxxxxxxxxxxxx)\n"),
            "fn " + a + "(x: Int): Int =\n  f(x, xxxxxxxxxxxxxxxxxxxxxxxxxxxxx)\n");
  // Collections break inside their brackets instead.
  EXPECT_EQ(Fmt("fn " + a + "(x: Int): Int = [x, xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx]\n"),
            "fn " + a + "(x: Int): Int = [\n  x,\n  xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx,\n]\n");
}

TEST(Formatter, LongParameterListsBreak) {
  std::string t(40, 'T');
  EXPECT_EQ(Fmt("fn f(a: " + t + ", b: " + t + " = 1): Int = a\n"),
            "fn f(\n  a: " + t + ",\n  b: " + t + " = 1,\n): Int = a\n");
}

TEST(Formatter, WhenLambdasAndIf) {
  EXPECT_EQ(Fmt("val w = when (x) { 1 -> \"one\"; else -> \"many\" }\n"),
            "val w = when (x) { 1 -> \"one\"; else -> \"many\" }\n");
  EXPECT_EQ(Fmt("val w = when (x) { 1, 2 -> a; 3 -> b; else -> c }\n"),
            "val w = when (x) {\n  1, 2 -> a\n  3 -> b\n  else -> c\n}\n");
  EXPECT_EQ(Fmt("val w = when { a -> T { x = 1 }; else -> b }\n"),
            "val w = when {\n  a -> T { x = 1 }\n  else -> b\n}\n");
  EXPECT_EQ(Fmt("val l = xs.map{x,y->x+y}.filter { -> true }\n"),
            "val l = xs.map { x, y -> x + y }.filter { -> true }\n");
  EXPECT_EQ(Fmt("val l = xs.map { x -> T { a = x; b = 1; c = 2 } }\n"),
            "val l = xs.map { x ->\n  T {\n    a = x\n    b = 1\n    c = 2\n  }\n}\n");
  EXPECT_EQ(Fmt("val i = if(a)b else if (c) d else e\nval m = [x*2 for x in xs if x>1]\n"),
            "val i = if (a) b else if (c) d else e\nval m = [x * 2 for x in xs if x > 1]\n");
}

TEST(Formatter, TrailingLambdasKeepTheirForm) {
  EXPECT_EQ(Fmt("val a = f(1) { x -> x }\nval b = f(1, { x -> x })\n"),
            "val a = f(1) { x -> x }\nval b = f(1, { x -> x })\n");
  // Empty parentheses before a trailing lambda are dropped, unless the
  // callee is itself a call (then they are what makes it a call).
  EXPECT_EQ(Fmt("val a = f() { x -> x }\nval b = g(1)() { x -> x }\n"),
            "val a = f { x -> x }\nval b = g(1)() { x -> x }\n");
  // ... or hold a comment: a line break before the lambda would end the call.
  EXPECT_EQ(Fmt("val a = f(// why\n) { x -> x }\n"), "val a = f( // why\n) { x -> x }\n");
  EXPECT_EQ(Fmt("val a = f /* why */ { x -> x }\n"), "val a = f /* why */ { x -> x }\n");
}

TEST(Formatter, AuthorsParenthesesAreKept) {
  EXPECT_EQ(Fmt("val a = (1 + 2) * 3\nval b = ((a))\nval c = (a * b) + c\n"),
            "val a = (1 + 2) * 3\nval b = (a)\nval c = (a * b) + c\n");
  EXPECT_EQ(Fmt("val a = f((x), y)\nval b = if ((c)) d else e\nval k = (if (a) b else c).d\n"),
            "val a = f((x), y)\nval b = if ((c)) d else e\nval k = (if (a) b else c).d\n");
  // A member of an integer needs them: `1.x` is a quantity.
  EXPECT_EQ(Fmt("val a = 1 .foo\n"), "val a = (1).foo\n");
  // The last argument's parentheses, before a trailing comma.
  EXPECT_EQ(Fmt("val a = f(x, (y),)\nval b = f((y),)\n"), "val a = f(x, (y))\nval b = f((y))\n");
  // `Int?.f` would lex `?.`.
  EXPECT_EQ(Fmt("fn Int? .f(): Int = 1\n"), "fn Int? .f(): Int = 1\n");
}

TEST(Formatter, EnumsAndImports) {
  EXPECT_EQ(Fmt("enum E{A,B,C,}\nenum F {}\n"), "enum E { A, B, C }\nenum F {}\n");
  std::string names;
  for (int i = 0; i < 12; ++i) names += (i ? ", Case" : "Case") + std::to_string(i) + "Long";
  std::string expected = "enum E {\n";
  for (int i = 0; i < 12; ++i) expected += "  Case" + std::to_string(i) + "Long,\n";
  EXPECT_EQ(Fmt("enum E { " + names + " }\n"), expected + "}\n");
  EXPECT_EQ(Fmt("import a.b.{x,y as z};import c as d\n"), "import a.b.{x, y as z}\nimport c as d\n");
}

TEST(Formatter, AnnotationsAndFunctions) {
  EXPECT_EQ(Fmt("type A { @collect   items: List<T> = [] }\n@builtin fn <T,R> List<T>.map(f:(T)->R):List<R>\n"),
            "type A {\n  @collect items: List<T> = []\n}\n"
            "@builtin fn <T, R> List<T>.map(f: (T) -> R): List<R>\n");
}

// --- Comments ---------------------------------------------------------------

TEST(FormatterComments, LeadingAndDocCommentsStayBeforeTheirDeclaration) {
  const std::string src =
      "// File header.\n"
      "\n"
      "/// Doc of T.\n"
      "type T {\n"
      "  /// Doc of a.\n"
      "  a: Int\n"
      "  /* before b */ b: Int\n"
      "}\n";
  EXPECT_EQ(Fmt(src), src);
}

TEST(FormatterComments, TrailingCommentsStayOnTheirLine) {
  EXPECT_EQ(Fmt("val a = 1 // one\nval b = T { x = 1; y = 2 } /* b */ // two\n"),
            "val a = 1 // one\nval b = T { x = 1; y = 2 } /* b */ // two\n");
  // On the declaration's line, even after a dropped separator.
  EXPECT_EQ(Fmt("val a = 1; // one\n"), "val a = 1 // one\n");
}

TEST(FormatterComments, CommentsInsideBlocksBreakThem) {
  EXPECT_EQ(Fmt("val a = T { x = 1 /* one */ }\n"), "val a = T {\n  x = 1 /* one */\n}\n");
  EXPECT_EQ(Fmt("val a = [1, // one\n 2]\n"), "val a = [\n  1, // one\n  2,\n]\n");
  EXPECT_EQ(Fmt("val a = f( // why\n  x)\n"), "val a = f( // why\n  x,\n)\n");
  EXPECT_EQ(Fmt("val a = T {\n  x = 1\n  // the end\n}\n"), "val a = T {\n  x = 1\n  // the end\n}\n");
  EXPECT_EQ(Fmt("val a = T { // nothing yet\n}\n"), "val a = T { // nothing yet\n}\n");
}

TEST(FormatterComments, CommentsInsideExpressionsStayInPlace) {
  EXPECT_EQ(Fmt("val a = 1 + /* two */ 2\n"), "val a = 1 + /* two */ 2\n");
  EXPECT_EQ(Fmt("val a = 1 + // why\n  2\n"), "val a = 1 + // why\n  2\n");
  EXPECT_EQ(Fmt("val a = // why\n  2\n"), "val a = // why\n  2\n");
  EXPECT_EQ(Fmt("val a = b // why\n  .c\n"), "val a = b // why\n  .c\n");
}

TEST(FormatterComments, BlockCommentsAreKeptVerbatim) {
  const std::string src = "/* one\n     two\n*/\nval a = 1\n\n/**/ // end\n";
  EXPECT_EQ(Fmt(src), src);
}

TEST(FormatterComments, TrailingBlanksOfLineCommentsAreDropped) {
  EXPECT_EQ(Fmt("// a   \nval a = 1 // b \t\n"), "// a\nval a = 1 // b\n");
}

TEST(FormatterComments, CommentsInsideTypesStayThere) {
  EXPECT_EQ(Fmt("fn f(a: List</* of */ Int>, b: (T) // why\n -> R) = 1\n"),
            "fn f(\n  a: List</* of */ Int>,\n  b: (T) -> // why\n    R,\n) = 1\n");
  EXPECT_EQ(Fmt("val a: List<Int /* x */> = []\n"), "val a: List<Int /* x */> = []\n");
  // A `///` inside a declaration documents nothing, and must not start to.
  EXPECT_EQ(Fmt("type /// stray\nT { a: Int }\n"), "type /// stray\n  T {\n  a: Int\n}\n");
  EXPECT_EQ(Fmt("type T {\n  a: JVM.Provider\n/// d\n?\n  b: Int\n}\n"),
            "type T {\n  a: JVM.Provider /// d\n    ?\n  b: Int\n}\n");
  EXPECT_EQ(Fmt("fn f\n/// e\n(x: Int) = x\n"), "fn f /// e\n  (x: Int) = x\n");
  EXPECT_EQ(Fmt("val v: JVM . /* q */ Provider = 1\n"), "val v: JVM. /* q */ Provider = 1\n");
}

TEST(FormatterComments, SeparatorsAfterCommentsOnAnotherLine) {
  EXPECT_EQ(Fmt("enum E { A // a\n, B }\n"), "enum E {\n  A, // a\n  B,\n}\n");
  EXPECT_EQ(Fmt("val a = [1 /* one */, 2 /* two */]\n"), "val a = [\n  1 /* one */,\n  2, /* two */\n]\n");
}

TEST(Formatter, WindowsLineEndingsAndDocBlanks) {
  EXPECT_EQ(Fmt("/// doc  \r\ntype T {\r\n  a: Int // x\r\n}\r\n"), "/// doc\ntype T {\n  a: Int // x\n}\n");
}

// --- Errors -------------------------------------------------------------------

TEST(Formatter, SyntaxErrorsAreReportedAndNothingIsFormatted) {
  SourceFile file("bad.cl", "val a = 1\nval x = #\n");
  DiagnosticSink sink;
  Expected<std::string> out = FormatSource(file, sink);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(out.status().message(), "bad.cl: 1 error; not formatted");
  ASSERT_EQ(sink.error_count(), 1u);
  EXPECT_EQ(sink.diagnostics()[0].code, "E0001");
}

TEST(Formatter, StructuralDumpIgnoresLayoutButNotMeaning) {
  auto dump = [](const std::string& text) {
    SourceFile file("t.cl", text);
    DiagnosticSink sink;
    auto tree = Parse(file, sink);
    EXPECT_FALSE(sink.has_errors()) << text;
    return StructuralDump(*tree);
  };
  EXPECT_EQ(dump("val a = (1 + 2) * f(x)\n"), dump("val a =\n  (1+2)*f(\n x,\n)"));
  EXPECT_NE(dump("val a = (1 + 2) * 3\n"), dump("val a = 1 + 2 * 3\n"));
  EXPECT_NE(dump("val a = T {\n  b\n  (c)\n}\n"), dump("val a = T { b(c) }\n"));
  EXPECT_NE(dump("/// doc\nval a = 1\n"), dump("val a = 1\n"));
  EXPECT_NE(dump("val a = \"x\\n\"\n"), dump("val a = \"x\"\n"));
}

// --- Property test over the repository's clive sources ----------------------

struct Corpus {
  std::string name;
  std::string text;
};

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every .cl file under examples/ and stdlib/, and every `#--- name.cl` section
// of the lit tests (the format split-file reads).
std::vector<Corpus> LoadCorpus() {
  std::vector<Corpus> corpus;
  fs::path root = CLIVE_SOURCE_DIR;
  for (const char* dir : {"examples", "stdlib"}) {
    for (const auto& entry : fs::recursive_directory_iterator(root / dir)) {
      if (entry.path().extension() == ".cl") {
        corpus.push_back({fs::relative(entry.path(), root).string(), ReadFile(entry.path())});
      }
    }
  }
  for (const auto& entry : fs::recursive_directory_iterator(root / "tests" / "lit")) {
    if (entry.path().extension() != ".test") continue;
    std::istringstream in(ReadFile(entry.path()));
    std::string line;
    Corpus* current = nullptr;
    while (std::getline(in, line)) {
      if (line.rfind("#--- ", 0) == 0) {
        std::string name = line.substr(5);
        current = nullptr;
        if (name.size() > 3 && name.substr(name.size() - 3) == ".cl") {
          corpus.push_back({fs::relative(entry.path(), root).string() + ":" + name, ""});
          current = &corpus.back();
        }
      } else if (current != nullptr) {
        current->text += line + "\n";
      }
    }
  }
  return corpus;
}

std::vector<std::string> CommentTexts(const SyntaxTree& tree) {
  std::vector<std::string> texts;
  for (const Comment& c : tree.comments) {
    std::string text(tree.file->Slice(c.range));
    if (c.kind != Comment::Kind::kBlock) text.erase(text.find_last_not_of(" \t") + 1);
    texts.push_back(text);
  }
  return texts;
}

// Checks the three properties on one source; false if it does not parse
// (such sources are skipped).
bool CheckProperties(const std::string& name, const std::string& text) {
  SourceFile file(name, text);
  DiagnosticSink sink;
  std::unique_ptr<SyntaxTree> tree = Parse(file, sink);
  if (sink.has_errors()) return false;
  std::string once = Format(*tree);

  SourceFile formatted(name, once);
  DiagnosticSink sink2;
  std::unique_ptr<SyntaxTree> tree2 = Parse(formatted, sink2);
  EXPECT_FALSE(sink2.has_errors()) << name << ": the output does not parse:\n" << once;
  EXPECT_EQ(StructuralDump(*tree2), StructuralDump(*tree)) << name << ": the tree changed:\n" << once;
  EXPECT_EQ(CommentTexts(*tree2), CommentTexts(*tree)) << name << ": comments changed:\n" << once;
  std::string twice = Format(*tree2);
  EXPECT_EQ(twice, once) << name << ": not idempotent; input:\n" << text;
  DiagnosticSink sink3;
  EXPECT_TRUE(FormatSource(file, sink3).ok()) << name;
  return true;
}

// The source with a block comment at both ends of every expression and type
// (outside string literals), where the formatter must find a place for each.
std::string WithBlockComments(const std::string& text) {
  SourceFile file("x.cl", text);
  DiagnosticSink sink;
  std::unique_ptr<SyntaxTree> tree = Parse(file, sink);
  std::vector<SourceRange> strings;
  for (const auto& e : tree->exprs) {
    if (e.kind == ExprKind::kString || e.kind == ExprKind::kInterpolation) strings.push_back(e.range);
  }
  auto in_string = [&](uint32_t at) {
    return std::any_of(strings.begin(), strings.end(),
                       [&](SourceRange r) { return r.begin < at && at < r.end; });
  };
  std::set<uint32_t> offsets;
  for (const auto& e : tree->exprs) {
    for (uint32_t at : {e.range.begin, e.range.end}) {
      if (!in_string(at)) offsets.insert(at);
    }
  }
  for (const auto& t : tree->type_refs) {
    offsets.insert(t.range.begin);
    offsets.insert(t.range.end);
  }
  std::string out = text;
  int n = static_cast<int>(offsets.size());
  for (auto it = offsets.rbegin(); it != offsets.rend(); ++it) {
    out.insert(*it, "/*c" + std::to_string(n--) + "*/");
  }
  return out;
}

// The source with a block comment spanning two lines before every
// expression but a lambda (before a trailing lambda it would end the call).
std::string WithMultiLineComments(const std::string& text) {
  SourceFile file("x.cl", text);
  DiagnosticSink sink;
  std::unique_ptr<SyntaxTree> tree = Parse(file, sink);
  std::vector<SourceRange> strings;
  for (const auto& e : tree->exprs) {
    if (e.kind == ExprKind::kString || e.kind == ExprKind::kInterpolation) strings.push_back(e.range);
  }
  std::set<uint32_t> offsets;
  for (const auto& e : tree->exprs) {
    bool in_string = std::any_of(strings.begin(), strings.end(), [&](SourceRange r) {
      return r.begin < e.range.begin && e.range.begin < r.end;
    });
    if (!in_string && e.kind != ExprKind::kLambda) offsets.insert(e.range.begin);
  }
  std::string out = text;
  int n = static_cast<int>(offsets.size());
  for (auto it = offsets.rbegin(); it != offsets.rend(); ++it) {
    out.insert(*it, "/* m" + std::to_string(n--) + "\n */ ");
  }
  return out;
}

// The source with a line comment at the end of every line that does not end
// inside a block comment.
std::string WithLineComments(const std::string& text) {
  SourceFile file("x.cl", text);
  DiagnosticSink sink;
  std::unique_ptr<SyntaxTree> tree = Parse(file, sink);
  std::string out;
  int n = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') {
      bool in_block = std::any_of(tree->comments.begin(), tree->comments.end(), [&](const Comment& c) {
        return c.kind == Comment::Kind::kBlock && c.range.begin < i && i < c.range.end;
      });
      if (!in_block) out += " // l" + std::to_string(++n);
    }
    out += text[i];
  }
  return out;
}

// Corner cases of the grammar that the repository's sources do not show.
const char* const kTricky = R"(// header

import a.b.{x, y as z} // trailing
import c.d as e;
/// Doc.
type T<A> { // open
  /// field doc
  @collect items: List<Int> = []

  b: Int = (1 + 2) * 3
  enum E { A, B, }
  fn f(x: Int = (1), y: String): Int =
    x + 1
  // closing
}
val a = 1; val b = 2
val c = f(a) { x -> x * 2 }
val d = f() { x -> x }
val e = g(1)() { x -> x }
val f = (g(1)) { x -> x }
val g = [1, 2].map { x -> (x) }.filter { -> true }
val h = -(a + b) * -c - -1
val i = a ?: b ?: (c ?: d)
val k = (if (a) b else c).foo + (1).x + 1 .y
val l = if (a) if (b) c else d else e
val m = [x * 2 for x in xs if (x > 1)]
val n = ["a": 1, (b): [:]]
val p = when { a -> 1; else -> 2 }
val q = T {
  a
  (b)
  -c
  [d]
  d = 4; e = f(1)
  g { x -> x }
}
val r = "s ${a + "x${b}"} \$ \n"
val s = T { }() { x -> x } { y = 1 }
val t = g { a -> a } { b -> b }
val u = f(x = (1), (2), { y -> y },)
val v = a[(0)][1]?.b
val w = { -> when (x) { A, B -> 1; C -> 2 } }
val y = !(a && b) || !!c
val z = (((a)))
)";

TEST(FormatterProperties, RepositorySources) {
  std::vector<Corpus> corpus = LoadCorpus();
  ASSERT_GE(corpus.size(), 20u);
  corpus.push_back({"tricky", kTricky});
  int checked = 0;
  for (const Corpus& c : corpus) {
    if (!CheckProperties(c.name, c.text)) continue;
    ++checked;
    std::string blocks = WithBlockComments(c.text);
    EXPECT_TRUE(CheckProperties(c.name + " (block comments)", blocks));
    EXPECT_TRUE(CheckProperties(c.name + " (line comments)", WithLineComments(c.text)));
    EXPECT_TRUE(CheckProperties(c.name + " (multi-line comments)", WithMultiLineComments(c.text)));
    EXPECT_TRUE(CheckProperties(c.name + " (all comments)", WithLineComments(blocks)));
  }
  EXPECT_GE(checked, 20);
  EXPECT_TRUE(CheckProperties("tricky", kTricky)) << "the tricky source must parse";
}

}  // namespace
}  // namespace clive::lang
