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

// RFC 3986 §5.4: every example, against its base.
constexpr const char* kRfcBase = "http://a/b/c/d;p?q";

TEST(ResolveUrl, Rfc3986NormalExamples) {
  const std::vector<std::pair<const char*, const char*>> examples = {
      {"g:h", "g:h"},
      {"g", "http://a/b/c/g"},
      {"./g", "http://a/b/c/g"},
      {"g/", "http://a/b/c/g/"},
      {"/g", "http://a/g"},
      {"//g", "http://g"},
      {"?y", "http://a/b/c/d;p?y"},
      {"g?y", "http://a/b/c/g?y"},
      {"#s", "http://a/b/c/d;p?q#s"},
      {"g#s", "http://a/b/c/g#s"},
      {"g?y#s", "http://a/b/c/g?y#s"},
      {";x", "http://a/b/c/;x"},
      {"g;x", "http://a/b/c/g;x"},
      {"g;x?y#s", "http://a/b/c/g;x?y#s"},
      {"", "http://a/b/c/d;p?q"},
      {".", "http://a/b/c/"},
      {"./", "http://a/b/c/"},
      {"..", "http://a/b/"},
      {"../", "http://a/b/"},
      {"../g", "http://a/b/g"},
      {"../..", "http://a/"},
      {"../../", "http://a/"},
      {"../../g", "http://a/g"},
  };
  for (const auto& [reference, expected] : examples) {
    EXPECT_EQ(resolve_url(kRfcBase, reference), expected) << "reference: " << reference;
  }
}

TEST(ResolveUrl, Rfc3986AbnormalExamples) {
  const std::vector<std::pair<const char*, const char*>> examples = {
      {"../../../g", "http://a/g"},
      {"../../../../g", "http://a/g"},
      {"/./g", "http://a/g"},
      {"/../g", "http://a/g"},
      {"g.", "http://a/b/c/g."},
      {".g", "http://a/b/c/.g"},
      {"g..", "http://a/b/c/g.."},
      {"..g", "http://a/b/c/..g"},
      {"./../g", "http://a/b/g"},
      {"./g/.", "http://a/b/c/g/"},
      {"g/./h", "http://a/b/c/g/h"},
      {"g/../h", "http://a/b/c/h"},
      {"g;x=1/./y", "http://a/b/c/g;x=1/y"},
      {"g;x=1/../y", "http://a/b/c/y"},
      {"g?y/./x", "http://a/b/c/g?y/./x"},
      {"g?y/../x", "http://a/b/c/g?y/../x"},
      {"g#s/./x", "http://a/b/c/g#s/./x"},
      {"g#s/../x", "http://a/b/c/g#s/../x"},
      {"http:g", "http:g"},  // a strict parser's answer (§5.4.2)
  };
  for (const auto& [reference, expected] : examples) {
    EXPECT_EQ(resolve_url(kRfcBase, reference), expected) << "reference: " << reference;
  }
}

TEST(ResolveUrl, AQueryAloneKeepsThePage) {
  // The hand-made resolver dropped the page: ".../?x".
  EXPECT_EQ(resolve_url("http://127.0.0.1:8000/app/b.html", "?x"),
            "http://127.0.0.1:8000/app/b.html?x");
  EXPECT_EQ(resolve_url("http://127.0.0.1:8000/app/b.html?old=1#top", "?new=2"),
            "http://127.0.0.1:8000/app/b.html?new=2");
  EXPECT_EQ(resolve_url("http://127.0.0.1:8000/app/b.html", "#frag"),
            "http://127.0.0.1:8000/app/b.html#frag");
}

// The harness's own uses: `start` and `open` against the served folder, the beacon path.
TEST(ResolveUrl, AgainstTheServedFolder) {
  const std::string base = "http://127.0.0.1:39211/";
  EXPECT_EQ(resolve_url(base, "vtm-review/index.html?retention=none"),
            "http://127.0.0.1:39211/vtm-review/index.html?retention=none");
  EXPECT_EQ(resolve_url(base, "fixtures/clean.html#x"),
            "http://127.0.0.1:39211/fixtures/clean.html#x");
  EXPECT_EQ(resolve_url(base, "/__harness/beacon"), "http://127.0.0.1:39211/__harness/beacon");
  EXPECT_EQ(resolve_url(base, "../up.html"), "http://127.0.0.1:39211/up.html");
  EXPECT_EQ(resolve_url(base, "https://example.org/app/?a=1"), "https://example.org/app/?a=1");
  EXPECT_EQ(resolve_url(base, "http://10.0.0.5:8080/x/../y.html"), "http://10.0.0.5:8080/y.html");
  // An `open` relative to the page the run started on.
  EXPECT_EQ(resolve_url("http://127.0.0.1:39211/vtm-review/index.html?retention=ie11",
                        "review.html?case=7"),
            "http://127.0.0.1:39211/vtm-review/review.html?case=7");
  EXPECT_EQ(resolve_url("http://127.0.0.1:39211/vtm-review/index.html", "/fixtures/a.html"),
            "http://127.0.0.1:39211/fixtures/a.html");
}

TEST(ResolveUrl, WhatABrowserAcceptsIsEscapedFirst) {
  // A variant value with a space or a brace, substituted into `start` or `open`.
  EXPECT_EQ(resolve_url("http://127.0.0.1:1/", "page.html?plugin=x y&v={1}"),
            "http://127.0.0.1:1/page.html?plugin=x%20y&v=%7B1%7D");
  EXPECT_EQ(resolve_url("http://[::1]:8080/x/", "p.html?v=[1]"),
            "http://[::1]:8080/x/p.html?v=%5B1%5D");
  EXPECT_EQ(escape_url("a b|[c]%20"), "a%20b%7C%5Bc%5D%20");
  EXPECT_THROW(resolve_url("not a base", "page.html"), InputError);
}

TEST(QueryEncode, EverythingButUnreserved) {
  EXPECT_EQ(query_encode("x y/&=?#%~._-aZ9"), "x%20y%2F%26%3D%3F%23%25~._-aZ9");
  EXPECT_EQ(query_encode("\xc3\xa9"), "%C3%A9");
}

}  // namespace
}  // namespace harness
