// Run ids: "20261122T170102Z-vtm-review-chromium-retention=window" — sortable, readable, safe as
// a folder name.
#pragma once

#include <string>

#include "harness/scenario/variants.hpp"

namespace harness {

std::string make_run_id(const std::string& utc_compact_time, const std::string& scenario,
                        const std::string& browser, const VariantAssignment& variant);

}  // namespace harness
