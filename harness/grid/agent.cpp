#include "harness/grid/agent.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#ifdef HARNESS_HAVE_ZMQ
#include <zmq.hpp>
#include <zmq_addon.hpp>
#endif

#include "harness/browser/chromium.hpp"
#include "harness/drive/http_client.hpp"
#include "harness/error.hpp"
#include "harness/grid/agent_protocol.hpp"
#include "harness/platform/system.hpp"
#include "harness/sample/sampler.hpp"
#include "harness/serve/page_server.hpp"

namespace harness {

using nlohmann::json;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

namespace {

constexpr milliseconds kNodeStatusTimeout{5'000};
constexpr milliseconds kMaxLongPoll{2'000};
constexpr int kServerThreads = 16;
constexpr std::chrono::minutes kForgetEnded{10};
constexpr std::size_t kKeepClosed = 200;  // long polls and pings of several controllers at once

std::string trim_slash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

ServerReply reply_json(int status, const json& body) {
  return {status, "application/json; charset=utf-8", body.dump()};
}

ServerReply error_reply(int status, const std::string& message) {
  return reply_json(status, json{{"error", message}});
}

std::string query_value(const std::string& query, const std::string& key) {
  std::istringstream in(query);
  std::string pair;
  while (std::getline(in, pair, '&')) {
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == key) return eq == std::string::npos ? "" : pair.substr(eq + 1);
  }
  return "";
}

// A Grid session of this node, as the bus or the node's /status told it.
struct KnownSession {
  json capabilities;
  std::string closed_reason;  // set once session-closed arrived
  bool closed = false;
};

// A session the controller took over: the attached browser, its sampler and the batches the
// controller has not fetched yet.
struct Watch {
  std::string id;
  std::filesystem::path dir;  // its heap snapshots until fetched; removed at the end
  std::unique_ptr<BrowserSession> session;
  std::unique_ptr<SampleSource> sampler;
  std::mutex mutex;
  std::condition_variable cv;
  std::deque<json> batches;  // sequence numbers first_seq, first_seq+1, ...
  std::uint64_t first_seq = 0;
  std::mutex end_mutex;  // one end at a time; the report is kept for the controller
  bool ended = false;
  Clock::time_point ended_at;
  EndReport report;
  std::thread ender;  // ends the session when the Grid closed it on its own
  int snapshots = 0;
};

}  // namespace

struct Agent::Impl {
  AgentOptions options;
  std::string node;  // trimmed node URL
  std::unique_ptr<PageServer> server;
  std::mutex mutex;
  std::condition_variable known_cv;
  std::map<std::string, KnownSession> known;
  std::map<std::string, std::shared_ptr<Watch>> watches;
  std::atomic<bool> stop{false};
  std::thread bus_thread;
  std::atomic<bool> bus_connected{false};

  explicit Impl(AgentOptions o) : options(std::move(o)), node(trim_slash(options.node_url)) {}

  // ---- learning of sessions ----

  void on_bus_event(const std::string& name, const json& data) {
    if (name == "session-created") {
      if (trim_slash(data.value("nodeUri", "")) != node) return;
      const std::string id = data.value("sessionId", "");
      if (id.empty()) return;
      std::lock_guard lock(mutex);
      known[id].capabilities = data.value("capabilities", json::object());
      known_cv.notify_all();
      spdlog::info("agent: Grid session {} created on this node", id);
    } else if (name == "session-closed") {
      // SessionClosedData: sessionId, reason (QUIT_COMMAND, TIMEOUT, ...), nodeId, nodeUri.
      std::string id = data.value("sessionId", "");
      if (id.empty() && data.contains("id")) id = data["id"].is_string() ? data.value("id", "") : "";
      std::lock_guard lock(mutex);
      auto it = known.find(id);
      if (it == known.end()) return;
      it->second.closed = true;
      it->second.closed_reason = data.value("reason", "");
      spdlog::info("agent: Grid session {} closed ({})", id, data.value("reason", "?"));
      if (auto w = watches.find(id); w != watches.end() && !w->second->ender.joinable()) {
        // The Grid ended it (DELETE, session timeout, node drain): what is left of its tree goes.
        std::shared_ptr<Watch> watch = w->second;
        watch->ender = std::thread([watch] { end_watch(*watch); });
      }
    }
  }

  void bus_loop() {
#ifdef HARNESS_HAVE_ZMQ
    try {
      zmq::context_t context;
      zmq::socket_t sub(context, zmq::socket_type::sub);
      sub.set(zmq::sockopt::subscribe, "session-created");
      sub.set(zmq::sockopt::subscribe, "session-closed");
      sub.set(zmq::sockopt::rcvtimeo, 200);
      sub.set(zmq::sockopt::linger, 0);
      sub.connect(options.bus);
      bus_connected = true;
      while (!stop) {
        std::vector<zmq::message_t> frames;
        const auto got = zmq::recv_multipart(sub, std::back_inserter(frames));
        if (!got || frames.size() < 4) continue;
        const std::string name = frames[0].to_string();
        try {
          on_bus_event(name, json::parse(frames[3].to_string()));
        } catch (const std::exception& e) {
          spdlog::warn("agent: unreadable {} event on the bus: {}", name, e.what());
        }
      }
    } catch (const std::exception& e) {
      spdlog::error("agent: the event bus {} failed: {}", options.bus, e.what());
    }
#endif
  }

  // The node's /status lists its live sessions with their capabilities: the way to learn of a
  // session whose bus event was lost (and the only way without ZeroMQ).
  void reconcile_from_node() {
    try {
      const HostPort hp = parse_http_url(node);
      HttpClient http(hp.host, hp.port);
      const HttpResponse r = http.request("GET", "/status", "", kNodeStatusTimeout);
      if (r.status != 200) return;
      json status = json::parse(r.body);  // not const: a missing key must not be an assertion
      const json slots = status["value"]["node"].is_object()
                             ? status["value"]["node"].value("slots", json::array())
                             : json::array();
      std::lock_guard lock(mutex);
      for (const auto& slot : slots) {
        if (!slot.contains("session") || slot["session"].is_null()) continue;
        const json& s = slot["session"];
        const std::string id = s.value("sessionId", "");
        if (id.empty() || known.count(id)) continue;
        known[id].capabilities = s.value("capabilities", json::object());
        spdlog::info("agent: Grid session {} found in the node's /status", id);
      }
      known_cv.notify_all();
    } catch (const std::exception& e) {
      spdlog::warn("agent: the node's /status at {}: {}", node, e.what());
    }
  }

  std::optional<KnownSession> wait_for_session(const std::string& id, milliseconds wait) {
    const auto deadline = Clock::now() + wait;
    for (int round = 0;; ++round) {
      {
        std::unique_lock lock(mutex);
        known_cv.wait_until(lock, std::min(deadline, Clock::now() + milliseconds(500)),
                            [&] { return known.count(id) > 0; });
        if (auto it = known.find(id); it != known.end()) return it->second;
      }
      if (Clock::now() >= deadline) return std::nullopt;
      reconcile_from_node();
    }
  }

  // An agent runs for months: sessions ended long ago are forgotten (their controller has had
  // their end report for minutes), and closed sessions nobody watched beyond the last few.
  void prune_locked() {
    const auto now = Clock::now();
    for (auto it = watches.begin(); it != watches.end();) {
      Watch& w = *it->second;
      bool old = false;
      {
        std::lock_guard end_lock(w.end_mutex);
        old = w.ended && now - w.ended_at > kForgetEnded;
      }
      if (!old) {
        ++it;
        continue;
      }
      if (w.ender.joinable()) w.ender.join();  // it has returned: the watch has ended
      known.erase(it->first);
      it = watches.erase(it);
    }
    std::size_t closed = 0;
    for (const auto& [id, s] : known) closed += s.closed && !watches.count(id);
    for (auto it = known.begin(); it != known.end() && closed > kKeepClosed;) {
      if (it->second.closed && !watches.count(it->first)) {
        it = known.erase(it);
        --closed;
      } else {
        ++it;
      }
    }
  }

  // ---- the session's operations ----

  static void end_watch(Watch& watch) {
    std::lock_guard lock(watch.end_mutex);
    if (watch.ended) return;
    watch.sampler.reset();
    watch.report = watch.session->end();
    watch.ended = true;
    watch.ended_at = Clock::now();
    std::error_code ec;
    std::filesystem::remove_all(watch.dir, ec);  // snapshots are fetched as they are taken
    std::lock_guard batches(watch.mutex);
    watch.cv.notify_all();
  }

  std::shared_ptr<Watch> find_watch(const std::string& id) {
    std::lock_guard lock(mutex);
    auto it = watches.find(id);
    return it == watches.end() ? nullptr : it->second;
  }

  ServerReply watch(const std::string& id, const json& body) {
    if (find_watch(id)) return error_reply(409, fmt::format("session {} is already watched", id));
    const auto session = wait_for_session(
        id, milliseconds(body.value("wait_ms", static_cast<int>(options.session_wait.count()))));
    if (!session) {
      return error_reply(404, fmt::format("no Grid session {} of node {} is known to this agent "
                                          "(bus {})",
                                          id, node, options.bus.empty() ? "none" : options.bus));
    }
    if (session->closed) {
      return error_reply(410, fmt::format("Grid session {} was closed: {}", id,
                                          session->closed_reason));
    }
    const json& caps = session->capabilities;
    ChromiumAttachSpec spec;
    spec.browser_pid = caps.value("goog:processID", Pid{0});
    spec.debugger_address = caps.contains("goog:chromeOptions")
                                ? caps["goog:chromeOptions"].value("debuggerAddress", "")
                                : "";
    spec.page_target = body.value("page_target", "");
    spec.hang_stacks = body.value("hang_stacks", false);
    spec.dumps_dir = options.dir / id;
    if (spec.browser_pid == 0 || spec.debugger_address.empty()) {
      return error_reply(422, fmt::format("Grid session {} has no goog:processID or DevTools "
                                          "address: only Chromium sessions can be watched so far",
                                          id));
    }
    auto watch = std::make_shared<Watch>();
    watch->id = id;
    watch->dir = spec.dumps_dir;
    try {
      watch->session = attach_chromium(spec);
    } catch (const std::exception& e) {
      return error_reply(502, fmt::format("cannot attach to the browser of session {}: {}", id,
                                          e.what()));
    }
    {
      std::lock_guard lock(mutex);
      prune_locked();
      watches[id] = watch;
    }
    spdlog::info("agent: watching session {} (browser PID {})", id, spec.browser_pid);
    json environment = watch->session->environment();
    environment["node"] = node;
    environment["os"] = os_description();
    environment["hostname"] = host_name();
    return reply_json(200, json{{"browser_version", watch->session->browser_version()},
                                {"browser_pid", spec.browser_pid},
                                {"debugger_address", spec.debugger_address},
                                {"environment", environment}});
  }

  ServerReply start_sampling(Watch& watch, const json& body) {
    const milliseconds interval(std::max(10, body.value("interval_ms", 100)));
    const std::int64_t t0 = body.value("t0_ms", std::int64_t{0});
    const auto started = Clock::now();
    std::lock_guard lock(watch.end_mutex);
    if (watch.ended) return error_reply(410, "the session has ended");
    Watch* w = &watch;
    watch.sampler = watch.session->start_sampling(
        interval,
        SamplerClock{[t0, started] {
                       return t0 + std::chrono::duration_cast<milliseconds>(Clock::now() - started)
                                       .count();
                     },
                     [] { return 0; }},  // the controller labels iterations on receipt
        [w](const SampleBatch& batch) {
          std::lock_guard lock(w->mutex);
          w->batches.push_back(to_json(batch));
          w->cv.notify_all();
        });
    return reply_json(200, json::object());
  }

  ServerReply samples(Watch& watch, const std::string& query) {
    std::uint64_t since = 0;
    long wait_ms = 0;
    try {
      if (auto v = query_value(query, "since"); !v.empty()) since = std::stoull(v);
      if (auto v = query_value(query, "wait_ms"); !v.empty()) wait_ms = std::stol(v);
    } catch (const std::exception&) {
      return error_reply(400, "since and wait_ms must be numbers");
    }
    const auto deadline = Clock::now() + std::min(milliseconds(wait_ms), kMaxLongPoll);
    std::unique_lock lock(watch.mutex);
    // What the controller asks from on has reached it before: drop it (acknowledged).
    while (watch.first_seq < since && !watch.batches.empty()) {
      watch.batches.pop_front();
      ++watch.first_seq;
    }
    const auto available = [&] {
      return watch.first_seq + watch.batches.size() > since || watch.ended;
    };
    watch.cv.wait_until(lock, deadline, available);
    json out = json::array();
    for (std::uint64_t seq = std::max(since, watch.first_seq);
         seq < watch.first_seq + watch.batches.size(); ++seq) {
      out.push_back(watch.batches[seq - watch.first_seq]);
    }
    return reply_json(200, json{{"next", watch.first_seq + watch.batches.size()},
                                {"samples", out},
                                {"ended", watch.ended}});
  }

  bool member(Watch& watch, const ProcessIdentity& id) {
    for (const auto& s : watch.session->process_tree().seen()) {
      if (s == id) return true;
    }
    return false;
  }

  // {"notices": false} (the controller's alive()) leaves the notices for its take_notices().
  ServerReply state(Watch& watch, bool take_notices) {
    std::string closed;
    bool is_closed = false;
    {
      std::lock_guard lock(mutex);
      if (auto it = known.find(watch.id); it != known.end() && it->second.closed) {
        is_closed = true;
        closed = it->second.closed_reason;
      }
    }
    json notices = json::array();
    bool alive = false;
    {
      std::lock_guard lock(watch.end_mutex);
      if (!watch.ended) {
        if (take_notices) {
          for (const auto& n : watch.session->take_notices()) notices.push_back(to_json(n));
        }
        alive = watch.session->alive();
      }
    }
    return reply_json(200, json{{"alive", alive && !is_closed},
                                {"closed", is_closed},
                                {"closed_reason", closed},
                                {"notices", notices}});
  }

  ServerReply operation(Watch& watch, const std::string& op, const json& body) {
    BrowserSession& s = *watch.session;
    if (op == "end") {
      end_watch(watch);
      return reply_json(200, to_json(watch.report));
    }
    if (op == "state") return state(watch, body.value("notices", true));
    if (op == "sample") return start_sampling(watch, body);
    {
      std::lock_guard lock(watch.end_mutex);
      if (watch.ended) return error_reply(410, "the session has ended");
    }
    if (op == "gc") {
      s.garbage_collector().collect_garbage();
      return reply_json(200, json::object());
    }
    if (op == "counters") return reply_json(200, json{{"metrics", s.read_page_counters()}});
    if (op == "detailed") {
      s.process_tree().refresh(true);
      json processes = json::array();
      for (const auto& r : s.process_tree().read_detailed()) processes.push_back(to_json(r));
      json seen = json::array();
      for (const auto& id : s.process_tree().seen()) seen.push_back(to_json(id));
      return reply_json(200, json{{"processes", processes}, {"seen", seen}});
    }
    if (op == "errors") {
      json errors = json::array();
      for (const auto& e : s.take_page_errors()) {
        errors.push_back(to_json(e));
      }
      return reply_json(200, json{{"errors", errors}});
    }
    if (op == "ping") {
      const auto ms = s.ping_page_ms(milliseconds(body.value("timeout_ms", 2000)));
      return reply_json(200, json{{"ms", ms ? json(*ms) : json(nullptr)}});
    }
    if (op == "hang_stack") {
      return reply_json(200, json{{"stack", s.capture_hang_stack(
                                                milliseconds(body.value("timeout_ms", 3000)))}});
    }
    if (op == "crash") {
      s.crash_page();
      return reply_json(200, json::object());
    }
    if (op == "snapshot") {
      const std::string name = fmt::format("snapshot-{}.heapsnapshot", ++watch.snapshots);
      const auto file = s.dumps_dir() / name;
      const std::uint64_t bytes = s.write_heap_snapshot(file);
      return reply_json(200, json{{"name", name}, {"bytes", bytes}});
    }
    if (op == "identity") {
      const auto id = s.process_tree().identity_of(body.value("pid", Pid{0}));
      return reply_json(200, json{{"identity", id ? to_json(*id) : json(nullptr)}});
    }
    ProcessSource& tree = s.process_tree();
    if (op == "status") {
      // By PID: the ceiling guard asks for every renderer on every sample (one round trip, not
      // an identity lookup and then the status). A current member of the tree only.
      const Pid pid = body.value("pid", Pid{0});
      const auto st = tree.identity_of(pid) ? tree.status(pid) : std::nullopt;
      return reply_json(200, json{{"status", st ? to_json(*st) : json(nullptr)}});
    }
    if (op == "kill" || op == "limit") {
      // Only processes of this session's own tree.
      const ProcessIdentity id = identity_from_json(body.value("process", json::object()));
      if (!member(watch, id)) {
        return error_reply(403, fmt::format("process {} is not of session {}", id.pid, watch.id));
      }
      if (op == "kill") {
        tree.kill(id);
        return reply_json(200, json::object());
      }
      std::string error;
      const bool ok = tree.set_data_limit(id, body.value("bytes", std::uint64_t{0}), &error);
      return reply_json(200, json{{"ok", ok}, {"error", error}});
    }
    return error_reply(404, fmt::format("no operation '{}'", op));
  }

  ServerReply file(Watch& watch, const std::string& name) {
    if (name.empty() || name.find('/') != std::string::npos || name.find("..") != std::string::npos) {
      return error_reply(400, "bad file name");
    }
    const auto path = options.dir / watch.id / name;
    std::ifstream in(path, std::ios::binary);
    if (!in) return error_reply(404, fmt::format("no file {}", name));
    std::ostringstream data;
    data << in.rdbuf();
    in.close();
    std::error_code ec;
    std::filesystem::remove(path, ec);  // fetched: the node keeps no copy
    return {200, "application/octet-stream", data.str()};
  }

  ServerReply handle(const ServerRequest& request) {
    if (!authorized(request.authorization, options.token)) {
      return error_reply(401, "this harness agent needs the shared token "
                              "(Authorization: Bearer <token>)");
    }
    if (request.path == "/status") {
      json sessions = json::array();
      std::lock_guard lock(mutex);
      for (const auto& [id, s] : known) {
        sessions.push_back({{"id", id},
                            {"watched", watches.count(id) > 0},
                            {"closed", s.closed},
                            {"closed_reason", s.closed_reason}});
      }
      return reply_json(200, json{{"agent", HARNESS_VERSION},
                                  {"node", node},
                                  {"bus", options.bus},
                                  {"bus_connected", bus_connected.load()},
                                  {"sessions", sessions}});
    }
    // /sessions/<id>/<operation>[/<name>]
    const std::string prefix = "/sessions/";
    if (request.path.rfind(prefix, 0) != 0) return error_reply(404, "no such route");
    const std::string rest = request.path.substr(prefix.size());
    const auto slash = rest.find('/');
    if (slash == std::string::npos) return error_reply(404, "no operation");
    const std::string id = rest.substr(0, slash);
    std::string op = rest.substr(slash + 1);
    std::string name;
    if (op.rfind("files/", 0) == 0) {
      name = op.substr(6);
      op = "files";
    }
    json body = json::object();
    if (!request.body.empty()) {
      try {
        body = json::parse(request.body);
      } catch (const std::exception& e) {
        return error_reply(400, fmt::format("the body is not JSON: {}", e.what()));
      }
    }
    try {
      if (op == "watch") {
        if (request.method != "POST") return error_reply(405, "POST only");
        return watch(id, body);
      }
      auto w = find_watch(id);
      if (!w) return error_reply(404, fmt::format("session {} is not watched by this agent", id));
      if (op == "samples") return samples(*w, request.query);
      if (op == "files") return file(*w, name);
      if (request.method != "POST") return error_reply(405, "POST only");
      return operation(*w, op, body);
    } catch (const std::exception& e) {
      return error_reply(500, e.what());
    }
  }
};

Agent::Agent(AgentOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  Impl& impl = *impl_;
  if (impl.options.token.empty()) throw InputError("the agent needs a token (--token-file)");
  parse_http_url(impl.node);  // a clear error for a bad --node
  std::filesystem::create_directories(impl.options.dir);
  impl.server = std::make_unique<PageServer>(impl.options.dir, impl.options.listen,
                                             impl.options.port, kServerThreads);
  impl.server->allow_host(impl.options.listen);
  impl.server->add_prefix_route("/", [&impl](const ServerRequest& r) { return impl.handle(r); });
  if (!impl.options.bus.empty()) {
    if (!has_bus()) {
      throw EnvironmentError("this harness was built without ZeroMQ: leave out --bus (the agent "
                             "then learns of sessions from the node's /status)");
    }
    impl.bus_thread = std::thread([&impl] { impl.bus_loop(); });
  }
  impl.reconcile_from_node();
}

Agent::~Agent() {
  impl_->server.reset();  // no new requests; the ones in progress are answered first
  impl_->stop = true;
  if (impl_->bus_thread.joinable()) impl_->bus_thread.join();
  std::map<std::string, std::shared_ptr<Watch>> watches;
  {
    std::lock_guard lock(impl_->mutex);
    watches = impl_->watches;
  }
  for (auto& [id, w] : watches) {
    if (w->ender.joinable()) w->ender.join();
    Impl::end_watch(*w);
  }
}

int Agent::port() const { return impl_->server->port(); }

bool Agent::has_bus() {
#ifdef HARNESS_HAVE_ZMQ
  return true;
#else
  return false;
#endif
}

}  // namespace harness
