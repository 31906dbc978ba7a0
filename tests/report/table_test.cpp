#include "harness/report/table.hpp"

#include <gtest/gtest.h>

#include "fixed_model.hpp"
#include "golden.hpp"

namespace harness {
namespace {

TEST(SummaryTable, Golden) {
  RunSummary failed = harness::testing::fixed_summary();
  failed.info.variant = {{"retention", "none"}};
  failed.info.status = RunStatus::kStepFailed;
  failed.info.iterations_completed = 3;
  failed.checkpoints.clear();
  harness::testing::expect_golden(
      "summary_table.txt", render_summary_table({harness::testing::fixed_summary(), failed}));
}

}  // namespace
}  // namespace harness
