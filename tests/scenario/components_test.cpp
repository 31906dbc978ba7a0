// Scenario components (issue 14): the loader's checks, component switches as variants, and the
// matrix entry's `components:`.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "harness/error.hpp"
#include "harness/scenario/loader.hpp"
#include "harness/scenario/matrix.hpp"
#include "harness/scenario/variants.hpp"

namespace harness {
namespace {

using ::testing::HasSubstr;

const std::filesystem::path kScenarioFile =
    std::filesystem::path(HARNESS_SOURCE_DIR) / "scenarios" / "test.yaml";

Scenario parse(const std::string& components) {
  return parse_scenario("name: c\nserve: ../pages\nstart: index.html\niteration:\n  - click: "
                        "\"#x\"\ncomponents:\n" +
                            components,
                        kScenarioFile);
}

std::vector<Diagnostic> errors_of(const std::string& components) {
  try {
    parse(components);
  } catch (const ScenarioError& e) {
    return e.diagnostics();
  }
  ADD_FAILURE() << "expected a ScenarioError for:\n" << components;
  return {};
}

TEST(Components, EachKindIsReadWithItsPathsResolvedAgainstTheScenarioFile) {
  const Scenario s = parse(
      "  - {name: audit-helper, extension: ../tests/fixtures/components/ext-audit}\n"
      "  - {name: dlp-agent, program: [../tests/fixtures/components/busy-neighbour.sh, --watch]}\n"
      "  - {name: audio, activex: \"{D27CDB6E-AE6D-11CF-96B8-444553540000}\"}\n");
  ASSERT_EQ(s.components.size(), 3u);
  const Component& ext = s.components[0];
  EXPECT_EQ(ext.kind, ComponentKind::kExtension);
  EXPECT_TRUE(ext.path.is_absolute());
  EXPECT_TRUE(std::filesystem::exists(ext.path / "manifest.json"));
  EXPECT_EQ(ext.version, "2.4.1");  // from its manifest
  const Component& program = s.components[1];
  EXPECT_EQ(program.kind, ComponentKind::kProgram);
  ASSERT_EQ(program.command.size(), 2u);
  EXPECT_TRUE(std::filesystem::path(program.command[0]).is_absolute());
  EXPECT_EQ(std::filesystem::path(program.command[0]).filename(), "busy-neighbour.sh");
  EXPECT_EQ(program.command[1], "--watch");
  EXPECT_EQ(s.components[2].kind, ComponentKind::kActiveX);
  EXPECT_EQ(s.components[2].clsid, "{D27CDB6E-AE6D-11CF-96B8-444553540000}");
  EXPECT_STREQ(component_kind_name(ComponentKind::kActiveX), "activex");
}

TEST(Components, ABadComponentNamesItsLineAndColumn) {
  const auto errors = errors_of(
      "  - {name: a, extension: ../no/such/folder}\n"         // line 7
      "  - {name: b, activex: \"not-a-clsid\"}\n"             // line 8
      "  - {name: c, program: [no-such-program-anywhere]}\n"  // line 9
      "  - {name: d}\n"                                       // line 10
      "  - {name: a, extension: ../pages, activex: \"{x}\"}\n"
      "  - {name: e, extension: ../x/e.crx}\n"
      "  - {name: f, plugin: x}\n");
  std::string all;
  for (const auto& d : errors) all += to_string(d.where) + " " + d.message + "\n";
  EXPECT_THAT(all, HasSubstr("test.yaml:7:"));
  EXPECT_THAT(all, HasSubstr("extension folder"));
  EXPECT_THAT(all, HasSubstr("test.yaml:8:"));
  EXPECT_THAT(all, HasSubstr("is not a CLSID"));
  EXPECT_THAT(all, HasSubstr("test.yaml:9:"));
  EXPECT_THAT(all, HasSubstr("not found on PATH"));
  EXPECT_THAT(all, HasSubstr("test.yaml:10:"));
  EXPECT_THAT(all, HasSubstr("needs exactly one of extension"));
  EXPECT_THAT(all, HasSubstr("declared twice"));
  EXPECT_THAT(all, HasSubstr("packed .crx"));
  EXPECT_THAT(all, HasSubstr("plugin"));
}

TEST(Components, AComponentCannotShareAVariantsName) {
  try {
    parse_scenario("name: c\nserve: ../pages\nstart: index.html\nvariants: {audio: [a, b]}\n"
                   "iteration:\n  - click: \"#x\"\ncomponents:\n"
                   "  - {name: audio, activex: \"{D27CDB6E-AE6D-11CF-96B8-444553540000}\"}\n",
                   kScenarioFile);
    ADD_FAILURE() << "accepted";
  } catch (const ScenarioError& e) {
    EXPECT_THAT(e.what(), HasSubstr("both a variant and a component"));
  }
}

TEST(Components, SwitchesBecomeCellsAndDecideWhichArePresent) {
  Scenario s = parse("  - {name: audit, extension: ../tests/fixtures/components/ext-audit}\n"
                     "  - {name: quiet, extension: ../tests/fixtures/components/ext-quiet}\n");
  // No switch: one run, everything present.
  auto runs = expand_variants(s, {});
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(active_components(s, runs[0]).size(), 2u);

  add_component_switches(s, {{"audit", {"on", "off"}}});
  runs = expand_variants(s, {});
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].label(), "audit=on");
  EXPECT_EQ(runs[1].label(), "audit=off");
  EXPECT_EQ(active_components(s, runs[0]).size(), 2u);
  const auto off = active_components(s, runs[1]);
  ASSERT_EQ(off.size(), 1u);
  EXPECT_EQ(off[0]->name, "quiet");
  // A switch is not a query parameter of the start URL.
  EXPECT_EQ(start_url(s, runs[1], "http://127.0.0.1:1/"), "http://127.0.0.1:1/index.html");

  EXPECT_THROW(add_component_switches(s, {{"nope", {"on"}}}), InputError);
  EXPECT_THROW(add_component_switches(s, {{"audit", {"maybe"}}}), InputError);
}

TEST(Components, AMatrixEntrySwitchesComponents) {
  const Matrix m = parse_matrix(
      "name: m\nruns:\n  - scenario: ../tests/fixtures/components/bisect.yaml\n"
      "    components: {audit: [on, off], counter: off}\n",
      kScenarioFile);
  ASSERT_EQ(m.entries.size(), 1u);
  EXPECT_THAT(m.entries[0].components,
              ::testing::UnorderedElementsAre("audit=on,off", "counter=off"));
  try {
    parse_matrix("name: m\nruns:\n  - scenario: ../tests/fixtures/components/bisect.yaml\n"
                 "    components: {audit: [on, sometimes]}\n",
                 kScenarioFile);
    ADD_FAILURE() << "accepted";
  } catch (const ScenarioError& e) {
    EXPECT_THAT(e.what(), HasSubstr("test.yaml:4:"));
    EXPECT_THAT(e.what(), HasSubstr("on, off or [on, off]"));
  }
}

}  // namespace
}  // namespace harness
