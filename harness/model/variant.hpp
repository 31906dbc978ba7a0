// A run's variant: the scenario's variant names with this run's values, in declaration order.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace harness {

using VariantValues = std::vector<std::pair<std::string, std::string>>;

// "retention=window,frames=iframe"; "" without variants. `separator` goes between the pairs
// (", " in Markdown tables, " " after the browser on the console).
std::string variant_label(const VariantValues& variant, std::string_view separator = ",");

}  // namespace harness
