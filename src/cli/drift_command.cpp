// `driftwatch drift`: the batch drift report of a current CSV against a
// reference CSV, one row per column present in both.
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <driftwatch/adapters/prometheus_monitor.hpp>
#include <driftwatch/monitors/monitor.hpp>

#include "commands.hpp"
#include "csv.hpp"
#include "format.hpp"
#include "html_report.hpp"
#include "output_file.hpp"

namespace driftwatch_cli {
namespace {

const char* const drift_usage =
    "usage: driftwatch drift --reference REF.csv --current CUR.csv [options]\n"
    "\n"
    "Compares every column present in both CSV files (header row, RFC 4180).\n"
    "A column whose non-empty cells all parse as numbers (in both files) is\n"
    "numeric, otherwise categorical. Empty cells are missing: counted, excluded.\n"
    "\n"
    "options:\n"
    "  --bins N                bins per numeric feature (default 10)\n"
    "  --binning quantile|uniform   bin placement from the reference (default quantile)\n"
    "  --epsilon X             PSI's replacement for an empty bin (default 1e-4)\n"
    "  --format text|json|prometheus|openmetrics|html   output format (default text);\n"
    "                          prometheus: the text exposition 0.0.4 of every feature's\n"
    "                          series (docs/prometheus.md), openmetrics: the same as OpenMetrics 1.0\n"
    "                          html: one self-contained page with plots (docs/report.md)\n"
    "  -o, --output FILE       write the report to FILE instead of standard output\n"
    "  --model NAME            value of the `model` label in prometheus output (default default)\n"
    "  --max-categories N      categories exported per categorical feature in prometheus\n"
    "                          output; the rest are summed into category=\"__other__\" (default 50)\n"
    "  --correction none|bonferroni|bh   p-value correction across features (default none)\n"
    "  --psi-threshold X       drift when PSI > X (default 0.2)\n"
    "  --js-threshold X        drift when the JS distance > X (default 0.1)\n"
    "  --ks-alpha X            drift when the KS p-value < X (default 0.05)\n"
    "  --chi2-alpha X          drift when the chi-square p-value < X (default 0.05)\n"
    "  --fail-on-drift         exit with status 3 when any feature drifts\n"
    "\n"
    "exit status: 0 report printed, 1 bad input, 2 bad usage, 3 drift (with --fail-on-drift)\n";

struct usage_error {
  std::string message;
};

std::optional<double> parse_number(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  double value = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), value);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return value;
}

bool is_missing(const std::string& cell) { return cell.empty(); }

bool all_numeric(const std::vector<std::string>& cells) {
  for (const auto& c : cells)
    if (!is_missing(c) && !parse_number(c)) return false;
  return true;
}

std::size_t count_present(const std::vector<std::string>& cells) {
  std::size_t n = 0;
  for (const auto& c : cells) n += !is_missing(c);
  return n;
}

struct options {
  std::string reference, current;
  std::string format = "text";
  std::string output;  // -o FILE; empty: stdout
  std::string model = "default";
  std::size_t max_categories = 50;
  bool fail_on_drift = false;
  driftwatch::monitor_config config;
};

double number_option(const std::string& name, const char* text) {
  auto v = parse_number(text);
  if (!v || !std::isfinite(*v)) throw usage_error{name + " needs a number, got '" + text + "'"};
  return *v;
}

options parse_options(int argc, char** argv) {
  options o;
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
    } else if (arg == "--bins") {
      const char* v = value();
      const double b = number_option(arg, v);
      if (b < 1 || b > 1e6 || b != std::floor(b)) throw usage_error{"--bins needs a whole number from 1 to 1000000, got '" + std::string(v) + "'"};
      o.config.bins = static_cast<std::size_t>(b);
    } else if (arg == "--binning") {
      const std::string v = value();
      if (v == "quantile")
        o.config.method = driftwatch::binning::quantile;
      else if (v == "uniform")
        o.config.method = driftwatch::binning::uniform;
      else
        throw usage_error{"--binning must be quantile or uniform, got '" + v + "'"};
    } else if (arg == "--epsilon") {
      const char* v = value();
      o.config.psi_epsilon = number_option(arg, v);
      if (!(o.config.psi_epsilon > 0 && o.config.psi_epsilon < 1))
        throw usage_error{"--epsilon must be in (0, 1), got '" + std::string(v) + "'"};
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
      o.max_categories = static_cast<std::size_t>(n);
    } else if (arg == "--correction") {
      const std::string v = value();
      if (v == "none")
        o.config.pvalue_correction = driftwatch::correction::none;
      else if (v == "bonferroni")
        o.config.pvalue_correction = driftwatch::correction::bonferroni;
      else if (v == "bh" || v == "benjamini-hochberg")
        o.config.pvalue_correction = driftwatch::correction::benjamini_hochberg;
      else
        throw usage_error{"--correction must be none, bonferroni or bh, got '" + v + "'"};
    } else if (arg == "--psi-threshold") {
      o.config.thresholds.psi = number_option(arg, value());
    } else if (arg == "--js-threshold") {
      o.config.thresholds.js_distance = number_option(arg, value());
    } else if (arg == "--ks-alpha") {
      o.config.thresholds.ks_pvalue = number_option(arg, value());
    } else if (arg == "--chi2-alpha") {
      o.config.thresholds.chi2_pvalue = number_option(arg, value());
    } else if (arg == "--fail-on-drift") {
      o.fail_on_drift = true;
    } else {
      throw usage_error{"unknown option '" + arg + "'"};
    }
  }
  if (o.reference.empty()) throw usage_error{"--reference is required"};
  if (o.current.empty()) throw usage_error{"--current is required"};
  return o;
}

std::string reasons_text(unsigned reasons) {
  std::string out;
  auto add = [&](unsigned flag, const char* name) {
    if (reasons & flag) out += (out.empty() ? "" : ",") + std::string(name);
  };
  add(driftwatch::drift_psi, "psi");
  add(driftwatch::drift_js, "js");
  add(driftwatch::drift_ks, "ks");
  add(driftwatch::drift_chi2, "chi2");
  return out;
}

double value_or_nan(const driftwatch::metric_value& v) { return v.valid() ? v.value : std::nan(""); }

void print_json(const options& o, const std::vector<driftwatch::feature_report>& reports,
                const std::vector<std::string>& only_reference, const std::vector<std::string>& only_current) {
  std::string out = "{\"reference\": " + json_string(o.reference) + ", \"current\": " + json_string(o.current) +
                    ", \"features\": [";
  for (std::size_t i = 0; i < reports.size(); ++i) {
    const auto& r = reports[i];
    const bool numeric = r.kind == driftwatch::feature_kind::numeric;
    out += i ? ",\n  {" : "\n  {";
    out += "\"name\": " + json_string(r.name);
    out += ", \"kind\": " + json_string(driftwatch::to_string(r.kind));
    out += ", \"n_reference\": " + std::to_string(r.n_reference);
    out += ", \"n_current\": " + std::to_string(r.n_current);
    out += ", \"n_missing_reference\": " + std::to_string(r.n_missing_reference);
    out += ", \"n_missing_current\": " + std::to_string(r.n_missing_current);
    out += ", \"n_invalid_reference\": " + std::to_string(r.n_invalid_reference);
    out += ", \"n_invalid_current\": " + std::to_string(r.n_invalid_current);
    out += ", \"psi\": " + json_number(value_or_nan(r.psi));
    out += ", \"js_divergence\": " + json_number(value_or_nan(r.js.divergence));
    out += ", \"js_distance\": " + json_number(value_or_nan(r.js.distance));
    out += ", \"hellinger\": " + json_number(value_or_nan(r.hellinger));
    if (numeric) {
      out += ", \"ks_statistic\": " + json_number(r.ks.valid() ? r.ks.statistic : std::nan(""));
      out += ", \"ks_pvalue\": " + json_number(r.ks.valid() ? r.ks.pvalue : std::nan(""));
      out += ", \"ks_method\": " +
             (r.ks.valid() ? json_string(r.ks.method == driftwatch::ks_method::exact ? "exact" : "asymptotic")
                           : std::string("null"));
      out += ", \"wasserstein\": " + json_number(value_or_nan(r.wasserstein));
    } else {
      out += ", \"chi2_statistic\": " + json_number(r.chi2.valid() ? r.chi2.statistic : std::nan(""));
      out += ", \"chi2_pvalue\": " + json_number(r.chi2.valid() ? r.chi2.pvalue : std::nan(""));
      out += ", \"chi2_dof\": " + (r.chi2.valid() ? std::to_string(r.chi2.dof) : std::string("null"));
    }
    out += ", \"adjusted_pvalue\": " + json_number(r.adjusted_pvalue);
    out += ", \"drift\": " + std::string(r.drift ? "true" : "false");
    out += ", \"drift_reasons\": [";
    const std::string reasons = reasons_text(r.reasons);
    std::size_t start = 0;
    bool first = true;
    while (start < reasons.size()) {
      std::size_t comma = reasons.find(',', start);
      if (comma == std::string::npos) comma = reasons.size();
      out += (first ? "" : ", ") + json_string(reasons.substr(start, comma - start));
      first = false;
      start = comma + 1;
    }
    out += "]";
    out += ", \"invalid_reason\": " + (r.valid() ? std::string("null") : json_string(r.invalid_reason));
    out += "}";
  }
  out += "\n], \"only_in_reference\": [";
  for (std::size_t i = 0; i < only_reference.size(); ++i) out += (i ? ", " : "") + json_string(only_reference[i]);
  out += "], \"only_in_current\": [";
  for (std::size_t i = 0; i < only_current.size(); ++i) out += (i ? ", " : "") + json_string(only_current[i]);
  std::size_t drifted = 0;
  for (const auto& r : reports) drifted += r.drift;
  out += "], \"n_drifted\": " + std::to_string(drifted) + "}\n";
  std::fputs(out.c_str(), stdout);
}

void print_text(const options& o, const std::vector<driftwatch::feature_report>& reports,
                const std::vector<std::string>& only_reference, const std::vector<std::string>& only_current) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"", "feature", "kind", "n_ref", "n_cur", "missing", "PSI", "JS dist", "Hellinger", "test",
                  "stat", "p-value", "W1", "drift"});
  std::size_t drifted = 0;
  for (const auto& r : reports) {
    const bool numeric = r.kind == driftwatch::feature_kind::numeric;
    drifted += r.drift;
    std::string verdict = r.valid() ? (r.drift ? "DRIFT (" + reasons_text(r.reasons) + ")" : "ok")
                                    : std::string("n/a: ") + r.invalid_reason;
    rows.push_back({r.drift ? "*" : "", r.name, numeric ? "num" : "cat", std::to_string(r.n_reference),
                    std::to_string(r.n_current),
                    std::to_string(r.n_missing_current + r.n_invalid_current),
                    human(value_or_nan(r.psi)), human(value_or_nan(r.js.distance)), human(value_or_nan(r.hellinger)),
                    numeric ? "KS" : "chi2",
                    human(numeric ? (r.ks.valid() ? r.ks.statistic : std::nan("")) : (r.chi2.valid() ? r.chi2.statistic : std::nan(""))),
                    human(r.adjusted_pvalue), numeric ? human(value_or_nan(r.wasserstein)) : "-", verdict});
  }
  std::vector<std::size_t> width(rows[0].size(), 0);
  for (const auto& row : rows)
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  std::printf("driftwatch drift: %s vs reference %s\n\n", o.current.c_str(), o.reference.c_str());
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      const bool left = c <= 2 || c == 9 || c + 1 == row.size();
      std::string cell = row[c];
      std::string pad(width[c] - cell.size(), ' ');
      line += left ? cell + pad : pad + cell;
      if (c + 1 < row.size()) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::printf("%s\n", line.c_str());
  }
  std::printf("\n%zu of %zu features drifted", drifted, reports.size());
  std::printf(" (thresholds: PSI > %s, JS distance > %s, KS/chi2 p < %s%s)\n", human(o.config.thresholds.psi).c_str(),
              human(o.config.thresholds.js_distance).c_str(), human(o.config.thresholds.ks_pvalue).c_str(),
              o.config.pvalue_correction == driftwatch::correction::none ? ""
              : o.config.pvalue_correction == driftwatch::correction::bonferroni ? ", Bonferroni-corrected"
                                                                                   : ", Benjamini-Hochberg-corrected");
  for (const auto& c : only_reference) std::printf("column '%s' is only in the reference: not compared\n", c.c_str());
  for (const auto& c : only_current) std::printf("column '%s' is only in the current file: not compared\n", c.c_str());
}

// The exposition of the same series a service exports with
// driftwatch::prometheus::monitor_exporter (docs/prometheus.md).
void print_exposition(const options& o, const driftwatch::drift_monitor& monitor) {
  namespace pm = driftwatch::prometheus;
  pm::registry metrics;
  pm::monitor_exporter_options eo;
  eo.max_categories = o.max_categories;
  pm::monitor_exporter exporter(metrics, o.model, eo);
  exporter.publish(monitor);
  const std::string out = metrics.render(o.format == "openmetrics" ? pm::exposition_format::openmetrics_1_0_0
                                                                   : pm::exposition_format::text_0_0_4);
  std::fputs(out.c_str(), stdout);
}

int run(int argc, char** argv) {
  const options o = parse_options(argc, argv);
  const csv_table reference = read_csv(o.reference);
  const csv_table current = read_csv(o.current);

  std::vector<std::string> only_reference, only_current;
  std::vector<std::pair<std::size_t, std::size_t>> common;
  for (std::size_t i = 0; i < reference.header.size(); ++i) {
    bool found = false;
    for (std::size_t j = 0; j < current.header.size(); ++j)
      if (reference.header[i] == current.header[j]) {
        common.emplace_back(i, j);
        found = true;
      }
    if (!found) only_reference.push_back(reference.header[i]);
  }
  for (const auto& name : current.header) {
    bool found = false;
    for (const auto& r : reference.header) found = found || r == name;
    if (!found) only_current.push_back(name);
  }
  if (common.empty())
    throw csv_error("no column is present in both " + o.reference + " and " + o.current +
                    " (compare the header rows)");

  driftwatch::drift_monitor monitor(o.config);
  for (const auto& [ri, ci] : common) {
    const auto& name = reference.header[ri];
    const auto& ref_cells = reference.columns[ri];
    const auto& cur_cells = current.columns[ci];
    const std::size_t ref_present = count_present(ref_cells);
    if (ref_present == 0)
      throw csv_error(o.reference + ": column '" + name + "' has no values (" + std::to_string(ref_cells.size()) +
                      " rows, all empty)");
    const std::uint64_t ref_missing = ref_cells.size() - ref_present;
    driftwatch::drift_monitor::feature_id id;
    if (all_numeric(ref_cells) && all_numeric(cur_cells)) {
      std::vector<double> values;
      values.reserve(ref_present);
      for (const auto& c : ref_cells)
        if (!is_missing(c)) values.push_back(*parse_number(c));
      bool any_finite = false;
      for (double v : values) any_finite = any_finite || std::isfinite(v);
      if (!any_finite)
        throw csv_error(o.reference + ": column '" + name + "' has no finite number (all NaN or infinite)");
      id = monitor.add_numeric(name, values, ref_missing);
      for (const auto& c : cur_cells) {
        if (is_missing(c))
          monitor.observe_missing(id);
        else
          monitor.observe(id, *parse_number(c));
      }
    } else {
      std::vector<std::string_view> values;
      for (const auto& c : ref_cells)
        if (!is_missing(c)) values.emplace_back(c);
      id = monitor.add_categorical(name, values, ref_missing);
      for (const auto& c : cur_cells) {
        if (is_missing(c))
          monitor.observe_missing(id);
        else
          monitor.observe(id, std::string_view(c));
      }
    }
  }
  const auto reports = monitor.report();
  if (const auto e = redirect_stdout(o.output); !e.empty()) throw csv_error(e);
  if (o.format == "html") {
    // The ECDFs need the numeric values: parse the columns held above once more.
    std::vector<html_report::numeric_sample> samples(common.size());
    for (std::size_t k = 0; k < common.size(); ++k) {
      if (reports[k].kind != driftwatch::feature_kind::numeric) continue;
      for (const auto& c : reference.columns[common[k].first])
        if (const auto v = parse_number(c)) samples[k].reference.push_back(*v);
      for (const auto& c : current.columns[common[k].second])
        if (const auto v = parse_number(c)) samples[k].current.push_back(*v);
    }
    std::fputs(html_report::render_drift(html_report::make_drift_model(monitor, reports, std::move(samples),
                                                                       o.reference, o.current, only_reference,
                                                                       only_current)).c_str(), stdout);
  } else if (o.format == "prometheus" || o.format == "openmetrics")
    print_exposition(o, monitor);
  else if (o.format == "json")
    print_json(o, reports, only_reference, only_current);
  else
    print_text(o, reports, only_reference, only_current);
  if (const auto e = finish_output(o.output); !e.empty()) throw csv_error(e);
  bool any_drift = false;
  for (const auto& r : reports) any_drift = any_drift || r.drift;
  return (o.fail_on_drift && any_drift) ? 3 : 0;
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
  } catch (const driftwatch::error& e) {
    std::fprintf(stderr, "driftwatch drift: %s\n", e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "driftwatch drift: out of memory\n");
    return 1;
  }
}

}  // namespace driftwatch_cli
