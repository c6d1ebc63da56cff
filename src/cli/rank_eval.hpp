// `driftwatch rank`'s evaluation: every query present in both the qrels and
// the run, through the library's score-row path (ranking_evaluator::scores),
// at every requested cutoff, plus trec_eval's counts num_ret, num_rel and
// num_rel_ret. Queries are shared among up to trec::detail::worker_count()
// threads (a shared counter hands out batches of 16); each query's result
// has its own slot, so the output does not depend on the thread count.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

#include <driftwatch/metrics/ranking.hpp>

#include "trec_io.hpp"

namespace driftwatch_cli {

struct query_eval {
  std::size_t qrels_index = 0, run_index = 0;
  std::vector<driftwatch::ranking_metrics> at_k;  // one per evaluator
  long num_ret = 0, num_rel = 0, num_rel_ret = 0;
};

/// Evaluates one query. Both row lists are sorted by docno (strcmp order, as
/// trec::read_* leave them), so the run's documents are the score row's
/// columns in that order: "larger id first" on tied scores is trec_eval's
/// "docno descending". Judged documents absent from the run get ids past
/// the row (not retrieved; they count in R and the ideal DCG).
class query_evaluator {
 public:
  void evaluate(const std::vector<trec::judged>& judged, const std::vector<trec::retrieved>& retrieved,
                const std::vector<driftwatch::ranking_evaluator>& evaluators, int relevance_level,
                query_eval& out) {
    const std::size_t n = retrieved.size();
    row_.resize(n);
    for (std::size_t i = 0; i < n; ++i) row_[i] = retrieved[i].score;
    judgments_.clear();
    driftwatch::item_id next_missing = n;
    std::size_t i = 0;
    out.num_ret = static_cast<long>(n);
    out.num_rel = out.num_rel_ret = 0;
    for (const auto& j : judged) {
      const std::string_view d = j.doc.docno();
      while (i < n && retrieved[i].doc.docno() < d) ++i;
      const bool found = i < n && retrieved[i].doc.docno() == d;
      const bool relevant = j.rel >= relevance_level;
      out.num_rel += relevant;
      out.num_rel_ret += relevant && found;
      // A judgment of grade <= 0 (judged non-relevant, or -1: pooled,
      // unjudged) changes no measure offered here: a document absent from
      // the judgments is non-relevant too. Leaving them out halves the
      // judgments of a typical qrels, and the library's duplicate-id check
      // is quadratic in their number (ids here are unique: trec_io checked).
      if (j.rel > 0) judgments_.push_back({found ? static_cast<driftwatch::item_id>(i) : next_missing++, j.rel});
    }
    out.at_k.resize(evaluators.size());
    for (std::size_t e = 0; e < evaluators.size(); ++e) out.at_k[e] = evaluators[e].scores(row_, judgments_);
  }

 private:
  std::vector<double> row_;
  std::vector<driftwatch::judgment> judgments_;
};

/// The queries of `qrels` that `run` has, in strcmp order of qid, evaluated.
inline std::vector<query_eval> evaluate_queries(const trec::qrels& qrels, const trec::run& run,
                                                const std::vector<driftwatch::ranking_evaluator>& evaluators,
                                                int relevance_level) {
  std::vector<query_eval> out;
  for (std::size_t q = 0, r = 0; q < qrels.qids.size() && r < run.qids.size();) {
    if (qrels.qids[q] < run.qids[r]) {
      ++q;  // judged but not retrieved: not evaluated
    } else if (run.qids[r] < qrels.qids[q]) {
      ++r;  // retrieved but not judged: not evaluated
    } else {
      query_eval e;
      e.qrels_index = q++;
      e.run_index = r++;
      out.push_back(std::move(e));
    }
  }
  constexpr std::size_t batch = 16;
  const unsigned threads = static_cast<unsigned>(
      std::min<std::size_t>(trec::detail::worker_count(), (out.size() + batch - 1) / batch));
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    query_evaluator ev;
    for (;;) {
      const std::size_t start = next.fetch_add(batch, std::memory_order_relaxed);
      if (start >= out.size()) return;
      const std::size_t stop = std::min(out.size(), start + batch);
      for (std::size_t i = start; i < stop; ++i)
        ev.evaluate(qrels.rows[out[i].qrels_index], run.rows[out[i].run_index], evaluators, relevance_level,
                    out[i]);
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& th : pool) th.join();
  return out;
}

}  // namespace driftwatch_cli
