// Policies of the templated accumulators (basic_histogram,
// basic_category_counts, basic_ks_stream): what a count is, whether an
// observation carries a weight, and how the instantiation is named in a
// serialized state. docs/accumulators.md shows each policy with an example and
// says when to pick it.
//
//   weight:  unweighted        -- every observation counts 1 (integer counts)
//            weighted          -- observation x with weight w >= 0 adds w
//                                 (counts are double sums, plus the sum of w^2
//                                 for Kish's effective sample size)
//   storage: counter64         -- std::uint64_t per counter (today's behaviour)
//            counter32         -- std::uint32_t per counter, half the memory; a
//                                 counter that would pass 2^32 - 1 saturates and
//                                 the observation is counted in saturated_count()
//                                 (never a silent wrap; metrics refuse such a state)
//            atomic_counter64  -- std::atomic<std::uint64_t> per counter, relaxed
//                                 increments: one accumulator shared by threads
//
// A weighted accumulator keeps double sums whatever the storage, so its storage
// is counter64 (static_assert otherwise).
#pragma once

#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

namespace driftwatch {

/// Weight policy: every observation counts 1.
struct unweighted {
  static constexpr bool is_weighted = false;
  static constexpr unsigned code = 0;
  static constexpr const char* name = "unweighted";
};
/// Weight policy: each observation carries a weight w >= 0 (finite); counts are
/// double sums of weights. A negative, NaN or infinite weight is an invalid
/// observation (counted in invalid_count(), never added).
struct weighted {
  static constexpr bool is_weighted = true;
  static constexpr unsigned code = 1;
  static constexpr const char* name = "weighted";
};

/// Storage policy: one std::uint64_t per counter (the default).
struct counter64 {
  using cell = std::uint64_t;
  static constexpr bool is_atomic = false;
  static constexpr bool saturates = false;
  static constexpr unsigned code = 0;
  static constexpr const char* name = "counter64";
};
/// Storage policy: one std::uint32_t per counter. Increments saturate at
/// 2^32 - 1; each observation that did not fit is counted in saturated_count().
struct counter32 {
  using cell = std::uint32_t;
  static constexpr bool is_atomic = false;
  static constexpr bool saturates = true;
  static constexpr unsigned code = 1;
  static constexpr const char* name = "counter32";
};
/// Storage policy: one std::atomic<std::uint64_t> per counter, incremented with
/// relaxed fetch_add: any number of threads may observe into one accumulator
/// concurrently. Reads (counts, merge, copy, serialize) load each counter once,
/// relaxed: while writers run, a read is a consistent value per counter, not a
/// snapshot of all counters at one instant.
struct atomic_counter64 {
  using cell = std::atomic<std::uint64_t>;
  static constexpr bool is_atomic = true;
  static constexpr bool saturates = false;
  static constexpr unsigned code = 2;
  static constexpr const char* name = "atomic_counter64";
};

namespace detail {

/// Kish's effective sample size (sum w)^2 / sum w^2, 0 when sum w^2 is 0:
/// the effective_count() of every weighted accumulator.
constexpr double kish_effective_size(double sum_w, double sum_w2) noexcept {
  return sum_w2 > 0 ? sum_w * sum_w / sum_w2 : 0.0;
}

/// The sum of squared weights of a weighted accumulator's state, read from a
/// state reader (detail::byte_reader); the load fails, naming the field, if
/// it is negative or not finite.
template <class Reader>
double read_sum_w2(Reader& r) {
  const double v = r.f64("sum of squared weights");
  if (!(v >= 0) || !std::isfinite(v)) r.fail_at(r.position() - 8, "sum of squared weights is negative or not finite");
  return v;
}

template <class T>
struct is_weight_policy : std::bool_constant<std::is_same<T, unweighted>::value || std::is_same<T, weighted>::value> {};
template <class T>
struct is_storage_policy
    : std::bool_constant<std::is_same<T, counter64>::value || std::is_same<T, counter32>::value ||
                         std::is_same<T, atomic_counter64>::value> {};

/// Value types of the numeric accumulators: double, float, the integer types.
template <class T>
struct is_accumulator_value
    : std::bool_constant<std::is_arithmetic<T>::value && !std::is_same<T, bool>::value &&
                         !std::is_same<T, long double>::value> {};

/// The value type's code in a state's type number (bits 8-11).
template <class T>
constexpr unsigned value_code() noexcept {
  if (std::is_same<T, double>::value) return 0;
  if (std::is_same<T, float>::value) return 1;
  // integers by width and signedness: 8 -> 2/3, 16 -> 4/5, 32 -> 6/7, 64 -> 8/9
  const unsigned width = sizeof(T) == 1 ? 0 : sizeof(T) == 2 ? 1 : sizeof(T) == 4 ? 2 : 3;
  return 2 + 2 * width + (std::is_signed<T>::value ? 0 : 1);
}
inline const char* value_code_name(unsigned code) noexcept {
  static const char* const names[] = {"double", "float",    "int8_t",  "uint8_t",  "int16_t",
                                      "uint16_t", "int32_t", "uint32_t", "int64_t", "uint64_t"};
  return code < 10 ? names[code] : "unknown value type";
}

/// A state's type number for an instantiation: the family number (the
/// default instantiation's, e.g. 1 for histogram) in the low byte, and
/// value code | weight << 4 | storage << 5 in the high byte. The default
/// instantiation (double, unweighted, counter64) keeps its family number, so
/// its states are byte for byte those of the concrete classes before.
constexpr std::uint16_t instantiation_tag(std::uint16_t family, unsigned value, unsigned weight,
                                          unsigned storage) noexcept {
  return static_cast<std::uint16_t>(family | ((value | (weight << 4) | (storage << 5)) << 8));
}

/// "histogram<float, weighted, counter64>" for a type number with a non-zero
/// high byte; empty when the high byte is zero (a default instantiation, or a
/// type that is no template) unless `even_default`.
inline std::string instantiation_name(std::uint16_t tag, bool even_default = false) {
  const unsigned family = tag & 0xffu, code = tag >> 8;
  if (code == 0 && !even_default) return std::string();
  const char* fam = family == 1 ? "histogram" : family == 2 ? "category_counts" : family == 8 ? "ks_stream" : nullptr;
  if (!fam) return "state of type " + std::to_string(tag);
  const unsigned storage = (code >> 5) & 3u;
  const char* st = storage == 0 ? "counter64" : storage == 1 ? "counter32" : storage == 2 ? "atomic_counter64" : "?";
  const char* w = ((code >> 4) & 1u) ? "weighted" : "unweighted";
  std::string out = std::string(fam) + "<";
  if (family != 2) out += std::string(value_code_name(code & 15u)) + ", ";
  out += w;
  // ks_stream names its storage only when it is not the default counter64
  // (its names before the storage parameter: "ks_stream<double, weighted>").
  if (family != 8 || storage != 0) out += std::string(", ") + st;
  return out + ">";
}

/// Saturating add of n to a 32-bit counter: returns what did not fit.
inline std::uint64_t add_saturating(std::uint32_t& cell, std::uint64_t n) noexcept {
  const std::uint64_t room = std::numeric_limits<std::uint32_t>::max() - cell;
  const std::uint64_t fit = n < room ? n : room;
  cell = static_cast<std::uint32_t>(cell + fit);
  return n - fit;
}

/// Adds n to a counter cell of any storage; returns the observations that did
/// not fit (always 0 except for a saturated counter32). noexcept, no lock.
inline std::uint64_t cell_add(std::uint64_t& cell, std::uint64_t n) noexcept {
  cell += n;
  return 0;
}
inline std::uint64_t cell_add(std::uint32_t& cell, std::uint64_t n) noexcept { return add_saturating(cell, n); }
inline std::uint64_t cell_add(std::atomic<std::uint64_t>& cell, std::uint64_t n) noexcept {
  cell.fetch_add(n, std::memory_order_relaxed);
  return 0;
}
inline std::uint64_t cell_load(const std::uint64_t& c) noexcept { return c; }
inline std::uint64_t cell_load(const std::uint32_t& c) noexcept { return c; }
inline std::uint64_t cell_load(const std::atomic<std::uint64_t>& c) noexcept {
  return c.load(std::memory_order_relaxed);
}
inline double cell_load(const double& c) noexcept { return c; }
inline void cell_store(std::uint64_t& c, std::uint64_t v) noexcept { c = v; }
inline void cell_store(std::uint32_t& c, std::uint64_t v) noexcept { c = static_cast<std::uint32_t>(v); }
inline void cell_store(std::atomic<std::uint64_t>& c, std::uint64_t v) noexcept {
  c.store(v, std::memory_order_relaxed);
}
inline void cell_store(double& c, double v) noexcept { c = v; }

/// A std::atomic<std::uint64_t> that is a value (copy and move load once,
/// relaxed): the invalid counter of an atomic_counter64 accumulator.
struct relaxed_atomic_u64 {
  std::atomic<std::uint64_t> v;
  relaxed_atomic_u64(std::uint64_t x = 0) noexcept : v(x) {}
  relaxed_atomic_u64(const relaxed_atomic_u64& o) noexcept : v(o.v.load(std::memory_order_relaxed)) {}
  relaxed_atomic_u64& operator=(const relaxed_atomic_u64& o) noexcept {
    v.store(o.v.load(std::memory_order_relaxed), std::memory_order_relaxed);
    return *this;
  }
};
inline std::uint64_t cell_add(relaxed_atomic_u64& c, std::uint64_t n) noexcept { return cell_add(c.v, n); }
inline std::uint64_t cell_load(const relaxed_atomic_u64& c) noexcept { return cell_load(c.v); }
inline void cell_store(relaxed_atomic_u64& c, std::uint64_t v) noexcept { cell_store(c.v, v); }

/// A fixed-size, allocator-aware array of atomic counters (std::vector cannot
/// hold atomics): the container of atomic_counter64 storage. Copying loads
/// every counter once (relaxed); moving steals the buffer (noexcept).
template <class Allocator>
class atomic_cells {
 public:
  using value_type = std::atomic<std::uint64_t>;
  using allocator_type = typename std::allocator_traits<Allocator>::template rebind_alloc<value_type>;
  using traits = std::allocator_traits<allocator_type>;

  atomic_cells(std::size_t n, std::uint64_t value, const allocator_type& alloc) : alloc_(alloc) { init(n, value); }
  atomic_cells(const atomic_cells& o)
      : alloc_(traits::select_on_container_copy_construction(o.alloc_)) {
    init(o.size_, 0);
    for (std::size_t i = 0; i < size_; ++i) data_[i].store(o[i].load(std::memory_order_relaxed), std::memory_order_relaxed);
  }
  atomic_cells(atomic_cells&& o) noexcept : alloc_(o.alloc_), data_(o.data_), size_(o.size_), capacity_(o.capacity_) {
    o.data_ = nullptr;
    o.size_ = o.capacity_ = 0;
  }
  // Assignment keeps this container's allocator (as std::pmr containers do):
  // it steals the buffer when the allocators are equal, else copies the counts.
  atomic_cells& operator=(const atomic_cells& o) {
    if (this != &o) {
      if (o.size_ != size_) {
        release();
        init(o.size_, 0);
      }
      for (std::size_t i = 0; i < size_; ++i) data_[i].store(o[i].load(std::memory_order_relaxed), std::memory_order_relaxed);
    }
    return *this;
  }
  atomic_cells& operator=(atomic_cells&& o) noexcept(traits::is_always_equal::value) {
    if (this == &o) return *this;
    if (alloc_ == o.alloc_) {
      release();
      data_ = o.data_;
      size_ = o.size_;
      capacity_ = o.capacity_;
      o.data_ = nullptr;
      o.size_ = o.capacity_ = 0;
      return *this;
    }
    return *this = static_cast<const atomic_cells&>(o);
  }
  ~atomic_cells() { release(); }

  /// Appends a counter (configuration time: not concurrent with anything).
  void push_back(std::uint64_t value) {
    if (size_ == capacity_) {
      const std::size_t cap = capacity_ ? 2 * capacity_ : 8;
      value_type* bigger = traits::allocate(alloc_, cap);
      for (std::size_t i = 0; i < size_; ++i)
        ::new (static_cast<void*>(bigger + i)) value_type(data_[i].load(std::memory_order_relaxed));
      const std::size_t n = size_;
      release();
      data_ = bigger;
      size_ = n;
      capacity_ = cap;
    }
    construct_back(value);
  }
  std::size_t size() const noexcept { return size_; }
  value_type& operator[](std::size_t i) noexcept { return data_[i]; }
  const value_type& operator[](std::size_t i) const noexcept { return data_[i]; }
  value_type* begin() noexcept { return data_; }
  value_type* end() noexcept { return data_ + size_; }
  const value_type* begin() const noexcept { return data_; }
  const value_type* end() const noexcept { return data_ + size_; }
  allocator_type get_allocator() const noexcept { return alloc_; }

 private:
  void init(std::size_t n, std::uint64_t value) {
    reserve_exact(n);
    for (std::size_t i = 0; i < n; ++i) construct_back(value);
  }
  void reserve_exact(std::size_t n) {
    if (n == 0) return;
    data_ = traits::allocate(alloc_, n);
    capacity_ = n;
  }
  void construct_back(std::uint64_t value) noexcept { ::new (static_cast<void*>(data_ + size_++)) value_type(value); }
  void release() noexcept {
    if (data_) traits::deallocate(alloc_, data_, capacity_);
    data_ = nullptr;
    size_ = capacity_ = 0;
  }

  allocator_type alloc_;
  value_type* data_ = nullptr;
  std::size_t size_ = 0, capacity_ = 0;
};

}  // namespace detail
}  // namespace driftwatch
