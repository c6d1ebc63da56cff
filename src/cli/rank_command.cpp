// `driftwatch rank`: trec_eval's ranking measures for a TREC qrels + run.
// With the default options it prints what
//   trec_eval -m num_q -m map -m Rprec -m recip_rank -m P.K -m recall.K
//             -m ndcg_cut.K -m map_cut.K -m success.K [-q] QRELS RUN
// prints (same names, order, layout and %6.4f rounding; see docs/ranking.md).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <driftwatch/adapters/prometheus_ranking.hpp>
#include <driftwatch/ranking.hpp>
#include <driftwatch/ranking_accumulator.hpp>

#include "commands.hpp"
#include "html_report.hpp"
#include "output_file.hpp"
#include "trec_io.hpp"

namespace driftwatch_cli {
namespace {

const char rank_usage[] =
    "usage: driftwatch rank --qrels QRELS --run RUN [-k K] [--format FORMAT] [--per-query]\n"
    "                       [--relevance-level L] [--ties trec|optimistic|pessimistic|average]\n"
    "                       [--gain linear|exponential|binary] [--model NAME] [--model-version V]\n"
    "                       [--baseline RUN] [-o FILE]\n"
    "\n"
    "Evaluates a TREC run (qid Q0 docno rank score tag) against TREC relevance\n"
    "judgments (qid iter docno rel) with trec_eval's rules: documents ranked by\n"
    "score descending, ties by docno descending; queries absent from the qrels or\n"
    "the run are not evaluated; averages are over evaluated queries (num_q).\n"
    "\n"
    "options:\n"
    "  --qrels FILE          relevance judgments\n"
    "  --run FILE            the ranking to evaluate\n"
    "  -k K                  cutoff of P, recall, ndcg_cut, map_cut, success (default 10)\n"
    "  --format text|json|prometheus|openmetrics|html\n"
    "                        text: trec_eval's layout (default); json: an object keyed by measure;\n"
    "                        prometheus: the text exposition 0.0.4 of the ranking series\n"
    "                        (driftwatch_ranking_metric_sum/_count per metric, docs/prometheus.md);\n"
    "                        openmetrics: the same as OpenMetrics 1.0 (--per-query is ignored)\n"
    "                        html: one self-contained page with plots (docs/report.md)\n"
    "  --baseline RUN        (html) a second run: per-query differences and the paired t-test\n"
    "                        of RUN (canary) against this baseline, per measure\n"
    "  -o, --output FILE     write the report to FILE instead of standard output\n"
    "  --model NAME          `model` label of prometheus output (default default)\n"
    "  --model-version V     `model_version` label of prometheus output (default: the run's file name)\n"
    "  --per-query           also print every query's values (like trec_eval -q)\n"
    "  --relevance-level L   minimum grade that counts as relevant (trec_eval -l; default 1)\n"
    "  --ties POLICY         order of tied scores (default trec: docno descending)\n"
    "  --gain GAIN           NDCG gain (default linear: the grade, like trec_eval)\n";

struct rank_usage_error {
  std::string message;
};

struct rank_options {
  std::string qrels, run, format = "text";
  std::string model = "default", model_version;
  std::string baseline, output;  // --baseline RUN (html), -o FILE
  std::size_t k = 10;
  bool per_query = false;
  driftwatch::ranking_policy policy;
};

long whole_number(const std::string& option, const char* text, long lo, long hi) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (!*text || *end || v < lo || v > hi)
    throw rank_usage_error{option + " needs a whole number from " + std::to_string(lo) + " to " +
                           std::to_string(hi) + ", got '" + text + "'"};
  return v;
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
      o.k = static_cast<std::size_t>(whole_number(arg, value(), 1, 100000000));
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
  if (!o.baseline.empty() && o.format != "html") throw rank_usage_error{"--baseline needs --format html"};
  if (o.model_version.empty()) {
    const auto slash = o.run.find_last_of('/');
    o.model_version = slash == std::string::npos ? o.run : o.run.substr(slash + 1);
  }
  return o;
}

struct query_result {
  std::string qid;
  driftwatch::ranking_metrics metrics;
};

// One query through the score-row path: the run's documents become columns in
// strcmp order of docno, so "larger id first" on ties is trec_eval's "docno
// descending"; judged documents missing from the run get ids past the row.
driftwatch::ranking_metrics evaluate_query(const driftwatch::ranking_evaluator& ev,
                                           const std::vector<trec::retrieved_doc>& retrieved,
                                           const std::vector<trec::judged_doc>& judged) {
  std::vector<const trec::retrieved_doc*> by_docno;
  by_docno.reserve(retrieved.size());
  for (const auto& d : retrieved) by_docno.push_back(&d);
  std::sort(by_docno.begin(), by_docno.end(),
            [](const trec::retrieved_doc* a, const trec::retrieved_doc* b) { return a->docno < b->docno; });
  std::vector<double> row(by_docno.size());
  for (std::size_t i = 0; i < by_docno.size(); ++i) row[i] = by_docno[i]->score;
  std::vector<driftwatch::judgment> judgments;
  judgments.reserve(judged.size());
  driftwatch::item_id next_missing = row.size();
  for (const auto& j : judged) {
    auto it = std::lower_bound(by_docno.begin(), by_docno.end(), j.docno,
                               [](const trec::retrieved_doc* d, const std::string& key) { return d->docno < key; });
    const bool found = it != by_docno.end() && (*it)->docno == j.docno;
    judgments.push_back({found ? static_cast<driftwatch::item_id>(it - by_docno.begin()) : next_missing++, j.rel});
  }
  return ev.scores(row, judgments);
}

void print_json_number(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  std::fputs(buf, stdout);
}

void print_json_string(const std::string& s) {
  std::fputc('"', stdout);
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') std::printf("\\%c", c);
    else if (c < 0x20) std::printf("\\u%04x", c);
    else std::fputc(c, stdout);
  }
  std::fputc('"', stdout);
}

int run_rank_checked(int argc, char** argv) {
  const rank_options o = parse_rank_options(argc, argv);
  const trec::qrels judgments = trec::read_qrels(o.qrels);
  const trec::run run = trec::read_run(o.run);
  const driftwatch::ranking_evaluator ev(o.k, o.policy);

  std::vector<query_result> results;
  // The same numbers as a service's ranking_accumulator would export.
  driftwatch::ranking_accumulator acc(o.model_version, o.k, o.policy);
  for (const auto& q : judgments) {  // strcmp order of qid, like trec_eval
    const auto r = run.find(q.first);
    if (r == run.end()) continue;    // judged but not retrieved: not evaluated
    const auto m = evaluate_query(ev, r->second, q.second);
    acc.observe(m);
    if (!m.valid()) continue;        // only "no relevant items" under a skip policy
    results.push_back({q.first, m});
  }
  if (results.empty()) {
    std::fprintf(stderr, "driftwatch rank: no queries with both results and relevance judgments (%s, %s)\n",
                 o.run.c_str(), o.qrels.c_str());
    return 1;
  }
  // trec_eval's summary: the per-query values summed in query order, then / num_q.
  double mean[driftwatch::ranking_metric_count] = {};
  for (const auto& r : results)
    for (std::size_t i = 0; i < driftwatch::ranking_metric_count; ++i) mean[i] += r.metrics.values[i];
  const double num_q = static_cast<double>(results.size());
  for (double& v : mean) v /= num_q;

  const auto metrics = driftwatch::all_ranking_metrics();
  if (o.format == "html") {
    html_report::rank_model page;
    page.qrels_path = o.qrels;
    page.run_path = o.run;
    page.settings = html_report::ranking_settings(o.k, o.policy);
    for (auto m : metrics) {
      page.measures.push_back(driftwatch::trec_name(m, o.k));
      page.means.push_back(mean[static_cast<unsigned>(m)]);
    }
    auto as_query = [&](const std::string& qid, const driftwatch::ranking_metrics& m) {
      html_report::rank_query q{qid, {}};
      for (auto x : metrics) q.values.push_back(m[x]);
      return q;
    };
    for (const auto& r : results) page.queries.push_back(as_query(r.qid, r.metrics));
    if (!o.baseline.empty()) {
      const trec::run baseline = trec::read_run(o.baseline);
      std::vector<html_report::rank_query> base;
      for (const auto& q : judgments) {
        const auto r = baseline.find(q.first);
        if (r == baseline.end()) continue;
        const auto m = evaluate_query(ev, r->second, q.second);
        if (m.valid()) base.push_back(as_query(q.first, m));
      }
      html_report::pair_with_baseline(page, o.baseline, base);
    }
    // Only now, so a bad baseline leaves FILE as it was.
    if (const auto e = redirect_stdout(o.output); !e.empty()) throw trec::input_error(e);
    std::fputs(html_report::render_rank(page).c_str(), stdout);
    if (const auto e = finish_output(o.output); !e.empty()) throw trec::input_error(e);
    return 0;
  }
  if (const auto e = redirect_stdout(o.output); !e.empty()) throw trec::input_error(e);
  if (o.format == "prometheus" || o.format == "openmetrics") {
    namespace pm = driftwatch::prometheus;
    pm::registry exposition;
    pm::ranking_exporter exporter(exposition, o.model);
    exporter.publish(acc);
    const std::string out = exposition.render(o.format == "openmetrics" ? pm::exposition_format::openmetrics_1_0_0
                                                                        : pm::exposition_format::text_0_0_4);
    std::fputs(out.c_str(), stdout);
  } else if (o.format == "text") {
    if (o.per_query) {
      for (const auto& r : results)
        for (auto m : metrics)
          std::printf("%-22s\t%s\t%6.4f\n", driftwatch::trec_name(m, o.k).c_str(), r.qid.c_str(), r.metrics[m]);
    }
    std::printf("%-22s\tall\t%zu\n", "num_q", results.size());
    for (auto m : metrics)
      std::printf("%-22s\tall\t%6.4f\n", driftwatch::trec_name(m, o.k).c_str(),
                  mean[static_cast<unsigned>(m)]);
  } else {
    std::printf("{\"num_q\": %zu", results.size());
    for (auto m : metrics) {
      std::printf(", \"%s\": ", driftwatch::trec_name(m, o.k).c_str());
      print_json_number(mean[static_cast<unsigned>(m)]);
    }
    if (o.per_query) {
      std::fputs(", \"per_query\": {", stdout);
      for (std::size_t q = 0; q < results.size(); ++q) {
        if (q) std::fputs(", ", stdout);
        print_json_string(results[q].qid);
        std::fputs(": {", stdout);
        bool first = true;
        for (auto m : metrics) {
          std::printf("%s\"%s\": ", first ? "" : ", ", driftwatch::trec_name(m, o.k).c_str());
          print_json_number(results[q].metrics[m]);
          first = false;
        }
        std::fputs("}", stdout);
      }
      std::fputs("}", stdout);
    }
    std::fputs("}\n", stdout);
  }
  if (const auto e = finish_output(o.output); !e.empty()) throw trec::input_error(e);
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
  } catch (const trec::input_error& e) {
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
