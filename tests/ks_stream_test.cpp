// ks_stream: a frozen reference and a streamed window give exactly ks_test's
// result (statistic, p-value, location, sign, method: bit for bit), whatever
// the ties, NaNs, signed zeros, chunking and merging.
#include <driftwatch/metrics/ks_stream.hpp>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <thread>
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

// ---- Storage policies (issue 16): counter32, atomic_counter64 ----

namespace {

using driftwatch::atomic_counter64;
using driftwatch::basic_ks_stream;
using driftwatch::counter32;
using driftwatch::counter64;
using driftwatch::unweighted;

template <class S>
void check_storage_equals_ks_test() {
  using stream = basic_ks_stream<double, unweighted, S>;
  std::mt19937_64 rng(4242);
  const driftwatch::alternative alts[] = {driftwatch::alternative::two_sided, driftwatch::alternative::less,
                                          driftwatch::alternative::greater};
  for (std::size_t nr : {1u, 40u, 3000u}) {
    for (std::size_t nc : {0u, 7u, 2500u}) {
      for (int kind = 0; kind < 4; ++kind) {
        INFO("storage " << S::name << " n_ref " << nr << " n_cur " << nc << " kind " << kind);
        auto ref = sample(rng, nr, kind);
        if (!std::isfinite(ref[0])) ref[0] = 0.5;
        const auto cur = sample(rng, nc, kind);
        stream s(ref), a(ref), b(ref);
        const long before = driftwatch_test::allocation_count();
        const std::size_t half = cur.size() / 2;
        s.observe(driftwatch::span<const double>(cur.data(), half));
        for (std::size_t i = half; i < cur.size(); ++i) s(cur[i]);
        a.observe(driftwatch::span<const double>(cur.data(), half));
        b.observe(driftwatch::span<const double>(cur.data() + half, cur.size() - half));
        CHECK(driftwatch_test::allocation_count() == before);  // observing never allocates
        a += b;
        CHECK(s.saturated_count() == 0);
        for (auto alt : alts) {
          for (auto method : {driftwatch::ks_method::automatic, driftwatch::ks_method::asymptotic}) {
            const auto expect = driftwatch::ks_test(ref, cur, alt, method);
            check_same(s.result(alt, method), expect);
            check_same(a.result(alt, method), expect);
          }
        }
        // Same window, same state payload as the default storage's (the type differs).
        driftwatch::ks_stream d(ref);
        d.observe(cur);
        auto sb = driftwatch::serialize(s), db = driftwatch::serialize(d);
        if (!S::saturates) {
          REQUIRE(sb.size() == db.size());
          CHECK(std::memcmp(sb.data() + 16, db.data() + 16, sb.size() - 20) == 0);
        }
        CHECK(driftwatch::serialize(driftwatch::deserialize<stream>(sb)) == sb);
      }
    }
  }
}

// Overwrites the u64 at `at` and fixes the checksum (reaches load_state's checks).
std::vector<std::uint8_t> patch_u64(std::vector<std::uint8_t> b, std::size_t at, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) b[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
  const std::size_t end = b.size() - 4;
  const std::uint32_t crc = driftwatch::detail::crc32(b.data(), end);
  for (int i = 0; i < 4; ++i) b[end + i] = static_cast<std::uint8_t>(crc >> (8 * i));
  return b;
}

}  // namespace

TEST_CASE("every storage gives ks_test's result bit for bit, streamed and merged", "[ks_stream][policies]") {
  check_storage_equals_ks_test<counter64>();
  check_storage_equals_ks_test<counter32>();
  check_storage_equals_ks_test<atomic_counter64>();
  // float values with 32-bit counts: the double stream of the converted values.
  std::mt19937_64 rng(78);
  const auto ref = sample(rng, 300, 2), cur = sample(rng, 200, 2);
  const std::vector<float> rf(ref.begin(), ref.end()), cf(cur.begin(), cur.end());
  basic_ks_stream<float, unweighted, counter32> sf(rf);
  sf.observe(cf);
  check_same(sf.result(), driftwatch::ks_test(std::vector<double>(rf.begin(), rf.end()),
                                              std::vector<double>(cf.begin(), cf.end())));
}

TEST_CASE("counter32 ks_stream saturates visibly: never wraps, counts what did not fit, result invalid",
          "[ks_stream][policies]") {
  using k32 = basic_ks_stream<double, unweighted, counter32>;
  const std::vector<double> ref = {1.0, 2.0};
  k32 s(ref);
  s(1.0);
  s(0.5);
  // Bring the count at 1.0 to 2^32 - 3 through the state format (2^32
  // observations would take seconds). Payload tail: d = 2 equal counts,
  // 3 x (gap count, gap max), count, invalid, saturated; then the checksum.
  const auto bytes = driftwatch::serialize(s);
  const std::size_t end = bytes.size() - 4;
  const std::size_t count_at = end - 3 * 8, equal0_at = count_at - 3 * 16 - 2 * 8;
  const std::uint64_t start = 0xFFFFFFFDull;
  s = driftwatch::deserialize<k32>(patch_u64(patch_u64(bytes, equal0_at, start), count_at, start + 1));
  REQUIRE(s.count() == start + 1);
  CHECK(s.result().valid());
  s(1.0);
  s(1.0);  // 2^32 - 1: full
  CHECK(s.saturated_count() == 0);
  CHECK(s.result().valid());
  s(1.0);
  CHECK(s.saturated_count() == 1);
  CHECK(s.count() == start + 3);  // the count holds what the counters hold
  s.observe(std::vector<double>(10, 1.0));
  CHECK(s.saturated_count() == 11);
  s(3.0);  // another counter still counts
  CHECK(s.count() == start + 4);
  const auto r = s.result();
  CHECK_FALSE(r.valid());
  CHECK(std::string(r.invalid_reason).find("saturated") != std::string::npos);
  CHECK(std::isnan(r.statistic));
  k32 other(ref);
  other(1.0);
  other(2.0);
  s += other;  // 1.0 does not fit, 2.0 does
  CHECK(s.saturated_count() == 12);
  CHECK(s.count() == start + 5);
  const k32 back = driftwatch::deserialize<k32>(driftwatch::serialize(s));
  CHECK(back.saturated_count() == 12);
  CHECK(driftwatch::serialize(back) == driftwatch::serialize(s));
  // A count past 2^32 - 1 does not load into a 32-bit counter.
  CHECK_THROWS_WITH(driftwatch::deserialize<k32>(patch_u64(patch_u64(bytes, equal0_at, 0x100000000ull), count_at,
                                                           0x100000001ull)),
                    driftwatch_test::contains("does not fit a 32-bit counter"));
  s.reset();
  CHECK(s.saturated_count() == 0);
  CHECK(driftwatch::serialize(s) == driftwatch::serialize(k32(ref)));
  CHECK(std::string(s.result().invalid_reason) == "empty current sample");
  // Another storage's state does not load, naming both.
  CHECK_THROWS_WITH(driftwatch::deserialize<driftwatch::ks_stream>(bytes),
                    driftwatch_test::contains("holds a ks_stream<double, unweighted, counter32>, not a "
                                              "ks_stream<double, unweighted>"));
}

TEST_CASE("atomic_counter64 ks_stream: 4 threads observe one stream, equal to the serial result",
          "[ks_stream][policies]") {
  // Cost: ~0.05 s (4 x 20000 observations; under TSan well below 1 s).
  using ka = basic_ks_stream<double, unweighted, atomic_counter64>;
  std::mt19937_64 rng(404);
  const auto ref = sample(rng, 60, 2);  // few distinct values: wide gaps, contended counts and maxima
  std::vector<std::vector<double>> parts;
  for (int t = 0; t < 4; ++t) {
    parts.push_back(sample(rng, 20000, 0));
    // Some NaNs (the invalid counter is shared too); no -0.0, whose order
    // against +0.0 in one gap's maximum would depend on the interleaving.
    if (t % 2 == 1)
      for (std::size_t i = 0; i < parts[t].size(); i += 13) parts[t][i] = std::numeric_limits<double>::quiet_NaN();
  }
  ka shared(ref);
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      ready.fetch_add(1);
      while (ready.load() < 4) std::this_thread::yield();
      if (t % 2 == 0) {
        shared.observe(parts[t]);
      } else {
        for (double x : parts[t]) shared(x);
      }
    });
  }
  for (auto& th : threads) th.join();
  driftwatch::ks_stream serial(ref);
  std::vector<double> all;
  for (const auto& p : parts) {
    serial.observe(p);
    all.insert(all.end(), p.begin(), p.end());
  }
  CHECK(shared.count() == serial.count());
  CHECK(shared.invalid_count() == serial.invalid_count());
  for (auto alt : {driftwatch::alternative::two_sided, driftwatch::alternative::less,
                   driftwatch::alternative::greater}) {
    check_same(shared.result(alt), serial.result(alt));
    check_same(shared.result(alt), driftwatch::ks_test(ref, all, alt));
  }
  // The whole state too: same payload as the serial counter64 stream.
  const auto a = driftwatch::serialize(shared), b = driftwatch::serialize(serial);
  REQUIRE(a.size() == b.size());
  CHECK(std::memcmp(a.data() + 16, b.data() + 16, a.size() - 20) == 0);
  const ka copy = shared;  // a copy loads every counter once
  CHECK(driftwatch::serialize(copy) == a);
}
