// What the synthetic IE's tab reads from the URL it was opened at (page mode, README "Page
// mode"): the harness's parameters, read exactly as pages/harness/page-runner.js's param() reads
// them, and the synthetic IE's own knobs, which play the page's workload. Pure: no Windows
// calls, so the tests check it directly.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ietab {

// The value of query parameter `name` in `url`, as page-runner.js's param() returns it: the
// query runs from the first '?' to the '#' (location.search); pairs split at '&', a key at its
// first '='; keys are percent-decoded, values have '+' turned into spaces and are then
// percent-decoded; the first match wins; a key without '=' has the value "". nullopt when the
// key is absent. A malformed escape stays as it is (decodeURIComponent would throw in the page).
std::optional<std::string> query_param(std::string_view url, std::string_view name);

// "%41+b" -> "A+b" (percent escapes only; '+' is left to the caller).
std::string percent_decode(std::string_view text);

// A page-mode run as the URL describes it. Knobs the URL leaves out keep the values the tab had
// from its command line (or their defaults).
struct PageQuery {
  std::string beacon_url;  // harness_beacon; empty: opened by hand, the page does nothing
  int warmup = 0;          // harness_warmup: warm-up iterations -warmup..-1 before 1, 2, ...
  std::optional<double> region_mb;     // ietab_region_mb: one iframe's region per iteration
  std::optional<double> retain;        // ietab_retain: the share of it kept (0..1)
  std::optional<bool> fragmenting;     // ietab_layout: fragmenting | compact
  std::optional<double> transient_mb;  // ietab_transient_mb: a short-lived contiguous buffer
  std::optional<int> pace_ms;          // ietab_pace_ms: the least time an iteration takes
};

// Reads every parameter above; unknown ones (the page's own, e.g. retention=ie11) are ignored.
// nullopt with `error` set when a knob's value is not valid ("ietab_retain=2: not between 0
// and 1"): the tab refuses to start rather than run another workload than asked.
std::optional<PageQuery> parse_page_query(std::string_view url, std::string* error);

}  // namespace ietab
