// Tests for include/driftwatch/metrics/eigen_ranking.hpp: Eigen matrices (row-major in
// place, column-major and float copied) give exactly the core path's metrics.
// Lives in tests/eigen/ because it needs Eigen (tests/CMakeLists.txt links it
// only when find_package(Eigen3) succeeds).
#include <driftwatch/metrics/eigen_ranking.hpp>

#include <vector>

#include "reference_reader.hpp"
#include "test_support.hpp"

using namespace driftwatch;

namespace {
bool same(const ranking_metrics& a, const ranking_metrics& b) {
  if (a.valid() != b.valid()) return false;
  for (std::size_t i = 0; i < ranking_metric_count; ++i)
    if (a.valid() && a.values[i] != b.values[i]) return false;
  return true;
}
}  // namespace

TEST_CASE("Eigen matrices give the core path's metrics", "[eigen][ranking]") {
  driftwatch_test::splitmix64 rng(21);
  const Eigen::Index rows = 12, cols = 40;
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rm(rows, cols);
  for (Eigen::Index r = 0; r < rows; ++r)
    for (Eigen::Index c = 0; c < cols; ++c) rm(r, c) = std::floor(rng.uniform01() * 8.0);
  std::vector<std::size_t> offsets{0};
  std::vector<judgment> judged;
  for (Eigen::Index r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < static_cast<std::size_t>(cols); ++c)
      if (rng.uniform01() < 0.25) judged.push_back({c, static_cast<int>(rng.next() % 3)});
    offsets.push_back(judged.size());
  }
  ranking_policy p;
  p.ties = tie_policy::average;
  for (const ranking_evaluator& ev : {ranking_evaluator(5), ranking_evaluator(10, p)}) {
    std::vector<ranking_metrics> core(static_cast<std::size_t>(rows));
    const score_matrix_view view{rm.data(), static_cast<std::size_t>(rows), static_cast<std::size_t>(cols), 0};
    evaluate_rows(ev, view, offsets, judged, [&](std::size_t r, const ranking_metrics& m) { core[r] = m; });

    std::size_t n = 0;
    evaluate_rows(ev, rm, offsets, judged, [&](std::size_t r, const ranking_metrics& m) {
      CHECK(same(m, core[r]));
      ++n;
    });
    const Eigen::MatrixXd cm = rm;  // column-major copy
    evaluate_rows(ev, cm, offsets, judged, [&](std::size_t r, const ranking_metrics& m) {
      CHECK(same(m, core[r]));
      ++n;
    });
    const Eigen::MatrixXf fm = rm.cast<float>();  // small integers: exact in float
    evaluate_rows(ev, fm, offsets, judged, [&](std::size_t r, const ranking_metrics& m) {
      CHECK(same(m, core[r]));
      ++n;
    });
    // A block (outer stride != cols) and a single row.
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> wide(rows, cols + 5);
    wide.leftCols(cols) = rm;
    evaluate_rows(ev, wide.leftCols(cols), offsets, judged, [&](std::size_t r, const ranking_metrics& m) {
      CHECK(same(m, core[r]));
      ++n;
    });
    CHECK(n == 4 * static_cast<std::size_t>(rows));
    const span<const judgment> row3(judged.data() + offsets[3], offsets[4] - offsets[3]);
    CHECK(same(evaluate_scores(ev, rm.row(3), row3), core[3]));
    CHECK(same(evaluate_scores(ev, cm.row(3), row3), core[3]));
    const Eigen::VectorXd v = rm.row(3).transpose();
    CHECK(same(evaluate_scores(ev, v, row3), core[3]));
  }
  std::vector<std::size_t> bad{0, 5};
  CHECK_THROWS_AS(evaluate_rows(ranking_evaluator(5), rm, bad, judged, [](std::size_t, const ranking_metrics&) {}),
                  error);
}
