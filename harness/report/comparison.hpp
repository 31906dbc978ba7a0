// Renderings of a Comparison (analyze/compare.hpp): a text table and JSON. Pure.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "harness/analyze/compare.hpp"

namespace harness {

std::string render_comparison_text(const Comparison& comparison);
nlohmann::ordered_json comparison_to_json(const Comparison& comparison);

}  // namespace harness
