// The settings of `driftwatch drift`: global and per feature, from the command
// line and from a YAML config file (docs/cli-drift.md describes both).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <driftwatch/accumulators/bin_edges.hpp>
#include <driftwatch/metrics/multiple_testing.hpp>

namespace driftwatch_cli {

/// A bad command line or config file: exit status 2.
struct usage_error {
  std::string message;
};

enum class kind_choice { infer, numeric, categorical };

/// What one feature is compared with; every field has its effective value.
struct feature_settings {
  kind_choice kind = kind_choice::infer;
  std::size_t bins = 10;
  driftwatch::binning method = driftwatch::binning::quantile;
  double psi = 0.2;             // drift when PSI > psi
  double js_distance = 0.1;     // drift when the JS distance > js_distance
  double ks_alpha = 0.05;       // drift when the (corrected) KS p-value < ks_alpha
  double chi2_alpha = 0.05;     // ... chi-square p-value < chi2_alpha
  double missing_rate = 0.1;    // drift when |missing share current - reference| > missing_rate
  std::uint64_t min_samples = 100;  // gate: fewer valid current values = insufficient data
};

/// Per-feature overrides (config file `features:` and --numeric/--categorical).
struct feature_override {
  std::optional<kind_choice> kind;
  std::optional<std::size_t> bins;
  std::optional<driftwatch::binning> method;
  std::optional<double> psi, js_distance, ks_alpha, chi2_alpha, missing_rate;
  std::optional<std::uint64_t> min_samples;
  bool exclude = false;
  std::string origin;  // "config" or "command line": named in error messages
};

struct drift_settings {
  std::string reference, current;
  std::string format = "text";
  std::string output;  // -o FILE; empty or "-": standard output
  std::string model = "default";
  std::string config_file;
  std::size_t export_categories = 50;  // --max-categories (exposition label cap)
  std::size_t max_distinct = 1000000;  // --max-distinct: categories kept per feature
  std::uint64_t memory_budget = std::uint64_t{1} << 30;  // --memory-budget: current values kept
  unsigned threads = 2;
  double epsilon = 1e-4;
  double js_base = 2.0;
  driftwatch::correction correction = driftwatch::correction::none;
  feature_settings defaults;
  bool fail_on_drift = false;
  bool allow_missing_columns = false;
  bool allow_empty_features = false;
  bool progress = true;
  std::size_t ecdf_points = 0;  // > 0 (--format html): fill feature_result::ecdf with this many corners per curve
  std::vector<std::string> columns;  // empty: every reference column
  std::vector<std::string> exclude;
  std::map<std::string, feature_override> features;
};

const char* to_string(kind_choice k) noexcept;
const char* correction_name(driftwatch::correction c) noexcept;

/// Reads a YAML config file into `s` (keys it sets override what `s` holds).
/// Unknown keys, wrong types and out-of-range values throw usage_error naming
/// the file and the key.
void load_config(const std::string& path, drift_settings& s);

/// The effective settings of the feature `name`.
feature_settings settings_for(const drift_settings& s, const std::string& name);

/// Validators shared by the command line and the config file; `what` names
/// the option or key in the error.
std::size_t checked_bins(double b, const std::string& what);
double checked_probability(double x, const std::string& what, bool allow_zero_one);
double checked_nonnegative(double x, const std::string& what);
driftwatch::binning parse_binning(const std::string& v, const std::string& what);
driftwatch::correction parse_correction(const std::string& v, const std::string& what);
kind_choice parse_kind(const std::string& v, const std::string& what);
std::uint64_t parse_size(const std::string& v, const std::string& what);

}  // namespace driftwatch_cli
