#include "harness/grid/remote_session.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include "harness/browser/chromium.hpp"
#include "harness/drive/http_client.hpp"
#include "harness/drive/webdriver_client.hpp"
#include "harness/error.hpp"
#include "harness/grid/agent_protocol.hpp"

namespace harness {

using nlohmann::json;
using std::chrono::milliseconds;

namespace {

constexpr milliseconds kAgentTimeout{30'000};      // a checkpoint's GC and readings
constexpr milliseconds kWatchWait{15'000};         // for the agent to hear of the session
constexpr milliseconds kLongPoll{500};             // a sample request waits this long for news
constexpr milliseconds kSnapshotTimeout{300'000};  // as a local heap snapshot
constexpr milliseconds kEndTimeout{30'000};
constexpr milliseconds kDeleteTimeout{10'000};
constexpr milliseconds kHubTimeout{10'000};

// The agent answered with an error status (as opposed to not answering: HttpError).
class AgentError : public std::runtime_error {
 public:
  AgentError(int status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

// Calls to one agent from the run's threads (runner, watchdog, sampler, dump worker): a
// keep-alive connection per caller at a time, reused.
class AgentClient {
 public:
  AgentClient(std::string url, std::string token, std::string session)
      : url_(std::move(url)), hp_(parse_http_url(url_)), token_(std::move(token)),
        session_(std::move(session)) {}

  const std::string& url() const { return url_; }

  HttpResponse raw(const std::string& method, const std::string& target, const std::string& body,
                   milliseconds timeout) {
    std::unique_ptr<HttpClient> http = take();
    // On HttpError the connection is dropped with `http`; the next call opens a fresh one.
    HttpResponse r = http->request(method, target, body, timeout);
    give(std::move(http));
    return r;
  }

  json call(const std::string& method, const std::string& target, const json& body,
            milliseconds timeout) {
    const HttpResponse r = raw(method, target, method == "GET" ? "" : body.dump(), timeout);
    json reply;
    try {
      reply = r.body.empty() ? json::object() : json::parse(r.body);
    } catch (const std::exception&) {
      throw AgentError(r.status, fmt::format("the agent at {} answered {} with no JSON", url_,
                                             r.status));
    }
    if (r.status != 200) {
      throw AgentError(r.status, fmt::format("the agent at {}: {} ({})", url_,
                                             reply.value("error", "error"), r.status));
    }
    return reply;
  }

  json op(const std::string& name, const json& body = json::object(),
          milliseconds timeout = kAgentTimeout) {
    return call("POST", "/sessions/" + session_ + "/" + name, body, timeout);
  }

  const std::string& session() const { return session_; }

 private:
  std::unique_ptr<HttpClient> take() {
    {
      std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        auto http = std::move(idle_.back());
        idle_.pop_back();
        return http;
      }
    }
    auto http = std::make_unique<HttpClient>(hp_.host, hp_.port);
    http->set_header("Authorization", "Bearer " + token_);
    return http;
  }
  void give(std::unique_ptr<HttpClient> http) {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(http));
  }

  std::string url_;
  HostPort hp_;
  std::string token_;
  std::string session_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<HttpClient>> idle_;
};

// How late the agent's batches reach the controller: receipt time minus the batch's time, both on
// the run's clock (the agent's clock starts at the run time the controller sent with `sample`,
// so the figures include that request's one-way delay, ~1 ms on a LAN).
class DelayStats {
 public:
  void add(double ms) {
    std::lock_guard lock(mutex_);
    delays_.push_back(ms);
  }
  json summary() const {
    std::lock_guard lock(mutex_);
    if (delays_.empty()) return json{{"batches", 0}};
    std::vector<double> d = delays_;
    std::sort(d.begin(), d.end());
    auto at = [&](double q) { return d[static_cast<std::size_t>(q * (d.size() - 1))]; };
    return json{{"batches", d.size()},
                {"median_ms", at(0.5)},
                {"p95_ms", at(0.95)},
                {"max_ms", d.back()}};
  }

 private:
  mutable std::mutex mutex_;
  std::vector<double> delays_;
};

// The batches the agent took, fetched as they come (long poll from the last sequence number
// received: a dropped connection is retried and nothing the agent buffered is lost). The
// iteration of a batch is the controller's at receipt (the agent does not know the steps).
class RemoteSampler final : public SampleSource {
 public:
  RemoteSampler(AgentClient& agent, std::chrono::milliseconds interval, SamplerClock clock,
                Sink sink, DelayStats& delays)
      : agent_(agent), interval_(interval), clock_(std::move(clock)), sink_(std::move(sink)),
        delays_(delays) {
    thread_ = std::thread([this] { loop(); });
  }
  ~RemoteSampler() override {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::optional<SampleBatch> latest() const override {
    std::lock_guard lock(mutex_);
    return latest_;
  }

 private:
  // The agent starts sampling at the run's rate, its clock set to the run's time now. Retried
  // like the fetches: an agent that is briefly unreachable delays the curve, never ends the run.
  bool start() {
    for (int failures = 0; !stop_; ++failures) {
      try {
        agent_.op("sample", {{"interval_ms", interval_.count()}, {"t0_ms", clock_.now_ms()}});
        return true;
      } catch (const std::exception& e) {
        if (failures == 0) spdlog::warn("sampling on {}: {}; retrying", agent_.url(), e.what());
        for (int i = 0; i < 10 && !stop_; ++i) std::this_thread::sleep_for(milliseconds(50));
      }
    }
    return false;
  }

  void loop() {
    if (!start()) return;
    int failures = 0;
    while (!stop_) {
      json reply;
      try {
        reply = agent_.call("GET",
                            fmt::format("/sessions/{}/samples?since={}&wait_ms={}",
                                        agent_.session(), next_.load(), kLongPoll.count()),
                            json::object(), kLongPoll + milliseconds(10'000));
        if (failures > 0) {
          spdlog::info("samples from {} flow again after {} failed request(s)", agent_.url(),
                       failures);
        }
        failures = 0;
      } catch (const std::exception& e) {
        if (failures++ == 0) spdlog::warn("samples from {}: {}; retrying", agent_.url(), e.what());
        for (int i = 0; i < 10 && !stop_; ++i) std::this_thread::sleep_for(milliseconds(50));
        continue;
      }
      for (const auto& b : reply.value("samples", json::array())) {
        SampleBatch batch = batch_from_json(b);
        batch.iteration = clock_.iteration();
        delays_.add(static_cast<double>(clock_.now_ms() - batch.t_ms));
        try {
          sink_(batch);  // as the local Sampler: a sink that fails loses one batch, not the run
        } catch (const std::exception& e) {
          spdlog::warn("sampler: {}", e.what());
        }
        std::lock_guard lock(mutex_);
        latest_ = std::move(batch);
      }
      next_ = reply.value("next", next_.load());
      if (reply.value("ended", false)) break;
    }
  }

  AgentClient& agent_;
  std::chrono::milliseconds interval_;
  SamplerClock clock_;
  Sink sink_;
  DelayStats& delays_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> next_{0};
  mutable std::mutex mutex_;
  std::optional<SampleBatch> latest_;
  std::thread thread_;
};

// The session's processes, read and ended on the node by its agent.
class RemoteProcesses final : public ProcessSource {
 public:
  explicit RemoteProcesses(AgentClient& agent) : agent_(agent) {}

  void refresh(bool) override {}  // the agent refreshes before every detailed reading
  std::vector<ProcessReading> read() override { return {}; }  // samples come from the agent
  std::vector<DetailedReading> read_detailed() override {
    const json reply = agent_.op("detailed");
    std::vector<DetailedReading> out;
    for (const auto& p : reply.value("processes", json::array())) {
      out.push_back(detailed_from_json(p));
    }
    std::vector<ProcessIdentity> seen;
    for (const auto& s : reply.value("seen", json::array())) seen.push_back(identity_from_json(s));
    std::lock_guard lock(mutex_);
    seen_ = std::move(seen);
    return out;
  }
  std::vector<ProcessIdentity> seen() const override {
    std::lock_guard lock(mutex_);
    return seen_;
  }
  // The ceiling guard's calls below run on the sampler's thread: an agent that does not answer
  // is a warning and "unknown", never an exception.
  std::optional<ProcessIdentity> identity_of(Pid pid) const override {
    try {
      const json reply = agent_.op("identity", {{"pid", pid}});
      const json identity = reply.value("identity", json());
      if (identity.is_null()) return std::nullopt;
      return identity_from_json(identity);
    } catch (const std::exception& e) {
      spdlog::warn("process {} on {}: {}", pid, agent_.url(), e.what());
      return std::nullopt;
    }
  }
  bool local() const override { return false; }
  std::optional<ProcessStatus> status(Pid pid) override {
    json status;
    try {
      status = agent_.op("status", {{"pid", pid}}).value("status", json());
    } catch (const std::exception& e) {
      spdlog::warn("process {} on {}: {}", pid, agent_.url(), e.what());
      return std::nullopt;
    }
    if (status.is_null()) return std::nullopt;
    return status_from_json(status);
  }
  void kill(const ProcessIdentity& identity) override {
    try {
      agent_.op("kill", {{"process", to_json(identity)}});
    } catch (const std::exception& e) {
      spdlog::warn("ending process {} on {}: {}", identity.pid, agent_.url(), e.what());
    }
  }
  bool set_data_limit(const ProcessIdentity& identity, std::uint64_t bytes,
                      std::string* error) override {
    try {
      const json reply = agent_.op("limit", {{"process", to_json(identity)}, {"bytes", bytes}});
      if (error) *error = reply.value("error", "");
      return reply.value("ok", false);
    } catch (const std::exception& e) {
      if (error) *error = e.what();
      return false;
    }
  }

 private:
  AgentClient& agent_;
  mutable std::mutex mutex_;
  std::vector<ProcessIdentity> seen_;
};

class AgentGarbageCollector final : public GarbageCollector {
 public:
  explicit AgentGarbageCollector(AgentClient& agent) : agent_(agent) {}
  void collect_garbage() override { agent_.op("gc"); }

 private:
  AgentClient& agent_;
};

class GridSession final : public BrowserSession {
 public:
  ~GridSession() override { end(); }

  void start(const GridOptions& grid, const LaunchOptions& options) {
    grid_ = grid;
    options_ = options;
    const HostPort hub = parse_http_url(grid.hub_url);
    webdriver_ = std::make_unique<WebDriverClient>(hub.host, hub.port);
    json caps = chromium_capabilities("", "", options.headless, options.extra_args);
    // The node's stereotype names its own Chromium (binary wins, args are merged) and
    // chromedriver picks the profile folder on the node.
    caps["goog:chromeOptions"].erase("binary");
    auto& args = caps["goog:chromeOptions"]["args"];
    for (auto it = args.begin(); it != args.end();) {
      it = it->get<std::string>().rfind("--user-data-dir=", 0) == 0 ? args.erase(it) : it + 1;
    }
    caps["harness:options"] = {{"runId", options.run_dir.filename().string()}};
    json returned;
    try {
      returned = webdriver_->new_session(caps, grid.new_session_timeout);
    } catch (const WebDriverError& e) {
      throw LaunchError(fmt::format("the Grid at {} gave no Chromium session: {}", grid.hub_url,
                                    e.what()));
    }
    session_id_ = webdriver_->session_id();
    browser_version_ = returned.value("browserVersion", "");
    if (returned.contains("chrome")) {
      driver_version_ = returned["chrome"].value("chromedriverVersion", "");
      driver_version_ = driver_version_.substr(0, driver_version_.find(' '));
    }
    find_node(hub);
    agent_ = std::make_unique<AgentClient>(agent_url_, grid.token, session_id_);

    WebDriverTimeouts timeouts;
    timeouts.page_load = milliseconds(options.timeouts.page_load_ms);
    timeouts.script = milliseconds(options.timeouts.script_ms);
    std::string page_target;
    try {
      webdriver_->set_timeouts(timeouts);
      page_target = webdriver_->window_handle();
    } catch (const WebDriverError& e) {
      throw LaunchError(fmt::format("the new Grid session does not answer: {}", e.what()));
    }
    json watched;
    try {
      watched = agent_->call("POST", "/sessions/" + session_id_ + "/watch",
                             {{"page_target", page_target},
                              {"hang_stacks", options.hang_stacks},
                              {"wait_ms", kWatchWait.count()}},
                             kWatchWait + kAgentTimeout);
    } catch (const HttpError& e) {
      throw LaunchError(fmt::format(
          "no harness agent answers at {} for Grid node {} ({}): start `harness agent --node {} "
          "--bus tcp://<hub>:4442 --token-file <token> --listen <node address> --port {}` beside "
          "that node (docs/grid.md)",
          agent_url_, node_uri_, e.what(), node_uri_, parse_http_url(agent_url_).port));
    } catch (const AgentError& e) {
      throw LaunchError(e.status() == 401
                            ? fmt::format("the harness agent at {} (Grid node {}) refused the "
                                          "token: give the controller the agent's --token-file",
                                          agent_url_, node_uri_)
                            : fmt::format("the harness agent of Grid node {} cannot take the "
                                          "session: {}",
                                          node_uri_, e.what()));
    }
    environment_ = watched.value("environment", json::object());
    environment_["grid"] = {{"hub", grid.hub_url},
                            {"session", session_id_},
                            {"node", node_uri_},
                            {"node_id", node_id_},
                            {"agent", agent_url_}};
    if (browser_version_.empty()) browser_version_ = watched.value("browser_version", "");
    processes_ = std::make_unique<RemoteProcesses>(*agent_);
    gc_ = std::make_unique<AgentGarbageCollector>(*agent_);
    spdlog::info("Grid session {} on node {}, agent {}", session_id_, node_uri_, agent_url_);
  }

  // Which node got the session: the hub's GraphQL.
  void find_node(const HostPort& hub) {
    HttpClient http(hub.host, hub.port);
    const json query = {
        {"query", fmt::format("{{ session (id: \"{}\") {{ nodeId nodeUri slot {{ stereotype }} }} }}",
                              session_id_)}};
    json stereotype = json::object();
    try {
      const HttpResponse r = http.request("POST", "/graphql", query.dump(), kHubTimeout);
      json reply = json::parse(r.body);  // not const: a missing key must not be an assertion
      json& s = reply["data"]["session"];
      node_uri_ = s.value("nodeUri", "");
      node_id_ = s.value("nodeId", "");
      if (s.contains("slot") && s["slot"].contains("stereotype")) {
        const json& st = s["slot"]["stereotype"];
        stereotype = st.is_string() ? json::parse(st.get<std::string>()) : st;
      }
    } catch (const std::exception& e) {
      throw LaunchError(fmt::format("the hub {} does not say which node runs session {}: {}",
                                    grid_.hub_url, session_id_, e.what()));
    }
    if (node_uri_.empty()) {
      throw LaunchError(fmt::format("the hub {} does not know the node of session {}",
                                    grid_.hub_url, session_id_));
    }
    agent_url_ = agent_url_for(node_uri_, stereotype, grid_.agents);
  }

  Driver& driver() override { return *webdriver_; }
  GarbageCollector& garbage_collector() override { return *gc_; }
  ProcessSource& process_tree() override { return *processes_; }
  std::unique_ptr<SampleSource> start_sampling(milliseconds interval, SamplerClock clock,
                                               SampleSource::Sink sink) override {
    return std::make_unique<RemoteSampler>(*agent_, interval, std::move(clock), std::move(sink),
                                           delays_);
  }

  std::map<std::string, double> read_page_counters() override {
    std::map<std::string, double> out;
    // Kept in a variable: a range-for over items() of a temporary would not keep it alive.
    const json metrics = agent_->op("counters").value("metrics", json::object());
    for (const auto& [k, v] : metrics.items()) {
      out[k] = v.get<double>();
    }
    return out;
  }
  std::string browser_version() const override { return browser_version_; }
  std::string driver_version() const override { return driver_version_; }
  json environment() const override { return environment_; }

  std::vector<BrowserNotice> take_notices() override {
    std::vector<BrowserNotice> out;
    try {
      const json state = agent_->op("state");
      for (const auto& n : state.value("notices", json::array())) {
        out.push_back(notice_from_json(n));
      }
      if (state.value("closed", false) && !closed_reported_) {
        closed_reported_ = true;
        const std::string reason = state.value("closed_reason", "");
        out.push_back({"detached",
                       reason == "TIMEOUT"
                           ? fmt::format("the Grid closed session {} on node {}: session timeout "
                                         "(the node's session-timeout passed without a command)",
                                         session_id_, node_uri_)
                           : fmt::format("the Grid closed session {} on node {}: {}", session_id_,
                                         node_uri_, reason),
                       {{"grid_close_reason", reason}, {"node", node_uri_}}});
      }
    } catch (const std::exception& e) {
      spdlog::warn("the agent at {}: {}", agent_->url(), e.what());
    }
    return out;
  }

  bool alive() override {
    try {
      // Without taking the notices: they are take_notices()'s (a crash notice must not be lost).
      return agent_->op("state", {{"notices", false}}).value("alive", false);
    } catch (const AgentError& e) {
      // The agent no longer has the session (it ended it when the Grid closed it).
      spdlog::warn("{}", e.what());
      return false;
    } catch (const HttpError& e) {
      // The agent's machine is unreachable: the browser's fate is unknown; the driver's next
      // command tells (a node that died fails it).
      spdlog::warn("the agent at {} does not answer: {}", agent_->url(), e.what());
      return true;
    }
  }

  std::vector<PageError> take_page_errors() override {
    std::vector<PageError> out;
    for (const auto& e : agent_->op("errors").value("errors", json::array())) {
      out.push_back(page_error_from_json(e));
    }
    return out;
  }

  std::optional<double> ping_page_ms(milliseconds timeout) override {
    try {
      const json ms = agent_->op("ping", {{"timeout_ms", timeout.count()}},
                                 timeout + milliseconds(5'000))
                          .value("ms", json());
      if (!ms.is_number()) return std::nullopt;
      return ms.get<double>();
    } catch (const HttpError& e) {
      if (e.timed_out()) return std::nullopt;
      throw;
    }
  }

  // Both run on the watchdog's thread when the page hangs: never throw (as the local session's).
  std::string capture_hang_stack(milliseconds timeout) override {
    try {
      return agent_->op("hang_stack", {{"timeout_ms", timeout.count()}}, timeout + kAgentTimeout)
          .value("stack", "");
    } catch (const std::exception& e) {
      spdlog::warn("hang stack from {}: {}", agent_->url(), e.what());
      return "";
    }
  }

  void crash_page() override {
    try {
      agent_->op("crash");
    } catch (const std::exception& e) {
      spdlog::warn("crashing the page through {}: {}", agent_->url(), e.what());
    }
  }

  std::uint64_t write_heap_snapshot(const std::filesystem::path& file) override {
    const json taken = agent_->op("snapshot", json::object(), kSnapshotTimeout);
    const HttpResponse r =
        agent_->raw("GET", "/sessions/" + session_id_ + "/files/" + taken.value("name", ""), "",
                    kSnapshotTimeout);
    if (r.status != 200) {
      throw std::runtime_error(fmt::format("the agent at {} kept no snapshot ({})",
                                           agent_->url(), r.status));
    }
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << r.body;
    if (!out) throw std::runtime_error("cannot write " + file.string());
    return r.body.size();
  }

  std::filesystem::path dumps_dir() const override { return options_.run_dir / "dumps"; }

  EndReport end() override {
    if (ended_) return end_report_;
    ended_ = true;
    EndReport report;
    if (webdriver_ && !session_id_.empty()) webdriver_->delete_session(kDeleteTimeout);
    if (agent_) {
      try {
        report = end_report_from_json(agent_->op("end", json::object(), kEndTimeout));
      } catch (const std::exception& e) {
        report.note = fmt::format("the agent at {} could not end the session's processes: {}",
                                  agent_->url(), e.what());
        report.details["agent_error"] = e.what();
      }
      report.note = report.note.empty()
                        ? fmt::format("ended on Grid node {} by its agent", node_uri_)
                        : report.note;
      report.details["node"] = node_uri_;
      report.details["sample_delivery"] = delays_.summary();
    }
    end_report_ = report;
    return report;
  }

 private:
  GridOptions grid_;
  LaunchOptions options_;
  std::unique_ptr<WebDriverClient> webdriver_;
  std::unique_ptr<AgentClient> agent_;
  std::unique_ptr<RemoteProcesses> processes_;
  std::unique_ptr<AgentGarbageCollector> gc_;
  std::string session_id_, node_uri_, node_id_, agent_url_;
  std::string browser_version_, driver_version_;
  json environment_ = json::object();
  DelayStats delays_;
  bool closed_reported_ = false;
  bool ended_ = false;
  EndReport end_report_;
};

}  // namespace

std::string agent_url_for(const std::string& node_uri, const json& stereotype,
                          const std::map<std::string, std::string>& explicit_agents) {
  std::string node = node_uri;
  while (!node.empty() && node.back() == '/') node.pop_back();
  if (auto it = explicit_agents.find(node); it != explicit_agents.end()) return it->second;
  if (stereotype.is_object() && stereotype.contains("harness:agent") &&
      stereotype["harness:agent"].is_string()) {
    return stereotype["harness:agent"].get<std::string>();
  }
  const HostPort hp = parse_http_url(node);
  const std::string host = hp.host.find(':') != std::string::npos ? "[" + hp.host + "]" : hp.host;
  return fmt::format("http://{}:{}", host, kDefaultAgentPort);
}

int grid_free_slots(const GridOptions& grid, const std::string& browser_name) {
  const HostPort hub = parse_http_url(grid.hub_url);
  json status;
  try {
    HttpClient http(hub.host, hub.port);
    const HttpResponse r = http.request("GET", "/status", "", kHubTimeout);
    status = json::parse(r.body);
  } catch (const std::exception& e) {
    throw LaunchError(fmt::format("the Grid hub {} does not answer: {}", grid.hub_url, e.what()));
  }
  int free = 0;
  for (const auto& node : status["value"].value("nodes", json::array())) {
    if (node.value("availability", "") != "UP") continue;
    for (const auto& slot : node.value("slots", json::array())) {
      const json& st = slot.value("stereotype", json::object());
      if (st.value("browserName", "") != browser_name) continue;
      if (!slot.contains("session") || slot["session"].is_null()) ++free;
    }
  }
  return free;
}

std::unique_ptr<BrowserSession> GridProfile::launch(const LaunchOptions& options) const {
  if (local_.name() != "chromium") {
    throw LaunchError(fmt::format("the Grid runs `chromium` cells only so far, not `{}`: its "
                                  "node agent attaches over DevTools (IE on Grid needs the "
                                  "Windows agent)",
                                  local_.name()));
  }
  if (!options.page_url.empty()) {
    throw LaunchError("page mode needs a browser the harness launches: run it without --grid");
  }
  auto session = std::make_unique<GridSession>();
  try {
    session->start(grid_, options);
  } catch (const InputError& e) {
    // A node's bad `harness:agent` URL: this cell's launch failed, not the matrix's input.
    session->end();
    throw LaunchError(e.what());
  } catch (...) {
    session->end();  // the Grid session and anything the agent watched
    throw;
  }
  return session;
}

}  // namespace harness
