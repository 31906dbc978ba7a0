#include "harness/report/html.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <pugixml.hpp>
#include <regex>
#include <string>
#include <vector>

#include "fixed_report.hpp"
#include "golden.hpp"

namespace harness {
namespace {

using harness::testing::fixed_report;
using harness::testing::kFixedMiB;

std::vector<std::string> svgs_of(const std::string& html) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while ((pos = html.find("<svg", pos)) != std::string::npos) {
    const std::size_t end = html.find("</svg>", pos);
    EXPECT_NE(end, std::string::npos);
    if (end == std::string::npos) break;
    out.push_back(html.substr(pos, end + 6 - pos));
    pos = end + 6;
  }
  return out;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// "NaN", "nan", "inf", "-inf" as numbers, wherever they would land (coordinates, labels).
bool has_non_finite_number(const std::string& text) {
  static const std::regex pattern(R"((^|[^A-Za-z])(-?nan|-?inf)([^A-Za-z]|$))", std::regex::icase);
  return std::regex_search(text, pattern);
}

TEST(Html, Golden) { harness::testing::expect_golden("report.html", render_html(fixed_report())); }

TEST(Html, IsOneSelfContainedFileForIe11AndChromium) {
  const std::string html = render_html(fixed_report());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("<meta http-equiv=\"X-UA-Compatible\" content=\"IE=edge\">"),
            std::string::npos);
  EXPECT_NE(html.find("<meta charset=\"utf-8\">"), std::string::npos);
  const std::string l = lower(html);
  EXPECT_EQ(l.find("<script"), std::string::npos);
  EXPECT_EQ(l.find("<link"), std::string::npos);
  EXPECT_EQ(l.find("<img"), std::string::npos);
  EXPECT_EQ(l.find("@import"), std::string::npos);
  EXPECT_EQ(l.find("url(http"), std::string::npos);
  EXPECT_EQ(l.find(" src="), std::string::npos);
  EXPECT_EQ(l.find("href=\"http"), std::string::npos);
  // CSS IE11 does not know.
  EXPECT_EQ(l.find("var(--"), std::string::npos);
  EXPECT_EQ(l.find("display:grid"), std::string::npos);
  EXPECT_EQ(l.find("display:flex"), std::string::npos);
  EXPECT_LT(html.size(), 400u * 1024) << "the fixed report should stay small";
}

TEST(Html, EverySvgIsWellFormedXml) {
  const std::string html = render_html(fixed_report());
  const auto svgs = svgs_of(html);
  // The main chart, two per run (roles, responsiveness), two per history series.
  EXPECT_EQ(svgs.size(), 1u + 2 * 4 + 2 * 2);
  for (const auto& svg : svgs) {
    pugi::xml_document doc;
    const auto result = doc.load_string(svg.c_str());
    EXPECT_TRUE(result) << result.description() << "\n" << svg.substr(0, 400);
    EXPECT_STREQ(doc.document_element().name(), "svg");
  }
}

TEST(Html, MainChartHasEveryRunInItsLegendAndTheCeiling) {
  const std::string html = render_html(fixed_report());
  const auto svgs = svgs_of(html);
  ASSERT_FALSE(svgs.empty());
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(svgs[0].c_str()));
  std::vector<std::string> legend;
  for (const auto& n : doc.select_nodes("//g[@class='legend']/text")) {
    legend.push_back(n.node().text().get());
  }
  for (const char* name :
       {"chromium retention=none", "chromium retention=window", "ie11 retention=none",
        "ie11 retention=window", "crash", "ceiling reached", "dump", "reload", "step failed",
        "projection to the ceiling"}) {
    EXPECT_NE(std::find(legend.begin(), legend.end(), name), legend.end()) << name;
  }
  const auto ceiling = doc.select_node("//g[@class='reference']/text");
  ASSERT_TRUE(ceiling);
  EXPECT_STREQ(ceiling.node().text().get(), "ceiling 1.27 GiB");
  // The projection: a dashed segment from the last checkpoint to the ceiling.
  EXPECT_EQ(doc.select_nodes("//g[@class='segment']").size(), 2u);
}

TEST(Html, NoCeilingNoCeilingLine) {
  Report report = fixed_report();
  for (auto& run : report.scenarios[0].runs) {
    run.summary.ceiling.reset();
    run.summary.info.ceiling_bytes.reset();
    run.summary.projection.reset();
  }
  const std::string html = render_html(report);
  EXPECT_EQ(html.find("class=\"reference\""), std::string::npos);
  EXPECT_EQ(html.find("projected to reach the ceiling"), std::string::npos);
}

TEST(Html, VerdictsAreColourCoded) {
  const std::string html = render_html(fixed_report());
  for (const char* cls : {"badge v-retains", "badge v-stable", "badge v-insufficient", "badge s-ok",
                          "badge s-fail", "badge c-regression"}) {
    EXPECT_NE(html.find(cls), std::string::npos) << cls;
  }
  EXPECT_NE(html.find(".v-retains{background:#fdecea"), std::string::npos);
  EXPECT_NE(html.find(".v-plateau{background:#fff3e0"), std::string::npos);
}

TEST(Html, LinksToScreenshotsAndDumpsAreRelative) {
  const std::string html = render_html(fixed_report());
  EXPECT_NE(html.find("href=\"20261122T171500Z-vtm-review-ie11-retention=none/screenshots/"
                      "failure-iteration-23.png\""),
            std::string::npos);
  EXPECT_NE(html.find("href=\"20261122T170140Z-vtm-review-chromium-retention=window/dumps/"
                      "heap-it26.heapsnapshot\""),
            std::string::npos);
  EXPECT_NE(html.find("href=\"20261122T171640Z-vtm-review-ie11-retention=window/dumps/"
                      "completed/4f1c2a.dmp\""),
            std::string::npos);
}

// Links: spaces, '#', '%', '?' and non-ASCII bytes are percent-encoded, the folder names'
// '=' ',' '@' '+' stay; a Windows path becomes a file:/// URL with its drive colon kept.
TEST(Html, LinksArePercentEncoded) {
  Report report = fixed_report();
  ReportRun& run = report.scenarios[0].runs[1];
  run.dir = "runs/a b#1%?\xC3\xA9=x,y@z+w:v";
  ReportRun& killed = report.scenarios[0].runs[3];
  killed.dir = "C:\\results\\run 1";
  const std::string html = render_html(report);
  EXPECT_NE(
      html.find("href=\"runs/a%20b%231%25%3F%C3%A9=x,y@z+w%3Av/dumps/heap-it26.heapsnapshot\""),
      std::string::npos);
  EXPECT_NE(html.find("href=\"file:///C:/results/run%201/dumps/completed/4f1c2a.dmp\""),
            std::string::npos);
}

TEST(Html, HostileTextNeverAppearsUnescaped) {
  const std::string evil = "<script>alert('x')</script>";
  Report report = fixed_report();
  report.title = evil;
  ScenarioReport& sc = report.scenarios[0];
  sc.scenario = evil;
  ReportRun& run = sc.runs[0];
  run.summary.info.browser = evil;
  run.summary.info.variant = {{evil, evil}};
  run.summary.info.reason = evil;
  run.summary.verdict->reason = evil;
  run.summary.verdict->per_metric[0].reason = evil;
  run.summary.events.push_back({100, 3, "crashed", evil, {}});
  run.summary.dumps.push_back({100, 3, "minidump", evil, "", 0, evil, 10});
  run.summary.expectations = {true, false, {evil}};
  run.steps[0].label = evil;
  run.js_errors.push_back({100, 3, evil, evil});
  run.dir = evil;
  sc.compatibility.steps[0] = evil;
  sc.compatibility.cells[{evil, "chromium"}] = {1, 1, evil, evil};
  report.history[0].key = evil;
  report.history[0].points[0].regression = true;
  report.history[0].points[0].regression_reason = evil;
  report.comparison->pairs[0].reason = evil;
  report.comparison->pairs[0].baseline_verdict = evil;
  report.comparison->baseline_only = {evil};
  const std::string html = render_html(report);
  EXPECT_EQ(lower(html).find("<script"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"), std::string::npos);
  for (const auto& svg : svgs_of(html)) {
    pugi::xml_document doc;
    EXPECT_TRUE(doc.load_string(svg.c_str())) << svg.substr(0, 400);
  }
}

TEST(Html, EmptyAndDegenerateRunsHaveNoNanOrInf) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  Report report = fixed_report();
  ScenarioReport& sc = report.scenarios[0];
  ReportRun empty = sc.runs[0];
  empty.summary.checkpoints.clear();
  empty.summary.events.clear();
  empty.summary.dumps.clear();
  empty.summary.verdict.reset();
  empty.summary.peak.reset();
  empty.summary.iteration_ms.clear();
  empty.summary.heartbeat_max_ms.clear();
  empty.memory_by_role.clear();
  empty.steps.clear();
  empty.js_errors.clear();
  ReportRun single = sc.runs[1];
  single.summary.checkpoints.resize(1);
  single.summary.iteration_ms = {{1, nan}};
  single.summary.heartbeat_max_ms = {{1, inf}};
  single.memory_by_role.resize(1);
  single.steps[0].duration_ms = {{1, nan}};
  single.summary.projection->iteration = nan;
  single.summary.verdict->per_metric[0].slope_se = inf;
  single.summary.verdict->per_metric[0].ci95_high = inf;
  single.summary.verdict->ci95 = std::make_pair(-inf, inf);
  single.summary.dumps[0].value_bytes = nan;
  sc.runs = {empty, single};
  report.history[0].points[1].slope_bytes_per_iteration = nan;
  report.history[1].points.clear();
  const std::string html = render_html(report);
  EXPECT_FALSE(has_non_finite_number(html)) << html;
  EXPECT_NE(html.find("no checkpoints"), std::string::npos);
  for (const auto& svg : svgs_of(html)) {
    pugi::xml_document doc;
    EXPECT_TRUE(doc.load_string(svg.c_str())) << svg.substr(0, 400);
  }

  const std::string nothing = render_html(Report{});
  EXPECT_NE(nothing.find("No runs in this report."), std::string::npos);
  EXPECT_FALSE(has_non_finite_number(nothing));
}

TEST(Html, CurvesFarBelowTheCeilingGetAZoomedChart) {
  Report report = fixed_report();
  auto& runs = report.scenarios[0].runs;
  runs = {runs[0]};  // the stable run: ~40 MiB against a 1.27 GiB ceiling
  const std::string html = render_html(report);
  EXPECT_NE(html.find("zoomed to the curves"), std::string::npos);
  EXPECT_EQ(svgs_of(html).size(), 1u + 1 + 2 + 4);
}

TEST(Html, ProjectionsFarBeyondTheRunDoNotSquashTheCurves) {
  Report report = fixed_report();
  auto& runs = report.scenarios[0].runs;
  runs = {runs[1]};
  runs[0].summary.projection->iteration = 5000;
  const std::string html = render_html(report);
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(svgs_of(html)[0].c_str()));
  // The x axis ends at the last checkpoint (60), not at 5000.
  std::vector<std::string> labels;
  for (const auto& n : doc.select_nodes("//g[@class='axes']/text[@text-anchor='middle']")) {
    labels.push_back(n.node().text().get());
  }
  EXPECT_NE(std::find(labels.begin(), labels.end(), "60"), labels.end());
  EXPECT_EQ(std::find(labels.begin(), labels.end(), "5000"), labels.end());
  EXPECT_NE(html.find("\xE2\x89\x88 it. 5000"), std::string::npos);
}

// Median and p95 of a step's durations are analyze/fit.hpp's quantiles (interpolated), the
// same as everywhere else in the harness.
TEST(Html, StepDurationsUseTheAnalysisQuantiles) {
  Report report = fixed_report();
  auto& runs = report.scenarios[0].runs;
  runs = {runs[0]};
  runs[0].steps.resize(1);
  runs[0].steps[0].label = "only step";
  runs[0].steps[0].duration_ms = {{1, 50}, {2, 10}, {3, 40}, {4, 20}, {5, 30}};
  const std::string html = render_html(report);
  // p95: position 0.95 × 4 = 3.8 between 40 and 50 (the nearest rank would say 50).
  EXPECT_NE(html.find("<tr><td>only step</td><td class=\"num\">5</td><td class=\"num\">30 ms</td>"
                      "<td class=\"num\">48 ms</td><td class=\"num\">50 ms</td>"),
            std::string::npos);
}

TEST(Html, LongRunsStayReasonablySized) {
  Report report = fixed_report();
  ReportRun& run = report.scenarios[0].runs[1];
  run.summary.checkpoints.clear();
  for (int i = 0; i <= 20000; ++i) {
    CheckpointRecord c;
    c.iteration = i;
    c.metrics[metric::kRendererPrivate] = (50 + 0.01 * i + (i % 17)) * kFixedMiB;
    run.summary.checkpoints.push_back(c);
  }
  run.summary.projection.reset();
  const std::string html = render_html(report);
  EXPECT_LT(html.size(), 600u * 1024);
}

}  // namespace
}  // namespace harness
