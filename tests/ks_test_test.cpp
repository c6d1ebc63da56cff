// Tests for driftwatch/metrics/ks_test.hpp against scipy.stats.ks_2samp (SciPy 1.10),
// reference values in tests/reference/ks_cases.txt (gen_ks_reference.py).
#include <driftwatch/metrics/ks_test.hpp>

#include "reference_reader.hpp"
#include "test_support.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

namespace {

using driftwatch::alternative;
using driftwatch::ks_method;

alternative alt_of(const std::string& s) {
  if (s == "less") return alternative::less;
  if (s == "greater") return alternative::greater;
  return alternative::two_sided;
}

ks_method method_of(const std::string& s) {
  if (s == "exact") return ks_method::exact;
  if (s == "asymptotic") return ks_method::asymptotic;
  return ks_method::automatic;
}

const char* name_of(ks_method m) {
  switch (m) {
    case ks_method::exact: return "exact";
    case ks_method::asymptotic: return "asymptotic";
    default: return "automatic";
  }
}

const std::vector<driftwatch_test::reference_case>& cases() {
  static const auto all = driftwatch_test::read_cases(driftwatch_test::data_path("ks_cases.txt"));
  return all;
}

// Acceptance bounds (the brief): statistic 1e-12 absolute, p-value 1e-5
// absolute. We hold ourselves to much tighter bounds and print the worst error
// actually seen.
constexpr double statistic_tolerance = 1e-12;
constexpr double pvalue_tolerance = 1e-10;

}  // namespace

std::vector<std::string> alts_of(const driftwatch_test::reference_case& c) { return c.words("alts"); }

TEST_CASE("ks_test matches scipy.stats.ks_2samp on every sample case", "[ks_test][reference]") {
  double worst_stat = 0.0, worst_p = 0.0, worst_p_rel = 0.0;
  std::string worst_p_name;
  int checked = 0;
  for (const auto& c : cases()) {
    if (c.word("kind") != "sample") continue;
    const std::vector<double> ref = c.numbers("ref");
    const std::vector<double> cur = c.numbers("cur");
    for (const std::string& alt : alts_of(c)) {
      INFO("case " << c.name << ", alternative " << alt);
      const auto r = driftwatch::ks_test(ref, cur, alt_of(alt), method_of(c.word("method")));
      // scipy's one NaN p-value (asymptotic, two-sided, n1 = n2 = 1) is an invalid result here.
      REQUIRE(r.valid() == !std::isnan(c.number("pvalue_" + alt)));
      CHECK(r.n_reference == static_cast<std::size_t>(c.number("n_ref")));
      CHECK(r.n_current == static_cast<std::size_t>(c.number("n_cur")));
      CHECK(r.n_invalid_reference == static_cast<std::size_t>(c.number("invalid_ref")));
      CHECK(r.n_invalid_current == static_cast<std::size_t>(c.number("invalid_cur")));
      CHECK(std::string(name_of(r.method)) == c.word("used_" + alt));
      CHECK(r.statistic_location == c.number("location_" + alt));
      CHECK(r.statistic_sign == static_cast<int>(c.number("sign_" + alt)));
      const double es = std::fabs(r.statistic - c.number("statistic_" + alt));
      CHECK(es <= statistic_tolerance);
      worst_stat = std::max(worst_stat, es);
      ++checked;
      if (!r.valid()) {
        CHECK(std::isnan(r.pvalue));
        continue;
      }
      const double expected = c.number("pvalue_" + alt);
      const double ep = std::fabs(r.pvalue - expected);
      CHECK(ep <= pvalue_tolerance);
      if (ep > worst_p) worst_p = ep, worst_p_name = c.name + " " + alt;
      if (expected > 0) worst_p_rel = std::max(worst_p_rel, ep / expected);
    }
  }
  CHECK(checked > 100);
  std::printf("ks sample cases: %d, max |statistic error| = %.3g, max |pvalue error| = %.3g (%s), max relative = %.3g\n",
              checked, worst_stat, worst_p, worst_p_name.c_str(), worst_p_rel);
}

TEST_CASE("ks_test_sorted agrees with ks_test on sorted finite input", "[ks_test]") {
  for (const auto& c : cases()) {
    if (c.word("kind") != "sample" || c.number("invalid_ref") != 0 || c.number("invalid_cur") != 0) continue;
    if (c.number("n_ref") > 2000) continue;
    std::vector<double> ref = c.numbers("ref"), cur = c.numbers("cur");
    std::vector<double> sref = ref, scur = cur;
    std::sort(sref.begin(), sref.end());
    std::sort(scur.begin(), scur.end());
    for (const std::string& alt : alts_of(c)) {
      INFO("case " << c.name << ", alternative " << alt);
      const auto a = driftwatch::ks_test(ref, cur, alt_of(alt), method_of(c.word("method")));
      const auto b = driftwatch::ks_test_sorted(sref, scur, alt_of(alt), method_of(c.word("method")));
      CHECK(a.statistic == b.statistic);
      CHECK((a.pvalue == b.pvalue || (std::isnan(a.pvalue) && std::isnan(b.pvalue))));
      CHECK(a.statistic_location == b.statistic_location);
      CHECK(a.statistic_sign == b.statistic_sign);
      CHECK(a.method == b.method);
    }
  }
}

TEST_CASE("ks_pvalue matches ks_2samp's p-value path on every branch", "[ks_test][reference]") {
  double worst = 0.0;
  std::string worst_name;
  int checked = 0;
  for (const auto& c : cases()) {
    if (c.word("kind") != "pvalue") continue;
    INFO("case " << c.name);
    const auto n1 = static_cast<std::size_t>(c.number("n1"));
    const auto n2 = static_cast<std::size_t>(c.number("n2"));
    const auto full = driftwatch::detail::ks_pvalue_impl(c.number("d"), n1, n2, alt_of(c.word("alt")),
                                                         method_of(c.word("method")));
    const double p = full.pvalue;
    if (n1 * n2 < 100000) {  // the public entry point gives the same value
      CHECK((driftwatch::ks_pvalue(c.number("d"), n1, n2, alt_of(c.word("alt")), method_of(c.word("method"))) == p ||
             std::isnan(p)));
    }
    CHECK(std::string(name_of(full.method)) == c.word("used"));
    const double expected = c.number("pvalue");
    if (std::isnan(expected)) {
      CHECK(std::isnan(p));
      continue;
    }
    const double e = std::fabs(p - expected);
    CHECK(e <= pvalue_tolerance);
    if (e > worst) worst = e, worst_name = c.name;
    ++checked;
  }
  CHECK(checked > 300);
  std::printf("ks p-value cases: %d, max |pvalue error| = %.3g (%s)\n", checked, worst, worst_name.c_str());
}

TEST_CASE("ks_test reports empty samples as invalid, never crashes", "[ks_test]") {
  const std::vector<double> some{1.0, 2.0, 3.0};
  const std::vector<double> none;
  const std::vector<double> bad{std::nan(""), std::numeric_limits<double>::infinity()};

  auto r = driftwatch::ks_test(none, some);
  CHECK_FALSE(r.valid());
  CHECK(std::string(r.invalid_reason) == "empty reference sample");
  CHECK(std::isnan(r.statistic));
  CHECK(std::isnan(r.pvalue));

  r = driftwatch::ks_test(some, none);
  CHECK_FALSE(r.valid());
  CHECK(std::string(r.invalid_reason) == "empty current sample");

  r = driftwatch::ks_test(none, none);
  CHECK_FALSE(r.valid());

  r = driftwatch::ks_test(bad, some);
  CHECK_FALSE(r.valid());
  CHECK(r.n_invalid_reference == 2);
  CHECK(std::string(r.invalid_reason) == "reference sample has no finite values");

  r = driftwatch::ks_test(some, bad, alternative::less, ks_method::exact);
  CHECK_FALSE(r.valid());
  CHECK(r.n_invalid_current == 2);
  CHECK(std::string(r.invalid_reason) == "current sample has no finite values");

  r = driftwatch::ks_test_sorted(none, some);
  CHECK_FALSE(r.valid());
}

TEST_CASE("ks_test: scipy's NaN for asymptotic n1 = n2 = 1 is reported as invalid", "[ks_test]") {
  const std::vector<double> a{1.0}, b{2.0};
  const auto r = driftwatch::ks_test(a, b, alternative::two_sided, ks_method::asymptotic);
  CHECK_FALSE(r.valid());
  CHECK(r.statistic == 1.0);
  CHECK(std::isnan(r.pvalue));
  CHECK(std::isnan(driftwatch::ks_pvalue(1.0, 1, 1, alternative::two_sided, ks_method::asymptotic)));
}

TEST_CASE("ks_pvalue rejects impossible arguments", "[ks_test]") {
  CHECK_THROWS_AS(driftwatch::ks_pvalue(0.5, 0, 3, alternative::two_sided), driftwatch::error);
  CHECK_THROWS_AS(driftwatch::ks_pvalue(0.5, 3, 0, alternative::less), driftwatch::error);
  CHECK_THROWS_AS(driftwatch::ks_pvalue(1.5, 3, 3, alternative::two_sided), driftwatch::error);
  CHECK_THROWS_AS(driftwatch::ks_pvalue(std::nan(""), 3, 3, alternative::greater), driftwatch::error);
}

TEST_CASE("ks_test is symmetric: swapping samples swaps less and greater", "[ks_test]") {
  const auto a = driftwatch_test::generate("bell", 5, 300, 0.0, 1.0);
  const auto b = driftwatch_test::generate("bell", 6, 200, 0.2, 1.0);
  const auto two_ab = driftwatch::ks_test(a, b);
  const auto two_ba = driftwatch::ks_test(b, a);
  CHECK(two_ab.statistic == two_ba.statistic);
  CHECK(two_ab.statistic_sign == -two_ba.statistic_sign);
  CHECK(driftwatch_test::close(two_ab.pvalue, two_ba.pvalue, 1e-12));
  const auto less_ab = driftwatch::ks_test(a, b, alternative::less);
  const auto greater_ba = driftwatch::ks_test(b, a, alternative::greater);
  CHECK(less_ab.statistic == greater_ba.statistic);
  CHECK(driftwatch_test::close(less_ab.pvalue, greater_ba.pvalue, 1e-12));
}

TEST_CASE("ks_test exact path at the automatic limit is fast", "[ks_test][timing]") {
  // Worst case for the exact two-sided unequal-size recursion: n1 = 10000,
  // n2 = 9999 (gcd 1) and a large D, so the band covers most of the lattice.
  const auto a = driftwatch_test::generate("uniform", 1, 10000, 0.0, 1.0);
  const auto b = driftwatch_test::generate("uniform", 2, 9999, 0.5, 1.5);
  const auto start = std::chrono::steady_clock::now();
  const auto r = driftwatch::ks_test(a, b);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(r.method == ks_method::exact);
  CHECK(r.pvalue < 1e-300);
  std::printf("ks exact 10000 x 9999, D = %.4f: %.3f s\n", r.statistic, seconds);
  CHECK(seconds < 5.0);
}
