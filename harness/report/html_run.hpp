// The HTML report's parts about one run: the cells the run tables share (growth, slope, peak,
// ceiling and projection, expectations, iterations) and the run's own section (process tree by
// role, responsiveness, step durations, events, JavaScript errors, dumps, every metric's
// analysis). Pure: text in, text out.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "harness/model/analysis.hpp"
#include "harness/model/run_summary.hpp"
#include "harness/report/chart_specs.hpp"

namespace harness::html {

std::string growth_text(const std::vector<ChartPoint>& curve);  // first → last (change)
std::string slope_text(const std::optional<Verdict>& v);        // with its 95 % interval
std::string peak_text(const std::optional<Peak>& peak);
std::string ceiling_cell(const RunSummary& s);  // ceiling, reached, projections, mitigation
std::string expectations_cell(const RunSummary& s);
std::string iterations_cell(const RunInfo& r);

// The run's section: <div class="run"> with its heading (id v.anchor), facts, charts and tables.
void run_section(std::string& out, const RunView& v);

}  // namespace harness::html
