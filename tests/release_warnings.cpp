// Compiled, not run, by the test `release_warnings` (tests/CMakeLists.txt):
// CMake's Release flags (-O3) with the project's warnings as errors, and no
// ISA flag, so every per-ISA kernel body (SSE2, AVX2, AVX-512 regions) is
// instantiated the way a consumer's Release build instantiates it. GCC's
// flow warnings (-Wmaybe-uninitialized and the like) fire only after the
// inlining -O3 does, which the dev build (-O2) does not do: one of them once
// reached every consumer's Release build from the compare-and-count kernel.
// Each call below instantiates a kernel family a service uses.
#include <driftwatch/driftwatch.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace dw = driftwatch;

template <class T>
static double bins_of_every_kind(const std::vector<T>& xs, const std::vector<double>& ref) {
  double total = 0;
  // 1 to 17 edges take the compare-and-count kernels (one instantiation per
  // edge capacity), 64 uniform bins the pair kernel, 200 the four-way one.
  for (std::size_t bins = 2; bins <= 18; ++bins) {
    dw::basic_histogram<T> h(dw::bin_edges::from_quantiles(ref, bins));
    h.observe(dw::span<const T>(xs.data(), xs.size()));
    total += static_cast<double>(h.counts()[0]);
  }
  for (std::size_t bins : {64u, 200u}) {
    dw::basic_histogram<T> h(dw::bin_edges::uniform(-3.0, 3.0, bins));
    h.observe(dw::span<const T>(xs.data(), xs.size()));
    total += static_cast<double>(h.counts()[1]);
  }
  return total;
}

int main(int argc, char**) {
  std::vector<double> ref(5000), cur(5000);
  std::vector<float> curf(cur.size());
  for (std::size_t i = 0; i < ref.size(); ++i) {
    ref[i] = static_cast<double>((i * 7919u) % 1000u) / 300.0 - 1.5;
    cur[i] = ref[i] + 0.1 * argc;
    curf[i] = static_cast<float>(cur[i]);
  }
  double sink = bins_of_every_kind(cur, ref) + bins_of_every_kind(curf, ref);

  const auto edges = dw::bin_edges::from_quantiles(ref, 10);
  dw::histogram a(edges), b(edges);
  a.observe(ref);
  b.observe(cur);
  sink += dw::psi(a, b).value + dw::jensen_shannon(a, b).distance.value + dw::hellinger(a, b).value;
  sink += dw::ks_test(ref, cur).statistic + dw::wasserstein(ref, cur).value;
  dw::category_counts ca, cb;
  ca("x");
  cb("y");
  sink += dw::chi_square(ca, cb).statistic;

  dw::ks_stream ks(ref);
  ks.observe(cur);
  dw::basic_ks_stream<float> ksf(std::vector<float>(curf.begin(), curf.end()));
  ksf.observe(curf);

  dw::drift_monitor monitor;
  for (int f = 0; f < 20; ++f) monitor.add_numeric("f" + std::to_string(f), ref);
  std::vector<double> row(20);
  for (std::size_t r = 0; r < 2000; ++r) {
    for (std::size_t f = 0; f < row.size(); ++f) row[f] = cur[(r * 20 + f) % cur.size()];
    monitor.observe_row(row);
    monitor.observe(r % 20, cur[r]);
  }
  for (const auto& feature : monitor.report()) sink += feature.ks.statistic;

  const dw::ranking_evaluator ev(10);
  const std::vector<dw::item_id> served{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  const std::vector<dw::judgment> judged{{2, 1}, {4, 1}, {9, 2}};
  sink += ev.served(served, judged).precision();
  std::vector<double> scores(2000);
  for (std::size_t i = 0; i < scores.size(); ++i) scores[i] = cur[i];
  sink += ev.scores(scores, judged).ndcg();
  return sink > 0 ? 0 : 1;
}
