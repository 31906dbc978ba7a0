// CSV text for the results folder: flat, one row per process per sample (samples.csv) and one
// row per checkpoint (checkpoints.csv). Rendering only; the recorder owns the files.
#pragma once

#include <string>

#include "harness/model/run_model.hpp"

namespace harness {

std::string samples_csv_header();
// One line per process of the batch, each ending in '\n'.
std::string samples_csv_rows(const SampleBatch& batch);

// Columns: iteration, t_ms, gc, then every name of checkpoint_metric_names(); a metric the
// checkpoint lacks is an empty cell.
std::string checkpoints_csv_header();
std::string checkpoints_csv_row(const CheckpointRecord& record);

// RFC 4180 quoting when needed.
std::string csv_field(const std::string& text);

}  // namespace harness
