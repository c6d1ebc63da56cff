// `driftwatch drift`: the batch drift report of a current CSV against a
// reference CSV, one row per reference column (docs/cli-drift.md).
//
// Structure: parse options -> compute (drift_engine.cpp) -> format by --format
// (print_text, print_json, print_exposition).
#include <malloc.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <driftwatch/adapters/prometheus.hpp>
#include <driftwatch/adapters/prometheus_drift.hpp>
#include <driftwatch/core/error.hpp>
#include <driftwatch/core/version.hpp>

#include "commands.hpp"
#include "csv.hpp"
#include "drift_config.hpp"
#include "drift_engine.hpp"
#include "drift_json.hpp"
#include "format.hpp"
#include "csv_input.hpp"
#include "numeral.hpp"
#include "html_report.hpp"
#include "output_file.hpp"

namespace driftwatch_cli {
namespace {

const char* const drift_usage =
    "usage: driftwatch drift --reference REF.csv --current CUR.csv [options]\n"
    "\n"
    "Compares every column of the reference CSV (header row, RFC 4180) with the\n"
    "same column of the current CSV. Either file may be gzip-compressed (.csv.gz)\n"
    "or `-` for standard input. The reference is read whole; the current file\n"
    "streams through bounded memory. KS and Wasserstein use every value.\n"
    "A column is numeric when more than half of its non-empty reference cells are\n"
    "numerals (text cells in it are then counted invalid), else categorical.\n"
    "Empty cells are missing: counted, excluded. docs/cli-drift.md has the details.\n"
    "\n"
    "columns:\n"
    "  --columns A,B           compare only these reference columns (repeatable)\n"
    "  --exclude A,B           do not compare these columns (e.g. IDs, timestamps)\n"
    "  --numeric A,B           treat these columns as numeric (text cells invalid)\n"
    "  --categorical A,B       treat these columns as categorical\n"
    "  --config FILE.yaml      per-feature kind, bins, binning, thresholds, exclusions\n"
    "                          (YAML; command-line options override it)\n"
    "metrics:\n"
    "  --bins N                bins per numeric feature (default 10)\n"
    "  --binning quantile|uniform   bin placement from the reference (default quantile)\n"
    "  --epsilon X             PSI's replacement for an empty bin (default 1e-4)\n"
    "  --correction none|bonferroni|bh   p-value correction across features (default none)\n"
    "  --max-distinct N        categories kept per categorical feature; values of\n"
    "                          further ones are pooled and counted (default 1000000)\n"
    "  --memory-budget SIZE    current-file values kept for exact KS/W1 (default 1G);\n"
    "                          beyond it KS stays exact and W1 reports an error bound\n"
    "  --threads 1|2           threads for parsing (default 2)\n"
    "verdict:\n"
    "  --psi-threshold X       drift when PSI > X (default 0.2)\n"
    "  --js-threshold X        drift when the JS distance > X (default 0.1)\n"
    "  --ks-alpha X            drift when the KS p-value < X (default 0.05)\n"
    "  --chi2-alpha X          drift when the chi-square p-value < X (default 0.05)\n"
    "  --missing-rate-threshold X   drift when the share of empty cells changes by\n"
    "                          more than X (default 0.1; inf disables)\n"
    "  --min-samples N         fewer valid current values than N is insufficient data\n"
    "                          (default 100; 0 disables)\n"
    "  --fail-on-drift         exit 3 on drift, 4 when a feature cannot be checked\n"
    "  --allow-missing-columns   a reference column absent from the current file\n"
    "                          does not fail the gate\n"
    "  --allow-empty-features  a feature with no valid current value does not fail\n"
    "                          the gate\n"
    "output:\n"
    "  --format text|json|prometheus|openmetrics|html   output format (default text);\n"
    "                          json: docs/schema/drift-report.schema.json;\n"
    "                          prometheus/openmetrics: docs/prometheus.md;\n"
    "                          html: one self-contained page with plots (docs/report.md)\n"
    "  -o, --output FILE       write the report to FILE instead of standard output\n"
    "  --model NAME            value of the `model` label in prometheus output (default default)\n"
    "  --max-categories N      categories exported per categorical feature in prometheus\n"
    "                          output; the rest are summed into category=\"__other__\" (default 50)\n"
    "  --no-progress           never show the progress line (shown on a terminal\n"
    "                          stderr after 1 s otherwise)\n"
    "\n"
    "exit status:\n"
    "  0  report printed (and, with --fail-on-drift, no drift and every feature checked)\n"
    "  1  bad input (unreadable file, malformed CSV, a reference column without values)\n"
    "  2  bad usage (unknown option, bad value, config error, unknown column)\n"
    "  3  drift in at least one feature (with --fail-on-drift)\n"
    "  4  no drift found, but a feature could not be checked (with --fail-on-drift):\n"
    "     a reference column absent from the current file, no valid current value,\n"
    "     or fewer than --min-samples valid current values\n";

double number_option(const std::string& name, const char* text) {
  double v = 0;
  if (!parse_numeral(text, v) || std::isnan(v)) throw usage_error{name + " needs a number, got '" + text + "'"};
  return v;
}

std::vector<std::string> split_list(const std::string& v) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= v.size()) {
    std::size_t comma = v.find(',', start);
    if (comma == std::string::npos) comma = v.size();
    if (comma > start) out.push_back(v.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

drift_settings parse_options(int argc, char** argv) {
  drift_settings o;
  // The config file first, so that command-line options override it.
  for (int i = 1; i + 1 < argc; ++i)
    if (!std::strcmp(argv[i], "--config")) {
      o.config_file = argv[i + 1];
      load_config(o.config_file, o);
    }
  auto set_kind = [&](const std::string& list, kind_choice k) {
    for (const auto& name : split_list(list)) {
      auto& f = o.features[name];
      f.kind = k;
      f.origin = "command line";
    }
  };
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) throw usage_error{arg + " needs a value"};
      return argv[++i];
    };
    if (arg == "--reference") {
      o.reference = value();
    } else if (arg == "--current") {
      o.current = value();
    } else if (arg == "--config") {
      value();  // read above
    } else if (arg == "--columns") {
      for (auto& c : split_list(value())) o.columns.push_back(c);
    } else if (arg == "--exclude") {
      for (auto& c : split_list(value())) o.exclude.push_back(c);
    } else if (arg == "--numeric") {
      set_kind(value(), kind_choice::numeric);
    } else if (arg == "--categorical") {
      set_kind(value(), kind_choice::categorical);
    } else if (arg == "--bins") {
      const char* v = value();
      double b = 0;
      if (!parse_numeral(v, b)) throw usage_error{"--bins needs a whole number from 1 to 1000000, got '" + std::string(v) + "'"};
      o.defaults.bins = checked_bins(b, "--bins");
    } else if (arg == "--binning") {
      o.defaults.method = parse_binning(value(), "--binning");
    } else if (arg == "--epsilon") {
      const char* v = value();
      o.epsilon = number_option(arg, v);
      if (!(o.epsilon > 0 && o.epsilon < 1)) throw usage_error{"--epsilon must be in (0, 1), got '" + std::string(v) + "'"};
    } else if (arg == "--format") {
      o.format = value();
      if (o.format != "text" && o.format != "json" && o.format != "prometheus" && o.format != "openmetrics" &&
          o.format != "html")
        throw usage_error{"--format must be text, json, prometheus, openmetrics or html, got '" + o.format + "'"};
    } else if (arg == "-o" || arg == "--output") {
      o.output = value();
    } else if (arg == "--model") {
      o.model = value();
    } else if (arg == "--max-categories") {
      const char* v = value();
      const double n = number_option(arg, v);
      if (n < 1 || n > 1e6 || n != std::floor(n))
        throw usage_error{"--max-categories needs a whole number from 1 to 1000000, got '" + std::string(v) + "'"};
      o.export_categories = static_cast<std::size_t>(n);
    } else if (arg == "--max-distinct") {
      const char* v = value();
      const double n = number_option(arg, v);
      if (n < 1 || n > 1e9 || n != std::floor(n))
        throw usage_error{"--max-distinct needs a whole number from 1 to 1000000000, got '" + std::string(v) + "'"};
      o.max_distinct = static_cast<std::size_t>(n);
    } else if (arg == "--memory-budget") {
      o.memory_budget = parse_size(value(), "--memory-budget");
    } else if (arg == "--threads") {
      const char* v = value();
      const double n = number_option(arg, v);
      if (n != 1 && n != 2) throw usage_error{"--threads must be 1 or 2, got '" + std::string(v) + "'"};
      o.threads = static_cast<unsigned>(n);
    } else if (arg == "--correction") {
      o.correction = parse_correction(value(), "--correction");
    } else if (arg == "--psi-threshold") {
      o.defaults.psi = checked_nonnegative(number_option(arg, value()), arg);
    } else if (arg == "--js-threshold") {
      o.defaults.js_distance = checked_nonnegative(number_option(arg, value()), arg);
    } else if (arg == "--ks-alpha") {
      o.defaults.ks_alpha = checked_probability(number_option(arg, value()), arg, true);
    } else if (arg == "--chi2-alpha") {
      o.defaults.chi2_alpha = checked_probability(number_option(arg, value()), arg, true);
    } else if (arg == "--missing-rate-threshold") {
      o.defaults.missing_rate = checked_nonnegative(number_option(arg, value()), arg);
    } else if (arg == "--min-samples") {
      const char* v = value();
      const double n = number_option(arg, v);
      if (!(n >= 0) || n > 1e15 || n != std::floor(n))
        throw usage_error{"--min-samples needs a whole number >= 0, got '" + std::string(v) + "'"};
      o.defaults.min_samples = static_cast<std::uint64_t>(n);
    } else if (arg == "--fail-on-drift") {
      o.fail_on_drift = true;
    } else if (arg == "--allow-missing-columns") {
      o.allow_missing_columns = true;
    } else if (arg == "--allow-empty-features") {
      o.allow_empty_features = true;
    } else if (arg == "--no-progress") {
      o.progress = false;
    } else {
      throw usage_error{"unknown option '" + arg + "'"};
    }
  }
  if (o.reference.empty()) throw usage_error{"--reference is required"};
  if (o.current.empty()) throw usage_error{"--current is required"};
  if (o.reference == "-" && o.current == "-") throw usage_error{"--reference and --current cannot both be standard input"};
  // Per-feature overrides keep the global settings they do not name: the
  // command-line globals apply before settings_for() layers the overrides.
  return o;
}

std::string reasons_text(unsigned reasons) {
  std::string out;
  auto add = [&](unsigned flag, const char* name) {
    if (reasons & flag) out += (out.empty() ? "" : ",") + std::string(name);
  };
  add(reason_psi, "psi");
  add(reason_js, "js");
  add(reason_ks, "ks");
  add(reason_chi2, "chi2");
  add(reason_missing_rate, "missing_rate");
  return out;
}

double value_or_nan(const driftwatch::metric_value& v) { return v.valid() ? v.value : std::nan(""); }
bool numeric(const feature_result& r) { return r.kind == driftwatch::feature_kind::numeric; }
bool compared(const feature_result& r) { return r.status != feature_status::absent; }

void json_settings(json_out& j, const feature_settings& f) {
  j.key("kind").str(to_string(f.kind));
  j.key("bins").integer(f.bins);
  j.key("binning").str(driftwatch::to_string(f.method));
  j.key("min_samples").integer(f.min_samples);
  j.key("thresholds").begin_object();
  j.key("psi").metric(f.psi);
  j.key("js_distance").metric(f.js_distance);
  j.key("ks_alpha").metric(f.ks_alpha);
  j.key("chi2_alpha").metric(f.chi2_alpha);
  j.key("missing_rate").metric(f.missing_rate);
  j.end_object();
}

void json_side(json_out& j, const side_counts& c, bool is_numeric) {
  j.begin_object();
  j.key("rows").integer(c.rows);
  j.key("valid").integer(c.valid);
  j.key("missing").integer(c.missing);
  j.key("invalid").integer(c.invalid());
  j.key("non_finite").integer(c.non_finite);
  j.key("non_numeric").integer(c.non_numeric);
  j.key("category_overflow").integer(c.category_overflow);
  j.key("truncated").integer(0);
  (void)is_numeric;
  j.end_object();
}

void print_json(const drift_settings& o, const drift_outcome& out, int exit_code) {
  json_out j;
  j.begin_object();
  j.key("schema").str("driftwatch-drift-report");
  j.key("schema_version").integer(1);
  j.key("tool").str(std::string("driftwatch ") + DRIFTWATCH_VERSION_STRING);
  j.key("reference").str(o.reference);
  j.key("current").str(o.current);
  j.key("inputs").begin_object();
  j.key("reference").begin_object();
  j.key("rows").integer(out.reference_rows);
  j.key("gzip").boolean(out.reference_gzip);
  j.key("threads").integer(out.reference_threads);
  j.end_object();
  j.key("current").begin_object();
  j.key("rows").integer(out.current_rows);
  j.key("bytes").integer(out.current_bytes);
  j.key("gzip").boolean(out.current_gzip);
  j.key("threads").integer(out.current_threads);
  j.end_object();
  j.end_object();
  // The effective configuration.
  j.key("config").begin_object();
  j.key("config_file").str_or_null(o.config_file);
  j.key("epsilon").num(o.epsilon);
  j.key("js_base").num(o.js_base);
  j.key("correction").str(correction_name(o.correction));
  j.key("max_distinct").integer(o.max_distinct);
  j.key("memory_budget_bytes").integer(o.memory_budget);
  j.key("fail_on_drift").boolean(o.fail_on_drift);
  j.key("allow_missing_columns").boolean(o.allow_missing_columns);
  j.key("allow_empty_features").boolean(o.allow_empty_features);
  j.key("defaults").begin_object();
  json_settings(j, o.defaults);
  j.end_object();
  j.key("columns").begin_array();
  for (const auto& c : o.columns) j.str(c);
  j.end_array();
  j.key("exclude").begin_array();
  for (const auto& c : o.exclude) j.str(c);
  j.end_array();
  j.key("overrides").begin_object();
  for (const auto& kv : o.features) {
    const feature_override& f = kv.second;
    j.key(kv.first).begin_object();
    j.key("origin").str(f.origin);
    if (f.kind) j.key("kind").str(to_string(*f.kind));
    if (f.bins) j.key("bins").integer(*f.bins);
    if (f.method) j.key("binning").str(driftwatch::to_string(*f.method));
    if (f.min_samples) j.key("min_samples").integer(*f.min_samples);
    if (f.psi || f.js_distance || f.ks_alpha || f.chi2_alpha || f.missing_rate) {
      j.key("thresholds").begin_object();
      if (f.psi) j.key("psi").metric(*f.psi);
      if (f.js_distance) j.key("js_distance").metric(*f.js_distance);
      if (f.ks_alpha) j.key("ks_alpha").metric(*f.ks_alpha);
      if (f.chi2_alpha) j.key("chi2_alpha").metric(*f.chi2_alpha);
      if (f.missing_rate) j.key("missing_rate").metric(*f.missing_rate);
      j.end_object();
    }
    j.key("exclude").boolean(f.exclude);
    j.end_object();
  }
  j.end_object();
  j.end_object();

  j.key("features").begin_array();
  std::size_t drifted = 0, gate = 0;
  for (const auto& r : out.features) {
    drifted += r.drift;
    gate += r.gate_failed;
    const bool num = numeric(r);
    j.newline();
    j.begin_object();
    j.key("name").str(r.name);
    j.key("kind").str(driftwatch::to_string(r.kind));
    j.key("kind_source").str(r.kind_source);
    j.key("status").str(to_string(r.status));
    j.key("gate_failed").boolean(r.gate_failed);
    j.key("settings").begin_object();
    json_settings(j, r.settings);
    j.end_object();
    j.key("n_reference").integer(r.reference.valid);
    j.key("n_current").integer(r.current.valid);
    j.key("n_missing_reference").integer(r.reference.missing);
    j.key("n_missing_current").integer(r.current.missing);
    j.key("n_invalid_reference").integer(r.reference.invalid());
    j.key("n_invalid_current").integer(r.current.invalid());
    j.key("limits").begin_object();
    j.key("reference");
    json_side(j, r.reference, num);
    j.key("current");
    json_side(j, r.current, num);
    j.end_object();
    j.key("missing_rate_reference").metric(r.missing_rate_reference);
    j.key("missing_rate_current").metric(r.missing_rate_current);
    j.key("psi").metric(value_or_nan(r.psi));
    j.key("js_divergence").metric(value_or_nan(r.js.divergence));
    j.key("js_distance").metric(value_or_nan(r.js.distance));
    j.key("hellinger").metric(value_or_nan(r.hellinger));
    if (num) {
      j.key("bin_edges").begin_array();
      for (double e : r.edges) j.metric(e);
      j.end_array();
      j.key("ks_statistic").metric(r.ks.valid() ? r.ks.statistic : std::nan(""));
      j.key("ks_pvalue").metric(r.ks.valid() ? r.ks.pvalue : std::nan(""));
      if (r.ks.valid())
        j.key("ks_method").str(r.ks.method == driftwatch::ks_method::exact ? "exact" : "asymptotic");
      else
        j.key("ks_method").null();
      j.key("ks_exact").boolean(true);
      j.key("wasserstein").metric(r.wasserstein);
      j.key("wasserstein_exact").boolean(r.wasserstein_exact);
      j.key("wasserstein_error_bound").metric(r.wasserstein_error_bound);
      j.key("current_values_summarised").boolean(r.current_values_summarised);
    } else {
      j.key("categories").integer(r.categories);
      j.key("chi2_statistic").metric(r.chi2.valid() ? r.chi2.statistic : std::nan(""));
      j.key("chi2_pvalue").metric(r.chi2.valid() ? r.chi2.pvalue : std::nan(""));
      if (r.chi2.valid()) j.key("chi2_dof").integer(r.chi2.dof);
      else j.key("chi2_dof").null();
    }
    j.key("adjusted_pvalue").metric(r.adjusted_pvalue);
    j.key("drift").boolean(r.drift);
    j.key("drift_reasons").begin_array();
    for (const auto& reason : split_list(reasons_text(r.reasons))) j.str(reason);
    j.end_array();
    j.key("invalid_reason").str_or_null(r.invalid_reason);
    j.end_object();
  }
  j.newline();
  j.end_array();
  j.key("only_in_reference").begin_array();
  for (const auto& c : out.only_in_reference) j.str(c);
  j.end_array();
  j.key("only_in_current").begin_array();
  for (const auto& c : out.only_in_current) j.str(c);
  j.end_array();
  j.key("excluded").begin_array();
  for (const auto& c : out.excluded) j.str(c);
  j.end_array();
  j.key("n_drifted").integer(drifted);
  j.key("n_gate_failures").integer(gate);
  j.key("exit_code").integer(static_cast<unsigned>(exit_code));
  j.end_object();
  std::string text = j.take();
  text += '\n';
  std::fwrite(text.data(), 1, text.size(), stdout);
}

std::string count_text(std::uint64_t n) { return std::to_string(n); }

std::string verdict_text(const feature_result& r) {
  std::string v;
  if (r.status == feature_status::absent) return "ABSENT from the current file" + std::string(r.gate_failed ? " (gate fails)" : "");
  if (r.drift) v = "DRIFT (" + reasons_text(r.reasons) + ")";
  if (r.status == feature_status::no_valid_values) v += (v.empty() ? "" : "; ") + std::string("NO VALID VALUE");
  else if (r.status == feature_status::insufficient)
    v += (v.empty() ? "" : "; ") + std::string("INSUFFICIENT DATA (") + count_text(r.current.valid) + " < " +
         count_text(r.settings.min_samples) + ")";
  if (v.empty()) v = "ok";
  if (r.gate_failed && !r.drift && r.status == feature_status::no_valid_values) v += " (gate fails)";
  return v;
}

void print_table(const std::vector<std::vector<std::string>>& rows, const std::vector<bool>& left) {
  std::vector<std::size_t> width(rows[0].size(), 0);
  for (const auto& row : rows)
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      const std::string& cell = row[c];
      std::string pad(width[c] - cell.size(), ' ');
      line += left[c] ? cell + pad : pad + cell;
      if (c + 1 < row.size()) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::printf("%s\n", line.c_str());
  }
}

void print_text(const drift_settings& o, const drift_outcome& out) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"", "feature", "kind", "n_ref", "n_cur", "missing", "PSI", "JS dist", "Hellinger", "test", "stat",
                  "p-value", "W1", "drift"});
  std::size_t drifted = 0, gate = 0;
  for (const auto& r : out.features) {
    const bool num = numeric(r);
    drifted += r.drift;
    gate += r.gate_failed;
    std::string w1 = "-";
    if (num && !std::isnan(r.wasserstein)) {
      w1 = human(r.wasserstein);
      if (!r.wasserstein_exact) w1 += " +-" + human(r.wasserstein_error_bound);
    }
    rows.push_back({r.drift ? "*" : (r.gate_failed ? "!" : ""), r.name, num ? "num" : "cat",
                    count_text(r.reference.valid), compared(r) ? count_text(r.current.valid) : "-",
                    compared(r) ? count_text(r.current.missing + r.current.invalid()) : "-",
                    human(value_or_nan(r.psi)), human(value_or_nan(r.js.distance)), human(value_or_nan(r.hellinger)),
                    num ? "KS" : "chi2",
                    human(num ? (r.ks.valid() ? r.ks.statistic : std::nan("")) : (r.chi2.valid() ? r.chi2.statistic : std::nan(""))),
                    human(r.adjusted_pvalue), num ? w1 : "-", verdict_text(r)});
  }
  std::printf("driftwatch drift: %s vs reference %s (%llu vs %llu rows)\n\n", o.current.c_str(), o.reference.c_str(),
              static_cast<unsigned long long>(out.current_rows), static_cast<unsigned long long>(out.reference_rows));
  print_table(rows, {true, true, true, false, false, false, false, false, false, true, false, false, false, true});

  // Every limit, per feature and side: reference | current.
  std::printf("\nlimits per feature (reference | current): values not used by the metrics, and exactness\n");
  std::vector<std::vector<std::string>> lim;
  lim.push_back({"feature", "missing", "non-finite", "non-numeric", "category overflow", "truncated", "KS", "W1"});
  auto pair = [](std::uint64_t a, std::uint64_t b, bool has_current) {
    return std::to_string(a) + " | " + (has_current ? std::to_string(b) : std::string("-"));
  };
  for (const auto& r : out.features) {
    const bool num = numeric(r), has = compared(r);
    std::string w1 = "-";
    if (num && has) {
      if (r.wasserstein_exact) w1 = "exact";
      else w1 = "approximate, error <= " + human(r.wasserstein_error_bound) + " (memory budget reached)";
    }
    lim.push_back({r.name, pair(r.reference.missing, r.current.missing, has),
                   pair(r.reference.non_finite, r.current.non_finite, has),
                   pair(r.reference.non_numeric, r.current.non_numeric, has),
                   pair(r.reference.category_overflow, r.current.category_overflow, has), pair(0, 0, has),
                   num && has ? "exact" : "-", w1});
  }
  print_table(lim, {true, false, false, false, false, false, true, true});

  const feature_settings& t = o.defaults;
  std::printf("\n%zu of %zu features drifted", drifted, out.features.size());
  std::printf(" (thresholds: PSI > %s, JS distance > %s, KS p < %s, chi2 p < %s, missing-rate change > %s%s)\n",
              human(t.psi).c_str(), human(t.js_distance).c_str(), human(t.ks_alpha).c_str(),
              human(t.chi2_alpha).c_str(), human(t.missing_rate).c_str(),
              o.correction == driftwatch::correction::none ? ""
              : o.correction == driftwatch::correction::bonferroni ? ", Bonferroni-corrected"
                                                                    : ", Benjamini-Hochberg-corrected");
  std::size_t overridden = 0;
  for (const auto& r : out.features) overridden += o.features.count(r.name);
  if (overridden) std::printf("%zu features have their own settings (--format json shows them)\n", overridden);
  if (gate)
    std::printf("%zu features could not be checked (marked !): a gate with --fail-on-drift fails\n", gate);
  for (const auto& c : out.only_in_reference)
    std::printf("column '%s' is only in the reference: not compared\n", c.c_str());
  for (const auto& c : out.only_in_current)
    std::printf("column '%s' is only in the current file: not compared\n", c.c_str());
  for (const auto& c : out.excluded) std::printf("column '%s' is excluded: not compared\n", c.c_str());
}

// The exposition: the series monitor_exporter exports (docs/prometheus.md),
// written here from the report, plus the limits of every feature.
void print_exposition(const drift_settings& o, const drift_outcome& out) {
  namespace pm = driftwatch::prometheus;
  pm::registry metrics;
  const std::vector<pm::label> ml{{"model", utf8_clean(o.model)}};
  struct row {
    const feature_result* r;
    std::string name;
    std::vector<std::string> le;
    std::vector<std::string> categories;
    std::vector<std::uint64_t> ref, cur;
    std::size_t folded = 0;
  };
  auto rows = std::make_shared<std::vector<row>>();
  for (const auto& r : out.features) {
    row x{&r, utf8_clean(r.name), {}, {}, {}, {}, 0};
    if (numeric(r) && compared(r)) {
      x.le.push_back("-Inf");
      for (double e : r.edges) x.le.push_back(shortest(e));
      x.le.push_back("+Inf");
    }
    if (!numeric(r)) {
      std::uint64_t other_ref = 0, other_cur = 0;
      const std::string other = "__other__";
      for (std::size_t c = 0; c < r.category_names.size(); ++c) {
        std::string name = utf8_clean(r.category_names[c]);
        if (x.categories.size() < o.export_categories && name != other) {
          x.categories.push_back(std::move(name));
          x.ref.push_back(r.category_reference[c]);
          x.cur.push_back(r.category_current[c]);
        } else {
          ++x.folded;
          other_ref += r.category_reference[c];
          other_cur += r.category_current[c];
        }
      }
      if (x.folded > 0 || r.reference.category_overflow + r.current.category_overflow > 0) {
        x.categories.push_back(other);
        x.ref.push_back(other_ref + r.reference.category_overflow);
        x.cur.push_back(other_cur + r.current.category_overflow);
      }
    }
    rows->push_back(std::move(x));
  }
  using W = pm::sample_writer;
  auto fam = [&](const char* name, const char* help, pm::metric_type type, std::vector<std::string> labels,
                 std::function<void(W&, const row&)> each) {
    metrics.add({name, help, type, std::move(labels), ml}, [rows, each](W& w) {
      for (const auto& x : *rows) each(w, x);
    });
  };
  const auto gauge = pm::metric_type::gauge;
  const auto counter = pm::metric_type::counter;
  fam("driftwatch_feature_info", "One series (value 1) per compared feature, with its kind.", gauge, {"feature", "kind"},
      [](W& w, const row& x) { w.gauge({x.name, driftwatch::to_string(x.r->kind)}, 1.0); });
  fam("driftwatch_feature_value", "Current window of a numeric feature; buckets are the frozen reference bin edges.",
      pm::metric_type::histogram, {"feature"}, [](W& w, const row& x) {
        if (x.r->histograms.size() == 2)
          w.histogram({x.name}, x.r->edges, x.r->histograms[1].counts());
      });
  fam("driftwatch_feature_reference",
      "Frozen reference sample of a numeric feature over the same buckets as driftwatch_feature_value.",
      pm::metric_type::histogram, {"feature"}, [](W& w, const row& x) {
        if (x.r->histograms.size() == 2)
          w.histogram({x.name}, x.r->edges, x.r->histograms[0].counts());
      });
  fam("driftwatch_feature_bin_info",
      "One series (value 1) per bin (lower, upper] of a feature: the le of each bucket and of the one below it.",
      gauge, {"feature", "lower", "upper"}, [](W& w, const row& x) {
        for (std::size_t i = 0; i + 1 < x.le.size(); ++i) w.gauge({x.name, x.le[i], x.le[i + 1]}, 1.0);
      });
  fam("driftwatch_feature_invalid",
      "Current values of a numeric feature excluded as invalid: NaN, infinite (a numeral beyond double's range "
      "included) or not a numeral.",
      counter, {"feature"}, [](W& w, const row& x) {
        if (numeric(*x.r) && compared(*x.r)) w.counter({x.name}, x.r->current.invalid());
      });
  auto metric_gauge = [&](const char* name, const char* help, bool want_numeric,
                          std::function<double(const feature_result&)> get) {
    fam(name, help, gauge, {"feature"}, [want_numeric, get](W& w, const row& x) {
      if (numeric(*x.r) != want_numeric || !compared(*x.r)) return;
      const double v = get(*x.r);
      if (!std::isnan(v)) w.gauge({x.name}, v);
    });
  };
  metric_gauge("driftwatch_feature_psi", "PSI of the current file against the reference.", true,
               [](const feature_result& r) { return value_or_nan(r.psi); });
  metric_gauge("driftwatch_feature_js_distance", "Jensen-Shannon distance (base 2) against the reference.", true,
               [](const feature_result& r) { return value_or_nan(r.js.distance); });
  metric_gauge("driftwatch_feature_binned_ks", "Binned Kolmogorov-Smirnov statistic over the frozen bins.", true,
               [](const feature_result& r) {
                 if (r.histograms.size() != 2) return std::nan("");
                 return value_or_nan(pm::binned_ks(r.histograms[0], r.histograms[1]));
               });
  fam("driftwatch_feature_missing", "Missing (empty) current values of a feature, excluded.", counter, {"feature"},
      [](W& w, const row& x) {
        if (compared(*x.r)) w.counter({x.name}, x.r->current.missing);
      });
  fam("driftwatch_feature_drift", "The verdict for a feature: 1 when a test crossed its threshold, else 0.", gauge,
      {"feature"}, [](W& w, const row& x) {
        if (compared(*x.r)) w.gauge({x.name}, x.r->drift ? 1.0 : 0.0);
      });
  metric_gauge("driftwatch_feature_ks_statistic", "Exact two-sample KS statistic on every value.", true,
               [](const feature_result& r) { return r.ks.valid() ? r.ks.statistic : std::nan(""); });
  metric_gauge("driftwatch_feature_ks_p_value", "KS p-value, as scipy.stats.ks_2samp (uncorrected).", true,
               [](const feature_result& r) { return r.ks.valid() ? r.ks.pvalue : std::nan(""); });
  metric_gauge("driftwatch_feature_wasserstein",
               "Wasserstein-1 distance on every value (+Inf when it exceeds the double range, as SciPy); see "
               "driftwatch_feature_wasserstein_error_bound.",
               true, [](const feature_result& r) { return r.wasserstein; });
  metric_gauge("driftwatch_feature_wasserstein_error_bound",
               "Bound of |reported - exact| Wasserstein-1: 0 when exact, positive when the current values exceeded "
               "the memory budget and were summarised.",
               true, [](const feature_result& r) {
                 return std::isnan(r.wasserstein) ? std::nan("") : r.wasserstein_error_bound;
               });
  fam("driftwatch_feature_limit",
      "Values of a feature not used by the metrics, per side (reference or current) and limit: missing, "
      "non_finite, non_numeric, category_overflow, truncated (always 0: no input is truncated).",
      gauge, {"feature", "side", "limit"}, [](W& w, const row& x) {
        auto side = [&](const char* s, const side_counts& c) {
          w.gauge({x.name, s, "missing"}, static_cast<double>(c.missing));
          w.gauge({x.name, s, "non_finite"}, static_cast<double>(c.non_finite));
          w.gauge({x.name, s, "non_numeric"}, static_cast<double>(c.non_numeric));
          w.gauge({x.name, s, "category_overflow"}, static_cast<double>(c.category_overflow));
          w.gauge({x.name, s, "truncated"}, 0.0);
        };
        side("reference", x.r->reference);
        if (compared(*x.r)) side("current", x.r->current);
      });
  fam("driftwatch_feature_missing_rate", "Share of empty cells of a feature, per side.", gauge, {"feature", "side"},
      [](W& w, const row& x) {
        if (!std::isnan(x.r->missing_rate_reference)) w.gauge({x.name, "reference"}, x.r->missing_rate_reference);
        if (!std::isnan(x.r->missing_rate_current)) w.gauge({x.name, "current"}, x.r->missing_rate_current);
      });
  fam("driftwatch_feature_status",
      "1 for the feature's status: ok, absent_from_current, no_valid_values or insufficient_data.", gauge,
      {"feature", "status"}, [](W& w, const row& x) { w.gauge({x.name, to_string(x.r->status)}, 1.0); });
  fam("driftwatch_category_current", "Current count of a category of a categorical feature (capped label set).",
      counter, {"feature", "category"}, [](W& w, const row& x) {
        for (std::size_t i = 0; i < x.categories.size(); ++i)
          if (compared(*x.r)) w.counter({x.name, x.categories[i]}, x.cur[i]);
      });
  fam("driftwatch_category_reference", "Frozen reference count of a category (same label set).", gauge,
      {"feature", "category"}, [](W& w, const row& x) {
        for (std::size_t i = 0; i < x.categories.size(); ++i)
          w.gauge({x.name, x.categories[i]}, static_cast<double>(x.ref[i]));
      });
  fam("driftwatch_category_overflow",
      "Current values of categories beyond --max-distinct (pooled into one category for the metrics).", counter,
      {"feature"}, [](W& w, const row& x) {
        if (!numeric(*x.r) && compared(*x.r)) w.counter({x.name}, x.r->current.category_overflow);
      });
  fam("driftwatch_category_folded", "Categories of a feature beyond the export cap, summed into category=\"__other__\".",
      gauge, {"feature"}, [](W& w, const row& x) {
        if (!numeric(*x.r)) w.gauge({x.name}, static_cast<double>(x.folded));
      });
  metric_gauge("driftwatch_category_psi", "PSI of a categorical feature over all its categories.", false,
               [](const feature_result& r) { return value_or_nan(r.psi); });
  metric_gauge("driftwatch_category_js_distance", "Jensen-Shannon distance (base 2) of a categorical feature.", false,
               [](const feature_result& r) { return value_or_nan(r.js.distance); });
  metric_gauge("driftwatch_category_chi2_statistic", "Chi-square homogeneity statistic, no Yates correction.", false,
               [](const feature_result& r) { return r.chi2.valid() ? r.chi2.statistic : std::nan(""); });
  metric_gauge("driftwatch_category_chi2_p_value", "Chi-square p-value, as scipy.stats.chi2_contingency(correction=False).",
               false, [](const feature_result& r) { return r.chi2.valid() ? r.chi2.pvalue : std::nan(""); });
  const std::string text = metrics.render(o.format == "openmetrics" ? pm::exposition_format::openmetrics_1_0_0
                                                                     : pm::exposition_format::text_0_0_4);
  std::fwrite(text.data(), 1, text.size(), stdout);
}

int run(int argc, char** argv) {
  // The run allocates and frees arrays of megabytes (per-feature values,
  // sort buffers). glibc would return each to the kernel and fault fresh
  // zeroed pages in for the next (~9% of the CPU time on 1M x 20 rows):
  // keep freed memory for reuse instead. Peak RSS barely moves (it is the
  // largest set alive at once either way).
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  drift_settings o = parse_options(argc, argv);
  if (o.format == "html") o.ecdf_points = html_report::drift_limits{}.ecdf_points;
  const drift_outcome out = compute_drift(o);
  bool any_drift = false, any_gate = false;
  for (const auto& r : out.features) {
    any_drift = any_drift || r.drift;
    any_gate = any_gate || r.gate_failed;
  }
  const int code = !o.fail_on_drift ? 0 : any_drift ? 3 : any_gate ? 4 : 0;
  if (const auto e = redirect_stdout(o.output); !e.empty()) throw input_error(e);
  if (o.format == "html") {
    const std::string page = html_report::render_drift(html_report::make_drift_model(out, o));
    std::fwrite(page.data(), 1, page.size(), stdout);
  } else if (o.format == "prometheus" || o.format == "openmetrics")
    print_exposition(o, out);
  else if (o.format == "json")
    print_json(o, out, code);
  else
    print_text(o, out);
  if (const auto e = finish_output(o.output); !e.empty()) throw input_error(e);
  return code;
}

}  // namespace

int run_drift(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) {
      std::fputs(drift_usage, stdout);
      return 0;
    }
  try {
    return run(argc, argv);
  } catch (const usage_error& e) {
    std::fprintf(stderr, "driftwatch drift: %s\n\n%s", e.message.c_str(), drift_usage);
    return 2;
  } catch (const csv_error& e) {
    std::fprintf(stderr, "driftwatch drift: %s\n", e.what());
    return 1;
  } catch (const input_error& e) {
    std::fprintf(stderr, "driftwatch drift: %s\n", e.what());
    return 1;
  } catch (const driftwatch::error& e) {
    std::fprintf(stderr, "driftwatch drift: %s\n", e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "driftwatch drift: out of memory\n");
    return 1;
  }
}

}  // namespace driftwatch_cli
