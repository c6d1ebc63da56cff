// row_bins of kernels_row.hpp for one ISA (AVX2 or AVX-512): the bins of one
// row of F features at once, a vector of features per step, compare-and-count
// against the transposed edges. Included by kernels_row.hpp once per ISA
// between isa_begin.hpp and isa_end.hpp.

inline void row_bins(const double* x, std::size_t f, const double* edges_t, std::size_t ne, std::size_t stride,
                     std::uint64_t* bins) noexcept {
  constexpr std::size_t L = lanes<double>;
  std::size_t j = 0;
  for (; j + L <= f; j += L) {
    const vd v = load(x + j);
    vi a = zero_i(), b = zero_i();  // two chains: half the edges each
    std::size_t k = 0;
    for (; k + 2 <= ne; k += 2) {
      a = count_gt(a, v, load(edges_t + k * stride + j));
      b = count_gt(b, v, load(edges_t + (k + 1) * stride + j));
    }
    if (k < ne) a = count_gt(a, v, load(edges_t + k * stride + j));
    store(bins + j, add64(a, b));
  }
  for (; j < f; ++j) bins[j] = row_bin_scalar(edges_t + j, ne, stride, x[j]);
}
