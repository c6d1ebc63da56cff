// ks_stream: a frozen reference and a streamed window give exactly ks_test's
// result (statistic, p-value, location, sign, method: bit for bit), whatever
// the ties, NaNs, signed zeros, chunking and merging.
#include <driftwatch/metrics/ks_stream.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "counting_allocator.hpp"  // this executable counts every allocation
#include "test_support.hpp"

namespace {

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

void check_same(const driftwatch::ks_result& s, const driftwatch::ks_result& t) {
  CHECK(s.valid() == t.valid());
  CHECK(s.n_reference == t.n_reference);
  CHECK(s.n_current == t.n_current);
  CHECK(s.n_invalid_reference == t.n_invalid_reference);
  CHECK(s.n_invalid_current == t.n_invalid_current);
  if (!t.valid() && std::isnan(t.statistic)) {
    CHECK(std::string(s.invalid_reason) == t.invalid_reason);
    return;
  }
  CHECK(same_bits(s.statistic, t.statistic));
  CHECK(same_bits(s.pvalue, t.pvalue));
  CHECK(s.statistic_location == t.statistic_location);
  CHECK(s.statistic_sign == t.statistic_sign);
  CHECK(s.method == t.method);
}

std::vector<double> sample(std::mt19937_64& rng, std::size_t n, int kind) {
  std::vector<double> x(n);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_int_distribution<int> small(-4, 4);
  for (auto& v : x) {
    switch (kind) {
      case 0: v = normal(rng); break;
      case 1: v = small(rng); break;  // heavy ties, shared with the reference
      case 2: v = small(rng) * 0.5 + (rng() % 3 == 0 ? 0.25 : 0.0); break;  // some between reference values
      default: v = (rng() % 7 == 0) ? -0.0 : ((rng() % 11 == 0) ? std::numeric_limits<double>::quiet_NaN() : normal(rng));
    }
  }
  return x;
}

}  // namespace

TEST_CASE("ks_stream equals ks_test on the concatenated window", "[ks_stream]") {
  std::mt19937_64 rng(2024);
  const driftwatch::alternative alts[] = {driftwatch::alternative::two_sided, driftwatch::alternative::less,
                                          driftwatch::alternative::greater};
  for (std::size_t nr : {1u, 5u, 40u, 3000u}) {
    for (std::size_t nc : {0u, 1u, 7u, 50u, 2500u}) {
      for (int kind = 0; kind < 4; ++kind) {
        INFO("n_ref " << nr << " n_cur " << nc << " kind " << kind);
        auto ref = sample(rng, nr, kind);
        if (!std::isfinite(ref[0])) ref[0] = 0.5;  // at least one finite reference value
        const auto cur = sample(rng, nc, kind);
        driftwatch::ks_stream s(ref);
        // Streamed in uneven chunks and one by one.
        std::size_t pos = 0;
        while (pos < cur.size()) {
          const std::size_t len = std::min<std::size_t>(cur.size() - pos, 1 + rng() % 97);
          if (len % 2) {
            s.observe(driftwatch::span<const double>(cur.data() + pos, len));
          } else {
            for (std::size_t i = 0; i < len; ++i) s(cur[pos + i]);
          }
          pos += len;
        }
        for (auto alt : alts) {
          for (auto method : {driftwatch::ks_method::automatic, driftwatch::ks_method::asymptotic}) {
            check_same(s.result(alt, method), driftwatch::ks_test(ref, cur, alt, method));
          }
        }
      }
    }
  }
}

TEST_CASE("ks_stream merges exactly and refuses another reference", "[ks_stream]") {
  std::mt19937_64 rng(7);
  const auto ref = sample(rng, 500, 1);
  const auto a = sample(rng, 300, 2), b = sample(rng, 200, 2);
  driftwatch::ks_stream sa(ref), sb(ref), all(ref);
  sa.observe(a);
  sb.observe(b);
  all.observe(a);
  all.observe(b);
  sa += sb;
  check_same(sa.result(), all.result());
  std::vector<double> ab(a);
  ab.insert(ab.end(), b.begin(), b.end());
  check_same(sa.result(), driftwatch::ks_test(ref, ab));
  sa.reset();
  CHECK(sa.count() == 0);
  CHECK(std::string(sa.result().invalid_reason) == "empty current sample");
  driftwatch::ks_stream other(sample(rng, 500, 0));
  CHECK_THROWS_AS(sa += other, driftwatch::error);
  CHECK_THROWS_AS(driftwatch::ks_stream(std::vector<double>{std::nan(""), INFINITY}), driftwatch::error);
}

TEST_CASE("ks_stream::observe allocates nothing", "[ks_stream][alloc]") {
  std::mt19937_64 rng(9);
  const auto ref = sample(rng, 4000, 0);
  const auto cur = sample(rng, 4000, 3);
  driftwatch::ks_stream s(ref);
  const long before = driftwatch_test::allocation_count();
  s.observe(cur);
  for (double v : cur) s(v);
  CHECK(driftwatch_test::allocation_count() == before);
}

TEST_CASE("basic_ks_stream<float> and integer values: exactly the double stream of the converted values",
          "[ks_stream][policies]") {
  std::mt19937_64 rng(77);
  const auto ref = sample(rng, 600, 0);
  const auto cur = sample(rng, 450, 0);
  std::vector<float> rf(ref.begin(), ref.end()), cf(cur.begin(), cur.end());
  cf[3] = std::numeric_limits<float>::quiet_NaN();
  const std::vector<double> rd(rf.begin(), rf.end()), cd(cf.begin(), cf.end());
  driftwatch::basic_ks_stream<float> sf(rf);
  driftwatch::ks_stream sd(rd);
  const long before = driftwatch_test::allocation_count();
  sf.observe(cf);
  sd.observe(cd);
  CHECK(driftwatch_test::allocation_count() == before);
  check_same(sf.result(), sd.result());
  check_same(sf.result(driftwatch::alternative::less), sd.result(driftwatch::alternative::less));
  CHECK(sf.invalid_count() == 1);
  std::vector<std::int32_t> ri, ci;
  for (double x : ref) ri.push_back(static_cast<std::int32_t>(std::floor(x * 4)));
  for (double x : cur) ci.push_back(static_cast<std::int32_t>(std::floor(x * 4 + 1)));
  driftwatch::basic_ks_stream<std::int32_t> si(ri);
  si.observe(ci);
  const std::vector<double> rid(ri.begin(), ri.end()), cid(ci.begin(), ci.end());
  check_same(si.result(), driftwatch::ks_test(rid, cid));
}
