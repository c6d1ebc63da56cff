// driftwatch::prometheus: Prometheus text exposition (format 0.0.4, and
// OpenMetrics 1.0 as an option), written by the library itself.
//
// An optional adapter: the core headers never include it. It needs only the
// standard library (no HTTP, no prometheus-cpp); serving it over HTTP is
// driftwatch/adapters/http_server.hpp.
//
// Model. A `registry` holds metric families. Each family is registered once,
// with a validated name, help text, type, label names and constant labels, and
// a `collector`: a callback that, at scrape time, reads the state it exports
// and writes that family's samples through a `sample_writer`. Nothing is
// copied into the registry on the observing path: the serving threads keep
// observing into their own accumulators and the collector reads (merges)
// them only when Prometheus scrapes.
//
// Threading contract.
// - Observers never touch the registry: observing never blocks on a scrape.
// - `add`, `remove` and `render` serialise on one registry mutex; `render`
//   holds it while it runs the collectors, so a family cannot be removed in
//   the middle of a scrape. Concurrent scrapes are therefore serialised.
// - A collector runs on the scraping thread. It must read its state safely
//   with respect to the observers (atomics, a snapshot of per-thread shards
//   merged with `+=`, a short lock of its own, ...) and must not call back into
//   the registry (that would deadlock).
// - The built-in `counter`, `gauge` and `histogram` below use relaxed atomics:
//   their update functions are lock-free, noexcept and never allocate.
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <driftwatch/adapters/detail/exposition_text.hpp>
#include <driftwatch/core/error.hpp>
#include <driftwatch/core/span.hpp>

namespace driftwatch {
namespace prometheus {

/// The two exposition formats a registry can render.
enum class exposition_format {
  /// The classic Prometheus text format, version 0.0.4.
  text_0_0_4,
  /// OpenMetrics 1.0.0 text (counter families without `_total`, `# EOF`).
  openmetrics_1_0_0,
};

/// Content-Type of the Prometheus text format 0.0.4.
inline constexpr const char* text_content_type = "text/plain; version=0.0.4; charset=utf-8";
/// Content-Type of OpenMetrics 1.0.0 text.
inline constexpr const char* openmetrics_content_type =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The Content-Type header value to serve `format` with.
constexpr const char* content_type(exposition_format format) noexcept {
  return format == exposition_format::openmetrics_1_0_0 ? openmetrics_content_type : text_content_type;
}

/// The metric types a family can have.
enum class metric_type { counter, gauge, histogram, summary };

constexpr const char* to_string(metric_type type) noexcept {
  switch (type) {
    case metric_type::counter: return "counter";
    case metric_type::gauge: return "gauge";
    case metric_type::histogram: return "histogram";
    case metric_type::summary: return "summary";
  }
  return "unknown";
}

/// True if `name` matches the metric-name grammar [a-zA-Z_:][a-zA-Z0-9_:]*.
inline bool is_valid_metric_name(std::string_view name) noexcept { return detail::valid_metric_name(name); }
/// True if `name` matches the label-name grammar [a-zA-Z_][a-zA-Z0-9_]* and
/// does not start with the reserved prefix "__".
inline bool is_valid_label_name(std::string_view name) noexcept {
  return detail::valid_label_name(name) && name.substr(0, 2) != "__";
}

/// A constant label (name, value) attached to every sample of a family.
using label = std::pair<std::string, std::string>;

/// Everything a family declares at registration; validated by registry::add.
struct family_spec {
  /// Metric family name. For a counter, a trailing "_total" is optional: the
  /// family name is stored without it and samples are always `<name>_total`.
  std::string name;
  /// Free text; any UTF-8 (escaped on output as each format requires).
  std::string help;
  metric_type type = metric_type::gauge;
  /// Names of the labels whose values the collector supplies per sample, in
  /// the order the collector passes them.
  std::vector<std::string> label_names;
  /// Labels with a fixed value on every sample (e.g. {"model", "ranker"}).
  std::vector<label> const_labels;
};

/// Label values for one sample, in the order of family_spec::label_names.
using label_values = span<const std::string_view>;

/// Writes the samples of one family during a scrape. Handed to a collector by
/// registry::render; valid only during that call. Each call appends one sample
/// (or, for histogram and summary, one series group) to the exposition.
///
/// A call that does not fit the family (wrong type, wrong number of label
/// values, histogram bounds not strictly increasing and finite, counts of the
/// wrong size) is a bug in the collector and throws driftwatch::error; the
/// registry then discards the whole exposition (render throws), so a scrape
/// is either complete and well-formed or an error, never silently broken.
class sample_writer {
 public:
  /// A counter sample. Counters must be non-negative and monotonic between
  /// process restarts (not checked beyond the sign and NaN: they are floats).
  void counter(label_values values, double value) {
    expect(metric_type::counter, values);
    if (!(value >= 0.0)) fail_value("counter value must be >= 0 and not NaN", value);
    line(counter_sample_name(), values, nullptr, {});
    detail::append_double(*out_, value);
    *out_ += '\n';
  }
  void counter(label_values values, std::uint64_t value) {
    expect(metric_type::counter, values);
    line(counter_sample_name(), values, nullptr, {});
    detail::append_uint(*out_, value);
    *out_ += '\n';
  }
  void counter(std::initializer_list<std::string_view> values, double value) { counter(il(values), value); }
  void counter(std::initializer_list<std::string_view> values, std::uint64_t value) {
    counter(il(values), value);
  }

  /// A gauge sample: any double, including NaN and +-Inf.
  void gauge(label_values values, double value) {
    expect(metric_type::gauge, values);
    line(name_, values, nullptr, {});
    detail::append_double(*out_, value);
    *out_ += '\n';
  }
  void gauge(std::initializer_list<std::string_view> values, double value) { gauge(il(values), value); }

  /// One histogram: `upper_bounds` are the finite, strictly increasing bucket
  /// upper bounds (the `+Inf` bucket is implicit); `bin_counts` has
  /// upper_bounds.size() + 1 per-bin (NOT cumulative) counts, bin i counting
  /// observations in (upper_bounds[i-1], upper_bounds[i]] and the last one
  /// those above the last bound -- exactly driftwatch::histogram::counts().
  /// Emits the cumulative `_bucket` series in ascending `le` with
  /// `le="+Inf"` equal to `_count`, then `_sum` when `sum` is given, then
  /// `_count`. OpenMetrics permits `_count` only with `_sum`, so there a
  /// histogram without `sum` is its buckets alone (query `le="+Inf"` for the
  /// count in both formats). Time O(bins), no allocation beyond the output.
  void histogram(label_values values, span<const double> upper_bounds, span<const std::uint64_t> bin_counts,
                 const double* sum = nullptr) {
    expect(metric_type::histogram, values);
    if (bin_counts.size() != upper_bounds.size() + 1)
      detail_fail("histogram: expected " + std::to_string(upper_bounds.size() + 1) + " bin counts for " +
                  std::to_string(upper_bounds.size()) + " bounds, got " + std::to_string(bin_counts.size()));
    for (std::size_t i = 0; i < upper_bounds.size(); ++i) {
      if (!std::isfinite(upper_bounds[i]) || (i > 0 && !(upper_bounds[i - 1] < upper_bounds[i])))
        detail_fail("histogram: bucket bounds must be finite and strictly increasing (bound " + std::to_string(i) +
                    ")");
    }
    const std::string bucket = name_ + "_bucket";
    std::uint64_t cumulative = 0;
    std::string le;
    for (std::size_t i = 0; i <= upper_bounds.size(); ++i) {
      cumulative += bin_counts[i];
      le.clear();
      if (i < upper_bounds.size())
        detail::append_double(le, upper_bounds[i]);
      else
        le = "+Inf";
      line(bucket, values, "le", le);
      detail::append_uint(*out_, cumulative);
      *out_ += '\n';
    }
    // OpenMetrics allows _count only together with _sum; without a sum the
    // +Inf bucket alone carries the count there.
    if (sum == nullptr && openmetrics_) return;
    if (sum != nullptr) {
      line(name_ + "_sum", values, nullptr, {});
      detail::append_double(*out_, *sum);
      *out_ += '\n';
    }
    line(name_ + "_count", values, nullptr, {});
    detail::append_uint(*out_, cumulative);
    *out_ += '\n';
  }
  void histogram(std::initializer_list<std::string_view> values, span<const double> upper_bounds,
                 span<const std::uint64_t> bin_counts, const double* sum = nullptr) {
    histogram(il(values), upper_bounds, bin_counts, sum);
  }

  /// A summary without quantiles: `_sum` and `_count`. The mean over a range
  /// is rate(<name>_sum[r]) / rate(<name>_count[r]), summable across replicas.
  void summary(label_values values, double sum, std::uint64_t count) {
    expect(metric_type::summary, values);
    line(name_ + "_sum", values, nullptr, {});
    detail::append_double(*out_, sum);
    *out_ += '\n';
    line(name_ + "_count", values, nullptr, {});
    detail::append_uint(*out_, count);
    *out_ += '\n';
  }
  void summary(std::initializer_list<std::string_view> values, double sum, std::uint64_t count) {
    summary(il(values), sum, count);
  }

 private:
  friend class registry;

  sample_writer(std::string& out, bool openmetrics, const std::string& name, metric_type type,
                const std::vector<std::string>& labels, const std::string& rendered_const_labels)
      : out_(&out),
        openmetrics_(openmetrics),
        name_(name),
        type_(type),
        labels_(labels),
        const_labels_(rendered_const_labels) {}

  static label_values il(std::initializer_list<std::string_view> values) noexcept {
    return label_values(values.begin(), values.size());
  }

  std::string counter_sample_name() const { return name_ + "_total"; }

  [[noreturn]] void detail_fail(const std::string& what) const {
    driftwatch::detail::fail("prometheus: family '" + name_ + "': " + what);
  }
  [[noreturn]] void fail_value(const char* what, double value) const {
    std::string v;
    detail::append_double(v, value);
    detail_fail(std::string(what) + " (got " + v + ")");
  }

  void expect(metric_type type, label_values values) const {
    if (type != type_)
      detail_fail(std::string("collector wrote a ") + to_string(type) + " sample into a " + to_string(type_) +
                  " family");
    if (values.size() != labels_.size())
      detail_fail("expected " + std::to_string(labels_.size()) + " label values, got " +
                  std::to_string(values.size()));
  }

  // name{const labels, labels, extra="extra_value"}<space>
  void line(const std::string& sample_name, label_values values, const char* extra, std::string_view extra_value) {
    std::string& out = *out_;
    out += sample_name;
    const bool any = !const_labels_.empty() || !values.empty() || extra != nullptr;
    if (any) {
      out += '{';
      bool first = const_labels_.empty();
      out += const_labels_;
      for (std::size_t i = 0; i < values.size(); ++i) {
        if (!first) out += ',';
        first = false;
        out += labels_[i];
        out += "=\"";
        detail::append_escaped(out, values[i], true);
        out += '"';
      }
      if (extra != nullptr) {
        if (!first) out += ',';
        out += extra;
        out += "=\"";
        out.append(extra_value.data(), extra_value.size());
        out += '"';
      }
      out += '}';
    }
    out += ' ';
  }

  std::string* out_;
  bool openmetrics_;
  const std::string& name_;
  metric_type type_;
  const std::vector<std::string>& labels_;
  const std::string& const_labels_;
};

/// A collector: called at each scrape to write the current samples of one
/// family. See the threading contract at the top of this header.
using collector = std::function<void(sample_writer&)>;

/// A monotonically increasing counter without labels. `inc`/`add` are
/// lock-free (a relaxed compare-exchange loop on a double), noexcept and never
/// allocate; the value is exact for integer increments up to 2^53.
class counter {
 public:
  void inc() noexcept { add(1.0); }
  /// Adds `amount`; a negative or NaN amount is ignored (counters only go up).
  void add(double amount) noexcept {
    if (!(amount >= 0.0)) return;
    double current = value_.load(std::memory_order_relaxed);
    while (!value_.compare_exchange_weak(current, current + amount, std::memory_order_relaxed)) {
    }
  }
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

/// A gauge without labels: set/add are lock-free, noexcept, never allocate.
class gauge {
 public:
  void set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
  void add(double amount) noexcept {
    double current = value_.load(std::memory_order_relaxed);
    while (!value_.compare_exchange_weak(current, current + amount, std::memory_order_relaxed)) {
    }
  }
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

/// A histogram without labels over fixed bucket upper bounds (finite, strictly
/// increasing; validated at construction). `observe` is lock-free: a binary
/// search (O(log B)) plus relaxed atomic increments, noexcept, no allocation.
/// NaN observations are not bucketed; they are counted in invalid_count().
/// A scrape reads the buckets one by one, so it may see an observation in a
/// bucket before it sees it in `_sum` (the usual, accepted client behaviour).
/// Named histogram_metric so it is not mistaken for driftwatch::histogram,
/// the mergeable accumulator.
class histogram_metric {
 public:
  explicit histogram_metric(std::vector<double> upper_bounds)
      : bounds_(std::move(upper_bounds)), counts_(new std::atomic<std::uint64_t>[bounds_.size() + 1]) {
    for (std::size_t i = 0; i < bounds_.size(); ++i)
      if (!std::isfinite(bounds_[i]) || (i > 0 && !(bounds_[i - 1] < bounds_[i])))
        driftwatch::detail::fail("prometheus::histogram_metric: bucket bounds must be finite and strictly increasing (bound " +
                                 std::to_string(i) + ")");
    for (std::size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
  }

  void observe(double x) noexcept {
    if (std::isnan(x)) {
      invalid_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    // First bound >= x: right-closed buckets, like Prometheus' `le`.
    const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), x);
    counts_[static_cast<std::size_t>(it - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
    double current = sum_.load(std::memory_order_relaxed);
    while (!sum_.compare_exchange_weak(current, current + x, std::memory_order_relaxed)) {
    }
  }

  const std::vector<double>& upper_bounds() const noexcept { return bounds_; }
  /// Per-bucket (not cumulative) counts; size upper_bounds().size() + 1.
  std::vector<std::uint64_t> bin_counts() const {
    std::vector<std::uint64_t> c(bounds_.size() + 1);
    for (std::size_t i = 0; i < c.size(); ++i) c[i] = counts_[i].load(std::memory_order_relaxed);
    return c;
  }
  double sum() const noexcept { return sum_.load(std::memory_order_relaxed); }
  std::uint64_t invalid_count() const noexcept { return invalid_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;
  std::atomic<double> sum_{0.0};
  std::atomic<std::uint64_t> invalid_{0};
};

/// Deprecated spelling of histogram_metric.
using histogram = histogram_metric;

/// A set of metric families rendered together at scrape time.
///
/// Guarantees:
/// - Every name is validated when a family is registered: a bad metric or
///   label name, a reserved label (`__*`, `le` on a histogram, `quantile` on a
///   summary), a duplicate label, or a family whose series names collide with
///   another family's (`foo` histogram vs `foo_count` gauge) throws
///   driftwatch::error from `add`, never produces a broken scrape.
/// - `render` writes, for each family in registration order, `# HELP` and
///   `# TYPE` before its samples; label values are escaped (\\, \", \n) and
///   HELP text is escaped as each format requires (0.0.4: \\ and \n only;
///   OpenMetrics: also \"); floats are the shortest round-trip decimal
///   (std::to_chars), with NaN, +Inf, -Inf; OpenMetrics ends with `# EOF`.
/// - Cost of a scrape: the collectors' cost plus O(output size); the registry
///   allocates only the output string and per-histogram temporaries.
/// Thread safety: see the contract at the top of this header.
class registry {
 public:
  registry() = default;
  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;

  /// Registers a family whose samples `collect` writes at each scrape.
  /// Throws driftwatch::error if the spec is invalid or collides (see class).
  void add(family_spec spec, collector collect) {
    if (!collect) driftwatch::detail::fail("prometheus: family '" + spec.name + "' has no collector");
    auto fam = std::make_unique<family>();
    validate(spec);
    fam->claimed = claimed_names(spec);
    fam->spec = std::move(spec);
    for (std::size_t i = 0; i < fam->spec.const_labels.size(); ++i) {
      if (i > 0) fam->rendered_const_labels += ',';
      fam->rendered_const_labels += fam->spec.const_labels[i].first;
      fam->rendered_const_labels += "=\"";
      detail::append_escaped(fam->rendered_const_labels, fam->spec.const_labels[i].second, true);
      fam->rendered_const_labels += '"';
    }
    fam->collect = std::move(collect);
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& n : fam->claimed)
      if (claimed_.count(n) != 0)
        driftwatch::detail::fail("prometheus: family '" + fam->spec.name + "' collides with an existing series name '" +
                                 n + "'");
    claimed_.insert(fam->claimed.begin(), fam->claimed.end());
    families_.push_back(std::move(fam));
  }

  /// Registers a label-less counter and returns it. The registry and the
  /// caller share ownership, so the counter outlives either.
  std::shared_ptr<prometheus::counter> add_counter(std::string name, std::string help,
                                                   std::vector<label> const_labels = {}) {
    auto c = std::make_shared<prometheus::counter>();
    add({std::move(name), std::move(help), metric_type::counter, {}, std::move(const_labels)},
        [c](sample_writer& w) { w.counter(label_values{}, c->value()); });
    return c;
  }

  /// Registers a label-less gauge and returns it (shared ownership).
  std::shared_ptr<prometheus::gauge> add_gauge(std::string name, std::string help,
                                               std::vector<label> const_labels = {}) {
    auto g = std::make_shared<prometheus::gauge>();
    add({std::move(name), std::move(help), metric_type::gauge, {}, std::move(const_labels)},
        [g](sample_writer& w) { w.gauge(label_values{}, g->value()); });
    return g;
  }

  /// Registers a label-less histogram over `upper_bounds` (shared ownership).
  std::shared_ptr<prometheus::histogram_metric> add_histogram(std::string name, std::string help,
                                                       std::vector<double> upper_bounds,
                                                       std::vector<label> const_labels = {}) {
    auto h = std::make_shared<prometheus::histogram_metric>(std::move(upper_bounds));
    add({std::move(name), std::move(help), metric_type::histogram, {}, std::move(const_labels)},
        [h](sample_writer& w) {
          const auto counts = h->bin_counts();
          const double sum = h->sum();
          w.histogram(label_values{}, h->upper_bounds(), counts, &sum);
        });
    return h;
  }

  /// Unregisters the family registered under `name` (for a counter, with or
  /// without "_total"). Returns false if there is none. Waits for a running
  /// scrape to finish, so the family's collector is not running on return.
  bool remove(std::string_view name) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = families_.begin(); it != families_.end(); ++it) {
      const family_spec& s = (*it)->spec;
      if (s.name == name || (s.type == metric_type::counter && s.name + "_total" == name)) {
        for (const auto& n : (*it)->claimed) claimed_.erase(n);
        families_.erase(it);
        return true;
      }
    }
    return false;
  }

  /// Number of registered families.
  std::size_t size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return families_.size();
  }

  /// Appends the exposition of every family to `out`. If a collector throws,
  /// `out` is restored to its previous content and the exception propagates.
  void render_to(std::string& out, exposition_format format = exposition_format::text_0_0_4) const {
    const std::size_t start = out.size();
    try {
      std::lock_guard<std::mutex> lock(mutex_);
      const bool om = format == exposition_format::openmetrics_1_0_0;
      for (const auto& fam : families_) {
        const family_spec& s = fam->spec;
        // 0.0.4 names a counter family by its sample name (foo_total);
        // OpenMetrics by the family name (foo).
        const std::string header_name = (s.type == metric_type::counter && !om) ? s.name + "_total" : s.name;
        out += "# HELP ";
        out += header_name;
        out += ' ';
        detail::append_escaped(out, s.help, om);
        out += "\n# TYPE ";
        out += header_name;
        out += ' ';
        out += to_string(s.type);
        out += '\n';
        sample_writer w(out, om, s.name, s.type, s.label_names, fam->rendered_const_labels);
        fam->collect(w);
      }
      if (om) out += "# EOF\n";
    } catch (...) {
      out.resize(start);
      throw;
    }
  }

  /// The exposition of every family as one string (see render_to).
  std::string render(exposition_format format = exposition_format::text_0_0_4) const {
    std::string out;
    render_to(out, format);
    return out;
  }

 private:
  struct family {
    family_spec spec;
    std::string rendered_const_labels;
    std::vector<std::string> claimed;
    collector collect;
  };

  static void validate(family_spec& spec) {
    auto fail = [&](const std::string& what) {
      driftwatch::detail::fail("prometheus: family '" + spec.name + "': " + what);
    };
    if (spec.type == metric_type::counter && detail::ends_with(spec.name, "_total"))
      spec.name.resize(spec.name.size() - 6);
    if (!detail::valid_metric_name(spec.name))
      fail("invalid metric name (must match [a-zA-Z_:][a-zA-Z0-9_:]*)");
    std::set<std::string> seen;
    auto check_label = [&](const std::string& n) {
      if (!is_valid_label_name(n))
        fail("invalid label name '" + n + "' (must match [a-zA-Z_][a-zA-Z0-9_]* and not start with __)");
      if (spec.type == metric_type::histogram && n == "le") fail("label 'le' is reserved in a histogram");
      if (spec.type == metric_type::summary && n == "quantile") fail("label 'quantile' is reserved in a summary");
      if (!seen.insert(n).second) fail("duplicate label name '" + n + "'");
    };
    for (const auto& l : spec.const_labels) check_label(l.first);
    for (const auto& n : spec.label_names) check_label(n);
  }

  // Every series name (and family name) a family puts into the exposition.
  static std::vector<std::string> claimed_names(const family_spec& s) {
    switch (s.type) {
      case metric_type::counter: return {s.name, s.name + "_total", s.name + "_created"};
      case metric_type::gauge: return {s.name};
      case metric_type::histogram:
        return {s.name, s.name + "_bucket", s.name + "_sum", s.name + "_count", s.name + "_created"};
      case metric_type::summary: return {s.name, s.name + "_sum", s.name + "_count", s.name + "_created"};
    }
    return {s.name};
  }

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<family>> families_;
  std::set<std::string> claimed_;
};

}  // namespace prometheus
}  // namespace driftwatch
