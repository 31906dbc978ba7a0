// The real server on a real loopback socket.
#include "harness/serve/page_server.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "harness/drive/http_client.hpp"
#include "harness/error.hpp"

namespace harness {
namespace {

class PageServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("harness-serve-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(root_ / "app");
    std::ofstream(root_ / "app" / "index.html") << "<p>hello</p>";
    std::ofstream(root_ / "app" / "main.js") << "var x = 1;";
    std::ofstream(root_.parent_path() / "secret.txt") << "outside";
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::filesystem::path root_;
};

TEST_F(PageServerTest, ServesFilesOnLoopbackWithNoStore) {
  PageServer server(root_);
  EXPECT_EQ(server.base_url().rfind("http://127.0.0.1:", 0), 0u);
  HttpClient http("127.0.0.1", server.port());
  auto page = http.request("GET", "/app/index.html?retention=none", "", std::chrono::seconds(5));
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.body, "<p>hello</p>");
  auto folder = http.request("GET", "/app/", "", std::chrono::seconds(5));
  EXPECT_EQ(folder.body, "<p>hello</p>");
  auto missing = http.request("GET", "/app/none.html", "", std::chrono::seconds(5));
  EXPECT_EQ(missing.status, 404);
  EXPECT_GE(server.requests_served(), 3u);
}

TEST_F(PageServerTest, RefusesPathsOutsideTheRoot) {
  PageServer server(root_);
  HttpClient http("127.0.0.1", server.port());
  EXPECT_EQ(http.request("GET", "/../secret.txt", "", std::chrono::seconds(5)).status, 400);
  EXPECT_EQ(http.request("GET", "/app/%2e%2e/%2e%2e/secret.txt", "", std::chrono::seconds(5)).status,
            400);
}

TEST_F(PageServerTest, RoutesWinOverFiles) {
  PageServer server(root_);
  std::string seen;
  server.add_route("/__harness/beacon", [&](const ServerRequest& r) {
    seen = r.method + " " + r.query + " " + r.body;
    return ServerReply{204, "text/plain", ""};
  });
  HttpClient http("127.0.0.1", server.port());
  auto reply = http.request("POST", "/__harness/beacon?i=3", "{\"n\":3}", std::chrono::seconds(5));
  EXPECT_EQ(reply.status, 204);
  EXPECT_EQ(seen, "POST i=3 {\"n\":3}");
}

TEST_F(PageServerTest, MissingFolderIsAnError) {
  EXPECT_THROW(PageServer(root_ / "nope"), EnvironmentError);
}

TEST(ContentType, ByExtension) {
  EXPECT_EQ(content_type_for("a/b.js"), "application/javascript; charset=utf-8");
  EXPECT_EQ(content_type_for("x.svg"), "image/svg+xml");
  EXPECT_EQ(content_type_for("x.bin"), "application/octet-stream");
}

TEST(MapUrlPath, StaysUnderRoot) {
  EXPECT_EQ(map_url_path("/r", "/a/b.html"), std::filesystem::path("/r/a/b.html"));
  EXPECT_FALSE(map_url_path("/r", "/a/../../x"));
  EXPECT_FALSE(map_url_path("/r", "relative"));
  EXPECT_EQ(map_url_path("/r", "/./a//b.html"), std::filesystem::path("/r/a/b.html"));
}

}  // namespace
}  // namespace harness
