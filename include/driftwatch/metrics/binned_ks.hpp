// driftwatch binned Kolmogorov-Smirnov statistic: the KS distance over frozen
// bin edges, computed from two histograms (what the shipped PromQL rules
// compute fleet-wide from the exported buckets).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include <driftwatch/accumulators/histogram.hpp>
#include <driftwatch/core/error.hpp>
#include <driftwatch/core/result.hpp>

namespace driftwatch {

/// The binned Kolmogorov-Smirnov statistic: max over the frozen bin edges of
/// |F_current(e) - F_reference(e)| (the same number the PromQL rules compute;
/// a lower bound of the exact KS statistic on the raw samples). Invalid when
/// either histogram has no valid observations. Throws on different edges.
inline metric_value binned_ks(const driftwatch::histogram& reference, const driftwatch::histogram& current) {
  if (reference.edges() != current.edges()) driftwatch::detail::fail("binned_ks: histograms have different bin edges");
  const double n_ref = static_cast<double>(reference.count());
  const double n_cur = static_cast<double>(current.count());
  if (n_ref == 0) return metric_value::invalid("empty reference");
  if (n_cur == 0) return metric_value::invalid("empty current window");
  std::uint64_t cum_ref = 0, cum_cur = 0;
  double worst = 0.0;
  for (std::size_t i = 0; i < reference.bin_count(); ++i) {
    cum_ref += reference.counts()[i];
    cum_cur += current.counts()[i];
    worst = std::max(worst, std::fabs(static_cast<double>(cum_cur) / n_cur - static_cast<double>(cum_ref) / n_ref));
  }
  return metric_value::of(worst);
}

}  // namespace driftwatch
