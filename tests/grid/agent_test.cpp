// The agent's wire and its door: JSON round trips of what crosses it, the token check, and a
// real Agent on loopback whose node is a stand-in /status route (the Grid itself is exercised
// end to end in integration/grid_chromium_test.cpp).
#include "harness/grid/agent.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "harness/drive/http_client.hpp"
#include "harness/error.hpp"
#include "harness/grid/agent_protocol.hpp"
#include "harness/grid/remote_session.hpp"
#include "harness/serve/page_server.hpp"

namespace harness {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;
using std::chrono::milliseconds;

TEST(AgentProtocol, ReadingsSurviveTheWire) {
  DetailedReading d;
  d.cheap = {4242, ProcessRole::kRenderer, "", 100 << 20, 60 << 20, 1ull << 40};
  d.pss_bytes = 50 << 20;
  d.smaps_private_bytes = 45 << 20;
  d.peak_rss_bytes = 120 << 20;
  d.is_32bit = true;
  const DetailedReading back = detailed_from_json(json::parse(to_json(d).dump()));
  EXPECT_EQ(back.cheap.pid, 4242);
  EXPECT_EQ(back.cheap.role, ProcessRole::kRenderer);
  EXPECT_EQ(back.cheap.private_bytes, 60u << 20);
  EXPECT_EQ(back.cheap.virtual_bytes, 1ull << 40);
  EXPECT_EQ(back.pss_bytes, 50u << 20);
  EXPECT_EQ(back.smaps_private_bytes, 45u << 20);
  EXPECT_EQ(back.peak_rss_bytes, 120u << 20);
  EXPECT_TRUE(back.is_32bit);

  SampleBatch batch{1234, 7, {{1, ProcessRole::kBrowser, "", 10, 5, 0},
                              {2, ProcessRole::kUtility, "network.mojom.NetworkService", 8, 4, 0}}};
  const SampleBatch b = batch_from_json(json::parse(to_json(batch).dump()));
  EXPECT_EQ(b.t_ms, 1234);
  EXPECT_EQ(b.iteration, 7);
  ASSERT_EQ(b.processes.size(), 2u);
  EXPECT_EQ(b.processes[1].subtype, "network.mojom.NetworkService");
  EXPECT_EQ(b.processes[1].role, ProcessRole::kUtility);

  const PageError error = page_error_from_json(
      json::parse(to_json(PageError{"x is not defined", "http://h/p.js:3:7"}).dump()));
  EXPECT_EQ(error.message, "x is not defined");
  EXPECT_EQ(error.source, "http://h/p.js:3:7");
  ProcessStatus status;
  status.data_bytes = 600u << 20;
  status.peak_rss_bytes = 90u << 20;
  status.rss_bytes = 80u << 20;
  const ProcessStatus st = status_from_json(json::parse(to_json(status).dump()));
  EXPECT_EQ(st.data_bytes, 600u << 20);
  EXPECT_EQ(st.peak_rss_bytes, 90u << 20);
  EXPECT_EQ(st.rss_bytes, 80u << 20);

  EndReport report;
  report.processes_seen = 9;
  report.survivors = {{77, 123456}};
  report.note = "ended";
  const EndReport r = end_report_from_json(json::parse(to_json(report).dump()));
  EXPECT_EQ(r.processes_seen, 9u);
  ASSERT_EQ(r.survivors.size(), 1u);
  EXPECT_EQ(r.survivors[0], (ProcessIdentity{77, 123456}));
  EXPECT_EQ(r.note, "ended");
}

TEST(AgentProtocol, TheTokenMustMatchExactly) {
  EXPECT_TRUE(authorized("Bearer s3cret", "s3cret"));
  EXPECT_FALSE(authorized("", "s3cret"));
  EXPECT_FALSE(authorized("s3cret", "s3cret"));
  EXPECT_FALSE(authorized("Bearer s3cre", "s3cret"));
  EXPECT_FALSE(authorized("Bearer s3cret2", "s3cret"));
  EXPECT_FALSE(authorized("Bearer S3cret", "s3cret"));
  EXPECT_FALSE(authorized("Basic s3cret", "s3cret"));
  EXPECT_FALSE(authorized("Bearer ", ""));  // no token configured: nothing is authorized
}

TEST(AgentProtocol, UrlsAndWhereTheAgentIs) {
  EXPECT_EQ(parse_http_url("http://127.0.0.1:5555").port, 5555);
  EXPECT_EQ(parse_http_url("http://node1:5555/").host, "node1");
  EXPECT_EQ(parse_http_url("http://[::1]:4444/x").host, "::1");
  EXPECT_EQ(parse_http_url("http://hub").port, 80);
  EXPECT_THROW(parse_http_url("https://hub:4444"), InputError);
  EXPECT_THROW(parse_http_url("http://:4444"), InputError);
  EXPECT_THROW(parse_http_url("http://hub:port"), InputError);

  const json stereotype = {{"browserName", "chrome"}, {"harness:agent", "http://10.0.0.5:7001"}};
  EXPECT_EQ(agent_url_for("http://10.0.0.5:5555", stereotype, {}), "http://10.0.0.5:7001");
  EXPECT_EQ(agent_url_for("http://10.0.0.5:5555/", stereotype,
                          {{"http://10.0.0.5:5555", "http://10.0.0.5:9000"}}),
            "http://10.0.0.5:9000");  // the controller's map wins
  EXPECT_EQ(agent_url_for("http://node7:5555", json::object(), {}),
            "http://node7:" + std::to_string(kDefaultAgentPort));
}

TEST(AgentProtocol, TokenFile) {
  const auto file = std::filesystem::temp_directory_path() / "harness-agent-token-test";
  std::ofstream(file) << "  abc123\n";
  EXPECT_EQ(read_token_file(file), "abc123");
  std::ofstream(file) << " \n";
  EXPECT_THROW(read_token_file(file), InputError);
  std::filesystem::remove(file);
  EXPECT_THROW(read_token_file(file), InputError);
}

// A node whose /status lists one live Chromium session (the shape Grid 4.48 answers).
class FakeNode {
 public:
  FakeNode() : dir_(std::filesystem::temp_directory_path() / "harness-fake-node"),
               server_((std::filesystem::create_directories(dir_), dir_)) {
    server_.add_route("/status", [](const ServerRequest&) {
      const json status = {
          {"value",
           {{"ready", true},
            {"node",
             {{"slots",
               json::array({{{"session",
                              {{"sessionId", "abc"},
                               {"capabilities",
                                {{"browserName", "chrome"}, {"goog:processID", 999999}}}}}},
                            {{"session", nullptr}}})}}}}}};
      return ServerReply{200, "application/json", status.dump()};
    });
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_.port()); }

 private:
  std::filesystem::path dir_;
  PageServer server_;
};

HttpResponse request(int port, const std::string& method, const std::string& target,
                     const std::string& token, const std::string& body = "") {
  HttpClient http("127.0.0.1", port);
  if (!token.empty()) http.set_header("Authorization", "Bearer " + token);
  return http.request(method, target, body, milliseconds(10'000));
}

// An agent for `node` on an ephemeral loopback port with the token "t0ken".
AgentOptions agent_options(const std::string& node_url) {
  AgentOptions options;
  options.node_url = node_url;
  options.port = 0;
  options.token = "t0ken";
  options.dir = std::filesystem::temp_directory_path() / "harness-agent-unit";
  options.session_wait = milliseconds(300);
  return options;
}

TEST(Agent, RefusesRequestsWithoutTheTokenAndChangesNothing) {
  FakeNode node;
  Agent agent(agent_options(node.url()));

  for (const std::string token : {"", "wrong", "t0ken2"}) {
    SCOPED_TRACE(token);
    EXPECT_EQ(request(agent.port(), "GET", "/status", token).status, 401);
    const auto r = request(agent.port(), "POST", "/sessions/abc/watch", token, "{}");
    EXPECT_EQ(r.status, 401);
    EXPECT_THAT(r.body, HasSubstr("token"));
    EXPECT_EQ(request(agent.port(), "POST", "/sessions/abc/end", token, "{}").status, 401);
  }
  // With the token: the node's session is known (from its /status), and not watched: the
  // refused requests did nothing.
  const auto status = request(agent.port(), "GET", "/status", "t0ken");
  ASSERT_EQ(status.status, 200);
  const json s = json::parse(status.body);
  ASSERT_EQ(s["sessions"].size(), 1u);
  EXPECT_EQ(s["sessions"][0].value("id", ""), "abc");
  EXPECT_FALSE(s["sessions"][0].value("watched", true));
}

TEST(Agent, OnlySessionsOfItsNodeAndOnlyWatchedOnes) {
  FakeNode node;
  Agent agent(agent_options(node.url()));
  // A session the node does not have.
  auto r = request(agent.port(), "POST", "/sessions/other/watch", "t0ken", "{\"wait_ms\":300}");
  EXPECT_EQ(r.status, 404);
  EXPECT_THAT(r.body, HasSubstr("no Grid session other"));
  // The node's session names no DevTools address: not a Chromium the agent can attach to.
  r = request(agent.port(), "POST", "/sessions/abc/watch", "t0ken", "{}");
  EXPECT_EQ(r.status, 422);
  // Nothing is done to a session that is not watched.
  for (const char* op : {"gc", "kill", "end", "counters"}) {
    EXPECT_EQ(request(agent.port(), "POST", std::string("/sessions/abc/") + op, "t0ken", "{}").status,
              404)
        << op;
  }
  EXPECT_EQ(request(agent.port(), "GET", "/sessions/abc/samples?since=0", "t0ken").status, 404);
}

TEST(Agent, NeedsAToken) {
  AgentOptions options = agent_options("http://127.0.0.1:1");
  options.token.clear();
  EXPECT_THROW(Agent{options}, InputError);
}

}  // namespace
}  // namespace harness
