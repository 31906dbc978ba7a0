#include "harness/serve/page_server.hpp"

#include <algorithm>

#include <fmt/format.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/authority_view.hpp>
#include <boost/url/parse.hpp>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "harness/error.hpp"
#include "harness/scenario/variants.hpp"

namespace harness {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string content_type_for(const std::filesystem::path& file) {
  static const std::map<std::string, std::string> kTypes = {
      {".html", "text/html; charset=utf-8"}, {".htm", "text/html; charset=utf-8"},
      {".js", "application/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
      {".json", "application/json; charset=utf-8"}, {".svg", "image/svg+xml"},
      {".png", "image/png"}, {".jpg", "image/jpeg"}, {".jpeg", "image/jpeg"},
      {".gif", "image/gif"}, {".ico", "image/x-icon"}, {".txt", "text/plain; charset=utf-8"},
      {".xml", "application/xml"}, {".webm", "video/webm"}, {".mp4", "video/mp4"},
      {".wasm", "application/wasm"}};
  auto it = kTypes.find(file.extension().string());
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

std::optional<std::filesystem::path> map_url_path(const std::filesystem::path& root,
                                                  const std::string& decoded_path) {
  if (decoded_path.empty() || decoded_path[0] != '/') return std::nullopt;
  if (decoded_path.find('\0') != std::string::npos) return std::nullopt;
  std::filesystem::path relative;
  std::size_t pos = 1;
  while (pos <= decoded_path.size()) {
    const auto slash = decoded_path.find('/', pos);
    const std::string segment = decoded_path.substr(
        pos, slash == std::string::npos ? std::string::npos : slash - pos);
    if (segment == "..") return std::nullopt;
    if (!segment.empty() && segment != ".") relative /= segment;
    if (slash == std::string::npos) break;
    pos = slash + 1;
  }
  std::filesystem::path file = root / relative;
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) file /= "index.html";
  return file;
}

bool host_allowed(const std::string& host_header, int port,
                  const std::vector<std::string>& extra_hosts) {
  // RFC 9110 §7.2: Host = uri-host [ ":" port ], an authority without user information.
  const auto authority = boost::urls::parse_authority(host_header);
  if (!authority || authority->has_userinfo()) return false;
  const std::string_view port_text = authority->port();
  if (port_text.empty() ? port != 80 : port_text != std::to_string(port)) return false;
  std::string host(authority->encoded_host());  // "[::1]" keeps its brackets
  for (char& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (host == "127.0.0.1" || host == "localhost" || host == "[::1]") return true;
  for (std::string extra : extra_hosts) {
    for (char& c : extra) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (host == extra || host == "[" + extra + "]") return true;
  }
  return false;
}

namespace {

// The origin-form target ("/path?query") into the decoded path and the query (Boost.URL).
// Browsers send some characters RFC 3986 does not allow ('|', '{', '[' in a query); they are
// percent-encoded first, as in resolve_url. What is still not a target gets a path that
// map_url_path rejects (400).
void split_target(std::string_view target, ServerRequest& req) {
  auto parsed = boost::urls::parse_origin_form(target);
  std::string escaped;
  if (!parsed) {
    escaped = escape_url(target);
    parsed = boost::urls::parse_origin_form(escaped);
  }
  if (!parsed) {
    req.path = "\x01";
    return;
  }
  req.path = parsed->path();
  req.query = parsed->encoded_query();
}

}  // namespace

struct PageServer::Impl : std::enable_shared_from_this<PageServer::Impl> {
  std::filesystem::path root;
  // Several threads: a route handler may hold its reply (page-mode beacons wait for the
  // harness's checkpoint) while other connections keep being served.
  explicit Impl(int threads) : thread_count(threads), ioc{threads} {}
  int thread_count;
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::vector<std::thread> threads;
  int port = 0;
  std::string address;
  std::mutex routes_mutex;
  std::map<std::string, RouteHandler> routes;
  std::vector<std::pair<std::string, RouteHandler>> prefix_routes;  // under routes_mutex
  std::vector<std::string> allowed_hosts;  // under routes_mutex
  std::atomic<std::uint64_t> served{0};
  struct Session;
  std::mutex sessions_mutex;
  std::vector<std::weak_ptr<Session>> sessions;  // to close them at shut-down

  ServerReply handle(const ServerRequest& request, const std::string& host_header) {
    RouteHandler route;
    {
      std::lock_guard lock(routes_mutex);
      if (!host_allowed(host_header, port, allowed_hosts)) {
        return {421, "text/plain; charset=utf-8",
                fmt::format("misdirected request: this server answers for 127.0.0.1, localhost "
                            "and [::1] at port {} only, not for Host '{}'\n",
                            port, host_header)};
      }
      auto it = routes.find(request.path);
      if (it != routes.end()) {
        route = it->second;
      } else {
        for (const auto& [prefix, handler] : prefix_routes) {
          if (request.path.rfind(prefix, 0) == 0) {
            route = handler;
            break;
          }
        }
      }
    }
    if (route) return route(request);
    if (request.method != "GET" && request.method != "HEAD") {
      return {405, "text/plain; charset=utf-8", "method not allowed\n"};
    }
    auto file = map_url_path(root, request.path);
    if (!file) return {400, "text/plain; charset=utf-8", "bad path\n"};
    std::ifstream in(*file, std::ios::binary);
    if (!in) return {404, "text/plain; charset=utf-8", "not found: " + request.path + "\n"};
    std::ostringstream body;
    body << in.rdbuf();
    return {200, content_type_for(*file), body.str()};
  }

  void accept() {
    acceptor.async_accept(asio::make_strand(ioc), [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
      if (ec) return;  // acceptor closed
      auto session = std::make_shared<Session>(self, std::move(socket));
      {
        std::lock_guard lock(self->sessions_mutex);
        self->sessions.push_back(session);
      }
      session->read();
      self->accept();
    });
  }

  // Ends every pending operation, so that the threads run out of work and no handler is left
  // holding this Impl (a handler left in a stopped io_context would keep it, and the io_context
  // inside it, alive for ever: a cycle the sanitizer reports as a leak).
  void shut_down() {
    beast::error_code ec;
    acceptor.close(ec);
    std::lock_guard lock(sessions_mutex);
    for (auto& weak : sessions) {
      if (auto session = weak.lock()) {
        asio::post(session->stream.get_executor(), [session] {
          beast::error_code ignored;
          session->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
          session->stream.close();
        });
      }
    }
    sessions.clear();
  }

  struct Session : std::enable_shared_from_this<Session> {
    Session(std::shared_ptr<Impl> server, tcp::socket socket)
        : server(std::move(server)), stream(std::move(socket)) {}
    std::shared_ptr<Impl> server;
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
    std::optional<http::request_parser<http::string_body>> parser;
    http::request<http::string_body> request;
    http::response<http::string_body> response;

    void read() {
      parser.emplace();
      parser->body_limit(kMaxBodyBytes);
      parser->header_limit(8 * 1024);
      stream.expires_after(std::chrono::seconds(60));
      http::async_read(stream, buffer, *parser,
                       [self = shared_from_this()](beast::error_code ec, std::size_t) {
                         if (ec == http::error::body_limit) {
                           self->refuse(413, fmt::format("request body over {} bytes\n",
                                                         kMaxBodyBytes));
                         } else if (ec == http::error::header_limit) {
                           self->refuse(431, "request headers over 8 KiB\n");
                         } else if (!ec) {
                           self->request = self->parser->release();
                           self->respond();
                         }
                       });
    }

    // An answer to a request that was not read whole; the connection closes after it.
    void refuse(int status, const std::string& text) {
      response = {};
      response.version(11);
      response.result(static_cast<http::status>(status));
      response.set(http::field::server, "browser-harness");
      response.set(http::field::content_type, "text/plain; charset=utf-8");
      response.keep_alive(false);
      response.body() = text;
      response.prepare_payload();
      http::async_write(stream, response,
                        [self = shared_from_this()](beast::error_code, std::size_t) {
                          beast::error_code ignored;
                          self->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
                        });
    }

    void respond() {
      ServerRequest req;
      req.method = std::string(request.method_string());
      split_target(request.target(), req);
      req.body = request.body();
      req.authorization = std::string(request[http::field::authorization]);
      ServerReply reply = server->handle(req, std::string(request[http::field::host]));
      server->served++;
      response = {};
      response.version(request.version());
      response.result(static_cast<http::status>(reply.status));
      response.set(http::field::server, "browser-harness");
      response.set(http::field::content_type, reply.content_type);
      response.set(http::field::cache_control, "no-store");
      response.keep_alive(request.keep_alive());
      if (request.method() != http::verb::head) response.body() = std::move(reply.body);
      response.prepare_payload();
      http::async_write(stream, response,
                        [self = shared_from_this()](beast::error_code ec, std::size_t) {
                          if (ec) return;
                          if (self->response.keep_alive()) self->read();
                          else {
                            beast::error_code ignored;
                            self->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
                          }
                        });
    }
  };
};

PageServer::PageServer(std::filesystem::path root, std::string bind_address, int port,
                       int threads)
    : impl_(std::make_shared<Impl>(std::max(1, threads))) {
  std::error_code fs_ec;
  if (!std::filesystem::is_directory(root, fs_ec)) {
    throw EnvironmentError(fmt::format("cannot serve '{}': not a folder", root.string()));
  }
  impl_->root = std::filesystem::canonical(root);
  impl_->address = bind_address;
  beast::error_code ec;
  const auto address = asio::ip::make_address(bind_address, ec);
  if (ec) throw EnvironmentError(fmt::format("bad bind address '{}'", bind_address));
  tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(endpoint, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    throw EnvironmentError(
        fmt::format("cannot listen on {}:{}: {}", bind_address, port, ec.message()));
  }
  impl_->port = impl_->acceptor.local_endpoint().port();
  // Bound to one specific address (a lab network): requests naming it are ours too. A wildcard
  // bind (0.0.0.0) names no host: the caller allows the names it is reached by (allow_host).
  if (!address.is_loopback() && !address.is_unspecified()) impl_->allowed_hosts.push_back(bind_address);
  impl_->accept();
  for (int i = 0; i < impl_->thread_count; ++i) {
    impl_->threads.emplace_back([impl = impl_] { impl->ioc.run(); });
  }
}

PageServer::~PageServer() {
  asio::post(impl_->ioc, [impl = impl_] { impl->shut_down(); });
  // The threads return once every operation has ended; a route handler that still holds its
  // reply (a page-mode beacon) is given a moment, then the io_context is stopped.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (!impl_->ioc.stopped() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  impl_->ioc.stop();
  for (auto& t : impl_->threads) {
    if (t.joinable()) t.join();
  }
  // Whatever was still queued (after a forced stop) is run to its end here, releasing the
  // handlers' hold on impl_.
  impl_->ioc.restart();
  impl_->ioc.poll();
}

int PageServer::port() const { return impl_->port; }

std::string PageServer::base_url() const {
  return fmt::format("http://{}:{}/", impl_->address, impl_->port);
}

void PageServer::add_route(const std::string& path, RouteHandler handler) {
  std::lock_guard lock(impl_->routes_mutex);
  impl_->routes[path] = std::move(handler);
}

void PageServer::add_prefix_route(const std::string& prefix, RouteHandler handler) {
  std::lock_guard lock(impl_->routes_mutex);
  impl_->prefix_routes.emplace_back(prefix, std::move(handler));
}

void PageServer::allow_host(const std::string& host) {
  std::lock_guard lock(impl_->routes_mutex);
  impl_->allowed_hosts.push_back(host);
}

std::uint64_t PageServer::requests_served() const { return impl_->served.load(); }

}  // namespace harness
