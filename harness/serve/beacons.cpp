#include "harness/serve/beacons.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <random>

#include "harness/scenario/variants.hpp"

namespace harness {

std::optional<Beacon> parse_beacon(const std::string& body) {
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("phase")) return std::nullopt;
  Beacon b;
  b.phase = j.value("phase", "");
  if (b.phase != "ready" && b.phase != "iteration") return std::nullopt;
  b.iteration = j.value("iteration", 0);
  b.ok = j.value("ok", true);
  if (j.contains("error") && j["error"].is_string()) b.error = j["error"];
  b.page_ms = j.value("page_ms", 0.0);
  return b;
}

ServerReply BeaconChannel::handle(const ServerRequest& request) {
  if (request.method != "POST") return {405, "text/plain", "POST a beacon\n"};
  auto beacon = parse_beacon(request.body);
  if (!beacon) return {400, "text/plain", "not a beacon\n"};
  std::unique_lock lock(mutex_);
  if (closed_) return {200, "application/json", R"({"stop":true})"};
  if (request.query != "token=" + token_) return {403, "text/plain", "not this run's beacon\n"};
  received_.push_back(*beacon);
  const std::uint64_t ticket = ++held_;
  cv_.notify_all();
  const bool answered =
      cv_.wait_for(lock, kReplyTimeout, [&] { return released_ >= ticket || closed_; });
  const bool go_on = answered && !closed_ && go_on_;
  return {200, "application/json", go_on ? R"({"continue":true})" : R"({"stop":true})"};
}

std::optional<Beacon> BeaconChannel::wait(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  if (!cv_.wait_for(lock, timeout, [&] { return !received_.empty(); })) return std::nullopt;
  Beacon b = received_.front();
  received_.pop_front();
  return b;
}

void BeaconChannel::reply(bool go_on) {
  std::lock_guard lock(mutex_);
  go_on_ = go_on;
  released_ = held_;
  cv_.notify_all();
}

void BeaconChannel::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  released_ = held_;
  received_.clear();
  cv_.notify_all();
}

std::string BeaconChannel::token() {
  std::lock_guard lock(mutex_);
  return token_;
}

std::string BeaconChannel::beacon_url(const std::string& base_url) {
  return resolve_url(base_url, kBeaconPath) + "?token=" + token();
}

void BeaconChannel::open() {
  std::random_device random;
  std::lock_guard lock(mutex_);
  token_ = fmt::format("{:08x}{:08x}{:08x}{:08x}", random(), random(), random(), random());
  closed_ = false;
  go_on_ = true;
  received_.clear();
  released_ = held_;
}

}  // namespace harness
