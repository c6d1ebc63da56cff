// driftwatch windows over mergeable accumulators: tumbling (by count, by
// time), sliding (a ring of sub-window accumulators, merged when read),
// exponentially decaying bin weights, and a reference that stays frozen until
// refreshed on command. Time comes from an injectable clock.
//
// Windows are single-threaded value types like the accumulators they hold. To
// window a stream observed from many threads, observe into a concurrent<A>
// and feed its take() deltas to a window's add() (docs/concurrency.md).
#pragma once

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <driftwatch/accumulators/bin_edges.hpp>
#include <driftwatch/monitors/concurrent.hpp>  // windows are fed by concurrent<A>::take()
#include <driftwatch/core/error.hpp>
#include <driftwatch/accumulators/histogram.hpp>

namespace driftwatch {

/// A clock driven by hand, for tests and simulations: now() returns what was
/// last set. Copies share the same time, so a test keeps one copy and hands
/// another to the window. Meets the Clock requirements of the windows below
/// (like std::chrono clocks: duration, time_point, now()).
class manual_clock {
 public:
  using rep = std::int64_t;
  using period = std::nano;
  using duration = std::chrono::nanoseconds;
  using time_point = std::chrono::time_point<manual_clock, duration>;
  static constexpr bool is_steady = false;

  manual_clock() : now_(std::make_shared<std::atomic<rep>>(0)) {}
  time_point now() const noexcept { return time_point(duration(now_->load(std::memory_order_relaxed))); }
  void set(time_point t) noexcept { now_->store(t.time_since_epoch().count(), std::memory_order_relaxed); }
  void advance(duration d) noexcept { now_->fetch_add(d.count(), std::memory_order_relaxed); }

 private:
  std::shared_ptr<std::atomic<rep>> now_;
};

namespace detail {
template <class Clock>
typename Clock::duration check_positive(typename Clock::duration d, const char* who) {
  if (d <= Clock::duration::zero())
    detail::fail(std::string(who) + ": the window length must be positive, got " + std::to_string(d.count()) +
                 " ticks");
  return d;
}
}  // namespace detail

/// Consecutive, non-overlapping windows of `size` observations each. The
/// observation that fills a window closes it: it becomes last_closed() and a
/// new empty window starts.
/// - observe: A's update plus a counter increment; closing a window swaps two
///   accumulators and resets one (no allocation for driftwatch accumulators).
/// - A "observation" is one call of operator()/observe/apply, whatever it
///   carries (one value, or one request's metrics).
template <class A>
class tumbling_count_window {
 public:
  /// `prototype` fixes the configuration; throws driftwatch::error if size == 0.
  tumbling_count_window(A prototype, std::uint64_t size)
      : prototype_(std::move(prototype)), current_(prototype_), closed_(prototype_), size_(size) {
    if (size == 0) detail::fail("tumbling_count_window: the window size must be at least 1, got 0");
    prototype_.reset();
    current_.reset();
    closed_.reset();
  }

  /// Observes into the current window; returns true if this observation
  /// completed (closed) it. Runs in the hot loop: measure before changing.
  template <class... Args>
  bool operator()(Args&&... args) {
    current_(std::forward<Args>(args)...);
    return counted();
  }
  template <class... Args>
  bool observe(Args&&... args) {
    current_.observe(std::forward<Args>(args)...);
    return counted();
  }
  template <class F>
  bool apply(F&& f) {
    f(current_);
    return counted();
  }

  /// The window being filled, and how many observations it has.
  const A& current() const noexcept { return current_; }
  std::uint64_t current_count() const noexcept { return n_; }
  /// The most recently closed window (empty until one closes).
  const A& last_closed() const noexcept { return closed_; }
  /// Number of windows closed so far.
  std::uint64_t windows_closed() const noexcept { return closed_count_; }
  std::uint64_t size() const noexcept { return size_; }

  /// Restores a window saved before a restart (each accumulator through
  /// serialize/deserialize, plus current_count()). Throws driftwatch::error if
  /// current_count >= size; A's configuration is the caller's to match.
  void restore(A current, std::uint64_t current_count, A last_closed) {
    if (current_count >= size_)
      detail::fail("tumbling_count_window::restore: current_count " + std::to_string(current_count) +
                   " must be below the window size " + std::to_string(size_));
    current_ = std::move(current);
    closed_ = std::move(last_closed);
    n_ = current_count;
  }

 private:
  bool counted() {
    if (++n_ < size_) return false;
    using std::swap;
    swap(current_, closed_);
    current_.reset();
    n_ = 0;
    ++closed_count_;
    return true;
  }

  A prototype_;
  A current_;
  A closed_;
  std::uint64_t size_;
  std::uint64_t n_ = 0;
  std::uint64_t closed_count_ = 0;
};

/// Consecutive windows of fixed duration [start + i*length, start + (i+1)*length),
/// aligned on the time of construction (or `start`). The window is rotated
/// when an observation (or advance()) arrives at or after the current
/// window's end; last_closed() is then the most recent complete window, which
/// is empty if whole windows passed without any observation.
/// - observe: one clock read, a comparison, A's update; no allocation when
///   rotating (swap + reset).
template <class A, class Clock = std::chrono::steady_clock>
class tumbling_time_window {
 public:
  using clock_type = Clock;
  using duration = typename Clock::duration;
  using time_point = typename Clock::time_point;

  /// Throws driftwatch::error if length <= 0.
  tumbling_time_window(A prototype, duration length, Clock clock = Clock{})
      : tumbling_time_window(std::move(prototype), length, clock, clock.now()) {}
  tumbling_time_window(A prototype, duration length, Clock clock, time_point start)
      : prototype_(std::move(prototype)),
        current_(prototype_),
        closed_(prototype_),
        length_(detail::check_positive<Clock>(length, "tumbling_time_window")),
        clock_(std::move(clock)),
        start_(start) {
    prototype_.reset();
    current_.reset();
    closed_.reset();
  }

  /// Observes at clock.now() (rotating first if the window ended).
  /// Runs in the hot loop: measure before changing.
  template <class... Args>
  void operator()(Args&&... args) {
    advance();
    current_(std::forward<Args>(args)...);
  }
  template <class... Args>
  void observe(Args&&... args) {
    advance();
    current_.observe(std::forward<Args>(args)...);
  }
  template <class F>
  void apply(F&& f) {
    advance();
    f(current_);
  }
  /// Merges an already aggregated delta (e.g. concurrent<A>::take()) into the
  /// window that is current now.
  void add(const A& delta) {
    advance();
    current_ += delta;
  }

  /// Rotates if the current window has ended; returns true if it did.
  /// Call from a timer or before reading when observations may be sparse.
  bool advance() { return advance_to(clock_.now()); }
  bool advance_to(time_point now) {
    if (now < start_ + length_) return false;
    const auto k = (now - start_) / length_;  // whole windows elapsed, >= 1
    using std::swap;
    if (k == 1) {
      swap(current_, closed_);
    } else {
      closed_.reset();
      skipped_ += static_cast<std::uint64_t>(k - 1);
    }
    current_.reset();
    start_ += k * length_;
    closed_count_ += static_cast<std::uint64_t>(k);
    return true;
  }

  const A& current() const noexcept { return current_; }
  const A& last_closed() const noexcept { return closed_; }
  /// Start of the current window; the last closed one is [start - length, start).
  time_point current_start() const noexcept { return start_; }
  duration length() const noexcept { return length_; }
  std::uint64_t windows_closed() const noexcept { return closed_count_; }
  /// Windows that closed without ever being current at an observation (gaps).
  std::uint64_t windows_skipped() const noexcept { return skipped_; }
  const Clock& clock() const noexcept { return clock_; }

  /// Restores a window saved before a restart: the two accumulators (through
  /// serialize/deserialize) and current_start(). The next observation rotates
  /// as if the process had never stopped -- which needs a clock whose time
  /// points survive a restart (std::chrono::system_clock, not steady_clock).
  void restore(A current, A last_closed, time_point current_start) {
    current_ = std::move(current);
    closed_ = std::move(last_closed);
    start_ = current_start;
  }

 private:
  A prototype_;
  A current_;
  A closed_;
  duration length_;
  Clock clock_;
  time_point start_;
  std::uint64_t closed_count_ = 0;
  std::uint64_t skipped_ = 0;
};

/// A sliding window of about `buckets` x `bucket_width` of time, kept as a
/// ring of `buckets` sub-window accumulators: observations go to the newest
/// bucket; when a bucket's time is over the ring advances and the oldest
/// bucket is reset and reused. merged() is the merge of the live buckets, so
/// it covers between (buckets - 1) and buckets bucket widths of the most
/// recent time (the resolution is one bucket).
/// - observe: one clock read, A's update; advancing resets buckets in place
///   (no allocation for driftwatch accumulators).
/// - merged(): O(buckets x state), allocates the result.
/// - Memory: `buckets` + 1 copies of A.
template <class A, class Clock = std::chrono::steady_clock>
class sliding_window {
 public:
  using clock_type = Clock;
  using duration = typename Clock::duration;
  using time_point = typename Clock::time_point;

  /// Throws driftwatch::error if buckets == 0 or bucket_width <= 0.
  sliding_window(A prototype, std::size_t buckets, duration bucket_width, Clock clock = Clock{})
      : sliding_window(std::move(prototype), buckets, bucket_width, clock, clock.now()) {}
  sliding_window(A prototype, std::size_t buckets, duration bucket_width, Clock clock, time_point start)
      : prototype_(std::move(prototype)),
        width_(detail::check_positive<Clock>(bucket_width, "sliding_window")),
        clock_(std::move(clock)),
        head_start_(start) {
    if (buckets == 0) detail::fail("sliding_window: the number of buckets must be at least 1, got 0");
    prototype_.reset();
    ring_.assign(buckets, prototype_);
  }

  /// Observes into the newest bucket at clock.now().
  /// Runs in the hot loop: measure before changing.
  template <class... Args>
  void operator()(Args&&... args) {
    advance();
    ring_[head_](std::forward<Args>(args)...);
  }
  template <class... Args>
  void observe(Args&&... args) {
    advance();
    ring_[head_].observe(std::forward<Args>(args)...);
  }
  template <class F>
  void apply(F&& f) {
    advance();
    f(ring_[head_]);
  }
  /// Merges an aggregated delta (e.g. concurrent<A>::take()) into the newest bucket.
  void add(const A& delta) {
    advance();
    ring_[head_] += delta;
  }

  /// Expires the buckets whose time is over. Returns how many were reset.
  std::size_t advance() { return advance_to(clock_.now()); }
  std::size_t advance_to(time_point now) {
    if (now < head_start_ + width_) return 0;
    const auto k = (now - head_start_) / width_;
    const std::size_t steps = static_cast<std::uint64_t>(k) < ring_.size() ? static_cast<std::size_t>(k) : ring_.size();
    for (std::size_t i = 0; i < steps; ++i) {
      head_ = (head_ + 1) % ring_.size();
      ring_[head_].reset();
    }
    head_start_ += k * width_;
    return steps;
  }

  /// The merge of the live buckets, oldest first, after expiring old ones.
  A merged() {
    advance();
    return merged_as_of_last_advance();
  }
  /// The merge of the buckets as they are (no clock read).
  A merged_as_of_last_advance() const {
    A out = prototype_;
    for (std::size_t i = 1; i <= ring_.size(); ++i) out += ring_[(head_ + i) % ring_.size()];
    return out;
  }

  /// Bucket i, 0 = oldest ... buckets()-1 = newest (current).
  const A& bucket(std::size_t i) const { return ring_.at((head_ + 1 + i) % ring_.size()); }
  std::size_t buckets() const noexcept { return ring_.size(); }
  duration bucket_width() const noexcept { return width_; }
  /// Start of the newest bucket's time span.
  time_point newest_bucket_start() const noexcept { return head_start_; }
  const Clock& clock() const noexcept { return clock_; }

  /// Restores a window saved before a restart: every bucket, oldest first (as
  /// bucket(0..buckets()-1), each through serialize/deserialize), and
  /// newest_bucket_start(). Buckets that expired while the process was down
  /// are dropped at the next advance -- with a clock whose time points survive
  /// a restart (std::chrono::system_clock, not steady_clock). Throws
  /// driftwatch::error if the number of buckets differs.
  void restore(std::vector<A> oldest_first, time_point newest_bucket_start) {
    if (oldest_first.size() != ring_.size())
      detail::fail("sliding_window::restore: got " + std::to_string(oldest_first.size()) + " buckets, the window has " +
                   std::to_string(ring_.size()));
    ring_ = std::move(oldest_first);
    head_ = ring_.size() - 1;
    head_start_ = newest_bucket_start;
  }

 private:
  A prototype_;
  std::vector<A> ring_;
  std::size_t head_ = 0;
  duration width_;
  Clock clock_;
  time_point head_start_;
};

/// A sliding window over the last observations, as a ring of `buckets`
/// sub-windows of `bucket_size` observations each: merged() covers the last
/// between (buckets - 1) x bucket_size and buckets x bucket_size observations
/// (exactly the last buckets x bucket_size once the newest bucket is full).
template <class A>
class sliding_count_window {
 public:
  /// Throws driftwatch::error if buckets == 0 or bucket_size == 0.
  sliding_count_window(A prototype, std::size_t buckets, std::uint64_t bucket_size)
      : prototype_(std::move(prototype)), size_(bucket_size) {
    if (buckets == 0) detail::fail("sliding_count_window: the number of buckets must be at least 1, got 0");
    if (bucket_size == 0) detail::fail("sliding_count_window: the bucket size must be at least 1, got 0");
    prototype_.reset();
    ring_.assign(buckets, prototype_);
  }

  /// Runs in the hot loop: measure before changing.
  template <class... Args>
  void operator()(Args&&... args) {
    rotate();
    ring_[head_](std::forward<Args>(args)...);
  }
  template <class... Args>
  void observe(Args&&... args) {
    rotate();
    ring_[head_].observe(std::forward<Args>(args)...);
  }
  template <class F>
  void apply(F&& f) {
    rotate();
    f(ring_[head_]);
  }

  /// The merge of the live buckets, oldest first. Allocates the result.
  A merged() const {
    A out = prototype_;
    for (std::size_t i = 1; i <= ring_.size(); ++i) out += ring_[(head_ + i) % ring_.size()];
    return out;
  }
  /// Observations currently covered by merged().
  std::uint64_t count() const noexcept { return covered_; }
  std::size_t buckets() const noexcept { return ring_.size(); }
  std::uint64_t bucket_size() const noexcept { return size_; }

 private:
  void rotate() {
    if (in_head_ == size_) {
      head_ = (head_ + 1) % ring_.size();
      ring_[head_].reset();
      in_head_ = 0;
      if (covered_ > (ring_.size() - 1) * size_) covered_ = (ring_.size() - 1) * size_;
    }
    ++in_head_;
    ++covered_;
  }

  A prototype_;
  std::vector<A> ring_;
  std::size_t head_ = 0;
  std::uint64_t size_;
  std::uint64_t in_head_ = 0;
  std::uint64_t covered_ = 0;
};

/// Exponentially decaying bin weights of a numeric feature over frozen bins:
/// an observation made at time t weighs 2^-((now - t) / half_life) now. The
/// weights feed the drift metrics that take weights (psi, jensen_shannon,
/// hellinger on span<const double>) against a reference histogram's counts.
/// Decay is meaningful for proportions (this histogram); for means and
/// variances use a sliding_window of mean_accumulator instead.
///
/// Forward decay (Cormode et al., ICDE 2009): an observation adds
/// g = 2^((t - landmark) / half_life) to its bin; weights at `now` are the
/// sums times 2^-((now - landmark) / half_life). The landmark moves forward
/// (rescaling every sum, O(B)) when g would exceed 2^64, so sums stay finite.
/// - observe: one clock read, one exp2, one binary search; no allocation.
/// - Observations with a time before the last one are accepted (weighed by
///   their own time). NaN/+-Inf values go to a decaying invalid weight.
template <class Clock = std::chrono::steady_clock>
class decaying_histogram {
 public:
  using duration = typename Clock::duration;
  using time_point = typename Clock::time_point;

  /// Throws driftwatch::error if half_life <= 0.
  decaying_histogram(bin_edges edges, duration half_life, Clock clock = Clock{})
      : edges_(std::move(edges)),
        sums_(edges_.bin_count(), 0.0),
        half_life_(detail::check_positive<Clock>(half_life, "decaying_histogram")),
        clock_(std::move(clock)),
        landmark_(clock_.now()) {}

  /// Runs in the hot loop: measure before changing.
  void operator()(double x) noexcept { observe_at(x, clock_.now()); }
  void observe_at(double x, time_point t) noexcept {
    double e = exponent(t);
    if (e > 64.0) {
      rescale(t);
      e = 0.0;
    }
    const double g = std::exp2(e);
    if (!std::isfinite(x)) {
      invalid_ += g;
      return;
    }
    sums_[edges_.index(x)] += g;
  }

  /// Per-bin weights as of clock.now() (allocates the result).
  std::vector<double> weights() const { return weights_at(clock_.now()); }
  std::vector<double> weights_at(time_point now) const {
    const double f = std::exp2(-exponent(now));
    std::vector<double> w(sums_.size());
    for (std::size_t i = 0; i < w.size(); ++i) w[i] = sums_[i] * f;
    return w;
  }
  /// Sum of the bin weights at `now` (the effective number of observations).
  double total_weight_at(time_point now) const noexcept {
    double s = 0.0;
    for (double v : sums_) s += v;
    return s * std::exp2(-exponent(now));
  }
  double invalid_weight_at(time_point now) const noexcept { return invalid_ * std::exp2(-exponent(now)); }

  void reset() noexcept {
    for (auto& s : sums_) s = 0.0;
    invalid_ = 0.0;
  }
  const bin_edges& edges() const noexcept { return edges_; }
  duration half_life() const noexcept { return half_life_; }

 private:
  double exponent(time_point t) const noexcept {
    return std::chrono::duration<double>(t - landmark_).count() / std::chrono::duration<double>(half_life_).count();
  }
  void rescale(time_point t) noexcept {
    const double f = std::exp2(-exponent(t));
    for (auto& s : sums_) s *= f;
    invalid_ *= f;
    landmark_ = t;
  }

  bin_edges edges_;
  std::vector<double> sums_;
  double invalid_ = 0.0;
  duration half_life_;
  Clock clock_;
  time_point landmark_;
};

/// The reference side of a drift comparison: frozen (it never changes by
/// itself, whatever the current window does) until refresh() replaces it on
/// command -- e.g. with the last closed window after a deliberate retraining.
/// lock() makes refresh() throw until unlock(), for references that must
/// never move (a regulatory baseline).
template <class A>
class reference_window {
 public:
  explicit reference_window(A reference) : reference_(std::move(reference)) {}

  const A& get() const noexcept { return reference_; }

  /// Replaces the reference (copy; allocates). Throws driftwatch::error if
  /// locked. Increments generation() so readers can tell.
  void refresh(const A& replacement) {
    if (locked_) detail::fail("reference_window::refresh: the reference is locked (call unlock() first)");
    reference_ = replacement;
    ++generation_;
  }
  void lock() noexcept { locked_ = true; }
  void unlock() noexcept { locked_ = false; }
  bool locked() const noexcept { return locked_; }
  /// Number of refreshes so far (0 = the reference it was built with).
  std::uint64_t generation() const noexcept { return generation_; }

 private:
  A reference_;
  bool locked_ = false;
  std::uint64_t generation_ = 0;
};

}  // namespace driftwatch
