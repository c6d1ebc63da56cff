// Tests of include/driftwatch/accumulators/serialization.hpp: bit-exact round trips of
// every accumulator and the monitor, and rejection of every corrupted,
// truncated or foreign input.
#include <driftwatch/driftwatch.hpp>
#include <driftwatch/accumulators/serialization.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "counting_allocator.hpp"
#include "test_support.hpp"

using namespace driftwatch;
using bytes_t = std::vector<std::uint8_t>;

namespace {

std::uint64_t bits(double x) {
  std::uint64_t b;
  std::memcpy(&b, &x, sizeof b);
  return b;
}

bool same_mean(const mean_accumulator& a, const mean_accumulator& b) {
  return a.count() == b.count() && a.invalid_count() == b.invalid_count() && bits(a.raw_mean()) == bits(b.raw_mean()) &&
         bits(a.raw_m2()) == bits(b.raw_m2());
}

// Every single-byte change (all 255 other values at every offset) and every
// proper prefix must be rejected with driftwatch::error.
template <class T>
void check_rejects_every_corruption_and_truncation(const bytes_t& valid) {
  REQUIRE_NOTHROW(deserialize<T>(valid));
  std::size_t corruptions = 0;
  for (std::size_t i = 0; i < valid.size(); ++i) {
    bytes_t b = valid;
    for (int v = 0; v < 256; ++v) {
      if (v == valid[i]) continue;
      b[i] = static_cast<std::uint8_t>(v);
      bool rejected = false;
      try {
        (void)deserialize<T>(b);
      } catch (const driftwatch::error&) {
        rejected = true;
      }
      if (!rejected) FAIL("byte " << i << " set to " << v << " was accepted");
      ++corruptions;
    }
  }
  CHECK(corruptions == valid.size() * 255);
  for (std::size_t n = 0; n < valid.size(); ++n) {
    // A heap copy of exactly n bytes, so ASan catches any read past the end.
    std::unique_ptr<std::uint8_t[]> prefix(new std::uint8_t[n == 0 ? 1 : n]);
    std::memcpy(prefix.get(), valid.data(), n);
    CHECK_THROWS_AS(deserialize<T>(span<const std::uint8_t>(prefix.get(), n)), driftwatch::error);
  }
  bytes_t longer = valid;
  longer.push_back(0);
  CHECK_THROWS_AS(deserialize<T>(longer), driftwatch::error);
}

drift_monitor sample_monitor(std::size_t max_samples = 1000) {
  monitor_config c;
  c.bins = 4;
  c.max_current_samples = max_samples;
  c.pvalue_correction = correction::benjamini_hochberg;
  drift_monitor m(c);
  std::vector<double> ref;
  std::mt19937_64 rng(7);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (int i = 0; i < 200; ++i) ref.push_back(normal(rng));
  const auto x = m.add_numeric("latency", ref, 3);
  const std::vector<std::string> cats = {"de", "fr", "de", "us", "us", "us"};
  const auto country = m.add_categorical("country", cats);
  for (int i = 0; i < 150; ++i) m.observe(x, normal(rng) + 0.3);
  m.observe(x, std::numeric_limits<double>::quiet_NaN());
  m.observe_missing(x, 2);
  m.observe(country, "us");
  m.observe(country, "jp");
  return m;
}

}  // namespace

TEST_CASE("histogram round-trips bit-exactly, including bin kind and invalid count") {
  std::vector<double> ref = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  histogram h(bin_edges::from_quantiles(ref, 4));
  for (double x : {0.5, 2.5, 7.0, 11.0, -3.0}) h(x);
  h(std::numeric_limits<double>::infinity());
  const bytes_t b = serialize(h);
  const histogram back = deserialize<histogram>(b);
  CHECK(back == h);
  CHECK(back.edges().kind() == binning::quantile);
  CHECK(back.invalid_count() == 1);
  CHECK(serialize(back) == b);
  for (std::size_t i = 0; i < h.edges().interior().size(); ++i)
    CHECK(bits(back.edges().interior()[i]) == bits(h.edges().interior()[i]));
  // Uniform and explicit kinds survive too.
  histogram u(bin_edges::uniform(0.0, 1.0, 3));
  CHECK(deserialize<histogram>(serialize(u)).edges().kind() == binning::uniform);
  histogram one{bin_edges{}};
  one(1.0);
  CHECK(deserialize<histogram>(serialize(one)) == one);
}

TEST_CASE("category_counts round-trips with first-seen order, max and overflow") {
  category_counts c(3);
  for (const char* s : {"zeta", "alpha", "zeta", "mid", "extra", "extra"}) c(s);
  const bytes_t b = serialize(c);
  const category_counts back = deserialize<category_counts>(b);
  CHECK(back.names() == c.names());
  CHECK(back.counts() == c.counts());
  CHECK(back.overflow_count() == 2);
  CHECK(back.max_categories() == 3);
  CHECK(back.count("alpha") == 1);
  CHECK(back.count("zeta") == 2);
  CHECK(back.index_of("mid") == 2);
  CHECK(serialize(back) == b);
  // The rebuilt index works for new observations.
  category_counts grow = deserialize<category_counts>(serialize(category_counts{}));
  grow("b");
  grow("a");
  grow("b");
  CHECK(grow.count("b") == 2);
  std::string odd("\0\xff\n\"", 4);
  category_counts bin;
  bin(odd);
  CHECK(deserialize<category_counts>(serialize(bin)).count(odd) == 1);
}

TEST_CASE("mean, ranking and canary accumulators round-trip bit-exactly") {
  mean_accumulator m;
  for (double x : {0.1, 0.7, 0.3, -2.5}) m(x);
  m(std::nan(""));
  CHECK(same_mean(deserialize<mean_accumulator>(serialize(m)), m));
  CHECK(same_mean(deserialize<mean_accumulator>(serialize(mean_accumulator{})), mean_accumulator{}));

  ranking_policy p;
  p.gain = gain_function::exponential;
  p.no_relevant = no_relevant_policy::skip;
  p.relevance_level = 2;
  ranking_accumulator r("model-v7", 5, p);
  const std::vector<item_id> served = {3, 1, 4, 5, 9};
  const std::vector<judgment> judged = {{1, 2}, {9, 3}, {7, 2}};
  r.observe(served, judged);
  r.observe(served, std::vector<judgment>{});
  const std::vector<judgment> dup = {{1, 2}, {1, 2}};
  r.observe(served, dup);
  const ranking_accumulator rb = deserialize<ranking_accumulator>(serialize(r));
  CHECK(rb.model_version() == "model-v7");
  CHECK(rb.k() == 5);
  CHECK(rb.policy() == p);
  CHECK(rb.count() == r.count());
  CHECK(rb.skipped() == r.skipped());
  CHECK(rb.rejected() == r.rejected());
  for (auto metric : all_ranking_metrics()) CHECK(same_mean(rb.metric(metric), r.metric(metric)));
  CHECK(serialize(rb) == serialize(r));

  paired_comparison pc;
  pc.observe(0.5, 0.6);
  pc.observe(0.4, 0.45);
  pc.observe(0.1, std::nan(""));
  const paired_comparison pb = deserialize<paired_comparison>(serialize(pc));
  CHECK(pb.count() == 2);
  CHECK(pb.invalid_count() == 1);
  CHECK(same_mean(pb.differences(), pc.differences()));
  CHECK(serialize(pb) == serialize(pc));

  welch_comparison wc;
  wc.observe_baseline(1.0);
  wc.observe_baseline(2.0);
  wc.observe_canary(3.5);
  const welch_comparison wb = deserialize<welch_comparison>(serialize(wc));
  CHECK(same_mean(wb.baseline(), wc.baseline()));
  CHECK(same_mean(wb.canary(), wc.canary()));
}

TEST_CASE("ks_stream round-trips: same KS result bit for bit, same bytes, still mergeable") {
  std::vector<double> ref, cur;
  std::mt19937_64 rng(11);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (int i = 0; i < 300; ++i) ref.push_back(std::round(normal(rng) * 8.0) / 8.0);  // ties on purpose
  for (int i = 0; i < 200; ++i) cur.push_back(normal(rng) + 0.2);
  ks_stream s(ref);
  s.observe(cur);
  s(std::numeric_limits<double>::infinity());
  const bytes_t b = serialize(s);
  CHECK(inspect_state(b).type == ks_stream::state_tag);
  CHECK(static_cast<unsigned>(inspect_state(b).type) == 8);
  ks_stream back = deserialize<ks_stream>(b);
  CHECK(serialize(back) == b);
  CHECK(back.count() == s.count());
  CHECK(back.invalid_count() == 1);
  for (auto alt : {alternative::two_sided, alternative::less, alternative::greater}) {
    const ks_result x = s.result(alt), y = back.result(alt);
    CHECK(bits(x.statistic) == bits(y.statistic));
    CHECK(bits(x.pvalue) == bits(y.pvalue));
    CHECK(bits(x.statistic_location) == bits(y.statistic_location));
  }
  // Still the same window: merging and observing behave as on the original.
  back += s;
  s += s;
  CHECK(serialize(back) == serialize(s));
  // The empty window round-trips too.
  ks_stream empty(ref);
  CHECK(serialize(deserialize<ks_stream>(serialize(empty))) == serialize(empty));
  // A histogram's bytes are not a ks_stream, and the error names both.
  histogram h(bin_edges::from_edges({0.0}));
  CHECK_THROWS_WITH(deserialize<ks_stream>(serialize(h)), driftwatch_test::contains("holds a histogram, not a ks_stream"));
  CHECK_THROWS_WITH(deserialize<histogram>(b), driftwatch_test::contains("holds a state of type 8, not a histogram"));
}

TEST_CASE("drift_monitor round-trips: same report, same bytes, still mergeable and allocation-free") {
  const drift_monitor m = sample_monitor();
  const bytes_t b = serialize(m);
  drift_monitor back = deserialize<drift_monitor>(b);
  CHECK(serialize(back) == b);
  const auto ra = m.report();
  const auto rb = back.report();
  REQUIRE(ra.size() == rb.size());
  for (std::size_t i = 0; i < ra.size(); ++i) {
    CHECK(ra[i].name == rb[i].name);
    CHECK(ra[i].n_current == rb[i].n_current);
    CHECK(ra[i].n_missing_reference == rb[i].n_missing_reference);
    CHECK(ra[i].n_missing_current == rb[i].n_missing_current);
    CHECK(bits(ra[i].psi.value) == bits(rb[i].psi.value));
    CHECK(bits(ra[i].adjusted_pvalue) == bits(rb[i].adjusted_pvalue));
    CHECK(ra[i].drift == rb[i].drift);
  }
  // A restored monitor merges with the original (same references)...
  drift_monitor sum = m;
  sum += back;
  CHECK(sum.current_histogram(0).count() == 2 * m.current_histogram(0).count());
  // ...and observing into it allocates nothing (its reservation is back).
  const long before = driftwatch_test::allocation_count();
  for (int i = 0; i < 500; ++i) back.observe(0, 0.25 * i);
  back.observe(1, "de");
  CHECK(driftwatch_test::allocation_count() == before);
}

TEST_CASE("a monitor asking for a huge sample reservation is rejected by the limit") {
  const drift_monitor m = sample_monitor(1000);
  deserialize_limits tight;
  tight.max_reserved_bytes = 1000 * 8 - 1;
  CHECK_THROWS_WITH(deserialize<drift_monitor>(serialize(m), tight), driftwatch_test::contains("max_reserved_bytes"));
  tight.max_reserved_bytes = 1000 * 8;
  CHECK_NOTHROW(deserialize<drift_monitor>(serialize(m), tight));
}

TEST_CASE("every single-byte corruption and every truncation of small states is rejected") {
  SECTION("histogram") {
    histogram h(bin_edges::from_edges({1.0, 2.0}));
    h(0.0);
    h(1.5);
    h(std::nan(""));
    check_rejects_every_corruption_and_truncation<histogram>(serialize(h));
  }
  SECTION("category_counts") {
    category_counts c(4);
    c("a");
    c("bb");
    c("a");
    check_rejects_every_corruption_and_truncation<category_counts>(serialize(c));
  }
  SECTION("mean_accumulator") {
    mean_accumulator m;
    m(1.0);
    m(2.0);
    check_rejects_every_corruption_and_truncation<mean_accumulator>(serialize(m));
  }
  SECTION("welch_comparison") {
    welch_comparison w;
    w.observe_baseline(1.0);
    w.observe_canary(2.0);
    check_rejects_every_corruption_and_truncation<welch_comparison>(serialize(w));
  }
  SECTION("paired_comparison") {
    paired_comparison p;
    p.observe(1.0, 2.0);
    check_rejects_every_corruption_and_truncation<paired_comparison>(serialize(p));
  }
  SECTION("ranking_accumulator") {
    ranking_accumulator r("v", 2);
    const std::vector<item_id> served = {1, 2};
    const std::vector<judgment> judged = {{2, 1}};
    r.observe(served, judged);
    check_rejects_every_corruption_and_truncation<ranking_accumulator>(serialize(r));
  }
  SECTION("templated instantiations (issue 16)") {
    const auto edges = bin_edges::from_edges({1.0, 2.0});
    basic_histogram<float, weighted> hw(edges);
    hw(0.5f, 0.25);
    hw(1.5f, 2.0);
    check_rejects_every_corruption_and_truncation<basic_histogram<float, weighted>>(serialize(hw));
    basic_histogram<std::int32_t, unweighted, counter32> h32(edges);
    h32(1);
    h32(5);
    check_rejects_every_corruption_and_truncation<basic_histogram<std::int32_t, unweighted, counter32>>(serialize(h32));
    basic_histogram<double, unweighted, atomic_counter64> ha(edges);
    ha(1.5);
    check_rejects_every_corruption_and_truncation<basic_histogram<double, unweighted, atomic_counter64>>(serialize(ha));
    basic_category_counts<weighted> cw(3);
    cw("a", 0.5);
    cw("b", -1.0);
    check_rejects_every_corruption_and_truncation<basic_category_counts<weighted>>(serialize(cw));
    const std::vector<float> ref = {1.0f, 2.0f, 2.0f};
    basic_ks_stream<float, weighted> kw(ref);
    kw(0.5f, 2.0);
    kw(2.0f, 0.0);
    check_rejects_every_corruption_and_truncation<basic_ks_stream<float, weighted>>(serialize(kw));
    using k32_t = basic_ks_stream<std::int32_t, unweighted, counter32>;
    const std::vector<std::int32_t> iref = {1, 2, 2};
    k32_t k32(iref);
    k32(0);
    k32(2);
    k32(7);
    const bytes_t k32_bytes = serialize(k32);
    CHECK(serialize(deserialize<k32_t>(k32_bytes)) == k32_bytes);
    CHECK(deserialize<k32_t>(k32_bytes).result().statistic == k32.result().statistic);
    check_rejects_every_corruption_and_truncation<k32_t>(k32_bytes);
    using ka_t = basic_ks_stream<double, unweighted, atomic_counter64>;
    ka_t ka(std::vector<double>{1.0, 2.0, 2.0});
    ka(0.5);
    ka(2.0);
    check_rejects_every_corruption_and_truncation<ka_t>(serialize(ka));
    // Same payload, other storage: refused, naming both.
    CHECK_THROWS_WITH(deserialize<ks_stream>(serialize(ka)),
                      driftwatch_test::contains("holds a ks_stream<double, unweighted, atomic_counter64>, not a "
                                                "ks_stream<double, unweighted>"));
    CHECK_THROWS_WITH(deserialize<basic_ks_stream<std::int32_t>>(k32_bytes),
                      driftwatch_test::contains("holds a ks_stream<int32_t, unweighted, counter32>, not a "
                                                "ks_stream<int32_t, unweighted>"));
  }
  SECTION("ks_stream") {
    const std::vector<double> ref = {1.0, 2.0, 2.0};
    ks_stream s(ref);
    s(0.5);
    s(2.0);
    s(std::nan(""));
    check_rejects_every_corruption_and_truncation<ks_stream>(serialize(s));
  }
  SECTION("drift_monitor") {
    monitor_config c;
    c.bins = 2;
    c.max_current_samples = 4;
    drift_monitor m(c);
    const std::vector<double> ref = {1.0, 2.0, 3.0};
    m.add_numeric("x", ref);
    const std::vector<std::string> cats = {"a"};
    m.add_categorical("c", cats);
    m.observe(0, 2.5);
    m.observe(1, "b");
    check_rejects_every_corruption_and_truncation<drift_monitor>(serialize(m));
  }
}

TEST_CASE("foreign bytes, other types and newer versions are rejected with a clear error") {
  histogram h(bin_edges::from_edges({0.0}));
  const bytes_t b = serialize(h);
  CHECK_THROWS_WITH(deserialize<category_counts>(b), driftwatch_test::contains("holds a histogram, not a category_counts"));
  const std::string text = "le=\"0.5\" 12\n# HELP something else entirely";
  const bytes_t foreign(text.begin(), text.end());
  CHECK_THROWS_WITH(deserialize<histogram>(foreign), driftwatch_test::contains("not a driftwatch state"));
  CHECK_THROWS_AS(deserialize<histogram>(bytes_t{}), driftwatch::error);
  // A newer version with a valid checksum: rejected for the version, not the checksum.
  bytes_t newer = b;
  newer[4] = 2;
  const std::uint32_t crc = detail::crc32(newer.data(), newer.size() - 4);
  for (int i = 0; i < 4; ++i) newer[newer.size() - 4 + i] = static_cast<std::uint8_t>(crc >> (8 * i));
  CHECK_THROWS_WITH(deserialize<histogram>(newer), driftwatch_test::contains("format version 2 is not supported"));
  const state_header header = inspect_state(b);
  CHECK(header.version == state_format_version);
  CHECK(header.type == state_type::histogram);
  CHECK(header.payload_size == b.size() - 20);
}

TEST_CASE("the format is little-endian and stable (golden bytes)") {
  histogram h(bin_edges::from_edges({0.5}));
  h(0.25);
  h(1.0);
  h(1.0);
  const bytes_t b = serialize(h);
  const bytes_t expected = {
      'D', 'W', 'S', 'T', 1, 0, 1, 0,                 // magic, version 1, type histogram
      49, 0, 0, 0, 0, 0, 0, 0,                        // payload size 49
      2,                                              // kind explicit
      1, 0, 0, 0, 0, 0, 0, 0,                         // 1 edge
      0, 0, 0, 0, 0, 0, 0xE0, 0x3F,                   // 0.5
      2, 0, 0, 0, 0, 0, 0, 0,                         // 2 bins
      1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0,  // counts 1, 2
      0, 0, 0, 0, 0, 0, 0, 0,                         // invalid 0
  };
  REQUIRE(b.size() == expected.size() + 4);
  CHECK(bytes_t(b.begin(), b.end() - 4) == expected);
  // CRC-32 check value of "123456789" is 0xCBF43926 (as zlib's crc32).
  const std::string check = "123456789";
  CHECK(detail::crc32(reinterpret_cast<const std::uint8_t*>(check.data()), check.size()) == 0xCBF43926u);
  CHECK(detail::crc32_bytewise(reinterpret_cast<const std::uint8_t*>(check.data()), check.size()) == 0xCBF43926u);
}

TEST_CASE("crc32 (8 bytes per step) equals the byte-at-a-time CRC at every length and alignment") {
  std::mt19937_64 rng(5);
  bytes_t buf(300);
  for (auto& b : buf) b = static_cast<std::uint8_t>(rng());
  for (std::size_t off = 0; off < 8; ++off)
    for (std::size_t n = 0; off + n <= buf.size(); ++n) {
      INFO("offset " << off << ", length " << n);
      REQUIRE(detail::crc32(buf.data() + off, n) == detail::crc32_bytewise(buf.data() + off, n));
    }
  const bytes_t ones(1000, 0xFF);  // every table entry's high bits exercised
  CHECK(detail::crc32(ones.data(), ones.size()) == detail::crc32_bytewise(ones.data(), ones.size()));
}

TEST_CASE("decoded states keep the library's invariants") {
  // Forge payloads with a valid envelope to reach the semantic checks.
  auto seal = [](std::uint16_t type, const bytes_t& payload) {
    bytes_t out = {'D', 'W', 'S', 'T', 1, 0, static_cast<std::uint8_t>(type), 0};
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(payload.size() >> (8 * i)));
    out.insert(out.end(), payload.begin(), payload.end());
    const std::uint32_t crc = detail::crc32(out.data(), out.size());
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(crc >> (8 * i)));
    return out;
  };
  auto u64 = [](bytes_t& b, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  };
  auto f64 = [&](bytes_t& b, double x) { u64(b, bits(x)); };
  {  // non-increasing edges
    bytes_t p = {2};
    u64(p, 2);
    f64(p, 1.0);
    f64(p, 1.0);
    u64(p, 3);
    u64(p, 0), u64(p, 0), u64(p, 0), u64(p, 0);
    CHECK_THROWS_WITH(deserialize<histogram>(seal(1, p)), driftwatch_test::contains("strictly increasing"));
  }
  {  // a forged huge count must not allocate
    bytes_t p = {2};
    u64(p, std::uint64_t{1} << 60);
    CHECK_THROWS_WITH(deserialize<histogram>(seal(1, p)), driftwatch_test::contains("bytes left can hold"));
  }
  {  // duplicate category names
    bytes_t p;
    u64(p, 10);
    u64(p, 2);
    u64(p, 1), p.push_back('a'), u64(p, 1);
    u64(p, 1), p.push_back('a'), u64(p, 1);
    u64(p, 0);
    CHECK_THROWS_WITH(deserialize<category_counts>(seal(2, p)), driftwatch_test::contains("appears twice"));
  }
  {  // negative M2
    bytes_t p;
    u64(p, 2), u64(p, 0);
    f64(p, 1.0), f64(p, -1.0);
    CHECK_THROWS_AS(deserialize<mean_accumulator>(seal(3, p)), driftwatch::error);
  }
  // ks_stream (type 8): reference 2 values {1, 2}, one window value 1.5.
  auto ks_payload = [&](double u1, std::uint64_t c1, double gap_max, std::uint64_t count) {
    bytes_t p;
    u64(p, 2), u64(p, 0), u64(p, 2);
    f64(p, 1.0), u64(p, 1), f64(p, u1), u64(p, c1);
    u64(p, 0), u64(p, 0);                                       // equal
    u64(p, 0), f64(p, -std::numeric_limits<double>::infinity());  // gap below 1
    u64(p, 1), f64(p, gap_max);                                 // gap (1, 2)
    u64(p, 0), f64(p, -std::numeric_limits<double>::infinity());  // gap above 2
    u64(p, count), u64(p, 0);
    return p;
  };
  CHECK_NOTHROW(deserialize<ks_stream>(seal(8, ks_payload(2.0, 2, 1.5, 1))));
  CHECK_THROWS_WITH(deserialize<ks_stream>(seal(8, ks_payload(1.0, 2, 1.5, 1))),
                    driftwatch_test::contains("strictly increasing"));
  CHECK_THROWS_WITH(deserialize<ks_stream>(seal(8, ks_payload(2.0, 1, 1.5, 1))),
                    driftwatch_test::contains("reference counts"));
  CHECK_THROWS_WITH(deserialize<ks_stream>(seal(8, ks_payload(2.0, 2, 2.5, 1))),
                    driftwatch_test::contains("outside the gap"));
  CHECK_THROWS_WITH(deserialize<ks_stream>(seal(8, ks_payload(2.0, 2, 1.5, 2))),
                    driftwatch_test::contains("differs from the sum"));
}

TEST_CASE("decoded templated states keep their invariants (weights, 32-bit counts)") {
  // Overwrite 8 bytes at `at` and fix the checksum: reaches the semantic checks.
  auto patch = [](bytes_t b, std::size_t at, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) b[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
    const std::size_t end = b.size() - 4;
    const std::uint32_t crc = detail::crc32(b.data(), end);
    for (int i = 0; i < 4; ++i) b[end + i] = static_cast<std::uint8_t>(crc >> (8 * i));
    return b;
  };
  using hw_t = basic_histogram<double, weighted>;
  using h32_t = basic_histogram<double, unweighted, counter32>;
  const auto edges = bin_edges::from_edges({0.0});
  hw_t hw(edges);
  hw(-1.0, 1.5);
  const bytes_t w = serialize(hw);
  const std::size_t w_bin0 = w.size() - 4 - 8 /*sum w^2*/ - 8 /*invalid*/ - 2 * 8;
  CHECK(deserialize<hw_t>(patch(w, w_bin0, bits(1.5))) == hw);
  CHECK_THROWS_WITH(deserialize<hw_t>(patch(w, w_bin0, bits(-1.5))),
                    driftwatch_test::contains("bin weight is negative or not finite"));
  CHECK_THROWS_WITH(deserialize<hw_t>(patch(w, w.size() - 12, bits(std::nan("")))),
                    driftwatch_test::contains("sum of squared weights"));
  h32_t h32(edges);
  const bytes_t c = serialize(h32);
  const std::size_t c_bin0 = c.size() - 4 - 8 /*saturated*/ - 8 /*invalid*/ - 2 * 8;
  CHECK(deserialize<h32_t>(patch(c, c_bin0, 0xFFFFFFFFull)).count() ==
        0xFFFFFFFFull);
  CHECK_THROWS_WITH(deserialize<h32_t>(patch(c, c_bin0, 0x100000000ull)),
                    driftwatch_test::contains("does not fit a 32-bit counter"));
}
