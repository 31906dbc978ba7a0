#include "tools/ietab/page_query.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace ietab {

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A knob's value as a whole number text: "32", "0.25"; nullopt for "", "32MB", "nan".
std::optional<double> number(const std::string& text) {
  if (text.empty()) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (errno != 0 || end != text.c_str() + text.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

}  // namespace

std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex_digit(text[i + 1]) >= 0 &&
        hex_digit(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(text[i + 1]) * 16 + hex_digit(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::optional<std::string> query_param(std::string_view url, std::string_view name) {
  const auto question = url.find('?');
  if (question == std::string_view::npos) return std::nullopt;
  std::string_view query = url.substr(question + 1);
  query = query.substr(0, query.find('#'));
  while (true) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (percent_decode(pair.substr(0, eq)) == name) {
      if (eq == std::string_view::npos) return std::string();
      std::string value(pair.substr(eq + 1));
      for (char& c : value) {
        if (c == '+') c = ' ';
      }
      return percent_decode(value);
    }
    if (amp == std::string_view::npos) return std::nullopt;
    query.remove_prefix(amp + 1);
  }
}

std::optional<PageQuery> parse_page_query(std::string_view url, std::string* error) {
  PageQuery q;
  q.beacon_url = query_param(url, "harness_beacon").value_or("");
  if (const auto w = query_param(url, "harness_warmup")) {
    // parseInt(text, 10) || 0: a leading integer, anything else 0; the page runs -warmup..-1
    // only when it is positive.
    const long v = std::strtol(w->c_str(), nullptr, 10);
    q.warmup = v > 0 && v < 1'000'000 ? static_cast<int>(v) : 0;
  }
  auto fail = [&](const std::string& name, const std::string& value, const char* why) {
    if (error) *error = name + "=" + value + ": " + why;
    return std::nullopt;
  };
  // Each knob: present and valid, or absent; a present but invalid one stops the tab.
  auto knob = [&](const char* name, double min, double max, const char* why,
                  std::optional<double>& into) -> bool {
    const auto text = query_param(url, name);
    if (!text) return true;
    const auto v = number(*text);
    if (!v || *v < min || *v > max) {
      fail(name, *text, why);
      return false;
    }
    into = *v;
    return true;
  };
  std::optional<double> pace;
  if (!knob("ietab_region_mb", 0.0625, 1024 * 1024, "not a number of MB from 0.0625 (64 KiB) up",
            q.region_mb) ||
      !knob("ietab_retain", 0, 1, "not a share between 0 and 1", q.retain) ||
      !knob("ietab_transient_mb", 0, 1024 * 1024, "not a number of MB, 0 or more", q.transient_mb) ||
      !knob("ietab_pace_ms", 0, 3'600'000, "not a number of ms from 0 to 3600000", pace)) {
    return std::nullopt;
  }
  if (pace) q.pace_ms = static_cast<int>(*pace);
  if (const auto layout = query_param(url, "ietab_layout")) {
    if (*layout == "fragmenting") q.fragmenting = true;
    else if (*layout == "compact") q.fragmenting = false;
    else return fail("ietab_layout", *layout, "not fragmenting or compact");
  }
  return q;
}

}  // namespace ietab
