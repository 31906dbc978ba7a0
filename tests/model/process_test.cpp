#include "harness/model/process.hpp"

#include <gtest/gtest.h>

namespace harness {
namespace {

TEST(ProcessRole, NamesRoundTrip) {
  for (auto role : {ProcessRole::kDriver, ProcessRole::kBrowser, ProcessRole::kRenderer,
                    ProcessRole::kGpu, ProcessRole::kUtility, ProcessRole::kZygote,
                    ProcessRole::kCrashpad, ProcessRole::kOther}) {
    EXPECT_EQ(role_from_name(role_name(role)), role) << role_name(role);
  }
  EXPECT_EQ(role_from_name("tab"), ProcessRole::kOther);
}

TEST(IsPageRenderer, EveryRendererButChromiumsWebUi) {
  EXPECT_TRUE(is_page_renderer(ProcessRole::kRenderer, ""));
  EXPECT_TRUE(is_page_renderer(ProcessRole::kRenderer, "tab"));  // IE's tab process
  EXPECT_FALSE(is_page_renderer(ProcessRole::kRenderer, kWebUiSubtype));
  EXPECT_FALSE(is_page_renderer(ProcessRole::kBrowser, ""));
  EXPECT_FALSE(is_page_renderer(ProcessRole::kRenderer, "webui"));
}

}  // namespace
}  // namespace harness
