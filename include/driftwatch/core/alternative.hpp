// driftwatch::alternative: the alternative hypothesis of a test, shared by the
// KS test (ks_test.hpp) and the canary t-tests (canary.hpp).
#pragma once

namespace driftwatch {

/// The alternative hypothesis, with SciPy's meaning of `alternative=`:
/// - two_sided: the two distributions (or means) differ.
/// - less / greater: one-sided. For the KS test, with F the reference's CDF and
///   G the current's: `less` means F < G somewhere (the reference tends to
///   larger values), statistic D- = max (G_m - F_n); `greater` means F > G
///   somewhere (the reference tends to smaller values), D+ = max (F_n - G_m).
///   For the t-tests: the mean difference (canary - baseline) is < 0 / > 0.
enum class alternative { two_sided, less, greater };

}  // namespace driftwatch
