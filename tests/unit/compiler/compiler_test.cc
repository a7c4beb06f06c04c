// Unit tests of the checker and of the JIT: types, errors, evaluation order,
// and compiled code computing the right values.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>

#include "clive/compiler/checker.h"
#include "clive/compiler/jit.h"

namespace clive::compiler {
namespace {

struct Compiled {
  lang::DiagnosticSink sink;
  std::unique_ptr<Program> program;
  CheckedModule* module = nullptr;
  const lang::SourceFile* file = nullptr;

  std::vector<std::string> Codes() const {
    std::vector<std::string> codes;
    for (const auto& d : sink.diagnostics()) codes.push_back(d.code);
    return codes;
  }
  uint32_t CellIndex(std::string_view name) const {
    for (uint32_t i = 0; i < module->cells.size(); ++i) {
      if (module->cells[i].name == name) return i;
    }
    return lang::kNone;
  }
};

std::unique_ptr<Compiled> CheckText(std::string text) {
  auto c = std::make_unique<Compiled>();
  c->program = CheckSource("test.cl", std::move(text), c->sink);
  c->module = &c->program->module(0);
  c->file = c->module->file.get();
  return c;
}

TEST(Checker, InfersCellTypesAndRecords) {
  auto c = CheckText(
      "type R { n: Int = 1; s: Size = 1.GB }\n"
      "val a = R {}\n"
      "val b = a.s + 2.GiB\n"
      "val c = \"x\" + \"y\"\n"
      "val d = 3 > 2 && true\n");
  ASSERT_FALSE(c->sink.has_errors()) << lang::Render(c->sink.diagnostics()[0]);
  const TypeTable& types = c->program->types;
  EXPECT_EQ(types.Name(c->module->cells[c->CellIndex("a")].type), "R");
  EXPECT_EQ(c->module->cells[c->CellIndex("b")].type, TypeTable::kSize);
  EXPECT_EQ(c->module->cells[c->CellIndex("c")].type, TypeTable::kString);
  EXPECT_EQ(c->module->cells[c->CellIndex("d")].type, TypeTable::kBool);
}

TEST(Checker, OrdersCellsByDependenciesAcrossForwardReferences) {
  auto c = CheckText("val total = base * 2\nval base = 21\n");
  ASSERT_FALSE(c->sink.has_errors());
  const auto& order = c->module->eval_order;
  ASSERT_EQ(order.size(), 2u);
  EXPECT_EQ(order[0], c->CellIndex("base"));
  EXPECT_EQ(order[1], c->CellIndex("total"));
  EXPECT_EQ(c->module->cells[c->CellIndex("total")].type, TypeTable::kInt);
}

TEST(Checker, ReportsEachErrorOnceWithoutCascades) {
  // `a` is wrong; `b` reads `a` and must not produce a second error.
  auto c = CheckText("val a = nope\nval b = a + 1\nval c = b.field\n");
  EXPECT_EQ(c->Codes(), std::vector<std::string>({"E0101"}));
}

TEST(Checker, ErrorCodes) {
  EXPECT_EQ(CheckText("val a: Int = true\n")->Codes(), std::vector<std::string>({"E0102"}));
  EXPECT_EQ(CheckText("type T { x: Int }\nval a = T { x = 1 }.y\n")->Codes(),
            std::vector<std::string>({"E0103"}));
  EXPECT_EQ(CheckText("type T { x: Int }\nval a = T {}\n")->Codes(), std::vector<std::string>({"E0104"}));
  EXPECT_EQ(CheckText("val a = 1\nval a = 2\n")->Codes(), std::vector<std::string>({"E0105"}));
  EXPECT_EQ(CheckText("type T { x: Int = 0 }\nval a = T { x = 1 x = 2 }\n")->Codes(),
            std::vector<std::string>({"E0106"}));
  EXPECT_EQ(CheckText("val a = 3.parsecs\n")->Codes(), std::vector<std::string>({"E0107"}));
  EXPECT_EQ(CheckText("val a = 1.GB * 1.GB\n")->Codes(), std::vector<std::string>({"E0108"}));
  EXPECT_EQ(CheckText("val a = b\nval b = a\n")->Codes(), std::vector<std::string>({"E0109"}));
  EXPECT_EQ(CheckText("val a = (1 + 2) { }\n")->Codes(), std::vector<std::string>({"E0110"}));
  EXPECT_EQ(CheckText("val a = Int { }\n")->Codes(), std::vector<std::string>({"E0111"}));
  EXPECT_EQ(CheckText("val a: Strng = \"\"\n")->Codes(), std::vector<std::string>({"E0100"}));
}

TEST(Checker, DidYouMeanSuggestsCloseNames) {
  auto c = CheckText("type Server { port: Int = 1 }\nval s = Server { prot = 2 }\n");
  ASSERT_EQ(c->sink.error_count(), 1u);
  EXPECT_NE(c->sink.diagnostics()[0].message.find("did you mean `port`?"), std::string::npos);
}

class JitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto jit = Jit::Create();
    ASSERT_TRUE(jit.ok()) << jit.status().message();
    jit_ = std::move(*jit);
  }

  // Runs every cell of `text` and returns the raw slot of cell `name`. The
  // module stays loaded until the test ends: values may point into its
  // constants.
  uint64_t Eval(const Compiled& c, std::string_view name, abi::Context& ctx, bool expect_ok = true) {
    std::unique_ptr<LoadedModule>& module = loaded_[&c];
    if (module == nullptr) {
      lang::DiagnosticSink sink;
      auto loaded = jit_->Load(*c.program, *c.module, /*cache_key=*/"", sink);
      EXPECT_TRUE(loaded.ok()) << loaded.status().message();
      if (!loaded.ok()) return 0;
      module = std::move(*loaded);
    }
    uint64_t result = 0;
    for (uint32_t cell : c.module->eval_order) {
      auto compiled = module->Cell(c.module->cells[cell].name);
      EXPECT_TRUE(compiled.ok());
      bool ok = compiled->evaluate(&ctx);
      if (c.module->cells[cell].name == name) {
        EXPECT_EQ(ok, expect_ok);
        result = *compiled->slot;
      }
    }
    return result;
  }

  std::unique_ptr<Jit> jit_;
  std::map<const Compiled*, std::unique_ptr<LoadedModule>> loaded_;  // before jit_ goes
};

TEST_F(JitTest, ComputesIntegersSizesAndBooleans) {
  auto c = CheckText(
      "val a = 40 + 2\nval b = a * 2 - 4\nval m = 1.GiB + 512.MiB\n"
      "val t = a == 42 && !(b < 0)\nval q = 7 / 2 + 7 % 2\n");
  ASSERT_FALSE(c->sink.has_errors());
  abi::Context ctx;
  EXPECT_EQ(Eval(*c, "a", ctx), 42u);
  EXPECT_EQ(Eval(*c, "b", ctx), 80u);
  EXPECT_EQ(Eval(*c, "m", ctx), (1ull << 30) + (512ull << 20));
  EXPECT_EQ(Eval(*c, "t", ctx), 1u);
  EXPECT_EQ(Eval(*c, "q", ctx), 4u);
}

TEST_F(JitTest, BuildsRecordsWithDefaultsAndStrings) {
  auto c = CheckText(
      "type Inner { z: Int = 9 }\n"
      "type R { name: String; n: Int = 5; inner: Inner = Inner {} }\n"
      "val r = R { name = \"ab\" + \"cd\" }\n"
      "val z = r.inner.z + r.n\n");
  ASSERT_FALSE(c->sink.has_errors());
  abi::Context ctx;
  uint64_t slot = Eval(*c, "r", ctx);
  const auto* fields = reinterpret_cast<const uint64_t*>(slot);
  EXPECT_EQ(abi::StringView(reinterpret_cast<const void*>(fields[0])), "abcd");
  EXPECT_EQ(fields[1], 5u);
  EXPECT_EQ(reinterpret_cast<const uint64_t*>(fields[2])[0], 9u);
  EXPECT_EQ(Eval(*c, "z", ctx), 14u);
}

TEST_F(JitTest, OverflowAndDivisionByZeroAreRuntimeErrorsWithPositions) {
  auto c = CheckText("val big = 9223372036854775807\nval over = big + 1\n");
  ASSERT_FALSE(c->sink.has_errors());
  abi::Context ctx;
  Eval(*c, "over", ctx, /*expect_ok=*/false);
  ASSERT_TRUE(ctx.failure().has_value());
  EXPECT_EQ(ctx.failure()->error, abi::RuntimeError::kIntegerOverflow);
  EXPECT_EQ(c->file->Slice({ctx.failure()->begin, ctx.failure()->end}), "big + 1");

  auto d = CheckText("val zero = 0\nval q = 1 / zero\n");
  abi::Context ctx2;
  Eval(*d, "q", ctx2, /*expect_ok=*/false);
  ASSERT_TRUE(ctx2.failure().has_value());
  EXPECT_EQ(ctx2.failure()->error, abi::RuntimeError::kDivisionByZero);
}

TEST_F(JitTest, EmitsIrWithOneFunctionPerCell) {
  auto c = CheckText("val a = 1\nval b = a + 1\n");
  auto ir = jit_->EmitIR(*c->program, *c->module);
  ASSERT_TRUE(ir.ok());
  EXPECT_NE(ir->find("define zeroext i1 @clive._root."), std::string::npos);
  EXPECT_NE(ir->find(".cell.a(ptr"), std::string::npos);
  EXPECT_NE(ir->find(".cell.b(ptr"), std::string::npos);
  EXPECT_NE(ir->find("llvm.sadd.with.overflow.i64"), std::string::npos);
}

// The overlay replaces files on disk (and stands for files that do not exist
// yet): the language server checks unsaved buffers this way.
TEST(Checker, OverlayReplacesFilesOnDisk) {
  namespace fs = std::filesystem;
  fs::path root = fs::temp_directory_path() / ("clive-overlay-" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root / "lib");
  {
    std::ofstream(root / "clive.cl") << "import lib.{n}\nval a = n\n";
    std::ofstream(root / "lib" / "clive.cl") << "val n = 1\n";
  }
  SearchPath search{{root}};
  lang::DiagnosticSink on_disk;
  auto plain = CheckProgram({{"", root / "clive.cl"}}, search, on_disk);
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(on_disk.has_errors());

  // The importer reads the overlay, and so does the import: `n` is a String
  // now, and a module that exists only in the overlay is found too.
  SourceOverlay overlay{{(root / "clive.cl").string(), "import lib.{n}\nimport extra\nval a: Int = n\n"},
                        {(root / "lib" / "clive.cl").string(), "val n = \"one\"\n"},
                        {(root / "extra" / "clive.cl").string(), "val e = 2\n"}};
  lang::DiagnosticSink sink;
  auto program = CheckProgram({{"", root / "clive.cl"}}, search, sink, overlay);
  ASSERT_TRUE(program.ok());
  ASSERT_EQ(sink.diagnostics().size(), 1u);
  EXPECT_EQ(sink.diagnostics()[0].code, "E0102");
  EXPECT_NE((*program)->Find("extra"), nullptr);
  fs::remove_all(root);
}

// Two modules on disk: `lib` with a function and a cell, the root module
// calling and reading them. Returns the checked program.
std::unique_ptr<Program> CheckTwoModules(const std::filesystem::path& root, const std::string& lib_text) {
  std::filesystem::create_directories(root / "lib");
  std::ofstream(root / "clive.cl") << "import lib.{twice, base}\nval a = twice(base)\n";
  std::ofstream(root / "lib" / "clive.cl") << lib_text;
  lang::DiagnosticSink sink;
  auto program = CheckProgram({{"", root / "clive.cl"}}, SearchPath{{root}}, sink);
  EXPECT_TRUE(program.ok());
  EXPECT_FALSE(sink.has_errors());
  return program.ok() ? std::move(*program) : nullptr;
}

class InMemoryCache : public ObjectCache {
 public:
  std::optional<std::string> Get(const std::string& key) override {
    auto it = objects.find(key);
    if (it == objects.end()) return std::nullopt;
    return it->second;
  }
  void Put(const std::string& key, std::string object) override { objects[key] = std::move(object); }
  std::map<std::string, std::string> objects;
};

// The point of the link table: a module is replaced while the module that
// calls it stays loaded, and the caller runs the new code.
TEST(JitLinking, ReplacedModuleIsCalledThroughTheLinkTable) {
  namespace fs = std::filesystem;
  fs::path root = fs::temp_directory_path() / ("clive-link-" + std::to_string(::getpid()));
  fs::remove_all(root);
  auto v1 = CheckTwoModules(root, "fn twice(n: Int): Int = n * 2\nval base = 10\n");
  auto jit = Jit::Create();
  ASSERT_TRUE(jit.ok());
  lang::DiagnosticSink sink;
  const CheckedModule& lib1 = *v1->Find("lib");
  const CheckedModule& main1 = *v1->Find("");
  auto lib_code = (*jit)->Load(*v1, lib1, "", sink);
  ASSERT_TRUE(lib_code.ok()) << lib_code.status().message();
  auto main_code = (*jit)->Load(*v1, main1, "", sink);
  ASSERT_TRUE(main_code.ok()) << main_code.status().message();
  abi::Context ctx;
  auto run = [&](LoadedModule& code, std::string_view cell) {
    auto compiled = code.Cell(cell);
    EXPECT_TRUE(compiled.ok());
    EXPECT_TRUE(compiled->evaluate(&ctx));
    return *compiled->slot;
  };
  run(**lib_code, "base");
  EXPECT_EQ(run(**main_code, "a"), 20u);

  // A body-only change: same interface, so the caller is not recompiled.
  auto v2 = CheckTwoModules(root, "fn twice(n: Int): Int = n * 3\nval base = 10\n");
  lib_code->reset();  // the old code goes away first
  auto lib_code2 = (*jit)->Load(*v2, *v2->Find("lib"), "", sink);
  ASSERT_TRUE(lib_code2.ok()) << lib_code2.status().message();
  run(**lib_code2, "base");
  EXPECT_EQ(run(**main_code, "a"), 30u);
  EXPECT_EQ((*jit)->stats().compiled, 3u);
  EXPECT_EQ((*jit)->stats().unloaded, 1u);
  std::vector<std::string> none(v2->size());
  EXPECT_EQ(InterfaceHash(*v1, lib1, none), InterfaceHash(*v2, *v2->Find("lib"), none));
  fs::remove_all(root);
}

TEST(JitLinking, InterfaceHashSeesSignaturesDefaultsAndGenericBodies) {
  auto hash = [](std::string text) {
    lang::DiagnosticSink sink;
    auto program = CheckSource("t.cl", std::move(text), sink);
    EXPECT_FALSE(sink.has_errors());
    const CheckedModule& m = program->module(program->order().back());
    return InterfaceHash(*program, m, std::vector<std::string>(program->size()));
  };
  std::string base = hash("type T { x: Int = 1 }\nfn f(a: Int): Int = a + 1\nval v = 1\n");
  EXPECT_EQ(base, hash("type T { x: Int = 1 }\nfn f(a: Int): Int = a + 2\nval v = 2\n"));
  EXPECT_NE(base, hash("type T { x: Int = 2 }\nfn f(a: Int): Int = a + 1\nval v = 1\n"));
  EXPECT_NE(base, hash("type T { x: Int = 1 }\nfn f(a: Int, b: Int = 0): Int = a + 1\nval v = 1\n"));
  EXPECT_NE(base, hash("type T { x: Int = 1 }\nfn f(a: Int): Int = a + 1\nval v = \"1\"\n"));
}

TEST(JitCache, SecondJitLoadsObjectsWithoutCodegen) {
  auto c = CheckText("type R { n: Int = 4 }\nval r = R { }\nval x = r.n * 10\n");
  ASSERT_FALSE(c->sink.has_errors());
  InMemoryCache cache;
  std::string key;
  for (int round = 0; round < 2; ++round) {
    auto jit = Jit::Create(&cache);
    ASSERT_TRUE(jit.ok());
    if (round == 0) key = (*jit)->CacheKey(*c->module, "");
    EXPECT_EQ((*jit)->CacheKey(*c->module, ""), key);
    EXPECT_NE((*jit)->CacheKey(*c->module, "lib 1234\n"), key);
    lang::DiagnosticSink sink;
    auto code = (*jit)->Load(*c->program, *c->module, key, sink);
    ASSERT_TRUE(code.ok()) << code.status().message();
    EXPECT_EQ((*code)->from_cache(), round == 1);
    EXPECT_EQ((*jit)->stats().compiled, round == 0 ? 1u : 0u);
    abi::Context ctx;
    for (uint32_t cell : c->module->eval_order) {
      auto compiled = (*code)->Cell(c->module->cells[cell].name);
      ASSERT_TRUE(compiled.ok());
      ASSERT_TRUE(compiled->evaluate(&ctx));
    }
    EXPECT_EQ(*(*code)->Cell("x")->slot, 40u);
  }
  EXPECT_EQ(cache.objects.size(), 1u);
}

}  // namespace
}  // namespace clive::compiler
