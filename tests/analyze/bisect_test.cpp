// The delta-debugging search of `harness bisect` (analyze/bisect.hpp) with a fake probe: a set
// regresses when it contains every culprit.
#include "harness/analyze/bisect.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace harness {
namespace {

struct Counted {
  std::vector<std::string> culprits;
  std::set<std::vector<std::string>> probed;
  int probes = 0;
  bool operator()(const std::vector<std::string>& present) {
    EXPECT_TRUE(probed.insert(present).second) << "probed twice";
    ++probes;
    return std::all_of(culprits.begin(), culprits.end(), [&](const std::string& c) {
      return std::find(present.begin(), present.end(), c) != present.end();
    });
  }
};

std::vector<std::string> names(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(std::string(1, static_cast<char>('a' + i)));
  return out;
}

TEST(Bisect, EverySingleCulpritAmongThreeWithinTheBound) {
  const auto all = names(3);
  for (const auto& culprit : all) {
    Counted fake{{culprit}};
    const auto found = find_culprits(all, std::ref(fake));
    EXPECT_EQ(found, std::vector<std::string>{culprit});
    // + the clean and all-on runs the command makes first: ⌈2·log2 3⌉ + 2 = 6.
    EXPECT_LE(fake.probes + 2, 6) << culprit;
  }
}

TEST(Bisect, EveryPairThatOnlyRegressesTogether) {
  for (int n : {2, 3, 5, 8}) {
    const auto all = names(n);
    for (int i = 0; i < n; ++i) {
      for (int j = i + 1; j < n; ++j) {
        Counted fake{{all[i], all[j]}};
        EXPECT_EQ(find_culprits(all, std::ref(fake)), (std::vector<std::string>{all[i], all[j]}))
            << n << " " << i << " " << j;
        if (n == 3) {
          EXPECT_LE(fake.probes + 2, 6);
        }
      }
    }
  }
}

TEST(Bisect, OneCulpritAmongManyTakesLogarithmicallyManyProbes) {
  const auto all = names(16);
  for (const auto& culprit : all) {
    Counted fake{{culprit}};
    EXPECT_EQ(find_culprits(all, std::ref(fake)), std::vector<std::string>{culprit});
    EXPECT_LE(fake.probes, 2 * 4);  // two per halving at most
  }
}

TEST(Bisect, ASingleComponentIsItsOwnCulpritWithoutAProbe) {
  Counted fake{{"a"}};
  EXPECT_EQ(find_culprits({"a"}, std::ref(fake)), std::vector<std::string>{"a"});
  EXPECT_EQ(fake.probes, 0);
}

}  // namespace
}  // namespace harness
