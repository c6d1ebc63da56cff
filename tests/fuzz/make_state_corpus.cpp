// Writes the seed corpus of fuzz_state (tests/fuzz/corpus/state/): one small
// valid state per type, each prefixed by fuzz_state's selector byte (type in
// bits 0-2, bit 3 = repair the envelope). Rerun after a format change:
//   cmake --build build/hardening --target fuzz_make_state_corpus
//   build/hardening/tests/fuzz/fuzz_make_state_corpus tests/fuzz/corpus/state
#include <cstdint>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include <driftwatch/driftwatch.hpp>
#include <driftwatch/accumulators/serialization.hpp>

namespace {
void put(const std::string& dir, const std::string& name, std::uint8_t selector, const std::vector<std::uint8_t>& state) {
  for (std::uint8_t repair : {std::uint8_t{0}, std::uint8_t{8}}) {
    std::ofstream out(dir + "/" + name + (repair ? "_repair" : ""), std::ios::binary);
    const auto s = static_cast<char>(selector | repair);
    out.write(&s, 1);
    out.write(reinterpret_cast<const char*>(state.data()), static_cast<std::streamsize>(state.size()));
  }
}
}  // namespace

int main(int argc, char** argv) {
  using namespace driftwatch;
  if (argc != 2) return 2;
  const std::string dir = argv[1];
  histogram h(bin_edges::from_edges({-1.0, 0.0, 2.5}));
  for (double x : {-3.0, 0.0, 1.0, 9.0, std::numeric_limits<double>::quiet_NaN()}) h(x);
  put(dir, "histogram", 0, serialize(h));
  category_counts c(8);
  for (const char* s : {"de", "fr", "de", "\xc3\xa9t\xc3\xa9", ""}) c(s);
  put(dir, "category_counts", 1, serialize(c));
  mean_accumulator m;
  for (double x : {0.5, 0.25, 1.0}) m(x);
  put(dir, "mean_accumulator", 2, serialize(m));
  ranking_accumulator r("v2", 3);
  const std::vector<item_id> served = {4, 2, 7};
  const std::vector<judgment> judged = {{2, 1}, {9, 2}};
  r.observe(served, judged);
  put(dir, "ranking_accumulator", 3, serialize(r));
  paired_comparison p;
  p.observe(0.5, 0.75);
  p.observe(0.25, 0.5);
  put(dir, "paired_comparison", 4, serialize(p));
  welch_comparison w;
  w.observe_baseline(1.0);
  w.observe_canary(2.0);
  put(dir, "welch_comparison", 5, serialize(w));
  monitor_config cfg;
  cfg.bins = 3;
  cfg.max_current_samples = 8;
  drift_monitor mon(cfg);
  const std::vector<double> ref = {1.0, 2.0, 3.0, 4.0, 5.0};
  mon.add_numeric("x", ref, 1);
  const std::vector<std::string> cats = {"a", "b", "a"};
  mon.add_categorical("k", cats);
  mon.observe(0, 2.5);
  mon.observe(0, 7.0);
  mon.observe(1, "c");
  mon.observe_missing(1);
  put(dir, "drift_monitor", 6, serialize(mon));
  const std::vector<double> ks_ref = {1.0, 2.0, 2.0, 4.0};
  ks_stream ks(ks_ref);
  for (double x : {0.5, 2.0, 3.0, 3.5, 9.0, std::numeric_limits<double>::infinity()}) ks(x);
  put(dir, "ks_stream", 7, serialize(ks));
  return 0;
}
