#include "tools/ietab/beacon.hpp"

#include <nlohmann/json.hpp>

#include <string_view>
#include <vector>

namespace ietab {

namespace {

std::wstring wide(std::string_view s) {
  if (s.empty()) return {};
  const int n = ::MultiByteToWideChar(CP_UTF8, 0, s.data(), static_cast<int>(s.size()), nullptr, 0);
  std::wstring out(static_cast<std::size_t>(n), L'\0');
  ::MultiByteToWideChar(CP_UTF8, 0, s.data(), static_cast<int>(s.size()), out.data(), n);
  return out;
}

// WinHTTP's errors by name (FormatMessage needs winhttp.dll's message table, which Wine lacks).
std::string describe_winhttp_error(const char* call, DWORD error) {
  const char* name = nullptr;
  switch (error) {
    case ERROR_WINHTTP_TIMEOUT: name = "timed out"; break;
    case ERROR_WINHTTP_CANNOT_CONNECT: name = "cannot connect"; break;
    case ERROR_WINHTTP_CONNECTION_ERROR: name = "the connection was reset or closed"; break;
    case ERROR_WINHTTP_NAME_NOT_RESOLVED: name = "the host name cannot be resolved"; break;
    case ERROR_WINHTTP_INVALID_SERVER_RESPONSE: name = "not an HTTP response"; break;
    case ERROR_WINHTTP_OPERATION_CANCELLED: name = "cancelled"; break;
    case ERROR_WINHTTP_SECURE_FAILURE: name = "TLS failure"; break;
    default: break;
  }
  return std::string(call) + " failed: " + (name ? name : "error") + " (error " +
         std::to_string(error) + ")";
}

}  // namespace

struct BeaconClient::Handles {
  HINTERNET session = nullptr, connection = nullptr;
  std::wstring path;  // path and query, "/__harness/beacon?token=..."
  bool secure = false;
  ~Handles() {
    if (connection) ::WinHttpCloseHandle(connection);
    if (session) ::WinHttpCloseHandle(session);
  }
};

std::optional<BeaconClient> BeaconClient::open(const std::string& url, std::string* error) {
  auto fail = [&](const std::string& why) {
    if (error) *error = why;
    return std::nullopt;
  };
  const std::wstring wurl = wide(url);
  URL_COMPONENTS parts{};
  parts.dwStructSize = sizeof parts;
  // -1: point into wurl instead of copying.
  parts.dwSchemeLength = parts.dwHostNameLength = parts.dwUrlPathLength =
      parts.dwExtraInfoLength = static_cast<DWORD>(-1);
  if (!::WinHttpCrackUrl(wurl.c_str(), static_cast<DWORD>(wurl.size()), 0, &parts) ||
      (parts.nScheme != INTERNET_SCHEME_HTTP && parts.nScheme != INTERNET_SCHEME_HTTPS) ||
      parts.dwHostNameLength == 0) {
    return fail("'" + url + "' is not an http:// URL");
  }
  auto h = std::make_shared<Handles>();
  h->secure = parts.nScheme == INTERNET_SCHEME_HTTPS;
  h->path.assign(parts.lpszUrlPath, parts.dwUrlPathLength);
  if (h->path.empty()) h->path = L"/";
  // The extra info is the query and any fragment; a fragment is not sent.
  std::wstring extra(parts.lpszExtraInfo, parts.dwExtraInfoLength);
  h->path += extra.substr(0, extra.find(L'#'));
  const std::wstring host(parts.lpszHostName, parts.dwHostNameLength);
  // No proxy: the harness's server is on this machine or the lab's own network, as IE's
  // loopback and intranet bypass would have it.
  h->session = ::WinHttpOpen(L"synthetic-IE-tab/1.0", WINHTTP_ACCESS_TYPE_NO_PROXY,
                             WINHTTP_NO_PROXY_NAME, WINHTTP_NO_PROXY_BYPASS, 0);
  if (!h->session) return fail(describe_winhttp_error("WinHttpOpen", ::GetLastError()));
  // Resolve and connect: WinHTTP's defaults (none, 60 s); send: 60 s for a small body; receive:
  // the reply may be held for minutes (kReplyWait), where WinHTTP's defaults give up after 30 s
  // (receive) and 90 s (response headers) on Windows.
  const int wait_ms = static_cast<int>(std::chrono::milliseconds(kReplyWait).count());
  if (!::WinHttpSetTimeouts(h->session, 0, 60'000, 60'000, wait_ms)) {
    return fail(describe_winhttp_error("WinHttpSetTimeouts", ::GetLastError()));
  }
  DWORD response_wait = static_cast<DWORD>(wait_ms);
  if (!::WinHttpSetOption(h->session, WINHTTP_OPTION_RECEIVE_RESPONSE_TIMEOUT, &response_wait,
                          sizeof response_wait)) {
    return fail(describe_winhttp_error("WinHttpSetOption(RECEIVE_RESPONSE_TIMEOUT)", ::GetLastError()));
  }
  h->connection = ::WinHttpConnect(h->session, host.c_str(), parts.nPort, 0);
  if (!h->connection) return fail(describe_winhttp_error("WinHttpConnect", ::GetLastError()));
  BeaconClient client;
  client.handles_ = std::move(h);
  return client;
}

BeaconResult BeaconClient::post(const std::string& json_body) {
  using Kind = BeaconResult::Kind;
  HINTERNET request = ::WinHttpOpenRequest(
      handles_->connection, L"POST", handles_->path.c_str(), nullptr, WINHTTP_NO_REFERER,
      WINHTTP_DEFAULT_ACCEPT_TYPES, handles_->secure ? WINHTTP_FLAG_SECURE : 0);
  if (!request) return {Kind::kUnreachable, describe_winhttp_error("WinHttpOpenRequest", ::GetLastError())};
  struct Closer {
    HINTERNET h;
    ~Closer() { ::WinHttpCloseHandle(h); }
  } closer{request};

  const DWORD size = static_cast<DWORD>(json_body.size());
  if (!::WinHttpSendRequest(request, L"Content-Type: application/json\r\n", static_cast<DWORD>(-1),
                            const_cast<char*>(json_body.data()), size, size, 0)) {
    return {Kind::kUnreachable, describe_winhttp_error("WinHttpSendRequest", ::GetLastError())};
  }
  if (!::WinHttpReceiveResponse(request, nullptr)) {
    return {Kind::kUnreachable, describe_winhttp_error("WinHttpReceiveResponse", ::GetLastError())};
  }
  DWORD status = 0, status_size = sizeof status;
  if (!::WinHttpQueryHeaders(request, WINHTTP_QUERY_STATUS_CODE | WINHTTP_QUERY_FLAG_NUMBER,
                             WINHTTP_HEADER_NAME_BY_INDEX, &status, &status_size,
                             WINHTTP_NO_HEADER_INDEX)) {
    return {Kind::kRejected, describe_winhttp_error("WinHttpQueryHeaders", ::GetLastError())};
  }
  std::string body;
  for (;;) {
    DWORD available = 0;
    if (!::WinHttpQueryDataAvailable(request, &available)) {
      return {Kind::kUnreachable, describe_winhttp_error("WinHttpQueryDataAvailable", ::GetLastError())};
    }
    if (available == 0) break;
    std::vector<char> chunk(available);
    DWORD read = 0;
    if (!::WinHttpReadData(request, chunk.data(), available, &read)) {
      return {Kind::kUnreachable, describe_winhttp_error("WinHttpReadData", ::GetLastError())};
    }
    if (read == 0) break;
    body.append(chunk.data(), read);
    if (body.size() > 64 * 1024) break;  // a reply is a few bytes; more is not the harness
  }
  // As the page reads it: go on only on 200 with "continue": true.
  const auto reply = nlohmann::json::parse(body, nullptr, false);
  const std::string shown = body.substr(0, 200);
  if (status != 200 || !reply.is_object()) {
    return {Kind::kRejected, "HTTP " + std::to_string(status) + " " + shown};
  }
  if (reply.contains("continue") && reply["continue"] == true) return {Kind::kContinue, shown};
  if (reply.contains("stop") && reply["stop"] == true) return {Kind::kStop, shown};
  return {Kind::kRejected, "HTTP 200 with neither continue nor stop: " + shown};
}

}  // namespace ietab
