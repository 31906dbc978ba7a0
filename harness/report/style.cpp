#include "harness/report/style.hpp"

#include <utility>

namespace harness {

const char* const kReportCss =
    R"(body{margin:0;background:#eef0f3;color:#1f2328;font-family:"Segoe UI",Arial,Helvetica,sans-serif;font-size:14px;line-height:1.45}
.page{width:1180px;margin:0 auto;padding:18px 24px 48px;background:#ffffff}
h1{font-size:26px;margin:4px 0 2px;font-weight:600}
h2{font-size:21px;margin:36px 0 10px;padding:6px 0 5px;border-bottom:3px solid #1f77b4;font-weight:600}
h3{font-size:17px;margin:26px 0 8px;font-weight:600}
h4{font-size:14px;margin:14px 0 6px;font-weight:600;color:#333333}
a{color:#0b5cad}
p{margin:6px 0}
table{border-collapse:collapse;margin:6px 0 14px}
th,td{border:1px solid #d5d9de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f1f3f5;font-weight:600}
td.num,th.num{text-align:right;white-space:nowrap}
td.nowrap{white-space:nowrap}
table.wide{width:100%}
table.plain td,table.plain th{border:none;padding:2px 12px 2px 0}
.meta{color:#57606a}
.small{font-size:12px}
.muted{color:#6e7781}
.reason{font-size:12px;color:#3d444d;margin-top:3px}
.badge{display:inline-block;padding:0 7px;border-radius:3px;font-size:12px;font-weight:600;line-height:18px;white-space:nowrap;border:1px solid #cccccc;background:#f3f3f3;color:#444444}
.v-retains{background:#fdecea;color:#b71c1c;border-color:#f0b4b0}
.v-plateau{background:#fff3e0;color:#9a5b00;border-color:#f3c98b}
.v-stable{background:#e8f5e9;color:#1b5e20;border-color:#a5d6a7}
.v-insufficient{background:#eeeeee;color:#555555;border-color:#cccccc}
.s-ok{background:#e8f5e9;color:#1b5e20;border-color:#a5d6a7}
.s-fail{background:#fdecea;color:#b71c1c;border-color:#f0b4b0}
.s-other{background:#eeeeee;color:#555555;border-color:#cccccc}
.c-regression{background:#fdecea;color:#b71c1c;border-color:#f0b4b0}
.c-improvement{background:#e8f5e9;color:#1b5e20;border-color:#a5d6a7}
.c-unchanged{background:#eef3fb;color:#0b4f8a;border-color:#b6cbe6}
.c-insufficient{background:#eeeeee;color:#555555;border-color:#cccccc}
td.pass{background:#f1f8f2;color:#1b5e20}
td.fail{background:#fdf0ef}
td.fail b{color:#b71c1c}
td.na{color:#8c959f}
tr.regression td{background:#fdf0ef}
.swatch{display:inline-block;width:22px;height:0;border-top:3px solid #333333;vertical-align:middle;margin-right:6px}
.chart{margin:6px 0 4px;overflow-x:auto;overflow-y:hidden}
.chart svg{display:block}
.half{display:inline-block;vertical-align:top;width:555px;margin-right:16px}
.half.last{margin-right:0}
.note{font-size:12px;color:#57606a;margin:2px 0 10px}
.run{border-top:1px solid #d5d9de;margin-top:26px}
.toc{margin:8px 0 0;padding:0;list-style:none}
.toc li{display:inline;margin-right:18px}
.ok{color:#1b5e20}
.bad{color:#b71c1c;font-weight:600}
details summary{cursor:pointer;color:#0b5cad}
)";

namespace {

constexpr EventStyle kEventStyles[] = {
    {"crashed", "crash", "crash", MarkerShape::kCross, "#d32f2f"},
    {"hung", "hang", "hang", MarkerShape::kSquare, "#6a1b9a"},
    {"ceiling_reached", "ceiling reached", "ceiling reached", MarkerShape::kTriangle, "#b00020"},
    {"step_failed", "step failed", "step failed", MarkerShape::kSquare, "#e65100"},
    {"interrupted", "interrupted", "interrupted", MarkerShape::kCircle, "#616161"},
    {"error", "error", "error", MarkerShape::kCircle, "#424242"},
    {"reloaded", "reload", "reload", MarkerShape::kVerticalLine, "#78909c"},
    {"restarted", "restart", "restart", MarkerShape::kVerticalLine, "#37474f"},
};

}  // namespace

const EventStyle* event_style(const std::string& kind) {
  for (const auto& s : kEventStyles) {
    if (kind == s.kind) return &s;
  }
  return nullptr;
}

const char* role_color(const std::string& role, std::size_t index) {
  static const std::pair<const char*, const char*> known[] = {
      {"renderer", "#1f77b4"}, {"browser", "#ff7f0e"}, {"gpu", "#2ca02c"},
      {"utility", "#9467bd"},  {"tab", "#1f77b4"},     {"frame", "#ff7f0e"}};
  for (const auto& [name, color] : known) {
    if (role == name) return color;
  }
  return kPalette[(index + 4) % kPaletteSize];
}

}  // namespace harness
