// The embedded HTTP server for pages/: static files from one folder, plus exact-path routes
// (page-mode beacons). Binds 127.0.0.1 at an ephemeral port unless told otherwise; a few
// background threads; every response carries Cache-Control: no-store so each iteration really
// loads its frame.
//
// Hardened for a browser that also visits other sites: only requests whose Host header names
// this server — 127.0.0.1, localhost or [::1] with its port, plus hosts allowed explicitly (a
// lab VM reaching `harness serve --bind`) — are served; any other Host gets 421 Misdirected
// Request, which defeats DNS rebinding (a hostile page whose name resolves to 127.0.0.1 still
// sends its own name). A request body over kMaxBodyBytes gets 413, headers over 8 KiB 431.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <memory>
#include <string>
#include <vector>

namespace harness {

struct ServerRequest {
  std::string method;
  std::string path;   // decoded, without the query
  std::string query;  // as sent (what RFC 3986 disallows percent-encoded), without '?'
  std::string body;
  std::string authorization;  // the Authorization header (harness agent: "Bearer <token>")
};

struct ServerReply {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

// Called on a server thread (several run at once); must be thread-safe with the rest of the
// caller's code. It may block to hold its reply.
using RouteHandler = std::function<ServerReply(const ServerRequest&)>;

class PageServer {
 public:
  // Throws EnvironmentError when the folder is missing or the address cannot be bound.
  // `threads`: connections served at once (a route may hold its reply: beacons, the agent's
  // long polls).
  explicit PageServer(std::filesystem::path root, std::string bind_address = "127.0.0.1",
                      int port = 0, int threads = 4);
  ~PageServer();
  PageServer(const PageServer&) = delete;
  PageServer& operator=(const PageServer&) = delete;

  int port() const;
  // "http://127.0.0.1:<port>/"
  std::string base_url() const;
  // Adds a handler for one exact path ("/__harness/beacon"); routes win over files.
  void add_route(const std::string& path, RouteHandler handler);
  // Adds a handler for every path that starts with `prefix` and has no exact route; files are
  // then never served under it.
  void add_prefix_route(const std::string& prefix, RouteHandler handler);
  // Also serve requests whose Host header names `host` (a name or address, without the port).
  void allow_host(const std::string& host);
  // Requests answered so far (for tests and the console).
  std::uint64_t requests_served() const;

  static constexpr std::size_t kMaxBodyBytes = 1 << 20;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// Whether a Host header value ("127.0.0.1:8080", "[::1]:8080", "LocalHost:8080") names a
// loopback host or one of `extra_hosts` at `port`; without a port it must be 80.
bool host_allowed(const std::string& host_header, int port,
                  const std::vector<std::string>& extra_hosts = {});

// Content type for a file name, by extension.
std::string content_type_for(const std::filesystem::path& file);

// Maps a URL path to a file under root, or nullopt when it escapes root or is malformed.
// "/" and folders map to index.html.
std::optional<std::filesystem::path> map_url_path(const std::filesystem::path& root,
                                                  const std::string& decoded_path);

}  // namespace harness
