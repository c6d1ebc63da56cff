// Include in exactly one translation unit of a test executable: replaces the
// global operator new/delete with counting versions, so a test can prove that
// a code path performs no allocation:
//
//     const long before = driftwatch_test::allocation_count();
//     ... hot path ...
//     CHECK(driftwatch_test::allocation_count() == before);
#pragma once

#include <atomic>
#include <cstdlib>
#include <new>

namespace driftwatch_test {
inline std::atomic<long>& allocation_counter() {
  static std::atomic<long> count{0};
  return count;
}
inline long allocation_count() { return allocation_counter().load(); }
}  // namespace driftwatch_test

// GCC's -Wmismatched-new-delete misfires on a replaced operator new backed by
// malloc once the two are inlined into each other's callers; they match.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

void* operator new(std::size_t n) {
  driftwatch_test::allocation_counter().fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return ::operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { ::operator delete(p); }
void operator delete(void* p, std::size_t) noexcept { ::operator delete(p); }
void operator delete[](void* p, std::size_t) noexcept { ::operator delete(p); }
// The nothrow forms too: left to the runtime, they would allocate with its
// operator new and be freed by the replaced delete above, which
// AddressSanitizer reports as alloc-dealloc-mismatch (Catch2 uses them).
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  driftwatch_test::allocation_counter().fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n ? n : 1);
}
void* operator new[](std::size_t n, const std::nothrow_t& tag) noexcept { return ::operator new(n, tag); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
