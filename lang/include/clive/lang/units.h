// Units of the quantity types: `16.GB` is a Size, `30.s` a Duration.
// Sizes are counted in bytes, durations in milliseconds.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace clive::lang {

enum class Quantity : uint8_t { kSize, kDuration };

struct Unit {
  std::string_view name;
  int64_t factor;  // base units (bytes or milliseconds) per unit
};

std::span<const Unit> UnitsOf(Quantity q);
// Which quantity `unit` measures, if any.
std::optional<Quantity> QuantityOfUnit(std::string_view unit);
std::optional<int64_t> UnitFactor(std::string_view unit);
// "16.GB": the largest unit that divides `value` exactly (decimal and binary
// units both qualify; the larger factor wins).
std::string FormatQuantity(Quantity q, int64_t value);

}  // namespace clive::lang
