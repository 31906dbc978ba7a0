// A small synchronous HTTP/1.1 client over Boost.Beast for the WebDriver wire protocol and the
// DevTools HTTP endpoints: one keep-alive connection, a deadline per request.
#pragma once

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

namespace harness {

struct HttpResponse {
  int status = 0;
  std::string body;
};

// The connection failed or timed out (as opposed to an HTTP error status, which is a response).
class HttpError : public std::runtime_error {
 public:
  HttpError(const std::string& message, bool timed_out)
      : std::runtime_error(message), timed_out_(timed_out) {}
  bool timed_out() const { return timed_out_; }

 private:
  bool timed_out_;
};

class HttpClient {
 public:
  HttpClient(std::string host, int port);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request (JSON body if not empty) and waits for the whole response. Reconnects once
  // when a kept-alive connection turns out to be closed. Throws HttpError.
  HttpResponse request(const std::string& method, const std::string& target,
                       const std::string& body, std::chrono::milliseconds timeout);

  // A header sent with every request (the agent's "Authorization: Bearer <token>").
  void set_header(std::string name, std::string value);

  const std::string& host() const { return host_; }
  int port() const { return port_; }

 private:
  struct Impl;
  std::string host_;
  int port_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace harness
