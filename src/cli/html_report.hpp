// The HTML reports of `driftwatch drift --format html` and `driftwatch rank
// --format html` (docs/report.md): one self-contained page each, inline CSS and
// SVG, no external URL (a Content-Security-Policy forbids any fetch), readable
// without JavaScript (a few lines of inline script only sort and filter).
//
// Two steps, so the renderers never see the library's internals:
//   make_*_model(...)  the library's results -> a small plain data model
//   render_*(model)    model -> the page (a string; O(size of the page))
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <driftwatch/metrics/canary.hpp>
#include <driftwatch/metrics/ranking.hpp>

#include "drift_config.hpp"
#include "drift_engine.hpp"

namespace driftwatch_cli {
namespace html_report {

// ---------------------------------------------------------------- drift model

enum class verdict { ok, drift, not_available, informational };

/// One metric row of a feature: its value, the threshold that decides (if
/// any) and the verdict it gives.
struct metric_row {
  std::string name;       // e.g. "PSI", "KS p-value"
  std::string value;      // formatted for people ("-" when none)
  std::string threshold;  // e.g. "> 0.2", "< 0.05", "no threshold", "disabled"
  verdict outcome = verdict::informational;
  std::string note;       // why n/a, the raw p-value, the KS method...
};

/// One bar pair: the share of the reference and of the current values in a
/// frozen bin (numeric) or a category (the last one may be the folded rest).
struct bar {
  std::string label;  // "(1.5, 2.25]" or the category name
  double reference = 0, current = 0;  // proportions in [0, 1]
  std::uint64_t reference_count = 0, current_count = 0;
};

/// The two ECDFs of a numeric feature, sub-sampled for drawing, and the exact
/// KS mark from the command's result (drift_engine's ecdf_sketch).
struct ecdf_plot {
  std::vector<double> reference_x, reference_f;  // step corners, x ascending
  std::vector<double> current_x, current_f;
  std::size_t n_reference = 0, n_current = 0;    // finite values behind them
  double x_low = 0, x_high = 0;                  // the x range drawn (central 99% of both)
  bool clipped = false;                          // some values lie outside [x_low, x_high]
  bool has_ks = false;
  double ks_statistic = 0, ks_location = 0;
  double reference_f_at = 0, current_f_at = 0;   // exact ECDF values at ks_location
  bool current_exact = true;  // false: --memory-budget reached, the current curve is known only at its corners
};

struct drift_feature {
  std::string name;
  bool numeric = true;
  bool drift = false;
  std::string invalid_reason;  // empty when the comparison could be made
  std::string status_note;     // e.g. insufficient data (the metrics are still shown)
  bool insufficient = false;   // fewer valid current values than --min-samples: no verdict but drift
  bool gate_failed = false;    // counts toward exit status 4 with --fail-on-drift
  std::string reasons;         // "psi,ks" of the drift
  std::uint64_t n_reference = 0, n_current = 0;
  std::uint64_t missing_reference = 0, missing_current = 0;
  std::uint64_t invalid_reference = 0, invalid_current = 0;
  std::uint64_t category_overflow = 0;  // categorical: current values of categories past --max-distinct (pooled)
  std::uint64_t category_overflow_reference = 0;
  bool current_values_summarised = false;  // numeric: --memory-budget reached (KS exact, W1 bounded)
  std::vector<bar> bars;                // frozen bins, or top categories + folded rest
  std::size_t folded_categories = 0;    // categories summed in the last bar (0: none)
  std::size_t frozen_bins = 0;          // numeric: bins of the frozen edges
  std::size_t bins_per_bar = 1;         // numeric: adjacent bins drawn as one bar
  std::size_t total_categories = 0;
  ecdf_plot ecdf;                       // numeric only
  std::vector<metric_row> metrics;
  // summary-table values
  std::string psi, js_distance, pvalue;
};

struct drift_model {
  std::string reference_path, current_path;
  std::uint64_t reference_rows = 0, current_rows = 0;
  std::string thresholds[5];  // defaults: PSI, JS distance, KS p, chi2 p, missing rate (formatted)
  std::string correction;     // "none", "Bonferroni", "Benjamini-Hochberg"
  std::string binning;        // "10 quantile bins, PSI epsilon 1e-04"
  std::vector<std::string> only_in_reference, only_in_current, excluded;
  std::uint64_t memory_budget = 0;  // bytes (--memory-budget)
  std::vector<drift_feature> features;  // drifted first
  std::size_t n_drifted = 0, n_not_available = 0, n_gate_failures = 0;
  std::size_t n_absent = 0;  // reference columns not in the current file (features all the same)
};

/// Limits of what is drawn, so the page stays small for any input size.
struct drift_limits {
  std::size_t ecdf_points = 80;      // step corners per ECDF curve (F within 1/80)
  std::size_t top_categories = 12;   // categories shown; the rest are folded
  std::size_t max_bars = 50;         // numeric: more frozen bins are drawn in runs of adjacent bins
};

/// Builds the model from the result of `driftwatch drift` (run with
/// drift_settings::ecdf_points >= limits.ecdf_points for the ECDFs). Features
/// are ordered drifted first (largest PSI first), then the rest in input
/// order, then those that could not be compared.
drift_model make_drift_model(const drift_outcome& outcome, const drift_settings& settings,
                             const drift_limits& limits = {});

std::string render_drift(const drift_model& model);

// ----------------------------------------------------------------- rank model

struct rank_query {
  std::string qid;
  std::vector<double> values;  // one per measure
};

struct rank_model {
  std::string qrels_path, run_path, baseline_path;  // baseline_path empty: one run
  std::string settings;                             // "k = 10, relevance level 1, ..."
  std::vector<std::string> measures;                // trec_eval names
  std::vector<double> means;                        // of `run`, per measure
  std::vector<rank_query> queries;                  // of `run`, qid order
  // With a baseline: the queries evaluated in both runs, same order in both.
  std::vector<rank_query> paired_run, paired_baseline;
  std::vector<double> baseline_means;               // over all baseline queries
  std::vector<driftwatch::comparison_result> tests; // paired t-test per measure (canary - baseline)
  std::size_t only_in_run = 0, only_in_baseline = 0, baseline_queries = 0;
  double alpha = 0.05;
  // --fail-below: every check ("map >= 0.3") and those that failed ("map 0.2 is below 0.3")
  std::vector<std::string> gate_checks, gate_failures;
};

/// Sets the baseline of `model` (whose queries must be filled, in qid order):
/// pairs the queries evaluated in both runs (`baseline` in qid order too) and
/// runs the library's paired t-test (driftwatch::paired_comparison, SciPy's
/// ttest_rel(canary, baseline)) per measure.
void pair_with_baseline(rank_model& model, const std::string& baseline_path, const std::vector<rank_query>& baseline);

/// "cutoff k = 10, relevance level 1, ties: docno descending (trec_eval), gain: linear (trec_eval)".
std::string ranking_settings(std::size_t k, const driftwatch::ranking_policy& policy);

std::string render_rank(const rank_model& model);

}  // namespace html_report
}  // namespace driftwatch_cli
