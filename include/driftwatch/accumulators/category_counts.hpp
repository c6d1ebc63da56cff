// driftwatch::category_counts: counts of a categorical feature.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <driftwatch/accumulators/serialization.hpp>
#include <driftwatch/core/error.hpp>
#include <driftwatch/core/span.hpp>

namespace driftwatch {

/// Counts per category of a categorical feature, in first-seen order.
///
/// Guarantees:
/// - Counting a category already present never allocates, locks or throws:
///   O(log C) comparisons against a sorted index, no hashing.
/// - A category seen for the first time is added (one allocation for its name),
///   never dropped, up to `max_categories`; beyond that limit new categories are
///   counted in `overflow_count()` instead (bounded memory under hostile input).
///   Adding a new category is the only allocating path of operator().
/// - `a += b` adds counts by category name (the union of both category sets,
///   a's order first, then b's new ones). Exact and, up to category order,
///   associative and commutative: observe(A); observe(B) has the same counts
///   per name as observe(A) += observe(B).
class category_counts {
 public:
  static constexpr std::size_t default_max_categories = 100000;

  explicit category_counts(std::size_t max_categories = default_max_categories) : max_(max_categories) {
    if (max_categories == 0) detail::fail("category_counts: max_categories must be at least 1, got 0");
  }

  /// Counts one observation of `category` (`weight` times).
  /// Runs in the hot loop: measure before changing.
  void operator()(std::string_view category, std::uint64_t weight = 1) {
    auto it = find_slot(category);
    if (it != order_.end() && names_[*it] == category) {
      counts_[*it] += weight;
      return;
    }
    if (names_.size() >= max_) {
      overflow_ += weight;
      return;
    }
    const auto index = static_cast<std::uint32_t>(names_.size());
    names_.emplace_back(category);
    counts_.push_back(weight);
    order_.insert(it, index);
  }

  /// Counts every category of `values`.
  template <class Range>
  void observe(const Range& values) {
    for (const auto& v : values) (*this)(std::string_view(v));
  }

  /// Adds `category` with a zero count if absent (to fix a category set up front).
  void add_category(std::string_view category) { (*this)(category, 0); }

  /// Merges counts by category name (see class comment). Throws only if the
  /// union would exceed this accumulator's max_categories, naming both sizes;
  /// in that case nothing is changed.
  category_counts& operator+=(const category_counts& other) {
    std::size_t new_names = 0;
    for (const auto& name : other.names_)
      if (index_of(name) == npos) ++new_names;
    if (names_.size() + new_names > max_)
      detail::fail("category_counts::operator+=: the union has " + std::to_string(names_.size() + new_names) +
                   " categories, more than max_categories = " + std::to_string(max_));
    for (std::size_t i = 0; i < other.names_.size(); ++i) (*this)(other.names_[i], other.counts_[i]);
    overflow_ += other.overflow_;
    return *this;
  }

  void reset() noexcept {
    for (auto& c : counts_) c = 0;
    overflow_ = 0;
  }

  static constexpr std::size_t npos = std::numeric_limits<std::size_t>::max();

  /// Position of `category` in names()/counts(), or npos.
  std::size_t index_of(std::string_view category) const noexcept {
    auto it = find_slot(category);
    return (it != order_.end() && names_[*it] == category) ? *it : npos;
  }
  /// The count of `category` (0 if never seen).
  std::uint64_t count(std::string_view category) const noexcept {
    const std::size_t i = index_of(category);
    return i == npos ? 0 : counts_[i];
  }

  /// Category names in first-seen order, and their counts (same positions).
  const std::vector<std::string>& names() const noexcept { return names_; }
  const std::vector<std::uint64_t>& counts() const noexcept { return counts_; }
  std::size_t size() const noexcept { return names_.size(); }
  /// Total observations counted in categories (excludes overflow).
  std::uint64_t count() const noexcept {
    std::uint64_t total = 0;
    for (auto c : counts_) total += c;
    return total;
  }
  /// Observations of new categories refused because max_categories was reached.
  std::uint64_t overflow_count() const noexcept { return overflow_; }
  std::size_t max_categories() const noexcept { return max_; }
  /// Every string is a valid category, so nothing is invalid (the accumulator
  /// contract's counter); refused new categories are in overflow_count().
  std::uint64_t invalid_count() const noexcept { return 0; }

  /// State format (accumulators/serialization.hpp). Payload: u64 max, u64 n,
  /// n x (string name, u64 count) in first-seen order (names distinct,
  /// n <= max), u64 overflow.
  static constexpr state_type state_tag = state_type::category_counts;
  static constexpr const char* state_name = "category_counts";
  static constexpr std::uint16_t state_version = 1;
  void save_state(detail::byte_writer& w) const {
    const category_counts& c = *this;
    w.u64(c.max_);
    w.u64(c.names_.size());
    for (std::size_t i = 0; i < c.names_.size(); ++i) {
      w.string(c.names_[i]);
      w.u64(c.counts_[i]);
    }
    w.u64(c.overflow_);
  }
  static category_counts load_state(detail::byte_reader& r, const deserialize_limits& = {}) {
    std::size_t at = r.position();
    const std::uint64_t max = r.u64("max_categories");
    if (max == 0) r.fail_at(at, "max_categories is 0");
    if (max > std::numeric_limits<std::size_t>::max()) r.fail_at(at, "max_categories does not fit size_t");
    category_counts c(static_cast<std::size_t>(max));
    at = r.position();
    const std::uint64_t n = r.count(16, "number of categories");
    if (n > max) r.fail_at(at, std::to_string(n) + " categories exceed max_categories = " + std::to_string(max));
    if (n > std::numeric_limits<std::uint32_t>::max()) r.fail_at(at, "too many categories");
    c.names_.reserve(static_cast<std::size_t>(n));
    c.counts_.reserve(static_cast<std::size_t>(n));
    std::uint64_t total = 0;
    for (std::uint64_t i = 0; i < n; ++i) {
      c.names_.push_back(r.string("category name"));
      const std::uint64_t count = r.u64("category count");
      if (count > std::numeric_limits<std::uint64_t>::max() - total)
        r.fail_at(r.position() - 8, "category counts overflow");
      total += count;
      c.counts_.push_back(count);
    }
    c.overflow_ = r.u64("category overflow count");
    c.order_.resize(c.names_.size());
    for (std::size_t i = 0; i < c.order_.size(); ++i) c.order_[i] = static_cast<std::uint32_t>(i);
    std::sort(c.order_.begin(), c.order_.end(),
              [&](std::uint32_t a, std::uint32_t b) { return c.names_[a] < c.names_[b]; });
    for (std::size_t i = 1; i < c.order_.size(); ++i)
      if (c.names_[c.order_[i - 1]] == c.names_[c.order_[i]])
        r.fail_here("category '" + c.names_[c.order_[i]] + "' appears twice");
    return c;
  }

 private:
  std::vector<std::uint32_t>::const_iterator find_slot(std::string_view category) const noexcept {
    return std::lower_bound(order_.begin(), order_.end(), category,
                            [this](std::uint32_t i, std::string_view key) { return std::string_view(names_[i]) < key; });
  }

  std::size_t max_;
  std::vector<std::string> names_;
  std::vector<std::uint64_t> counts_;
  std::vector<std::uint32_t> order_;  // indices into names_, sorted by name
  std::uint64_t overflow_ = 0;
};

/// Counts of two category accumulators aligned on the union of their
/// categories: a's categories in a's order, then b's categories absent from a.
/// This is the bin set docs/design.md prescribes for categorical drift metrics.
struct aligned_category_counts {
  std::vector<std::string> names;
  std::vector<double> reference;
  std::vector<double> current;
};

inline aligned_category_counts align(const category_counts& reference, const category_counts& current) {
  aligned_category_counts out;
  out.names = reference.names();
  for (auto c : reference.counts()) out.reference.push_back(static_cast<double>(c));
  out.current.assign(out.names.size(), 0.0);
  for (std::size_t i = 0; i < current.names().size(); ++i) {
    const std::size_t j = reference.index_of(current.names()[i]);
    const auto c = static_cast<double>(current.counts()[i]);
    if (j == category_counts::npos) {
      out.names.push_back(current.names()[i]);
      out.reference.push_back(0.0);
      out.current.push_back(c);
    } else {
      out.current[j] = c;
    }
  }
  return out;
}

}  // namespace driftwatch
