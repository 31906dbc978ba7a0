#include "harness/scenario/variants.hpp"

#include <gtest/gtest.h>

#include "harness/error.hpp"
#include "harness/scenario/loader.hpp"

namespace harness {
namespace {

Scenario with_variants() {
  return parse_scenario(R"yaml(name: v
start: http://127.0.0.1:8000/app/index.html?mode=${mode}#top
variants:
  mode: [a, b]
  size: [1, 2, 3]
  plugin: "x y"
iteration:
  - open: "page.html?size=${size}"
)yaml",
                        "v.yaml");
}

TEST(ExpandVariants, CartesianProductInDeclarationOrder) {
  const auto combos = expand_variants(with_variants(), {});
  ASSERT_EQ(combos.size(), 6u);
  EXPECT_EQ(combos[0].label(), "mode=a,size=1,plugin=x y");
  EXPECT_EQ(combos[5].label(), "mode=b,size=3,plugin=x y");
}

TEST(ExpandVariants, PinsRestrictAndMayAddValues) {
  const auto combos = expand_variants(with_variants(), {{"mode", {"c"}}, {"size", {"2", "9"}}});
  ASSERT_EQ(combos.size(), 2u);
  EXPECT_EQ(combos[0].label(), "mode=c,size=2,plugin=x y");
  EXPECT_EQ(combos[1].label(), "mode=c,size=9,plugin=x y");
}

TEST(ExpandVariants, UnknownPinIsAnInputError) {
  EXPECT_THROW(expand_variants(with_variants(), {{"colour", {"red"}}}), InputError);
}

TEST(ExpandVariants, NoVariantsIsOneEmptyCombination) {
  const Scenario s = parse_scenario("name: n\nstart: http://h/\niteration:\n  - gc\n", "n.yaml");
  const auto combos = expand_variants(s, {});
  ASSERT_EQ(combos.size(), 1u);
  EXPECT_EQ(combos[0].label(), "");
}

TEST(ParseVariantPin, SplitsValues) {
  auto [name, values] = parse_variant_pin("retention=none,window");
  EXPECT_EQ(name, "retention");
  EXPECT_EQ(values, (std::vector<std::string>{"none", "window"}));
  EXPECT_THROW(parse_variant_pin("retention"), InputError);
  EXPECT_THROW(parse_variant_pin("=x"), InputError);
  EXPECT_THROW(parse_variant_pin("a=x,,y"), InputError);
}

TEST(Substitute, ReplacesKnownNamesOnly) {
  EXPECT_EQ(substitute("a ${x} b ${y} ${z", {{"x", "1"}, {"y", "2"}}), "a 1 b 2 ${z");
  EXPECT_EQ(substitute("${unknown}", {}), "${unknown}");
}

TEST(StartUrl, SubstitutesAndAppendsUnreferencedVariantsBeforeTheFragment) {
  const Scenario s = with_variants();
  const auto combos = expand_variants(s, {});
  EXPECT_EQ(start_url(s, combos[0], ""),
            "http://127.0.0.1:8000/app/index.html?mode=a&plugin=x%20y#top");
}

TEST(ResolveUrl, RelativeRootAndAbsolute) {
  EXPECT_EQ(resolve_url("http://h:1/", "a/b.html"), "http://h:1/a/b.html");
  EXPECT_EQ(resolve_url("http://h:1/x/index.html?q=1", "b.html"), "http://h:1/x/b.html");
  EXPECT_EQ(resolve_url("http://h:1/x/index.html", "/top.html"), "http://h:1/top.html");
  EXPECT_EQ(resolve_url("http://h:1/x/", "https://e/"), "https://e/");
  EXPECT_EQ(resolve_url("http://h:1", "a.html"), "http://h:1/a.html");
}

}  // namespace
}  // namespace harness
