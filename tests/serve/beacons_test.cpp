// The page-mode beacon exchange over a real loopback server: the page's POST is held until the
// runner replies.
#include "harness/serve/beacons.hpp"

#include <gtest/gtest.h>

#include <future>

#include "harness/drive/http_client.hpp"

namespace harness {
namespace {

using namespace std::chrono_literals;

TEST(ParseBeacon, Fields) {
  auto b = parse_beacon(R"({"phase":"iteration","iteration":-2,"ok":false,"error":"x","page_ms":12.5})");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->phase, "iteration");
  EXPECT_EQ(b->iteration, -2);
  EXPECT_FALSE(b->ok);
  EXPECT_EQ(b->error, "x");
  EXPECT_EQ(b->page_ms, 12.5);
  EXPECT_FALSE(parse_beacon("{}"));
  EXPECT_FALSE(parse_beacon(R"({"phase":"lunch"})"));
  EXPECT_FALSE(parse_beacon("not json"));
}

TEST(BeaconChannel, HoldsThePageUntilTheRunnerReplies) {
  BeaconChannel channel;
  PageServer server(std::filesystem::temp_directory_path());
  server.add_route(kBeaconPath, [&](const ServerRequest& r) { return channel.handle(r); });
  channel.open();
  const std::string target = std::string(kBeaconPath) + "?token=" + channel.token();
  EXPECT_EQ(channel.beacon_url(server.base_url()),
            server.base_url() + "__harness/beacon?token=" + channel.token());
  auto page = std::async(std::launch::async, [&] {
    HttpClient http("127.0.0.1", server.port());
    return http.request("POST", target, R"({"phase":"iteration","iteration":3})", 10s).body;
  });
  auto beacon = channel.wait(5s);
  ASSERT_TRUE(beacon);
  EXPECT_EQ(beacon->iteration, 3);
  // The page is still waiting: a checkpoint would be taken now.
  EXPECT_EQ(page.wait_for(200ms), std::future_status::timeout);
  channel.reply(true);
  EXPECT_EQ(page.get(), R"({"continue":true})");

  auto second = std::async(std::launch::async, [&] {
    HttpClient http("127.0.0.1", server.port());
    return http.request("POST", target, R"({"phase":"iteration","iteration":4})", 10s).body;
  });
  ASSERT_TRUE(channel.wait(5s));
  channel.reply(false);
  EXPECT_EQ(second.get(), R"({"stop":true})");
}

TEST(BeaconChannel, ClosedChannelStopsThePage) {
  BeaconChannel channel;  // closed until opened
  ServerRequest request{"POST", kBeaconPath, "", R"({"phase":"ready"})"};
  EXPECT_EQ(channel.handle(request).body, R"({"stop":true})");
  EXPECT_FALSE(channel.wait(50ms));
  EXPECT_EQ(channel.handle({"GET", kBeaconPath, "", ""}).status, 405);
}

TEST(BeaconChannel, OnlyTheRunsTokenIsHeard) {
  BeaconChannel channel;
  channel.open();
  const std::string body = R"({"phase":"ready"})";
  const std::string first = channel.token();
  EXPECT_EQ(first.size(), 32u);
  EXPECT_EQ(channel.handle({"POST", kBeaconPath, "", body}).status, 403);
  EXPECT_EQ(channel.handle({"POST", kBeaconPath, "token=0123", body}).status, 403);
  EXPECT_EQ(channel.handle({"POST", kBeaconPath, "token=" + first + "x", body}).status, 403);
  EXPECT_FALSE(channel.wait(50ms));
  // A new run, a new token: the previous run's page is not heard any more.
  channel.open();
  EXPECT_NE(channel.token(), first);
  EXPECT_EQ(channel.handle({"POST", kBeaconPath, "token=" + first, body}).status, 403);
}

}  // namespace
}  // namespace harness
