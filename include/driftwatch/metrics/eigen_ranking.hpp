// driftwatch <-> Eigen: ranking metrics straight from Eigen score matrices.
// Optional: include it only if you use Eigen (the core never includes Eigen).
#pragma once

#include <cstddef>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include <driftwatch/metrics/ranking.hpp>

namespace driftwatch {

namespace detail {
/// The row type an evaluator of score type Score reads for Eigen scalars of
/// type Scalar: the scalar itself when the evaluator reads it (its own score
/// type; float for a double evaluator too), else Score.
template <class Score, class Scalar>
using eigen_row_score = std::conditional_t<std::is_same<Scalar, Score>::value ||
                                               (std::is_same<Score, double>::value && std::is_same<Scalar, float>::value),
                                           Scalar, Score>;
}  // namespace detail

/// Evaluates every row of an Eigen score matrix or expression (users x items,
/// column = item id) against its judged items in CSR form, calling
/// sink(row, ranking_metrics) per row; the semantics are those of
/// driftwatch::evaluate_rows and ranking_evaluator::scores.
/// A row-major matrix or map with unit inner stride whose scalar the
/// evaluator reads (its score type; float for a double evaluator too) is read
/// in place (no copy, no allocation; a float matrix in float lanes); anything
/// else (column-major, expressions, other scalars) is copied one row at a
/// time into a buffer of cols() values (of the matrix's scalar when the
/// evaluator reads it, else of the evaluator's score type), allocated once
/// per call. Throws driftwatch::error for inconsistent row_offsets.
template <class Score, class Id, class Derived, class Sink>
void evaluate_rows(const basic_ranking_evaluator<Score, Id>& evaluator, const Eigen::MatrixBase<Derived>& scores,
                   span<const std::size_t> row_offsets, detail::judgments_of<Id> judgments, Sink&& sink) {
  using row_score = detail::eigen_row_score<Score, typename Derived::Scalar>;
  const auto rows = static_cast<std::size_t>(scores.rows());
  const auto cols = static_cast<std::size_t>(scores.cols());
  constexpr bool direct = static_cast<bool>(Derived::IsRowMajor) &&
                          static_cast<bool>(Derived::Flags & Eigen::DirectAccessBit) &&
                          std::is_same<typename Derived::Scalar, row_score>::value;
  if constexpr (direct) {
    if (scores.derived().innerStride() == 1) {
      const basic_score_matrix_view<row_score> view{scores.derived().data(), rows, cols,
                                                    static_cast<std::size_t>(scores.derived().outerStride())};
      driftwatch::evaluate_rows(evaluator, view, row_offsets, judgments, sink);
      return;
    }
  }
  detail::check_row_offsets(rows, row_offsets, judgments.size());
  std::vector<row_score> buffer(cols);
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < cols; ++c)
      buffer[c] = static_cast<row_score>(scores(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)));
    const auto row_judgments = judgments.subspan(row_offsets[r], row_offsets[r + 1] - row_offsets[r]);
    sink(r, evaluator.scores(span<const row_score>(buffer.data(), cols), row_judgments));
  }
}

/// Metrics of one row of scores given as an Eigen vector or row expression.
/// Contiguous vectors of a scalar the evaluator reads are read in place;
/// others are copied once (as for evaluate_rows).
template <class Score, class Id, class Derived>
ranking_metrics evaluate_scores(const basic_ranking_evaluator<Score, Id>& evaluator,
                                const Eigen::MatrixBase<Derived>& scores, detail::judgments_of<Id> judgments) {
  using row_score = detail::eigen_row_score<Score, typename Derived::Scalar>;
  const auto n = static_cast<std::size_t>(scores.size());
  constexpr bool direct = static_cast<bool>(Derived::Flags & Eigen::DirectAccessBit) &&
                          std::is_same<typename Derived::Scalar, row_score>::value;
  if constexpr (direct) {
    if (scores.derived().innerStride() == 1 && (scores.rows() == 1 || scores.cols() == 1))
      return evaluator.scores(span<const row_score>(scores.derived().data(), n), judgments);
  }
  std::vector<row_score> buffer(n);
  for (std::size_t i = 0; i < n; ++i) buffer[i] = static_cast<row_score>(scores(static_cast<Eigen::Index>(i)));
  return evaluator.scores(span<const row_score>(buffer.data(), n), judgments);
}

}  // namespace driftwatch
