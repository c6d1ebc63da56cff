// Data shared by the C++ benchmarks and the Python peers (bench/peers/peers.py):
// both generate it from the same counter-based splitmix64, so every peer runs on
// bit-identical inputs without files. Sizes shrink with DRIFTWATCH_BENCH_QUICK=1.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

namespace bench {

inline bool quick() {
  const char* q = std::getenv("DRIFTWATCH_BENCH_QUICK");
  return q != nullptr && q[0] == '1';
}

/// splitmix64 of counter i under `seed` (same as peers.py's splitmix).
inline std::uint64_t splitmix(std::uint64_t seed, std::uint64_t i) {
  std::uint64_t z = seed + (i + 1) * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/// Uniform in [0, 1) with 53 random bits.
inline double u01(std::uint64_t seed, std::uint64_t i) {
  return static_cast<double>(splitmix(seed, i) >> 11) * (1.0 / 9007199254740992.0);
}

/// n values uniform in [lo, lo + width).
inline std::vector<double> uniform(std::uint64_t seed, std::size_t n, double lo, double width) {
  std::vector<double> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = lo + width * u01(seed, i);
  return x;
}

// Case sizes (full / quick).
inline std::size_t bin_n() { return quick() ? (std::size_t{1} << 20) : (std::size_t{1} << 24); }
inline std::size_t ks_n() { return quick() ? 100000 : 1000000; }
inline std::size_t js_n() { return quick() ? 100000 : 1000000; }
inline std::size_t rank_rows() { return quick() ? 200 : 2000; }
inline std::size_t rank_cols() { return quick() ? 10000 : 100000; }
inline std::size_t served_lists() { return quick() ? 100000 : 1000000; }
constexpr std::size_t served_k = 10;
constexpr std::size_t relevant_per_row = 5;
constexpr std::uint64_t item_universe = 100000;

/// Relevant item j (< relevant_per_row) of score-matrix row r: distinct columns.
inline std::uint64_t relevant_item(std::size_t r, std::size_t j, std::size_t cols) {
  const std::uint64_t base = splitmix(77, r) % cols;
  return (base + j * (cols / relevant_per_row)) % cols;
}

/// Served id j of list i: base + 97 j. The list's relevant ids (1 to 20 of
/// them) are base + 97 o_j with offsets o_j = (7 j + s) mod 20, distinct, and
/// shifted by a per-list s: about half of them are served, at positions that
/// differ from list to list (no pattern for a branch predictor to learn).
inline std::uint64_t served_id(std::size_t i, std::size_t j) {
  return (splitmix(91, i) + j * 97) % item_universe;
}
inline std::size_t relevant_count(std::size_t i) { return 1 + splitmix(92, i) % 20; }
inline std::uint64_t relevant_id(std::size_t i, std::size_t j) {
  const std::uint64_t offset = (7 * j + splitmix(93, i) % 20) % 20;
  return (splitmix(91, i) + offset * 97) % item_universe;
}

}  // namespace bench
