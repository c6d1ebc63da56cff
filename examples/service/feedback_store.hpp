// The example service's feedback store: the lists served by POST /recommend,
// kept until POST /feedback takes them (docs/embedding.md, step 5). Fixed
// capacity, allocated once at start; sharded rings with an open-addressing
// index keyed by a 128-bit fingerprint of the request id; the oldest list
// nobody took is evicted, and counted. Unit-tested against a model of its
// eviction order by examples/service/feedback_store_test.cpp.
#pragma once

#include <driftwatch/core/ranking_types.hpp>
#include <driftwatch/core/span.hpp>

#ifdef __linux__
#include <sys/mman.h>
#endif

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string_view>
#include <type_traits>
#include <vector>

namespace recsvc {

namespace dw = driftwatch;

// n value-initialized T's in one block, allocated (and every page touched)
// at start. On Linux the block is asked to be backed by 2 MB pages
// (madvise(MADV_HUGEPAGE): Debian's transparent huge pages are "madvise"
// by default): the feedback store below is megabytes read at random, and
// with 4 KB pages nearly every put missed the TLB (measured with perf
// record at 12,000 requests/s: put's share of the process's samples fell
// from 1.4% to 0.4% with 2 MB pages).
template <class T>
class block_array {
 public:
  explicit block_array(std::size_t n) : n_(n) {
    static_assert(std::is_trivially_destructible<T>::value, "block_array holds trivially destructible types");
    const std::size_t bytes = std::max<std::size_t>(1, n * sizeof(T));
#ifdef __linux__
    constexpr std::size_t huge = std::size_t{2} << 20;
    bytes_ = bytes >= huge ? (bytes + huge - 1) / huge * huge : bytes;  // a small block: plain pages
    void* p = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    if (bytes_ >= huge) madvise(p, bytes_, MADV_HUGEPAGE);  // only a request: fine if refused
    data_ = static_cast<T*>(p);
#else
    data_ = static_cast<T*>(::operator new(bytes));
#endif
    std::uninitialized_value_construct_n(data_, n_);  // zeroes: touches every page now, not during requests
  }
  block_array(const block_array&) = delete;
  block_array& operator=(const block_array&) = delete;
  ~block_array() {
#ifdef __linux__
    munmap(data_, bytes_);
#else
    ::operator delete(data_);
#endif
  }
  T* data() const { return data_; }

 private:
  T* data_ = nullptr;
  std::size_t n_ = 0, bytes_ = 0;
};

// ---- served lists waiting for their feedback -----------------------------------
// Allocated once at start, so serving a request allocates nothing here and
// copies no string. A request id is keyed by a 128-bit fingerprint of its
// text: two different 64-bit hashes (FNV-1a and the standard library's), so
// feedback finds another request's list only if both hashes of two ids held
// at once agree. Sharded by the fingerprint (a mutex per shard, held for a
// few dozen instructions), each shard a ring of capacity/shards slots in
// serving order plus an open-addressing index (linear probing, deletion by
// backward shift) from fingerprint to slot. put() writes the shard's next
// ring slot; a list still there that nobody took is the oldest one of the
// shard: it is evicted and counted. put and take are O(1).
class pending_lists {
 public:
  // A list's shard is its fingerprint's second hash modulo shards; each shard
  // holds max(1, capacity / shards) lists.
  static constexpr std::size_t shards = 64;
  struct fingerprint {
    std::uint64_t a = 0, b = 0;
  };
  static fingerprint fingerprint_of(std::string_view id) {
    std::uint64_t a = 14695981039346656037ull;  // FNV-1a, then a final mix of its bits
    for (unsigned char ch : id) a = (a ^ ch) * 1099511628211ull;
    a ^= a >> 33;
    a *= 0xff51afd7ed558ccdull;
    a ^= a >> 33;
    return {a, static_cast<std::uint64_t>(std::hash<std::string_view>{}(id))};
  }

  // capacity lists of at most k items each.
  pending_lists(std::size_t capacity, std::size_t k)
      : per_shard_(checked_per_shard(capacity)),
        k_(k),
        index_size_(index_size_for(per_shard_)),
        slots_(shards * per_shard_),
        items_(shards * per_shard_ * k_),
        index_(shards * index_size_) {
    for (std::size_t i = 0; i < shards; ++i) {
      shard& s = shards_[i];
      s.slots = slots_.data() + i * per_shard_;
      s.items = items_.data() + i * per_shard_ * k_;
      s.index = index_.data() + i * index_size_;
      s.mask = index_size_ - 1;
    }
  }

  // Asks the CPU for the lines put(f, ...) will read first: the index
  // position of f and the ring slot it will write. Those are cache misses
  // (the store is megabytes, read at random), which this lets overlap with
  // the request's other work. Only a hint: it reads nothing it relies on.
  void prefetch(const fingerprint& f) {
    const shard& s = shard_of(f);
    prefetch_line(s.index + (f.a & s.mask));
    prefetch_line(s.slots + s.head.load(std::memory_order_relaxed));
  }

  // Keeps the list served under the id with fingerprint f (its first k
  // items); an id already held keeps its first list.
  void put(std::string_view id, dw::span<const dw::item_id> items) { put(fingerprint_of(id), items); }
  void put(const fingerprint& f, dw::span<const dw::item_id> items) {
    shard& s = shard_of(f);
    std::lock_guard<std::mutex> lock(s.mutex);
    std::size_t i = f.a & s.mask;
    for (; s.index[i].slot != 0; i = (i + 1) & s.mask)
      if (s.holds(i, f)) return;
    const std::uint32_t slot = s.head.load(std::memory_order_relaxed);
    s.head.store(slot + 1 == per_shard_ ? 0 : slot + 1, std::memory_order_relaxed);
    slot_state& e = s.slots[slot];
    if (e.live) {  // the shard's oldest list, never taken
      s.erase(s.find(e.key));
      // The erase may have emptied a position before i on f's probe run:
      // f goes to the first empty one.
      for (i = f.a & s.mask; s.index[i].slot != 0;) i = (i + 1) & s.mask;
      evicted_.fetch_add(1, std::memory_order_relaxed);
    }
    e.key = f;
    e.live = true;
    e.size = static_cast<std::uint32_t>(std::min(items.size(), k_));
    std::copy(items.begin(), items.begin() + e.size, s.items + slot * k_);
    s.index[i] = {static_cast<std::uint32_t>(f.a), slot + 1};
  }

  // Moves the list served under `id` into `out`; false if there is none
  // (never served, already taken or evicted).
  bool take(std::string_view id, std::vector<dw::item_id>& out) { return take(fingerprint_of(id), out); }
  bool take(const fingerprint& f, std::vector<dw::item_id>& out) {
    shard& s = shard_of(f);
    std::lock_guard<std::mutex> lock(s.mutex);
    const std::size_t i = s.find(f);
    if (i == not_found) return false;
    const std::uint32_t slot = s.index[i].slot - 1;
    const dw::item_id* first = s.items + slot * k_;
    out.assign(first, first + s.slots[slot].size);
    s.slots[slot].live = false;
    s.erase(i);
    return true;
  }

  std::uint64_t evicted() const { return evicted_.load(std::memory_order_relaxed); }
  std::size_t size() {
    std::size_t n = 0;
    for (auto& s : shards_) {
      std::lock_guard<std::mutex> lock(s.mutex);
      for (std::size_t i = 0; i < per_shard_; ++i) n += s.slots[i].live ? 1 : 0;
    }
    return n;
  }

 private:
  struct slot_state {
    fingerprint key;
    std::uint32_t size = 0;
    bool live = false;
  };
  // An index entry: the low 32 bits of the fingerprint's first hash (its
  // probe position, and a filter: only a match reads the slot's full key)
  // and the slot + 1 (0: empty). 8 bytes, 8 to a cache line.
  struct index_entry {
    std::uint32_t tag = 0, slot = 0;
  };
  static constexpr std::size_t not_found = ~std::size_t{0};
  struct alignas(64) shard {
    std::mutex mutex;
    slot_state* slots = nullptr;       // the ring, in serving order from head
    dw::item_id* items = nullptr;      // k per slot
    index_entry* index = nullptr;      // mask + 1 entries, at most half full
    std::size_t mask = 0;
    std::atomic<std::uint32_t> head{0};  // the next slot put() writes (read unlocked by prefetch)

    bool holds(std::size_t i, const fingerprint& f) const {
      if (index[i].tag != static_cast<std::uint32_t>(f.a)) return false;
      const fingerprint& g = slots[index[i].slot - 1].key;
      return g.a == f.a && g.b == f.b;
    }
    // The index position holding f, or not_found.
    std::size_t find(const fingerprint& f) const {
      for (std::size_t i = f.a & mask;; i = (i + 1) & mask) {
        if (index[i].slot == 0) return not_found;
        if (holds(i, f)) return i;
      }
    }
    // Empties index position i (if it is one), moving later entries of its
    // probe run back so every entry stays reachable from its home position.
    void erase(std::size_t i) {
      if (i == not_found) return;
      for (std::size_t j = (i + 1) & mask;; j = (j + 1) & mask) {
        const index_entry v = index[j];
        if (v.slot == 0) break;
        const std::size_t home = v.tag & mask;
        // v may move to i if its home is not in the cyclic range (i, j].
        if (((j - home) & mask) >= ((j - i) & mask)) {
          index[i] = v;
          i = j;
        }
      }
      index[i] = index_entry{};
    }
  };
  shard& shard_of(const fingerprint& f) { return shards_[f.b % shards]; }
  const shard& shard_of(const fingerprint& f) const { return shards_[f.b % shards]; }
  static void prefetch_line(const void* p) {
#if defined(__GNUC__) || defined(__clang__)
    __builtin_prefetch(p, 1);
#else
    (void)p;
#endif
  }
  static std::size_t checked_per_shard(std::size_t capacity) {
    const std::size_t n = std::max<std::size_t>(1, capacity / shards);
    if (n > (std::size_t{1} << 30)) throw std::runtime_error("ranking.pending_feedback: too large");
    return n;
  }
  static std::size_t index_size_for(std::size_t per_shard) {
    std::size_t n = 4;
    while (n < 2 * per_shard) n *= 2;  // at most half full
    return n;
  }
  std::array<shard, shards> shards_;
  std::size_t per_shard_, k_, index_size_;
  block_array<slot_state> slots_;
  block_array<dw::item_id> items_;
  block_array<index_entry> index_;
  std::atomic<std::uint64_t> evicted_{0};
};

}  // namespace recsvc
