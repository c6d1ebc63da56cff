// driftwatch::concurrent<A>: many threads observe into one accumulator with no
// lock on the hot path; readers get consistent snapshots.
//
// Threading model (docs/concurrency.md has the long version):
//   - every writing thread owns one shard: two copies of the accumulator (a
//     hot one it writes, a cold one a reader drains) and two atomic counters;
//   - a writer never waits, never locks and never allocates (after its first
//     observation, which registers the thread); it pays one uncontended atomic
//     read-modify-write and one release store on a cache line of its own;
//   - a reader (snapshot / take / merge) holds a reader mutex, flips each
//     shard's hot/cold buffers, waits for the writes already begun in the cold
//     buffer to finish, merges that buffer into a running total and resets it.
//     So a snapshot contains every observation completed before the call
//     started, each exactly once and never half of one.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <driftwatch/core/error.hpp>

namespace driftwatch {

namespace detail {

// Deprecated: every accumulator has reset() (the accumulator contract,
// docs/design.md); call it. Kept so code written against the old helper builds.
template <class A>
void reset_accumulator(A& a, const A&) {
  a.reset();
}

// The copy a shard buffer starts from: A::compact_copy() where A has one
// (drift_monitor: an empty copy with a smaller window layout, merged exactly
// into the full total at every drain), else a plain copy.
template <class A, class = void>
struct has_compact_copy : std::false_type {};
template <class A>
struct has_compact_copy<A, std::void_t<decltype(std::declval<const A&>().compact_copy())>> : std::true_type {};

// A::absorb(A* const* parts, std::size_t count): `for each part: *this +=
// *part; part->reset();` done at once (drift_monitor: one pass over each
// window for all the parts). A drain with several shards to merge uses it.
template <class A, class = void>
struct has_absorb : std::false_type {};
template <class A>
struct has_absorb<A, std::void_t<decltype(std::declval<A&>().absorb(std::declval<A* const*>(), std::size_t{}))>>
    : std::true_type {};

template <class A>
A shard_prototype(const A& a) {
  if constexpr (has_compact_copy<A>::value)
    return a.compact_copy();
  else
    return a;
}

// Per-thread list of the concurrent<> instances this thread writes to, with
// the shard it owns in each. Shared by every concurrent<A> type: entries are
// type-erased. The thread's shards are released (handed to the next thread
// that registers) when the thread exits.
class thread_registrations {
 public:
  struct entry {
    std::uint64_t instance = 0;
    void* shard = nullptr;
    std::atomic<bool>* claimed = nullptr;
    std::shared_ptr<void> keep_alive;   // the instance's shared state
    const std::atomic<bool>* alive = nullptr;
  };

  thread_registrations() = default;
  thread_registrations(const thread_registrations&) = delete;
  thread_registrations& operator=(const thread_registrations&) = delete;
  ~thread_registrations() {
    for (auto& e : entries_) e.claimed->store(false, std::memory_order_release);
  }

  // Runs on every observe through concurrent<A>::operator(): a short scan of
  // this thread's registrations, most recent hit first. No atomics.
  void* find(std::uint64_t instance) noexcept {
    if (last_ < entries_.size() && entries_[last_].instance == instance) return entries_[last_].shard;
    for (std::size_t i = 0; i < entries_.size(); ++i)
      if (entries_[i].instance == instance) {
        last_ = i;
        return entries_[i].shard;
      }
    return nullptr;
  }

  // Once per (thread, instance). Drops registrations of destroyed instances.
  void add(entry e) {
    std::size_t kept = 0;
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      if (entries_[i].alive->load(std::memory_order_acquire)) {
        if (kept != i) entries_[kept] = std::move(entries_[i]);
        ++kept;
      } else {
        entries_[i].claimed->store(false, std::memory_order_release);
      }
    }
    entries_.resize(kept);
    entries_.push_back(std::move(e));
    last_ = entries_.size() - 1;
  }

 private:
  std::vector<entry> entries_;
  std::size_t last_ = 0;
};

inline thread_registrations& this_thread_registrations() {
  static thread_local thread_registrations registrations;
  return registrations;
}

/// A hint to the CPU that this thread is spinning (x86 pause).
inline void cpu_relax() noexcept {
#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
  __builtin_ia32_pause();
#endif
}

inline std::uint64_t next_concurrent_instance_id() noexcept {
  static std::atomic<std::uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace detail

/// Makes any driftwatch accumulator `A` (histogram, category_counts,
/// drift_monitor, mean_accumulator, ranking_accumulator, paired_comparison,
/// welch_comparison, ks_stream, or your own type following the accumulator
/// contract of docs/design.md: copy, `+=`, `reset()`) safe to observe from
/// any number of threads at once.
///
/// Writers:
/// - `c(args...)` / `c.observe(args...)` / `c.apply(f)` forward to the calling
///   thread's own shard: `acc(args...)`, `acc.observe(args...)`, `f(acc)`.
///   The first call of a thread registers it (allocates once, takes a mutex
///   never held by readers); every later call is lock-free and wait-free:
///   one thread-local lookup, one atomic fetch_add, the accumulator's own
///   update, one release store. It allocates only if A's update does (e.g. a
///   category seen for the first time).
/// - `c.writer()` returns a handle bound to one shard, skipping the
///   thread-local lookup; use one handle per thread (it is not thread-safe).
/// - At most `max_writers` threads hold a shard at once (a thread's shard is
///   released when the thread exits or its handle is destroyed, and reused by
///   the next thread, keeping its counts); registering one more throws
///   driftwatch::error. Shards are allocated lazily, so a large max_writers
///   costs one pointer per slot until threads actually write.
///
/// Readers (serialized among themselves by a mutex; never block writers):
/// - `snapshot()` returns the merge of every observation completed before the
///   call, each exactly once; concurrent observations land in this snapshot
///   or a later one, never half in one. O(shards x state size), allocates.
///   A shard with no write since the previous drain costs one atomic load.
/// - `with_snapshot(f)` calls f on the same merged state instead of copying it.
/// - `take()` returns the same and empties the wrapper (observations that
///   race with it go to the next take): consecutive takes partition the
///   stream, which is what a tumbling window or a shipper of deltas needs.
/// - `merge(a)` adds a state built elsewhere (a replica, a restored file).
///
/// Writers whose accumulator update throws (bad_alloc) still complete their
/// bookkeeping, so readers never wait forever.
template <class A>
class concurrent {
 public:
  using accumulator_type = A;

  /// `prototype` fixes the configuration (edges, categories, k, references)
  /// of every shard; its observations, if any, are the wrapper's initial
  /// total. `max_writers` >= 1 bounds the number of threads writing at once.
  explicit concurrent(A prototype, std::size_t max_writers = 256)
      : state_(std::make_shared<state>(std::move(prototype), max_writers)), id_(detail::next_concurrent_instance_id()) {}

  concurrent(const concurrent&) = delete;
  concurrent& operator=(const concurrent&) = delete;
  ~concurrent() { state_->alive.store(false, std::memory_order_release); }

 private:
  struct shard;
  struct state;  // declared here so writer_handle can name it (clang requires it)

 public:
  /// A writer bound to one shard. Movable, not copyable; one thread at a time.
  class writer_handle {
   public:
    writer_handle(writer_handle&& other) noexcept : state_(std::move(other.state_)), shard_(other.shard_) {
      other.shard_ = nullptr;
    }
    writer_handle& operator=(writer_handle&& other) noexcept {
      if (this != &other) {
        release();
        state_ = std::move(other.state_);
        shard_ = other.shard_;
        other.shard_ = nullptr;
      }
      return *this;
    }
    writer_handle(const writer_handle&) = delete;
    writer_handle& operator=(const writer_handle&) = delete;
    ~writer_handle() { release(); }

    /// Runs in the hot loop: measure before changing.
    template <class... Args>
    void operator()(Args&&... args) {
      shard_->write([&](A& a) { a(std::forward<Args>(args)...); });
    }
    template <class... Args>
    void observe(Args&&... args) {
      shard_->write([&](A& a) { a.observe(std::forward<Args>(args)...); });
    }
    /// acc.observe_row(args...) (drift_monitor: a request's numeric feature vector).
    template <class... Args>
    void observe_row(Args&&... args) {
      shard_->write([&](A& a) { a.observe_row(std::forward<Args>(args)...); });
    }
    template <class F>
    void apply(F&& f) {
      shard_->write(f);
    }

   private:
    friend class concurrent;
    writer_handle(std::shared_ptr<typename concurrent::state> s, shard* sh) : state_(std::move(s)), shard_(sh) {}
    void release() noexcept {
      if (shard_ != nullptr) shard_->claimed.store(false, std::memory_order_release);
      shard_ = nullptr;
    }
    std::shared_ptr<typename concurrent::state> state_;
    shard* shard_;
  };

  /// Claims a shard for the calling thread's exclusive use (see class comment).
  writer_handle writer() { return writer_handle(state_, state_->claim()); }

  /// Observes through the calling thread's shard: acc(args...).
  /// Runs in the hot loop: measure before changing.
  template <class... Args>
  void operator()(Args&&... args) {
    local_shard()->write([&](A& a) { a(std::forward<Args>(args)...); });
  }
  /// acc.observe(args...) on the calling thread's shard.
  template <class... Args>
  void observe(Args&&... args) {
    local_shard()->write([&](A& a) { a.observe(std::forward<Args>(args)...); });
  }
  /// acc.observe_row(args...) on the calling thread's shard (drift_monitor:
  /// one request's whole numeric feature vector, see drift_monitor::observe_row).
  template <class... Args>
  void observe_row(Args&&... args) {
    local_shard()->write([&](A& a) { a.observe_row(std::forward<Args>(args)...); });
  }
  /// f(acc) on the calling thread's shard, for updates with other names
  /// (welch_comparison::observe_canary, ranking_accumulator::observe_scores).
  template <class F>
  void apply(F&& f) {
    local_shard()->write(f);
  }

  /// Every observation completed before the call, merged. See class comment.
  A snapshot() const {
    std::lock_guard<std::mutex> lock(state_->reader_mutex);
    state_->drain();
    return state_->total;
  }

  /// As snapshot(), but waits at most `max_wait` in all for writers caught in
  /// the middle of an observation (on a machine with more writing threads
  /// than cores, a descheduled writer otherwise holds the reader for a
  /// scheduler time slice or more). A shard still busy at the deadline is
  /// left for a later call: its observations -- including ones completed
  /// before this call -- arrive in a later snapshot or take(), exactly once,
  /// never half. `deferred` (if given) receives the number of such shards.
  /// What monitor_exporter uses for each scrape.
  A snapshot(std::chrono::nanoseconds max_wait, std::size_t* deferred = nullptr) const {
    std::lock_guard<std::mutex> lock(state_->reader_mutex);
    const clock_type::time_point deadline = clock_type::now() + max_wait;
    const std::size_t n = state_->drain(&deadline);
    if (deferred != nullptr) *deferred = n;
    return state_->total;
  }

  /// As snapshot(max_wait, deferred), without the copy: calls f(total) with
  /// the merged total (const A&, the same state snapshot() would copy) and
  /// returns what f returns. For a reader that only needs to read the state
  /// once -- monitor_exporter's pulled scrape runs report() on it -- this saves
  /// copying the whole accumulator (for a drift_monitor, every window's slot
  /// counts: 1.6 MB for 10 features of 10,000 distinct reference values,
  /// mostly page faults on fresh memory). f runs while the reader mutex is
  /// held: other readers (snapshot, take, merge, with_snapshot) wait for it,
  /// writers never do; f must not call those on this wrapper (it would
  /// deadlock) and must not keep the reference.
  template <class F>
  decltype(auto) with_snapshot(std::chrono::nanoseconds max_wait, F&& f, std::size_t* deferred = nullptr) const {
    std::lock_guard<std::mutex> lock(state_->reader_mutex);
    const clock_type::time_point deadline = clock_type::now() + max_wait;
    const std::size_t n = state_->drain(&deadline);
    if (deferred != nullptr) *deferred = n;
    return std::forward<F>(f)(static_cast<const A&>(state_->total));
  }
  /// As snapshot(), without the copy (see with_snapshot(max_wait, f)).
  template <class F>
  decltype(auto) with_snapshot(F&& f) const {
    std::lock_guard<std::mutex> lock(state_->reader_mutex);
    state_->drain();
    return std::forward<F>(f)(static_cast<const A&>(state_->total));
  }

  /// As snapshot(), and empties the wrapper.
  A take() {
    std::lock_guard<std::mutex> lock(state_->reader_mutex);
    state_->drain();
    A out = state_->total;
    state_->total.reset();
    return out;
  }

  /// Adds `other` (same configuration; A's += throws otherwise) to the total.
  void merge(const A& other) {
    std::lock_guard<std::mutex> lock(state_->reader_mutex);
    state_->total += other;
  }

  /// Number of shards created so far (threads that have written, at most
  /// max_writers; a shard outlives its thread and is reused).
  std::size_t shard_count() const noexcept {
    std::size_t n = 0;
    for (std::size_t i = 0; i < state_->capacity; ++i)
      if (state_->slots[i].load(std::memory_order_acquire) != nullptr) ++n;
    return n;
  }
  std::size_t max_writers() const noexcept { return state_->capacity; }

 private:
  // ---------------------------------------------------------------------
  // The memory-ordering argument.
  //
  // A shard has exactly one writer at a time: the thread that claimed it
  // (claim: exchange(true, acquire); release: store(false, release), so a
  // thread taking over a shard sees everything its previous owner wrote).
  // Readers are serialized by reader_mutex, so the reader-only fields
  // (flipped_at, expected) need no atomics.
  //
  // begun: bit 63 = index h of the hot buffer; bits 0..62 = number of writes
  //        ever begun on this shard.
  // done[b]: number of writes ever completed in buffer b (written only by the
  //        shard's owner).
  //
  // Writer:  (W1) n = begun.fetch_add(1, acquire); h = n >> 63
  //          (W2) update buf[h]                       (plain, non-atomic)
  //          (W3) done[h].store(done[h] + 1, release)
  // Reader:  (R1) n = begun.fetch_xor(1 << 63, acq_rel); c = n >> 63 (the old
  //               hot buffer, now cold); the writes begun since the previous
  //               flip, (n & mask) - flipped_at, all went to buf[c].
  //          (R2) spin until done[c].load(acquire) == expected[c].
  //          (R3) total += buf[c]; reset buf[c].
  //
  // Why it is race-free:
  // - Every W1 is ordered against R1 in begun's modification order. A W1
  //   before R1 chose c and was counted in expected[c]; its W3 is the store
  //   R2 waits for. Because the writer is one thread, its W3 stores are in
  //   program order after all its earlier W2s; R2's acquire load that reads
  //   the final count therefore synchronizes with the W3 of the last write
  //   into c, and every W2 into buf[c] happens-before R3.
  // - A W1 after R1 reads R1's value or a later one (an RMW); RMWs continue
  //   R1's release sequence, so W1 synchronizes with R1. Such a writer uses
  //   buf[!c] and cannot touch buf[c] until a later flip R1', which a reader
  //   performs after R3 (same thread, or a later holder of reader_mutex):
  //   R3 happens-before R1' happens-before (by the same argument) the writer's
  //   next W1 that picks c again. So R3 never overlaps a write to buf[c].
  // - The writer never waits on a reader: W1/W3 are unconditional. A reader
  //   waits only for writes already in flight (each a few nanoseconds unless
  //   the writer is descheduled mid-update).
  // - An observation is entirely in buf[c] or entirely in buf[!c]: a snapshot
  //   never sees half of one.
  // ---------------------------------------------------------------------
  static constexpr std::uint64_t hot_bit = std::uint64_t{1} << 63;
  using clock_type = std::chrono::steady_clock;

  struct alignas(64) shard {
    std::atomic<std::uint64_t> begun{0};
    std::atomic<std::uint64_t> done[2] = {};
    std::atomic<bool> claimed{true};
    A buffers[2];
    // Reader-only (guarded by reader_mutex).
    std::uint64_t flipped_at = 0;
    std::uint64_t expected[2] = {0, 0};
    bool pending = false;  // buffers[cold] flipped but not yet merged
    unsigned cold = 0;

    explicit shard(const A& prototype) : buffers{prototype, prototype} {}

    // Runs in the hot loop: measure before changing.
    template <class F>
    void write(F&& f) {
      const std::uint64_t n = begun.fetch_add(1, std::memory_order_acquire);
      const unsigned h = static_cast<unsigned>(n >> 63);
      struct completion {
        std::atomic<std::uint64_t>& d;
        ~completion() { d.store(d.load(std::memory_order_relaxed) + 1, std::memory_order_release); }
      } complete{done[h]};
      f(buffers[h]);
    }

    // Reader side; caller holds reader_mutex. Flips the buffers (unless a
    // previous bounded drain left the cold one pending), waits for the writes
    // begun in the cold buffer -- forever, or until `deadline` -- merges it
    // into `total` and resets it. Returns false when the deadline passed with
    // a write still in flight (the writer was descheduled mid-observation):
    // the cold buffer then stays pending, untouched, and is merged by a later
    // drain, so every observation still arrives exactly once.
    bool drain_into(A& total, const A& prototype, const clock_type::time_point* deadline = nullptr) {
      const bool was_pending = pending;
      if (!drain_once(total, prototype, deadline)) return false;
      // A buffer left pending by an earlier bounded drain is merged first;
      // then the buffer written since is flipped and merged as usual.
      return was_pending ? drain_once(total, prototype, deadline) : true;
    }
    bool drain_once(A& total, const A& prototype, const clock_type::time_point* deadline) {
      const int r = flip_and_wait(deadline);
      if (r <= 0) return r == 0;
      total += buffers[cold];
      buffers[cold].reset();
      (void)prototype;
      pending = false;
      return true;
    }
    // The first half of drain_once: flip() then wait().
    int flip_and_wait(const clock_type::time_point* deadline) {
      const int r = flip();
      return r == 0 ? 0 : wait(deadline);
    }
    // Flips the buffers, unless the cold one is pending (flipped by an earlier
    // drain, not merged yet). Returns 0 if there is nothing to drain, else 1
    // (buffers[cold] is pending: wait() for the writes begun in it).
    int flip() {
      if (pending) return 1;
      // No write begun since the last flip: the hot buffer is untouched and
      // the cold one was merged and reset, so there is nothing to drain (an
      // idle writer's shard costs one load, not a merge and a reset). A
      // write completed before this call began its fetch_add before it, so
      // this load sees it (coherence).
      if ((begun.load(std::memory_order_acquire) & ~hot_bit) == flipped_at) return 0;
      const std::uint64_t n = begun.fetch_xor(hot_bit, std::memory_order_acq_rel);
      cold = static_cast<unsigned>(n >> 63);
      const std::uint64_t begun_count = n & ~hot_bit;
      expected[cold] += begun_count - flipped_at;
      flipped_at = begun_count;
      pending = true;
      return 1;
    }
    // Waits for the writes begun in the pending cold buffer: 1 once they are
    // complete, -1 if the deadline passed first (it stays pending). Without
    // a deadline it yields between checks (the writer may need this core);
    // with one it spins: yielding would hand the core to another thread for a
    // whole time slice (EEVDF also moves the yielding thread's deadline
    // back), far longer than a bounded wait means to take.
    int wait(const clock_type::time_point* deadline) {
      const unsigned c = cold;
      while (done[c].load(std::memory_order_acquire) != expected[c]) {
        if (deadline == nullptr) {
          std::this_thread::yield();
          continue;
        }
        if (clock_type::now() >= *deadline) return -1;
        detail::cpu_relax();
      }
      return 1;
    }
  };

  struct state {
    A prototype;  // empty, the configuration of every shard (compact where A has compact_copy())
    A total;      // guarded by reader_mutex
    std::size_t capacity;
    std::unique_ptr<std::atomic<shard*>[]> slots;
    std::mutex reader_mutex;
    std::mutex register_mutex;
    std::atomic<bool> alive{true};

    state(A proto, std::size_t max_writers)
        : prototype(detail::shard_prototype(proto)), total(std::move(proto)), capacity(max_writers) {
      if (max_writers == 0) detail::fail("concurrent: max_writers must be at least 1, got 0");
      prototype.reset();
      slots.reset(new std::atomic<shard*>[capacity]);
      for (std::size_t i = 0; i < capacity; ++i) slots[i].store(nullptr, std::memory_order_relaxed);
    }
    state(const state&) = delete;
    state& operator=(const state&) = delete;
    ~state() {
      for (std::size_t i = 0; i < capacity; ++i) delete slots[i].load(std::memory_order_acquire);
    }

    // A free shard (one released by a thread that ended), or a new one.
    shard* claim() {
      std::lock_guard<std::mutex> lock(register_mutex);
      std::size_t empty = capacity;
      for (std::size_t i = 0; i < capacity; ++i) {
        shard* s = slots[i].load(std::memory_order_acquire);
        if (s == nullptr) {
          if (empty == capacity) empty = i;
          continue;
        }
        if (!s->claimed.exchange(true, std::memory_order_acquire)) return s;
      }
      if (empty == capacity)
        detail::fail("concurrent: more than max_writers = " + std::to_string(capacity) +
                     " threads are writing at once; construct it with a larger max_writers");
      auto* s = new shard(prototype);
      slots[empty].store(s, std::memory_order_release);
      return s;
    }

    // Returns the number of shards deferred (always 0 without a deadline).
    std::size_t drain(const clock_type::time_point* deadline = nullptr) {
      if constexpr (detail::has_absorb<A>::value) {
        return drain_absorbing(deadline);
      } else {
        std::size_t deferred = 0;
        for (std::size_t i = 0; i < capacity; ++i)
          if (shard* s = slots[i].load(std::memory_order_acquire))
            if (!s->drain_into(total, prototype, deadline)) ++deferred;
        return deferred;
      }
    }

    // As drain(), with the cold buffers of the shards merged by total.absorb()
    // calls (the same merges, in shard order) instead of one += each. A shard
    // whose cold buffer an earlier drain left pending must have that buffer
    // merged before it flips again, so such shards are flipped in a second
    // round, after the first absorb. (With more writing threads than cores,
    // most writers are descheduled in the middle of an observation at any
    // time, so pending shards are the common case under load.)
    std::size_t drain_absorbing(const clock_type::time_point* deadline) {
      std::size_t deferred = 0;
      ready_shards.clear();
      second_round.clear();
      // Flip every shard first, then wait: writes in flight at a flip finish
      // while the other shards are flipped.
      flipped.clear();
      for (std::size_t i = 0; i < capacity; ++i) {
        shard* s = slots[i].load(std::memory_order_acquire);
        if (s == nullptr) continue;
        const bool was_pending = s->pending;
        if (s->flip() == 0) continue;
        flipped.push_back(s);
        if (was_pending) second_round.push_back(s);
      }
      for (shard* s : flipped) {
        if (s->wait(deadline) > 0) {
          ready_shards.push_back(s);
        } else {
          ++deferred;
          second_round.erase(std::remove(second_round.begin(), second_round.end(), s), second_round.end());
        }
      }
      absorb_ready();
      for (shard* s : second_round) {
        const int r = s->flip_and_wait(deadline);
        if (r < 0) ++deferred;
        if (r > 0) ready_shards.push_back(s);
      }
      absorb_ready();
      return deferred;
    }
    // Merges the cold buffers of ready_shards into total (one absorb) and
    // resets them; they are no longer pending.
    void absorb_ready() {
      if (ready_shards.empty()) return;
      ready_buffers.clear();
      for (shard* s : ready_shards) ready_buffers.push_back(&s->buffers[s->cold]);
      total.absorb(ready_buffers.data(), ready_buffers.size());
      for (shard* s : ready_shards) s->pending = false;
      ready_shards.clear();
    }
    // drain_absorbing's lists (reader-only: guarded by reader_mutex; kept to
    // reuse their storage).
    std::vector<A*> ready_buffers;
    std::vector<shard*> ready_shards, second_round, flipped;
  };

  shard* local_shard() {
    auto& regs = detail::this_thread_registrations();
    if (void* s = regs.find(id_)) return static_cast<shard*>(s);
    return register_this_thread(regs);
  }

  shard* register_this_thread(detail::thread_registrations& regs) {
    shard* s = state_->claim();
    detail::thread_registrations::entry e;
    e.instance = id_;
    e.shard = s;
    e.claimed = &s->claimed;
    e.alive = &state_->alive;
    e.keep_alive = state_;
    try {
      regs.add(std::move(e));
    } catch (...) {  // bad_alloc: give the shard back rather than leak the slot
      s->claimed.store(false, std::memory_order_release);
      throw;
    }
    return s;
  }

  std::shared_ptr<state> state_;
  std::uint64_t id_;
};

}  // namespace driftwatch
