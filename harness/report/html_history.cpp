#include "harness/report/html_history.hpp"

#include <fmt/format.h>

#include "harness/report/chart_specs.hpp"
#include "harness/report/html_markup.hpp"
#include "harness/report/report_text.hpp"

namespace harness::html {

void history_section(std::string& out, const std::vector<HistorySeries>& history) {
  out +=
      "<h2 id=\"history\">History</h2>\n<p class=\"note\">Slope and peak of each run across "
      "nights; red triangles mark a regression found by comparing with the previous night."
      "</p>\n";
  for (std::size_t i = 0; i < history.size(); ++i) {
    const HistorySeries& h = history[i];
    out += fmt::format("<h3>{}</h3>\n", esc(h.key));
    out += fmt::format("<div class=\"half\"><h4>Slope</h4><div class=\"chart\">{}</div></div>",
                       render_svg_chart(history_chart(h, i, HistoryValue::kSlope)));
    out +=
        fmt::format("<div class=\"half last\"><h4>Peak</h4><div class=\"chart\">{}</div></div>\n",
                    render_svg_chart(history_chart(h, i, HistoryValue::kPeak)));
    out +=
        "<table class=\"wide\">\n<tr><th class=\"num\">night</th><th>started</th><th>run</th>"
        "<th>verdict</th><th class=\"num\">slope</th><th class=\"num\">peak</th>"
        "<th>regression</th></tr>\n";
    const std::size_t first =
        h.points.size() > kMaxListedRows ? h.points.size() - kMaxListedRows : 0;
    for (std::size_t k = first; k < h.points.size(); ++k) {
      const HistoryPoint& p = h.points[k];
      out += fmt::format(
          "<tr{}><td class=\"num\">{}</td><td class=\"nowrap\">{}</td><td class=\"small\">{}</td>"
          "<td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>\n",
          p.regression ? " class=\"regression\"" : "", k + 1, esc(p.started_at), esc(p.run_id),
          verdict_badge(p.verdict),
          p.slope_bytes_per_iteration ? signed_bytes(*p.slope_bytes_per_iteration) + "/it" : "-",
          p.peak_bytes ? bytes_text(*p.peak_bytes) : "-",
          p.regression ? "<span class=\"bad\">regression</span> " + esc(p.regression_reason) : "");
    }
    out += "</table>\n";
  }
}

}  // namespace harness::html
