#include "harness/drive/cdp_client.hpp"

#include <fmt/format.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/url/authority_view.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "harness/drive/http_client.hpp"

namespace harness {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using nlohmann::json;

namespace {

class BeastCdpClient final : public CdpClient {
 public:
  BeastCdpClient() : ws_(ioc_), work_(asio::make_work_guard(ioc_)) {}

  ~BeastCdpClient() override {
    asio::post(ioc_, [this] {
      beast::error_code ec;
      beast::get_lowest_layer(ws_).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
      beast::get_lowest_layer(ws_).socket().close(ec);
    });
    work_.reset();
    if (thread_.joinable()) thread_.join();
  }

  void open(const std::string& host, const std::string& port, const std::string& path,
            std::chrono::milliseconds timeout) {
    asio::ip::tcp::resolver resolver(ioc_);
    beast::get_lowest_layer(ws_).expires_after(timeout);
    auto endpoints = resolver.resolve(host, port);
    beast::get_lowest_layer(ws_).connect(endpoints);
    beast::get_lowest_layer(ws_).expires_never();
    ws_.read_message_max(1024u * 1024 * 1024);  // heap snapshot chunks, traces
    ws_.handshake(host + ":" + port, path);
    connected_ = true;
    read_next();
    thread_ = std::thread([this] { ioc_.run(); });
  }

  json call(const std::string& method, const json& params, const std::string& session_id,
            std::chrono::milliseconds timeout) override {
    std::shared_ptr<Pending> pending = std::make_shared<Pending>();
    pending->session_id = session_id;
    auto future = pending->promise.get_future();
    std::uint64_t id = 0;
    {
      std::lock_guard lock(mutex_);
      if (!connected_) throw CdpError(fmt::format("{}: the DevTools connection is closed", method));
      if (!session_id.empty() && crashed_sessions_.count(session_id)) {
        throw CdpTargetCrashed(fmt::format("{}: the target of session {} crashed or detached",
                                           method, session_id));
      }
      id = ++next_id_;
      pending_[id] = pending;
    }
    json message = {{"id", id}, {"method", method}, {"params", params.is_null() ? json::object()
                                                                               : params}};
    if (!session_id.empty()) message["sessionId"] = session_id;
    auto text = std::make_shared<std::string>(message.dump());
    asio::post(ioc_, [this, text] {
      outbox_.push_back(text);
      if (outbox_.size() == 1) write_next();
    });
    if (future.wait_for(timeout) != std::future_status::ready) {
      std::lock_guard lock(mutex_);
      pending_.erase(id);
      throw CdpTimeout(fmt::format("{}: no reply within {} ms", method, timeout.count()));
    }
    return future.get();
  }

  std::string attach(const std::string& target_id, std::chrono::milliseconds timeout) override {
    json result = call("Target.attachToTarget", {{"targetId", target_id}, {"flatten", true}}, {},
                       timeout);
    std::string session = result.at("sessionId").get<std::string>();
    std::lock_guard lock(mutex_);
    target_sessions_[target_id] = session;
    return session;
  }

  void set_event_listener(std::function<void(const CdpEvent&)> listener) override {
    std::lock_guard lock(mutex_);
    listener_ = std::move(listener);
  }

  bool connected() const override {
    std::lock_guard lock(mutex_);
    return connected_;
  }

 private:
  struct Pending {
    std::string session_id;
    std::promise<json> promise;
  };

  void write_next() {
    ws_.text(true);
    ws_.async_write(asio::buffer(*outbox_.front()), [this](beast::error_code ec, std::size_t) {
      outbox_.pop_front();
      if (ec) {
        fail_all(fmt::format("DevTools write failed: {}", ec.message()));
        return;
      }
      if (!outbox_.empty()) write_next();
    });
  }

  void read_next() {
    ws_.async_read(buffer_, [this](beast::error_code ec, std::size_t) {
      if (ec) {
        fail_all(fmt::format("DevTools connection closed: {}", ec.message()));
        return;
      }
      const std::string text = beast::buffers_to_string(buffer_.data());
      buffer_.consume(buffer_.size());
      dispatch(text);
      read_next();
    });
  }

  void dispatch(const std::string& text) {
    json message = json::parse(text, nullptr, false);
    if (message.is_discarded()) return;
    if (message.contains("id")) {
      std::shared_ptr<Pending> pending;
      {
        std::lock_guard lock(mutex_);
        auto it = pending_.find(message["id"].get<std::uint64_t>());
        if (it == pending_.end()) return;
        pending = it->second;
        pending_.erase(it);
      }
      if (message.contains("error")) {
        pending->promise.set_exception(std::make_exception_ptr(
            CdpError(fmt::format("DevTools error {}: {}", message["error"].value("code", 0),
                                 message["error"].value("message", "")))));
      } else {
        pending->promise.set_value(message.value("result", json::object()));
      }
      return;
    }
    CdpEvent event{message.value("method", ""), message.value("sessionId", ""),
                   message.value("params", json::object())};
    // Which session died: Inspector.targetCrashed arrives on the crashed target's session;
    // Target.detachedFromTarget names it in params.
    std::string dead_session;
    if (event.method == "Inspector.targetCrashed") dead_session = event.session_id;
    if (event.method == "Target.detachedFromTarget") {
      dead_session = event.params.value("sessionId", "");
    }
    std::function<void(const CdpEvent&)> listener;
    {
      std::lock_guard lock(mutex_);
      if (event.method == "Target.targetCrashed") {
        const std::string target = event.params.value("targetId", "");
        auto it = target_sessions_.find(target);
        if (it != target_sessions_.end()) dead_session = it->second;
      }
      if (event.method == "Target.attachedToTarget") {
        target_sessions_[event.params["targetInfo"].value("targetId", "")] =
            event.params.value("sessionId", "");
      }
      listener = listener_;
    }
    if (!dead_session.empty()) fail_session(dead_session, event.method);
    if (listener) listener(event);
  }

  void fail_session(const std::string& session_id, const std::string& why) {
    std::vector<std::shared_ptr<Pending>> failed;
    {
      std::lock_guard lock(mutex_);
      crashed_sessions_.insert(session_id);
      for (auto it = pending_.begin(); it != pending_.end();) {
        if (it->second->session_id == session_id) {
          failed.push_back(it->second);
          it = pending_.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (auto& p : failed) {
      p->promise.set_exception(std::make_exception_ptr(
          CdpTargetCrashed(fmt::format("the target crashed or detached ({})", why))));
    }
  }

  void fail_all(const std::string& why) {
    std::map<std::uint64_t, std::shared_ptr<Pending>> failed;
    {
      std::lock_guard lock(mutex_);
      connected_ = false;
      failed.swap(pending_);
    }
    for (auto& [id, p] : failed) p->promise.set_exception(std::make_exception_ptr(CdpError(why)));
  }

  asio::io_context ioc_;
  websocket::stream<beast::tcp_stream> ws_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::thread thread_;
  beast::flat_buffer buffer_;
  std::deque<std::shared_ptr<std::string>> outbox_;  // touched on the io thread only

  mutable std::mutex mutex_;
  bool connected_ = false;
  std::uint64_t next_id_ = 0;
  std::map<std::uint64_t, std::shared_ptr<Pending>> pending_;
  std::set<std::string> crashed_sessions_;
  std::map<std::string, std::string> target_sessions_;  // targetId -> sessionId
  std::function<void(const CdpEvent&)> listener_;
};

}  // namespace

std::unique_ptr<CdpClient> CdpClient::connect(const std::string& websocket_url,
                                              std::chrono::milliseconds timeout) {
  auto parsed = boost::urls::parse_uri(websocket_url);
  if (!parsed || parsed->scheme() != "ws") {
    throw CdpError(fmt::format("'{}' is not a ws:// DevTools URL", websocket_url));
  }
  auto client = std::make_unique<BeastCdpClient>();
  try {
    client->open(parsed->host_address(), parsed->has_port() ? std::string(parsed->port()) : "80",
                 std::string(parsed->encoded_path()), timeout);
  } catch (const std::exception& e) {
    throw CdpError(fmt::format("cannot open DevTools websocket {}: {}", websocket_url, e.what()));
  }
  return client;
}

std::unique_ptr<CdpClient> CdpClient::connect_to_debugger_address(
    const std::string& host_port, std::chrono::milliseconds timeout) {
  const auto authority = boost::urls::parse_authority(host_port);
  if (!authority || authority->has_userinfo() || authority->port_number() == 0) {
    throw CdpError(fmt::format("debugger address '{}' is not host:port", host_port));
  }
  std::string host = authority->host_address();
  // chromedriver reports "localhost:<port>"; DevTools listens on 127.0.0.1.
  if (host == "localhost") host = "127.0.0.1";
  HttpClient http(host, authority->port_number());
  HttpResponse response;
  try {
    response = http.request("GET", "/json/version", "", timeout);
  } catch (const HttpError& e) {
    throw CdpError(fmt::format("DevTools endpoint {} did not answer: {}", host_port, e.what()));
  }
  json version = json::parse(response.body, nullptr, false);
  if (version.is_discarded() || !version.contains("webSocketDebuggerUrl") ||
      !version["webSocketDebuggerUrl"].is_string()) {
    throw CdpError(fmt::format("DevTools endpoint {} returned no webSocketDebuggerUrl", host_port));
  }
  const std::string reported = version["webSocketDebuggerUrl"].get<std::string>();
  auto url = boost::urls::parse_uri(reported);
  if (!url) throw CdpError(fmt::format("'{}' is not a ws:// DevTools URL", reported));
  // Keep the numeric loopback address we connected to.
  boost::urls::url websocket(*url);
  if (websocket.host_address() == "localhost") websocket.set_host_address("127.0.0.1");
  return connect(std::string(websocket.buffer()), timeout);
}

}  // namespace harness
