// States written by an older build still load: tests/fixtures/state_v1 holds
// one state of every type that format version 1 had, written by the code of
// commit ca1031c (before the layer folders and before serialization moved
// beside each type). Each must load into an object equal to the one today's
// code builds the same way (fixture_objects.hpp), and write the same bytes
// back. Cost: < 0.1 s.
#include <driftwatch/driftwatch.hpp>
#include <driftwatch/accumulators/serialization.hpp>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fixtures/state_v1/fixture_objects.hpp"
#include "test_support.hpp"

using namespace driftwatch;
using bytes_t = std::vector<std::uint8_t>;

namespace {

bytes_t read_fixture(const std::string& name) {
  const std::string path = std::string(DRIFTWATCH_TEST_DATA_DIR) + "/../fixtures/state_v1/" + name + ".dwst";
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  return bytes_t(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::uint64_t bits(double x) {
  std::uint64_t b;
  std::memcpy(&b, &x, sizeof b);
  return b;
}

bool same_mean(const mean_accumulator& a, const mean_accumulator& b) {
  return a.count() == b.count() && a.invalid_count() == b.invalid_count() &&
         bits(a.raw_mean()) == bits(b.raw_mean()) && bits(a.raw_m2()) == bits(b.raw_m2());
}

template <class T>
T load_and_check_header(const std::string& name, state_type type) {
  const bytes_t b = read_fixture(name);
  const state_header h = inspect_state(b);
  CHECK(h.version == 1);
  CHECK(h.type == type);
  T value = deserialize<T>(b);
  // What today's code writes for the loaded object is what the old code wrote,
  // for every type whose layout is still version 1; a type at a newer layout
  // (drift_monitor, version 2) converts the old state and writes the new
  // layout, which must read back to the same object.
  if (T::state_version == 1) {
    CHECK(serialize(value) == b);
  } else {
    const bytes_t again = serialize(value);
    CHECK(inspect_state(again).version == T::state_version);
    CHECK(serialize(deserialize<T>(again)) == again);
  }
  return value;
}

}  // namespace

TEST_CASE("histogram written by the base commit loads") {
  const auto h = load_and_check_header<histogram>("histogram", state_type::histogram);
  CHECK(h == fixture_histogram());
  CHECK(h.invalid_count() == 1);
}

TEST_CASE("category_counts written by the base commit loads") {
  const auto c = load_and_check_header<category_counts>("category_counts", state_type::category_counts);
  const auto e = fixture_category_counts();
  CHECK(c.names() == e.names());
  CHECK(c.counts() == e.counts());
  CHECK(c.overflow_count() == 1);
  CHECK(c.max_categories() == 4);
}

TEST_CASE("mean_accumulator written by the base commit loads") {
  const auto m = load_and_check_header<mean_accumulator>("mean_accumulator", state_type::mean_accumulator);
  CHECK(same_mean(m, fixture_mean()));
  CHECK(m.invalid_count() == 1);
}

TEST_CASE("ranking_accumulator written by the base commit loads") {
  const auto a = load_and_check_header<ranking_accumulator>("ranking_accumulator", state_type::ranking_accumulator);
  const auto e = fixture_ranking();
  CHECK(a.model_version() == "v7");
  CHECK(a.k() == 3);
  CHECK(a.policy() == e.policy());
  CHECK(a.count() == e.count());
  CHECK(a.skipped() == e.skipped());
  CHECK(a.rejected() == e.rejected());
  CHECK(a.count() == 3);
  for (auto m : all_ranking_metrics()) CHECK(same_mean(a.metric(m), e.metric(m)));
}

TEST_CASE("paired and welch comparisons written by the base commit load") {
  const auto p = load_and_check_header<paired_comparison>("paired_comparison", state_type::paired_comparison);
  const auto pe = fixture_paired();
  CHECK(p.invalid_count() == 1);
  CHECK(same_mean(p.differences(), pe.differences()));
  CHECK(bits(p.result().p_value) == bits(pe.result().p_value));
  const auto w = load_and_check_header<welch_comparison>("welch_comparison", state_type::welch_comparison);
  const auto we = fixture_welch();
  CHECK(same_mean(w.baseline(), we.baseline()));
  CHECK(same_mean(w.canary(), we.canary()));
}

TEST_CASE("drift_monitor written by the base commit loads and reports as before") {
  const auto m = load_and_check_header<drift_monitor>("drift_monitor", state_type::drift_monitor);
  const auto e = fixture_monitor();
  const auto got = m.report();
  const auto want = e.report();
  REQUIRE(got.size() == want.size());
  REQUIRE(got.size() == 2);
  for (std::size_t i = 0; i < got.size(); ++i) {
    CHECK(got[i].name == want[i].name);
    CHECK(bits(got[i].psi.value) == bits(want[i].psi.value));
    CHECK(got[i].drift == want[i].drift);
    CHECK(got[i].n_current == want[i].n_current);
  }
}
