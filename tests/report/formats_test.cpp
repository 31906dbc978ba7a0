// Golden outputs of the text formats of `harness report` on the fixed model (the HTML one is in
// html_test.cpp, summary.json in summary_json_test.cpp, checkpoints.csv in csv_test.cpp).
#include <gtest/gtest.h>

#include <pugixml.hpp>

#include "fixed_report.hpp"
#include "golden.hpp"
#include "harness/report/comparison.hpp"
#include "harness/report/junit.hpp"
#include "harness/report/markdown.hpp"

namespace harness {
namespace {

std::vector<RunSummary> summaries_of(const Report& report) {
  std::vector<RunSummary> out;
  for (const auto& s : report.scenarios) {
    for (const auto& r : s.runs) out.push_back(r.summary);
  }
  return out;
}

TEST(ReportFormats, MarkdownGolden) {
  harness::testing::expect_golden("report.md", render_markdown(harness::testing::fixed_report()));
}

TEST(ReportFormats, RunsCsvGolden) {
  harness::testing::expect_golden("report.csv", render_runs_csv(harness::testing::fixed_report()));
}

TEST(ReportFormats, RunJunitGoldenAndValid) {
  const std::string xml =
      render_run_junit(summaries_of(harness::testing::fixed_report()), "harness report");
  harness::testing::expect_golden("report-junit.xml", xml);
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(xml.c_str()));
  auto suite = doc.child("testsuites").child("testsuite");
  EXPECT_EQ(suite.attribute("tests").as_int(),
            static_cast<int>(summaries_of(harness::testing::fixed_report()).size()));
}

TEST(ReportFormats, CompareJunitAndTextGolden) {
  const Report report = harness::testing::fixed_report();
  ASSERT_TRUE(report.comparison);
  harness::testing::expect_golden("compare-junit.xml",
                                  render_compare_junit(*report.comparison, "harness compare"));
  harness::testing::expect_golden("compare.txt", render_comparison_text(*report.comparison));
  harness::testing::expect_golden("compare.json",
                                  comparison_to_json(*report.comparison).dump(2) + "\n");
}

}  // namespace
}  // namespace harness
