// Compiles one per-ISA kernel body once for each ISA this build has (AVX2 and
// AVX-512, dispatch.hpp's DRIFTWATCH_ISA_AVX2 / DRIFTWATCH_ISA_AVX512), each
// between isa_begin.hpp and isa_end.hpp (its target region and namespace,
// detail::avx2 or detail::avx512). A kernel header names its body and
// includes this file, inside namespace driftwatch::detail:
//
//   #define DRIFTWATCH_ISA_BODY <driftwatch/detail/kernels_binning_isa.hpp>
//   #include <driftwatch/detail/isa_bodies.hpp>
//
// DRIFTWATCH_ISA_BODY is undefined again at the end. No include guard: included
// once per kernel header.
#if !defined(DRIFTWATCH_ISA_BODY)
#error "isa_bodies.hpp: define DRIFTWATCH_ISA_BODY (the per-ISA body to compile) first"
#endif
#if defined(DRIFTWATCH_ISA_AVX2)
#define DRIFTWATCH_ISA 2
#include <driftwatch/detail/isa_begin.hpp>
#include DRIFTWATCH_ISA_BODY
#include <driftwatch/detail/isa_end.hpp>
#undef DRIFTWATCH_ISA
#endif
#if defined(DRIFTWATCH_ISA_AVX512)
#define DRIFTWATCH_ISA 3
#include <driftwatch/detail/isa_begin.hpp>
#include DRIFTWATCH_ISA_BODY
#include <driftwatch/detail/isa_end.hpp>
#undef DRIFTWATCH_ISA
#endif
#undef DRIFTWATCH_ISA_BODY
