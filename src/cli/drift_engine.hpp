// The computation of `driftwatch drift`: reads the reference CSV whole (its
// values are the frozen reference), streams the current CSV through bounded
// per-feature state, and compares them. docs/cli-drift.md states the rules
// (kinds, limits, exactness, memory) this implements.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <driftwatch/accumulators/bin_edges.hpp>
#include <driftwatch/metrics/chi_square.hpp>
#include <driftwatch/metrics/divergence.hpp>
#include <driftwatch/accumulators/histogram.hpp>
#include <driftwatch/metrics/ks_test.hpp>
#include <driftwatch/monitors/monitor.hpp>
#include <driftwatch/core/result.hpp>
#include <driftwatch/core/span.hpp>

#include "drift_config.hpp"

namespace driftwatch_cli {

/// Counts of one side (reference or current) of one feature: what was read
/// and every value that could not be used, by reason.
struct side_counts {
  std::uint64_t rows = 0;           // data rows of the file
  std::uint64_t valid = 0;          // values used by the metrics
  std::uint64_t missing = 0;        // empty cells
  std::uint64_t non_finite = 0;     // numerals that are NaN or +-inf (1e400 included): numeric only
  std::uint64_t non_numeric = 0;    // text cells in a numeric column
  std::uint64_t category_overflow = 0;  // values of categories beyond --max-distinct (pooled)
  std::uint64_t invalid() const noexcept { return non_finite + non_numeric; }
};

enum class feature_status { ok, absent, no_valid_values, insufficient };
const char* to_string(feature_status s) noexcept;

enum drift_reason_bits : unsigned {
  reason_psi = 1u << 0,
  reason_js = 1u << 1,
  reason_ks = 1u << 2,
  reason_chi2 = 1u << 3,
  reason_missing_rate = 1u << 4,
};

/// What the HTML report draws of a numeric feature's two ECDFs, bounded in
/// size (filled only when drift_settings::ecdf_points > 0). Every corner is a
/// value with its exact ECDF value. When the current values were summarised
/// (the memory budget was reached), the current curve is known exactly only
/// at the reference's corner values and at the ends of the current values
/// below/above the reference: it is drawn through those (current_exact false).
struct ecdf_sketch {
  std::vector<double> reference_x, reference_f, current_x, current_f;
  double x_low = 0, x_high = 0;  // the central 99% of both samples (outward-rounded when summarised)
  double min = 0, max = 0;       // smallest and largest finite value of both
  double reference_f_at = 0, current_f_at = 0;  // at ks.statistic_location (when ks is valid)
  bool current_exact = true;
};

struct feature_result {
  std::string name;
  driftwatch::feature_kind kind = driftwatch::feature_kind::numeric;
  std::string kind_source;  // "inferred", "command line", "config"
  feature_settings settings;
  side_counts reference, current;
  feature_status status = feature_status::ok;
  bool gate_failed = false;  // counts toward exit status 4 with --fail-on-drift
  // binned metrics
  driftwatch::metric_value psi;
  driftwatch::js_result js;
  driftwatch::metric_value hellinger;
  std::vector<double> edges;  // numeric: interior bin edges
  // numeric: on every value
  driftwatch::ks_result ks{};
  double wasserstein = std::numeric_limits<double>::quiet_NaN();
  bool wasserstein_exact = true;
  double wasserstein_error_bound = 0;  // |reported - exact| <= this (0 when exact)
  bool current_values_summarised = false;  // the memory budget was reached
  // categorical
  driftwatch::chi2_result chi2;
  std::size_t categories = 0;  // distinct categories compared (both sides)
  std::vector<std::string> category_names;            // for the exposition
  std::vector<std::uint64_t> category_reference, category_current;
  // missing-value rate (empty cells / rows)
  double missing_rate_reference = std::numeric_limits<double>::quiet_NaN();
  double missing_rate_current = std::numeric_limits<double>::quiet_NaN();
  double adjusted_pvalue = std::numeric_limits<double>::quiet_NaN();
  bool drift = false;
  unsigned reasons = 0;
  std::string invalid_reason;  // empty when the metrics could be computed
  // numeric: the reference and current histograms (for the exposition), or empty
  std::vector<driftwatch::histogram> histograms;
  ecdf_sketch ecdf;  // numeric, with drift_settings::ecdf_points > 0 only
};

struct drift_outcome {
  std::vector<feature_result> features;
  std::vector<std::string> only_in_reference;  // not compared: excluded or absent ones are features
  std::vector<std::string> only_in_current;
  std::vector<std::string> excluded;
  std::uint64_t reference_rows = 0, current_rows = 0;
  std::uint64_t current_bytes = 0;  // bytes read from the current input (compressed size for gzip)
  bool current_gzip = false, reference_gzip = false;
  unsigned current_threads = 1, reference_threads = 1;
};

/// Runs the comparison. Throws csv_error / input_error (exit 1) for bad
/// input and usage_error (exit 2) for a config naming an unknown column.
drift_outcome compute_drift(const drift_settings& s);

}  // namespace driftwatch_cli
