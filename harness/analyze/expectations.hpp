// A scenario's declaration of a good run (`expect:`), checked against the run's verdict and
// peak. Pure.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "harness/model/analysis.hpp"

namespace harness {

// A slope or peak that was not measured fails its expectation (it cannot be shown to hold).
ExpectationOutcome check_expectations(const Expectations& expect, const Verdict& verdict,
                                      std::optional<double> peak_bytes);

}  // namespace harness
