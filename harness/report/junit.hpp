// JUnit XML (pugixml) for Jenkins and GitLab: one <testcase> per run (harness run) or per
// matched pair (harness compare). Pure: returns the document's text.
//
// Run: classname "<scenario>.<browser>", name = the variant ("default" without one). A failed
// expectation -> <failure> with the expectation's reason; a run that did not complete ->
// <failure> (step_failed, crashed) or <error> (error, browser could not start); interrupted ->
// <skipped>. The verdict and its reason go to <system-out>.
// Compare: regression -> <failure>; insufficient -> <skipped>; others pass.
#pragma once

#include <string>
#include <vector>

#include "harness/analyze/compare.hpp"
#include "harness/model/run_summary.hpp"

namespace harness {

std::string render_run_junit(const std::vector<RunSummary>& runs, const std::string& suite_name);
std::string render_compare_junit(const Comparison& comparison, const std::string& suite_name);

}  // namespace harness
