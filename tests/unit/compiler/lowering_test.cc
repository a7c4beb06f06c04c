// Unit tests of lowering: the shape of the IR (constant globals,
// monomorphized instances, closures, the shared failing exit) and the
// runtime ABI helpers that compiled code calls.
#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

#include "clive/abi/abi.h"
#include "clive/compiler/checker.h"
#include "clive/compiler/jit.h"

namespace clive::compiler {
namespace {

class LoweringTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto jit = Jit::Create();
    ASSERT_TRUE(jit.ok()) << jit.status().message();
    jit_ = std::move(*jit);
  }

  // The IR of `text` (which must check clean).
  std::string IR(std::string text) {
    lang::DiagnosticSink sink;
    programs_.push_back(CheckSource("test.cl", std::move(text), sink, SearchPath{{CLIVE_STDLIB_DIR}}));
    EXPECT_FALSE(sink.has_errors());
    auto ir = jit_->EmitIR(*programs_.back(), Root());
    EXPECT_TRUE(ir.ok()) << ir.status().message();
    return ir.ok() ? *ir : "";
  }

  // The body of the function whose name contains `name`.
  static std::string Body(const std::string& ir, const std::string& name) {
    size_t at = ir.find(name + "(ptr");
    size_t define = ir.rfind("define ", at);
    if (at == std::string::npos || define == std::string::npos) return "";
    return ir.substr(define, ir.find("\n}\n", at) - define);
  }

  static size_t Count(const std::string& text, const std::string& part) {
    size_t n = 0;
    for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
    return n;
  }

  // Evaluates every cell of `text` and returns the slot of `cell`; the
  // module stays loaded for the test (values may point into its constants).
  uint64_t Eval(std::string text, std::string_view cell) {
    lang::DiagnosticSink sink;
    programs_.push_back(CheckSource("test.cl", std::move(text), sink, SearchPath{{CLIVE_STDLIB_DIR}}));
    EXPECT_FALSE(sink.has_errors());
    const CheckedModule& module = Root();
    auto loaded = jit_->Load(*programs_.back(), module, /*cache_key=*/"", sink);
    EXPECT_TRUE(loaded.ok()) << loaded.status().message();
    if (!loaded.ok()) return 0;
    loaded_.push_back(std::move(*loaded));
    uint64_t result = 0;
    for (uint32_t c : module.eval_order) {
      auto compiled = loaded_.back()->Cell(module.cells[c].name);
      EXPECT_TRUE(compiled.ok());
      EXPECT_TRUE(compiled->evaluate(&ctx_));
      if (module.cells[c].name == cell) result = *compiled->slot;
    }
    return result;
  }

  // The checked module (the prelude is loaded before it).
  const CheckedModule& Root() const {
    const Program& p = *programs_.back();
    return p.module(p.order().back());
  }

  abi::Context ctx_;
  std::unique_ptr<Jit> jit_;
  std::vector<std::unique_ptr<Program>> programs_;
  std::vector<std::unique_ptr<LoadedModule>> loaded_;  // before jit_ goes
};

std::string Text(uint64_t word) { return std::string(abi::StringView(reinterpret_cast<const void*>(word))); }
const uint64_t* Words(uint64_t word) { return reinterpret_cast<const uint64_t*>(word); }

TEST_F(LoweringTest, ConstantRecordsAndListsAreConstantGlobals) {
  std::string ir = IR(
      "type Endpoint { host: String = \"localhost\"; port: Int = 80 }\n"
      "val e = Endpoint {}\nval xs = [1, 2, 3]\nval n = 4\nval ys = [n]\n");
  EXPECT_NE(ir.find("@const.Endpoint = private unnamed_addr constant { ptr, i64 } { ptr @str."), std::string::npos);
  EXPECT_NE(ir.find("constant { i64, i64, i64, i64 } { i64 3, i64 1, i64 2, i64 3 }"), std::string::npos);
  EXPECT_EQ(Count(Body(ir, ".cell.e"), "clive_rt_alloc"), 0u);
  EXPECT_EQ(Count(Body(ir, ".cell.xs"), "clive_rt_alloc"), 0u);
  EXPECT_EQ(Count(Body(ir, ".cell.ys"), "clive_rt_alloc"), 1u);  // reads a cell: built at run time
}

TEST_F(LoweringTest, GenericFunctionsAreMonomorphizedWithInternalLinkage) {
  std::string ir = IR(
      "fn <T> same(x: T): T = x\n"
      "val a = same(1)\nval b = same(\"s\")\nval c = same(2)\n");
  EXPECT_EQ(Count(ir, "define internal zeroext i1 @\"fn._root.same.0<Int>\""), 1u);
  EXPECT_EQ(Count(ir, "define internal zeroext i1 @\"fn._root.same.0<String>\""), 1u);
  EXPECT_NE(ir.find("@\"fn._root.same.0<String>\"(ptr %0, ptr %1, ptr %2)"), std::string::npos);
}

TEST_F(LoweringTest, NamedFunctionValuesAreConstantClosures) {
  std::string ir = IR("fn inc(x: Int): Int = x + 1\nfn apply(f: (Int) -> Int): Int = f(1)\nval a = apply(inc)\n");
  EXPECT_NE(ir.find("@const.function = private unnamed_addr constant { ptr } { ptr @value.inc }"), std::string::npos);
}

TEST_F(LoweringTest, ChecksShareOneFailingExitPerFunction) {
  std::string ir = IR("val a = 3\nval b = a * a + a - a / a\nval c = a % 7\n");
  std::string b = Body(ir, ".cell.b");
  EXPECT_EQ(Count(b, "call void @clive_rt_fail"), 1u);
  EXPECT_EQ(Count(b, "with.overflow"), 3u);
  std::string c = Body(ir, ".cell.c");  // a constant divisor needs no check
  EXPECT_EQ(Count(c, "clive_rt_fail"), 0u);
  EXPECT_NE(ir.find("define zeroext i1 @clive._root."), std::string::npos);
}

TEST_F(LoweringTest, MapsAreSortedWithTheLastEqualKeyWinning) {
  const uint64_t* map = Words(Eval("val m = [\"b\": 2, \"a\": 1, \"b\": 3]\n", "m"));
  ASSERT_EQ(map[0], 2u);
  EXPECT_EQ(Text(map[1]), "a");
  EXPECT_EQ(map[2], 1u);
  EXPECT_EQ(Text(map[3]), "b");
  EXPECT_EQ(map[4], 3u);
}

TEST_F(LoweringTest, ClosuresCaptureTheirScope) {
  uint64_t v = Eval(
      "type S { k: Int = 3\n  fn scaled(xs: List<Int>): List<Int> = xs.map { x -> x * k } }\n"
      "fn adder(n: Int): (Int) -> Int = { x -> x + n }\n"
      "val a = adder(2)(40) + S {}.scaled([1, 2])[1]\n",
      "a");
  EXPECT_EQ(v, 48u);
}

TEST_F(LoweringTest, FloatsAreDoubleBits) {
  uint64_t v = Eval("val f = 1.5 * 4.0 - 0.5\n", "f");
  EXPECT_EQ(std::bit_cast<double>(v), 5.5);
}

int64_t CompareInts(uint64_t a, uint64_t b) {
  auto x = static_cast<int64_t>(a), y = static_cast<int64_t>(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

TEST(AbiHelpers, MapFindAndPlus) {
  abi::Context ctx;
  uint64_t entries[] = {3, 5, 50, 1, 10, 3, 30};
  const auto* map = static_cast<const uint64_t*>(clive_rt_map_build(&ctx, entries, &CompareInts));
  ASSERT_EQ(map[0], 3u);
  EXPECT_EQ(map[1], 1u);
  EXPECT_EQ(map[5], 5u);
  ASSERT_NE(clive_rt_map_find(map, 3, &CompareInts), nullptr);
  EXPECT_EQ(*clive_rt_map_find(map, 3, &CompareInts), 30u);
  EXPECT_EQ(clive_rt_map_find(map, 4, &CompareInts), nullptr);
  uint64_t more[] = {2, 3, 33, 7, 70};
  const auto* plus = static_cast<const uint64_t*>(
      clive_rt_map_plus(&ctx, map, clive_rt_map_build(&ctx, more, &CompareInts), &CompareInts));
  ASSERT_EQ(plus[0], 4u);
  EXPECT_EQ(*clive_rt_map_find(plus, 3, &CompareInts), 33u);
  EXPECT_EQ(*clive_rt_map_find(plus, 7, &CompareInts), 70u);
}

TEST(AbiHelpers, StringsSplitJoinAndQuote) {
  abi::Context ctx;
  const auto* parts = static_cast<const uint64_t*>(
      clive_rt_string_split(&ctx, abi::NewString(&ctx, "a::b::"), abi::NewString(&ctx, "::")));
  ASSERT_EQ(parts[0], 3u);
  EXPECT_EQ(Text(parts[1]), "a");
  EXPECT_EQ(Text(parts[3]), "");
  EXPECT_EQ(Text(reinterpret_cast<uint64_t>(clive_rt_string_join(&ctx, parts, abi::NewString(&ctx, "+")))), "a+b+");
  EXPECT_EQ(Text(reinterpret_cast<uint64_t>(clive_rt_quote(&ctx, abi::NewString(&ctx, "a\"$\n")))), "\"a\\\"\\$\\n\"");
  EXPECT_EQ(abi::FormatFloat(0.1), "0.1");
  EXPECT_EQ(abi::FormatFloat(2), "2.0");
  EXPECT_EQ(abi::FormatFloat(1e300), "1e+300");
}

TEST(AbiHelpers, RefsFollowTheResolverOrFail) {
  abi::Context ctx;
  uint64_t out = 0;
  const void* address = abi::NewString(&ctx, "lib.port");
  EXPECT_FALSE(clive_rt_ref_read(&ctx, address, &out, 2, 10, 20));
  ASSERT_TRUE(ctx.failure().has_value());
  EXPECT_EQ(ctx.failure()->error, abi::RuntimeError::kUnresolvedRef);
  EXPECT_EQ(ctx.failure()->begin, 10u);
  ctx.ClearFailure();
  ctx.SetRefResolver([](std::string_view a) -> std::optional<uint64_t> {
    if (a == "lib.port") return 8080;
    return std::nullopt;
  });
  EXPECT_TRUE(clive_rt_ref_read(&ctx, address, &out, 2, 10, 20));
  EXPECT_EQ(out, 8080u);
}

}  // namespace
}  // namespace clive::compiler
