// Leak attribution end to end (issue 16): real Chromium, real heap snapshots at three
// checkpoints, on the fixtures whose holder is planted (scenarios/attribution.yaml). The top
// leak root and its retainer path must name the holder; the clean page must have no group above
// the noise floor. Then `iterations: auto`, where the run goes on past its decided verdict to
// take the third snapshot.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "support.hpp"

namespace harness::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

struct Planted {
  std::string root;    // the top group's name (a substring of it)
  std::string kind;    // its kind
  std::string holder;  // the holder, exactly
  std::string edge;    // an edge its path must go through ("" for none)
};

// The path as one line: "Window (global) -> .x -> Array -> ..." for messages and matching.
std::string path_text(const json& group) {
  std::string text;
  for (const auto& step : group["path"]) {
    text += step["node"].get<std::string>();
    if (!step["edge"].get<std::string>().empty()) text += " -> " + step["edge"].get<std::string>() + " -> ";
  }
  return text;
}

void expect_snapshots(const std::filesystem::path& dir, const json& a) {
  ASSERT_EQ(a["snapshots"].size(), 3u) << a.dump();
  int previous = -1;
  for (const auto& snap : a["snapshots"]) {
    EXPECT_GT(snap["iteration"].get<int>(), previous);
    previous = snap["iteration"].get<int>();
    EXPECT_TRUE(std::filesystem::exists(dir / snap["file"].get<std::string>()));
    EXPECT_GT(snap["size_bytes"].get<std::uint64_t>(), 100000u);
    EXPECT_GT(snap["nodes"].get<std::uint64_t>(), 1000u);
  }
}

TEST(AttributionChromium, TheTopLeakRootNamesThePlantedHolder) {
  const std::map<std::string, Planted> planted = {
      {"window", {"Window (detached)", "detached_window", "kept (Array)", "kept (variable)"}},
      {"listener", {"EventListener", "native", "HTMLDocument", ""}},
      {"mapdom", {"Detached <div>", "detached_dom", "detachedByIteration (Map)",
                  "detachedByIteration (variable)"}},
      {"records", {"Object", "object", "ledgerRecords (Array)", "ledgerRecords (variable)"}},
  };
  TempDir tmp("harness-it-attribution");
  const auto result = run_harness({"run", "scenarios/attribution.yaml", "--out", tmp.path().string()},
                                  tmp.path());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto files = summary_files(result);
  ASSERT_EQ(files.size(), 5u) << result.out;
  for (const auto& file : files) {
    const auto dir = file.parent_path();
    const json s = read_json(file);
    const std::string page = s["variant"]["page"];
    SCOPED_TRACE(page);
    ASSERT_EQ(s["status"], "completed");
    ASSERT_TRUE(s["attribution"].is_object()) << "attribution: true in the scenario";
    const json& a = s["attribution"];
    EXPECT_EQ(a["method"], "heap_snapshots");
    EXPECT_TRUE(a["error"].is_null()) << a["error"];
    expect_snapshots(dir, a);
    EXPECT_FALSE(a["dom_counts"].empty()) << "the frames' DOM counts at every checkpoint";
    const std::string html = read_file(dir / "report.html");
    EXPECT_THAT(html, HasSubstr("Attribution: what grew and what holds it"));
    if (page == "clean") {
      EXPECT_TRUE(a["groups"].empty()) << a["groups"].dump(1);
      EXPECT_THAT(html, HasSubstr("No object group grew in proportion to the iterations"));
      continue;
    }
    ASSERT_FALSE(a["groups"].empty()) << a.dump(1);
    const json& top = a["groups"][0];
    const Planted& want = planted.at(page);
    SCOPED_TRACE(path_text(top));
    EXPECT_THAT(top["name"].get<std::string>(), HasSubstr(want.root));
    EXPECT_EQ(top["kind"], want.kind);
    EXPECT_EQ(top["holder"], want.holder);
    EXPECT_EQ(top["path"][0]["node"], "Window (global)") << "a path from the page's own window";
    EXPECT_THAT(top["path"].back()["node"].get<std::string>(), HasSubstr(want.root));
    if (!want.edge.empty()) {
      EXPECT_THAT(path_text(top), HasSubstr(want.edge));
    }
    if (page == "listener") {
      EXPECT_THAT(path_text(top), HasSubstr("HTMLDocument -> "));
    }
    // Growth in both intervals, in proportion to the iterations: one per iteration for the
    // window, the listener and the Map's divs; 50 records.
    const double expected_rate = page == "records" ? 50 : 1;
    EXPECT_NEAR(top["first_interval_per_iteration"].get<double>(), expected_rate, 0.2 * expected_rate);
    EXPECT_NEAR(top["second_interval_per_iteration"].get<double>(), expected_rate, 0.2 * expected_rate);
    EXPECT_GE(top["growth_bytes_per_iteration"].get<double>(), 1024);
    EXPECT_THAT(html, HasSubstr(want.holder.substr(0, want.holder.find(' '))));
    EXPECT_THAT(result.err, HasSubstr("held by " + want.holder)) << "the console, after the verdict";
  }
}

TEST(AttributionChromium, AnAutoRunGoesOnToItsThirdSnapshot) {
  TempDir tmp("harness-it-attribution-auto");
  const auto result = run_harness({"run", "scenarios/attribution.yaml", "--variant", "page=window",
                                   "--iterations", "auto", "--out", tmp.path().string()},
                                  tmp.path());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto files = summary_files(result);
  ASSERT_EQ(files.size(), 1u);
  const json s = read_json(files[0]);
  ASSERT_EQ(s["verdict"]["kind"], "retains");
  const json& a = s["attribution"];
  expect_snapshots(files[0].parent_path(), a);
  // The middle snapshot is where the verdict was first decided; the run went on from there.
  const int middle = a["snapshots"][1]["iteration"];
  const int last = a["snapshots"][2]["iteration"];
  EXPECT_GE(last, middle + std::max(5, (middle + 1) / 2));
  EXPECT_EQ(s["iterations_completed"].get<int>(), last);
  ASSERT_FALSE(a["groups"].empty());
  EXPECT_EQ(a["groups"][0]["holder"], "kept (Array)");
}

}  // namespace
}  // namespace harness::testing
