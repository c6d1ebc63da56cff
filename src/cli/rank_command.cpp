// `driftwatch rank`: trec_eval's ranking measures for a TREC qrels + run.
// With the default options it prints what
//   trec_eval -m num_q -m map -m Rprec -m recip_rank -m P.K -m recall.K
//             -m ndcg_cut.K -m map_cut.K -m success.K [-q] QRELS RUN
// prints (same names, order, layout and %6.4f rounding; see docs/ranking.md);
// -k 5,10,20 and -m choose cutoffs and measures (num_ret, num_rel and
// num_rel_ret included) as trec_eval's -m does, and --fail-below gates.
// Structure: parse options -> read (trec_io.hpp) -> evaluate (rank_eval.hpp)
// -> summary -> print in the chosen format.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <driftwatch/adapters/prometheus_ranking.hpp>
#include <driftwatch/metrics/ranking.hpp>
#include <driftwatch/metrics/ranking_accumulator.hpp>

#include "commands.hpp"
#include "drift_json.hpp"
#include "format.hpp"
#include "progress.hpp"
#include "rank_eval.hpp"
#include "html_report.hpp"
#include "output_file.hpp"
#include "trec_io.hpp"

namespace driftwatch_cli {
namespace {

const char rank_usage[] =
    "usage: driftwatch rank --qrels QRELS --run RUN [-k K[,K...]] [-m MEASURE[.K,...]]...\n"
    "                       [--format FORMAT] [--per-query] [--fail-below MEASURE=VALUE]...\n"
    "                       [--relevance-level L] [--ties trec|optimistic|pessimistic|average]\n"
    "                       [--gain linear|exponential|binary] [--model NAME] [--model-version V]\n"
    "                       [--baseline RUN] [-o FILE]\n"
    "\n"
    "Evaluates a TREC run (qid Q0 docno rank score tag) against TREC relevance\n"
    "judgments (qid iter docno rel) with trec_eval's rules: documents ranked by\n"
    "score descending, ties by docno descending; queries absent from the qrels or\n"
    "the run are not evaluated; averages are over evaluated queries (num_q).\n"
    "QRELS and RUN may be gzip-compressed (recognised by content), and either may\n"
    "be - for standard input.\n"
    "\n"
    "options:\n"
    "  --qrels FILE          relevance judgments (FILE, FILE.gz or -)\n"
    "  --run FILE            the ranking to evaluate (FILE, FILE.gz or -)\n"
    "  -k K[,K...]           cutoffs of P, recall, ndcg_cut, map_cut, success (default 10);\n"
    "                        several print one line each, ascending (trec_eval -m P.5,10,20)\n"
    "  -m MEASURE[.K,...]    print only the measures named (repeatable), in trec_eval's order:\n"
    "                        num_q num_ret num_rel num_rel_ret map Rprec recip_rank P recall\n"
    "                        ndcg_cut map_cut success; .K,... gives a cut measure its own\n"
    "                        cutoffs (default: those of -k). Without -m: num_q, map, Rprec,\n"
    "                        recip_rank, P, recall, ndcg_cut, map_cut, success\n"
    "  --fail-below M=V      exit with status 3 when measure M's value over all queries\n"
    "                        (unrounded, as printed by --format json) is below V; M is a\n"
    "                        printed name (map, P_10, num_rel_ret, ...); repeatable\n"
    "  --format text|json|prometheus|openmetrics|html\n"
    "                        text: trec_eval's layout (default); json: an object keyed by measure;\n"
    "                        prometheus: the text exposition 0.0.4 of the ranking series\n"
    "                        (driftwatch_ranking_metric_sum/_count per metric and cutoff,\n"
    "                        docs/prometheus.md); openmetrics: the same as OpenMetrics 1.0\n"
    "                        (--per-query and -m do not apply to these two)\n"
    "                        html: one self-contained page with plots (docs/report.md)\n"
    "  --baseline RUN        (html) a second run: per-query differences and the paired t-test\n"
    "                        of RUN (canary) against this baseline, per measure\n"
    "  -o, --output FILE     write the report to FILE instead of standard output\n"
    "  --model NAME          `model` label of prometheus output (default default)\n"
    "  --model-version V     `model_version` label of prometheus output (default: the run's file name)\n"
    "  --per-query           also print every query's values (like trec_eval -q)\n"
    "  --relevance-level L   minimum grade that counts as relevant (trec_eval -l; default 1)\n"
    "  --ties POLICY         order of tied scores (default trec: docno descending)\n"
    "  --gain GAIN           NDCG gain (default linear: the grade, like trec_eval)\n"
    "\n"
    "A progress line (rows read, rate, elapsed) appears on standard error when it\n"
    "is a terminal and an input takes longer than a second to read.\n"
    "\n"
    "exit status: 0 measures printed, 1 bad or unreadable input (or no query in\n"
    "both files), 2 bad usage, 3 a --fail-below threshold not met (measures printed)\n";

struct rank_usage_error {
  std::string message;
};

// The measures trec_eval prints, in its order (te_trec_measures); the cut
// measures after num_rel_ret are the library's ranking_metric values.
enum class measure : unsigned {
  num_q, num_ret, num_rel, num_rel_ret,
  map, Rprec, recip_rank, P, recall, ndcg_cut, map_cut, success,
  count
};
constexpr std::size_t measure_count = static_cast<std::size_t>(measure::count);
const char* const measure_names[measure_count] = {"num_q", "num_ret", "num_rel", "num_rel_ret",
                                                  "map", "Rprec", "recip_rank", "P", "recall",
                                                  "ndcg_cut", "map_cut", "success"};
constexpr std::size_t first_metric = static_cast<std::size_t>(measure::map);

bool is_cut(std::size_t m) { return m >= static_cast<std::size_t>(measure::P); }

struct rank_options {
  std::string qrels, run, format = "text";
  std::string model = "default", model_version;
  std::string baseline, output;  // --baseline RUN (html), -o FILE
  std::vector<std::size_t> k{10};
  bool per_query = false;
  driftwatch::ranking_policy policy;
  // -m: which measures, and a cut measure's own cutoffs (empty: those of -k).
  bool chosen = false;
  bool wanted[measure_count] = {};
  std::vector<std::size_t> cutoffs[measure_count];
  std::vector<std::pair<std::string, double>> fail_below;
};

long whole_number(const std::string& option, const char* text, long lo, long hi) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (!*text || *end || v < lo || v > hi)
    throw rank_usage_error{option + " needs a whole number from " + std::to_string(lo) + " to " +
                           std::to_string(hi) + ", got '" + text + "'"};
  return v;
}

// "5,10,20" -> {5, 10, 20}, ascending; duplicates are an error (as in trec_eval).
std::vector<std::size_t> cutoff_list(const std::string& option, const std::string& text) {
  std::vector<std::size_t> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = text.find(',', start);
    const std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    out.push_back(static_cast<std::size_t>(whole_number(option, item.c_str(), 1, 100000000)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  std::sort(out.begin(), out.end());
  if (std::adjacent_find(out.begin(), out.end()) != out.end())
    throw rank_usage_error{option + " lists a cutoff twice: '" + text + "'"};
  return out;
}

rank_options parse_rank_options(int argc, char** argv) {
  rank_options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) throw rank_usage_error{arg + " needs a value"};
      return argv[++i];
    };
    if (arg == "--qrels") {
      o.qrels = value();
    } else if (arg == "--run") {
      o.run = value();
    } else if (arg == "-k" || arg == "--k") {
      o.k = cutoff_list(arg, value());
    } else if (arg == "-m" || arg == "--measure") {
      const std::string v = value();
      const std::size_t dot = v.find('.');
      const std::string name = v.substr(0, dot);
      const auto it = std::find_if(std::begin(measure_names), std::end(measure_names),
                                   [&](const char* n) { return name == n; });
      if (it == std::end(measure_names))
        throw rank_usage_error{arg + ": unknown measure '" + name +
                               "' (num_q, num_ret, num_rel, num_rel_ret, map, Rprec, recip_rank, P, recall, "
                               "ndcg_cut, map_cut, success)"};
      const std::size_t m = static_cast<std::size_t>(it - std::begin(measure_names));
      if (o.wanted[m]) throw rank_usage_error{arg + ": " + name + " named twice (list its cutoffs once: P.5,10)"};
      if (dot != std::string::npos) {
        if (!is_cut(m)) throw rank_usage_error{arg + ": " + name + " takes no cutoffs, got '" + v + "'"};
        o.cutoffs[m] = cutoff_list(arg + " " + name, v.substr(dot + 1));
      }
      o.wanted[m] = true;
      o.chosen = true;
    } else if (arg == "--fail-below") {
      const std::string v = value();
      const std::size_t eq = v.find('=');
      char* end = nullptr;
      const char* num = eq == std::string::npos ? "" : v.c_str() + eq + 1;
      const double threshold = std::strtod(num, &end);
      if (eq == std::string::npos || eq == 0 || !*num || *end || !std::isfinite(threshold))
        throw rank_usage_error{"--fail-below needs MEASURE=VALUE (e.g. map=0.25), got '" + v + "'"};
      o.fail_below.emplace_back(v.substr(0, eq), threshold);
    } else if (arg == "--format") {
      o.format = value();
      if (o.format != "text" && o.format != "json" && o.format != "prometheus" && o.format != "openmetrics" &&
          o.format != "html")
        throw rank_usage_error{"--format must be text, json, prometheus, openmetrics or html, got '" + o.format + "'"};
    } else if (arg == "--baseline") {
      o.baseline = value();
    } else if (arg == "-o" || arg == "--output") {
      o.output = value();
    } else if (arg == "--model") {
      o.model = value();
    } else if (arg == "--model-version") {
      o.model_version = value();
    } else if (arg == "--per-query" || arg == "-q") {
      o.per_query = true;
    } else if (arg == "--relevance-level" || arg == "-l") {
      o.policy.relevance_level = static_cast<int>(whole_number(arg, value(), 1, 1000000));
    } else if (arg == "--ties") {
      const std::string v = value();
      if (v == "trec" || v == "id_descending") o.policy.ties = driftwatch::tie_policy::id_descending;
      else if (v == "optimistic") o.policy.ties = driftwatch::tie_policy::optimistic;
      else if (v == "pessimistic") o.policy.ties = driftwatch::tie_policy::pessimistic;
      else if (v == "average") o.policy.ties = driftwatch::tie_policy::average;
      else throw rank_usage_error{"--ties must be trec, optimistic, pessimistic or average, got '" + v + "'"};
    } else if (arg == "--gain") {
      const std::string v = value();
      if (v == "linear") o.policy.gain = driftwatch::gain_function::linear;
      else if (v == "exponential") o.policy.gain = driftwatch::gain_function::exponential;
      else if (v == "binary") o.policy.gain = driftwatch::gain_function::binary;
      else throw rank_usage_error{"--gain must be linear, exponential or binary, got '" + v + "'"};
    } else {
      throw rank_usage_error{"unknown option '" + arg + "'"};
    }
  }
  if (o.qrels.empty()) throw rank_usage_error{"--qrels is required"};
  if (o.run.empty()) throw rank_usage_error{"--run is required"};
  if (o.qrels == "-" && o.run == "-") throw rank_usage_error{"--qrels and --run cannot both be - (standard input)"};
  if (o.chosen && (o.format == "prometheus" || o.format == "openmetrics"))
    throw rank_usage_error{"-m applies to --format text and json (" + o.format + " exports every metric)"};
  if (!o.chosen) {  // trec_eval's measures of the original command, at -k
    o.wanted[static_cast<std::size_t>(measure::num_q)] = true;
    for (std::size_t m = first_metric; m < measure_count; ++m) o.wanted[m] = true;
  }
  for (std::size_t m = 0; m < measure_count; ++m)
    if (o.wanted[m] && is_cut(m) && o.cutoffs[m].empty()) o.cutoffs[m] = o.k;
  if (!o.baseline.empty() && o.format != "html") throw rank_usage_error{"--baseline needs --format html"};
  if (o.model_version.empty()) {
    const auto slash = o.run.find_last_of('/');
    o.model_version = slash == std::string::npos ? o.run : o.run.substr(slash + 1);
  }
  return o;
}

struct query_result {
  std::string qid;
  driftwatch::ranking_metrics metrics;        // at the first cutoff (k_values[0])
  std::vector<driftwatch::ranking_metrics> at_k;  // at every cutoff, k_values order
  long num_ret = 0, num_rel = 0, num_rel_ret = 0;
};

// One printed line per query (and one summary line): a measure at a cutoff.
struct column {
  std::string name;        // trec_eval's: map, P_10, num_ret, ...
  measure what;
  std::size_t k_index = 0; // into k_values, for the library's metrics
  bool integer() const { return what < measure::map; }
  double value(const query_result& r) const {
    switch (what) {
      case measure::num_ret: return static_cast<double>(r.num_ret);
      case measure::num_rel: return static_cast<double>(r.num_rel);
      case measure::num_rel_ret: return static_cast<double>(r.num_rel_ret);
      default: break;
    }
    const auto m = static_cast<driftwatch::ranking_metric>(static_cast<unsigned>(what) - first_metric);
    return r.at_k[k_index][m];
  }
};

void print_json_number(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  std::fputs(buf, stdout);
}

// A qid as a JSON string: the same writer as `driftwatch drift --format json`
// (nlohmann's escaping, bytes that are not UTF-8 read as Latin-1), so a run
// file's odd bytes never make the output invalid JSON.
void print_json_string(const std::string& s) { std::fputs(json_string(utf8_clean(s)).c_str(), stdout); }

void print_json_value(const column& c, double v) {
  if (c.integer()) std::printf("%ld", static_cast<long>(v));
  else print_json_number(v);
}

// A query's printed values from its evaluation (the first cutoff's metrics
// are the ones that do not depend on k).
query_result to_result(const trec::qrels& judgments, query_eval&& e) {
  query_result r;
  r.qid = judgments.qids[e.qrels_index];
  r.metrics = e.at_k[0];
  r.at_k = std::move(e.at_k);
  r.num_ret = e.num_ret;
  r.num_rel = e.num_rel;
  r.num_rel_ret = e.num_rel_ret;
  return r;
}

int run_rank_checked(int argc, char** argv) {
  const rank_options o = parse_rank_options(argc, argv);

  // Read both inputs (qrels first, so its errors come first).
  progress_meter progress("driftwatch rank: " + (o.qrels == "-" ? std::string("standard input") : o.qrels));
  const trec::qrels judgments = trec::read_qrels(o.qrels, &progress);
  progress.restart("driftwatch rank: " + (o.run == "-" ? std::string("standard input") : o.run));
  const trec::run run = trec::read_run(o.run, &progress);

  // One evaluator per distinct cutoff; map, Rprec and recip_rank do not depend on it.
  std::vector<std::size_t> k_values;
  for (std::size_t m = 0; m < measure_count; ++m)
    k_values.insert(k_values.end(), o.cutoffs[m].begin(), o.cutoffs[m].end());
  if (k_values.empty()) k_values.push_back(o.k.front());
  std::sort(k_values.begin(), k_values.end());
  k_values.erase(std::unique(k_values.begin(), k_values.end()), k_values.end());
  std::vector<driftwatch::ranking_evaluator> evaluators;
  for (std::size_t k : k_values) evaluators.emplace_back(k, o.policy);
  auto k_index = [&](std::size_t k) {
    return static_cast<std::size_t>(std::lower_bound(k_values.begin(), k_values.end(), k) - k_values.begin());
  };

  // Evaluate (both cores; rank_eval.hpp), then collect in strcmp order of qid.
  std::vector<query_eval> evaluated =
      evaluate_queries(judgments, run, evaluators, o.policy.relevance_level);
  std::vector<query_result> results;
  // The same numbers as a service's ranking_accumulator would export, per cutoff.
  std::vector<driftwatch::ranking_accumulator> acc;
  for (std::size_t k : k_values) acc.emplace_back(o.model_version, k, o.policy);
  for (auto& e : evaluated) {
    for (std::size_t i = 0; i < acc.size(); ++i) acc[i].observe(e.at_k[i]);
    if (!e.at_k[0].valid()) continue;  // only "no relevant items" under a skip policy
    results.push_back(to_result(judgments, std::move(e)));
  }
  if (results.empty()) {
    std::fprintf(stderr, "driftwatch rank: no queries with both results and relevance judgments (%s, %s)\n",
                 o.run.c_str(), o.qrels.c_str());
    return 1;
  }

  // The printed measures, in trec_eval's order, each cut measure at its cutoffs.
  std::vector<column> columns;
  for (std::size_t m = 1; m < measure_count; ++m) {  // num_q is printed on its own
    if (!o.wanted[m]) continue;
    const auto what = static_cast<measure>(m);
    if (!is_cut(m)) {
      columns.push_back({measure_names[m], what, 0});
      continue;
    }
    for (std::size_t k : o.cutoffs[m])
      columns.push_back({std::string(measure_names[m]) + "_" + std::to_string(k), what, k_index(k)});
  }
  const bool show_num_q = o.wanted[static_cast<std::size_t>(measure::num_q)];

  // trec_eval's summary: counts summed; other measures' per-query values
  // summed in query order, then / num_q.
  const double num_q = static_cast<double>(results.size());
  std::vector<double> summary(columns.size(), 0.0);
  for (const auto& r : results)
    for (std::size_t c = 0; c < columns.size(); ++c) summary[c] += columns[c].value(r);
  for (std::size_t c = 0; c < columns.size(); ++c)
    if (!columns[c].integer()) summary[c] /= num_q;

  // --fail-below names a printed measure (any cutoff of the library's metrics
  // with prometheus, which prints them all).
  std::vector<std::string> gate_failures;
  for (const auto& [name, threshold] : o.fail_below) {
    double value = 0.0;
    bool known = false;
    if (name == "num_q") {
      value = num_q;
      known = true;
    }
    for (std::size_t c = 0; c < columns.size() && !known; ++c)
      if (columns[c].name == name) {
        value = summary[c];
        known = true;
      }
    if (!known) {
      std::string names = show_num_q ? "num_q" : "";
      for (const auto& c : columns) names += (names.empty() ? "" : ", ") + c.name;
      throw rank_usage_error{"--fail-below " + name + ": not a measure of this run (" + names + ")"};
    }
    if (value < threshold) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "%s %.6g is below %.6g", name.c_str(), value, threshold);
      gate_failures.push_back(buf);
    }
  }

  static char out_buffer[1 << 16];
  std::setvbuf(stdout, out_buffer, _IOFBF, sizeof out_buffer);
  if (o.format == "html") {
    html_report::rank_model page;
    page.qrels_path = o.qrels;
    page.run_path = o.run;
    page.settings = html_report::ranking_settings(o.k.front(), o.policy);
    if (o.k.size() > 1) {  // "cutoff k = 10, ..." -> "cutoffs k = 5, 10, ..."
      std::string ks;
      for (std::size_t k : o.k) ks += (ks.empty() ? "" : ", ") + std::to_string(k);
      const std::size_t comma = page.settings.find(',');
      page.settings = "cutoffs k = " + ks + (comma == std::string::npos ? "" : page.settings.substr(comma));
    }
    for (std::size_t c = 0; c < columns.size(); ++c) {
      page.measures.push_back(columns[c].name);
      page.means.push_back(summary[c]);
    }
    for (const auto& [name, threshold] : o.fail_below) page.gate_checks.push_back(name + " >= " + shortest(threshold));
    page.gate_failures = gate_failures;
    auto as_query = [&](const query_result& r) {
      html_report::rank_query q{r.qid, {}};
      for (const auto& c : columns) q.values.push_back(c.value(r));
      return q;
    };
    for (const auto& r : results) page.queries.push_back(as_query(r));
    if (!o.baseline.empty()) {
      const trec::run baseline = trec::read_run(o.baseline);
      std::vector<query_eval> base_eval = evaluate_queries(judgments, baseline, evaluators, o.policy.relevance_level);
      std::vector<html_report::rank_query> base;
      for (auto& e : base_eval) {
        if (e.at_k[0].valid()) base.push_back(as_query(to_result(judgments, std::move(e))));
      }
      html_report::pair_with_baseline(page, o.baseline, base);
    }
    // Only now, so a bad baseline leaves FILE as it was.
    if (const auto e = redirect_stdout(o.output); !e.empty()) throw trec::input_error(e);
    std::fputs(html_report::render_rank(page).c_str(), stdout);
    if (const auto e = finish_output(o.output); !e.empty()) throw trec::input_error(e);
    if (!gate_failures.empty()) {
      for (const auto& f : gate_failures) std::fprintf(stderr, "driftwatch rank: %s (--fail-below)\n", f.c_str());
      return 3;
    }
    return 0;
  }
  if (const auto e = redirect_stdout(o.output); !e.empty()) throw trec::input_error(e);
  if (o.format == "prometheus" || o.format == "openmetrics") {
    namespace pm = driftwatch::prometheus;
    pm::registry exposition;
    pm::ranking_exporter exporter(exposition, o.model);
    for (const auto& a : acc) exporter.publish(a);
    const std::string out = exposition.render(o.format == "openmetrics" ? pm::exposition_format::openmetrics_1_0_0
                                                                        : pm::exposition_format::text_0_0_4);
    std::fputs(out.c_str(), stdout);
  } else if (o.format == "text") {
    if (o.per_query) {
      for (const auto& r : results)
        for (const auto& c : columns) {
          if (c.integer()) std::printf("%-22s\t%s\t%ld\n", c.name.c_str(), r.qid.c_str(), static_cast<long>(c.value(r)));
          else std::printf("%-22s\t%s\t%6.4f\n", c.name.c_str(), r.qid.c_str(), c.value(r));
        }
    }
    if (show_num_q) std::printf("%-22s\tall\t%zu\n", "num_q", results.size());
    for (std::size_t c = 0; c < columns.size(); ++c) {
      if (columns[c].integer()) std::printf("%-22s\tall\t%ld\n", columns[c].name.c_str(), static_cast<long>(summary[c]));
      else std::printf("%-22s\tall\t%6.4f\n", columns[c].name.c_str(), summary[c]);
    }
  } else {
    std::fputc('{', stdout);
    bool first = true;
    if (show_num_q) {
      std::printf("\"num_q\": %zu", results.size());
      first = false;
    }
    for (std::size_t c = 0; c < columns.size(); ++c) {
      std::printf("%s\"%s\": ", first ? "" : ", ", columns[c].name.c_str());
      print_json_value(columns[c], summary[c]);
      first = false;
    }
    if (o.per_query) {
      std::printf("%s\"per_query\": {", first ? "" : ", ");
      for (std::size_t q = 0; q < results.size(); ++q) {
        if (q) std::fputs(", ", stdout);
        print_json_string(results[q].qid);
        std::fputs(": {", stdout);
        for (std::size_t c = 0; c < columns.size(); ++c) {
          std::printf("%s\"%s\": ", c ? ", " : "", columns[c].name.c_str());
          print_json_value(columns[c], columns[c].value(results[q]));
        }
        std::fputs("}", stdout);
      }
      std::fputs("}", stdout);
    }
    std::fputs("}\n", stdout);
  }
  std::fflush(stdout);
  if (const auto e = finish_output(o.output); !e.empty()) throw trec::input_error(e);
  if (!gate_failures.empty()) {
    for (const auto& f : gate_failures) std::fprintf(stderr, "driftwatch rank: %s (--fail-below)\n", f.c_str());
    return 3;
  }
  return 0;
}

}  // namespace

int run_rank(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) {
      std::fputs(rank_usage, stdout);
      return 0;
    }
  try {
    return run_rank_checked(argc, argv);
  } catch (const rank_usage_error& e) {
    std::fprintf(stderr, "driftwatch rank: %s\n\n%s", e.message.c_str(), rank_usage);
    return 2;
  } catch (const input::error& e) {  // trec::input_error too
    std::fprintf(stderr, "driftwatch rank: %s\n", e.what());
    return 1;
  } catch (const driftwatch::error& e) {
    std::fprintf(stderr, "driftwatch rank: %s\n", e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "driftwatch rank: out of memory\n");
    return 1;
  }
}

}  // namespace driftwatch_cli
