// Tests of examples/service/feedback_store.hpp (the service's store of served
// lists waiting for their feedback): explicit cases of its eviction rule, then
// fixed-seed random put/take sequences checked step by step against a model.
//
// The model is the store's contract written plainly: per shard (fingerprint.b
// % shards), the last max(1, capacity / shards) puts of an id not held, in
// serving order (a std::deque); a put that pushes a put out of that window
// evicts its list if nobody took it since (and counts it); a map from the full
// 128-bit fingerprint to the list held. The store gets there with a ring of
// slots and an open-addressing index over 32-bit tags: the crafted fingerprints
// below share shards, index home positions, tags and whole first hashes, so the
// index's probing, backward-shift deletion and full-key comparison all have to
// be right for the two to agree.
#include "feedback_store.hpp"

#include <algorithm>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "counting_allocator.hpp"
#include "test_support.hpp"

namespace {

using recsvc::pending_lists;
using fingerprint = pending_lists::fingerprint;
using item_id = driftwatch::item_id;
using list = std::vector<item_id>;
constexpr std::size_t shards = pending_lists::shards;

class model {
 public:
  model(std::size_t capacity, std::size_t k)
      : per_shard_(capacity / shards > 0 ? capacity / shards : 1), k_(k), served_(shards) {}

  void put(const fingerprint& f, const list& items) {
    const key id{f.a, f.b};
    if (held_.count(id)) return;  // an id held keeps its first list
    std::deque<std::pair<std::uint64_t, key>>& window = served_[f.b % shards];
    if (window.size() == per_shard_) {
      const auto [seq, old] = window.front();
      window.pop_front();
      const auto it = held_.find(old);
      if (it != held_.end() && it->second.first == seq) {  // that very put's list, never taken
        held_.erase(it);
        ++evicted_;
      }
    }
    window.emplace_back(next_seq_, id);
    held_[id] = {next_seq_++, list(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(std::min(items.size(), k_)))};
  }
  std::optional<list> take(const fingerprint& f) {
    const auto it = held_.find({f.a, f.b});
    if (it == held_.end()) return std::nullopt;
    list out = std::move(it->second.second);
    held_.erase(it);
    return out;
  }
  std::uint64_t evicted() const { return evicted_; }
  std::size_t size() const { return held_.size(); }

 private:
  using key = std::pair<std::uint64_t, std::uint64_t>;
  std::size_t per_shard_, k_;
  std::vector<std::deque<std::pair<std::uint64_t, key>>> served_;  // per shard: (put number, id), oldest first
  std::map<key, std::pair<std::uint64_t, list>> held_;              // id -> (put number, list)
  std::uint64_t next_seq_ = 0, evicted_ = 0;
};

// A fingerprint in shard `shard` whose first hash is `a` (b's high bits vary
// with `variant`, so equal a's in one shard are still different ids).
fingerprint in_shard(std::uint64_t a, std::size_t shard, std::uint64_t variant = 0) {
  return {a, variant * shards + shard};
}

std::optional<list> take(pending_lists& store, const fingerprint& f) {
  list out;
  if (!store.take(f, out)) return std::nullopt;
  return out;
}

list items_for(std::uint64_t n, std::size_t count) {
  list items(count);
  for (std::size_t i = 0; i < count; ++i) items[i] = n * 1000 + i + 1;
  return items;
}

}  // namespace

TEST_CASE("each shard holds max(1, capacity / shards) lists and evicts its oldest untaken one", "[feedback_store]") {
  pending_lists store(3 * shards + 5, 4);  // 3 per shard: the 5 left over are not held
  const fingerprint f1 = in_shard(1, 7), f2 = in_shard(2, 7), f3 = in_shard(3, 7), f4 = in_shard(4, 7);
  store.put(f1, items_for(1, 4));
  store.put(f2, items_for(2, 4));
  store.put(f3, items_for(3, 4));
  CHECK(store.size() == 3);
  CHECK(store.evicted() == 0);
  store.put(in_shard(5, 8), items_for(5, 4));  // another shard: evicts nothing in shard 7
  CHECK(store.evicted() == 0);
  store.put(f4, items_for(4, 4));  // the 4th in shard 7 pushes the 1st out
  CHECK(store.evicted() == 1);
  CHECK(store.size() == 4);
  CHECK_FALSE(take(store, f1));
  CHECK(take(store, f2) == items_for(2, 4));
  CHECK(take(store, f3) == items_for(3, 4));
  CHECK(take(store, f4) == items_for(4, 4));
  CHECK(take(store, in_shard(5, 8)) == items_for(5, 4));
  CHECK(store.size() == 0);
  CHECK(store.evicted() == 1);
}

TEST_CASE("the ring reuses slots in serving order: a taken list's slot is not refilled early", "[feedback_store]") {
  pending_lists store(3 * shards, 2);
  const fingerprint f1 = in_shard(1, 0), f2 = in_shard(2, 0), f3 = in_shard(3, 0);
  store.put(f1, items_for(1, 2));
  store.put(f2, items_for(2, 2));
  store.put(f3, items_for(3, 2));
  CHECK(take(store, f2) == items_for(2, 2));
  // The 4th put writes the oldest slot (f1's), not the free one f2 left.
  store.put(in_shard(4, 0), items_for(4, 2));
  CHECK(store.evicted() == 1);
  CHECK_FALSE(take(store, f1));
  // The 5th writes f2's old slot: it was taken, nothing is evicted.
  store.put(in_shard(5, 0), items_for(5, 2));
  CHECK(store.evicted() == 1);
  CHECK(store.size() == 3);
}

TEST_CASE("capacity below the shard count holds one list per shard", "[feedback_store]") {
  for (std::size_t capacity : {std::size_t{0}, std::size_t{1}, shards - 1, shards, 2 * shards - 1}) {
    CAPTURE(capacity);
    pending_lists store(capacity, 3);
    for (std::size_t s = 0; s < shards; ++s) store.put(in_shard(s, s), items_for(s, 3));
    CHECK(store.size() == shards);
    CHECK(store.evicted() == 0);
    store.put(in_shard(1000, 5), items_for(1000, 3));  // a second list in shard 5 evicts its first
    CHECK(store.evicted() == 1);
    CHECK_FALSE(take(store, in_shard(5, 5)));
    CHECK(take(store, in_shard(1000, 5)) == items_for(1000, 3));
    CHECK(take(store, in_shard(6, 6)) == items_for(6, 3));
  }
}

TEST_CASE("re-put, unknown ids and list lengths", "[feedback_store]") {
  pending_lists store(2 * shards, 3);
  const fingerprint f = in_shard(42, 9);
  store.put(f, items_for(1, 3));
  store.put(f, items_for(2, 3));  // held: keeps its first list and takes no slot
  store.put(in_shard(43, 9), items_for(3, 3));
  CHECK(store.evicted() == 0);
  CHECK(take(store, f) == items_for(1, 3));
  CHECK_FALSE(take(store, f));  // taken once only
  store.put(f, items_for(4, 3));  // taken: a new put keeps the new list (and pushes the oldest put out)
  CHECK(store.evicted() == 0);    // the oldest put was f's first, already taken
  CHECK(take(store, f) == items_for(4, 3));

  list out{7, 8};
  CHECK_FALSE(store.take(in_shard(44, 9), out));  // never served
  CHECK_FALSE(store.take("never served", out));
  CHECK(out == list{7, 8});  // a failed take leaves out as it was

  store.put(in_shard(50, 1), items_for(50, 5));  // longer than k: its first k items
  store.put(in_shard(51, 1), items_for(51, 1));
  store.put(in_shard(52, 2), list{});
  CHECK(take(store, in_shard(50, 1)) == items_for(50, 3));
  CHECK(take(store, in_shard(51, 1)) == items_for(51, 1));
  CHECK(take(store, in_shard(52, 2)) == list{});
}

TEST_CASE("ids that share an index tag or a whole first hash stay apart", "[feedback_store]") {
  pending_lists store(4 * shards, 2);
  // Same 32-bit tag (so the same home position), different high bits; then
  // the same first hash, told apart only by the second.
  const fingerprint same_tag_1 = in_shard(0x0000000100000006ull, 3), same_tag_2 = in_shard(0x0000000200000006ull, 3);
  const fingerprint same_a_1 = in_shard(0x0000000300000006ull, 3, 1), same_a_2 = in_shard(0x0000000300000006ull, 3, 2);
  store.put(same_tag_1, items_for(1, 2));
  store.put(same_tag_2, items_for(2, 2));
  store.put(same_a_1, items_for(3, 2));
  store.put(same_a_2, items_for(4, 2));
  CHECK(store.evicted() == 0);
  CHECK(store.size() == 4);
  CHECK_FALSE(take(store, in_shard(0x0000000400000006ull, 3)));  // same tag, never served
  CHECK_FALSE(take(store, in_shard(0x0000000300000006ull, 3, 3)));  // same first hash, never served
  CHECK(take(store, same_tag_2) == items_for(2, 2));
  CHECK(take(store, same_a_1) == items_for(3, 2));
  CHECK(take(store, same_tag_1) == items_for(1, 2));
  CHECK(take(store, same_a_2) == items_for(4, 2));
}

TEST_CASE("request ids: the text's fingerprint is the key", "[feedback_store]") {
  const fingerprint r1 = pending_lists::fingerprint_of("r1"), r1_again = pending_lists::fingerprint_of("r1");
  const fingerprint r2 = pending_lists::fingerprint_of("r2");
  CHECK((r1.a == r1_again.a && r1.b == r1_again.b));
  CHECK(r1.a != r2.a);
  CHECK(r1.b != r2.b);
  pending_lists store(shards, 2);
  store.put("r1", items_for(1, 2));
  list out;
  CHECK(store.take(r1, out));  // the text and its fingerprint name the same list
  CHECK(out == items_for(1, 2));
  store.put(r2, items_for(2, 2));
  CHECK(store.take("r2", out));
  CHECK(out == items_for(2, 2));
  CHECK_FALSE(store.take("r2", out));
}

TEST_CASE("put and take allocate nothing", "[feedback_store]") {
  pending_lists store(8 * shards, 10);
  const list items = items_for(1, 10);
  list out;
  out.reserve(10);
  const long before = driftwatch_test::allocation_count();
  for (std::uint64_t n = 0; n < 2000; ++n) {
    store.put(in_shard(n, n % shards), items);
    if (n % 3 == 0) (void)store.take(in_shard(n / 2, (n / 2) % shards), out);
  }
  store.put("request 1", items);
  (void)store.take("request 1", out);
  CHECK(driftwatch_test::allocation_count() == before);
}

// Random put/take sequences over a small pool of ids crowded into a few
// shards and a few index home positions (some around the index's wrap-around
// point), with shared tags and shared first hashes, for several capacities.
TEST_CASE("random put/take sequences agree with the model", "[feedback_store]") {
  struct run {
    std::size_t capacity, k, operations;
  };
  const run runs[] = {
      {0, 3, 4000},             // one per shard
      {shards / 2, 2, 4000},    // below the shard count
      {2 * shards, 4, 6000},    // index of 4 positions per shard
      {2 * shards + 63, 4, 6000},
      {5 * shards, 3, 8000},    // index of 16
      {16 * shards, 5, 12000},  // index of 32: full index half
      {100 * shards, 2, 20000},
  };
  std::mt19937_64 rng(20261207);
  std::uint64_t total_evicted = 0, total_taken = 0, total_missed = 0;
  for (const run& r : runs) {
    CAPTURE(r.capacity, r.k);
    const std::size_t per_shard = r.capacity / shards > 0 ? r.capacity / shards : 1;
    std::size_t index_size = 4;
    while (index_size < 2 * per_shard) index_size *= 2;
    // The pool: ~3 ids per slot of the 3 shards used, so rings fill and wrap.
    const std::size_t used_shards[] = {0, 1, shards - 1};
    std::vector<fingerprint> pool;
    const std::size_t pool_size = 3 * 3 * per_shard + 6;
    while (pool.size() < pool_size) {
      const std::size_t shard = used_shards[rng() % 3];
      // Home positions: mostly the last two (their probe runs wrap to 0) and
      // the first two.
      const std::uint64_t homes[] = {index_size - 1, index_size - 2, 0, 1, rng() % index_size};
      const std::uint64_t home = homes[rng() % 5];
      const std::uint64_t tag = home + index_size * (rng() % 3);  // 3 tags per home position
      const std::uint64_t high = rng() % 4;                        // 4 first hashes per tag
      const std::uint64_t variant = rng() % 2;                     // 2 second hashes per first
      const fingerprint f = in_shard((high << 32) | tag, shard, variant);
      bool known = false;
      for (const fingerprint& g : pool) known = known || (g.a == f.a && g.b == f.b);
      if (!known) pool.push_back(f);
    }

    pending_lists store(r.capacity, r.k);
    model expected(r.capacity, r.k);
    list out;
    for (std::size_t op = 0; op < r.operations; ++op) {
      const fingerprint& f = pool[rng() % pool.size()];
      CAPTURE(op, f.a, f.b);
      if (rng() % 5 < 3) {
        const list items = items_for(op, rng() % (r.k + 2));  // 0 .. k + 1 items
        store.put(f, items);
        expected.put(f, items);
        REQUIRE(store.evicted() == expected.evicted());
      } else {
        const std::optional<list> want = expected.take(f);
        REQUIRE(store.take(f, out) == want.has_value());
        if (want) {
          REQUIRE(out == *want);
          ++total_taken;
        } else {
          ++total_missed;
        }
      }
      if (op % 97 == 0) REQUIRE(store.size() == expected.size());
    }
    REQUIRE(store.size() == expected.size());
    for (const fingerprint& f : pool) {  // every list still held, and nothing else
      const std::optional<list> want = expected.take(f);
      REQUIRE(store.take(f, out) == want.has_value());
      if (want) REQUIRE(out == *want);
    }
    CHECK(store.size() == 0);
    total_evicted += expected.evicted();
  }
  // The sequences exercised what they are for.
  CHECK(total_evicted > 1000);
  CHECK(total_taken > 1000);
  CHECK(total_missed > 1000);
}
