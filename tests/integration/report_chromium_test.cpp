// The HTML report of a real run, rendered in headless Chromium: the chart, its legend, the
// ceiling line and the verdicts are there, and the page is not blank.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <pugixml.hpp>
#include <regex>

#include "harness/platform/process.hpp"
#include "support.hpp"

namespace harness::testing {
namespace {

using ::testing::HasSubstr;

TEST(ReportChromium, RealRunReportRendersWithCurvesLegendCeilingAndVerdicts) {
  TempDir tmp("harness-it-report");
  const auto run = run_harness({"run", "scenarios/vtm-review.yaml", "--iterations", "20",
                                "--variant", "retention=none,window", "--out",
                                tmp.path().string()},
                               tmp.path());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto report = run_harness({"report", tmp.path().string(), "--history"}, tmp.path(),
                                  std::chrono::seconds(60));
  ASSERT_EQ(report.exit_code, 0) << report.err;
  const auto html_file = tmp.path() / "report.html";
  const std::string html = read_file(html_file);
  ASSERT_FALSE(html.empty());
  EXPECT_EQ(html.find("<script"), std::string::npos);  // no JavaScript needed

  // Every chart is well-formed SVG; the memory chart has a curve per run, a legend entry per
  // run and the ceiling line.
  const std::regex svg_re("<svg[\\s\\S]*?</svg>");
  int charts = 0, curves = 0;
  bool legend_none = false, legend_window = false, ceiling = false;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), svg_re); it != std::sregex_iterator();
       ++it) {
    ++charts;
    pugi::xml_document doc;
    ASSERT_TRUE(doc.load_string(it->str().c_str())) << "chart " << charts << " is not XML";
    for (auto node : doc.select_nodes("//polyline | //path")) (void)node, ++curves;
    const std::string text = it->str();
    legend_none |= text.find("chromium retention=none") != std::string::npos;
    legend_window |= text.find("chromium retention=window") != std::string::npos;
    ceiling |= text.find("ceiling 1.27 GiB") != std::string::npos;
  }
  EXPECT_GE(charts, 3);
  EXPECT_GE(curves, 2);
  EXPECT_TRUE(legend_none);
  EXPECT_TRUE(legend_window);
  EXPECT_TRUE(ceiling);
  EXPECT_THAT(html, HasSubstr("retains"));
  EXPECT_THAT(html, HasSubstr("stable"));

  // Rendered for real: a screenshot of a page with charts is far larger than a blank one.
  char profile[] = "/tmp/harness-it-report-profile-XXXXXX";
  ASSERT_NE(::mkdtemp(profile), nullptr);
  const auto png = tmp.path() / "report.png";
  LaunchSpec spec;
  spec.executable = "/usr/bin/chromium";
  spec.args = {"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               std::string("--user-data-dir=") + profile, "--window-size=1280,2400",
               "--screenshot=" + png.string(), "file://" + html_file.string()};
  auto chromium = ChildProcess::launch(spec);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (!chromium->poll_exit() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  chromium->end_group(std::chrono::milliseconds(2000));
  std::filesystem::remove_all(profile);
  ASSERT_TRUE(std::filesystem::exists(png));
  const std::string image = read_file(png);
  ASSERT_GT(image.size(), 24u);
  EXPECT_EQ(image.substr(1, 3), "PNG");
  // IHDR: width and height, big-endian, at bytes 16..23.
  auto be32 = [&](std::size_t at) {
    return (static_cast<unsigned>(static_cast<unsigned char>(image[at])) << 24) |
           (static_cast<unsigned>(static_cast<unsigned char>(image[at + 1])) << 16) |
           (static_cast<unsigned>(static_cast<unsigned char>(image[at + 2])) << 8) |
           static_cast<unsigned>(static_cast<unsigned char>(image[at + 3]));
  };
  EXPECT_EQ(be32(16), 1280u);
  EXPECT_EQ(be32(20), 2400u);
  // A blank 1280×2400 page compresses to a few KB; text, tables and curves do not.
  EXPECT_GT(image.size(), 60'000u);
}

}  // namespace
}  // namespace harness::testing
