#include "harness/report/markdown.hpp"

#include <fmt/format.h>

#include "harness/store/csv.hpp"
#include "harness/model/units.hpp"
#include "harness/model/variant.hpp"

namespace harness {

namespace {

std::string variant_text(const RunInfo& r) {
  return r.variant.empty() ? "-" : variant_label(r.variant, ", ");
}

// Markdown table cells must not break the table.
std::string cell(std::string text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out;
}

std::string slope_text(const RunSummary& s) {
  if (!s.verdict || !s.verdict->slope_bytes_per_iteration) return "-";
  return format_bytes(*s.verdict->slope_bytes_per_iteration) + "/it";
}

}  // namespace

std::string render_markdown(const Report& report) {
  std::string md = fmt::format("## {}\n\n", cell(report.title));
  int runs = 0, failed = 0, retaining = 0;
  std::string table =
      "| scenario | browser | variant | status | verdict | renderer slope | peak | iterations |\n"
      "|---|---|---|---|---|---|---|---|\n";
  std::string problems;
  for (const auto& scenario : report.scenarios) {
    for (const auto& run : scenario.runs) {
      const RunSummary& s = run.summary;
      const RunInfo& r = s.info;
      ++runs;
      const bool ok = r.status == RunStatus::kCompleted && s.expectations.met;
      if (!ok) ++failed;
      if (s.verdict && s.verdict->kind == VerdictKind::kRetains) ++retaining;
      table += fmt::format("| {} | {} | {} | {}{} | {} | {} | {} | {}/{} |\n", cell(r.scenario),
                           cell(r.browser), cell(variant_text(r)), ok ? "" : "**",
                           std::string(status_name(r.status)) + (ok ? "" : "**"),
                           s.verdict ? verdict_name(s.verdict->kind) : "-", slope_text(s),
                           s.peak ? format_bytes(s.peak->bytes) : "-", r.iterations_completed,
                           r.iterations_planned);
      if (r.status != RunStatus::kCompleted) {
        problems += fmt::format("- {} {} ({}): {} — {}\n", cell(r.scenario), cell(r.browser),
                                cell(variant_text(r)), status_name(r.status), cell(r.reason));
      }
      for (const auto& failure : s.expectations.failures) {
        problems += fmt::format("- {} {} ({}): expectation failed — {}\n", cell(r.scenario),
                                cell(r.browser), cell(variant_text(r)), cell(failure));
      }
    }
  }
  md += fmt::format("{} run(s): {} failed or missed an expectation, {} retain memory.\n\n", runs,
                    failed, retaining);
  md += table;
  if (report.comparison) {
    int regressions = 0;
    std::string lines;
    for (const auto& p : report.comparison->pairs) {
      if (p.kind != ChangeKind::kRegression) continue;
      ++regressions;
      lines += fmt::format("- **{}**: {}\n", cell(p.label()), cell(p.reason));
    }
    md += fmt::format("\n### Against the baseline: {} regression(s) in {} pair(s)\n\n{}",
                      regressions, report.comparison->pairs.size(), lines);
  }
  if (!problems.empty()) md += "\n### Problems\n\n" + problems;
  return md;
}

std::string render_runs_csv(const Report& report) {
  std::string out =
      "run_id,scenario,browser,variant,status,verdict,slope_bytes_per_iteration,ci95_low,"
      "ci95_high,peak_bytes,iterations_completed,iterations_planned,duration_s,expectations_met\n";
  for (const auto& scenario : report.scenarios) {
    for (const auto& run : scenario.runs) {
      const RunSummary& s = run.summary;
      const RunInfo& r = s.info;
      auto number = [](const std::optional<double>& v) {
        return v ? fmt::format("{}", *v) : std::string();
      };
      out += fmt::format(
          "{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", csv_field(r.id), csv_field(r.scenario),
          csv_field(r.browser), csv_field(variant_text(r)), status_name(r.status),
          s.verdict ? verdict_name(s.verdict->kind) : "",
          s.verdict ? number(s.verdict->slope_bytes_per_iteration) : "",
          s.verdict && s.verdict->ci95 ? fmt::format("{}", s.verdict->ci95->first) : "",
          s.verdict && s.verdict->ci95 ? fmt::format("{}", s.verdict->ci95->second) : "",
          s.peak ? fmt::format("{}", s.peak->bytes) : "", r.iterations_completed,
          r.iterations_planned, r.duration_s, s.expectations.met ? 1 : 0);
    }
  }
  return out;
}

}  // namespace harness
