// Ranking kernels vs their scalar twins (detail/kernels_ranking.hpp): counts of
// items above each relevant item and served positions must be identical, and
// the public metrics identical to a naive reference and between float and
// double rows.
#include <driftwatch/detail/kernels_ranking.hpp>
#include <driftwatch/metrics/ranking.hpp>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace {
namespace d = driftwatch::detail;
using driftwatch::judgment;
using driftwatch::ranking_evaluator;
using driftwatch::ranking_policy;
using driftwatch::tie_policy;

template <class T>
void check_count_above(const std::vector<T>& row, std::mt19937_64& rng, std::size_t m) {
  std::vector<d::above_query<T>> q(m);
  std::uniform_int_distribution<std::size_t> pos(0, row.size() - 1);
  for (auto& x : q) {
    const T s = row[pos(rng)];
    x = {s, std::isinf(s) && s < 0 ? s : d::next_below(s), pos(rng) + (rng() % 2)};
  }
  std::vector<std::size_t> a(m), b(m);
  d::count_above_scalar(row.data(), row.size(), q.data(), m, a.data());
#if !defined(DRIFTWATCH_NO_SIMD)
  d::count_above_simd(row.data(), row.size(), q.data(), m, b.data());
  CHECK(a == b);
#endif
  d::count_above(row.data(), row.size(), q.data(), m, b.data());
  CHECK(a == b);
}

// Naive rank of item `id` under trec_eval's rule: higher score first, ties by
// larger id first.
template <class T>
std::size_t naive_rank(const std::vector<T>& row, std::size_t id) {
  std::size_t r = 1;
  for (std::size_t i = 0; i < row.size(); ++i)
    if (row[i] > row[id] || (row[i] == row[id] && i > id)) ++r;
  return r;
}
}  // namespace

TEST_CASE("count_above kernel equals its scalar twin", "[simd][ranking]") {
  std::mt19937_64 rng(1);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (std::size_t n : {1u, 15u, 64u, 2047u, 2048u, 2049u, 10000u}) {
    for (std::size_t m : {1u, 5u, 8u, 9u, 64u, 128u}) {
      INFO("n " << n << " m " << m);
      std::vector<double> rd(n);
      std::vector<float> rf(n);
      for (std::size_t i = 0; i < n; ++i) {
        const auto k = rng() % 10;
        rd[i] = k == 0 ? std::round(normal(rng)) : (k == 1 ? std::numeric_limits<double>::infinity()
                                                          : (k == 2 ? std::numeric_limits<double>::denorm_min()
                                                                    : (k == 3 ? -0.0 : normal(rng))));
        if (k == 4) rd[i] = std::numeric_limits<double>::quiet_NaN();
        rf[i] = static_cast<float>(rd[i]);
      }
      check_count_above(rd, rng, m);
      check_count_above(rf, rng, m);
    }
  }
}

TEST_CASE("score rows: kernel ranks equal a naive count, float equals double", "[simd][ranking]") {
  std::mt19937_64 rng(2);
  for (std::size_t n : {10u, 100u, 5000u}) {
    for (auto ties : {tie_policy::id_descending, tie_policy::optimistic, tie_policy::pessimistic, tie_policy::average}) {
      ranking_policy pol;
      pol.ties = ties;
      const ranking_evaluator ev(10, pol);
      std::vector<double> row(n);
      std::vector<float> rowf(n);
      for (std::size_t i = 0; i < n; ++i) {
        row[i] = static_cast<double>(rng() % 50) / 4.0;  // many ties
        if (rng() % 97 == 0) row[i] = -std::numeric_limits<double>::infinity();
        rowf[i] = static_cast<float>(row[i]);
      }
      std::vector<judgment> judged;
      for (std::size_t j = 0; j < 70 && j < n; ++j) judged.push_back({(j * 7919) % n, static_cast<int>(rng() % 3)});
      // dedupe ids
      std::vector<judgment> uniq;
      for (const auto& jd : judged) {
        bool seen = false;
        for (const auto& u : uniq) seen = seen || u.item == jd.item;
        if (!seen) uniq.push_back(jd);
      }
      const auto md = ev.scores(row, uniq);
      const auto mf = ev.scores(rowf, uniq);
      REQUIRE(md.valid());
      for (std::size_t k = 0; k < driftwatch::ranking_metric_count; ++k) CHECK(md.values[k] == mf.values[k]);
      if (ties == tie_policy::id_descending) {
        // The served list in exact rank order gives the same metrics.
        std::vector<std::uint64_t> order(n);
        for (std::size_t i = 0; i < n; ++i) order[naive_rank(row, i) - 1] = i;
        const auto ms = ev.served(order, uniq);
        for (std::size_t k = 0; k < driftwatch::ranking_metric_count; ++k) CHECK(md.values[k] == ms.values[k]);
      }
    }
  }
}

TEST_CASE("served positions kernel equals its scalar twin", "[simd][ranking]") {
  std::mt19937_64 rng(4);
  for (std::size_t n : {1u, 3u, 10u, 16u, 17u, 32u, 40u}) {
    for (std::size_t m : {0u, 1u, 5u, 20u, 64u}) {
      std::vector<std::uint64_t> served(n), items(m);
      for (std::size_t i = 0; i < n; ++i) served[i] = i * 3 + (rng() % 3 == 0 ? 0xFFFFFFFF00000000ull : 0);
      for (std::size_t j = 0; j < m; ++j) items[j] = rng() % 2 ? served[rng() % n] : rng();
      std::vector<std::size_t> a(m), b(m);
      d::served_positions_scalar(served.data(), n, d::id_array{items.data()}, m, a.data());
      d::served_positions(served.data(), n, d::id_array{items.data()}, m, b.data());
      CHECK(a == b);
#if !defined(DRIFTWATCH_NO_SIMD)
      {
        d::served_positions_simd(served.data(), n, d::id_array{items.data()}, m, b.data());
        CHECK(a == b);
      }
#endif
    }
  }
}

TEST_CASE("duplicate-id kernel equals its scalar twin", "[simd][ranking]") {
  std::mt19937_64 rng(5);
  for (std::size_t m = 0; m <= 70; ++m) {
    for (int trial = 0; trial < 20; ++trial) {
      std::vector<std::uint64_t> ids(m);
      for (std::size_t j = 0; j < m; ++j) ids[j] = (rng() % 4 == 0 ? 0xFFFFFFFF00000000ull : 0) + j * 7;
      if (m >= 2 && trial % 2 == 1) ids[rng() % m] = ids[rng() % m];  // maybe a repeat
      const bool expect = d::has_duplicate_scalar(ids.data(), m);
      CHECK(d::has_duplicate(ids.data(), m) == expect);
#if !defined(DRIFTWATCH_NO_SIMD)
      CHECK(d::has_duplicate_simd(ids.data(), m) == expect);
#endif
    }
  }
}

TEST_CASE("served-match kernel equals its scalar twin", "[simd][ranking]") {
  std::mt19937_64 rng(6);
  for (std::size_t n : {0u, 1u, 3u, 10u, 16u, 17u, 40u, 63u}) {
    for (std::size_t m : {0u, 1u, 2u, 5u, 8u, 9u, 20u, 33u, 64u}) {
      for (int trial = 0; trial < 10; ++trial) {
        std::vector<std::uint64_t> served(n), ids(m + 8), flags(m + 8);
        for (std::size_t i = 0; i < n; ++i) served[i] = i * 3 + (rng() % 3 == 0 ? 0xFFFFFFFF00000000ull : 0);
        if (n >= 2 && trial % 3 == 0) served[rng() % n] = served[rng() % n];  // maybe a repeat
        for (std::size_t j = 0; j < m; ++j) {
          ids[j] = n && rng() % 2 ? served[rng() % n] : rng();
          flags[j] = rng() % 4 ? ~std::uint64_t(0) : 0;
        }
        const auto a = d::match_served_scalar(served.data(), n, ids.data(), flags.data(), m);
        auto ids2 = ids, flags2 = flags;
        const auto b = d::match_served(served.data(), n, ids2.data(), flags2.data(), m);
        CHECK(a.hits == b.hits);
        CHECK(a.judged_repeat == b.judged_repeat);
        CHECK(a.served_repeat == b.served_repeat);
#if !defined(DRIFTWATCH_NO_SIMD)
        if (m <= 8 * d::simd::lanes<std::uint64_t>) {
          ids2 = ids;
          flags2 = flags;
          const auto c = d::match_served_simd(served.data(), n, ids2.data(), flags2.data(), m);
          CHECK(a.hits == c.hits);
          CHECK(a.judged_repeat == c.judged_repeat);
          CHECK(a.served_repeat == c.served_repeat);
        }
#endif
      }
    }
  }
}

// served() against the rank-ordered kernel fed by a plain linear scan (the
// path before the kernels): the same invalid reason (repeated judged ids are
// reported before repeated served ids), else bit-identical metrics.
namespace {
void check_served_against_linear_scan(std::size_t k, const ranking_policy& pol, const std::vector<std::uint64_t>& served,
                                      const std::vector<judgment>& jd) {
  const std::size_t n = served.size(), m = jd.size();
  const auto got = ranking_evaluator(k, pol).served(served, jd);
  bool jdup = false, sdup = false;
  for (std::size_t a = 0; a < m; ++a)
    for (std::size_t b = 0; b < a; ++b) jdup = jdup || jd[a].item == jd[b].item;
  for (std::size_t a = 0; a < n; ++a)
    for (std::size_t b = 0; b < a; ++b) sdup = sdup || served[a] == served[b];
  const std::string reason = got.invalid_reason ? got.invalid_reason : "";
  if (jdup) {
    CHECK(reason == "duplicate judged item");
    return;
  }
  if (sdup) {
    CHECK(reason == "duplicate item in served list");
    return;
  }
  d::rank_kernel kernel(k, pol, d::summarize(jd, k, pol));
  for (std::size_t r = 0; r < n; ++r)
    for (const auto& x : jd)
      if (x.item == served[r] && x.grade > 0) kernel.visit(r + 1, x.grade);
  const auto want = kernel.finish(n);
  REQUIRE(got.valid() == want.valid());
  if (!want.valid()) {
    CHECK(reason == want.invalid_reason);
    return;
  }
  for (std::size_t q = 0; q < driftwatch::ranking_metric_count; ++q) CHECK(got.values[q] == want.values[q]);
}
}  // namespace

// For binary and graded judgments, every gain, repeats and R = 0.
TEST_CASE("served lists: kernels give the linear scan's metrics bit for bit", "[simd][ranking]") {
  std::mt19937_64 rng(7);
  const driftwatch::gain_function gains[] = {driftwatch::gain_function::linear,
                                             driftwatch::gain_function::exponential,
                                             driftwatch::gain_function::binary};
  for (int trial = 0; trial < 3000; ++trial) {
    ranking_policy pol;
    pol.gain = gains[trial % 3];
    pol.relevance_level = 1 + static_cast<int>(rng() % 2);
    const std::size_t k = 1 + rng() % 20;
    const std::size_t n = rng() % 70, m = rng() % 70;
    std::vector<std::uint64_t> served(n);
    for (std::size_t i = 0; i < n; ++i) served[i] = 1000 + i * 13;
    if (n >= 2 && trial % 17 == 0) served[rng() % n] = served[rng() % n];
    std::vector<judgment> jd(m);
    const bool graded = trial % 4 == 0;
    for (std::size_t j = 0; j < m; ++j) {
      jd[j].item = n && rng() % 2 ? served[rng() % n] : 5000 + j;
      jd[j].grade = graded ? static_cast<int>(rng() % 4) - 1 : static_cast<int>(rng() % 3 != 0);
    }
    if (m >= 2 && trial % 13 == 0) jd[rng() % m].item = jd[rng() % m].item;
    check_served_against_linear_scan(k, pol, served, jd);
  }
  driftwatch::set_simd_target(driftwatch::simd_level::avx512);
}

// The fused kernel of the top-k served path (n <= 10 served ids, J <= 24
// judged records read in place) against its scalar twin and a plain reading
// of the definitions: ids below 2^32 (the kernel compares low halves), ids
// that share a nonzero high half or mix high halves (both halves), equal
// low halves with different high halves, repeats in either list, grades
// -1..2, every n and J of the kernel's range.
TEST_CASE("served unit-match kernel equals its scalar twin", "[simd][ranking]") {
  std::mt19937_64 rng(8);
  for (std::size_t n = 0; n <= d::served_unit_max_served; ++n) {
    for (std::size_t J = 0; J <= d::served_unit_max_judged; ++J) {
      for (int trial = 0; trial < 40; ++trial) {
        const int kind = trial % 4;  // 0: small ids, 1: one shared high half, 2: mixed high halves, 3: low-half twins
        auto make_id = [&](std::uint64_t x) -> std::uint64_t {
          switch (kind) {
            case 0: return x;
            case 1: return 0xABCD000000000000ull | x;
            case 2: return (rng() % 3 == 0 ? (rng() % 4) << 32 : 0) | x;
            default: return (static_cast<std::uint64_t>(rng() % 2) << 40) | x;
          }
        };
        std::vector<std::uint64_t> served(n + 1);
        for (std::size_t i = 0; i < n; ++i) served[i] = make_id(100 + 3 * i + rng() % 3);
        if (n >= 2 && trial % 5 == 0) served[rng() % n] = served[rng() % n];
        std::vector<judgment> jd(J + 1);
        for (std::size_t j = 0; j < J; ++j) {
          jd[j].item = n && rng() % 2 ? served[rng() % n] ^ (kind == 3 && rng() % 4 == 0 ? 1ull << 40 : 0)
                                      : make_id(1000 + j);
          jd[j].grade = static_cast<int>(rng() % 3) - 1 + (trial % 7 == 0 && rng() % 8 == 0 ? 2 : 0);
        }
        if (J >= 2 && trial % 6 == 0) jd[rng() % J].item = jd[rng() % J].item;
        INFO("n " << n << " J " << J << " trial " << trial);
        const auto* rec = reinterpret_cast<const unsigned char*>(jd.data());
        const auto a = d::match_served_unit_scalar(served.data(), n, rec, J);
        // The twin against a plain reading of the definitions.
        std::uint64_t hits = 0;
        std::uint32_t positive = 0;
        bool graded = false, jrep = false;
        for (std::size_t j = 0; j < J; ++j) {
          positive |= static_cast<std::uint32_t>(jd[j].grade > 0) << j;
          graded = graded || jd[j].grade > 1;
          for (std::size_t b = 0; b < j; ++b) jrep = jrep || jd[b].item == jd[j].item;
          for (std::size_t i = 0; i < n; ++i)
            if (jd[j].grade > 0 && jd[j].item == served[i]) hits |= std::uint64_t(1) << (i + 1);
        }
        bool srep = false;
        for (std::size_t i = 0; i < n; ++i)
          for (std::size_t b = 0; b < i; ++b) srep = srep || served[b] == served[i];
        CHECK(a.hits == hits);
        CHECK(a.positive == positive);
        CHECK(a.unusual == (graded || jrep || srep));
        const auto c = d::match_served_unit(served.data(), n, rec, J);
        CHECK(c.unusual == a.unusual);
        if (!a.unusual) {
          CHECK(c.hits == hits);
          CHECK(c.positive == positive);
        }
        // Every level this CPU supports, in this one build (the AVX-512
        // kernel when the CPU has it): the same findings.
        for (int lv = 0; lv <= static_cast<int>(driftwatch::simd_supported()); ++lv) {
          driftwatch::set_simd_target(static_cast<driftwatch::simd_level>(lv));
          const auto b = d::match_served_unit(served.data(), n, rec, J);
          CHECK(b.unusual == a.unusual);
          if (!a.unusual) {  // hits and positive are unspecified otherwise
            CHECK(b.hits == a.hits);
            CHECK(b.positive == a.positive);
          }
        }
        driftwatch::set_simd_target(driftwatch::simd_level::avx512);
      }
    }
  }
}

// served() on short lists (the unit-match path when built for AVX-512, the
// general kernels otherwise) against the rank-ordered kernel fed by a linear
// scan: bit-identical metrics and the same invalid reasons, for every
// policy variant the unit path honours and the ones that send it back to the
// general path (graded judgments, relevance level 2).
TEST_CASE("short served lists: the unit path gives the linear scan's metrics bit for bit", "[simd][ranking]") {
  std::mt19937_64 rng(9);
  const driftwatch::gain_function gains[] = {driftwatch::gain_function::linear,
                                             driftwatch::gain_function::exponential,
                                             driftwatch::gain_function::binary};
  const driftwatch::precision_denominator dens[] = {driftwatch::precision_denominator::k,
                                                    driftwatch::precision_denominator::min_k_returned,
                                                    driftwatch::precision_denominator::min_k_relevant};
  for (int trial = 0; trial < 20000; ++trial) {
    ranking_policy pol;
    pol.gain = gains[trial % 3];
    pol.precision = dens[(trial / 3) % 3];
    pol.ap_at_k = trial % 2 ? driftwatch::ap_normalizer::all_relevant : driftwatch::ap_normalizer::min_k_relevant;
    pol.no_relevant = trial % 5 == 0 ? driftwatch::no_relevant_policy::skip : driftwatch::no_relevant_policy::zero;
    pol.relevance_level = trial % 11 == 0 ? 2 : 1;
    const std::size_t k = 1 + rng() % 14;
    const std::size_t n = rng() % 14, m = rng() % 27;
    const bool wide = trial % 3 == 0;
    std::vector<std::uint64_t> served(n);
    for (std::size_t i = 0; i < n; ++i) served[i] = (wide ? (rng() % 3) << 33 : 0) + 1000 + i * 13;
    if (n >= 2 && trial % 17 == 0) served[rng() % n] = served[rng() % n];
    std::vector<judgment> jd(m);
    const bool graded = trial % 9 == 0;
    for (std::size_t j = 0; j < m; ++j) {
      jd[j].item = n && rng() % 2 ? served[rng() % n] : 5000 + j;
      jd[j].grade = graded ? static_cast<int>(rng() % 4) - 1 : static_cast<int>(rng() % 3 != 0) - (rng() % 7 == 0);
    }
    if (m >= 2 && trial % 13 == 0) jd[rng() % m].item = jd[rng() % m].item;
    // Each trial at one of the levels this CPU supports, in turn (the unit
    // path runs at avx512 only).
    const int levels = static_cast<int>(driftwatch::simd_supported()) + 1;
    const auto level = driftwatch::set_simd_target(static_cast<driftwatch::simd_level>(trial % levels));
    INFO("trial " << trial << " n " << n << " m " << m << " k " << k << " level "
                  << driftwatch::simd_level_name(level));
    check_served_against_linear_scan(k, pol, served, jd);
  }
  driftwatch::set_simd_target(driftwatch::simd_level::avx512);
}

// ---- the templates: 32-bit ids and float scores --------------------------------

// The served kernels in 32-bit lanes against their scalar twins (the same
// cases as the 64-bit ones above, ids below 2^32).
TEST_CASE("32-bit id kernels equal their scalar twins", "[simd][ranking][templates]") {
  std::mt19937_64 rng(11);
  for (std::size_t m = 0; m <= 70; ++m) {
    for (int trial = 0; trial < 20; ++trial) {
      std::vector<std::uint32_t> ids(m);
      for (std::size_t j = 0; j < m; ++j) ids[j] = (rng() % 4 == 0 ? 0xFFFF0000u : 0u) + static_cast<std::uint32_t>(j * 7);
      if (m >= 2 && trial % 2 == 1) ids[rng() % m] = ids[rng() % m];
      const bool expect = d::has_duplicate_scalar(ids.data(), m);
      CHECK(d::has_duplicate(ids.data(), m) == expect);
#if !defined(DRIFTWATCH_NO_SIMD)
      CHECK(d::has_duplicate_simd(ids.data(), m) == expect);
#endif
    }
  }
  std::size_t repeats_seen = 0, hits_seen = 0;
  for (std::size_t n : {0u, 1u, 3u, 10u, 16u, 17u, 33u, 40u, 63u}) {
    for (std::size_t m : {0u, 1u, 2u, 5u, 8u, 9u, 17u, 20u, 33u, 64u}) {
      for (int trial = 0; trial < 10; ++trial) {
        std::vector<std::uint32_t> served(n), ids(m + 16), flags(m + 16);
        for (std::size_t i = 0; i < n; ++i) served[i] = static_cast<std::uint32_t>(i * 3 + (rng() % 3 == 0 ? 0xFFFF0000u : 0u));
        if (n >= 2 && trial % 3 == 0) served[rng() % n] = served[rng() % n];
        for (std::size_t j = 0; j < m; ++j) {
          ids[j] = n && rng() % 2 ? served[rng() % n] : static_cast<std::uint32_t>(rng());
          flags[j] = rng() % 4 ? ~std::uint32_t(0) : 0u;
        }
        const auto a = d::match_served_scalar(served.data(), n, ids.data(), flags.data(), m);
        auto ids2 = ids, flags2 = flags;
        const auto b = d::match_served(served.data(), n, ids2.data(), flags2.data(), m);
        CHECK(a.hits == b.hits);
        CHECK(a.judged_repeat == b.judged_repeat);
        CHECK(a.served_repeat == b.served_repeat);
        repeats_seen += a.served_repeat ? 1 : 0;
        hits_seen += a.hits != 0 ? 1 : 0;
#if !defined(DRIFTWATCH_NO_SIMD)
        if (m <= 8 * d::simd::lanes<std::uint32_t>) {
          ids2 = ids;
          flags2 = flags;
          const auto c = d::match_served_simd(served.data(), n, ids2.data(), flags2.data(), m);
          CHECK(a.hits == c.hits);
          CHECK(a.judged_repeat == c.judged_repeat);
          CHECK(a.served_repeat == c.served_repeat);
        }
#endif
        if (n > 0 && !a.served_repeat) {
          std::vector<std::size_t> pa(m), pb(m);
          d::served_positions_scalar(served.data(), n, d::basic_id_array<std::uint32_t>{ids.data()}, m, pa.data());
          d::served_positions(served.data(), n, d::basic_id_array<std::uint32_t>{ids.data()}, m, pb.data());
          CHECK(pa == pb);
        }
      }
    }
  }
  CHECK(repeats_seen > 0);  // the cases exercise both outcomes
  CHECK(hits_seen > 0);
}

namespace {
template <class A, class B>
void check_same_metrics(const A& a, const B& b) {
  REQUIRE(a.valid() == b.valid());
  if (!a.valid()) {
    CHECK(std::string(a.invalid_reason) == b.invalid_reason);
    return;
  }
  for (std::size_t q = 0; q < driftwatch::ranking_metric_count; ++q) CHECK(a.values[q] == b.values[q]);
}

template <class Id>
std::vector<driftwatch::basic_judgment<Id>> narrow_ids(const std::vector<judgment>& jd) {
  std::vector<driftwatch::basic_judgment<Id>> out;
  for (const auto& x : jd) out.push_back({static_cast<Id>(x.item), x.grade});
  return out;
}
}  // namespace

// Every instantiation's served() equals ranking_evaluator's on the same ids
// (ids below 2^32 for the 32-bit ones): lists of every length around the
// kernels' limits (unit path <= 10, fused path < 64, general path beyond),
// repeats, graded judgments.
TEST_CASE("served lists with 32-bit ids: the 64-bit metrics, bit for bit", "[simd][ranking][templates]") {
  std::mt19937_64 rng(12);
  for (int trial = 0; trial < 1500; ++trial) {
    ranking_policy pol;
    pol.relevance_level = 1 + static_cast<int>(trial % 5 == 0);
    const std::size_t k = 1 + rng() % 20;
    const std::size_t n = trial % 10 == 0 ? 64 + rng() % 40 : rng() % 70, m = rng() % 70;
    std::vector<std::uint64_t> served(n);
    for (std::size_t i = 0; i < n; ++i) served[i] = 1000 + i * 13;
    if (n >= 2 && trial % 17 == 0) served[rng() % n] = served[rng() % n];
    std::vector<judgment> jd(m);
    for (std::size_t j = 0; j < m; ++j) {
      jd[j].item = n && rng() % 2 ? served[rng() % n] : 5000 + j;
      jd[j].grade = trial % 4 == 0 ? static_cast<int>(rng() % 4) - 1 : static_cast<int>(rng() % 3 != 0);
    }
    if (m >= 2 && trial % 13 == 0) jd[rng() % m].item = jd[rng() % m].item;
    const auto want = ranking_evaluator(k, pol).served(served, jd);
    std::vector<std::uint32_t> served32(served.begin(), served.end());
    const auto jd32 = narrow_ids<std::uint32_t>(jd);
    check_same_metrics(driftwatch::basic_ranking_evaluator<double, std::uint32_t>(k, pol).served(served32, jd32), want);
    check_same_metrics(driftwatch::basic_ranking_evaluator<float, std::uint32_t>(k, pol).served(served32, jd32), want);
    check_same_metrics(driftwatch::basic_ranking_evaluator<float, std::uint64_t>(k, pol).served(served, jd), want);
  }
}

// Float scores: a float evaluator (float lanes) gives, under every tie
// policy, the metrics of the double path on the same values widened to
// double. The rows hold doubles that differ in double but round to the
// same float, so the float row has ties (broken by trec_eval's rules: id
// descending) that the original double row has not: the comparison is with
// the widened row, and the original row's metrics differ (the test would
// notice a float path that compared anything but the floats).
TEST_CASE("float scores: the double path's metrics on the widened values, float ties included",
          "[simd][ranking][templates]") {
  std::mt19937_64 rng(13);
  std::size_t differs_from_original = 0, float_ties = 0;
  for (std::size_t n : {10u, 63u, 64u, 100u, 5000u}) {
    for (auto ties : {tie_policy::id_descending, tie_policy::optimistic, tie_policy::pessimistic, tie_policy::average}) {
      for (int trial = 0; trial < 3; ++trial) {
        ranking_policy pol;
        pol.ties = ties;
        std::vector<double> original(n), widened(n);
        std::vector<float> rowf(n);
        for (std::size_t i = 0; i < n; ++i) {
          // A few coarse levels, each spread by less than a float ulp (2^-23
          // at 1.0): distinct doubles, equal floats.
          const double level = 1.0 + static_cast<double>(rng() % 8) / 8.0;
          original[i] = level + static_cast<double>(rng() % 1000) * 1e-12;
          if (rng() % 101 == 0) original[i] = -std::numeric_limits<double>::infinity();
          rowf[i] = static_cast<float>(original[i]);
          widened[i] = static_cast<double>(rowf[i]);
        }
        for (std::size_t i = 1; i < n; ++i) float_ties += rowf[i] == rowf[i - 1] && original[i] != original[i - 1];
        std::vector<judgment> jd;
        for (std::size_t i = 0; i < n; ++i)
          if (rng() % 5 == 0) jd.push_back({i, static_cast<int>(rng() % 3)});
        const std::size_t k = 1 + rng() % 20;
        const auto want = ranking_evaluator(k, pol).scores(widened, jd);
        REQUIRE(want.valid());
        check_same_metrics(driftwatch::basic_ranking_evaluator<float, std::uint64_t>(k, pol).scores(rowf, jd), want);
        check_same_metrics(driftwatch::basic_ranking_evaluator<float, std::uint32_t>(k, pol).scores(
                               rowf, narrow_ids<std::uint32_t>(jd)),
                           want);
        check_same_metrics(ranking_evaluator(k, pol).scores(rowf, jd), want);  // a double evaluator on a float row
        const auto orig = ranking_evaluator(k, pol).scores(original, jd);
        bool differs = false;
        for (std::size_t q = 0; q < driftwatch::ranking_metric_count; ++q) differs = differs || orig.values[q] != want.values[q];
        differs_from_original += differs ? 1 : 0;
      }
    }
  }
  CHECK(float_ties > 0);
  CHECK(differs_from_original > 0);
}

// The score-matrix path: a float matrix through a float evaluator, and
// through a double one, gives per row the double path on the widened matrix.
TEST_CASE("float score matrices: evaluate_rows equals the widened double matrix", "[simd][ranking][templates]") {
  std::mt19937_64 rng(14);
  const std::size_t rows = 12, cols = 300, stride = 310;
  std::vector<float> mf(rows * stride, 0.0f);
  std::vector<double> md(rows * stride, 0.0);
  for (std::size_t i = 0; i < mf.size(); ++i) {
    mf[i] = static_cast<float>(static_cast<double>(rng() % 64) / 16.0 + static_cast<double>(rng() % 100) * 1e-9);
    md[i] = mf[i];
  }
  std::vector<std::size_t> offsets = {0};
  std::vector<judgment> jd;
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < cols; ++c)
      if (rng() % 9 == 0) jd.push_back({c, static_cast<int>(1 + rng() % 2)});
    offsets.push_back(jd.size());
  }
  const auto jd32 = narrow_ids<std::uint32_t>(jd);
  std::vector<driftwatch::ranking_metrics> want(rows), got_f(rows), got_mixed(rows);
  const ranking_evaluator ev(10);
  driftwatch::evaluate_rows(ev, driftwatch::score_matrix_view{md.data(), rows, cols, stride}, offsets, jd,
                            [&](std::size_t r, const driftwatch::ranking_metrics& m) { want[r] = m; });
  const driftwatch::basic_ranking_evaluator<float, std::uint32_t> evf(10);
  driftwatch::evaluate_rows(evf, driftwatch::basic_score_matrix_view<float>{mf.data(), rows, cols, stride}, offsets, jd32,
                            [&](std::size_t r, const driftwatch::ranking_metrics& m) { got_f[r] = m; });
  driftwatch::evaluate_rows(ev, driftwatch::basic_score_matrix_view<float>{mf.data(), rows, cols, stride}, offsets, jd,
                            [&](std::size_t r, const driftwatch::ranking_metrics& m) { got_mixed[r] = m; });
  for (std::size_t r = 0; r < rows; ++r) {
    REQUIRE(want[r].valid());
    check_same_metrics(got_f[r], want[r]);
    check_same_metrics(got_mixed[r], want[r]);
  }
}

// The unit path's lists (1-10 served ids, up to 24 judgments) with 32-bit ids
// (widened on the stack at the avx512 level): ids below and above 2^31,
// grades -1..2 (a negative grade must stay negative), repeats in either list.
TEST_CASE("short served lists with 32-bit ids: the 64-bit metrics, bit for bit", "[simd][ranking][templates]") {
  std::mt19937_64 rng(15);
  std::size_t valid = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    const std::size_t n = 1 + rng() % d::served_unit_max_served, m = rng() % (d::served_unit_max_judged + 1);
    const std::uint64_t high = trial % 2 ? 0x80000000u : 0u;
    std::vector<std::uint64_t> served(n);
    for (std::size_t i = 0; i < n; ++i) served[i] = high + 1000 + i * 13;
    if (n >= 2 && trial % 11 == 0) served[rng() % n] = served[rng() % n];
    std::vector<judgment> jd(m);
    for (std::size_t j = 0; j < m; ++j) {
      jd[j].item = j < n && rng() % 2 ? served[j] : high + 5000 + j;
      jd[j].grade = trial % 5 == 0 ? static_cast<int>(rng() % 4) - 1 : static_cast<int>(rng() % 3 != 0);
    }
    if (m >= 2 && trial % 13 == 0) jd[rng() % m].item = jd[rng() % m].item;
    const std::size_t k = 1 + rng() % 12;
    const auto want = ranking_evaluator(k).served(served, jd);
    valid += want.valid() ? 1 : 0;
    std::vector<std::uint32_t> served32(served.begin(), served.end());
    check_same_metrics(driftwatch::basic_ranking_evaluator<float, std::uint32_t>(k).served(served32, narrow_ids<std::uint32_t>(jd)),
                       want);
  }
  CHECK(valid > 2000);
}
