#include "harness/report/html.hpp"

#include <fmt/format.h>

#include <map>
#include <optional>
#include <set>

#include "harness/report/chart_specs.hpp"
#include "harness/report/html_history.hpp"
#include "harness/report/html_markup.hpp"
#include "harness/report/html_run.hpp"
#include "harness/report/report_text.hpp"
#include "harness/report/style.hpp"

namespace harness::html {

namespace {

// A comparison's outcome in numbers, counted once for the header and the comparison section.
struct ChangeCounts {
  int regressions = 0;
  int improvements = 0;
};

ChangeCounts count_changes(const Comparison& c) {
  ChangeCounts n;
  for (const auto& p : c.pairs) {
    n.regressions += p.kind == ChangeKind::kRegression;
    n.improvements += p.kind == ChangeKind::kImprovement;
  }
  return n;
}

void header(std::string& out, const Report& report, const std::optional<ChangeCounts>& changes) {
  std::size_t runs = 0;
  std::map<std::string, int> statuses, verdicts;
  for (const auto& sc : report.scenarios) {
    for (const auto& run : sc.runs) {
      ++runs;
      ++statuses[status_name(run.summary.info.status)];
      ++verdicts[run.summary.verdict ? verdict_name(run.summary.verdict->kind) : "none"];
    }
  }
  out += fmt::format("<h1>{}</h1>\n", esc(report.title.empty() ? "Memory report" : report.title));
  out += fmt::format("<p class=\"meta\">generated {} &#183; {} scenario{} &#183; {} run{}</p>\n",
                     esc(report.generated_at), report.scenarios.size(),
                     report.scenarios.size() == 1 ? "" : "s", runs, runs == 1 ? "" : "s");
  out += "<table class=\"plain\"><tr><th>status</th><td>";
  for (RunStatus st : all_run_statuses()) {
    const auto it = statuses.find(status_name(st));
    if (it == statuses.end()) continue;
    out += fmt::format("{} {} &#160; ", status_badge(st), it->second);
  }
  out += "</td></tr>\n<tr><th>verdicts</th><td>";
  for (VerdictKind k : {VerdictKind::kRetains, VerdictKind::kPlateau, VerdictKind::kStable,
                        VerdictKind::kInsufficient}) {
    const auto it = verdicts.find(verdict_name(k));
    if (it == verdicts.end()) continue;
    out += fmt::format("{} {} &#160; ", verdict_badge(verdict_name(k)), it->second);
  }
  if (const auto it = verdicts.find("none"); it != verdicts.end()) {
    out += fmt::format("<span class=\"badge v-insufficient\">no verdict</span> {}", it->second);
  }
  out += "</td></tr>\n";
  if (changes) {
    const int regressions = changes->regressions, improvements = changes->improvements;
    out += fmt::format(
        "<tr><th>baseline</th><td><a href=\"#comparison\">{} pair{}</a>: {}{} regression{}, {} "
        "improvement{}{}</td></tr>\n",
        report.comparison->pairs.size(), report.comparison->pairs.size() == 1 ? "" : "s",
        regressions ? "<span class=\"bad\">" : "", regressions, regressions == 1 ? "" : "s",
        improvements, improvements == 1 ? "" : "s", regressions ? "</span>" : "");
  }
  out += "</table>\n";
  out += "<ul class=\"toc\">";
  for (std::size_t i = 0; i < report.scenarios.size(); ++i) {
    out +=
        fmt::format("<li><a href=\"#s{}\">{}</a></li>", i + 1, esc(report.scenarios[i].scenario));
  }
  if (!report.history.empty()) out += "<li><a href=\"#history\">history</a></li>";
  if (report.comparison) out += "<li><a href=\"#comparison\">comparison</a></li>";
  out += "</ul>\n";
}

void glance_table(std::string& out, const Report& report,
                  const std::vector<std::vector<RunView>>& views) {
  if (views.empty()) return;
  out +=
      "<h2>Runs at a glance</h2>\n<table class=\"wide\">\n<tr><th>scenario</th><th>run</th>"
      "<th>status</th><th>iterations</th><th>verdict</th><th>renderer after GC</th>"
      "<th class=\"num\">slope</th><th class=\"num\">peak</th></tr>\n";
  for (std::size_t i = 0; i < views.size(); ++i) {
    for (const RunView& v : views[i]) {
      const RunSummary& s = v.run->summary;
      out += fmt::format(
          "<tr><td class=\"nowrap\">{}</td><td class=\"nowrap\">{}<a href=\"#{}\">{}</a></td>"
          "<td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td>"
          "<td class=\"num\">{}</td></tr>\n",
          esc(report.scenarios[i].scenario), swatch(v.color, v.style), v.anchor, esc(v.label),
          status_badge(s.info.status), iterations_cell(s.info), verdict_badge(s.verdict),
          growth_text(v.curve), slope_text(s.verdict), peak_text(s.peak));
    }
  }
  out += "</table>\n";
}

void verdict_table(std::string& out, const std::vector<RunView>& views) {
  out +=
      "<table class=\"wide\">\n<tr><th>run</th><th>status</th><th>verdict and reason</th>"
      "<th>ceiling</th><th>expectations</th></tr>\n";
  for (const RunView& v : views) {
    const RunSummary& s = v.run->summary;
    std::string verdict = verdict_badge(s.verdict);
    if (s.verdict) {
      verdict += fmt::format("<div class=\"reason\">{}</div>", esc(s.verdict->reason));
      if (!s.verdict->metrics.empty()) {
        std::string names;
        for (const auto& m : s.verdict->metrics) names += (names.empty() ? "" : ", ") + m;
        verdict += fmt::format("<div class=\"small muted\">decided by {}</div>", esc(names));
      }
    }
    out += fmt::format(
        "<tr><td class=\"nowrap\">{}<a href=\"#{}\">{}</a></td><td>{}<div class=\"reason\">{}"
        "</div></td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
        swatch(v.color, v.style), v.anchor, esc(v.label), status_badge(s.info.status),
        esc(s.info.reason), verdict, ceiling_cell(s), expectations_cell(s));
  }
  out += "</table>\n";
}

void compatibility_table(std::string& out, const CompatibilityTable& t) {
  if (t.steps.empty() || t.browsers.empty()) {
    out += "<p class=\"muted\">No step results recorded.</p>\n";
    return;
  }
  out += "<table>\n<tr><th>step</th>";
  for (const auto& b : t.browsers) out += fmt::format("<th>{}</th>", esc(b));
  out += "</tr>\n";
  for (const auto& step : t.steps) {
    out += fmt::format("<tr><td>{}</td>", esc(step));
    for (const auto& b : t.browsers) {
      const auto it = t.cells.find({step, b});
      if (it == t.cells.end() || it->second.passed + it->second.failed == 0) {
        out += "<td class=\"na\">not run</td>";
        continue;
      }
      const CompatibilityCell& cell = it->second;
      if (cell.failed == 0) {
        out += fmt::format("<td class=\"pass\">pass &#183; {}</td>", cell.passed);
        continue;
      }
      out += fmt::format("<td class=\"fail\"><b>fail &#183; {} of {}</b>", cell.failed,
                         cell.passed + cell.failed);
      if (!cell.failure.empty()) {
        out += fmt::format("<div class=\"reason\">{}</div>",
                           esc(truncate_text(cell.failure, kMaxMessageChars)));
      }
      if (!cell.screenshot.empty()) {
        out +=
            fmt::format("<div class=\"small\">{}</div>", link("", cell.screenshot, "screenshot"));
      }
      out += "</td>";
    }
    out += "</tr>\n";
  }
  out += "</table>\n";
}

void scenario_section(std::string& out, const ScenarioReport& sc, std::size_t index,
                      const std::vector<RunView>& views) {
  out += fmt::format("<h2 id=\"s{}\">{}</h2>\n", index + 1, esc(sc.scenario));
  std::set<std::string> files;
  for (const auto& run : sc.runs) {
    if (!run.summary.info.scenario_file.empty()) files.insert(run.summary.info.scenario_file);
  }
  std::string file_list;
  for (const auto& f : files) file_list += (file_list.empty() ? "" : ", ") + f;
  out += fmt::format("<p class=\"meta\">{}{} run{}</p>\n",
                     file_list.empty() ? "" : esc(file_list) + " &#183; ", sc.runs.size(),
                     sc.runs.size() == 1 ? "" : "s");

  out += "<h3>Renderer memory per iteration</h3>\n";
  const ChartSpec main = memory_chart(views, fmt::format("s{}-memory", index + 1), true);
  out += "<div class=\"chart\">" + render_svg_chart(main) + "</div>\n";
  out += fmt::format(
      "<p class=\"note\">Private memory of the page's renderer processes at each checkpoint "
      "(after a forced GC when the run forces one).{} Dash-dot from the last checkpoint: the "
      "line the projection fitted (plus the headroom the peaks keep above it) to where it meets "
      "the ceiling. Markers sit on the curve at the event's "
      "iteration; hover over a marker or a point for details.</p>\n",
      colours_by_variant(sc) ? " Colour: the variant; line style: the browser." : "");
  if (wants_zoomed_memory_chart(views, main)) {
    out += "<h4>The same curves, zoomed (without the ceiling)</h4>\n";
    out += "<div class=\"chart\">" +
           render_svg_chart(memory_chart(views, fmt::format("s{}-zoom", index + 1), false)) +
           "</div>\n";
  }

  out += "<h3>Verdicts</h3>\n";
  verdict_table(out, views);
  out += "<h3>Compatibility</h3>\n";
  compatibility_table(out, sc.compatibility);
  for (const RunView& v : views) run_section(out, v);
}

void comparison_section(std::string& out, const Comparison& c, const ChangeCounts& changes) {
  const int regressions = changes.regressions, improvements = changes.improvements;
  out += "<h2 id=\"comparison\">Comparison with the baseline</h2>\n";
  out += fmt::format("<p>{} pair{}: {}{} regression{}{}, {} improvement{}.</p>\n", c.pairs.size(),
                     c.pairs.size() == 1 ? "" : "s", regressions ? "<span class=\"bad\">" : "",
                     regressions, regressions == 1 ? "" : "s", regressions ? "</span>" : "",
                     improvements, improvements == 1 ? "" : "s");
  if (!c.pairs.empty()) {
    out +=
        "<table class=\"wide\">\n<tr><th>run</th><th>baseline</th><th>candidate</th>"
        "<th class=\"num\">slope change</th><th class=\"num\">peak change</th><th>result</th>"
        "<th>reason</th></tr>\n";
    for (const auto& p : c.pairs) {
      out += fmt::format(
          "<tr{}><td>{}<div class=\"small muted\">baseline {}<br>candidate "
          "{}</div></td><td>{}</td><td>{}</td>"
          "<td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>\n",
          p.kind == ChangeKind::kRegression ? " class=\"regression\"" : "", esc(p.label()),
          esc(p.baseline_run), esc(p.candidate_run), verdict_badge(p.baseline_verdict),
          verdict_badge(p.candidate_verdict),
          p.slope_delta_bytes ? signed_bytes(*p.slope_delta_bytes) + "/it" : "-",
          p.peak_delta_bytes ? signed_bytes(*p.peak_delta_bytes) : "-", change_badge(p.kind),
          esc(p.reason));
    }
    out += "</table>\n";
  }
  auto only = [&](const std::vector<std::string>& keys, const char* side) {
    if (keys.empty()) return;
    out += fmt::format("<p>Only in the {}:</p>\n<ul>\n", side);
    for (const auto& k : keys) out += fmt::format("<li>{}</li>\n", esc(k));
    out += "</ul>\n";
  };
  only(c.baseline_only, "baseline");
  only(c.candidate_only, "candidate");
}

}  // namespace

}  // namespace harness::html

namespace harness {

std::string render_html(const Report& report) {
  std::vector<std::vector<RunView>> views;
  for (std::size_t i = 0; i < report.scenarios.size(); ++i) {
    views.push_back(run_views(report.scenarios[i], i));
  }
  std::string out;
  out.reserve(64 * 1024);
  out +=
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"X-UA-Compatible\" content=\"IE=edge\">\n";
  out +=
      fmt::format("<title>{}</title>\n<style>\n{}</style>\n</head>\n<body>\n<div class=\"page\">\n",
                  html::esc(report.title.empty() ? "Memory report" : report.title), kReportCss);
  std::optional<html::ChangeCounts> changes;
  if (report.comparison) changes = html::count_changes(*report.comparison);
  html::header(out, report, changes);
  if (report.scenarios.empty()) out += "<p class=\"muted\">No runs in this report.</p>\n";
  html::glance_table(out, report, views);
  for (std::size_t i = 0; i < report.scenarios.size(); ++i) {
    html::scenario_section(out, report.scenarios[i], i, views[i]);
  }
  if (!report.history.empty()) html::history_section(out, report.history);
  if (report.comparison) html::comparison_section(out, *report.comparison, *changes);
  out += "</div>\n</body>\n</html>\n";
  return out;
}

}  // namespace harness
