// Did-you-mean suggestions for misspelled names.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace clive::compiler {

// The candidate closest to `name` by edit distance, if it is close enough to
// be a plausible typo; empty otherwise.
std::string_view ClosestMatch(std::string_view name, const std::vector<std::string_view>& candidates);

}  // namespace clive::compiler
