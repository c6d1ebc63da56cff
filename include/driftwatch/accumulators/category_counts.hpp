// driftwatch::basic_category_counts / category_counts: counts of a categorical feature.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <driftwatch/accumulators/serialization.hpp>
#include <driftwatch/accumulators/storage.hpp>
#include <driftwatch/core/error.hpp>
#include <driftwatch/core/fwd.hpp>
#include <driftwatch/core/span.hpp>

namespace driftwatch {

/// Counts per category of a categorical feature, in first-seen order.
///
/// A class template over what users vary (accumulators/storage.hpp,
/// docs/accumulators.md): the Weight (unweighted: c(name, n) adds the integer
/// n, default 1; weighted: c(name, w) adds w >= 0, counts are double sums and
/// a negative / non-finite weight is counted in invalid_count()), the Storage
/// of the counts (counter64; counter32, saturating into saturated_count();
/// atomic_counter64, see below) and the Allocator (of the names, counts and
/// index). `category_counts` is basic_category_counts<unweighted, counter64,
/// std::allocator<...>>: today's behaviour, types and state bytes.
///
/// Guarantees:
/// - Counting a category already present never allocates, locks or throws:
///   O(log C) comparisons against a sorted index, no hashing.
/// - A category seen for the first time is added (one allocation for its name),
///   never dropped, up to `max_categories`; beyond that limit new categories are
///   counted in `overflow_count()` instead (bounded memory under hostile input).
///   Adding a new category is the only allocating path of operator().
/// - atomic_counter64: the category set is fixed by add_category() (or a merge
///   or load) before threads count; operator() then only increments (relaxed
///   atomics, any number of threads) and counts a category outside the set in
///   overflow_count(), never inserting it (an insert could not be lock-free).
/// - `a += b` adds counts by category name (the union of both category sets,
///   a's order first, then b's new ones). Exact for integer counts and, up to
///   category order, associative and commutative: observe(A); observe(B) has
///   the same counts per name as observe(A) += observe(B). Weighted sums are
///   exact up to floating-point rounding, which depends on the order of the
///   additions.
/// (Default arguments, declared in core/fwd.hpp: unweighted, counter64,
/// std::allocator<char>.)
template <class Weight, class Storage, class Allocator>
class basic_category_counts {
  static_assert(detail::is_weight_policy<Weight>::value, "basic_category_counts: Weight must be unweighted or weighted");
  static_assert(detail::is_storage_policy<Storage>::value,
                "basic_category_counts: Storage must be counter64, counter32 or atomic_counter64");
  static_assert(!Weight::is_weighted || std::is_same<Storage, counter64>::value,
                "basic_category_counts: a weighted accumulator keeps double sums; its Storage is counter64");
  template <class T>
  using alloc_of = typename std::allocator_traits<Allocator>::template rebind_alloc<T>;

 public:
  static constexpr bool is_weighted = Weight::is_weighted;
  using weight_policy = Weight;
  using storage_policy = Storage;
  using allocator_type = Allocator;
  /// What count(name) and count() return: std::uint64_t, or double when weighted.
  using count_type = std::conditional_t<is_weighted, double, std::uint64_t>;
  /// What one observation adds: an integer repeat count, or a weight.
  using increment_type = count_type;
  using cell_type = std::conditional_t<is_weighted, double, typename Storage::cell>;
  using string_type = std::basic_string<char, std::char_traits<char>, alloc_of<char>>;
  using names_type = std::vector<string_type, alloc_of<string_type>>;
  using container_type = std::conditional_t<Storage::is_atomic, detail::atomic_cells<alloc_of<std::uint64_t>>,
                                            std::vector<cell_type, alloc_of<cell_type>>>;

  static constexpr std::size_t default_max_categories = 100000;

  explicit basic_category_counts(std::size_t max_categories = default_max_categories,
                                 const Allocator& alloc = Allocator())
      : max_(max_categories), names_(alloc_of<string_type>(alloc)), counts_(make_counts(alloc)),
        order_(alloc_of<std::uint32_t>(alloc)) {
    if (max_categories == 0) detail::fail("category_counts: max_categories must be at least 1, got 0");
  }

  /// Counts one observation of `category` (`n` times, or with weight `n`).
  /// Runs in the hot loop: measure before changing.
  void operator()(std::string_view category, increment_type n = increment_type(1)) {
    if constexpr (is_weighted) {
      if (!(n >= 0) || !std::isfinite(n)) {
        ++invalid_;
        return;
      }
    }
    add(category, n, !Storage::is_atomic);
  }

  /// Counts every category of `values`.
  template <class Range>
  void observe(const Range& values) {
    for (const auto& v : values) (*this)(std::string_view(v));
  }

  /// Counts every values[i] with weight weights[i] (weighted only). Throws
  /// driftwatch::error if the lengths differ, before counting anything.
  template <class Range, class W = Weight, class = std::enable_if_t<W::is_weighted>>
  void observe(const Range& values, span<const double> weights) {
    std::size_t n = 0;
    for (auto it = std::begin(values); it != std::end(values); ++it) ++n;
    if (n != weights.size())
      detail::fail("category_counts::observe: " + std::to_string(n) + " values but " +
                   std::to_string(weights.size()) + " weights");
    std::size_t i = 0;
    for (const auto& v : values) (*this)(std::string_view(v), weights[i++]);
  }

  /// Adds `category` with a zero count if absent (to fix a category set up
  /// front; the only way to add one to an atomic_counter64 accumulator).
  void add_category(std::string_view category) { add(category, count_type(0), true); }

  /// Merges counts by category name (see class comment). Throws only if the
  /// union would exceed this accumulator's max_categories, naming both sizes;
  /// in that case nothing is changed.
  basic_category_counts& operator+=(const basic_category_counts& other) {
    std::size_t new_names = 0;
    for (const auto& name : other.names_)
      if (index_of(name) == npos) ++new_names;
    if (names_.size() + new_names > max_)
      detail::fail("category_counts::operator+=: the union has " + std::to_string(names_.size() + new_names) +
                   " categories, more than max_categories = " + std::to_string(max_));
    for (std::size_t i = 0; i < other.names_.size(); ++i)
      add(other.names_[i], static_cast<count_type>(detail::cell_load(other.counts_[i])), true);
    detail::cell_add(overflow_, detail::cell_load(other.overflow_));
    saturated_ += other.saturated_;
    invalid_ += other.invalid_;
    sum_w2_ += other.sum_w2_;
    return *this;
  }

  void reset() noexcept {
    for (auto& c : counts_) detail::cell_store(c, 0);
    detail::cell_store(overflow_, 0);
    saturated_ = invalid_ = 0;
    sum_w2_ = 0;
  }

  static constexpr std::size_t npos = std::numeric_limits<std::size_t>::max();

  /// Position of `category` in names()/counts(), or npos.
  std::size_t index_of(std::string_view category) const noexcept {
    auto it = find_slot(category);
    return (it != order_.end() && std::string_view(names_[*it]) == category) ? *it : npos;
  }
  /// The count of `category` (0 if never seen).
  count_type count(std::string_view category) const noexcept {
    const std::size_t i = index_of(category);
    return i == npos ? count_type(0) : count_at(i);
  }
  /// The count at position i of names().
  count_type count_at(std::size_t i) const noexcept { return detail::cell_load(counts_[i]); }

  /// Category names in first-seen order, and their counts (same positions).
  const names_type& names() const noexcept { return names_; }
  const container_type& counts() const noexcept { return counts_; }
  std::size_t size() const noexcept { return names_.size(); }
  /// Total observations (weights) counted in categories (excludes overflow).
  count_type count() const noexcept {
    count_type total = 0;
    for (const auto& c : counts_) total += detail::cell_load(c);
    return total;
  }
  /// Observations of new categories refused because max_categories was reached
  /// (atomic_counter64: of categories outside the fixed set).
  std::uint64_t overflow_count() const noexcept { return detail::cell_load(overflow_); }
  std::size_t max_categories() const noexcept { return max_; }
  /// Every string is a valid category, so only a weighted accumulator has
  /// invalid observations (negative or non-finite weights).
  std::uint64_t invalid_count() const noexcept { return invalid_; }
  /// counter32: observations not counted because their counter was at 2^32 - 1.
  std::uint64_t saturated_count() const noexcept { return saturated_; }
  /// Sum of squared weights of the counted observations (= count() unweighted).
  double sum_of_squared_weights() const noexcept {
    if constexpr (is_weighted)
      return sum_w2_;
    else
      return static_cast<double>(count());
  }
  /// Kish's effective sample size (sum w)^2 / sum w^2 (= count() unweighted; 0 if empty).
  double effective_count() const noexcept {
    return detail::kish_effective_size(static_cast<double>(count()), sum_of_squared_weights());
  }

  /// State format (accumulators/serialization.hpp). Type number 2 for
  /// `category_counts`; other instantiations carry weight and storage in the
  /// high byte. Payload: u64 max, u64 n, n x (string name, u64 count; weighted:
  /// f64) in first-seen order (names distinct, n <= max), u64 overflow;
  /// counter32 adds u64 saturated; weighted adds u64 invalid, f64 sum of
  /// squared weights.
  static constexpr state_type state_tag = state_type{detail::instantiation_tag(2, 0, Weight::code, Storage::code)};
  static constexpr const char* state_name = "category_counts";
  static constexpr std::uint16_t state_version = 1;
  void save_state(detail::byte_writer& w) const {
    w.u64(max_);
    w.u64(names_.size());
    for (std::size_t i = 0; i < names_.size(); ++i) {
      if constexpr (std::is_same<string_type, std::string>::value)
        w.string(names_[i]);
      else
        w.string(std::string(names_[i].data(), names_[i].size()));
      if constexpr (is_weighted)
        w.f64(counts_[i]);
      else
        w.u64(detail::cell_load(counts_[i]));
    }
    w.u64(overflow_count());
    if constexpr (Storage::saturates) w.u64(saturated_);
    if constexpr (is_weighted) {
      w.u64(invalid_);
      w.f64(sum_w2_);
    }
  }
  static basic_category_counts load_state(detail::byte_reader& r, const deserialize_limits& = {}) {
    std::size_t at = r.position();
    const std::uint64_t max = r.u64("max_categories");
    if (max == 0) r.fail_at(at, "max_categories is 0");
    if (max > std::numeric_limits<std::size_t>::max()) r.fail_at(at, "max_categories does not fit size_t");
    basic_category_counts c(static_cast<std::size_t>(max));
    at = r.position();
    const std::uint64_t n = r.count(16, "number of categories");
    if (n > max) r.fail_at(at, std::to_string(n) + " categories exceed max_categories = " + std::to_string(max));
    if (n > std::numeric_limits<std::uint32_t>::max()) r.fail_at(at, "too many categories");
    c.names_.reserve(static_cast<std::size_t>(n));
    if constexpr (!Storage::is_atomic) c.counts_.reserve(static_cast<std::size_t>(n));
    std::uint64_t total = 0;
    for (std::uint64_t i = 0; i < n; ++i) {
      const std::string name = r.string("category name");
      c.names_.emplace_back(name.data(), name.size());
      if constexpr (is_weighted) {
        const double v = r.f64("category weight");
        if (!(v >= 0) || !std::isfinite(v)) r.fail_at(r.position() - 8, "category weight is negative or not finite");
        c.counts_.push_back(v);
      } else {
        const std::uint64_t count = r.u64("category count");
        if (count > std::numeric_limits<std::uint64_t>::max() - total)
          r.fail_at(r.position() - 8, "category counts overflow");
        if (Storage::saturates && count > std::numeric_limits<std::uint32_t>::max())
          r.fail_at(r.position() - 8, "category count does not fit a 32-bit counter");
        total += count;
        if constexpr (Storage::is_atomic)
          c.counts_.push_back(count);
        else
          c.counts_.push_back(static_cast<cell_type>(count));
      }
    }
    detail::cell_store(c.overflow_, r.u64("category overflow count"));
    if constexpr (Storage::saturates) c.saturated_ = r.u64("category saturated count");
    if constexpr (is_weighted) {
      c.invalid_ = r.u64("category invalid count");
      c.sum_w2_ = detail::read_sum_w2(r);
    }
    c.order_.resize(c.names_.size());
    for (std::size_t i = 0; i < c.order_.size(); ++i) c.order_[i] = static_cast<std::uint32_t>(i);
    std::sort(c.order_.begin(), c.order_.end(),
              [&](std::uint32_t a, std::uint32_t b) { return c.names_[a] < c.names_[b]; });
    for (std::size_t i = 1; i < c.order_.size(); ++i)
      if (c.names_[c.order_[i - 1]] == c.names_[c.order_[i]])
        r.fail_here("category '" + std::string(c.names_[c.order_[i]]) + "' appears twice");
    return c;
  }

 private:
  // Only a counter32 can leave observations out; atomic storages never touch
  // the plain saturated_ counter from the (concurrent) hot path.
  void add_saturated(std::uint64_t n) noexcept {
    if constexpr (Storage::saturates)
      saturated_ += n;
    else
      (void)n;
  }
  using overflow_cell = std::conditional_t<Storage::is_atomic, detail::relaxed_atomic_u64, std::uint64_t>;

  static container_type make_counts(const Allocator& alloc) {
    if constexpr (Storage::is_atomic)
      return container_type(0, 0, alloc_of<std::uint64_t>(alloc));
    else
      return container_type(alloc_of<cell_type>(alloc));
  }

  typename std::vector<std::uint32_t, alloc_of<std::uint32_t>>::const_iterator find_slot(
      std::string_view category) const noexcept {
    return std::lower_bound(order_.begin(), order_.end(), category, [this](std::uint32_t i, std::string_view key) {
      return std::string_view(names_[i]) < key;
    });
  }

  // Counts n for `category`; inserts a new category when `insert` (and there
  // is room), else counts the observation in overflow.
  void add(std::string_view category, count_type n, bool insert) {
    auto it = find_slot(category);
    if (it != order_.end() && std::string_view(names_[*it]) == category) {
      bump(*it, n);
      return;
    }
    if (!insert || names_.size() >= max_) {
      if constexpr (is_weighted)
        detail::cell_add(overflow_, 1);
      else
        detail::cell_add(overflow_, n);
      return;
    }
    const auto index = static_cast<std::uint32_t>(names_.size());
    names_.emplace_back(category.data(), category.size());  // pmr: uses-allocator construction
    counts_.push_back(0);
    order_.insert(it, index);
    bump(index, n);
  }
  void bump(std::size_t i, count_type n) noexcept {
    if constexpr (is_weighted) {
      counts_[i] += n;
      sum_w2_ += n * n;
    } else {
      add_saturated(detail::cell_add(counts_[i], n));
    }
  }

  std::size_t max_;
  names_type names_;
  container_type counts_;
  std::vector<std::uint32_t, alloc_of<std::uint32_t>> order_;  // indices into names_, sorted by name
  overflow_cell overflow_{0};
  std::uint64_t saturated_ = 0, invalid_ = 0;
  double sum_w2_ = 0;

  template <class, class, class>
  friend class basic_category_counts;
};

/// The default instantiation: integer 64-bit counts, std::allocator.
using category_counts = basic_category_counts<>;

namespace detail {
template <class T>
struct is_basic_category_counts : std::false_type {};
template <class W, class S, class A>
struct is_basic_category_counts<basic_category_counts<W, S, A>> : std::true_type {};
}  // namespace detail

/// Counts of two category accumulators aligned on the union of their
/// categories: a's categories in a's order, then b's categories absent from a.
/// This is the bin set docs/design.md prescribes for categorical drift metrics.
struct aligned_category_counts {
  std::vector<std::string> names;
  std::vector<double> reference;
  std::vector<double> current;
};

/// align() of any two basic_category_counts instantiations (weighted ones
/// give their weight sums).
template <class W1, class S1, class A1, class W2, class S2, class A2>
aligned_category_counts align(const basic_category_counts<W1, S1, A1>& reference,
                              const basic_category_counts<W2, S2, A2>& current) {
  aligned_category_counts out;
  for (const auto& n : reference.names()) out.names.emplace_back(n.data(), n.size());
  for (std::size_t i = 0; i < reference.size(); ++i) out.reference.push_back(static_cast<double>(reference.count_at(i)));
  out.current.assign(out.names.size(), 0.0);
  for (std::size_t i = 0; i < current.names().size(); ++i) {
    const std::string_view name(current.names()[i]);
    const std::size_t j = reference.index_of(name);
    const auto c = static_cast<double>(current.count_at(i));
    if (j == reference.npos) {
      out.names.emplace_back(name);
      out.reference.push_back(0.0);
      out.current.push_back(c);
    } else {
      out.current[j] = c;
    }
  }
  return out;
}

}  // namespace driftwatch
