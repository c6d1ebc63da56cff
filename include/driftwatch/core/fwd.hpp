// Forward declarations of driftwatch's public types, so a header that only
// names them (in a member pointer, a function signature) stays cheap to
// compile. Include the type's own header to use it.
#pragma once

#include <cstdint>
// std::allocator (the default allocator argument of the accumulator templates):
// libstdc++'s declaration-only header keeps this header cheap (<memory> alone
// costs ~0.07 s to parse); <memory> elsewhere.
#if defined(__GLIBCXX__) && __has_include(<bits/memoryfwd.h>)
#include <bits/memoryfwd.h>
#else
#include <memory>
#endif

namespace driftwatch {

class error;
template <class T>
class span;
struct metric_value;

// drift: bins, accumulators, metrics, monitor
class bin_edges;
// accumulator policies (accumulators/storage.hpp) and the templates whose
// default instantiations are histogram, category_counts and ks_stream
struct unweighted;
struct weighted;
struct counter64;
struct counter32;
struct atomic_counter64;
template <class Value = double, class Weight = unweighted, class Storage = counter64,
          class Allocator = std::allocator<std::uint64_t>>
class basic_histogram;
using histogram = basic_histogram<>;
template <class Weight = unweighted, class Storage = counter64, class Allocator = std::allocator<char>>
class basic_category_counts;
using category_counts = basic_category_counts<>;
template <class Value = double, class Weight = unweighted, class Storage = counter64,
          class Allocator = std::allocator<double>>
class basic_ks_stream;
using ks_stream = basic_ks_stream<>;
struct js_result;
struct ks_result;
struct chi2_result;
struct drift_thresholds;
struct monitor_config;
struct feature_report;
template <class Deferred = void>
class basic_drift_monitor;
using drift_monitor = basic_drift_monitor<>;

// ranking quality and canary comparison
template <class Id>
struct basic_judgment;
using judgment = basic_judgment<std::uint64_t>;
struct ranking_policy;
struct ranking_metrics;
template <class Score, class Id>
class basic_ranking_evaluator;
using ranking_evaluator = basic_ranking_evaluator<double, std::uint64_t>;
class mean_accumulator;
struct confidence_interval;
// ranking_accumulator is basic_ranking_accumulator<double, std::uint64_t>
// (metrics/ranking_accumulator.hpp). The alias is not declared here: its
// name is also an enumerator of state_type (accumulators/serialization.hpp),
// which GCC's -Wshadow reports when the alias is seen first.
template <class Score, class Id>
class basic_ranking_accumulator;
struct comparison_result;
class paired_comparison;
class welch_comparison;
enum class comparison_arm;

// state format (accumulators/serialization.hpp)
enum class state_type : std::uint16_t;
struct state_header;
struct deserialize_limits;

}  // namespace driftwatch
