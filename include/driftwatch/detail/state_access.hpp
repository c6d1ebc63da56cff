// The payload encoders and decoders of the state format (serialization.hpp).
// state_access is a friend of every serializable accumulator: it reads their
// raw state and rebuilds them, validating every invariant the public API would
// have kept, so a decoded object is one the library could have produced.
// Users must not touch this header.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <driftwatch/bin_edges.hpp>
#include <driftwatch/canary.hpp>
#include <driftwatch/category_counts.hpp>
#include <driftwatch/detail/byte_io.hpp>
#include <driftwatch/histogram.hpp>
#include <driftwatch/monitor.hpp>
#include <driftwatch/multiple_testing.hpp>
#include <driftwatch/ranking.hpp>
#include <driftwatch/ranking_accumulator.hpp>

namespace driftwatch {

/// Bounds a decoder enforces on what a state may make it allocate beyond its
/// own size (see deserialize).
struct deserialize_limits {
  /// drift_monitor reserves max_current_samples doubles per numeric feature
  /// so that observe never allocates; a state asking for more than this many
  /// bytes in total is rejected.
  std::size_t max_reserved_bytes = std::size_t{1} << 30;
};

namespace detail {

struct state_access {
  // ---- bin_edges: u8 kind, u64 n, n x f64 (finite, strictly increasing)
  static void write(byte_writer& w, const bin_edges& e) {
    w.u8(static_cast<std::uint8_t>(e.kind_));
    w.u64(e.edges_.size());
    for (double x : e.edges_) w.f64(x);
  }
  static bin_edges read_edges(byte_reader& r) {
    const std::uint8_t kind = r.u8("bin_edges kind");
    if (kind > static_cast<std::uint8_t>(binning::explicit_edges))
      r.fail_at(r.position() - 1, "unknown binning kind " + std::to_string(kind));
    const std::uint64_t n = r.count(8, "number of bin edges");
    std::vector<double> edges;
    edges.reserve(static_cast<std::size_t>(n));
    for (std::uint64_t i = 0; i < n; ++i) {
      const double x = r.f64("bin edge");
      if (!std::isfinite(x)) r.fail_at(r.position() - 8, "bin edge " + std::to_string(i) + " is not finite");
      if (i > 0 && !(edges.back() < x))
        r.fail_at(r.position() - 8, "bin edges are not strictly increasing at edge " + std::to_string(i));
      edges.push_back(x);
    }
    return bin_edges(std::move(edges), static_cast<binning>(kind));
  }

  // ---- histogram: edges, u64 bins (= edges + 1), bins x u64, u64 invalid
  static void write(byte_writer& w, const histogram& h) {
    write(w, h.edges_);
    w.u64(h.counts_.size());
    for (auto c : h.counts_) w.u64(c);
    w.u64(h.invalid_);
  }
  static histogram read_histogram(byte_reader& r) {
    histogram h(read_edges(r));
    const std::size_t at = r.position();
    const std::uint64_t bins = r.count(8, "number of histogram bins");
    if (bins != h.counts_.size())
      r.fail_at(at, "histogram has " + std::to_string(bins) + " counts for " + std::to_string(h.counts_.size()) +
                        " bins");
    std::uint64_t total = 0;
    for (auto& c : h.counts_) {
      c = r.u64("bin count");
      if (c > std::numeric_limits<std::uint64_t>::max() - total) r.fail_at(r.position() - 8, "bin counts overflow");
      total += c;
    }
    h.invalid_ = r.u64("histogram invalid count");
    return h;
  }

  // ---- category_counts: u64 max, u64 n, n x (string name, u64 count) in
  //      first-seen order (names distinct, n <= max), u64 overflow
  static void write(byte_writer& w, const category_counts& c) {
    w.u64(c.max_);
    w.u64(c.names_.size());
    for (std::size_t i = 0; i < c.names_.size(); ++i) {
      w.string(c.names_[i]);
      w.u64(c.counts_[i]);
    }
    w.u64(c.overflow_);
  }
  static category_counts read_category_counts(byte_reader& r) {
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

  // ---- mean_accumulator: u64 count, u64 invalid, f64 mean, f64 m2
  static void write(byte_writer& w, const mean_accumulator& m) {
    w.u64(m.count_);
    w.u64(m.invalid_);
    w.f64(m.mean_);
    w.f64(m.m2_);
  }
  static mean_accumulator read_mean(byte_reader& r) {
    const std::size_t at = r.position();
    mean_accumulator m;
    m.count_ = r.u64("mean count");
    m.invalid_ = r.u64("mean invalid count");
    m.mean_ = r.f64("mean");
    m.m2_ = r.f64("sum of squared deviations");
    if (!std::isfinite(m.mean_) || !std::isfinite(m.m2_) || m.m2_ < 0)
      r.fail_at(at, "mean accumulator holds a non-finite mean or a negative/non-finite M2");
    if (m.count_ == 0 && (m.mean_ != 0 || m.m2_ != 0)) r.fail_at(at, "empty mean accumulator with a non-zero mean");
    return m;
  }

  // ---- ranking_accumulator: string version, u64 k, policy (5 x u8, i32),
  //      8 x mean_accumulator (equal counts), u64 skipped, u64 rejected
  static void write(byte_writer& w, const ranking_accumulator& a) {
    w.string(a.version_);
    w.u64(a.k());
    const ranking_policy& p = a.policy();
    w.u8(static_cast<std::uint8_t>(p.precision));
    w.u8(static_cast<std::uint8_t>(p.ap_at_k));
    w.u8(static_cast<std::uint8_t>(p.gain));
    w.u8(static_cast<std::uint8_t>(p.ties));
    w.u8(static_cast<std::uint8_t>(p.no_relevant));
    w.i32(p.relevance_level);
    for (const auto& m : a.metrics_) write(w, m);
    w.u64(a.skipped_);
    w.u64(a.rejected_);
  }
  static std::uint8_t enum_byte(byte_reader& r, unsigned max, const char* what) {
    const std::uint8_t v = r.u8(what);
    if (v > max) r.fail_at(r.position() - 1, std::string("unknown ") + what + " " + std::to_string(v));
    return v;
  }
  static ranking_accumulator read_ranking(byte_reader& r) {
    std::string version = r.string("model version");
    std::size_t at = r.position();
    const std::uint64_t k = r.u64("k");
    if (k == 0 || k > std::numeric_limits<std::size_t>::max()) r.fail_at(at, "k must be at least 1");
    ranking_policy p;
    p.precision = static_cast<precision_denominator>(enum_byte(r, 2, "precision denominator"));
    p.ap_at_k = static_cast<ap_normalizer>(enum_byte(r, 1, "AP@k normalizer"));
    p.gain = static_cast<gain_function>(enum_byte(r, 2, "gain function"));
    p.ties = static_cast<tie_policy>(enum_byte(r, 3, "tie policy"));
    p.no_relevant = static_cast<no_relevant_policy>(enum_byte(r, 1, "no-relevant policy"));
    at = r.position();
    p.relevance_level = r.i32("relevance level");
    if (p.relevance_level < 1) r.fail_at(at, "relevance level must be at least 1");
    ranking_accumulator a(std::move(version), static_cast<std::size_t>(k), p);
    at = r.position();
    for (auto& m : a.metrics_) m = read_mean(r);
    for (const auto& m : a.metrics_)
      if (m.count_ != a.metrics_[0].count_) r.fail_at(at, "ranking metrics have different counts");
    a.skipped_ = r.u64("skipped requests");
    a.rejected_ = r.u64("rejected requests");
    return a;
  }

  // ---- paired_comparison: 3 x mean_accumulator (equal counts), u64 invalid
  static void write(byte_writer& w, const paired_comparison& c) {
    write(w, c.baseline_);
    write(w, c.canary_);
    write(w, c.difference_);
    w.u64(c.invalid_);
  }
  static paired_comparison read_paired(byte_reader& r) {
    const std::size_t at = r.position();
    paired_comparison c;
    c.baseline_ = read_mean(r);
    c.canary_ = read_mean(r);
    c.difference_ = read_mean(r);
    if (c.baseline_.count_ != c.canary_.count_ || c.canary_.count_ != c.difference_.count_)
      r.fail_at(at, "paired comparison sides have different counts");
    c.invalid_ = r.u64("invalid pairs");
    return c;
  }

  // ---- welch_comparison: 2 x mean_accumulator
  static void write(byte_writer& w, const welch_comparison& c) {
    write(w, c.baseline_);
    write(w, c.canary_);
  }
  static welch_comparison read_welch(byte_reader& r) {
    welch_comparison c;
    c.baseline_ = read_mean(r);
    c.canary_ = read_mean(r);
    return c;
  }

  // ---- drift_monitor, layout version 2 (version 1 below):
  //      config: u64 bins, u8 method, f64 psi_epsilon, f64 js_base,
  //        4 x f64 thresholds, u8 correction, u64 max_current_samples,
  //        u64 exact_wasserstein_samples;
  //      u64 features, then per feature: string name, u8 kind,
  //        u64 missing_reference, u64 missing_current, 4 x f64 thresholds,
  //        u8 excluded, and
  //      numeric: reference histogram, current histogram (same edges),
  //        u64 n + n x f64 sorted reference (n = reference count, finite,
  //        ascending), u64 s + s x u64 window slot counts (s = 2d + 1 for d
  //        distinct reference values), u64 window count (= sum of the slots
  //        + unplaced), u64 unplaced, f64 lowest, f64 highest, 4 x f64 tail
  //        sums scaled by 2^-64 (below sum, compensation, above sum,
  //        compensation),
  //        u64 m + m x f64 raw sample (m <= window count), u8 truncated,
  //        u64 truncated count;
  //      categorical: reference category_counts, current category_counts.
  //      A compact (concurrent<> shard) window is written in the wide layout.
  // ---- version 1: config without exact_wasserstein_samples; per feature no
  //      thresholds/excluded; numeric: the two histograms, the sorted
  //      reference, u64 m + m x f64 current sample (the first m values of the
  //      window, m <= max_current_samples), u8 truncated. Read and converted:
  //      the sample was the whole KS window, so the window state is rebuilt
  //      from it (a truncated window stays truncated, with the version-1 cap).
  static void write(byte_writer& w, const drift_monitor& m) {
    const monitor_config& c = m.config_;
    w.u64(c.bins);
    w.u8(static_cast<std::uint8_t>(c.method));
    w.f64(c.psi_epsilon);
    w.f64(c.js_base);
    w.f64(c.thresholds.psi);
    w.f64(c.thresholds.js_distance);
    w.f64(c.thresholds.ks_pvalue);
    w.f64(c.thresholds.chi2_pvalue);
    w.u8(static_cast<std::uint8_t>(c.pvalue_correction));
    w.u64(c.max_current_samples);
    w.u64(c.exact_wasserstein_samples);
    w.u64(m.features_.size());
    for (const auto& slot : m.features_) {
      w.string(slot.name);
      w.u8(static_cast<std::uint8_t>(slot.kind));
      w.u64(slot.missing_reference);
      w.u64(slot.missing_current);
      w.f64(slot.thresholds.psi);
      w.f64(slot.thresholds.js_distance);
      w.f64(slot.thresholds.ks_pvalue);
      w.f64(slot.thresholds.chi2_pvalue);
      w.boolean(slot.excluded);
      if (slot.kind == feature_kind::numeric) {
        const auto& f = m.numerics_[slot.index];
        write(w, f.reference_hist);
        write(w, f.current_hist);
        const std::vector<double> sorted = f.reference->sorted();
        w.u64(sorted.size());
        for (double x : sorted) w.f64(x);
        w.u64(f.window.size());
        for (std::size_t s = 0; s < f.window.size(); ++s) w.u64(f.window[s]);
        w.u64(f.ks_count);
        w.u64(f.window.unplaced());
        w.f64(f.lowest);
        w.f64(f.highest);
        w.f64(f.below_sum.sum);
        w.f64(f.below_sum.compensation);
        w.f64(f.above_sum.sum);
        w.f64(f.above_sum.compensation);
        w.u64(f.current_sample.size());
        for (double x : f.current_sample) w.f64(x);
        w.boolean(f.truncated);
        w.u64(f.n_truncated);
      } else {
        const auto& f = m.categoricals_[slot.index];
        write(w, f.reference);
        write(w, f.current);
      }
    }
  }

  static drift_thresholds read_thresholds(byte_reader& r) {
    const std::size_t at = r.position();
    drift_thresholds t;
    t.psi = r.f64("psi threshold");
    t.js_distance = r.f64("js threshold");
    t.ks_pvalue = r.f64("ks threshold");
    t.chi2_pvalue = r.f64("chi2 threshold");
    if (std::isnan(t.psi) || std::isnan(t.js_distance) || std::isnan(t.ks_pvalue) || std::isnan(t.chi2_pvalue))
      r.fail_at(at, "a threshold is NaN");
    return t;
  }

  static drift_monitor read_monitor(byte_reader& r, const deserialize_limits& limits, std::uint16_t version) {
    monitor_config c;
    std::size_t at = r.position();
    const std::uint64_t bins = r.u64("bins");
    if (bins == 0 || bins > std::numeric_limits<std::size_t>::max()) r.fail_at(at, "bins must be at least 1");
    c.bins = static_cast<std::size_t>(bins);
    c.method = static_cast<binning>(enum_byte(r, 2, "binning method"));
    at = r.position();
    c.psi_epsilon = r.f64("psi_epsilon");
    if (!(c.psi_epsilon > 0 && c.psi_epsilon < 1)) r.fail_at(at, "psi_epsilon must be in (0, 1)");
    at = r.position();
    c.js_base = r.f64("js_base");
    if (!std::isfinite(c.js_base)) r.fail_at(at, "js_base is not finite");
    c.thresholds = read_thresholds(r);
    c.pvalue_correction = static_cast<correction>(enum_byte(r, 2, "p-value correction"));
    at = r.position();
    const std::uint64_t max_samples = r.u64("max_current_samples");
    if (max_samples > std::numeric_limits<std::size_t>::max()) r.fail_at(at, "max_current_samples does not fit size_t");
    c.max_current_samples = static_cast<std::size_t>(max_samples);
    if (version >= 2) {
      at = r.position();
      const std::uint64_t exact = r.u64("exact_wasserstein_samples");
      if (exact > std::numeric_limits<std::size_t>::max() / 8) r.fail_at(at, "exact_wasserstein_samples is too large");
      c.exact_wasserstein_samples = static_cast<std::size_t>(exact);
    } else if (max_samples > std::numeric_limits<std::size_t>::max() / 8) {
      r.fail_at(at, "max_current_samples is too large");
    }
    const std::uint64_t capacity = std::min<std::uint64_t>(c.exact_wasserstein_samples, max_samples);

    drift_monitor m(c);
    at = r.position();
    const std::uint64_t n = r.count(version >= 2 ? 58 : 25, "number of features");
    std::uint64_t reserved_bytes = 0;
    for (std::uint64_t i = 0; i < n; ++i) {
      const std::size_t feature_at = r.position();
      std::string name = r.string("feature name");
      for (const auto& s : m.features_)
        if (s.name == name) r.fail_at(feature_at, "feature '" + name + "' appears twice");
      const auto kind = static_cast<feature_kind>(enum_byte(r, 1, "feature kind"));
      const std::uint64_t missing_reference = r.u64("missing reference count");
      const std::uint64_t missing_current = r.u64("missing current count");
      drift_monitor::feature_slot slot{std::move(name), kind, 0, missing_reference, missing_current, c.thresholds, false};
      if (version >= 2) {
        slot.thresholds = read_thresholds(r);
        slot.excluded = r.boolean("excluded flag");
      }
      const std::string& fname = slot.name;
      if (kind == feature_kind::numeric) {
        // capacity * 8 fits (checked above); compare without overflowing.
        if (capacity * 8 > limits.max_reserved_bytes - reserved_bytes)
          r.fail_at(at, "the numeric features would reserve more than deserialize_limits::max_reserved_bytes = " +
                            std::to_string(limits.max_reserved_bytes) + " bytes for current samples");
        reserved_bytes += capacity * 8;
        histogram reference = read_histogram(r);
        const std::size_t current_at = r.position();
        histogram current = read_histogram(r);
        if (current.edges() != reference.edges())
          r.fail_at(current_at, "feature '" + fname + "': the current histogram's edges differ from the reference's");
        std::vector<double> sorted = read_doubles(r, "reference sample size");
        if (sorted.size() != reference.count() || sorted.empty())
          r.fail_at(feature_at, "feature '" + fname + "': the reference sample does not match its histogram");
        for (std::size_t j = 0; j < sorted.size(); ++j)
          if (!std::isfinite(sorted[j]) || (j > 0 && sorted[j] < sorted[j - 1]))
            r.fail_at(feature_at, "feature '" + fname + "': the reference sample is not finite and sorted");
        histogram check(reference.edges());
        check.observe(sorted);
        if (check.counts_ != reference.counts_)
          r.fail_at(feature_at, "feature '" + fname + "': the reference sample does not match its histogram");
        drift_monitor::numeric_feature f{std::move(reference), std::move(current)};
        f.reference = detail::numeric_reference_data::from_sorted(sorted);
        f.window = slot_counts(f.reference->slots());
        f.sample_capacity = static_cast<std::size_t>(capacity);
        if (version >= 2)
          read_window_v2(r, f, fname, feature_at);
        else
          read_window_v1(r, f, fname, feature_at, c.max_current_samples);
        f.current_sample.reserve(f.sample_capacity);
        slot.index = m.numerics_.size();
        m.features_.push_back(std::move(slot));
        m.numerics_.push_back(std::move(f));
      } else {
        drift_monitor::categorical_feature f{read_category_counts(r), read_category_counts(r)};
        if (f.reference.count() == 0)
          r.fail_at(feature_at, "feature '" + fname + "': the reference has no value");
        slot.index = m.categoricals_.size();
        m.features_.push_back(std::move(slot));
        m.categoricals_.push_back(std::move(f));
      }
    }
    return m;
  }

  // The window of a numeric feature whose current sample holds every value
  // of the window: replay it (as observe does, without the histogram).
  static void replay(drift_monitor::numeric_feature& f, const std::vector<double>& sample) {
    const auto& u = f.reference->distinct;
    const std::size_t d = u.size();
    for (double x : sample) {
      ++f.ks_count;
      const std::size_t k = detail::bin_of_branchless(u.data(), d, x);
      if (k < d && u[k] == x) {
        f.window.increment(2 * k + 1);
      } else {
        f.window.increment(2 * k);
        if (k == 0) f.below_sum.add((u[0] / 2 - x / 2) * detail::tail_scale);
        if (k == d) f.above_sum.add((x / 2 - u[d - 1] / 2) * detail::tail_scale);
      }
      f.lowest = std::min(f.lowest, x);
      f.highest = std::max(f.highest, x);
    }
  }

  static void read_window_v1(byte_reader& r, drift_monitor::numeric_feature& f, const std::string& name,
                             std::size_t feature_at, std::size_t max_samples) {
    std::vector<double> sample = read_doubles(r, "current sample size");
    if (sample.size() > f.current_hist.count() || sample.size() > max_samples)
      r.fail_at(feature_at, "feature '" + name + "': the current sample is larger than its window");
    for (double x : sample)
      if (!std::isfinite(x)) r.fail_at(feature_at, "feature '" + name + "': the current sample holds a non-finite value");
    f.truncated = r.boolean("truncated flag");
    replay(f, sample);
    // Values the version-1 cap dropped: the finite values of the histogram
    // beyond the sample (the histogram counts finite values only).
    if (f.truncated) f.n_truncated = f.current_hist.count() - sample.size();
    for (std::size_t j = 0; j < sample.size() && j < f.sample_capacity; ++j) f.current_sample.push_back(sample[j]);
  }

  static void read_window_v2(byte_reader& r, drift_monitor::numeric_feature& f, const std::string& name,
                             std::size_t feature_at) {
    std::size_t at = r.position();
    const std::uint64_t slots = r.count(8, "number of window slots");
    if (slots != f.reference->slots())
      r.fail_at(at, "feature '" + name + "': " + std::to_string(slots) + " window slots for " +
                        std::to_string(f.reference->distinct.size()) + " distinct reference values");
    std::uint64_t placed = 0;
    for (auto& cnt : f.window.wide()) {
      cnt = r.u64("window slot count");
      if (cnt > std::numeric_limits<std::uint64_t>::max() - placed) r.fail_at(r.position() - 8, "window counts overflow");
      placed += cnt;
    }
    at = r.position();
    f.ks_count = r.u64("window count");
    const std::uint64_t unplaced = r.u64("unplaced count");
    if (unplaced > f.ks_count || f.ks_count - unplaced != placed || f.ks_count > f.current_hist.count())
      r.fail_at(at, "feature '" + name + "': the window counts disagree with each other or with the histogram");
    f.window.set_unplaced(unplaced);
    at = r.position();
    f.lowest = r.f64("lowest value");
    f.highest = r.f64("highest value");
    const bool empty = f.ks_count == 0;
    if (empty ? !(f.lowest == std::numeric_limits<double>::infinity() && f.highest == -f.lowest)
              : !(std::isfinite(f.lowest) && std::isfinite(f.highest) && f.lowest <= f.highest))
      r.fail_at(at, "feature '" + name + "': the window's lowest/highest values are inconsistent");
    at = r.position();
    f.below_sum.sum = r.f64("tail sum");
    f.below_sum.compensation = r.f64("tail sum");
    f.above_sum.sum = r.f64("tail sum");
    f.above_sum.compensation = r.f64("tail sum");
    if (std::isnan(f.below_sum.value()) || std::isnan(f.above_sum.value()) || f.below_sum.sum < 0 ||
        f.above_sum.sum < 0)
      r.fail_at(at, "feature '" + name + "': a tail sum is negative or NaN");
    std::vector<double> sample = read_doubles(r, "current sample size");
    if (sample.size() > f.ks_count || sample.size() > f.sample_capacity)
      r.fail_at(feature_at, "feature '" + name + "': the current sample is larger than its window");
    for (double x : sample)
      if (!std::isfinite(x) || x < f.lowest || x > f.highest)
        r.fail_at(feature_at, "feature '" + name + "': the current sample holds a value outside its window");
    if (sample.size() == f.ks_count) {  // a complete sample must be the window itself
      drift_monitor::numeric_feature check{f.reference_hist, f.current_hist};
      check.reference = f.reference;
      check.window = slot_counts(f.reference->slots());
      replay(check, sample);
      if (check.window.wide() != f.window.wide())
        r.fail_at(feature_at, "feature '" + name + "': the current sample does not match the window counts");
    }
    f.current_sample.assign(sample.begin(), sample.end());
    f.truncated = r.boolean("truncated flag");
    at = r.position();
    f.n_truncated = r.u64("truncated count");
    if ((f.n_truncated != 0 && !f.truncated) || f.n_truncated > f.current_hist.count() - f.ks_count)
      r.fail_at(at, "feature '" + name + "': the truncated count disagrees with the flag or the histogram");
  }

  static std::vector<double> read_doubles(byte_reader& r, const char* what) {
    const std::uint64_t n = r.count(8, what);
    std::vector<double> v(static_cast<std::size_t>(n));
    for (auto& x : v) x = r.f64("sample value");
    return v;
  }
};

}  // namespace detail
}  // namespace driftwatch
