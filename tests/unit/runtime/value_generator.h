// Test helpers: a store in a temporary directory, and seeded random values
// of every kind for property tests.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "clive/runtime/value.h"
#include "clive/store/store.h"

namespace clive::runtime::testing {

class StoreFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::path(::testing::TempDir()) / "clive-persist-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    store::StoreOptions options;
    options.durable = false;  // nothing here survives a machine crash anyway
    auto store = store::Store::Open(dir_ / "store", options);
    ASSERT_TRUE(store.ok()) << store.status().message();
    store_ = std::move(*store);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
};

class ValueGenerator {
 public:
  explicit ValueGenerator(uint64_t seed) : rng_(seed) {}

  // Any kind; records, lists and maps nest up to `depth` levels.
  Value Any(int depth) {
    static constexpr ValueKind kKinds[] = {
        ValueKind::kInt,  ValueKind::kBool,  ValueKind::kString, ValueKind::kSize, ValueKind::kDuration,
        ValueKind::kEnum, ValueKind::kNull,  ValueKind::kFloat,  ValueKind::kPath, ValueKind::kRef,
        ValueKind::kRecord, ValueKind::kList, ValueKind::kMap};
    size_t count = depth > 0 ? std::size(kKinds) : std::size(kKinds) - 3;
    ValueKind kind = kKinds[Below(count)];
    if (kind == ValueKind::kRecord) return RecordOf(depth);
    if (kind == ValueKind::kList) {
      std::vector<Value> items;
      for (size_t i = Below(5); i > 0; --i) items.push_back(Any(depth - 1));
      return Value::List(std::move(items));
    }
    if (kind == ValueKind::kMap) {
      static constexpr ValueKind kKeyKinds[] = {ValueKind::kInt,  ValueKind::kBool,  ValueKind::kString,
                                                ValueKind::kSize, ValueKind::kDuration, ValueKind::kEnum,
                                                ValueKind::kFloat, ValueKind::kPath, ValueKind::kRef};
      ValueKind key_kind = kKeyKinds[Below(std::size(kKeyKinds))];
      std::vector<std::pair<Value, Value>> entries;
      for (size_t i = Below(6); i > 0; --i) entries.emplace_back(Scalar(key_kind, /*key=*/true), Any(depth - 1));
      return Value::Map(std::move(entries));
    }
    return Scalar(kind, /*key=*/false);
  }

  Value RecordOf(int depth) {
    static const char* kTypes[] = {"Server", "JVM", "Empty"};
    std::vector<std::string> names = {"port", "name", "a", "b_c", "x1"};
    std::shuffle(names.begin(), names.end(), rng_);
    Value record = Value::Record(kTypes[Below(3)]);
    for (size_t i = Below(names.size() + 1); i > 0; --i) {
      record.fields.emplace_back(names[i - 1], depth > 0 ? Any(depth - 1) : Scalar(ValueKind::kInt, false));
    }
    return record;
  }

  Value Scalar(ValueKind kind, bool key) {
    switch (kind) {
      case ValueKind::kInt: return Value::Int(Number());
      case ValueKind::kBool: return Value::Bool(Below(2) == 1);
      case ValueKind::kString: return Value::String(Text());
      case ValueKind::kSize: return Value::Size(Number());
      case ValueKind::kDuration: return Value::Duration(Number());
      case ValueKind::kEnum: {
        static const char* kLabels[] = {"EU", "US", "Oracle", "OpenJDK"};
        return Value::Enum(key || Below(2) ? "Region" : "JVM.Provider", kLabels[Below(4)]);
      }
      case ValueKind::kFloat: {
        static const double kFloats[] = {0.0, -0.0, 0.5, -1e-300, 1e300, 3.141592653589793,
                                         std::numeric_limits<double>::infinity()};
        return Value::Float(Below(2) ? kFloats[Below(std::size(kFloats))]
                                     : std::normal_distribution<double>(0, 1000)(rng_));
      }
      case ValueKind::kPath: return Value::Path("/" + Text());
      case ValueKind::kRef: return Value::Ref(Below(2) ? "a.b.cell" : "cell");
      default: return Value::Null();
    }
  }

  // The same value built again, maps from their entries in reverse order.
  static Value Rebuilt(const Value& v) {
    if (v.kind == ValueKind::kMap) {
      std::vector<std::pair<Value, Value>> entries;
      for (size_t i = v.fields.size(); i > 0; --i) entries.emplace_back(v.keys[i - 1], Rebuilt(v.fields[i - 1].second));
      return Value::Map(std::move(entries));
    }
    Value copy = v;
    for (auto& field : copy.fields) field.second = Rebuilt(field.second);
    return copy;
  }

  // Changes one scalar somewhere in `v` (false if it holds none).
  bool ChangeOneLeaf(Value& v) {
    switch (v.kind) {
      case ValueKind::kRecord:
      case ValueKind::kList:
      case ValueKind::kMap:
        if (v.fields.empty()) return false;
        return ChangeOneLeaf(v.fields[Below(v.fields.size())].second);
      case ValueKind::kInt:
      case ValueKind::kSize:
      case ValueKind::kDuration: v.number = v.number == INT64_MAX ? 0 : v.number + 1; return true;
      case ValueKind::kBool: v.number = !v.number; return true;
      case ValueKind::kEnum: v.label += "X"; return true;
      case ValueKind::kNull: v = Value::Int(0); return true;
      case ValueKind::kFloat: v.real = std::isinf(v.real) || v.real == 0 ? 1.0 : v.real * 2; return true;
      default: v.text += "x"; return true;
    }
  }

 private:
  size_t Below(size_t n) { return static_cast<size_t>(rng_() % n); }
  int64_t Number() {
    static const int64_t kEdges[] = {0, -1, 1, INT64_MIN, INT64_MAX, 8080, 1LL << 30};
    return Below(3) == 0 ? kEdges[Below(std::size(kEdges))] : static_cast<int64_t>(rng_() % 2001) - 1000;
  }
  // Short strings from an alphabet with every character the key escaping
  // treats specially.
  std::string Text() {
    static const std::vector<std::string> kPieces = {"a", "b", "z", "/", "%", ".", "~", std::string(1, '\0'),
                                                     "\xc3\xa9", "\"", "$", "\n", " ", "clive", "git"};
    std::string s;
    for (size_t i = Below(7); i > 0; --i) s += kPieces[Below(kPieces.size())];
    return s;
  }

  std::mt19937_64 rng_;
};

}  // namespace clive::runtime::testing
