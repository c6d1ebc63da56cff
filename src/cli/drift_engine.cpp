// The computation of `driftwatch drift` (drift_engine.hpp).
//
// Work split (docs/cli-drift.md, "Threads"): a plain regular file larger than
// 8 MiB is cut in two byte ranges at a line start; one thread parses each
// range into its own accumulators, which are merged at the end (counts add,
// kept values concatenate, categories merge in first-seen order). The cut is a
// guess (a quoted field may hold a line break): the first thread checks that a
// record really starts at the cut, and if not it reads on to the end alone and
// the second thread's work is dropped. Gzip and standard input are read by one
// thread. The reference is read whole first (its values are the frozen
// reference), then the current file streams.
//
// Bin edges are the library's (bin_edges::from_sorted_quantiles / uniform).
// Implemented here: KS and W1 in one merged walk (W1 overflowing to +inf like
// SciPy), and the bounded summary of a current sample (exact KS like
// ks_stream, plus the sums that give W1 with a stated error bound), which the
// library's drift_monitor keeps in its own slot-count form.
#include "drift_engine.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>

#include <driftwatch/detail/kernels_ks.hpp>
#include <driftwatch/detail/summation.hpp>
#include <driftwatch/metrics/multiple_testing.hpp>

#include "csv_stream.hpp"
#include "csv_input.hpp"
#include "drift_numbers.hpp"
#include "numeral.hpp"

namespace driftwatch_cli {

const char* to_string(feature_status s) noexcept {
  switch (s) {
    case feature_status::absent: return "absent_from_current";
    case feature_status::no_valid_values: return "no_valid_values";
    case feature_status::insufficient: return "insufficient_data";
    default: return "ok";
  }
}

namespace {

// ---- Wasserstein-1 -----------------------------------------------------------

// c * w where a zero coefficient contributes 0 even over an infinite width.
double term(double c, double w) noexcept { return c == 0 ? 0.0 : c * w; }

// The two-sample KS test and W1 of sorted finite non-empty samples in one
// merged walk. KS: the extremes exactly as ks_test_sorted's walk finds them
// (the same steps as driftwatch::detail::ks_merge_walk_branchless), finished
// by the library. W1: between consecutive merged values x < h it adds
// |F_a(x) - F_b(x)| (h - x) to a compensated sum, the CDF gap taken from the
// walk's exact integer K = i m - j n as |K| / (n m) (one rounding, where
// i/n - j/m had three). A distance beyond DBL_MAX is +inf (as SciPy).
struct ks_w1 {
  driftwatch::ks_result ks;
  double w1 = 0;
};

ks_w1 ks_and_w1_sorted(const double* a, std::size_t n, const double* b, std::size_t m) {
  ks_w1 out;
  const double dn = static_cast<double>(n), dm = static_cast<double>(m);
  driftwatch::detail::ks_extreme_tracker t(dn, dm);
  const bool exact_k = dn * dm <= 562949953421312.0;  // 2^49: distinct K are told apart by the double diff
  const auto step_a = static_cast<std::int64_t>(m), step_b = -static_cast<std::int64_t>(n);
  std::int64_t k = 0;
  std::int64_t k_max = std::numeric_limits<std::int64_t>::min();
  std::int64_t k_min = std::numeric_limits<std::int64_t>::max();
  const double inf = std::numeric_limits<double>::infinity();
  const double inv_nm = 1.0 / (dn * dm);
  driftwatch::detail::compensated_sum sum;
  bool w1_inf = false;
  bool in1 = false, in2 = false;
  std::size_t i = 0, j = 0;
  double x = a[0], y = b[0];
  double prev = x < y ? x : y;
  while (i < n || j < m) {
    const std::size_t take_a = x <= y ? 1 : 0;
    const double v = y < x ? y : x;
    {
      const double gap = static_cast<double>(k < 0 ? -k : k) * inv_nm;
      const double w = term(gap, v - prev);
      if (std::isinf(w)) w1_inf = true;
      else sum.add(w);
      prev = v;
    }
    i += take_a;
    j += 1 - take_a;
    k += step_b + static_cast<std::int64_t>(take_a) * (step_a - step_b);
    in1 = in1 || take_a != 0;
    in2 = in2 || take_a == 0;
    x = i < n ? a[i] : inf;
    y = j < m ? b[j] : inf;
    if (x == v || y == v) continue;  // v repeats: evaluate at its last copy
    if (exact_k && k < k_max && k > k_min) {
      in1 = in2 = false;
      continue;
    }
    k_max = k > k_max ? k : k_max;
    k_min = k < k_min ? k : k_min;
    t.at(v, i, j, in1, in2);
    in1 = in2 = false;
  }
  out.ks.method = driftwatch::ks_method::automatic;
  out.ks.n_reference = n;
  out.ks.n_current = m;
  driftwatch::detail::ks_finish(out.ks, t.extremes(), driftwatch::alternative::two_sided,
                                driftwatch::ks_method::automatic);
  const double w1 = sum.value();
  out.w1 = w1_inf || std::isinf(w1) ? HUGE_VAL : w1;
  return out;
}

// ---- categories --------------------------------------------------------------

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
constexpr bool kLittleEndian = true;
#else
constexpr bool kLittleEndian = false;
#endif

// Category -> index, in first-seen order, capped.
class category_table {
 public:
  std::size_t size() const noexcept { return names_.size(); }
  const std::vector<std::string>& names() const noexcept { return names_; }

  // A category's hash and first (up to) 8 bytes. A short multiply-xor hash,
  // inline: category cells are mostly a few bytes, where std::hash's
  // out-of-line murmur costs more than the lookup; names of at most 8 bytes
  // are then compared as one word.
  struct key {
    std::string_view s;
    std::size_t hash;
    std::uint64_t head;  // the first min(8, size) bytes, zero-padded
  };
  static std::uint64_t load_word(const unsigned char* p) noexcept {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    return w;
  }
  // over_read: s may be read 8 bytes past its end (a csv_stream field).
  template <bool over_read>
  static key key_of(std::string_view s) noexcept {
    constexpr std::uint64_t mul = 0x9E3779B97F4A7C15ull;
    const unsigned char* p = reinterpret_cast<const unsigned char*>(s.data());
    const std::size_t size = s.size();
    std::size_t n = size;
    std::uint64_t h = (n + 1) * mul, head = 0;
    bool first = true;
    while (n >= 8) {
      const std::uint64_t w = load_word(p);
      if (first) head = w, first = false;
      h = (h ^ w) * mul;
      h ^= h >> 29;
      p += 8;
      n -= 8;
    }
    std::uint64_t w = 0;
    if (over_read) {
      if (n != 0) w = load_word(p) & (~std::uint64_t{0} >> (64 - 8 * n));  // little-endian byte order
    } else {
      for (std::size_t i = 0; i < n; ++i) w |= static_cast<std::uint64_t>(p[i]) << (8 * i);
    }
    if (first) head = w;
    h = (h ^ w) * mul;
    h ^= h >> 32;
    return {s, static_cast<std::size_t>(h), head};
  }
  static key key_of(std::string_view s) noexcept { return key_of<false>(s); }
  static key key_of_cell(std::string_view s) noexcept {
    static_assert(csv_stream::slack >= 8, "key_of_cell reads a word past a field");
    return key_of<kLittleEndian>(s);
  }

  /// Index of the key's name, or -1 when absent.
  std::ptrdiff_t find(const key& k) const noexcept {
    if (slots_.empty()) return -1;
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = k.hash & mask;; i = (i + 1) & mask) {
      const std::uint32_t v = slots_[i];
      if (v == 0) return -1;
      const entry& e = entries_[v - 1];
      if (e.hash == k.hash && e.head == k.head && e.size == k.s.size() &&
          (k.s.size() <= 8 || std::memcmp(names_[v - 1].data() + 8, k.s.data() + 8, k.s.size() - 8) == 0))
        return static_cast<std::ptrdiff_t>(v - 1);
    }
  }
  /// Index of the key's name, added when new (the caller checks the cap first).
  std::size_t add(const key& k) {
    if ((names_.size() + 1) * 2 > slots_.size()) grow();
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = k.hash & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    names_.emplace_back(k.s);
    entries_.push_back({k.hash, k.head, k.s.size()});
    slots_[i] = static_cast<std::uint32_t>(names_.size());
    return names_.size() - 1;
  }
  void clear() {
    std::vector<std::string>().swap(names_);
    std::vector<entry>().swap(entries_);
    std::vector<std::uint32_t>().swap(slots_);
  }

 private:
  struct entry {
    std::size_t hash;
    std::uint64_t head;
    std::size_t size;
  };
  void grow() {
    std::vector<std::uint32_t> slots(std::max<std::size_t>(64, slots_.size() * 2), 0);
    const std::size_t mask = slots.size() - 1;
    for (std::size_t i = 0; i < names_.size(); ++i) {
      std::size_t k = entries_[i].hash & mask;
      while (slots[k] != 0) k = (k + 1) & mask;
      slots[k] = static_cast<std::uint32_t>(i + 1);
    }
    slots_.swap(slots);
  }
  std::vector<std::string> names_;
  std::vector<entry> entries_;
  std::vector<std::uint32_t> slots_;
};

// A counting table: categories with counts, capped at `cap` distinct.
struct category_counter {
  category_table table;
  std::vector<std::uint64_t> counts;
  std::uint64_t overflow = 0;
  std::size_t cap = 0;

  // A csv_stream field (see category_table::key_of_cell).
  void count_cell(std::string_view s) {
    const category_table::key k = category_table::key_of_cell(s);
    const std::ptrdiff_t i = table.find(k);
    if (i >= 0) {
      ++counts[static_cast<std::size_t>(i)];
    } else if (table.size() < cap) {
      table.add(k);
      counts.push_back(1);
    } else {
      ++overflow;
    }
  }
  void merge(const category_counter& o) {
    for (std::size_t i = 0; i < o.table.size(); ++i) {
      const auto& s = o.table.names()[i];
      const category_table::key key = category_table::key_of(s);
      const std::ptrdiff_t k = table.find(key);
      if (k >= 0) {
        counts[static_cast<std::size_t>(k)] += o.counts[i];
      } else if (table.size() < cap) {
        table.add(key);
        counts.push_back(o.counts[i]);
      } else {
        overflow += o.counts[i];
      }
    }
    overflow += o.overflow;
  }
};

// ---- the reference -----------------------------------------------------------

constexpr std::uint64_t inference_sample = 1024;

struct ref_column {
  kind_choice forced = kind_choice::infer;
  bool parse_numbers = true, track_categories = true, dropped = false;
  std::uint64_t missing = 0, present = 0, numerals = 0, text = 0, non_finite = 0;
  number_column values;  // finite numerals
  category_counter cats;

  void add(std::string_view cell) {
    if (cell.empty()) {
      ++missing;
      return;
    }
    ++present;
    if (parse_numbers) {
      double v;
      std::uint32_t key;
      const cell_number kind = read_number<true>(cell, v, key);
      if (kind == cell_number::keyed) {
        ++numerals;
        values.add_key(key);
      } else if (kind == cell_number::plain) {
        ++numerals;
        if (std::isfinite(v)) values.add_value(v);
        else ++non_finite;
      } else {
        ++text;
      }
    }
    if (track_categories) {
      cats.count_cell(cell);
      // A column whose first cells are mostly numerals is almost surely
      // numeric: stop counting its categories (time and memory). Should the
      // majority turn by the end, the reference is read again for it.
      if (forced == kind_choice::infer && numerals + text >= inference_sample && numerals > text) {
        cats.table.clear();
        std::vector<std::uint64_t>().swap(cats.counts);
        track_categories = false;
        dropped = true;
      }
    }
  }
  void merge(ref_column& o) {
    missing += o.missing;
    present += o.present;
    numerals += o.numerals;
    text += o.text;
    non_finite += o.non_finite;
    values.append(o.values);
    if (dropped || o.dropped) {
      dropped = true;
      track_categories = false;
      cats.table.clear();
      cats.counts.clear();
    } else if (track_categories) {
      cats.merge(o.cats);
    }
  }
};

// ---- the current side --------------------------------------------------------

// The reference of a numeric feature as the bounded summary needs it.
struct reference_steps {
  std::vector<double> distinct;      // u_0 < ... < u_{d-1}
  std::vector<std::uint64_t> below;  // #{reference <= u_k}
};

// The bounded summary of current values against the reference's distinct
// values: per value u_k the count equal to it; per gap (u_{k-1}, u_k) the
// count, the sum of (x - left_k), the min and the max. Exact KS (as
// ks_stream); W1 exact except in gaps where the reference CDF lies strictly
// inside the current CDF's range, whose uncertainty is bounded.
struct gap_summary {
  const reference_steps* ref = nullptr;
  std::vector<std::uint64_t> equal, count;
  std::vector<double> sum, lo, hi;

  explicit gap_summary(const reference_steps& r) : ref(&r) {
    const std::size_t d = r.distinct.size();
    equal.assign(d, 0);
    count.assign(d + 1, 0);
    sum.assign(d + 1, 0.0);
    lo.assign(d + 1, HUGE_VAL);
    hi.assign(d + 1, -HUGE_VAL);
  }
  double left(std::size_t k) const noexcept { return k == 0 ? ref->distinct[0] : ref->distinct[k - 1]; }
  void add_sorted(const double* x, std::size_t n) {
    const double* u = ref->distinct.data();
    const std::size_t d = ref->distinct.size();
    std::size_t k = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double v = x[i];
      if (k < d && u[k] < v) k = static_cast<std::size_t>(std::lower_bound(u + k + 1, u + d, v) - u);
      if (k < d && u[k] == v) {
        ++equal[k];
      } else {
        ++count[k];
        sum[k] += v - left(k);
        lo[k] = std::min(lo[k], v);
        hi[k] = std::max(hi[k], v);
      }
    }
  }
  void merge(const gap_summary& o) {
    for (std::size_t k = 0; k < equal.size(); ++k) equal[k] += o.equal[k];
    for (std::size_t k = 0; k < count.size(); ++k) {
      count[k] += o.count[k];
      sum[k] += o.sum[k];
      lo[k] = std::min(lo[k], o.lo[k]);
      hi[k] = std::max(hi[k], o.hi[k]);
    }
  }
  std::uint64_t total() const noexcept {
    std::uint64_t t = 0;
    for (auto c : equal) t += c;
    for (auto c : count) t += c;
    return t;
  }
  driftwatch::ks_result ks(std::uint64_t n_ref) const {
    driftwatch::ks_result r;
    r.method = driftwatch::ks_method::automatic;
    const std::uint64_t m = total();
    r.n_reference = n_ref;
    r.n_current = m;
    driftwatch::detail::ks_extreme_tracker t(static_cast<double>(n_ref), static_cast<double>(m));
    std::uint64_t j = 0;
    std::size_t i = 0;
    const std::size_t d = equal.size();
    for (std::size_t k = 0; k <= d; ++k) {
      if (count[k] != 0) {
        j += count[k];
        t.at(hi[k], i, j, false, true);
      }
      if (k == d) break;
      j += equal[k];
      i = ref->below[k];
      t.at(ref->distinct[k], i, j, true, equal[k] != 0);
    }
    driftwatch::detail::ks_finish(r, t.extremes(), driftwatch::alternative::two_sided,
                                  driftwatch::ks_method::automatic);
    return r;
  }
  // W1 = integral |F_ref - F_cur|; returns (value, error bound).
  std::pair<double, double> wasserstein(std::uint64_t n_ref) const {
    const double n = static_cast<double>(n_ref), m = static_cast<double>(total());
    const std::size_t d = equal.size();
    driftwatch::detail::compensated_sum w;
    double bound = 0;
    bool inf = false;
    auto add = [&](double t) {
      if (std::isinf(t)) inf = true;
      else w.add(t);
    };
    std::uint64_t j = 0;
    for (std::size_t k = 0; k <= d; ++k) {
      const double c = k == 0 ? 0.0 : static_cast<double>(ref->below[k - 1]) / n;
      const double a = static_cast<double>(j) / m;
      const std::uint64_t ck = count[k];
      const double b = static_cast<double>(j + ck) / m;
      if (ck == 0) {
        if (k > 0 && k < d) add(term(std::fabs(c - a), ref->distinct[k] - ref->distinct[k - 1]));
      } else {
        const double l = k == 0 ? lo[k] : ref->distinct[k - 1];
        const double r = k == d ? hi[k] : ref->distinct[k];
        add(term(std::fabs(c - a), lo[k] - l));
        add(term(std::fabs(c - b), r - hi[k]));
        const double width = hi[k] - lo[k];
        if (width > 0) {
          // T = integral over [lo, hi) of (F_cur - a) = sum (hi - x_i) / m.
          const double T = (static_cast<double>(ck) * (hi[k] - left(k)) - sum[k]) / m;
          if (c <= a) {
            add(T + term(a - c, width));
          } else if (c >= b) {
            add(term(c - a, width) - T);
          } else {
            const double delta = T - term(c - a, width);
            const double low = std::fabs(delta);
            const double high = delta + 2 * std::min(term(c - a, width), term(b - c, width) - delta);
            add((low + high) / 2);
            bound += std::max(0.0, (high - low) / 2);
          }
        }
      }
      j += ck;
      if (k < d) j += equal[k];
    }
    const double v = w.value();
    return {inf || std::isinf(v) ? HUGE_VAL : v, bound};
  }
};

// ---- the ECDF sketch of the HTML report -------------------------------------

// Step corners of the ECDF of sorted finite v[0, n): every distinct value when
// there are at most `points` of them, else the values at `points` evenly
// spaced ranks (each at its last tied position, so every F is exact).
void ecdf_corners(const double* v, std::size_t n, std::size_t points, std::vector<double>& xs,
                  std::vector<double>& fs) {
  if (n == 0 || points == 0) return;
  const double dn = static_cast<double>(n);
  auto add = [&](std::size_t i) {  // i: last index of its value
    if (!xs.empty() && !(v[i] > xs.back())) return;
    xs.push_back(v[i]);
    fs.push_back(static_cast<double>(i + 1) / dn);
  };
  if (n <= points) {
    for (std::size_t i = 0; i < n; ++i)
      if (i + 1 == n || v[i + 1] != v[i]) add(i);
    return;
  }
  for (std::size_t j = 1; j <= points; ++j) {
    const std::size_t t =
        static_cast<std::size_t>(std::ceil(static_cast<double>(j) * dn / static_cast<double>(points))) - 1;
    const double x = v[std::min(t, n - 1)];
    add(static_cast<std::size_t>(std::upper_bound(v, v + n, x) - v) - 1);
  }
}

double ecdf_at(const double* v, std::size_t n, double x) {
  if (n == 0) return 0;
  return static_cast<double>(std::upper_bound(v, v + n, x) - v) / static_cast<double>(n);
}

// Widens the drawn range by a sample's central 99% [lo, hi] and its [min, max].
void widen(ecdf_sketch& e, bool& first, double lo, double hi, double min, double max) {
  if (first) {
    e.x_low = lo, e.x_high = hi, e.min = min, e.max = max;
    first = false;
    return;
  }
  e.x_low = std::min(e.x_low, lo);
  e.x_high = std::max(e.x_high, hi);
  e.min = std::min(e.min, min);
  e.max = std::max(e.max, max);
}

void widen_sorted(ecdf_sketch& e, bool& first, const double* v, std::size_t n) {
  if (n == 0) return;
  const double last = static_cast<double>(n - 1);
  widen(e, first, v[static_cast<std::size_t>(0.005 * last)], v[static_cast<std::size_t>(std::ceil(0.995 * last))],
        v[0], v[n - 1]);
}

void mark_ks(ecdf_sketch& e, bool& first, const driftwatch::ks_result& ks) {
  if (!ks.valid() || !std::isfinite(ks.statistic_location)) return;
  widen(e, first, ks.statistic_location, ks.statistic_location, ks.statistic_location, ks.statistic_location);
}

// Both samples in memory, sorted: every corner exact.
void sketch_exact(ecdf_sketch& e, driftwatch::span<const double> ref, const double* cur, std::size_t m,
                  const driftwatch::ks_result& ks, std::size_t points) {
  ecdf_corners(ref.data(), ref.size(), points, e.reference_x, e.reference_f);
  ecdf_corners(cur, m, points, e.current_x, e.current_f);
  bool first = true;
  widen_sorted(e, first, ref.data(), ref.size());
  widen_sorted(e, first, cur, m);
  mark_ks(e, first, ks);
  if (ks.valid() && std::isfinite(ks.statistic_location)) {
    e.reference_f_at = ecdf_at(ref.data(), ref.size(), ks.statistic_location);
    e.current_f_at = ecdf_at(cur, m, ks.statistic_location);
  }
}

// The current values summarised against the reference's distinct values:
// the current ECDF is exact at each of them and at the largest current value
// below / above the reference; between those points it is not known.
void sketch_summary(ecdf_sketch& e, driftwatch::span<const double> ref, const gap_summary& g,
                    const driftwatch::ks_result& ks, std::size_t points) {
  e.current_exact = false;
  ecdf_corners(ref.data(), ref.size(), points, e.reference_x, e.reference_f);
  bool first = true;
  widen_sorted(e, first, ref.data(), ref.size());
  const auto& u = g.ref->distinct;
  const std::size_t d = u.size();
  const std::uint64_t m = g.total();
  if (m > 0) {
    const double dm = static_cast<double>(m);
    if (g.count[0] != 0) {
      e.current_x.push_back(g.hi[0]);
      e.current_f.push_back(static_cast<double>(g.count[0]) / dm);
    }
    std::uint64_t cum = 0;
    std::size_t c = 0;
    for (std::size_t k = 0; k < d; ++k) {
      cum += g.count[k] + g.equal[k];
      while (c < e.reference_x.size() && e.reference_x[c] < u[k]) ++c;
      if (c < e.reference_x.size() && e.reference_x[c] == u[k]) {
        e.current_x.push_back(u[k]);
        e.current_f.push_back(static_cast<double>(cum) / dm);
        ++c;
      }
    }
    if (g.count[d] != 0) {
      e.current_x.push_back(g.hi[d]);
      e.current_f.push_back(1.0);
    }
    // A rank's value, rounded outward inside a gap (its min or max).
    auto at_rank = [&](std::uint64_t r, bool low) {
      std::uint64_t below = 0;
      for (std::size_t k = 0; k <= d; ++k) {
        if (r < below + g.count[k]) return low ? g.lo[k] : g.hi[k];
        below += g.count[k];
        if (k == d) break;
        if (r < below + g.equal[k]) return u[k];
        below += g.equal[k];
      }
      return g.count[d] != 0 ? g.hi[d] : u[d - 1];
    };
    const double last = static_cast<double>(m - 1);
    widen(e, first, at_rank(static_cast<std::uint64_t>(0.005 * last), true),
          at_rank(static_cast<std::uint64_t>(std::ceil(0.995 * last)), false), at_rank(0, true), at_rank(m - 1, false));
  }
  mark_ks(e, first, ks);
  if (ks.valid() && std::isfinite(ks.statistic_location)) {
    e.reference_f_at = ecdf_at(ref.data(), ref.size(), ks.statistic_location);
    // KS is exact here: the current ECDF at its location follows from D and its sign.
    e.current_f_at = e.reference_f_at - ks.statistic_sign * ks.statistic;
  }
}

struct numeric_feature;
struct categorical_feature;

// The frozen reference of one feature, shared read-only by the workers.
struct frozen_feature {
  std::string name;
  std::size_t ref_column = 0;  // index in the reference header
  driftwatch::feature_kind kind = driftwatch::feature_kind::numeric;
  std::string kind_source;
  feature_settings settings;
  side_counts reference;
  // numeric
  driftwatch::detail::sorted_sample sorted_storage;  // finite reference values, ascending
  driftwatch::span<const double> sorted;             // a view of them
  std::vector<double> edges;
  std::unique_ptr<driftwatch::histogram> reference_hist;
  std::once_flag steps_once;
  reference_steps steps;
  const reference_steps& get_steps() {
    std::call_once(steps_once, [this] {
      for (std::size_t i = 0; i < sorted.size(); ++i) {
        if (steps.distinct.empty() || steps.distinct.back() != sorted[i]) {
          steps.distinct.push_back(sorted[i]);
          steps.below.push_back(0);
        }
        steps.below.back() = i + 1;
      }
    });
    return steps;
  }
  // categorical
  category_counter categories;
};

// One worker's current-side state of a numeric feature.
struct numeric_current {
  frozen_feature* frozen = nullptr;
  // Kept finite values (all of them until folded): as keys (drift_numbers.hpp)
  // while every one has a key and nothing was folded, else as doubles.
  std::vector<std::uint32_t> keys;
  std::vector<double> values;
  bool keyed = true;
  std::uint64_t missing = 0, non_finite = 0, non_numeric = 0;
  std::unique_ptr<driftwatch::histogram> hist;
  std::unique_ptr<gap_summary> summary;
  std::size_t binned = 0;  // values[0, binned) are in hist already (keys are binned once sorted)

  // The keys as doubles, for good (values is empty while keyed).
  void unkey() {
    if (!keyed) return;
    values.reserve(keys.size());
    for (const std::uint32_t k : keys) values.push_back(numkey::decode(k));
    std::vector<std::uint32_t>().swap(keys);
    keyed = false;
  }
  void bin_rest() {
    if (binned < values.size()) hist->observe(driftwatch::span<const double>(values.data() + binned, values.size() - binned));
    binned = values.size();
  }
  // Moves the kept values into the summary (sorting them first).
  void flush() {
    unkey();
    bin_rest();
    if (!summary) summary = std::make_unique<gap_summary>(frozen->get_steps());
    std::sort(values.begin(), values.end());
    summary->add_sorted(values.data(), values.size());
    values.clear();
    binned = 0;
  }
};

struct categorical_current {
  frozen_feature* frozen = nullptr;
  std::vector<std::uint64_t> known;  // counts of the reference's categories
  category_counter fresh;            // categories not in the reference
  std::uint64_t missing = 0;

  void add(std::string_view s) {
    const category_table::key key = category_table::key_of_cell(s);
    const std::ptrdiff_t i = frozen->categories.table.find(key);
    if (i >= 0) {
      ++known[static_cast<std::size_t>(i)];
      return;
    }
    const std::ptrdiff_t k = fresh.table.find(key);
    if (k >= 0) {
      ++fresh.counts[static_cast<std::size_t>(k)];
    } else if (frozen->categories.table.size() + fresh.table.size() < fresh.cap) {
      fresh.table.add(key);
      fresh.counts.push_back(1);
    } else {
      ++fresh.overflow;
    }
  }
};

// ---- scanning ----------------------------------------------------------------

// A worker consumes records: row(fields).
class csv_scan {
 public:
  explicit csv_scan(const std::string& path, bool prefetch = true)
      : path_(path), src_(path), ahead_(prefetch && src_.gzip() && path != "-" ? new prefetch_reader(src_) : nullptr),
        stream_(ahead_ ? static_cast<byte_reader&>(*ahead_) : src_) {
    header_ = stream_.header();
  }
  const std::vector<std::string>& header() const noexcept { return header_; }
  bool gzip() const noexcept { return src_.gzip(); }
  std::uint64_t bytes() const noexcept { return src_.splittable() ? src_.file_size() : src_.raw_bytes(); }
  std::uint64_t rows() const noexcept { return rows_; }

  /// Feeds every record to workers[0] (and workers[1] when the file is split).
  /// Returns the number of workers whose state is valid (1 or 2).
  template <class Worker>
  unsigned run(Worker& w0, Worker* w1, progress_line& progress) {
    const std::uint64_t body = stream_.offset();
    const std::uint64_t size = src_.file_size();
    std::uint64_t cut = 0;
    if (w1 != nullptr && src_.splittable() && size > body + (std::uint64_t{8} << 20)) cut = find_cut(body + (size - body) / 2);
    if (cut == 0 || cut >= size) {
      single(w0, progress);
      return 1;
    }
    std::atomic<std::uint64_t> rows0{0}, rows1{0};
    std::atomic<bool> done{false}, done1{false};
    std::exception_ptr err1;
    csv_position_error pos1;
    bool has_pos1 = false;
    byte_source src1(path_, cut);
    csv_stream s1(src1, cut, 1);
    s1.set_width(header_.size());
    std::thread t([&] {
      try {
        std::vector<std::string_view> f;
        std::uint64_t n = 0;
        while (s1.next(f)) {
          w1->row(f);
          if ((++n & 8191) == 0) rows1.store(n, std::memory_order_relaxed);
        }
        rows1.store(n, std::memory_order_relaxed);
      } catch (const csv_position_error& e) {
        pos1 = e;
        has_pos1 = true;
      } catch (...) {
        err1 = std::current_exception();
      }
      done1.store(true);
    });
    std::exception_ptr err0;
    stream_.set_stop(cut);
    std::thread t0([&] {
      try {
        std::vector<std::string_view> f;
        std::uint64_t n = 0;
        while (stream_.next(f)) {
          w0.row(f);
          if ((++n & 8191) == 0) rows0.store(n, std::memory_order_relaxed);
        }
      } catch (...) {
        err0 = std::current_exception();
      }
      done.store(true);
    });
    while (!done.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      progress.update(rows0.load(std::memory_order_relaxed) + rows1.load(std::memory_order_relaxed),
                      src_.raw_bytes() + src1.raw_bytes());
    }
    t0.join();
    if (err0) {
      t.join();
      rethrow(err0);
    }
    const bool consistent = stream_.offset() == cut;
    if (!consistent) {
      // The cut fell inside a quoted field: read on alone, drop range 2.
      t.join();
      stream_.set_stop(~std::uint64_t{0});
      single(w0, progress);
      return 1;
    }
    while (!done1.load()) {  // range 1 done; wait for range 2
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      progress.update(stream_.rows() + rows1.load(std::memory_order_relaxed), src_.raw_bytes() + src1.raw_bytes());
    }
    t.join();
    if (has_pos1) throw csv_error(s1.where(pos1, stream_.line() - 1));
    if (err1) std::rethrow_exception(err1);
    rows_ = stream_.rows() + s1.rows();
    return 2;
  }

 private:
  void rethrow(std::exception_ptr e) {
    try {
      std::rethrow_exception(e);
    } catch (const csv_position_error& p) {
      throw csv_error(stream_.where(p));
    }
  }

  template <class Worker>
  void single(Worker& w, progress_line& progress) {
    std::vector<std::string_view> f;
    stream_.on_read([&] { progress.update(stream_.rows(), src_.raw_bytes()); });
    try {
      while (stream_.next(f)) w.row(f);
    } catch (const csv_position_error& p) {
      stream_.on_read(nullptr);
      throw csv_error(stream_.where(p));
    }
    stream_.on_read(nullptr);
    rows_ = stream_.rows();
  }

  // The first line start at or after `at`, or 0 when there is none.
  std::uint64_t find_cut(std::uint64_t at) {
    byte_source probe(path_, at);
    std::vector<char> buf(1 << 16);
    std::uint64_t pos = at;
    while (true) {
      const std::size_t k = probe.read(buf.data(), buf.size());
      if (k == 0) return 0;
      const void* nl = std::memchr(buf.data(), '\n', k);
      if (nl != nullptr) return pos + static_cast<std::uint64_t>(static_cast<const char*>(nl) - buf.data()) + 1;
      pos += k;
    }
  }

  std::string path_;
  byte_source src_;
  std::unique_ptr<prefetch_reader> ahead_;  // gzip files: decompression on its own thread
  csv_stream stream_;
  std::vector<std::string> header_;
  std::uint64_t rows_ = 0;
};

struct reference_worker {
  std::vector<ref_column*> by_column;  // per file column, or null
  std::vector<std::unique_ptr<ref_column>> columns;
  void row(const std::vector<std::string_view>& f) {
    for (std::size_t c = 0; c < by_column.size(); ++c)
      if (by_column[c] != nullptr) by_column[c]->add(f[c]);
  }
};

struct current_worker {
  struct slot {
    numeric_current* num = nullptr;
    categorical_current* cat = nullptr;
  };
  std::vector<slot> by_column;
  std::vector<std::unique_ptr<numeric_current>> numerics;
  std::vector<std::unique_ptr<categorical_current>> categoricals;
  std::uint64_t kept = 0, budget_values = 0, chunk = 0;
  bool folded = false;

  void row(const std::vector<std::string_view>& f) {
    for (std::size_t c = 0; c < by_column.size(); ++c) {
      const slot& s = by_column[c];
      const std::string_view cell = f[c];
      if (s.num != nullptr) {
        numeric_current& n = *s.num;
        if (cell.empty()) {
          ++n.missing;
          continue;
        }
        double v;
        std::uint32_t key;
        const cell_number kind = read_number<true>(cell, v, key);
        if (kind == cell_number::text) {
          ++n.non_numeric;
        } else if (kind == cell_number::plain && !std::isfinite(v)) {
          ++n.non_finite;
        } else {
          if (kind == cell_number::keyed && n.keyed) {
            n.keys.push_back(key);
          } else {
            n.unkey();
            n.values.push_back(kind == cell_number::keyed ? numkey::decode(key) : v);
          }
          if (folded) {
            if (n.values.size() >= chunk) n.flush();
          } else if (++kept > budget_values) {
            fold();
          }
        }
      } else if (s.cat != nullptr) {
        if (cell.empty()) ++s.cat->missing;
        else s.cat->add(cell);
      }
    }
  }
  // The kept values reached the memory budget: summarise every numeric
  // feature from here on (KS stays exact, W1 gets an error bound).
  void fold() {
    folded = true;
    for (auto& n : numerics) {
      if (!n) continue;
      n->flush();
      std::vector<double>().swap(n->values);
      n->values.reserve(chunk);
    }
  }
};

// Runs fn(k) for k in [0, n) on `threads` threads (k interleaved); the first
// exception in k order is rethrown.
void parallel_for(std::size_t n, unsigned threads, const std::function<void(std::size_t)>& fn) {
  std::vector<std::exception_ptr> errors(n);
  auto part = [&](unsigned t) {
    for (std::size_t k = t; k < n; k += threads) {
      try {
        fn(k);
      } catch (...) {
        errors[k] = std::current_exception();
      }
    }
  };
  if (threads <= 1 || n <= 1) {
    part(0);
    threads = 1;
  } else {
    std::thread other(part, 1u);
    part(0);
    other.join();
  }
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace

// ---- the comparison ------------------------------------------------------------

drift_outcome compute_drift(const drift_settings& s) {
  drift_outcome out;
  progress_line progress("driftwatch drift", s.progress);

  // 1. The reference header and the column selection.
  auto ref_scan = std::make_unique<csv_scan>(s.reference);
  const std::vector<std::string> ref_header = ref_scan->header();
  out.reference_gzip = ref_scan->gzip();
  auto in_reference = [&](const std::string& name) {
    return std::find(ref_header.begin(), ref_header.end(), name) != ref_header.end();
  };
  for (const auto& c : s.columns)
    if (!in_reference(c)) throw usage_error{"--columns / columns: no column '" + c + "' in " + s.reference};
  for (const auto& c : s.exclude)
    if (!in_reference(c)) throw usage_error{"--exclude / exclude: no column '" + c + "' in " + s.reference};
  for (const auto& kv : s.features)
    if (!in_reference(kv.first))
      throw usage_error{(kv.second.origin == "config" ? s.config_file + ": 'features." + kv.first + "'"
                                                      : std::string("--numeric / --categorical"))
                        + ": no column '" + kv.first + "' in " + s.reference};

  std::vector<std::unique_ptr<frozen_feature>> features;
  for (std::size_t i = 0; i < ref_header.size(); ++i) {
    const std::string& name = ref_header[i];
    const bool listed = s.columns.empty() || std::find(s.columns.begin(), s.columns.end(), name) != s.columns.end();
    const auto ov = s.features.find(name);
    const bool excluded = std::find(s.exclude.begin(), s.exclude.end(), name) != s.exclude.end() ||
                          (ov != s.features.end() && ov->second.exclude);
    if (!listed || excluded) {
      out.excluded.push_back(name);
      continue;
    }
    auto f = std::make_unique<frozen_feature>();
    f->name = name;
    f->ref_column = i;
    f->settings = settings_for(s, name);
    f->kind_source = f->settings.kind == kind_choice::infer ? "inferred" : ov->second.origin;
    features.push_back(std::move(f));
  }
  if (features.empty()) throw usage_error{"every column of " + s.reference + " is excluded: nothing to compare"};

  // 2. Read the reference whole.
  auto read_reference = [&](csv_scan& scan, bool only_dropped, std::vector<std::unique_ptr<ref_column>>& cols) {
    reference_worker w0, w1;
    for (auto* w : {&w0, &w1}) {
      w->by_column.assign(ref_header.size(), nullptr);
      for (std::size_t k = 0; k < features.size(); ++k) {
        auto col = std::make_unique<ref_column>();
        col->forced = features[k]->settings.kind;
        col->parse_numbers = col->forced != kind_choice::categorical && !only_dropped;
        col->track_categories = col->forced != kind_choice::numeric;
        col->cats.cap = s.max_distinct;
        if (only_dropped) {
          col->forced = kind_choice::categorical;
          if (!cols[k] || !cols[k]->dropped) {
            w->columns.push_back(nullptr);
            continue;
          }
        }
        w->by_column[features[k]->ref_column] = col.get();
        w->columns.push_back(std::move(col));
      }
    }
    const unsigned used = scan.run(w0, s.threads >= 2 ? &w1 : nullptr, progress);
    if (used == 2)
      for (std::size_t k = 0; k < features.size(); ++k)
        if (w0.columns[k]) w0.columns[k]->merge(*w1.columns[k]);
    cols = std::move(w0.columns);
    return used;
  };
  std::vector<std::unique_ptr<ref_column>> ref_cols;
  out.reference_threads = read_reference(*ref_scan, false, ref_cols);
  out.reference_rows = ref_scan->rows();
  ref_scan.reset();

  bool reread = false;
  for (std::size_t k = 0; k < features.size(); ++k) {
    frozen_feature& f = *features[k];
    ref_column& c = *ref_cols[k];
    if (c.present == 0)
      throw csv_error(s.reference + ": column '" + f.name + "' has no values (" + std::to_string(out.reference_rows) +
                      " rows, all empty)");
    if (f.settings.kind == kind_choice::numeric) f.kind = driftwatch::feature_kind::numeric;
    else if (f.settings.kind == kind_choice::categorical) f.kind = driftwatch::feature_kind::categorical;
    else f.kind = c.numerals > c.text ? driftwatch::feature_kind::numeric : driftwatch::feature_kind::categorical;
    if (f.kind == driftwatch::feature_kind::categorical && c.dropped) reread = true;
  }
  if (reread) {
    if (s.reference == "-")
      throw csv_error(s.reference + ": a column switched kind late in the file and standard input cannot be read "
                                    "twice; name its kind with --categorical or --numeric");
    csv_scan again(s.reference);
    std::vector<std::unique_ptr<ref_column>> cats = std::move(ref_cols);
    std::vector<std::unique_ptr<ref_column>> fresh;
    fresh.resize(features.size());
    for (std::size_t k = 0; k < features.size(); ++k)
      if (cats[k]->dropped) fresh[k] = std::move(cats[k]);
    // Only the dropped ones are read again (as categories).
    std::vector<std::unique_ptr<ref_column>> marks(features.size());
    for (std::size_t k = 0; k < features.size(); ++k)
      if (fresh[k]) marks[k] = std::make_unique<ref_column>(), marks[k]->dropped = true;
    read_reference(again, true, marks);
    for (std::size_t k = 0; k < features.size(); ++k) {
      if (!fresh[k]) continue;
      marks[k]->missing = fresh[k]->missing;
      marks[k]->present = fresh[k]->present;
      marks[k]->numerals = fresh[k]->numerals;
      marks[k]->text = fresh[k]->text;
      marks[k]->non_finite = fresh[k]->non_finite;
      cats[k] = std::move(marks[k]);
    }
    ref_cols = std::move(cats);
  }

  parallel_for(features.size(), s.threads, [&](std::size_t k) {
    frozen_feature& f = *features[k];
    ref_column& c = *ref_cols[k];
    f.reference.rows = out.reference_rows;
    f.reference.missing = c.missing;
    if (f.kind == driftwatch::feature_kind::numeric) {
      f.reference.non_finite = c.non_finite;
      f.reference.non_numeric = c.text;
      if (c.values.empty())
        throw csv_error(s.reference + ": column '" + f.name + "' has no finite number (" +
                        (c.numerals ? "all NaN or infinite" : "no numeral at all") + ")");
      {
        f.sorted_storage = sort_column(c.values);
        c.values.release();
        f.sorted = driftwatch::span<const double>(f.sorted_storage.data.get(), f.sorted_storage.size);
      }
      f.reference.valid = f.sorted.size();
      // The library's NumPy-exact edges (np.unique(np.quantile) / np.linspace,
      // finite and increasing where NumPy overflows: docs/cli-drift.md).
      f.reference_hist = std::make_unique<driftwatch::histogram>(
          f.settings.method == driftwatch::binning::uniform
              ? driftwatch::bin_edges::uniform(f.sorted[0], f.sorted[f.sorted.size() - 1], f.settings.bins)
              : driftwatch::bin_edges::from_sorted_quantiles(f.sorted, f.settings.bins));
      f.edges = f.reference_hist->edges().interior();
      f.reference_hist->observe(f.sorted);
    } else {
      f.categories = std::move(c.cats);
      f.reference.category_overflow = f.categories.overflow;
      std::uint64_t valid = 0;
      for (auto n : f.categories.counts) valid += n;
      f.reference.valid = valid + f.categories.overflow;
    }
    c = ref_column();
  });
  ref_cols.clear();

  // 3. Stream the current file.
  csv_scan cur_scan(s.current);
  out.current_gzip = cur_scan.gzip();
  const std::vector<std::string>& cur_header = cur_scan.header();
  for (const auto& name : ref_header)
    if (std::find(cur_header.begin(), cur_header.end(), name) == cur_header.end()) out.only_in_reference.push_back(name);
  for (const auto& name : cur_header)
    if (!in_reference(name)) out.only_in_current.push_back(name);
  std::vector<int> cur_column(features.size(), -1);
  std::size_t n_numeric = 0;
  for (std::size_t k = 0; k < features.size(); ++k) {
    const auto it = std::find(cur_header.begin(), cur_header.end(), features[k]->name);
    if (it != cur_header.end()) cur_column[k] = static_cast<int>(it - cur_header.begin());
    n_numeric += features[k]->kind == driftwatch::feature_kind::numeric;
  }
  bool any_common = false;
  for (int c : cur_column) any_common = any_common || c >= 0;
  if (!any_common)
    throw csv_error("no column is present in both " + s.reference + " and " + s.current + " (compare the header rows)");

  const unsigned workers = s.threads >= 2 ? 2 : 1;
  current_worker cw[2];
  for (unsigned w = 0; w < 2; ++w) {
    current_worker& x = cw[w];
    x.by_column.assign(cur_header.size(), {});
    // Half of each worker's share: a growing std::vector may hold up to twice
    // its size, so the capacity stays within the budget.
    x.budget_values = std::max<std::uint64_t>(1024, s.memory_budget / sizeof(double) / workers / 2);
    x.chunk = std::max<std::uint64_t>(4096, x.budget_values / 2 / std::max<std::size_t>(1, n_numeric));
    for (std::size_t k = 0; k < features.size(); ++k) {
      frozen_feature& f = *features[k];
      if (f.kind == driftwatch::feature_kind::numeric) {
        auto n = std::make_unique<numeric_current>();
        n->frozen = &f;
        n->hist = std::make_unique<driftwatch::histogram>(f.reference_hist->edges());
        if (cur_column[k] >= 0) x.by_column[static_cast<std::size_t>(cur_column[k])].num = n.get();
        x.numerics.push_back(std::move(n));
        x.categoricals.push_back(nullptr);
      } else {
        auto c = std::make_unique<categorical_current>();
        c->frozen = &f;
        c->known.assign(f.categories.table.size(), 0);
        c->fresh.cap = s.max_distinct;
        if (cur_column[k] >= 0) x.by_column[static_cast<std::size_t>(cur_column[k])].cat = c.get();
        x.categoricals.push_back(std::move(c));
        x.numerics.push_back(nullptr);
      }
    }
  }
  const unsigned used = cur_scan.run(cw[0], workers == 2 ? &cw[1] : nullptr, progress);
  progress.finish();
  out.current_threads = used;
  out.current_rows = cur_scan.rows();
  out.current_bytes = cur_scan.bytes();

  // 4. Merge the workers and compare.
  out.features.resize(features.size());
  parallel_for(features.size(), s.threads, [&](std::size_t k) {
    frozen_feature& f = *features[k];
    feature_result& r = out.features[k];
    r.name = f.name;
    r.kind = f.kind;
    r.kind_source = f.kind_source;
    r.settings = f.settings;
    r.reference = f.reference;
    r.current.rows = out.current_rows;
    r.edges = f.edges;
    if (cur_column[k] < 0) {
      r.status = feature_status::absent;
      r.current.rows = 0;
      r.invalid_reason = "the column is not in the current file";
      r.gate_failed = !s.allow_missing_columns;
      if (f.reference.rows > 0)
        r.missing_rate_reference = static_cast<double>(f.reference.missing) / static_cast<double>(f.reference.rows);
      if (s.ecdf_points > 0) {
        // The HTML page still draws the reference side (the current one is empty).
        if (f.kind == driftwatch::feature_kind::numeric) {
          r.histograms.push_back(*f.reference_hist);
          r.histograms.emplace_back(f.reference_hist->edges());
          sketch_exact(r.ecdf, f.sorted, nullptr, 0, r.ks, s.ecdf_points);
        } else {
          for (std::size_t i = 0; i < f.categories.table.size(); ++i) {
            r.category_names.push_back(f.categories.table.names()[i]);
            r.category_reference.push_back(f.categories.counts[i]);
            r.category_current.push_back(0);
          }
        }
      }
      return;
    }
    if (f.kind == driftwatch::feature_kind::numeric) {
      numeric_current& a = *cw[0].numerics[k];
      const bool two = used == 2;
      numeric_current* b = two ? cw[1].numerics[k].get() : nullptr;
      r.current.missing = a.missing + (b ? b->missing : 0);
      r.current.non_finite = a.non_finite + (b ? b->non_finite : 0);
      r.current.non_numeric = a.non_numeric + (b ? b->non_numeric : 0);
      const bool folded = a.summary || (b && b->summary) || cw[0].folded || (two && cw[1].folded);
      const bool keyed = !folded && a.keyed && (!b || b->keyed);
      if (!keyed) {
        a.unkey();
        if (b) b->unkey();
      }
      a.bin_rest();
      if (b) {
        b->bin_rest();
        *a.hist += *b->hist;
      }
      const std::uint64_t n_ref = f.sorted.size();
      if (folded) {
        a.flush();
        if (b) {
          b->flush();
          a.summary->merge(*b->summary);
        }
        r.current.valid = a.summary->total();
        r.current_values_summarised = true;
        if (r.current.valid > 0) {
          r.ks = a.summary->ks(n_ref);
          const auto w = a.summary->wasserstein(n_ref);
          r.wasserstein = w.first;
          r.wasserstein_error_bound = w.second;
          r.wasserstein_exact = false;
        }
        if (s.ecdf_points > 0) sketch_summary(r.ecdf, f.sorted, *a.summary, r.ks, s.ecdf_points);
      } else {
        if (b) {
          a.values.insert(a.values.end(), b->values.begin(), b->values.end());
          std::vector<double>().swap(b->values);
        }
        std::vector<std::uint32_t> none;
        const std::vector<std::uint32_t>& keys2 = b ? b->keys : none;  // read in place, not appended
        r.current.valid = keyed ? a.keys.size() + keys2.size() : a.values.size();
        if (r.current.valid > 0) {
          driftwatch::detail::sorted_sample cur =
              keyed ? sort_keys(a.keys.data(), a.keys.size(), keys2.data(), keys2.size())
                    : driftwatch::detail::sort_finite_radix(a.values.data(), a.values.size());
          std::vector<std::uint32_t>().swap(a.keys);
          if (b) std::vector<std::uint32_t>().swap(b->keys);
          std::vector<double>().swap(a.values);
          if (keyed) a.hist->observe(driftwatch::span<const double>(cur.data.get(), cur.size));
          const ks_w1 both = ks_and_w1_sorted(f.sorted.data(), f.sorted.size(), cur.data.get(), cur.size);
          r.ks = both.ks;
          r.wasserstein = both.w1;
          if (s.ecdf_points > 0) sketch_exact(r.ecdf, f.sorted, cur.data.get(), cur.size, r.ks, s.ecdf_points);
        } else if (s.ecdf_points > 0) {
          sketch_exact(r.ecdf, f.sorted, nullptr, 0, r.ks, s.ecdf_points);
        }
      }
      r.psi = driftwatch::psi(*f.reference_hist, *a.hist, s.epsilon);
      r.js = driftwatch::jensen_shannon(*f.reference_hist, *a.hist, s.js_base);
      r.hellinger = driftwatch::hellinger(*f.reference_hist, *a.hist);
      r.histograms.push_back(*f.reference_hist);
      r.histograms.push_back(*a.hist);
      a.summary.reset();
      if (b) b->summary.reset();
    } else {
      categorical_current& a = *cw[0].categoricals[k];
      if (used == 2) {
        categorical_current& b = *cw[1].categoricals[k];
        for (std::size_t i = 0; i < a.known.size(); ++i) a.known[i] += b.known[i];
        a.missing += b.missing;
        a.fresh.cap = s.max_distinct > f.categories.table.size() ? s.max_distinct - f.categories.table.size() : 0;
        b.fresh.cap = a.fresh.cap;
        a.fresh.merge(b.fresh);
      }
      r.current.missing = a.missing;
      r.current.category_overflow = a.fresh.overflow;
      const std::size_t nk = f.categories.table.size(), nf = a.fresh.table.size();
      const bool overflow = f.categories.overflow + a.fresh.overflow > 0;
      std::vector<double> ref(nk + nf + (overflow ? 1 : 0), 0.0), cur(ref.size(), 0.0);
      std::uint64_t valid = 0;
      for (std::size_t i = 0; i < nk; ++i) {
        ref[i] = static_cast<double>(f.categories.counts[i]);
        cur[i] = static_cast<double>(a.known[i]);
        valid += a.known[i];
        r.category_names.push_back(f.categories.table.names()[i]);
        r.category_reference.push_back(f.categories.counts[i]);
        r.category_current.push_back(a.known[i]);
      }
      for (std::size_t i = 0; i < nf; ++i) {
        cur[nk + i] = static_cast<double>(a.fresh.counts[i]);
        valid += a.fresh.counts[i];
        r.category_names.push_back(a.fresh.table.names()[i]);
        r.category_reference.push_back(0);
        r.category_current.push_back(a.fresh.counts[i]);
      }
      if (overflow) {
        // Categories beyond --max-distinct are pooled into one bucket on each
        // side: the counts stay whole, the metrics see them as one category.
        ref.back() = static_cast<double>(f.categories.overflow);
        cur.back() = static_cast<double>(a.fresh.overflow);
        valid += a.fresh.overflow;
      }
      r.current.valid = valid;
      r.categories = ref.size();
      r.psi = driftwatch::psi(ref, cur, s.epsilon);
      r.js = driftwatch::jensen_shannon(ref, cur, s.js_base);
      r.hellinger = driftwatch::hellinger(ref, cur);
      r.chi2 = driftwatch::chi_square(ref, cur);
    }
    if (f.reference.rows > 0)
      r.missing_rate_reference = static_cast<double>(f.reference.missing) / static_cast<double>(f.reference.rows);
    if (r.current.rows > 0)
      r.missing_rate_current = static_cast<double>(r.current.missing) / static_cast<double>(r.current.rows);
    if (r.current.valid == 0) {
      r.status = feature_status::no_valid_values;
      r.invalid_reason = r.current.rows == 0 ? "the current file has no rows" : "the current file has no valid value";
      r.gate_failed = !s.allow_empty_features;
    } else if (r.current.valid < f.settings.min_samples) {
      r.status = feature_status::insufficient;
      r.gate_failed = true;
    }
  });

  // 5. p-value correction across the features with a valid test, then verdicts.
  std::vector<double> raw;
  std::vector<std::size_t> where;
  for (std::size_t i = 0; i < out.features.size(); ++i) {
    const feature_result& r = out.features[i];
    if (!r.invalid_reason.empty()) continue;
    const bool num = r.kind == driftwatch::feature_kind::numeric;
    if (num ? r.ks.valid() : r.chi2.valid()) {
      raw.push_back(std::min(1.0, num ? r.ks.pvalue : r.chi2.pvalue));
      where.push_back(i);
    }
  }
  const std::vector<double> adjusted = driftwatch::adjust_pvalues(raw, s.correction);
  for (std::size_t k = 0; k < where.size(); ++k) out.features[where[k]].adjusted_pvalue = adjusted[k];
  for (auto& r : out.features) {
    const feature_settings& t = r.settings;
    r.reasons = 0;
    if (r.invalid_reason.empty()) {
      if (r.psi.valid() && r.psi.value > t.psi) r.reasons |= reason_psi;
      if (r.js.distance.valid() && r.js.distance.value > t.js_distance) r.reasons |= reason_js;
      if (!std::isnan(r.adjusted_pvalue)) {
        if (r.kind == driftwatch::feature_kind::numeric && r.adjusted_pvalue < t.ks_alpha) r.reasons |= reason_ks;
        if (r.kind == driftwatch::feature_kind::categorical && r.adjusted_pvalue < t.chi2_alpha) r.reasons |= reason_chi2;
      }
    }
    if (!std::isnan(r.missing_rate_reference) && !std::isnan(r.missing_rate_current) &&
        std::fabs(r.missing_rate_current - r.missing_rate_reference) > t.missing_rate)
      r.reasons |= reason_missing_rate;
    r.drift = r.reasons != 0;
  }
  return out;
}

}  // namespace driftwatch_cli
