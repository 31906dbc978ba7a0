#include "harness/report/html_run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "harness/analyze/fit.hpp"
#include "harness/analyze/verdict.hpp"
#include "harness/report/html_markup.hpp"
#include "harness/report/report_text.hpp"
#include "harness/report/style.hpp"

namespace harness::html {

std::string growth_text(const std::vector<ChartPoint>& curve) {
  if (curve.empty()) return "<span class=\"muted\">no checkpoints</span>";
  const double first = curve.front().y, last = curve.back().y;
  return fmt::format("{} \xE2\x86\x92 {} <span class=\"nowrap\">({})</span>", bytes_text(first),
                     bytes_text(last), signed_bytes(last - first));
}

std::string slope_text(const std::optional<Verdict>& v) {
  if (!v || !v->slope_bytes_per_iteration) return "-";
  std::string text = signed_bytes(*v->slope_bytes_per_iteration) + "/it";
  if (v->ci95 && std::isfinite(v->ci95->first) && std::isfinite(v->ci95->second)) {
    text += fmt::format("<div class=\"small muted\">95 % CI {} to {}</div>",
                        signed_bytes(v->ci95->first), signed_bytes(v->ci95->second));
  }
  return text;
}

std::string peak_text(const std::optional<Peak>& peak) {
  if (!peak) return "-";
  return fmt::format("{}<div class=\"small muted\">it. {}</div>", bytes_text(peak->bytes),
                     peak->iteration);
}

std::string ceiling_cell(const RunSummary& s) {
  std::string out;
  if (s.ceiling && s.ceiling->bytes > 0) {
    out += fmt::format("{} <span class=\"muted\">({})</span>", bytes_text(s.ceiling->bytes),
                       esc(s.ceiling->enforce));
    if (s.ceiling->reached_iteration) {
      out += fmt::format(
          "<div class=\"bad\">reached at it. {}{}</div>", *s.ceiling->reached_iteration,
          s.ceiling->reached_bytes ? " (" + bytes_text(*s.ceiling->reached_bytes) + ")" : "");
    }
    if (s.ceiling->early_projection) {
      out += fmt::format("<div class=\"small\">predicted from the first 25 % of it: {}</div>",
                         esc(projection_text(*s.ceiling->early_projection)));
    }
  } else if (s.info.ceiling_bytes) {
    out += bytes_text(static_cast<double>(*s.info.ceiling_bytes));
  } else {
    return "<span class=\"muted\">none</span>";
  }
  if (s.projection) {
    out += fmt::format("<div class=\"small\"><b>projected:</b> {}</div>",
                       esc(projection_text(*s.projection)));
  }
  const MitigationReport& mit = s.mitigation;
  if (mit.reload_every > 0 || mit.restart_every > 0) {
    std::string what;
    if (mit.reload_every > 0) {
      what = fmt::format("reload every {} ({} done)", mit.reload_every, mit.reloads);
    }
    if (mit.restart_every > 0) {
      what += fmt::format("{}restart every {} ({} done)", what.empty() ? "" : ", ",
                          mit.restart_every, mit.restarts);
    }
    if (mit.stayed_below_ceiling) {
      what += *mit.stayed_below_ceiling ? ": stayed below the ceiling"
                                        : ": <span class=\"bad\">did not stay below</span>";
    }
    out += fmt::format("<div class=\"small\">mitigation: {}</div>", what);
  }
  return out;
}

std::string expectations_cell(const RunSummary& s) {
  if (!s.expectations.declared) return "<span class=\"muted\">none declared</span>";
  if (s.expectations.met) return "<span class=\"ok\">met</span>";
  std::string out = "<span class=\"bad\">failed</span>";
  for (const auto& f : s.expectations.failures) {
    out += fmt::format("<div class=\"reason\">{}</div>", esc(f));
  }
  return out;
}

std::string iterations_cell(const RunInfo& r) {
  return fmt::format("{}/{}<div class=\"small muted\">{}</div>", r.iterations_completed,
                     r.iterations_planned, duration_text(r.duration_s));
}

namespace {

void steps_table(std::string& out, const ReportRun& run) {
  out += "<h4>Step durations</h4>\n";
  if (run.steps.empty()) {
    out += "<p class=\"muted\">No step timings.</p>\n";
    return;
  }
  out +=
      "<table>\n<tr><th>step</th><th class=\"num\">iterations</th><th class=\"num\">median</th>"
      "<th class=\"num\">p95</th><th class=\"num\">max</th><th class=\"num\">failures</th></tr>\n";
  for (const auto& step : run.steps) {
    std::vector<double> ms;
    for (const auto& p : step.duration_ms) {
      if (std::isfinite(p.value)) ms.push_back(p.value);
    }
    auto cell = [&](double q) {
      return ms.empty() ? std::string("-") : fmt::format("{:.0f} ms", quantile(ms, q));
    };
    out += fmt::format(
        "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}"
        "</td><td class=\"num\">{}</td><td class=\"num{}\">{}</td></tr>\n",
        esc(step.label), ms.size(), cell(0.5), cell(0.95), cell(1.0),
        step.failures > 0 ? " bad" : "", step.failures);
  }
  out += "</table>\n";
}

void events_table(std::string& out, const RunSummary& s) {
  std::vector<const EventRecord*> notable;
  for (const auto& e : s.events) {
    if (e.kind == "browser_started" || e.kind == "browser_ended" || e.kind == "js_error" ||
        e.kind == "browser_log") {
      continue;
    }
    notable.push_back(&e);
  }
  if (notable.empty()) return;
  out +=
      "<h4>Events</h4>\n<table>\n<tr><th class=\"num\">iteration</th><th class=\"num\">time"
      "</th><th>event</th><th>message</th></tr>\n";
  for (std::size_t i = 0; i < notable.size() && i < kMaxListedRows; ++i) {
    const EventRecord& e = *notable[i];
    const EventStyle* style = event_style(e.kind);
    out += fmt::format(
        "<tr><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"nowrap\"{}>{}</td>"
        "<td>{}</td></tr>\n",
        e.iteration, time_ms_text(e.t_ms),
        style ? fmt::format(" style=\"color:{}\"", style->color) : std::string(), esc(e.kind),
        esc(truncate_text(e.message, kMaxMessageChars)));
  }
  out += "</table>\n";
  if (notable.size() > kMaxListedRows) {
    out += fmt::format("<p class=\"note\">{} more events in summary.json.</p>\n",
                       notable.size() - kMaxListedRows);
  }
}

// The same error thrown every iteration is one row with its count.
void js_errors_table(std::string& out, const ReportRun& run) {
  if (run.js_errors.empty()) return;
  struct Group {
    const JsErrorRecord* first;
    int count;
  };
  std::vector<Group> groups;
  for (const auto& e : run.js_errors) {
    auto it = std::find_if(groups.begin(), groups.end(), [&](const Group& g) {
      return g.first->message == e.message && g.first->source == e.source;
    });
    if (it == groups.end())
      groups.push_back({&e, 1});
    else
      ++it->count;
  }
  out += fmt::format("<h4>JavaScript errors ({})</h4>\n", run.js_errors.size());
  out +=
      "<table class=\"wide\">\n<tr><th class=\"num\">count</th><th class=\"num\">first at</th>"
      "<th>message</th><th>source</th></tr>\n";
  for (std::size_t i = 0; i < groups.size() && i < kMaxListedErrors; ++i) {
    const JsErrorRecord& e = *groups[i].first;
    out += fmt::format(
        "<tr><td class=\"num\">{}</td><td class=\"num\">it. {}</td><td>{}</td><td class=\"small\">"
        "{}</td></tr>\n",
        groups[i].count, e.iteration, esc(truncate_text(e.message, kMaxMessageChars)),
        esc(truncate_text(e.source, kMaxMessageChars)));
  }
  out += "</table>\n";
  if (groups.size() > kMaxListedErrors) {
    out += fmt::format("<p class=\"note\">{} more distinct errors in the run's events.</p>\n",
                       groups.size() - kMaxListedErrors);
  }
}

void dumps_table(std::string& out, const ReportRun& run) {
  const auto& dumps = run.summary.dumps;
  if (dumps.empty()) return;
  out +=
      "<h4>Dumps</h4>\n<table class=\"wide\">\n<tr><th class=\"num\">iteration</th><th>kind</th>"
      "<th>trigger</th><th class=\"num\">value</th><th class=\"num\">size</th><th>file</th>"
      "</tr>\n";
  for (const auto& d : dumps) {
    out += fmt::format(
        "<tr><td class=\"num\">{}</td><td class=\"nowrap\">{}</td><td>{}</td><td class=\"num\">{}"
        "</td><td class=\"num\">{}</td><td>{}</td></tr>\n",
        d.iteration, esc(dump_kind_text(d.kind)), esc(d.rule),
        d.value_bytes > 0 ? bytes_text(d.value_bytes) : "-",
        d.size_bytes > 0 ? bytes_text(static_cast<double>(d.size_bytes)) : "-",
        d.file.empty() ? "-" : link(run.dir, d.file, d.file));
  }
  out += "</table>\n";
}

// Leak attribution (issue 16): the leak roots, their holders and paths, and the frames whose
// document grew.
void attribution_section(std::string& out, const ReportRun& run) {
  if (!run.summary.attribution) return;
  const Attribution& a = *run.summary.attribution;
  out += "<h4>Attribution: what grew and what holds it</h4>\n";
  if (!a.error.empty()) out += fmt::format("<p class=\"note\">{}</p>\n", esc(a.error));
  if (a.method == "heap_snapshots" && a.error.empty()) {
    std::string files;
    for (const auto& snap : a.snapshots) {
      files += (files.empty() ? "" : ", ") +
               link(run.dir, snap.file, fmt::format("iteration {}", snap.iteration)) +
               fmt::format(" ({})", bytes_text(static_cast<double>(snap.size_bytes)));
    }
    out += fmt::format("<p class=\"small\">Heap snapshots: {}; analysed in {:.1f} s. {}.</p>\n",
                       files, a.analysis_seconds, esc(a.noise_floor));
    if (a.groups.empty()) {
      out += "<p>No object group grew in proportion to the iterations.</p>\n";
    } else {
      out +=
          "<table class=\"wide\">\n<tr><th class=\"num\">#</th><th>leak root</th><th>kind</th>"
          "<th class=\"num\">new/it</th><th class=\"num\">growth/it</th><th class=\"num\">"
          "retained/it</th><th>held by</th><th>contains</th></tr>\n";
      for (std::size_t i = 0; i < a.groups.size(); ++i) {
        const auto& g = a.groups[i];
        std::string contains;
        for (std::size_t k = 0; k < g.contains.size() && k < 5; ++k) {
          contains += (k ? ", " : "") + esc(g.contains[k]);
        }
        out += fmt::format(
            "<tr><td class=\"num\">{}</td><td>{}</td><td class=\"nowrap\">{}</td><td "
            "class=\"num\">{:.3g}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}"
            "</td><td class=\"small\">{}</td></tr>\n",
            i + 1, esc(g.name), esc(g.kind), g.count_per_iteration,
            bytes_text(g.growth_bytes_per_iteration), bytes_text(g.retained_bytes_per_iteration),
            esc(g.holder), contains);
      }
      out += "</table>\n";
      for (std::size_t i = 0; i < a.groups.size() && i < 3; ++i) {
        std::string path;
        for (const auto& step : a.groups[i].path) {
          path += "<b>" + esc(step.node) + "</b>";
          if (!step.edge.empty()) path += " &#8594; " + esc(step.edge) + " &#8594; ";
        }
        out += fmt::format("<p class=\"small\">#{} retainer path: {}</p>\n", i + 1, path);
      }
    }
  }
  if (!a.frames_grown.empty()) {
    out += "<table class=\"wide\">\n<tr><th>frame</th><th>document</th><th class=\"num\">"
           "elements first \xE2\x86\x92 last</th><th class=\"num\">per iteration</th></tr>\n";
    for (const auto& f : a.frames_grown) {
      out += fmt::format("<tr><td>{}</td><td>{}</td><td class=\"num\">{:.0f} \xE2\x86\x92 {:.0f}"
                         "</td><td class=\"num\">{:.3g}</td></tr>\n",
                         esc(f.frame), esc(f.url), f.first, f.last, f.per_iteration);
    }
    out += "</table>\n";
  } else if (!a.dom_counts.empty()) {
    out += fmt::format("<p class=\"small\">The frames' DOM counts ({} checkpoints): no frame's "
                       "document grew.</p>\n",
                       a.dom_counts.size());
  }
}

void metric_details(std::string& out, const RunSummary& s) {
  if (!s.verdict || s.verdict->per_metric.empty()) return;
  out +=
      "<details><summary>Every metric's analysis</summary>\n<table class=\"wide small\">\n"
      "<tr><th>metric</th><th>verdict</th><th class=\"num\">first \xE2\x86\x92 last</th>"
      "<th class=\"num\">slope/it</th><th class=\"num\">95 % CI</th><th class=\"num\">"
      "Theil\xE2\x80\x93Sen</th><th class=\"num\">threshold</th><th>reason</th></tr>\n";
  for (const auto& m : s.verdict->per_metric) {
    auto amount = [&](double v) {
      return std::isfinite(v) ? format_amount(v, m.unit) : std::string("unbounded");
    };
    out += fmt::format(
        "<tr><td>{}</td><td>{}</td><td class=\"num\">{} \xE2\x86\x92 {}</td><td class=\"num\">{}"
        "</td><td class=\"num\">{} to {}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td>{}</td></tr>\n",
        esc(m.metric), verdict_badge(verdict_name(m.kind)), esc(amount(m.first_value)),
        esc(amount(m.last_value)), esc(amount(m.slope)), esc(amount(m.ci95_low)),
        esc(amount(m.ci95_high)), esc(amount(m.theil_sen)), esc(amount(m.threshold)),
        esc(m.reason));
  }
  out += "</table>\n</details>\n";
}

}  // namespace

void run_section(std::string& out, const RunView& v) {
  const ReportRun& run = *v.run;
  const RunSummary& s = run.summary;
  const RunInfo& r = s.info;
  out += fmt::format("<div class=\"run\"><h3 id=\"{}\">{}{} &#160;{} {}</h3>\n", v.anchor,
                     swatch(v.color, v.style), esc(v.label), status_badge(r.status),
                     verdict_badge(s.verdict));
  std::string links;
  for (const auto& [role, file] : s.files) {
    links += (links.empty() ? "" : " &#183; ") + link(run.dir, file, file);
  }
  out += fmt::format(
      "<p class=\"meta small\">{} &#183; {} {} &#183; started {} &#183; {} &#183; input {} "
      "&#183; checkpoint every {} iteration{}{}{}</p>\n",
      esc(r.id), esc(r.browser), esc(r.browser_version), esc(r.started_at),
      duration_text(r.duration_s), esc(r.input_mode), r.checkpoint_every,
      r.checkpoint_every == 1 ? "" : "s", r.checkpoint_gc ? " after a forced GC" : "",
      links.empty() ? "" : "<br>" + links);
  if (!r.components.empty()) {
    // Which third parties were in this run (README "Components").
    std::string present, absent;
    for (const auto& c : r.components) {
      std::string text = esc(c.value("name", "")) + " (" + esc(c.value("kind", ""));
      if (!c.value("version", "").empty()) text += " " + esc(c.value("version", ""));
      text += ")";
      std::string& list = c.value("present", false) ? present : absent;
      list += (list.empty() ? "" : ", ") + text;
    }
    out += fmt::format("<p class=\"small\"><b>Components present:</b> {}{}</p>\n",
                       present.empty() ? "none" : present,
                       absent.empty() ? "" : " &#183; <b>absent:</b> " + absent);
  }
  if (s.adaptive.enabled) {
    out += fmt::format(
        "<p class=\"small\">iterations: auto &#8212; decided after {} iterations ({}), at most "
        "{}</p>\n",
        s.adaptive.iterations_used, duration_text(s.adaptive.seconds_used),
        s.adaptive.max_iterations);
  }
  if (s.verdict && (!s.verdict->subjects.empty() || !s.verdict->targets.empty())) {
    std::string subjects, targets;
    for (const auto& x : s.verdict->subjects) subjects += (subjects.empty() ? "" : ", ") + esc(x);
    for (const auto& x : s.verdict->targets) targets += (targets.empty() ? "" : ", ") + esc(x);
    out += fmt::format("<p class=\"grew\"><b>What grew:</b> {}{}</p>\n", subjects,
                       targets.empty() ? "" : "<br><b>In which target:</b> " + targets);
  }
  out += fmt::format(
      "<div class=\"half\"><h4>Process tree by role</h4><div class=\"chart\">{}</div></div>",
      render_svg_chart(role_chart(v, v.anchor + "-roles")));
  out += fmt::format(
      "<div class=\"half last\"><h4>Responsiveness</h4><div class=\"chart\">{}</div></div>\n",
      render_svg_chart(responsiveness_chart(v, v.anchor + "-resp")));
  attribution_section(out, run);
  steps_table(out, run);
  events_table(out, s);
  js_errors_table(out, run);
  dumps_table(out, run);
  metric_details(out, s);
  out += "</div>\n";
}

}  // namespace harness::html
