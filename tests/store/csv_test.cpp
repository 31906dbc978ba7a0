#include "harness/store/csv.hpp"

#include <gtest/gtest.h>

#include "../report/fixed_model.hpp"
#include "../report/golden.hpp"

namespace harness {
namespace {

TEST(Csv, SamplesOneRowPerProcess) {
  SampleBatch batch{1234, 3, {}};
  ProcessReading a;
  a.pid = 10;
  a.role = ProcessRole::kUtility;
  a.subtype = "network.mojom.NetworkService";
  a.rss_bytes = 3;
  a.private_bytes = 2;
  a.virtual_bytes = 9;
  ProcessReading b = a;
  b.pid = 11;
  b.role = ProcessRole::kRenderer;
  b.subtype = "";
  batch.processes = {a, b};
  EXPECT_EQ(samples_csv_header(),
            "t_ms,iteration,pid,role,subtype,rss_bytes,private_bytes,virtual_bytes\n");
  EXPECT_EQ(samples_csv_rows(batch),
            "1234,3,10,utility,network.mojom.NetworkService,3,2,9\n"
            "1234,3,11,renderer,,3,2,9\n");
}

TEST(Csv, CheckpointsGolden) {
  std::string text = checkpoints_csv_header();
  for (const auto& c : harness::testing::fixed_summary().checkpoints) text += checkpoints_csv_row(c);
  harness::testing::expect_golden("checkpoints.csv", text);
}

TEST(Csv, QuotesWhenNeeded) {
  EXPECT_EQ(csv_field("plain"), "plain");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
}

}  // namespace
}  // namespace harness
