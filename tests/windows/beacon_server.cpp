#include "tests/windows/beacon_server.hpp"

#include <ws2tcpip.h>

#include <fmt/format.h>

#include <cctype>
#include <stdexcept>

namespace harness::testing {

namespace {

struct WinsockStartup {
  WinsockStartup() {
    WSADATA data;
    if (::WSAStartup(MAKEWORD(2, 2), &data) != 0) throw std::runtime_error("WSAStartup failed");
  }
};

void ensure_winsock() { static WinsockStartup once; }

SOCKET listen_on_loopback(int* port) {
  ensure_winsock();
  SOCKET s = ::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  if (s == INVALID_SOCKET) throw std::runtime_error(fmt::format("socket: {}", ::WSAGetLastError()));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  int size = sizeof a;
  if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(s, 4) != 0 ||
      ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &size) != 0) {
    const int error = ::WSAGetLastError();
    ::closesocket(s);
    throw std::runtime_error(fmt::format("cannot listen on 127.0.0.1: error {}", error));
  }
  *port = ntohs(a.sin_port);
  return s;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The value of header `name` (lower case) in a request head, "" when absent.
std::string header(const std::string& head, const std::string& name) {
  std::size_t at = head.find("\r\n");
  while (at != std::string::npos && at + 2 < head.size()) {
    const std::size_t end = head.find("\r\n", at + 2);
    const std::string line = head.substr(at + 2, end == std::string::npos ? end : end - at - 2);
    const std::size_t colon = line.find(':');
    if (colon != std::string::npos && lower(line.substr(0, colon)) == name) {
      const std::size_t v = line.find_first_not_of(" \t", colon + 1);
      return v == std::string::npos ? "" : line.substr(v);
    }
    at = end;
  }
  return "";
}

const char* reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    default: return "Status";
  }
}

}  // namespace

BeaconServer::BeaconServer() : listener_(listen_on_loopback(&port_)), thread_([this] { serve(); }) {}

BeaconServer::~BeaconServer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  ::closesocket(listener_);  // ends the accept() the server thread waits in
  thread_.join();
}

std::string BeaconServer::beacon_url(const std::string& token) const {
  return fmt::format("http://127.0.0.1:{}/__harness/beacon?token={}", port_, token);
}

std::optional<ReceivedRequest> BeaconServer::wait(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  if (!cv_.wait_for(lock, timeout, [&] { return !received_.empty(); })) return std::nullopt;
  ReceivedRequest r = std::move(received_.front());
  received_.pop_front();
  return r;
}

void BeaconServer::reply(int status, const std::string& json_body) {
  {
    std::lock_guard lock(mutex_);
    reply_ = {status, json_body};
  }
  cv_.notify_all();
}

void BeaconServer::serve() {
  for (;;) {
    const SOCKET s = ::accept(listener_, nullptr, nullptr);
    if (s == INVALID_SOCKET) return;  // closed by the destructor
    answer(s);
    ::closesocket(s);
    std::lock_guard lock(mutex_);
    if (stopping_) return;
  }
}

void BeaconServer::answer(SOCKET s) {
  std::string data;
  char buffer[4096];
  std::size_t head_end = std::string::npos;
  while ((head_end = data.find("\r\n\r\n")) == std::string::npos) {
    const int n = ::recv(s, buffer, sizeof buffer, 0);
    if (n <= 0 || data.size() > 64 * 1024) return;
    data.append(buffer, static_cast<std::size_t>(n));
  }
  const std::string head = data.substr(0, head_end);
  std::string body = data.substr(head_end + 4);
  const std::size_t length = std::strtoul(header(head, "content-length").c_str(), nullptr, 10);
  while (body.size() < length) {
    const int n = ::recv(s, buffer, sizeof buffer, 0);
    if (n <= 0) return;
    body.append(buffer, static_cast<std::size_t>(n));
  }
  ReceivedRequest r;
  const std::string request_line = head.substr(0, head.find("\r\n"));
  const std::size_t sp1 = request_line.find(' '), sp2 = request_line.rfind(' ');
  r.method = request_line.substr(0, sp1);
  r.target = sp2 > sp1 ? request_line.substr(sp1 + 1, sp2 - sp1 - 1) : "";
  r.content_type = header(head, "content-type");
  r.body = body.substr(0, length);

  std::pair<int, std::string> answer;
  {
    std::unique_lock lock(mutex_);
    reply_.reset();
    received_.push_back(std::move(r));
    cv_.notify_all();
    cv_.wait(lock, [&] { return reply_.has_value() || stopping_; });
    if (!reply_) return;
    answer = *reply_;
    reply_.reset();
  }
  const std::string out = fmt::format(
      "HTTP/1.1 {} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: "
      "close\r\n\r\n{}",
      answer.first, reason(answer.first), answer.second.size(), answer.second);
  ::send(s, out.data(), static_cast<int>(out.size()), 0);
  ::shutdown(s, SD_SEND);
}

int unused_loopback_port() {
  int port = 0;
  ::closesocket(listen_on_loopback(&port));
  return port;
}

std::string query_encode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

}  // namespace harness::testing
