#include "harness/serve/page_server.hpp"

#include <fmt/format.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/decode_view.hpp>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "harness/error.hpp"

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

struct PageServer::Impl : std::enable_shared_from_this<PageServer::Impl> {
  std::filesystem::path root;
  // Several threads: a route handler may hold its reply (page-mode beacons wait for the
  // harness's checkpoint) while other connections keep being served.
  static constexpr int kThreads = 4;
  asio::io_context ioc{kThreads};
  tcp::acceptor acceptor{ioc};
  std::vector<std::thread> threads;
  int port = 0;
  std::string address;
  std::mutex routes_mutex;
  std::map<std::string, RouteHandler> routes;
  std::atomic<std::uint64_t> served{0};

  ServerReply handle(const ServerRequest& request) {
    RouteHandler route;
    {
      std::lock_guard lock(routes_mutex);
      auto it = routes.find(request.path);
      if (it != routes.end()) route = it->second;
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
      std::make_shared<Session>(self, std::move(socket))->read();
      self->accept();
    });
  }

  struct Session : std::enable_shared_from_this<Session> {
    Session(std::shared_ptr<Impl> server, tcp::socket socket)
        : server(std::move(server)), stream(std::move(socket)) {}
    std::shared_ptr<Impl> server;
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    http::response<http::string_body> response;

    void read() {
      request = {};
      stream.expires_after(std::chrono::seconds(60));
      http::async_read(stream, buffer, request,
                       [self = shared_from_this()](beast::error_code ec, std::size_t) {
                         if (ec) return;
                         self->respond();
                       });
    }

    void respond() {
      ServerRequest req;
      req.method = std::string(request.method_string());
      const std::string target(request.target());
      const auto q = target.find('?');
      const std::string raw_path = target.substr(0, q);
      req.query = q == std::string::npos ? "" : target.substr(q + 1);
      req.body = request.body();
      try {
        boost::urls::decode_view decoded(raw_path);
        req.path.assign(decoded.begin(), decoded.end());
      } catch (const std::exception&) {
        req.path = "\x01";  // malformed escape: map_url_path rejects it
      }
      ServerReply reply = server->handle(req);
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

PageServer::PageServer(std::filesystem::path root, std::string bind_address, int port)
    : impl_(std::make_shared<Impl>()) {
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
  impl_->accept();
  for (int i = 0; i < Impl::kThreads; ++i) {
    impl_->threads.emplace_back([impl = impl_] { impl->ioc.run(); });
  }
}

PageServer::~PageServer() {
  asio::post(impl_->ioc, [impl = impl_] {
    beast::error_code ec;
    impl->acceptor.close(ec);
    impl->ioc.stop();
  });
  for (auto& t : impl_->threads) {
    if (t.joinable()) t.join();
  }
}

int PageServer::port() const { return impl_->port; }

std::string PageServer::base_url() const {
  return fmt::format("http://{}:{}/", impl_->address, impl_->port);
}

void PageServer::add_route(const std::string& path, RouteHandler handler) {
  std::lock_guard lock(impl_->routes_mutex);
  impl_->routes[path] = std::move(handler);
}

std::uint64_t PageServer::requests_served() const { return impl_->served.load(); }

}  // namespace harness
