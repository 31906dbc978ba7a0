// The real server on a real loopback socket.
#include "harness/serve/page_server.hpp"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
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

TEST_F(PageServerTest, SplitsTheTargetIntoDecodedPathAndQuery) {
  PageServer server(root_);
  std::string seen;
  server.add_route("/a b/c", [&](const ServerRequest& r) {
    seen = r.path + " | " + r.query;
    return ServerReply{204, "text/plain", ""};
  });
  HttpClient http("127.0.0.1", server.port());
  EXPECT_EQ(http.request("GET", "/a%20b/c?x=%20y&z", "", std::chrono::seconds(5)).status, 204);
  EXPECT_EQ(seen, "/a b/c | x=%20y&z");
  // Characters Chromium sends raw in a query although RFC 3986 does not allow them.
  EXPECT_EQ(http.request("GET", "/a%20b/c?v=[1]|{2}", "", std::chrono::seconds(5)).status, 204);
  EXPECT_EQ(seen, "/a b/c | v=%5B1%5D%7C%7B2%7D");
  EXPECT_EQ(http.request("GET", "/a%20b/c", "", std::chrono::seconds(5)).status, 204);
  EXPECT_EQ(seen, "/a b/c | ");
  // A malformed escape is a bad path, not a file.
  EXPECT_EQ(http.request("GET", "/app/%zz.html", "", std::chrono::seconds(5)).status, 400);
}

// One raw HTTP/1.1 exchange, so a test can send any Host header or body; returns the status.
int raw_status(int port, const std::string& request) {
  namespace asio = boost::asio;
  asio::io_context ioc;
  asio::ip::tcp::socket socket(ioc);
  socket.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
  boost::system::error_code ec;
  asio::write(socket, asio::buffer(request), ec);  // a refused body may not be read whole
  std::string reply;
  char buffer[4096];
  for (;;) {
    const std::size_t n = socket.read_some(asio::buffer(buffer), ec);
    reply.append(buffer, n);
    if (ec || reply.find("\r\n") != std::string::npos) break;
  }
  // "HTTP/1.1 421 Misdirected Request"
  return reply.size() > 12 ? std::stoi(reply.substr(9, 3)) : -1;
}

std::string get_with_host(const std::string& host) {
  return "GET /app/index.html HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n";
}

TEST_F(PageServerTest, AnswersOnlyForLoopbackHostNamesAgainstDnsRebinding) {
  PageServer server(root_);
  const std::string port = std::to_string(server.port());
  EXPECT_EQ(raw_status(server.port(), get_with_host("127.0.0.1:" + port)), 200);
  EXPECT_EQ(raw_status(server.port(), get_with_host("localhost:" + port)), 200);
  EXPECT_EQ(raw_status(server.port(), get_with_host("LOCALHOST:" + port)), 200);
  EXPECT_EQ(raw_status(server.port(), get_with_host("[::1]:" + port)), 200);
  // A page at attacker.example whose name was re-bound to 127.0.0.1 sends its own name.
  EXPECT_EQ(raw_status(server.port(), get_with_host("attacker.example:" + port)), 421);
  EXPECT_EQ(raw_status(server.port(), get_with_host("127.0.0.1.attacker.example:" + port)), 421);
  EXPECT_EQ(raw_status(server.port(), get_with_host("127.0.0.1:1")), 421);
  EXPECT_EQ(raw_status(server.port(), get_with_host("127.0.0.1")), 421);  // port 80 implied
  EXPECT_EQ(raw_status(server.port(),
                       "GET /app/index.html HTTP/1.0\r\nConnection: close\r\n\r\n"),
            421);  // no Host at all
  // Routes are guarded too.
  server.add_route("/__harness/beacon", [](const ServerRequest&) {
    return ServerReply{204, "text/plain", ""};
  });
  EXPECT_EQ(raw_status(server.port(), "POST /__harness/beacon HTTP/1.1\r\nHost: evil:" + port +
                                          "\r\nContent-Length: 2\r\n\r\n{}"),
            421);
  // A lab VM that reaches the server by a name the user allowed.
  EXPECT_EQ(raw_status(server.port(), get_with_host("harness-host:" + port)), 421);
  server.allow_host("harness-host");
  EXPECT_EQ(raw_status(server.port(), get_with_host("harness-host:" + port)), 200);
}

TEST_F(PageServerTest, RefusesBodiesOverTheLimit) {
  PageServer server(root_);
  server.add_route("/__harness/beacon", [](const ServerRequest& r) {
    return ServerReply{200, "text/plain", std::to_string(r.body.size())};
  });
  const std::string port = std::to_string(server.port());
  auto post = [&](std::size_t size) {
    return "POST /__harness/beacon HTTP/1.1\r\nHost: 127.0.0.1:" + port +
           "\r\nContent-Length: " + std::to_string(size) + "\r\n\r\n" + std::string(size, 'x');
  };
  EXPECT_EQ(raw_status(server.port(), post(PageServer::kMaxBodyBytes)), 200);
  EXPECT_EQ(raw_status(server.port(), post(PageServer::kMaxBodyBytes + 1)), 413);
  // Announced but not sent: refused from the header alone.
  EXPECT_EQ(raw_status(server.port(), "POST /__harness/beacon HTTP/1.1\r\nHost: 127.0.0.1:" +
                                          port + "\r\nContent-Length: 4000000000\r\n\r\n"),
            413);
  EXPECT_EQ(raw_status(server.port(), "GET / HTTP/1.1\r\nHost: 127.0.0.1:" + port +
                                          "\r\nX-Big: " + std::string(9000, 'y') + "\r\n\r\n"),
            431);
}

TEST(HostAllowed, LoopbackNamesAtThePortOnly) {
  EXPECT_TRUE(host_allowed("127.0.0.1:8080", 8080));
  EXPECT_TRUE(host_allowed("localhost:8080", 8080));
  EXPECT_TRUE(host_allowed("[::1]:8080", 8080));
  EXPECT_TRUE(host_allowed("localhost", 80));
  EXPECT_FALSE(host_allowed("localhost", 8080));
  EXPECT_FALSE(host_allowed("localhost:80800", 8080));
  EXPECT_FALSE(host_allowed("[::1", 8080));
  EXPECT_FALSE(host_allowed("[::1]x8080", 8080));
  EXPECT_FALSE(host_allowed("", 8080));
  EXPECT_FALSE(host_allowed("user@127.0.0.1:8080", 8080));
  EXPECT_FALSE(host_allowed("127.0.0.1:8080/x", 8080));
  EXPECT_FALSE(host_allowed("10.0.0.5:8080", 8080));
  EXPECT_TRUE(host_allowed("10.0.0.5:8080", 8080, {"10.0.0.5"}));
  EXPECT_TRUE(host_allowed("[fe80::1]:8080", 8080, {"fe80::1"}));
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
