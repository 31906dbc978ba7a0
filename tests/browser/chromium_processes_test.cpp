#include "harness/browser/chromium_processes.hpp"

#include <gtest/gtest.h>

namespace harness {
namespace {

// Command lines as /proc/PID/cmdline shows them for Chromium 156 (children rewrite argv, so
// arguments arrive space-joined).
TEST(ClassifyChromium, RolesFromTypeFlags) {
  EXPECT_EQ(classify_chromium("/usr/lib/chromium/chromium --show-component-extension-options "
                              "--headless --no-sandbox --user-data-dir=/tmp/p about:blank")
                .role,
            ProcessRole::kBrowser);
  EXPECT_EQ(classify_chromium("/usr/lib/chromium/chromium --type=zygote --no-zygote-sandbox "
                              "--headless")
                .role,
            ProcessRole::kZygote);
  EXPECT_EQ(classify_chromium("/usr/lib/chromium/chromium --type=gpu-process --headless "
                              "--use-gl=angle")
                .role,
            ProcessRole::kGpu);
  auto renderer = classify_chromium(
      "/usr/lib/chromium/chromium --type=renderer --headless --renderer-client-id=6 "
      "--launch-time-ticks=123");
  EXPECT_EQ(renderer.role, ProcessRole::kRenderer);
  EXPECT_EQ(renderer.subtype, "");
  auto webui = classify_chromium(
      "/usr/lib/chromium/chromium --type=renderer --top-chrome-webui --renderer-client-id=5");
  EXPECT_EQ(webui.role, ProcessRole::kRenderer);
  EXPECT_EQ(webui.subtype, "webui");
  auto network = classify_chromium(
      "/usr/lib/chromium/chromium --type=utility --utility-sub-type=network.mojom.NetworkService "
      "--lang=en-US");
  EXPECT_EQ(network.role, ProcessRole::kUtility);
  EXPECT_EQ(network.subtype, "network.mojom.NetworkService");
}

TEST(ClassifyChromium, DriverAndCrashpadByProgram) {
  EXPECT_EQ(classify_chromium("/usr/bin/chromedriver --port=0").role, ProcessRole::kDriver);
  EXPECT_EQ(classify_chromium("/usr/lib/chromium/chrome_crashpad_handler --monitor-self "
                              "--database=/r/dumps")
                .role,
            ProcessRole::kCrashpad);
}

TEST(ClassifyChromium, FlagMustStartAWord) {
  // "--xtype=renderer" is not "--type=renderer".
  EXPECT_EQ(classify_chromium("/usr/lib/chromium/chromium --xtype=renderer").role,
            ProcessRole::kBrowser);
}

TEST(RoleName, Stable) {
  EXPECT_STREQ(role_name(ProcessRole::kRenderer), "renderer");
  EXPECT_STREQ(role_name(ProcessRole::kDriver), "driver");
}

}  // namespace
}  // namespace harness
