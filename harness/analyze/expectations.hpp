// A scenario's declaration of a good run (`expect:`), checked against the run's verdict and
// peak. Pure.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "harness/analyze/verdict.hpp"

namespace harness {

struct Expectations {
  std::optional<VerdictKind> verdict;     // e.g. stable
  std::optional<double> max_slope_bytes;  // renderer private bytes per iteration (OLS estimate)
  std::optional<double> max_peak_bytes;   // highest sampled renderer private memory
  bool empty() const { return !verdict && !max_slope_bytes && !max_peak_bytes; }
};

struct ExpectationOutcome {
  bool declared = false;
  bool met = true;
  std::vector<std::string> failures;  // one sentence each, with the numbers
};

// A slope or peak that was not measured fails its expectation (it cannot be shown to hold).
ExpectationOutcome check_expectations(const Expectations& expect, const Verdict& verdict,
                                      std::optional<double> peak_bytes);

}  // namespace harness
