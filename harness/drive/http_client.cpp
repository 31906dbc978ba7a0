#include "harness/drive/http_client.hpp"

#include <vector>

#include <fmt/format.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>

namespace harness {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

struct HttpClient::Impl {
  asio::io_context ioc;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  std::vector<std::pair<std::string, std::string>> headers;

  // Runs the pending operations to completion (or to their deadline) on this thread.
  void run() {
    ioc.restart();
    ioc.run();
  }
};

HttpClient::HttpClient(std::string host, int port)
    : host_(std::move(host)), port_(port), impl_(std::make_unique<Impl>()) {}

HttpClient::~HttpClient() {
  if (impl_->stream) {
    beast::error_code ec;
    impl_->stream->socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  }
}

void HttpClient::set_header(std::string name, std::string value) {
  impl_->headers.emplace_back(std::move(name), std::move(value));
}

HttpResponse HttpClient::request(const std::string& method, const std::string& target,
                                 const std::string& body, std::chrono::milliseconds timeout) {
  http::request<http::string_body> req;
  req.method(http::string_to_verb(method));
  req.target(target);
  req.version(11);
  req.set(http::field::host, fmt::format("{}:{}", host_, port_));
  req.set(http::field::user_agent, "browser-harness");
  for (const auto& [name, value] : impl_->headers) req.set(name, value);
  req.keep_alive(true);
  if (!body.empty() || method == "POST") {
    req.set(http::field::content_type, "application/json; charset=utf-8");
    req.body() = body;
  }
  req.prepare_payload();

  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool fresh = !impl_->stream.has_value();
    beast::error_code ec;
    if (fresh) {
      impl_->stream.emplace(impl_->ioc);
      asio::ip::tcp::resolver resolver(impl_->ioc);
      auto endpoints = resolver.resolve(host_, std::to_string(port_), ec);
      if (!ec) {
        impl_->stream->expires_after(timeout);
        impl_->stream->async_connect(endpoints, [&](beast::error_code e, const auto&) { ec = e; });
        impl_->run();
      }
      if (ec) {
        impl_->stream.reset();
        throw HttpError(fmt::format("cannot connect to {}:{}: {}", host_, port_, ec.message()),
                        ec == beast::error::timeout);
      }
    }
    // One deadline for the whole exchange: beast::tcp_stream closes the socket when it passes
    // and the pending operation ends with beast::error::timeout.
    impl_->stream->expires_after(timeout);
    http::response_parser<http::string_body> parser;
    parser.body_limit(512u * 1024 * 1024);  // screenshots and heap data can be large
    http::async_write(*impl_->stream, req, [&](beast::error_code e, std::size_t) {
      ec = e;
      if (ec) return;
      http::async_read(*impl_->stream, impl_->buffer, parser,
                       [&](beast::error_code e2, std::size_t) { ec = e2; });
    });
    impl_->run();
    if (ec) {
      impl_->stream.reset();
      impl_->buffer.clear();
      const bool timed_out = ec == beast::error::timeout;
      // A kept-alive connection the server closed: try once more on a new one.
      if (!fresh && !timed_out && attempt == 0) continue;
      throw HttpError(timed_out ? fmt::format("{} {} timed out after {} ms", method, target,
                                              timeout.count())
                                : fmt::format("{} {} failed: {}", method, target, ec.message()),
                      timed_out);
    }
    impl_->stream->expires_never();
    http::response<http::string_body> res = parser.release();
    if (!res.keep_alive()) {
      impl_->stream.reset();
      impl_->buffer.clear();
    }
    return HttpResponse{static_cast<int>(res.result_int()), std::move(res.body())};
  }
  throw HttpError("unreachable", false);
}

}  // namespace harness
