// The README example (compiled as written by examples/ and by both consumer tests): PSI and KS of today against last week.
#include <driftwatch/driftwatch.hpp>
#include <cstdio>
#include <vector>

int main() {
  std::vector<double> last_week = {12, 15, 9, 22, 18, 11, 14, 30, 17, 16}, today = {25, 31, 19, 40, 28, 35, 22, 27};
  auto edges = driftwatch::bin_edges::from_quantiles(last_week, 4);   // frozen from the reference
  driftwatch::histogram reference(edges), current(edges);
  reference.observe(last_week);
  for (double x : today) current(x);                                  // the hot path: no allocation
  auto psi = driftwatch::psi(reference, current);
  auto ks = driftwatch::ks_test(last_week, today);
  std::printf("PSI %.3f, KS D = %.3f (p = %.2g)\n", psi.value, ks.statistic, ks.pvalue);
  return psi.valid() && ks.valid() ? 0 : 1;
}
