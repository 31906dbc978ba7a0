// The HTML report: one self-contained file (inline CSS, inline SVG charts, no JavaScript, no
// external resources) that reads the same offline, in Chromium and in Internet Explorer 11.
// Pure rendering of a Report (report_model.hpp); the caller writes the file.
//
// Layout, top to bottom: title and summary counts, every run at a glance; per scenario the
// memory-vs-iteration chart of all runs overlaid (ceiling, projections, events), the verdicts,
// the step × browser compatibility table, then per run the process tree by role over time,
// responsiveness, step durations, events, JavaScript errors and dumps; then the history across
// nights and the baseline comparison when the report has them.
//
// Links (run folders, dumps, screenshots) are relative: ReportRun::dir is taken relative to the
// report's folder (or absolute), CompatibilityCell::screenshot relative to the report's folder.
//
// The parts: html.cpp assembles the page (header, runs at a glance, per scenario its charts,
// verdicts and compatibility, the comparison); html_run.hpp is one run's section and cells,
// html_history.hpp the history; chart_specs.hpp builds every chart as plain data, drawn by
// svg_chart.hpp; style.hpp holds the CSS and colours, report_text.hpp and html_markup.hpp the
// text and markup they share.
#pragma once

#include <string>

#include "harness/report/report_model.hpp"

namespace harness {

std::string render_html(const Report& report);

}  // namespace harness
