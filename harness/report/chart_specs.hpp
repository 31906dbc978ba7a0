// The report's charts as plain data: svg_chart.hpp's ChartSpec (series, axes, markers, the
// ceiling and the projection lines), built from the report model. No HTML here: html*.cpp draw
// them with render_svg_chart, and the tests read the specs directly.
//
// Colours: with several browsers and several variants, the colour is the variant and the line
// style the browser (so "the same variant in each browser" reads at a glance); otherwise one
// colour per run.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harness/model/analysis.hpp"
#include "harness/report/report_model.hpp"
#include "harness/report/svg_chart.hpp"

namespace harness {

// One run as the charts and tables of its scenario show it.
struct RunView {
  const ReportRun* run = nullptr;
  std::string label;   // run_label, "(2)" appended for a second run with the same label
  std::string anchor;  // "s1-r2": the run's section id, and its charts' id prefix
  std::string color;
  LineStyle style = LineStyle::kSolid;
  std::vector<ChartPoint> curve;  // the default curve metric per iteration
};

// The runs of scenario number `scenario_index` (from 0), in order.
std::vector<RunView> run_views(const ScenarioReport& scenario, std::size_t scenario_index);
// Whether colours stand for variants and line styles for browsers (see above).
bool colours_by_variant(const ScenarioReport& scenario);

// Memory per iteration of every run of a scenario, overlaid, with the runs' events and dumps as
// markers. `with_ceiling`: the ceiling as a reference line, each projection's dashed line and
// its crossing; false: the zoomed view without them.
ChartSpec memory_chart(const std::vector<RunView>& views, const std::string& id, bool with_ceiling);
// The dashed line of a projection: exactly the line it extrapolated plus its headroom
// (Projection::fit_*), from its last fitted checkpoint to `iteration`, where it meets the
// ceiling. nullopt when the line was not recorded or does not rise, when the projected crossing
// is not after the last checkpoint (the line was above the ceiling there already), or for a
// value that is not a number.
std::optional<std::pair<ChartPoint, ChartPoint>> projection_line(const Projection& p);

// Whether the curves are so far below the lowest ceiling of `main` (memory_chart with the
// ceiling) that they are flat lines there, and a zoomed chart should show their shape.
bool wants_zoomed_memory_chart(const std::vector<RunView>& views, const ChartSpec& main);

// The process tree's private memory per role over time (and their total), events as lines.
ChartSpec role_chart(const RunView& v, const std::string& id);
// Iteration durations and the slowest heartbeat answer per iteration; a missing answer is a line.
ChartSpec responsiveness_chart(const RunView& v, const std::string& id);

// One value of a history series across nights (`index`: the series' position, from 0), with
// the regressions marked.
enum class HistoryValue { kSlope, kPeak };
ChartSpec history_chart(const HistorySeries& h, std::size_t index, HistoryValue value);

}  // namespace harness
