// The accumulator contract (docs/design.md, "The accumulator contract"),
// checked at compile time for every accumulator: construction from its
// configuration, a(x...) for one observation, a.observe(span...) for many,
// a += b, a.reset(), a.invalid_count(), and the state format's members
// (state_tag, state_name, save_state, load_state). If a type drifts from the
// grammar this file stops compiling, naming the type and the clause. The
// run-time cases check what types cannot: reset() empties (same bytes as a
// fresh accumulator), invalid_count() counts, and += equals observing both
// streams in one accumulator. Cost: < 0.1 s.
#include <driftwatch/driftwatch.hpp>
#include <driftwatch/accumulators/serialization.hpp>

#include <cmath>
#include <cstdint>
#include <iterator>
#include <limits>
#include <memory_resource>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "test_support.hpp"

using namespace driftwatch;

namespace {

template <class A>
constexpr bool same_type_merge() {
  return std::is_same<decltype(std::declval<A&>() += std::declval<const A&>()), A&>::value;
}

// The clauses every accumulator shares, whatever its observation.
template <class A>
constexpr bool shared_contract() {
  static_assert(std::is_copy_constructible<A>::value && std::is_copy_assignable<A>::value,
                "accumulators are values: copyable");
  static_assert(std::is_nothrow_move_constructible<A>::value && std::is_nothrow_move_assignable<A>::value,
                "accumulators move without throwing");
  static_assert(same_type_merge<A>(), "a += b returns A&");
  static_assert(noexcept(std::declval<A&>().reset()), "reset() empties the window, noexcept, keeps the configuration");
  static_assert(std::is_same<decltype(std::declval<const A&>().invalid_count()), std::uint64_t>::value,
                "invalid_count() counts the excluded inputs");
  static_assert(noexcept(std::declval<const A&>().invalid_count()), "invalid_count() is noexcept");
  static_assert(detail::is_serializable<A>::value, "state_tag, state_name, save_state, load_state");
  static_assert(std::is_same<decltype(A::state_tag), const state_type>::value, "state_tag is a state_type");
  static_assert(A::state_version >= 1, "state_version is the payload's layout version, from 1");
  return true;
}

// Observation grammar per type: a(one observation), a.observe(spans of them).
// Hot-path observes of numbers are noexcept (they never allocate or throw).
static_assert(shared_contract<histogram>(), "");
static_assert(std::is_constructible<histogram, bin_edges>::value, "histogram(bin_edges)");
static_assert(noexcept(std::declval<histogram&>()(0.0)), "histogram(x)");
static_assert(noexcept(std::declval<histogram&>().observe(span<const double>())), "histogram.observe(span)");

static_assert(shared_contract<category_counts>(), "");
static_assert(std::is_constructible<category_counts, std::size_t>::value &&
                  std::is_default_constructible<category_counts>::value,
              "category_counts(max_categories = default)");
static_assert(std::is_void<decltype(std::declval<category_counts&>()(std::string_view()))>::value,
              "category_counts(category): may allocate for a new category");
static_assert(std::is_void<decltype(std::declval<category_counts&>().observe(span<const std::string_view>()))>::value,
              "category_counts.observe(span)");

static_assert(shared_contract<mean_accumulator>(), "");
static_assert(std::is_default_constructible<mean_accumulator>::value, "mean_accumulator()");
static_assert(noexcept(std::declval<mean_accumulator&>()(0.0)), "mean_accumulator(x)");
static_assert(noexcept(std::declval<mean_accumulator&>().observe(span<const double>())), "mean_accumulator.observe(span)");

static_assert(shared_contract<ks_stream>(), "");
static_assert(std::is_constructible<ks_stream, span<const double>>::value, "ks_stream(reference)");
static_assert(noexcept(std::declval<ks_stream&>()(0.0)), "ks_stream(x)");
static_assert(noexcept(std::declval<ks_stream&>().observe(span<const double>())), "ks_stream.observe(span)");

static_assert(shared_contract<ranking_accumulator>(), "");
static_assert(std::is_constructible<ranking_accumulator, std::string, std::size_t, ranking_policy>::value &&
                  std::is_constructible<ranking_accumulator, std::string, std::size_t>::value,
              "ranking_accumulator(model_version, k, policy = {})");
static_assert(noexcept(std::declval<ranking_accumulator&>()(std::declval<const ranking_metrics&>())),
              "ranking_accumulator(metrics of one request)");
static_assert(noexcept(std::declval<ranking_accumulator&>()(span<const item_id>(), span<const judgment>())),
              "ranking_accumulator(served, judgments)");
static_assert(noexcept(std::declval<ranking_accumulator&>().observe(span<const ranking_metrics>())),
              "ranking_accumulator.observe(span)");

static_assert(shared_contract<paired_comparison>(), "");
static_assert(std::is_default_constructible<paired_comparison>::value, "paired_comparison()");
static_assert(noexcept(std::declval<paired_comparison&>()(0.0, 0.0)), "paired_comparison(baseline, canary)");
static_assert(std::is_void<decltype(std::declval<paired_comparison&>().observe(span<const double>(),
                                                                               span<const double>()))>::value,
              "paired_comparison.observe(baselines, canaries)");

static_assert(shared_contract<welch_comparison>(), "");
static_assert(std::is_default_constructible<welch_comparison>::value, "welch_comparison()");
static_assert(noexcept(std::declval<welch_comparison&>()(comparison_arm::canary, 0.0)), "welch_comparison(arm, x)");
static_assert(noexcept(std::declval<welch_comparison&>().observe(comparison_arm::canary, span<const double>())),
              "welch_comparison.observe(arm, span)");

static_assert(shared_contract<drift_monitor>(), "");
static_assert(std::is_constructible<drift_monitor, monitor_config>::value, "drift_monitor(config)");
static_assert(noexcept(std::declval<drift_monitor&>()(drift_monitor::feature_id{}, 0.0)), "monitor(feature, x)");
static_assert(std::is_void<decltype(std::declval<drift_monitor&>()(drift_monitor::feature_id{}, std::string_view()))>::value,
              "monitor(feature, category)");
static_assert(noexcept(std::declval<drift_monitor&>().observe(drift_monitor::feature_id{}, span<const double>())),
              "monitor.observe(feature, span)");

// The templated accumulators (issue 16): every instantiation meets the same
// contract. pmr allocators do not propagate on move assignment, so a pmr
// instantiation's move assignment may allocate (copy into its own resource):
// it is checked for the rest of the contract.
template <class A>
constexpr bool shared_contract_pmr() {
  static_assert(std::is_copy_constructible<A>::value && std::is_copy_assignable<A>::value, "copyable");
  static_assert(std::is_nothrow_move_constructible<A>::value, "accumulators move-construct without throwing");
  static_assert(same_type_merge<A>(), "a += b returns A&");
  static_assert(noexcept(std::declval<A&>().reset()), "reset() noexcept");
  static_assert(std::is_same<decltype(std::declval<const A&>().invalid_count()), std::uint64_t>::value, "");
  static_assert(detail::is_serializable<A>::value, "state_tag, state_name, save_state, load_state");
  return true;
}
template <class H>
constexpr bool histogram_contract() {
  using V = typename H::value_type;
  static_assert(std::is_constructible<H, bin_edges>::value, "basic_histogram(bin_edges)");
  static_assert(noexcept(std::declval<H&>()(V())), "h(x) is noexcept");
  static_assert(noexcept(std::declval<H&>().observe(span<const V>())), "h.observe(span) is noexcept");
  static_assert(noexcept(std::declval<H&>().count_bin(0)), "h.count_bin(b) is noexcept");
  return true;
}
template <class V, class W, class S>
constexpr bool histogram_all_allocators() {
  static_assert(shared_contract<basic_histogram<V, W, S>>(), "");
  static_assert(histogram_contract<basic_histogram<V, W, S>>(), "");
  using P = basic_histogram<V, W, S, std::pmr::polymorphic_allocator<std::uint64_t>>;
  static_assert(shared_contract_pmr<P>() && histogram_contract<P>(), "");
  return true;
}
static_assert(histogram_all_allocators<double, unweighted, counter64>(), "");
static_assert(histogram_all_allocators<double, unweighted, counter32>(), "");
static_assert(histogram_all_allocators<double, unweighted, atomic_counter64>(), "");
static_assert(histogram_all_allocators<double, weighted, counter64>(), "");
static_assert(histogram_all_allocators<float, unweighted, counter64>(), "");
static_assert(histogram_all_allocators<float, unweighted, counter32>(), "");
static_assert(histogram_all_allocators<float, unweighted, atomic_counter64>(), "");
static_assert(histogram_all_allocators<float, weighted, counter64>(), "");
static_assert(histogram_all_allocators<std::int32_t, unweighted, counter64>(), "");
static_assert(histogram_all_allocators<std::uint64_t, unweighted, counter32>(), "");
static_assert(histogram_all_allocators<std::int8_t, weighted, counter64>(), "");
static_assert(noexcept(std::declval<basic_histogram<float, weighted>&>()(0.0f, 1.0)), "h(x, w) is noexcept");

template <class W, class S>
constexpr bool category_all_allocators() {
  using C = basic_category_counts<W, S>;
  static_assert(shared_contract<C>(), "");
  static_assert(std::is_default_constructible<C>::value && std::is_constructible<C, std::size_t>::value, "");
  static_assert(std::is_void<decltype(std::declval<C&>()(std::string_view()))>::value, "c(category)");
  static_assert(shared_contract_pmr<basic_category_counts<W, S, std::pmr::polymorphic_allocator<char>>>(), "");
  return true;
}
static_assert(category_all_allocators<unweighted, counter64>(), "");
static_assert(category_all_allocators<unweighted, counter32>(), "");
static_assert(category_all_allocators<unweighted, atomic_counter64>(), "");
static_assert(category_all_allocators<weighted, counter64>(), "");

template <class V, class W, class S = counter64>
constexpr bool ks_all_allocators() {
  using K = basic_ks_stream<V, W, S>;
  static_assert(shared_contract<K>(), "");
  static_assert(std::is_constructible<K, span<const V>>::value, "ks_stream(reference)");
  static_assert(noexcept(std::declval<K&>()(V())), "s(x) is noexcept");
  static_assert(noexcept(std::declval<K&>().observe(span<const V>())), "s.observe(span) is noexcept");
  static_assert(std::is_same<decltype(std::declval<const K&>().saturated_count()), std::uint64_t>::value,
                "s.saturated_count()");
  static_assert(shared_contract_pmr<basic_ks_stream<V, W, S, std::pmr::polymorphic_allocator<double>>>(), "");
  return true;
}
static_assert(ks_all_allocators<double, unweighted>(), "");
static_assert(ks_all_allocators<double, weighted>(), "");
static_assert(ks_all_allocators<float, unweighted>(), "");
static_assert(ks_all_allocators<float, weighted>(), "");
static_assert(ks_all_allocators<std::int64_t, unweighted>(), "");
static_assert(ks_all_allocators<double, unweighted, counter32>(), "");
static_assert(ks_all_allocators<double, unweighted, atomic_counter64>(), "");
static_assert(ks_all_allocators<float, unweighted, counter32>(), "");
static_assert(ks_all_allocators<std::int32_t, unweighted, atomic_counter64>(), "");
static_assert(std::is_same<ks_stream, basic_ks_stream<double, unweighted, counter64, std::allocator<double>>>::value,
              "ks_stream is the default instantiation");

// Each instantiation has its own state type number, in the family of its template.
constexpr state_type instantiation_tags[] = {
    histogram::state_tag,
    basic_histogram<float>::state_tag,
    basic_histogram<double, weighted>::state_tag,
    basic_histogram<double, unweighted, counter32>::state_tag,
    basic_histogram<double, unweighted, atomic_counter64>::state_tag,
    basic_histogram<float, weighted>::state_tag,
    basic_histogram<std::int32_t>::state_tag,
    basic_histogram<std::uint32_t>::state_tag,
    basic_histogram<std::int64_t, unweighted, counter32>::state_tag,
    category_counts::state_tag,
    basic_category_counts<weighted>::state_tag,
    basic_category_counts<unweighted, counter32>::state_tag,
    basic_category_counts<unweighted, atomic_counter64>::state_tag,
    ks_stream::state_tag,
    basic_ks_stream<float>::state_tag,
    basic_ks_stream<double, weighted>::state_tag,
    basic_ks_stream<std::int16_t, weighted>::state_tag,
    basic_ks_stream<double, unweighted, counter32>::state_tag,
    basic_ks_stream<double, unweighted, atomic_counter64>::state_tag,
    basic_ks_stream<float, unweighted, counter32>::state_tag,
    mean_accumulator::state_tag,
    ranking_accumulator::state_tag,
    paired_comparison::state_tag,
    welch_comparison::state_tag,
    drift_monitor::state_tag};
constexpr bool instantiation_tags_distinct() {
  for (std::size_t i = 0; i < std::size(instantiation_tags); ++i)
    for (std::size_t j = i + 1; j < std::size(instantiation_tags); ++j)
      if (instantiation_tags[i] == instantiation_tags[j]) return false;
  return true;
}
static_assert(instantiation_tags_distinct(), "two instantiations share a state type number");
static_assert(static_cast<unsigned>(basic_histogram<float, weighted>::state_tag) % 256 == 1 &&
                  static_cast<unsigned>(basic_category_counts<weighted>::state_tag) % 256 == 2 &&
                  static_cast<unsigned>(basic_ks_stream<float>::state_tag) % 256 == 8 &&
                  static_cast<unsigned>(basic_ks_stream<double, unweighted, atomic_counter64>::state_tag) % 256 == 8,
              "the low byte is the template's family number");

// Every state type number is distinct (numbers are never reused).
constexpr state_type all_tags[] = {histogram::state_tag,           category_counts::state_tag,
                                   mean_accumulator::state_tag,    ranking_accumulator::state_tag,
                                   paired_comparison::state_tag,   welch_comparison::state_tag,
                                   drift_monitor::state_tag,       ks_stream::state_tag};
constexpr bool tags_distinct() {
  for (std::size_t i = 0; i < std::size(all_tags); ++i)
    for (std::size_t j = i + 1; j < std::size(all_tags); ++j)
      if (all_tags[i] == all_tags[j]) return false;
  return true;
}
static_assert(tags_distinct(), "two serializable types share a state type number");

// Run-time clauses, one fixture per type: an empty accumulator, two streams,
// and an input that is invalid for it.
const std::vector<double> reference = {0.5, 1.0, 1.0, 2.0, 3.5, 4.0, 7.0};
const std::vector<double> stream_a = {0.25, 1.0, 2.5, 6.0};
const std::vector<double> stream_b = {1.0, 3.0, 9.0};
const double nan = std::numeric_limits<double>::quiet_NaN();

template <class A, class Observe>
void check_runtime_contract(const A& empty, Observe observe_stream, bool exact_merge) {
  const auto fresh = serialize(empty);
  A a = empty, b = empty, both = empty;
  observe_stream(a, stream_a);
  observe_stream(b, stream_b);
  observe_stream(both, stream_a);
  observe_stream(both, stream_b);
  A merged = a;
  merged += b;
  if (exact_merge) CHECK(serialize(merged) == serialize(both));
  CHECK(merged.invalid_count() == both.invalid_count());
  const std::uint64_t before = a.invalid_count();
  observe_stream(a, std::vector<double>{nan});
  CHECK(a.invalid_count() == before + 1);
  a.reset();
  CHECK(serialize(a) == fresh);
  CHECK(a.invalid_count() == 0);
  CHECK(serialize(deserialize<A>(serialize(merged))) == serialize(merged));
}

}  // namespace

TEST_CASE("count accumulators: reset empties, invalid inputs are counted, += is exact") {
  check_runtime_contract(histogram(bin_edges::from_quantiles(reference, 3)),
                         [](histogram& h, const std::vector<double>& xs) {
                           for (double x : xs) h(x);
                         },
                         true);
  check_runtime_contract(ks_stream(reference),
                         [](ks_stream& s, const std::vector<double>& xs) { s.observe(xs); }, true);
}

TEST_CASE("templated instantiations: reset empties, invalid inputs are counted, += is exact") {
  const auto edges = bin_edges::from_quantiles(reference, 3);
  auto as_float = [](const std::vector<double>& xs) { return std::vector<float>(xs.begin(), xs.end()); };
  check_runtime_contract(basic_histogram<float>(edges),
                         [&](basic_histogram<float>& h, const std::vector<double>& xs) { h.observe(as_float(xs)); }, true);
  check_runtime_contract(basic_histogram<float, unweighted, counter32>(edges),
                         [&](basic_histogram<float, unweighted, counter32>& h, const std::vector<double>& xs) {
                           h.observe(as_float(xs));
                         },
                         true);
  check_runtime_contract(basic_histogram<double, unweighted, atomic_counter64>(edges),
                         [](basic_histogram<double, unweighted, atomic_counter64>& h, const std::vector<double>& xs) {
                           h.observe(xs);
                         },
                         true);
  // Weights that are multiples of 1/4: sums are exact, so the merge is too.
  check_runtime_contract(basic_histogram<double, weighted>(edges),
                         [](basic_histogram<double, weighted>& h, const std::vector<double>& xs) {
                           for (double x : xs) h(x, 0.25 + (std::isfinite(x) && x > 2 ? 0.5 : 0.0));
                         },
                         true);
  const std::vector<float> ref_f = as_float(reference);
  check_runtime_contract(basic_ks_stream<float>(ref_f),
                         [&](basic_ks_stream<float>& s, const std::vector<double>& xs) { s.observe(as_float(xs)); }, true);
  using ks32 = basic_ks_stream<float, unweighted, counter32>;
  check_runtime_contract(ks32(ref_f), [&](ks32& s, const std::vector<double>& xs) { s.observe(as_float(xs)); }, true);
  using ksa = basic_ks_stream<double, unweighted, atomic_counter64>;
  check_runtime_contract(ksa(reference), [](ksa& s, const std::vector<double>& xs) { s.observe(xs); }, true);
  check_runtime_contract(basic_ks_stream<double, weighted>(reference),
                         [](basic_ks_stream<double, weighted>& s, const std::vector<double>& xs) {
                           for (double x : xs) s(x, 0.5);
                         },
                         true);
}

TEST_CASE("moment accumulators: reset empties, invalid inputs are counted, += matches") {
  check_runtime_contract(mean_accumulator(), [](mean_accumulator& m, const std::vector<double>& xs) { m.observe(xs); },
                         false);
  check_runtime_contract(paired_comparison(),
                         [](paired_comparison& p, const std::vector<double>& xs) { p.observe(xs, xs); }, false);
  check_runtime_contract(welch_comparison(),
                         [](welch_comparison& w, const std::vector<double>& xs) {
                           w.observe(comparison_arm::baseline, xs);
                           for (double x : xs)
                             if (std::isfinite(x)) w(comparison_arm::canary, x + 1.0);
                         },
                         false);
  ranking_evaluator eval(3);
  check_runtime_contract(ranking_accumulator("v", 3),
                         [&](ranking_accumulator& r, const std::vector<double>& xs) {
                           // One request per value: the value as a score row over 3 items.
                           for (double x : xs) {
                             const std::vector<double> row = {x, 1.0, 2.0};
                             const std::vector<judgment> judged = {{0, 1}};
                             r(eval.scores(row, judged));
                           }
                         },
                         false);
}

TEST_CASE("drift_monitor follows the same grammar, per feature") {
  drift_monitor m;
  const auto x = m.add_numeric("x", reference);
  check_runtime_contract(m, [x](drift_monitor& mon, const std::vector<double>& xs) { mon.observe(x, xs); }, true);
  category_counts c;
  c.observe(std::vector<std::string>{"a", "b"});
  c.reset();
  CHECK(c.count() == 0);
  CHECK(c.invalid_count() == 0);
}
