// Run-time kernel selection (detail/dispatch.hpp): in ONE build, every level
// this CPU supports is forced in turn and each dispatcher's result compared
// with the scalar twin's: identical where the kernel is exact (binning counts,
// ranking counts, served-list findings and metrics), within the kernels' stated
// bounds otherwise (JS: 1e-12 relative; weight sums: 1e-15 relative, the
// smallest non-zero weights exactly). In a default build on an AVX-512 CPU
// that is scalar, sse2, avx2 and avx512; in a -march build only its level.
// Cost: ~1 s.
#include <driftwatch/detail/dispatch.hpp>
#include <driftwatch/detail/kernels_binning.hpp>
#include <driftwatch/detail/kernels_divergence.hpp>
#include <driftwatch/detail/kernels_ranking.hpp>
#include <driftwatch/detail/planner.hpp>
#include <driftwatch/metrics/divergence.hpp>
#include <driftwatch/accumulators/histogram.hpp>
#include <driftwatch/metrics/ranking.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "test_support.hpp"

namespace {

namespace d = driftwatch::detail;
using driftwatch::simd_level;
using driftwatch_test::close;

std::vector<simd_level> supported_levels() {
  std::vector<simd_level> v;
  for (int l = 0; l <= static_cast<int>(driftwatch::simd_supported()); ++l) v.push_back(static_cast<simd_level>(l));
  return v;
}

/// Restores the CPU's best level when a test case ends.
struct level_guard {
  ~level_guard() { driftwatch::set_simd_target(simd_level::avx512); }
};

std::vector<double> values_around(const std::vector<double>& edges, std::mt19937_64& rng, std::size_t n) {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> special = {std::numeric_limits<double>::quiet_NaN(), inf, -inf, 0.0, -0.0,
                                 std::numeric_limits<double>::denorm_min(), std::numeric_limits<double>::max(),
                                 -std::numeric_limits<double>::max()};
  for (double e : edges) {
    special.push_back(e);
    special.push_back(std::nextafter(e, inf));
    special.push_back(std::nextafter(e, -inf));
  }
  std::vector<double> x(n);
  std::uniform_int_distribution<std::size_t> pick(0, special.size() - 1);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (auto& v : x) v = (rng() % 4 == 0) ? special[pick(rng)] : normal(rng);
  return x;
}

}  // namespace

TEST_CASE("simd_target reports the level and set_simd_target caps it", "[simd][dispatch]") {
  level_guard g;
  const simd_level best = driftwatch::simd_supported();
  INFO("supported: " << driftwatch::simd_level_name(best) << ", dispatching: " << driftwatch::simd_dispatching());
  CHECK(std::string(driftwatch::simd_level_name(simd_level::avx2)) == "avx2");
  CHECK(std::string(driftwatch::simd_level_name(simd_level::scalar)) == "scalar");
  if (driftwatch::simd_dispatching()) {
    for (simd_level l : supported_levels()) {
      CHECK(driftwatch::set_simd_target(l) == l);
      CHECK(driftwatch::simd_target() == l);
    }
    // Never above what the CPU supports.
    CHECK(driftwatch::set_simd_target(simd_level::avx512) == best);
    CHECK(driftwatch::simd_target() == best);
  } else {
    // Fixed by the build's flags: asking changes nothing.
    CHECK(driftwatch::set_simd_target(simd_level::scalar) == driftwatch::simd_target());
  }
#if defined(__x86_64__) && !defined(DRIFTWATCH_NO_SIMD)
  CHECK(static_cast<int>(best) >= static_cast<int>(simd_level::sse2));
#endif
}

TEST_CASE("DRIFTWATCH_SIMD names a level; anything else is ignored", "[simd][dispatch]") {
  const char* old = std::getenv("DRIFTWATCH_SIMD");
  const std::string saved = old ? old : "";
  const char* names[] = {"scalar", "sse2", "avx2", "avx512"};
  for (int l = 0; l < 4; ++l) {
    setenv("DRIFTWATCH_SIMD", names[l], 1);
    CHECK(d::env_level() == l);
  }
  setenv("DRIFTWATCH_SIMD", "avx1024", 1);
  CHECK(d::env_level() == -1);
  setenv("DRIFTWATCH_SIMD", "", 1);
  CHECK(d::env_level() == -1);
  if (old)
    setenv("DRIFTWATCH_SIMD", saved.c_str(), 1);
  else
    unsetenv("DRIFTWATCH_SIMD");
}

TEST_CASE("binning: every level gives the scalar twin's counts", "[simd][dispatch][binning]") {
  level_guard g;
  std::mt19937_64 rng(41);
  // Compare-and-count (9 and 16 edges), pairs table (63 uniform edges),
  // four-way uniform (200 uniform edges), non-uniform search (40 edges).
  std::vector<std::vector<double>> edge_sets;
  edge_sets.push_back({-1.5, -1, -.5, -.2, 0, .2, .5, 1, 1.5});
  {
    std::vector<double> e;
    for (int i = 0; i < 16; ++i) e.push_back(-2 + 0.25 * i);
    edge_sets.push_back(e);
  }
  for (std::size_t ne : {63u, 200u}) {
    std::vector<double> e;
    for (std::size_t i = 1; i <= ne; ++i) e.push_back(-3.0 + 6.0 * static_cast<double>(i) / static_cast<double>(ne + 1));
    edge_sets.push_back(e);
  }
  {
    std::vector<double> e;
    for (int i = 0; i < 40; ++i) e.push_back(std::sinh(-2 + 0.1 * i));
    edge_sets.push_back(e);
  }
  for (const auto& edges : edge_sets) {
    const bool uniform = edges.size() == 63 || edges.size() == 200 || edges.size() == 16;
    for (std::size_t n : {64u, 1000u, 70000u}) {
      const auto x = values_around(edges, rng, n);
      std::vector<std::uint64_t> ref(edges.size() + 1, 0);
      const std::uint64_t inv_ref = d::bin_count_scalar(edges.data(), edges.size(), x.data(), n, ref.data());
      for (simd_level l : supported_levels()) {
        driftwatch::set_simd_target(l);
        std::vector<std::uint64_t> c(edges.size() + 1, 0);
        const std::uint64_t inv = d::bin_count(edges.data(), edges.size(), uniform, x.data(), n, c.data());
        INFO("level " << driftwatch::simd_level_name(l) << ", " << edges.size() << " edges, n " << n);
        CHECK(inv == inv_ref);
        CHECK(c == ref);
      }
    }
  }
}

TEST_CASE("histogram::observe: identical histograms at every level", "[simd][dispatch][binning]") {
  level_guard g;
  std::mt19937_64 rng(5);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<double> x(50000);
  for (auto& v : x) v = normal(rng);
  std::vector<double> sample(x.begin(), x.begin() + 5000);
  const driftwatch::bin_edges edges[] = {driftwatch::bin_edges::from_quantiles(sample, 10),
                                         driftwatch::bin_edges::uniform(-4.0, 4.0, 64)};
  for (const auto& e : edges) {
    driftwatch::set_simd_target(simd_level::scalar);
    driftwatch::histogram ref(e);
    ref.observe(x);
    for (simd_level l : supported_levels()) {
      driftwatch::set_simd_target(l);
      driftwatch::histogram h(e);
      h.observe(x);
      INFO("level " << driftwatch::simd_level_name(l));
      CHECK(h.invalid_count() == ref.invalid_count());
      CHECK(h.counts() == ref.counts());
    }
  }
}

TEST_CASE("divergence: every level within the kernels' bounds of the twins", "[simd][dispatch][divergence]") {
  level_guard g;
  std::mt19937_64 rng(17);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (std::size_t n : {16u, 17u, 100u, 1003u, 100000u}) {
    std::vector<double> p(n), q(n);
    for (std::size_t i = 0; i < n; ++i) {
      p[i] = rng() % 7 == 0 ? 0.0 : u(rng) * 1e3;
      q[i] = rng() % 5 == 0 ? 0.0 : p[i] * (0.8 + 0.4 * u(rng)) + (rng() % 3 == 0 ? u(rng) : 0.0);
    }
    const d::weight_sums ws = d::weight_sums_scalar(p.data(), q.data(), n);
    const double js = d::js_sum_scalar(p.data(), q.data(), n, ws.reference, ws.current);
    const double hel = d::hellinger_sum_scalar(p.data(), q.data(), n, ws.reference, ws.current);
    for (simd_level l : supported_levels()) {
      driftwatch::set_simd_target(l);
      INFO("level " << driftwatch::simd_level_name(l) << ", n " << n);
      const d::weight_sums w = d::weight_sums_of(p.data(), q.data(), n);
      REQUIRE(w.ok);
      CHECK(close(w.reference, ws.reference, 1e-15));
      CHECK(close(w.current, ws.current, 1e-15));
      CHECK(w.min_reference == ws.min_reference);
      CHECK(w.min_current == ws.min_current);
      CHECK(close(d::js_sum(p.data(), q.data(), n, ws.reference, ws.current), js, 1e-12));
      CHECK(close(d::hellinger_sum(p.data(), q.data(), n, ws.reference, ws.current), hel, 1e-12));
    }
    // The public metric: same value at every level to the same bound.
    driftwatch::set_simd_target(simd_level::scalar);
    const double ref = driftwatch::jensen_shannon(p, q).divergence.value;
    for (simd_level l : supported_levels()) {
      driftwatch::set_simd_target(l);
      CHECK(close(driftwatch::jensen_shannon(p, q).divergence.value, ref, 1e-12));
    }
  }
  // A bad weight is found at every level.
  std::vector<double> p(300, 1.0), q(300, 1.0);
  p[123] = -1.0;
  for (simd_level l : supported_levels()) {
    driftwatch::set_simd_target(l);
    CHECK_FALSE(d::weight_sums_of(p.data(), q.data(), p.size()).ok);
  }
}

template <class T>
void check_count_above_levels(std::mt19937_64& rng) {
  std::uniform_int_distribution<int> small(0, 50);
  for (std::size_t n : {64u, 129u, 5000u, 9001u}) {
    std::vector<T> row(n);
    for (auto& v : row) v = static_cast<T>(small(rng)) / 8;  // many ties
    row[n / 3] = std::numeric_limits<T>::infinity();
    row[n / 2] = -std::numeric_limits<T>::infinity();
    for (std::size_t m : {1u, 3u, 8u, 13u}) {
      std::vector<d::above_query<T>> q(m);
      for (auto& x : q) {
        const std::size_t id = rng() % n;
        x.below = row[id];
        x.above = d::next_below(row[id]);
        x.split = id + 1;
      }
      std::vector<std::size_t> ref(m), c(m);
      d::count_above_scalar(row.data(), n, q.data(), m, ref.data());
      for (simd_level l : supported_levels()) {
        driftwatch::set_simd_target(l);
        d::count_above(row.data(), n, q.data(), m, c.data());
        INFO("level " << driftwatch::simd_level_name(l) << ", n " << n << ", m " << m << ", "
                      << sizeof(T) << "-byte scores");
        CHECK(c == ref);
      }
    }
  }
}

TEST_CASE("ranking: count_above gives the twin's counts at every level", "[simd][dispatch][ranking]") {
  level_guard g;
  std::mt19937_64 rng(3);
  check_count_above_levels<double>(rng);
  check_count_above_levels<float>(rng);
}

TEST_CASE("ranking: score rows and served lists give bit-identical metrics at every level",
          "[simd][dispatch][ranking]") {
  level_guard g;
  std::mt19937_64 rng(29);
  const driftwatch::ranking_evaluator ev(10);
  for (int trial = 0; trial < 300; ++trial) {
    const std::size_t n = 100 + rng() % 3000;
    std::vector<float> row(n);
    for (auto& v : row) v = static_cast<float>(rng() % 1000) / 10.0f;
    std::vector<driftwatch::judgment> jd;
    for (int j = 0; j < 12; ++j) jd.push_back({static_cast<driftwatch::item_id>(rng() % n), static_cast<int>(rng() % 2)});
    std::sort(jd.begin(), jd.end(), [](const auto& a, const auto& b) { return a.item < b.item; });
    jd.erase(std::unique(jd.begin(), jd.end(), [](const auto& a, const auto& b) { return a.item == b.item; }), jd.end());
    std::vector<driftwatch::item_id> served(1 + rng() % 10);
    for (std::size_t i = 0; i < served.size(); ++i) served[i] = rng() % 2 ? jd[rng() % jd.size()].item : 100000 + i;
    driftwatch::set_simd_target(simd_level::scalar);
    const auto ref_row = ev.scores(row, jd);
    const auto ref_served = ev.served(served, jd);
    for (simd_level l : supported_levels()) {
      driftwatch::set_simd_target(l);
      const auto a = ev.scores(row, jd);
      const auto b = ev.served(served, jd);
      INFO("level " << driftwatch::simd_level_name(l) << ", trial " << trial);
      CHECK(a.valid() == ref_row.valid());
      CHECK(b.valid() == ref_served.valid());
      for (std::size_t k = 0; k < driftwatch::ranking_metric_count; ++k) {
        CHECK(std::memcmp(&a.values[k], &ref_row.values[k], sizeof(double)) == 0);  // bit for bit (NaN too)
        CHECK(std::memcmp(&b.values[k], &ref_served.values[k], sizeof(double)) == 0);
      }
    }
  }
}

TEST_CASE("planned variants: every uniform-binning and served-list variant gives the same results",
          "[simd][dispatch][planner]") {
  level_guard g;
  std::mt19937_64 rng(77);
  std::vector<double> edges;
  for (int i = 1; i < 64; ++i) edges.push_back(-2.0 + 4.0 * i / 64);
  const auto x = values_around(edges, rng, 60000);
  std::vector<std::uint64_t> ref(edges.size() + 1, 0);
  const std::uint64_t inv_ref = d::bin_count_scalar(edges.data(), edges.size(), x.data(), x.size(), ref.data());
  const driftwatch::ranking_evaluator ev(10);
  for (simd_level l : supported_levels()) {
    driftwatch::set_simd_target(l);
    // The planner's own choice first, then every variant forced.
    for (int v = -1; v < 4; ++v) {
      d::set_uniform_plan(v);
      std::vector<std::uint64_t> c(edges.size() + 1, 0);
      const std::uint64_t inv = d::bin_count(edges.data(), edges.size(), true, x.data(), x.size(), c.data());
      INFO("level " << driftwatch::simd_level_name(l) << ", uniform variant " << v << " (planned: "
                    << d::uniform_plan_slot().load() << ")");
      CHECK(inv == inv_ref);
      CHECK(c == ref);
    }
    for (int v = -1; v < 2; ++v) {
      d::set_served_plan(v);
      for (int trial = 0; trial < 200; ++trial) {
        std::vector<driftwatch::item_id> served(1 + rng() % 10);
        for (std::size_t i = 0; i < served.size(); ++i) served[i] = 50 + rng() % 40;
        std::vector<driftwatch::judgment> jd(rng() % 20);
        for (std::size_t j = 0; j < jd.size(); ++j) jd[j] = {static_cast<driftwatch::item_id>(50 + rng() % 60), static_cast<int>(rng() % 2)};
        const auto a = ev.served(served, jd);
        driftwatch::set_simd_target(simd_level::scalar);
        const auto b = ev.served(served, jd);
        driftwatch::set_simd_target(l);
        INFO("level " << driftwatch::simd_level_name(l) << ", served variant " << v << ", trial " << trial);
        CHECK(a.valid() == b.valid());
        for (std::size_t k = 0; k < driftwatch::ranking_metric_count; ++k)
          CHECK(std::memcmp(&a.values[k], &b.values[k], sizeof(double)) == 0);
      }
    }
  }
  d::set_uniform_plan(-1);
  d::set_served_plan(-1);
}
