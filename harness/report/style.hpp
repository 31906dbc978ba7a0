// The report's look: the HTML page's CSS, and the colours, line styles and event markers its
// charts share (chart_specs.hpp builds the charts with them, html.hpp the page).
#pragma once

#include <cstddef>
#include <string>

#include "harness/report/svg_chart.hpp"

namespace harness {

// The whole stylesheet, inlined in the page's <style>: no CSS variables, grid or flexbox, which
// IE11 lacks or gets wrong (inline-block halves instead).
extern const char* const kReportCss;

// Tableau 10 without its red (red means crash and ceiling here), then darker tones.
inline constexpr const char* kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b",
                                           "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#393b79"};
inline constexpr std::size_t kPaletteSize = sizeof(kPalette) / sizeof(kPalette[0]);
// One line style per browser when the colour is the variant (chart_specs.hpp, run_views).
inline constexpr LineStyle kBrowserStyles[] = {LineStyle::kSolid, LineStyle::kDashed,
                                               LineStyle::kDotted};
inline constexpr std::size_t kBrowserStylesSize =
    sizeof(kBrowserStyles) / sizeof(kBrowserStyles[0]);

inline constexpr const char* kDumpColor = "#1565c0";
inline constexpr const char* kProjectionColor = "#222222";
inline constexpr const char* kCeilingColor = "#b00020";

// How a run event is marked on the charts and coloured in the events table.
struct EventStyle {
  const char* kind;
  const char* label;   // next to the marker
  const char* legend;  // in the legend
  MarkerShape shape;
  const char* color;
};

// nullptr for an event the charts do not mark (browser_started, js_error, ...).
const EventStyle* event_style(const std::string& kind);

// A process role's colour on the "process tree by role" chart: fixed for the known roles, the
// palette from its fifth colour for others (`index`: the role's position on the chart).
const char* role_color(const std::string& role, std::size_t index);

}  // namespace harness
