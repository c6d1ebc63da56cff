// Closes what isa_begin.hpp opened.
}  // namespace avx2 / avx512
DRIFTWATCH_TARGET_END
