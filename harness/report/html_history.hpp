// The HTML report's history section: per (scenario, browser, variant), the slope and peak
// across nights (chart_specs.hpp, history_chart) and the latest nights in a table, regressions
// in red.
#pragma once

#include <string>
#include <vector>

#include "harness/report/report_model.hpp"

namespace harness::html {

void history_section(std::string& out, const std::vector<HistorySeries>& history);

}  // namespace harness::html
