#include <driftwatch/accumulators/histogram.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <memory_resource>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include <driftwatch/metrics/divergence.hpp>

#include "counting_allocator.hpp"
#include "reference_reader.hpp"
#include "test_support.hpp"

using driftwatch::bin_edges;
using driftwatch::histogram;

TEST_CASE("counts per bin equal numpy's searchsorted/bincount", "[histogram][reference]") {
  for (const auto& c : driftwatch_test::read_cases(driftwatch_test::data_path("drift_cases.txt"))) {
    if (c.word("kind") != "numeric") continue;
    INFO("case " << c.name);
    const auto edges = bin_edges::from_edges(c.has("edges") ? c.numbers("edges") : std::vector<double>{});
    histogram ref(edges), cur(edges);
    ref.observe(c.numbers("ref"));
    cur.observe(c.numbers("cur"));
    const auto expect_ref = c.numbers("ref_counts");
    const auto expect_cur = c.numbers("cur_counts");
    REQUIRE(ref.bin_count() == expect_ref.size());
    for (std::size_t i = 0; i < expect_ref.size(); ++i) {
      CHECK(ref.counts()[i] == static_cast<std::uint64_t>(expect_ref[i]));
      CHECK(cur.counts()[i] == static_cast<std::uint64_t>(expect_cur[i]));
    }
    CHECK(ref.invalid_count() == static_cast<std::uint64_t>(c.number("n_invalid_ref")));
    CHECK(cur.invalid_count() == static_cast<std::uint64_t>(c.number("n_invalid_cur")));
  }
}

TEST_CASE("merge equals concatenation, for any split", "[histogram][merge]") {
  const auto data = driftwatch_test::generate("bell", 99, 5000, 0.0, 1.0);
  std::vector<double> with_bad = data;
  with_bad[10] = std::numeric_limits<double>::quiet_NaN();
  with_bad[4000] = -std::numeric_limits<double>::infinity();
  const auto edges = bin_edges::from_quantiles(data, 16);
  histogram whole(edges);
  whole.observe(with_bad);
  for (std::size_t split : {std::size_t{0}, std::size_t{1}, std::size_t{2500}, with_bad.size()}) {
    histogram a(edges), b(edges);
    a.observe(driftwatch::span<const double>(with_bad.data(), split));
    b.observe(driftwatch::span<const double>(with_bad.data() + split, with_bad.size() - split));
    histogram merged = a;
    merged += b;
    CHECK(merged == whole);
    histogram reversed = b;
    reversed += a;
    CHECK(reversed == whole);
  }
  CHECK(whole.count() == 4998);
  CHECK(whole.invalid_count() == 2);
}

TEST_CASE("merging histograms over different edges throws a clear error", "[histogram][merge][errors]") {
  histogram a(bin_edges::from_edges({1.0, 2.0}));
  histogram b(bin_edges::from_edges({1.0, 2.5}));
  histogram c(bin_edges::from_edges({1.0}));
  CHECK_THROWS_WITH(a += b, driftwatch_test::contains("different bin edges") && driftwatch_test::contains("edge values differ"));
  CHECK_THROWS_WITH(a += c, driftwatch_test::contains("3 bins vs 2 bins"));
  CHECK(a.count() == 0);
}

TEST_CASE("reset empties counts and keeps edges", "[histogram]") {
  histogram h(bin_edges::from_edges({0.0}));
  h(-1.0);
  h(1.0);
  h(std::numeric_limits<double>::quiet_NaN());
  CHECK(h.count() == 2);
  h.reset();
  CHECK(h.count() == 0);
  CHECK(h.invalid_count() == 0);
  CHECK(h.bin_count() == 2);
}

// ---- basic_histogram: value types, weights, storages, allocators (issue 16) ----

namespace {

using driftwatch::atomic_counter64;
using driftwatch::basic_histogram;
using driftwatch::counter32;
using driftwatch::counter64;
using driftwatch::unweighted;
using driftwatch::weighted;

// The edges of the three kernel families: compare-and-count (<= 17 bins),
// direct index (uniform, many bins), branch-free search (many quantile bins).
std::vector<bin_edges> kernel_edges() {
  const auto ref = driftwatch_test::generate("bell", 7, 4000, 0.0, 1.0);
  return {bin_edges::from_quantiles(ref, 10), bin_edges::uniform(-3.0, 3.0, 64),
          bin_edges::from_quantiles(ref, 100), bin_edges::from_edges({0.0})};
}

template <class H, class T>
void check_span_equals_per_value(const std::vector<T>& values) {
  for (const auto& edges : kernel_edges()) {
    H by_span(edges), by_value(edges);
    by_span.observe(values);
    for (T x : values) by_value(x);
    CHECK(by_span == by_value);
    CHECK(static_cast<double>(by_span.count()) + static_cast<double>(by_span.invalid_count()) ==
          static_cast<double>(values.size()));
  }
}

}  // namespace

TEST_CASE("float, integer and double spans count exactly what operator() does, per storage", "[histogram][policies]") {
  const auto data = driftwatch_test::generate("bell", 11, 20000, 0.0, 1.5);
  std::vector<float> f(data.begin(), data.end());
  f[3] = std::numeric_limits<float>::quiet_NaN();
  f[5000] = std::numeric_limits<float>::infinity();
  f[19999] = -std::numeric_limits<float>::infinity();
  std::vector<std::int32_t> ints;
  for (double x : data) ints.push_back(static_cast<std::int32_t>(std::floor(x * 3)));
  std::vector<std::uint8_t> bytes;
  for (double x : data) bytes.push_back(static_cast<std::uint8_t>(std::fabs(x) * 2));

  check_span_equals_per_value<basic_histogram<float>>(f);
  check_span_equals_per_value<basic_histogram<float, unweighted, counter32>>(f);
  check_span_equals_per_value<basic_histogram<float, unweighted, atomic_counter64>>(f);
  check_span_equals_per_value<basic_histogram<std::int32_t>>(ints);
  check_span_equals_per_value<basic_histogram<std::uint8_t, unweighted, counter32>>(bytes);
  check_span_equals_per_value<basic_histogram<double, unweighted, counter32>>(data);
  check_span_equals_per_value<basic_histogram<double, unweighted, atomic_counter64>>(data);
  check_span_equals_per_value<basic_histogram<float, weighted>>(f);

  // A float histogram counts as the double histogram of the same (converted) values.
  std::vector<double> widened(f.begin(), f.end());
  for (const auto& edges : kernel_edges()) {
    basic_histogram<float> hf(edges);
    histogram hd(edges);
    hf.observe(f);
    hd.observe(widened);
    for (std::size_t i = 0; i < hd.bin_count(); ++i) CHECK(hf.count_at(i) == hd.counts()[i]);
    CHECK(hf.invalid_count() == 3);
  }
}

TEST_CASE("histogram is the default instantiation, with today's types", "[histogram][policies]") {
  static_assert(std::is_same<histogram, basic_histogram<double, unweighted, counter64, std::allocator<std::uint64_t>>>::value, "");
  static_assert(std::is_same<decltype(std::declval<const histogram&>().counts()), const std::vector<std::uint64_t>&>::value, "");
  static_assert(std::is_same<decltype(std::declval<const histogram&>().count()), std::uint64_t>::value, "");
  static_assert(std::is_same<decltype(std::declval<const basic_histogram<float, weighted>&>().count()), double>::value, "");
  CHECK(histogram::state_tag == driftwatch::state_type::histogram);
}

TEST_CASE("counter32 saturates visibly: never wraps, counts what did not fit, metrics refuse", "[histogram][policies]") {
  using h32 = basic_histogram<double, unweighted, counter32>;
  const auto edges = bin_edges::from_edges({0.0});
  h32 h(edges);
  h(-1.0);
  h(1.0);
  // Bring bin 0 to 2^32 - 3 through the state format (2^32 observations would take seconds).
  auto bytes = driftwatch::serialize(h);
  const std::size_t end = bytes.size() - 4;
  const std::size_t bin0 = end - 8 /*saturated*/ - 8 /*invalid*/ - 2 * 8;
  const std::uint64_t start = 0xFFFFFFFDull;
  for (int i = 0; i < 8; ++i) bytes[bin0 + i] = static_cast<std::uint8_t>(start >> (8 * i));
  const std::uint32_t crc = driftwatch::detail::crc32(bytes.data(), end);
  for (int i = 0; i < 4; ++i) bytes[end + i] = static_cast<std::uint8_t>(crc >> (8 * i));
  h = driftwatch::deserialize<h32>(bytes);
  REQUIRE(h.count_at(0) == start);
  h(-2.0);
  h(-3.0);  // 2^32 - 1: full
  CHECK(h.saturated_count() == 0);
  h(-4.0);
  CHECK(h.count_at(0) == 0xFFFFFFFFull);
  CHECK(h.saturated_count() == 1);
  h.observe(std::vector<double>(100, -1.0));  // the chunked span path saturates the same way
  CHECK(h.count_at(0) == 0xFFFFFFFFull);
  CHECK(h.saturated_count() == 101);
  CHECK(h.count_at(1) == 1);
  h32 other(edges);
  other(-1.0);
  h += other;
  CHECK(h.saturated_count() == 102);
  CHECK_FALSE(driftwatch::psi(h, other).valid());
  CHECK(std::string(driftwatch::psi(h, other).invalid_reason).find("saturated") != std::string::npos);
  // A 64-bit count does not load into a 32-bit counter.
  histogram big(edges);
  CHECK(driftwatch::serialize(big) != driftwatch::serialize(h32(edges)));
  h.reset();
  CHECK(h.saturated_count() == 0);
  CHECK(driftwatch::serialize(h) == driftwatch::serialize(h32(edges)));
}

TEST_CASE("atomic_counter64: threads observe one histogram, no count is lost", "[histogram][policies]") {
  using ha = basic_histogram<double, unweighted, atomic_counter64>;
  const auto data = driftwatch_test::generate("uniform", 5, 50000, -1.0, 1.0);
  const auto edges = bin_edges::uniform(-1.0, 1.0, 20);
  ha shared(edges);
  {
    std::thread t1([&] { shared.observe(data); });
    std::thread t2([&] {
      for (double x : data) shared(x);
    });
    t1.join();
    t2.join();
  }
  histogram expect(edges);
  expect.observe(data);
  expect.observe(data);
  for (std::size_t i = 0; i < expect.bin_count(); ++i) CHECK(shared.count_at(i) == expect.counts()[i]);
  const ha copy = shared;  // a copy loads every counter once
  CHECK(copy == shared);
  ha merged(edges);
  merged += shared;
  CHECK(merged.count() == 100000);
  CHECK(driftwatch::psi(shared, expect).value == 0.0);
}

namespace {
// A memory resource that counts what it hands out (through an upstream).
class counting_resource : public std::pmr::memory_resource {
 public:
  std::size_t allocations = 0, bytes = 0;

 private:
  void* do_allocate(std::size_t n, std::size_t align) override {
    ++allocations;
    bytes += n;
    return std::pmr::new_delete_resource()->allocate(n, align);
  }
  void do_deallocate(void* p, std::size_t n, std::size_t align) override {
    std::pmr::new_delete_resource()->deallocate(p, n, align);
  }
  bool do_is_equal(const std::pmr::memory_resource& o) const noexcept override { return this == &o; }
};
}  // namespace

TEST_CASE("pmr: counters come from the memory resource, observing allocates nothing", "[histogram][policies]") {
  using hp = basic_histogram<float, unweighted, counter64, std::pmr::polymorphic_allocator<std::uint64_t>>;
  using hpa = basic_histogram<double, unweighted, atomic_counter64, std::pmr::polymorphic_allocator<std::uint64_t>>;
  using hpw = basic_histogram<double, weighted, counter64, std::pmr::polymorphic_allocator<std::uint64_t>>;
  const auto edges = bin_edges::uniform(-2.0, 2.0, 32);
  const auto data = driftwatch_test::generate("bell", 3, 10000, 0.0, 1.0);
  const std::vector<float> f(data.begin(), data.end());
  counting_resource res;
  hp h(edges, &res);
  hpa a(edges, &res);
  hpw w(edges, &res);
  CHECK(res.allocations == 3);
  CHECK(res.bytes == 3 * edges.bin_count() * 8);
  CHECK(h.get_allocator().resource() == &res);
  const long before = driftwatch_test::allocation_count();
  h.observe(f);
  a.observe(data);
  for (double x : data) w(x, 0.5);
  CHECK(driftwatch_test::allocation_count() == before);
  CHECK(res.allocations == 3);
  CHECK(h.count() == 10000);
  CHECK(a.count() == 10000);
  CHECK(w.count() == 5000.0);
  // A monotonic buffer: the counters live in the caller's buffer.
  alignas(std::max_align_t) unsigned char buffer[4096];
  std::pmr::monotonic_buffer_resource mono(buffer, sizeof buffer, std::pmr::null_memory_resource());
  hp in_buffer(edges, &mono);
  in_buffer.observe(f);
  CHECK(in_buffer == h);
  CHECK(static_cast<const void*>(&in_buffer.counts()[0]) >= static_cast<const void*>(buffer));
  CHECK(static_cast<const void*>(&in_buffer.counts()[0]) < static_cast<const void*>(buffer + sizeof buffer));
}

TEST_CASE("hot paths of every instantiation allocate nothing", "[histogram][policies]") {
  const auto edges = bin_edges::from_quantiles(driftwatch_test::generate("bell", 1, 1000, 0.0, 1.0), 12);
  const auto data = driftwatch_test::generate("bell", 2, 5000, 0.0, 1.0);
  const std::vector<float> f(data.begin(), data.end());
  const std::vector<double> weights(data.size(), 0.25);
  basic_histogram<float> hf(edges);
  basic_histogram<float, unweighted, counter32> h32(edges);
  basic_histogram<float, unweighted, atomic_counter64> ha(edges);
  basic_histogram<double, weighted> hw(edges);
  const long before = driftwatch_test::allocation_count();
  hf.observe(f);
  h32.observe(f);
  ha.observe(f);
  hw.observe(data, weights);
  for (float x : f) {
    hf(x);
    h32(x);
    ha(x);
  }
  CHECK(driftwatch_test::allocation_count() == before);
  CHECK(hf.count() == 10000);
  CHECK(hw.count() == Approx(1250.0));
}

TEST_CASE("weighted histogram: weights add, invalid weights are counted, merge is documented", "[histogram][weighted]") {
  using hw = basic_histogram<double, weighted>;
  const auto edges = bin_edges::from_edges({0.0, 1.0});
  hw h(edges);
  h(-1.0, 2.0);
  h(0.5, 0.25);
  h(0.5, 0.0);  // a zero weight is valid and adds nothing
  h(5.0);       // weight 1
  h(0.5, -1.0);
  h(0.5, std::numeric_limits<double>::quiet_NaN());
  h(std::numeric_limits<double>::infinity(), 1.0);
  h(0.5, std::numeric_limits<double>::infinity());
  CHECK(h.count_at(0) == 2.0);
  CHECK(h.count_at(1) == 0.25);
  CHECK(h.count_at(2) == 1.0);
  CHECK(h.count() == 3.25);
  CHECK(h.invalid_count() == 4);
  CHECK(h.sum_of_squared_weights() == 4.0 + 0.0625 + 1.0);
  CHECK(h.effective_count() == Approx(3.25 * 3.25 / 5.0625));
  CHECK_THROWS_WITH(h.observe(std::vector<double>{1.0, 2.0}, std::vector<double>{1.0}),
                    driftwatch_test::contains("2 values but 1 weights"));
  // Merge: dyadic weights add exactly in any order.
  const auto data = driftwatch_test::generate("bell", 4, 3000, 0.0, 1.0);
  std::vector<double> w;
  for (std::size_t i = 0; i < data.size(); ++i) w.push_back(static_cast<double>(i % 7) * 0.125);
  hw whole(edges), a(edges), b(edges);
  whole.observe(data, w);
  a.observe(driftwatch::span<const double>(data.data(), 1000), driftwatch::span<const double>(w.data(), 1000));
  b.observe(driftwatch::span<const double>(data.data() + 1000, 2000), driftwatch::span<const double>(w.data() + 1000, 2000));
  hw merged = b;
  merged += a;
  CHECK(merged == whole);
  // Unit weights give the unweighted histogram's counts.
  hw ones(edges);
  histogram plain(edges);
  ones.observe(data, std::vector<double>(data.size(), 1.0));
  plain.observe(data);
  for (std::size_t i = 0; i < plain.bin_count(); ++i) CHECK(ones.count_at(i) == static_cast<double>(plain.counts()[i]));
  CHECK(ones.effective_count() == Approx(3000.0));
}

TEST_CASE("each instantiation serializes with its type, and another refuses it naming both", "[histogram][serialization]") {
  const auto edges = bin_edges::from_edges({0.0, 1.0});
  basic_histogram<float, weighted> fw(edges);
  fw(0.5f, 2.5);
  fw(std::numeric_limits<float>::quiet_NaN(), 1.0);
  const auto fw_bytes = driftwatch::serialize(fw);
  using hfw = basic_histogram<float, weighted>;
  CHECK(driftwatch::deserialize<hfw>(fw_bytes) == fw);
  CHECK_THROWS_WITH(driftwatch::deserialize<histogram>(fw_bytes),
                    driftwatch_test::contains("holds a histogram<float, weighted, counter64>, not a "
                                              "histogram<double, unweighted, counter64>"));
  histogram plain(edges);
  plain(0.5);
  using h32 = basic_histogram<double, unweighted, counter32>;
  CHECK_THROWS_WITH(driftwatch::deserialize<h32>(driftwatch::serialize(plain)),
                    driftwatch_test::contains("holds a histogram<double, unweighted, counter64>, not a "
                                              "histogram<double, unweighted, counter32>"));
  CHECK_THROWS_WITH(driftwatch::deserialize<basic_histogram<std::int64_t>>(driftwatch::serialize(basic_histogram<std::uint16_t>(edges))),
                    driftwatch_test::contains("holds a histogram<uint16_t, unweighted, counter64>, not a "
                                              "histogram<int64_t, unweighted, counter64>"));
  basic_histogram<std::int16_t, unweighted, atomic_counter64> ha(edges);
  ha(3);
  CHECK(driftwatch::deserialize<decltype(ha)>(driftwatch::serialize(ha)) == ha);
  // atomic and counter64 states have the same payload layout but not the same type.
  CHECK_THROWS_WITH(driftwatch::deserialize<basic_histogram<std::int16_t>>(driftwatch::serialize(ha)),
                    driftwatch_test::contains("atomic_counter64"));
}
