#include "harness/model/variant.hpp"

#include <gtest/gtest.h>

namespace harness {
namespace {

TEST(VariantLabel, NameValuePairsInOrder) {
  const VariantValues variant = {{"retention", "window"}, {"frames", "iframe"}};
  EXPECT_EQ(variant_label(variant), "retention=window,frames=iframe");
  EXPECT_EQ(variant_label(variant, ", "), "retention=window, frames=iframe");
  EXPECT_EQ(variant_label(variant, " "), "retention=window frames=iframe");
  EXPECT_EQ(variant_label({}), "");
  EXPECT_EQ(variant_label({{"plugin", "x y"}}), "plugin=x y");
}

}  // namespace
}  // namespace harness
