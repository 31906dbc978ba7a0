#include "harness/analyze/expectations.hpp"

#include <fmt/format.h>

#include "harness/model/units.hpp"

namespace harness {

ExpectationOutcome check_expectations(const Expectations& expect, const Verdict& verdict,
                                      std::optional<double> peak_bytes) {
  ExpectationOutcome out;
  out.declared = !expect.empty();
  if (expect.verdict && verdict.kind != *expect.verdict) {
    out.failures.push_back(fmt::format("expected {}, the verdict is {}: {}",
                                       verdict_name(*expect.verdict), verdict_name(verdict.kind),
                                       verdict.reason));
  }
  if (expect.max_slope_bytes) {
    if (!verdict.slope_bytes_per_iteration) {
      out.failures.push_back("max_slope: no renderer memory slope was measured");
    } else if (*verdict.slope_bytes_per_iteration > *expect.max_slope_bytes) {
      std::string ci;
      if (verdict.ci95) {
        ci = fmt::format(" (95 % CI {} to {})", format_bytes(verdict.ci95->first),
                         format_bytes(verdict.ci95->second));
      }
      out.failures.push_back(fmt::format("renderer memory grows {}/iteration{}, more than "
                                         "max_slope {}/iteration",
                                         format_bytes(*verdict.slope_bytes_per_iteration), ci,
                                         format_bytes(*expect.max_slope_bytes)));
    }
  }
  if (expect.max_peak_bytes) {
    if (!peak_bytes) {
      out.failures.push_back("max_peak: no renderer memory was sampled");
    } else if (*peak_bytes > *expect.max_peak_bytes) {
      out.failures.push_back(fmt::format("renderer memory peaked at {}, above max_peak {}",
                                         format_bytes(*peak_bytes),
                                         format_bytes(*expect.max_peak_bytes)));
    }
  }
  out.met = out.failures.empty();
  return out;
}

}  // namespace harness
