#include "harness/report/html_markup.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/url/encode.hpp>
#include <boost/url/grammar/lut_chars.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <cctype>

namespace harness::html {

std::string esc(std::string_view text) { return escape_markup(text); }

namespace {

// Kept as they are in a link's path: RFC 3986's unreserved characters, '/', and the
// sub-delimiters run folder names hold ("chromium-retention=window,input=native", "a+b", "x@y");
// ':' only after a drive letter ("file:///C:/results"). Everything else is percent-encoded.
constexpr boost::urls::grammar::lut_chars kPathChars = boost::urls::unreserved_chars + "/=,@+";
constexpr boost::urls::grammar::lut_chars kDrivePathChars = kPathChars + ':';

}  // namespace

std::string href(const std::string& dir, const std::string& file) {
  std::string path = dir.empty() ? file : (file.empty() ? dir : dir + "/" + file);
  std::replace(path.begin(), path.end(), '\\', '/');
  const bool drive =
      path.size() >= 2 && std::isalpha(static_cast<unsigned char>(path[0])) && path[1] == ':';
  if (drive) return esc("file:///" + boost::urls::encode(path, kDrivePathChars));
  return esc(boost::urls::encode(path, kPathChars));
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
