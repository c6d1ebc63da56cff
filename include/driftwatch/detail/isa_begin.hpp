// Opens the target region and namespace for DRIFTWATCH_ISA (2: AVX2 + FMA in
// detail::avx2, 3: AVX-512 in detail::avx512); isa_end.hpp closes them. A
// kernel header includes its ISA body between the two, once per ISA, inside
// namespace driftwatch::detail (see dispatch.hpp). No include guard: included once per (header, ISA).
#if DRIFTWATCH_ISA == 3
DRIFTWATCH_TARGET_AVX512_BEGIN
namespace avx512 {
#if !defined(DRIFTWATCH_ISA_VEC_3)
#define DRIFTWATCH_ISA_VEC_3
#include <driftwatch/detail/isa_vec.hpp>
#endif
#elif DRIFTWATCH_ISA == 2
DRIFTWATCH_TARGET_AVX2_BEGIN
namespace avx2 {
#if !defined(DRIFTWATCH_ISA_VEC_2)
#define DRIFTWATCH_ISA_VEC_2
#include <driftwatch/detail/isa_vec.hpp>
#endif
#else
#error "isa_begin.hpp: DRIFTWATCH_ISA must be 2 or 3"
#endif
