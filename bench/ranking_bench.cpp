// rank_matrix_2000x100k: ranking_evaluator::scores over a float score matrix
// (5 relevant items per row, k = 10, all metrics incl. P@10, NDCG@10, AP) vs
// std::partial_sort top-k per row and the memory-read limit.
// rank_served_1m_k10: ranking_evaluator::served over 1M served lists of 10 ids
// (1-20 relevant ids each) vs a scalar linear scan (the path before the
// kernels) and the memory-read bound of the same data. numpy_argpartition and
// numpy_isin run in peers.py.
// rank_types_*: the score and id types of the templates side by side in one
// run (diagnostics, not cases of the report): the matrix's first tenth of
// rows as float (the case's own data) and widened to double, and through a
// float evaluator with 32-bit ids (evaluate_rows on a float matrix view); the
// served lists with 64-bit and 32-bit ids.
#include <benchmark/benchmark.h>

#include <driftwatch/detail/kernels_ranking.hpp>
#include <driftwatch/metrics/ranking.hpp>

#include <cstdint>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <string>
#include <vector>

#include "bench_data.hpp"
#include "bench_util.hpp"

namespace {
namespace d = driftwatch::detail;
using driftwatch::judgment;

struct matrix {
  std::size_t rows = bench::rank_rows(), cols = bench::rank_cols();
  std::vector<float> scores;
  std::vector<judgment> judged;  // relevant_per_row per row, CSR with fixed stride
  matrix() : scores(rows * cols) {
    for (std::size_t i = 0; i < scores.size(); ++i) scores[i] = static_cast<float>(bench::u01(31, i));
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t j = 0; j < bench::relevant_per_row; ++j) judged.push_back({bench::relevant_item(r, j, cols), 1});
  }
  driftwatch::span<const float> row(std::size_t r) const { return {scores.data() + r * cols, cols}; }
  driftwatch::span<const judgment> row_judged(std::size_t r) const {
    return {judged.data() + r * bench::relevant_per_row, bench::relevant_per_row};
  }
};
const matrix& mat() {
  static const matrix m;
  return m;
}

void rank_matrix_2000x100k_driftwatch(benchmark::State& s) {
  const auto& m = mat();
  const driftwatch::ranking_evaluator ev(10);
  for (auto _ : s) {
    double sum = 0;
    for (std::size_t r = 0; r < m.rows; ++r) {
      const auto x = ev.scores(m.row(r), m.row_judged(r));
      sum += x.precision() + x.ndcg() + x.average_precision();
    }
    benchmark::DoNotOptimize(sum);
  }
  bench::items(s, m.rows * m.cols);
}

// Top-10 by std::partial_sort of the row's indices, then P@10, NDCG@10 and
// AP@10 from the top 10 (less than driftwatch computes: full AP needs every
// relevant item's rank).
void rank_matrix_2000x100k_partial_sort(benchmark::State& s) {
  const auto& m = mat();
  std::vector<std::uint32_t> idx(m.cols);
  for (auto _ : s) {
    double sum = 0;
    for (std::size_t r = 0; r < m.rows; ++r) {
      const float* row = m.scores.data() + r * m.cols;
      std::iota(idx.begin(), idx.end(), 0u);
      std::partial_sort(idx.begin(), idx.begin() + 10, idx.end(), [row](std::uint32_t a, std::uint32_t b) {
        return row[a] > row[b] || (row[a] == row[b] && a > b);
      });
      const auto jd = m.row_judged(r);
      double hits = 0, dcg = 0, ap = 0;
      for (std::size_t k = 0; k < 10; ++k) {
        bool rel = false;
        for (const auto& j : jd) rel = rel || j.item == idx[k];
        if (rel) {
          hits += 1;
          dcg += 1.0 / std::log2(static_cast<double>(k + 2));
          ap += hits / static_cast<double>(k + 1);
        }
      }
      sum += hits / 10 + dcg + ap / 5;
    }
    benchmark::DoNotOptimize(sum);
  }
  bench::items(s, m.rows * m.cols);
}

void rank_matrix_2000x100k_memory_read(benchmark::State& s) { bench::memory_read(s, mat().scores); }

// The first tenth of the matrix's rows (200 x 100k at full size: 80 MB as
// float, 160 MB as double, both far beyond the caches), its judgments with
// 64-bit and 32-bit ids in CSR form.
struct typed_matrix {
  std::size_t rows = mat().rows / 10 ? mat().rows / 10 : 1, cols = mat().cols;
  std::vector<double> widened;
  std::vector<driftwatch::basic_judgment<std::uint32_t>> judged32;
  std::vector<std::size_t> offsets;
  typed_matrix() : widened(mat().scores.begin(), mat().scores.begin() + static_cast<std::ptrdiff_t>(rows * cols)) {
    for (std::size_t i = 0; i < rows * bench::relevant_per_row; ++i)
      judged32.push_back({static_cast<std::uint32_t>(mat().judged[i].item), mat().judged[i].grade});
    for (std::size_t r = 0; r <= rows; ++r) offsets.push_back(r * bench::relevant_per_row);
  }
};
const typed_matrix& typed() {
  static const typed_matrix t;
  return t;
}

template <class View, class Evaluator, class Judgments>
void typed_matrix_metrics(benchmark::State& s, const View& view, const Evaluator& ev, const Judgments& judged) {
  for (auto _ : s) {
    double sum = 0;
    driftwatch::evaluate_rows(ev, view, typed().offsets, judged, [&sum](std::size_t, const driftwatch::ranking_metrics& x) {
      sum += x.precision() + x.ndcg() + x.average_precision();
    });
    benchmark::DoNotOptimize(sum);
  }
  bench::items(s, view.rows * view.cols);
}
void rank_types_matrix_f32_scores_ids64(benchmark::State& s) {
  const auto& t = typed();
  typed_matrix_metrics(s, driftwatch::basic_score_matrix_view<float>{mat().scores.data(), t.rows, t.cols, 0},
                       driftwatch::ranking_evaluator(10), mat().judged);
}
void rank_types_matrix_f64_scores_ids64(benchmark::State& s) {
  const auto& t = typed();
  typed_matrix_metrics(s, driftwatch::score_matrix_view{t.widened.data(), t.rows, t.cols, 0},
                       driftwatch::ranking_evaluator(10), mat().judged);
}
void rank_types_matrix_f32_eval_ids32(benchmark::State& s) {
  const auto& t = typed();
  typed_matrix_metrics(s, driftwatch::basic_score_matrix_view<float>{mat().scores.data(), t.rows, t.cols, 0},
                       driftwatch::basic_ranking_evaluator<float, std::uint32_t>(10), t.judged32);
}

// Kernel vs twin for the CI guard: the counting pass alone.
template <bool Simd>
void guard_rank_count(benchmark::State& s) {
  const auto& m = mat();
  std::size_t counts[bench::relevant_per_row];
  // The number of queries is a run-time value in ranking_evaluator: keep it
  // one here, or the compiler specialises the twin for a constant 5.
  std::size_t queries = bench::relevant_per_row;
  benchmark::DoNotOptimize(queries);
  for (auto _ : s) {
    for (std::size_t r = 0; r < m.rows; ++r) {
      const auto row = m.row(r);
      d::above_query<float> q[bench::relevant_per_row];
      for (std::size_t j = 0; j < bench::relevant_per_row; ++j) {
        const auto id = static_cast<std::size_t>(m.row_judged(r)[j].item);
        q[j] = {row[id], d::next_below(row[id]), id + 1};
      }
      if (Simd)
        d::count_above(row.data(), row.size(), q, queries, counts);
      else
        d::count_above_scalar(row.data(), row.size(), q, queries, counts);
      benchmark::DoNotOptimize(counts[0]);
    }
  }
  bench::items(s, m.rows * m.cols);
}
void guard_rank_count_kernel(benchmark::State& s) { guard_rank_count<true>(s); }
void guard_rank_count_twin(benchmark::State& s) { guard_rank_count<false>(s); }

// `high` is added to every id (served and judged alike, so the lists and
// their hits are unchanged): 0 for the case, 1 << 40 for the diagnostic
// wide_ids row (ids above 2^32: the kernel compares both 32-bit halves).
struct served_data {
  std::size_t lists = bench::served_lists();
  std::vector<std::uint64_t> ids;
  std::vector<judgment> judged;
  std::vector<std::size_t> offsets;
  explicit served_data(std::uint64_t high = 0) : ids(lists * bench::served_k) {
    offsets.push_back(0);
    for (std::size_t i = 0; i < lists; ++i) {
      for (std::size_t j = 0; j < bench::served_k; ++j) ids[i * bench::served_k + j] = high + bench::served_id(i, j);
      for (std::size_t j = 0; j < bench::relevant_count(i); ++j) judged.push_back({high + bench::relevant_id(i, j), 1});
      offsets.push_back(judged.size());
    }
  }
  driftwatch::span<const std::uint64_t> list(std::size_t i) const {
    return {ids.data() + i * bench::served_k, bench::served_k};
  }
  driftwatch::span<const judgment> rel(std::size_t i) const {
    return {judged.data() + offsets[i], offsets[i + 1] - offsets[i]};
  }
};
const served_data& served() {
  static const served_data s;
  return s;
}

template <class Data, class Evaluator = driftwatch::ranking_evaluator>
void served_metrics(benchmark::State& s, const Data& d) {
  const Evaluator ev(10);
  for (auto _ : s) {
    double sum = 0;
    for (std::size_t i = 0; i < d.lists; ++i) {
      const auto m = ev.served(d.list(i), d.rel(i));
      sum += m.precision() + m.ndcg() + m.average_precision();
    }
    benchmark::DoNotOptimize(sum);
  }
  bench::items(s, d.lists);
}
void rank_served_1m_k10_driftwatch(benchmark::State& s) {
  served_metrics(s, served());
#if defined(DRIFTWATCH_SERVED_UNIT_AVX512)
  const int plan = driftwatch::detail::served_plan_slot().load();
  if (plan >= 0) s.SetLabel(std::string("plan ") + driftwatch::detail::variant_name(driftwatch::detail::served_variant(plan)));
#endif
}
// The served-list variants the planner chooses among (planner.hpp), each
// forced; the plan is restored afterwards. (Both need the avx512 level; at
// lower levels served() takes the general path and they measure that.)
void rank_served_1m_k10_variant(benchmark::State& s, int v) {
  const int planned = driftwatch::detail::served_plan_slot().load();
  driftwatch::detail::set_served_plan(v);
  served_metrics(s, served());
  driftwatch::detail::set_served_plan(planned);
}
void rank_served_1m_k10_variant_conflict512(benchmark::State& s) { rank_served_1m_k10_variant(s, 0); }
void rank_served_1m_k10_variant_pairwise(benchmark::State& s) { rank_served_1m_k10_variant(s, 1); }

// Diagnostic (not a case of the report): the same lists with every id above
// 2^32, where the unit-match kernel compares both halves of the ids.
void rank_served_1m_k10_wide_ids_driftwatch(benchmark::State& s) {
  static const served_data wide(std::uint64_t(1) << 40);
  served_metrics(s, wide);
}

// The served lists of the case with 32-bit ids (the same values), through
// basic_ranking_evaluator<double, std::uint32_t>.
struct served_data32 {
  std::size_t lists = served().lists;
  std::vector<std::uint32_t> ids;
  std::vector<driftwatch::basic_judgment<std::uint32_t>> judged;
  served_data32() : ids(served().ids.begin(), served().ids.end()) {
    for (const auto& j : served().judged) judged.push_back({static_cast<std::uint32_t>(j.item), j.grade});
  }
  driftwatch::span<const std::uint32_t> list(std::size_t i) const {
    return {ids.data() + i * bench::served_k, bench::served_k};
  }
  driftwatch::span<const driftwatch::basic_judgment<std::uint32_t>> rel(std::size_t i) const {
    return {judged.data() + served().offsets[i], served().offsets[i + 1] - served().offsets[i]};
  }
};
void rank_types_served_ids64(benchmark::State& s) { served_metrics(s, served()); }
void rank_types_served_ids32(benchmark::State& s) {
  static const served_data32 d;
  served_metrics<served_data32, driftwatch::basic_ranking_evaluator<double, std::uint32_t>>(s, d);
}

// The bandwidth bound of the case: every byte served() reads (the served
// ids, the judgment records, the CSR offsets), summed as 64-bit words with
// four vector accumulators, nothing computed.
std::uint64_t word_sum(const void* p, std::size_t bytes) {
  const auto* c = static_cast<const unsigned char*>(p);
  constexpr std::size_t W = 32;  // words per step: 4 accumulators of 8 lanes on AVX-512
  std::uint64_t acc[W] = {};
  std::size_t i = 0;
  for (; i + 8 * W <= bytes; i += 8 * W)
    for (std::size_t l = 0; l < W; ++l) {
      std::uint64_t w;
      std::memcpy(&w, c + i + 8 * l, sizeof w);
      acc[l] += w;
    }
  std::uint64_t sum = 0;
  for (; i + 8 <= bytes; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, c + i, sizeof w);
    sum += w;
  }
  for (std::size_t l = 0; l < W; ++l) sum += acc[l];
  return sum;
}
void rank_served_1m_k10_memory_read(benchmark::State& s) {
  const auto& d = served();
  for (auto _ : s) {
    std::uint64_t sum = word_sum(d.ids.data(), d.ids.size() * sizeof(d.ids[0]));
    sum += word_sum(d.judged.data(), d.judged.size() * sizeof(judgment));
    sum += word_sum(d.offsets.data(), d.offsets.size() * sizeof(d.offsets[0]));
    benchmark::DoNotOptimize(sum);
  }
  bench::items(s, d.lists);
}

// The same metrics the way served() computed them before the kernel: the
// same summary and rank kernel, membership by a linear scan per served id.
void rank_served_1m_k10_scalar_linear_scan(benchmark::State& s) {
  const auto& d = served();
  // The policy and k are run-time values in ranking_evaluator: keep them so
  // here, or the compiler folds the default policy into the twin.
  driftwatch::ranking_policy pol;
  std::size_t k = 10;
  benchmark::DoNotOptimize(pol);
  benchmark::DoNotOptimize(k);
  for (auto _ : s) {
    double sum = 0;
    for (std::size_t i = 0; i < d.lists; ++i) {
      const auto list = d.list(i);
      const auto rel = d.rel(i);
      const auto summary = driftwatch::detail::summarize(rel, k, pol);
      bool dup = false;
      for (std::size_t a = 1; a < list.size(); ++a)
        for (std::size_t b = 0; b < a; ++b) dup = dup || list[a] == list[b];
      driftwatch::detail::rank_kernel kernel(k, pol, summary);
      for (std::size_t r = 0; r < list.size(); ++r) {
        for (const auto& jd : rel) {
          if (jd.item == list[r]) {
            if (jd.grade > 0) kernel.visit(r + 1, jd.grade);
            break;
          }
        }
      }
      const auto m = kernel.finish(list.size());
      sum += dup ? 0 : m.precision() + m.ndcg() + m.average_precision();
    }
    benchmark::DoNotOptimize(sum);
  }
  bench::items(s, d.lists);
}

template <bool Simd>
void guard_served_positions(benchmark::State& s) {
  const auto& d = served();
  std::uint64_t items[64];
  std::size_t pos[64];
  for (auto _ : s) {
    std::size_t sum = 0;
    for (std::size_t i = 0; i < d.lists; ++i) {
      const auto rel = d.rel(i);
      for (std::size_t j = 0; j < rel.size(); ++j) items[j] = rel[j].item;
      if (Simd)
        d::served_positions(d.list(i).data(), bench::served_k, d::id_array{items}, rel.size(), pos);
      else
        d::served_positions_scalar(d.list(i).data(), bench::served_k, d::id_array{items}, rel.size(), pos);
      sum += pos[0];
    }
    benchmark::DoNotOptimize(sum);
  }
  bench::items(s, d.lists);
}
void guard_served_kernel(benchmark::State& s) { guard_served_positions<true>(s); }
void guard_served_twin(benchmark::State& s) { guard_served_positions<false>(s); }

// The fused kernel of served(): hits of the positive judged ids among the
// served ids, and the judged-duplicate check.
template <bool Simd>
void guard_served_match(benchmark::State& s) {
  const auto& d = served();
  std::uint64_t items[64 + 8], flags[64 + 8];
  for (auto _ : s) {
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < d.lists; ++i) {
      const auto rel = d.rel(i);
      for (std::size_t j = 0; j < rel.size(); ++j) {
        items[j] = rel[j].item;
        flags[j] = rel[j].grade > 0 ? ~std::uint64_t(0) : 0;
      }
      const auto m = Simd ? d::match_served(d.list(i).data(), bench::served_k, items, flags, rel.size())
                          : d::match_served_scalar(d.list(i).data(), bench::served_k, items, flags, rel.size());
      sum += m.hits + m.judged_repeat;
    }
    benchmark::DoNotOptimize(sum);
  }
  bench::items(s, d.lists);
}
void guard_served_match_kernel(benchmark::State& s) { guard_served_match<true>(s); }
void guard_served_match_twin(benchmark::State& s) { guard_served_match<false>(s); }

// The unit-match kernel of served() (AVX-512 conflict detection where built
// for it) against its scalar twin, on the judgment records in place.
template <bool Simd>
void guard_served_unit(benchmark::State& s) {
  const auto& d = served();
  for (auto _ : s) {
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < d.lists; ++i) {
      const auto rel = d.rel(i);
      const auto* rec = reinterpret_cast<const unsigned char*>(rel.data());
      const auto m = Simd ? d::match_served_unit(d.list(i).data(), bench::served_k, rec, rel.size())
                          : d::match_served_unit_scalar(d.list(i).data(), bench::served_k, rec, rel.size());
      sum += m.hits + m.positive + m.unusual;
    }
    benchmark::DoNotOptimize(sum);
  }
  bench::items(s, d.lists);
}
void guard_served_unit_kernel(benchmark::State& s) { guard_served_unit<true>(s); }
void guard_served_unit_twin(benchmark::State& s) { guard_served_unit<false>(s); }

}  // namespace

DW_BENCH(rank_matrix_2000x100k_driftwatch);
DW_BENCH(rank_matrix_2000x100k_partial_sort);
DW_BENCH(rank_matrix_2000x100k_memory_read);
DW_BENCH(guard_rank_count_kernel);
DW_BENCH(guard_rank_count_twin);
DW_BENCH(rank_served_1m_k10_driftwatch);
DW_BENCH(rank_served_1m_k10_memory_read);
#if defined(DRIFTWATCH_SERVED_UNIT_AVX512)
DW_BENCH(rank_served_1m_k10_variant_conflict512);
DW_BENCH(rank_served_1m_k10_variant_pairwise);
#endif
DW_BENCH(rank_served_1m_k10_wide_ids_driftwatch);
DW_BENCH(rank_served_1m_k10_scalar_linear_scan);
DW_BENCH(guard_served_kernel);
DW_BENCH(guard_served_twin);
DW_BENCH(guard_served_match_kernel);
DW_BENCH(guard_served_match_twin);
DW_BENCH(guard_served_unit_kernel);
DW_BENCH(guard_served_unit_twin);
DW_BENCH(rank_types_matrix_f32_scores_ids64);
DW_BENCH(rank_types_matrix_f64_scores_ids64);
DW_BENCH(rank_types_matrix_f32_eval_ids32);
DW_BENCH(rank_types_served_ids64);
DW_BENCH(rank_types_served_ids32);

BENCHMARK_MAIN();
