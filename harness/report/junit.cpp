#include "harness/report/junit.hpp"

#include <fmt/format.h>

#include <pugixml.hpp>
#include <sstream>

#include "harness/model/variant.hpp"

namespace harness {

namespace {

std::string variant_name(const VariantValues& variant) {
  return variant.empty() ? "default" : variant_label(variant);
}

std::string to_text(const pugi::xml_document& doc) {
  std::ostringstream out;
  doc.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
  return out.str();
}

void counts(pugi::xml_node suite, int tests, int failures, int errors, int skipped, double time) {
  suite.append_attribute("tests") = tests;
  suite.append_attribute("failures") = failures;
  suite.append_attribute("errors") = errors;
  suite.append_attribute("skipped") = skipped;
  suite.append_attribute("time") = fmt::format("{:.3f}", time).c_str();
}

}  // namespace

std::string render_run_junit(const std::vector<RunSummary>& runs, const std::string& suite_name) {
  pugi::xml_document doc;
  auto decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  auto suites = doc.append_child("testsuites");
  auto suite = suites.append_child("testsuite");
  suite.append_attribute("name") = suite_name.c_str();
  int failures = 0, errors = 0, skipped = 0;
  double total = 0;
  std::vector<pugi::xml_node> cases;
  for (const auto& s : runs) {
    const RunInfo& r = s.info;
    auto tc = suite.append_child("testcase");
    tc.append_attribute("classname") = fmt::format("{}.{}", r.scenario, r.browser).c_str();
    tc.append_attribute("name") = variant_name(r.variant).c_str();
    tc.append_attribute("time") = fmt::format("{:.3f}", r.duration_s).c_str();
    total += r.duration_s;
    if (r.status == RunStatus::kInterrupted) {
      tc.append_child("skipped").append_attribute("message") = r.reason.c_str();
      ++skipped;
    } else if (r.status == RunStatus::kError) {
      auto e = tc.append_child("error");
      e.append_attribute("message") = r.reason.c_str();
      e.append_attribute("type") = "error";
      ++errors;
    } else if (r.status != RunStatus::kCompleted) {
      auto f = tc.append_child("failure");
      f.append_attribute("message") = r.reason.c_str();
      f.append_attribute("type") = status_name(r.status);
      ++failures;
    } else if (!s.expectations.met) {
      std::string text;
      for (const auto& failure : s.expectations.failures) text += failure + "\n";
      auto f = tc.append_child("failure");
      f.append_attribute("message") =
          (s.expectations.failures.empty() ? std::string("expectation failed")
                                           : s.expectations.failures.front())
              .c_str();
      f.append_attribute("type") = "expectation";
      f.append_child(pugi::node_pcdata).set_value(text.c_str());
      ++failures;
    }
    std::string out = fmt::format("run {}\nstatus {}: {}\n", r.id, status_name(r.status), r.reason);
    if (s.verdict) {
      out += fmt::format("verdict {}: {}\n", verdict_name(s.verdict->kind), s.verdict->reason);
    }
    tc.append_child("system-out").append_child(pugi::node_pcdata).set_value(out.c_str());
  }
  counts(suite, static_cast<int>(runs.size()), failures, errors, skipped, total);
  return to_text(doc);
}

std::string render_compare_junit(const Comparison& comparison, const std::string& suite_name) {
  pugi::xml_document doc;
  auto decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  auto suite = doc.append_child("testsuites").append_child("testsuite");
  suite.append_attribute("name") = suite_name.c_str();
  int failures = 0, skipped = 0;
  for (const auto& p : comparison.pairs) {
    auto tc = suite.append_child("testcase");
    tc.append_attribute("classname") = fmt::format("{}.{}", p.scenario, p.browser).c_str();
    tc.append_attribute("name") = variant_name(p.variant).c_str();
    tc.append_attribute("time") = "0";
    if (p.kind == ChangeKind::kRegression) {
      auto f = tc.append_child("failure");
      f.append_attribute("message") = p.reason.c_str();
      f.append_attribute("type") = "regression";
      ++failures;
    } else if (p.kind == ChangeKind::kInsufficient) {
      tc.append_child("skipped").append_attribute("message") = p.reason.c_str();
      ++skipped;
    }
    const std::string out = fmt::format("baseline {} ({})\ncandidate {} ({})\n{}: {}\n",
                                        p.baseline_run, p.baseline_verdict, p.candidate_run,
                                        p.candidate_verdict, change_name(p.kind), p.reason);
    tc.append_child("system-out").append_child(pugi::node_pcdata).set_value(out.c_str());
  }
  counts(suite, static_cast<int>(comparison.pairs.size()), failures, 0, skipped, 0);
  return to_text(doc);
}

}  // namespace harness
