#include "clive/lang/units.h"

#include <string>

namespace clive::lang {
namespace {

constexpr int64_t kKiB = 1024;
constexpr Unit kSizeUnits[] = {
    {"B", 1},
    {"KB", 1000},
    {"MB", 1000 * 1000},
    {"GB", 1000LL * 1000 * 1000},
    {"TB", 1000LL * 1000 * 1000 * 1000},
    {"PB", 1000LL * 1000 * 1000 * 1000 * 1000},
    {"KiB", kKiB},
    {"MiB", kKiB * kKiB},
    {"GiB", kKiB * kKiB * kKiB},
    {"TiB", kKiB * kKiB * kKiB * kKiB},
    {"PiB", kKiB * kKiB * kKiB * kKiB * kKiB},
};
constexpr Unit kDurationUnits[] = {
    {"ms", 1}, {"s", 1000}, {"min", 60 * 1000}, {"h", 60 * 60 * 1000}, {"d", 24 * 60 * 60 * 1000},
};

}  // namespace

std::span<const Unit> UnitsOf(Quantity q) {
  if (q == Quantity::kSize) return kSizeUnits;
  return kDurationUnits;
}

std::optional<Quantity> QuantityOfUnit(std::string_view unit) {
  for (Quantity q : {Quantity::kSize, Quantity::kDuration}) {
    for (const Unit& u : UnitsOf(q)) {
      if (u.name == unit) return q;
    }
  }
  return std::nullopt;
}

std::optional<int64_t> UnitFactor(std::string_view unit) {
  for (Quantity q : {Quantity::kSize, Quantity::kDuration}) {
    for (const Unit& u : UnitsOf(q)) {
      if (u.name == unit) return u.factor;
    }
  }
  return std::nullopt;
}

std::string FormatQuantity(Quantity q, int64_t value) {
  const Unit* best = &UnitsOf(q)[0];
  if (value != 0) {
    for (const Unit& u : UnitsOf(q)) {
      if (value % u.factor == 0 && u.factor > best->factor) best = &u;
    }
  }
  std::string digits = std::to_string(value / best->factor);
  // A negative quantity prints as `-(16.GB)`-free text: "-16.GB" reparses as
  // unary minus applied to the literal, which means the same.
  return digits + "." + std::string(best->name);
}

}  // namespace clive::lang
