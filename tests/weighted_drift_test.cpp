// Weighted observations against NumPy/SciPy with weights (issue 16): weighted
// histograms and category counts, PSI / Jensen-Shannon / Hellinger of their
// weight sums and the weighted Wasserstein-1 distance at 1e-9 relative; the
// approximations (chi-square on Kish-scaled counts, the weighted ECDF KS with
// an asymptotic p-value at Kish's effective size) against the same
// computation in SciPy, and marked approximate. Reference vectors:
// tests/reference/gen_weighted_reference.py -> weighted_cases.txt. Cost: < 0.1 s.
#include <driftwatch/accumulators/category_counts.hpp>
#include <driftwatch/accumulators/histogram.hpp>
#include <driftwatch/metrics/chi_square.hpp>
#include <driftwatch/metrics/divergence.hpp>
#include <driftwatch/metrics/ks_stream.hpp>
#include <driftwatch/metrics/wasserstein.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "reference_reader.hpp"
#include "test_support.hpp"

using namespace driftwatch;
using driftwatch_test::close;

namespace {
constexpr double rel = 1e-9;

std::vector<driftwatch_test::reference_case> cases(const char* kind) {
  std::vector<driftwatch_test::reference_case> out;
  for (const auto& c : driftwatch_test::read_cases(driftwatch_test::data_path("weighted_cases.txt")))
    if (c.word("kind") == kind) out.push_back(c);
  REQUIRE(!out.empty());
  return out;
}

template <class R>
void check_divergences(const driftwatch_test::reference_case& c, const R& ref, const R& cur) {
  CHECK(close(psi(ref, cur).value, c.number("psi"), rel));
  const js_result js = jensen_shannon(ref, cur);
  CHECK(close(js.distance.value, c.number("js_distance"), rel));
  CHECK(close(js.divergence.value, c.number("js_divergence"), rel));
  CHECK(close(hellinger(ref, cur).value, c.number("hellinger"), rel));
}
}  // namespace

TEST_CASE("weighted histograms equal numpy's weighted bincount, PSI, JS, Hellinger equal NumPy/SciPy",
          "[weighted][reference]") {
  for (const auto& c : cases("numeric")) {
    INFO("case " << c.name);
    const auto edges = bin_edges::from_edges(c.numbers("edges"));
    const auto r = c.numbers("ref"), rw = c.numbers("ref_w"), x = c.numbers("cur"), xw = c.numbers("cur_w");
    basic_histogram<double, weighted> ref(edges), cur(edges);
    ref.observe(r, rw);
    cur.observe(x, xw);
    const auto er = c.numbers("ref_counts"), ec = c.numbers("cur_counts");
    REQUIRE(ref.bin_count() == er.size());
    for (std::size_t i = 0; i < er.size(); ++i) {
      CHECK(close(ref.count_at(i), er[i], 1e-12));
      CHECK(close(cur.count_at(i), ec[i], 1e-12));
    }
    check_divergences(c, ref, cur);
    // float values with weights: the same bins wherever float keeps the value's
    // side of every edge; here checked against the double histogram of the
    // float-rounded values (what the float histogram must equal exactly).
    std::vector<float> rf(r.begin(), r.end());
    std::vector<double> rd(rf.begin(), rf.end());
    basic_histogram<float, weighted> hf(edges);
    basic_histogram<double, weighted> hd(edges);
    hf.observe(rf, rw);
    hd.observe(rd, rw);
    for (std::size_t i = 0; i < er.size(); ++i) CHECK(hf.count_at(i) == hd.count_at(i));
    // Weighted Wasserstein-1 on the raw samples, as scipy.stats.wasserstein_distance(u, v, u_weights, v_weights).
    CHECK(close(wasserstein(r, x, rw, xw).value, c.number("wasserstein"), rel));
  }
}

TEST_CASE("weighted Wasserstein: unit weights give the unweighted distance, bad weights are named",
          "[weighted][wasserstein]") {
  const auto a = driftwatch_test::generate("bell", 41, 500, 0.0, 1.0);
  const auto b = driftwatch_test::generate("bell", 42, 300, 0.5, 1.0);
  const std::vector<double> ones_a(a.size(), 1.0), ones_b(b.size(), 1.0), threes_b(b.size(), 3.0);
  const double plain = wasserstein(a, b).value;
  CHECK(close(wasserstein(a, b, ones_a, ones_b).value, plain, 1e-12));
  CHECK(close(wasserstein(a, b, ones_a, threes_b).value, plain, 1e-12));  // only proportions matter
  std::vector<double> bad = ones_b;
  bad[7] = -1.0;
  CHECK_THROWS_WITH(wasserstein(a, b, ones_a, bad), driftwatch_test::contains("current sample weight 7 is negative"));
  CHECK_THROWS_WITH(wasserstein(a, b, ones_a, ones_a), driftwatch_test::contains("300 values but 500 weights"));
  const std::vector<double> zeros(b.size(), 0.0);
  CHECK(std::string(wasserstein(a, b, ones_a, zeros).invalid_reason) == "the current weights sum to 0");
}

TEST_CASE("weighted category counts: PSI, JS, Hellinger equal NumPy/SciPy, chi-square is the marked Kish approximation",
          "[weighted][reference]") {
  for (const auto& c : cases("categorical")) {
    INFO("case " << c.name);
    auto names = [](const std::vector<double>& codes) {
      std::vector<std::string> out;
      for (double x : codes) out.push_back("c" + std::to_string(static_cast<int>(x)));
      return out;
    };
    basic_category_counts<weighted> ref, cur;
    ref.observe(names(c.numbers("ref")), c.numbers("ref_w"));
    cur.observe(names(c.numbers("cur")), c.numbers("cur_w"));
    const auto a = align(ref, cur);
    REQUIRE(a.names == c.words("names"));
    const auto er = c.numbers("ref_counts"), ec = c.numbers("cur_counts");
    for (std::size_t i = 0; i < er.size(); ++i) {
      CHECK(close(a.reference[i], er[i], 1e-12));
      CHECK(close(a.current[i], ec[i], 1e-12));
    }
    CHECK(close(ref.effective_count(), c.number("n_eff_ref"), 1e-12));
    CHECK(close(cur.effective_count(), c.number("n_eff_cur"), 1e-12));
    check_divergences(c, ref, cur);
    const chi2_result chi = chi_square(ref, cur);
    REQUIRE(chi.valid());
    CHECK(chi.approximate());
    CHECK(std::string(chi.approximation).find("approximate") == 0);
    CHECK(close(chi.statistic, c.number("chi2_statistic"), rel));
    CHECK(close(chi.pvalue, c.number("chi2_pvalue"), 1e-6));
    CHECK(chi.dof == static_cast<std::size_t>(c.number("chi2_dof")));
  }
  // Unit weights: the exact unweighted test's numbers, but still marked (the type is weighted).
  basic_category_counts<weighted> w;
  category_counts u, v;
  for (const char* s : {"a", "b", "b", "c", "c", "c"}) {
    w(s, 1.0);
    u(s);
  }
  for (const char* s : {"a", "a", "b", "c"}) v(s);
  const chi2_result exact = chi_square(u, v), approx = chi_square(w, v);
  CHECK_FALSE(exact.approximate());
  CHECK(approx.approximate());
  CHECK(close(approx.statistic, exact.statistic, 1e-12));
  CHECK(close(approx.pvalue, exact.pvalue, 1e-12));
}

TEST_CASE("weighted ks_stream: the weighted ECDF statistic and its Kish p-value equal SciPy's, marked approximate",
          "[weighted][reference][ks]") {
  for (const auto& c : cases("ks")) {
    INFO("case " << c.name);
    const auto r = c.numbers("ref"), x = c.numbers("cur"), xw = c.numbers("cur_w");
    basic_ks_stream<double, weighted> s(r);
    s.observe(x, xw);
    CHECK(close(s.effective_count(), c.number("n_eff_cur"), 1e-12));
    const ks_result two = s.result();
    REQUIRE(two.valid());
    CHECK(two.approximate());
    CHECK(std::string(two.approximation).find("approximate") == 0);
    CHECK(two.method == ks_method::asymptotic);
    CHECK(two.n_current == x.size());
    CHECK(close(two.statistic, c.number("statistic"), 1e-12, 1e-15));
    CHECK(close(two.pvalue, c.number("pvalue"), 1e-9, 1e-300));
    CHECK(close(s.result(alternative::greater).statistic, c.number("statistic_greater"), 1e-12, 1e-15));
    CHECK(close(s.result(alternative::less).statistic, c.number("statistic_less"), 1e-12, 1e-15));
    // float values: the same as the double stream of the float-rounded values.
    std::vector<float> rf(r.begin(), r.end()), xf(x.begin(), x.end());
    std::vector<double> rd(rf.begin(), rf.end()), xd(xf.begin(), xf.end());
    basic_ks_stream<float, weighted> sf(rf);
    basic_ks_stream<double, weighted> sd(rd);
    sf.observe(xf, xw);
    sd.observe(xd, xw);
    CHECK(sf.result().statistic == sd.result().statistic);
    CHECK(sf.result().pvalue == sd.result().pvalue);
  }
}

TEST_CASE("weighted ks_stream: unit weights give the unweighted statistic, merge, invalid weights",
          "[weighted][ks]") {
  const auto r = driftwatch_test::generate("bell", 51, 400, 0.0, 1.0);
  const auto x = driftwatch_test::generate("bell", 52, 300, 0.2, 1.0);
  ks_stream plain(r);
  plain.observe(x);
  basic_ks_stream<double, weighted> w(r);
  w.observe(x, std::vector<double>(x.size(), 1.0));
  // (the unweighted exact path rounds D to the lattice h / lcm(n, m): equal to rounding)
  CHECK(close(w.result().statistic, plain.result().statistic, 1e-14));
  CHECK(w.result(alternative::two_sided, ks_method::asymptotic).statistic ==
        plain.result(alternative::two_sided, ks_method::asymptotic).statistic);
  CHECK(w.result().statistic_location == plain.result().statistic_location);
  CHECK_FALSE(plain.result().approximate());
  // Merge of dyadic weights is exact in any order.
  std::vector<double> wts;
  for (std::size_t i = 0; i < x.size(); ++i) wts.push_back(0.25 * static_cast<double>(i % 5));
  basic_ks_stream<double, weighted> whole(r), a(r), b(r);
  whole.observe(x, wts);
  a.observe(span<const double>(x.data(), 100), span<const double>(wts.data(), 100));
  b.observe(span<const double>(x.data() + 100, 200), span<const double>(wts.data() + 100, 200));
  b += a;
  CHECK(serialize(b) == serialize(whole));
  CHECK(deserialize<basic_ks_stream<double, weighted>>(serialize(whole)).result().pvalue == whole.result().pvalue);
  whole(0.5, -1.0);
  whole(0.5, std::numeric_limits<double>::quiet_NaN());
  whole(std::numeric_limits<double>::quiet_NaN(), 1.0);
  CHECK(whole.invalid_count() == 3);
  basic_ks_stream<double, weighted> zero(r);
  zero(0.5, 0.0);
  CHECK(std::string(zero.result().invalid_reason) == "the current window's weights sum to 0");
  CHECK_THROWS_WITH(deserialize<ks_stream>(serialize(whole)),
                    driftwatch_test::contains("holds a ks_stream<double, weighted>, not a ks_stream<double, unweighted>"));
}
