// driftwatch <-> Eigen: ranking metrics straight from Eigen score matrices.
// Optional: include it only if you use Eigen (the core never includes Eigen).
#pragma once

#include <cstddef>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include <driftwatch/metrics/ranking.hpp>

namespace driftwatch {

/// Evaluates every row of an Eigen score matrix or expression (users x items,
/// column = item id) against its judged items in CSR form, calling
/// sink(row, ranking_metrics) per row; the semantics are those of
/// driftwatch::evaluate_rows and ranking_evaluator::scores.
/// A row-major matrix or map of doubles with unit inner stride is read in place
/// (no copy, no allocation); anything else (column-major, float, expressions)
/// is copied one row at a time into a buffer of cols() doubles, allocated once
/// per call. Throws driftwatch::error for inconsistent row_offsets.
template <class Derived, class Sink>
void evaluate_rows(const ranking_evaluator& evaluator, const Eigen::MatrixBase<Derived>& scores,
                   span<const std::size_t> row_offsets, span<const judgment> judgments, Sink&& sink) {
  const auto rows = static_cast<std::size_t>(scores.rows());
  const auto cols = static_cast<std::size_t>(scores.cols());
  constexpr bool direct = static_cast<bool>(Derived::IsRowMajor) &&
                          static_cast<bool>(Derived::Flags & Eigen::DirectAccessBit) &&
                          std::is_same<typename Derived::Scalar, double>::value;
  if constexpr (direct) {
    if (scores.derived().innerStride() == 1) {
      const score_matrix_view view{scores.derived().data(), rows, cols,
                                   static_cast<std::size_t>(scores.derived().outerStride())};
      driftwatch::evaluate_rows(evaluator, view, row_offsets, judgments, sink);
      return;
    }
  }
  detail::check_row_offsets(rows, row_offsets, judgments.size());
  std::vector<double> buffer(cols);
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < cols; ++c)
      buffer[c] = static_cast<double>(scores(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)));
    const auto row_judgments = judgments.subspan(row_offsets[r], row_offsets[r + 1] - row_offsets[r]);
    sink(r, evaluator.scores(span<const double>(buffer.data(), cols), row_judgments));
  }
}

/// Metrics of one row of scores given as an Eigen vector or row expression.
/// Contiguous double vectors are read in place; others are copied once.
template <class Derived>
ranking_metrics evaluate_scores(const ranking_evaluator& evaluator, const Eigen::MatrixBase<Derived>& scores,
                                span<const judgment> judgments) {
  const auto n = static_cast<std::size_t>(scores.size());
  constexpr bool direct = static_cast<bool>(Derived::Flags & Eigen::DirectAccessBit) &&
                          std::is_same<typename Derived::Scalar, double>::value;
  if constexpr (direct) {
    if (scores.derived().innerStride() == 1 && (scores.rows() == 1 || scores.cols() == 1))
      return evaluator.scores(span<const double>(scores.derived().data(), n), judgments);
  }
  std::vector<double> buffer(n);
  for (std::size_t i = 0; i < n; ++i) buffer[i] = static_cast<double>(scores(static_cast<Eigen::Index>(i)));
  return evaluator.scores(buffer, judgments);
}

}  // namespace driftwatch
