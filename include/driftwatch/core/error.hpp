// driftwatch::error: the one exception type the library throws.
#pragma once

#include <stdexcept>
#include <string>

namespace driftwatch {

/// Thrown for configuration errors: no reference data, non-increasing edges,
/// k = 0, merging accumulators built on different configurations, malformed
/// input handed to a non-hot-path function. The message names the problem and
/// the offending value. Hot-path calls (`observe`, `operator()`) never throw:
/// bad observations are counted and excluded instead.
class error : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

namespace detail {
[[noreturn]] inline void fail(const std::string& message) { throw error("driftwatch: " + message); }
}  // namespace detail

}  // namespace driftwatch
