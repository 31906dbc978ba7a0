#include "harness/report/html_markup.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace harness::html {

std::string esc(std::string_view text) { return escape_markup(text); }

std::string href(const std::string& dir, const std::string& file) {
  std::string path = dir.empty() ? file : (file.empty() ? dir : dir + "/" + file);
  std::replace(path.begin(), path.end(), '\\', '/');
  std::string prefix;
  if (path.size() >= 2 && std::isalpha(static_cast<unsigned char>(path[0])) && path[1] == ':') {
    prefix = "file:///";
  }
  std::string out;
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/' || c == '=' ||
        c == ',' || c == '@' || c == '+' || (c == ':' && !prefix.empty())) {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return esc(prefix + out);
}

std::string link(const std::string& dir, const std::string& file, const std::string& text) {
  return fmt::format("<a href=\"{}\">{}</a>", href(dir, file), esc(text));
}

std::string verdict_badge(const std::optional<Verdict>& verdict) {
  if (!verdict) return "<span class=\"badge v-insufficient\">no verdict</span>";
  const char* name = verdict_name(verdict->kind);
  return fmt::format("<span class=\"badge v-{0}\">{0}</span>", name);
}

std::string verdict_badge(const std::string& name) {
  if (verdict_from_name(name)) return fmt::format("<span class=\"badge v-{0}\">{0}</span>", name);
  return fmt::format("<span class=\"badge v-insufficient\">{}</span>",
                     esc(name.empty() ? "-" : name));
}

namespace {

const char* status_class(RunStatus status) {
  switch (status) {
    case RunStatus::kCompleted:
      return "s-ok";
    case RunStatus::kStepFailed:
    case RunStatus::kCrashed:
    case RunStatus::kCeilingReached:
    case RunStatus::kHung:
    case RunStatus::kError:
      return "s-fail";
    case RunStatus::kRunning:
    case RunStatus::kInterrupted:
      break;
  }
  return "s-other";
}

}  // namespace

std::string status_badge(RunStatus status) {
  return fmt::format("<span class=\"badge {}\">{}</span>", status_class(status),
                     status_name(status));
}

std::string change_badge(ChangeKind kind) {
  return fmt::format("<span class=\"badge c-{0}\">{0}</span>", change_name(kind));
}

std::string swatch(const std::string& color, LineStyle style) {
  const char* border = style == LineStyle::kDashed   ? "dashed"
                       : style == LineStyle::kDotted ? "dotted"
                                                     : "solid";
  return fmt::format("<span class=\"swatch\" style=\"border-top:3px {} {}\"></span>", border,
                     color);
}

}  // namespace harness::html
