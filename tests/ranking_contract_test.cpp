// The accumulator contract (docs/design.md) for every instantiation of the
// ranking templates (basic_ranking_accumulator<Score, Id> and
// basic_ranking_evaluator<Score, Id>, Score in {double, float}, Id in
// {std::uint64_t, std::uint32_t}), checked at compile time as
// accumulator_contract_test.cpp checks the default ones; and at run time what
// types cannot say: each instantiation's state round-trips, records its
// instantiation, refuses to load into another one with a message naming both,
// rejects every single-byte corruption; ranking_accumulator's bytes are
// today's (tests/fixtures/state_v1 holds them); concurrent<> takes them. Cost: < 0.5 s.
#include <driftwatch/accumulators/serialization.hpp>
#include <driftwatch/metrics/ranking.hpp>
#include <driftwatch/metrics/ranking_accumulator.hpp>
#include <driftwatch/monitors/concurrent.hpp>

#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "test_support.hpp"

using namespace driftwatch;

namespace {

template <class Score, class Id>
constexpr bool ranking_contract() {
  using A = basic_ranking_accumulator<Score, Id>;
  using E = basic_ranking_evaluator<Score, Id>;
  using J = basic_judgment<Id>;
  static_assert(std::is_same<typename A::score_type, Score>::value && std::is_same<typename A::id_type, Id>::value,
                "the accumulator names its score and id types");
  static_assert(std::is_same<typename A::evaluator_type, E>::value, "and its evaluator's");
  static_assert(std::is_copy_constructible<A>::value && std::is_copy_assignable<A>::value,
                "accumulators are values: copyable");
  static_assert(std::is_nothrow_move_constructible<A>::value && std::is_nothrow_move_assignable<A>::value,
                "accumulators move without throwing");
  static_assert(std::is_same<decltype(std::declval<A&>() += std::declval<const A&>()), A&>::value, "a += b returns A&");
  static_assert(noexcept(std::declval<A&>().reset()), "reset() is noexcept");
  static_assert(std::is_same<decltype(std::declval<const A&>().invalid_count()), std::uint64_t>::value &&
                    noexcept(std::declval<const A&>().invalid_count()),
                "invalid_count() counts the excluded inputs, noexcept");
  static_assert(detail::is_serializable<A>::value, "state_tag, state_name, save_state, load_state");
  static_assert(A::state_tag == state_type::ranking_accumulator && A::state_version == 1,
                "every instantiation is a ranking_accumulator state (type 4, layout 1)");
  static_assert(std::is_constructible<A, std::string, std::size_t, ranking_policy>::value &&
                    std::is_constructible<A, std::string, std::size_t>::value,
                "A(model_version, k, policy = {})");
  static_assert(noexcept(std::declval<A&>()(std::declval<const ranking_metrics&>())), "a(metrics of one request)");
  static_assert(noexcept(std::declval<A&>()(span<const Id>(), span<const J>())), "a(served, judgments)");
  static_assert(noexcept(std::declval<A&>().observe(span<const ranking_metrics>())), "a.observe(span)");
  static_assert(noexcept(std::declval<A&>().observe_scores(span<const Score>(), span<const J>())),
                "a.observe_scores(row of Score, judgments)");
  static_assert(noexcept(std::declval<const E&>().scores(span<const Score>(), span<const J>())),
                "evaluator.scores(row of Score)");
  static_assert(noexcept(std::declval<const E&>().served(span<const Id>(), span<const J>())), "evaluator.served");
  return true;
}

static_assert(ranking_contract<double, std::uint64_t>(), "");
static_assert(ranking_contract<double, std::uint32_t>(), "");
static_assert(ranking_contract<float, std::uint64_t>(), "");
static_assert(ranking_contract<float, std::uint32_t>(), "");

// Today's names are the (double, 64-bit) instantiation.
static_assert(std::is_same<ranking_accumulator, basic_ranking_accumulator<double, std::uint64_t>>::value, "");
static_assert(std::is_same<ranking_evaluator, basic_ranking_evaluator<double, std::uint64_t>>::value, "");
static_assert(std::is_same<judgment, basic_judgment<std::uint64_t>>::value, "");
static_assert(std::is_same<score_matrix_view, basic_score_matrix_view<double>>::value, "");
static_assert(sizeof(basic_judgment<std::uint32_t>) == 8, "32-bit judgments are half the size");

// Row types each evaluator reads.
template <class E, class Row, class = void>
struct reads_rows : std::false_type {};
template <class E, class Row>
struct reads_rows<E, Row,
                  std::void_t<decltype(std::declval<const E&>().scores(
                      std::declval<Row>(), std::declval<span<const typename E::judgment_type>>()))>> : std::true_type {};
static_assert(reads_rows<ranking_evaluator, span<const double>>::value, "");
static_assert(reads_rows<ranking_evaluator, span<const float>>::value, "ranking_evaluator reads float rows, as before");
static_assert(reads_rows<basic_ranking_evaluator<float, std::uint32_t>, span<const float>>::value, "");
static_assert(!reads_rows<basic_ranking_evaluator<float, std::uint32_t>, span<const double>>::value,
              "a float evaluator refuses double rows (narrowing would make ties)");
template <class A, class Row, class = void>
struct observes_rows : std::false_type {};
template <class A, class Row>
struct observes_rows<A, Row,
                     std::void_t<decltype(std::declval<A&>().observe_scores(
                         std::declval<Row>(), std::declval<span<const typename A::judgment_type>>()))>>
    : std::true_type {};
static_assert(observes_rows<ranking_accumulator, span<const double>>::value, "");
static_assert(observes_rows<ranking_accumulator, span<const float>>::value, "ranking_accumulator reads float rows too");
static_assert(observes_rows<basic_ranking_accumulator<float, std::uint64_t>, span<const float>>::value, "");
static_assert(!observes_rows<basic_ranking_accumulator<float, std::uint64_t>, span<const double>>::value, "");

template <class Score, class Id>
basic_ranking_accumulator<Score, Id> sample(const char* version) {
  ranking_policy p;
  p.gain = gain_function::exponential;
  p.ties = tie_policy::pessimistic;
  basic_ranking_accumulator<Score, Id> a(version, 5, p);
  const std::vector<Id> served = {4, 2, 9, 7};
  const std::vector<basic_judgment<Id>> judged = {{2, 1}, {7, 2}, {3, 1}};
  a.observe(served, judged);
  const std::vector<Score> row = {Score(0.5), Score(2), Score(1), Score(2), Score(-1), Score(0.25), Score(3)};
  a.observe_scores(row, judged);
  const std::vector<Id> repeated = {1, 1};
  a.observe(repeated, judged);  // rejected
  return a;
}

template <class A>
std::string load_error(const std::vector<std::uint8_t>& bytes) {
  try {
    (void)deserialize<A>(bytes);
  } catch (const error& e) {
    return e.what();
  }
  return "";
}

template <class A>
void check_round_trip(const A& a) {
  const auto bytes = serialize(a);
  const A b = deserialize<A>(bytes);
  CHECK(serialize(b) == bytes);
  CHECK(b.model_version() == a.model_version());
  CHECK(b.count() == a.count());
  CHECK(b.rejected() == a.rejected());
  CHECK(b.mean(ranking_metric::ndcg).value == a.mean(ranking_metric::ndcg).value);
}

template <class From, class To>
void check_refused(const From& a, const char* from_name, const char* to_name) {
  const std::string message = load_error<To>(serialize(a));
  INFO(message);
  CHECK(message.find(from_name) != std::string::npos);
  CHECK(message.find(to_name) != std::string::npos);
}

}  // namespace

TEST_CASE("every ranking instantiation: same metrics, state round-trips", "[ranking][templates][state]") {
  const auto d64 = sample<double, std::uint64_t>("v1");
  const auto d32 = sample<double, std::uint32_t>("v1");
  const auto f64 = sample<float, std::uint64_t>("v1");
  const auto f32 = sample<float, std::uint32_t>("v1");
  CHECK(d64.count() == 2);
  CHECK(d64.rejected() == 1);
  for (auto m : all_ranking_metrics()) {
    // Scores exact in float: the same means, bit for bit.
    CHECK(d32.mean(m).value == d64.mean(m).value);
    CHECK(f64.mean(m).value == d64.mean(m).value);
    CHECK(f32.mean(m).value == d64.mean(m).value);
  }
  check_round_trip(d64);
  check_round_trip(d32);
  check_round_trip(f64);
  check_round_trip(f32);
}

TEST_CASE("ranking states record their instantiation and load only into it", "[ranking][templates][state]") {
  using D64 = ranking_accumulator;
  using D32 = basic_ranking_accumulator<double, std::uint32_t>;
  using F64 = basic_ranking_accumulator<float, std::uint64_t>;
  using F32 = basic_ranking_accumulator<float, std::uint32_t>;
  const char* d64 = "basic_ranking_accumulator<double, std::uint64_t>";
  const char* d32 = "basic_ranking_accumulator<double, std::uint32_t>";
  const char* f64 = "basic_ranking_accumulator<float, std::uint64_t>";
  const char* f32 = "basic_ranking_accumulator<float, std::uint32_t>";
  const auto a = sample<double, std::uint64_t>("v1");
  const auto b = sample<double, std::uint32_t>("v1");
  const auto c = sample<float, std::uint64_t>("v1");
  const auto e = sample<float, std::uint32_t>("v1");
  check_refused<D64, F32>(a, d64, f32);
  check_refused<D64, D32>(a, d64, d32);
  check_refused<F32, D64>(e, f32, d64);
  check_refused<F32, F64>(e, f32, f64);
  check_refused<D32, F32>(b, d32, f32);
  check_refused<F64, D32>(c, f64, d32);
  // The default instantiation writes today's layout: the payload starts with
  // the version string's length; the others with the marker and their code.
  const auto today = serialize(a);
  CHECK(today[16] == 2);  // strlen("v1"), u64 little-endian
  CHECK(today.size() + 8 == serialize(e).size());
  const auto marked = serialize(e);
  CHECK(marked[16] == 0x20);  // float: 32 bits
  CHECK(marked[17] == 0x20);  // 32-bit ids
  for (int i = 18; i < 24; ++i) CHECK(marked[i] == 0xFF);
  CHECK(serialize(a) == serialize(ranking_accumulator(a)));
}

TEST_CASE("a 32-bit, float ranking state rejects every corruption and truncation", "[ranking][templates][state]") {
  using F32 = basic_ranking_accumulator<float, std::uint32_t>;
  basic_ranking_accumulator<float, std::uint32_t> a("v", 2);
  const std::vector<std::uint32_t> served = {1, 2};
  const std::vector<basic_judgment<std::uint32_t>> judged = {{2, 1}};
  a.observe(served, judged);
  const auto valid = serialize(a);
  REQUIRE_NOTHROW(deserialize<F32>(valid));
  std::size_t rejected = 0;
  for (std::size_t i = 0; i < valid.size(); ++i) {
    auto b = valid;
    for (int v = 0; v < 256; ++v) {
      if (v == valid[i]) continue;
      b[i] = static_cast<std::uint8_t>(v);
      try {
        (void)deserialize<F32>(b);
      } catch (const error&) {
        ++rejected;
      }
    }
  }
  CHECK(rejected == valid.size() * 255);
  for (std::size_t n = 0; n < valid.size(); ++n)
    CHECK_THROWS_AS(deserialize<F32>(span<const std::uint8_t>(valid.data(), n)), error);
}

// concurrent<A> takes every instantiation as it takes ranking_accumulator
// (one thread here: the threaded cases are in concurrent_test.cpp).
TEST_CASE("concurrent<> over a float, 32-bit ranking accumulator", "[ranking][templates]") {
  using F32 = basic_ranking_accumulator<float, std::uint32_t>;
  concurrent<F32> c(F32("v1", 3));
  const std::vector<std::uint32_t> served = {1, 2, 3};
  const std::vector<basic_judgment<std::uint32_t>> judged = {{2, 1}};
  const std::vector<float> row = {0.5f, 2.0f, 1.0f, 2.0f};
  for (int i = 0; i < 10; ++i) {
    c.observe(served, judged);
    c.apply([&](F32& a) { a.observe_scores(row, judged); });
  }
  const F32 total = c.snapshot();
  CHECK(total.count() == 20);
  F32 direct("v1", 3);
  for (int i = 0; i < 10; ++i) {
    direct.observe(served, judged);
    direct.observe_scores(row, judged);
  }
  CHECK(total.mean(ranking_metric::ndcg).value == direct.mean(ranking_metric::ndcg).value);
}
