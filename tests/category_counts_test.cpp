#include <driftwatch/accumulators/category_counts.hpp>
#include <driftwatch/metrics/chi_square.hpp>
#include <driftwatch/metrics/divergence.hpp>

#include <cstdint>
#include <limits>
#include <memory>
#include <memory_resource>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "test_support.hpp"

using driftwatch::category_counts;

TEST_CASE("categories are counted in first-seen order and unseen ones are kept", "[category_counts]") {
  category_counts c;
  c.observe(std::vector<std::string>{"b", "a", "b", "c", "b"});
  CHECK(c.names() == std::vector<std::string>{"b", "a", "c"});
  CHECK(c.counts() == std::vector<std::uint64_t>{3, 1, 1});
  CHECK(c.count("b") == 3);
  CHECK(c.count("zzz") == 0);
  CHECK(c.index_of("zzz") == category_counts::npos);
  CHECK(c.count() == 5);
}

TEST_CASE("merge equals concatenation, by category name", "[category_counts][merge]") {
  const std::vector<std::string> all = {"x", "y", "x", "z", "w", "y", "y", "q", "x"};
  category_counts whole;
  whole.observe(all);
  for (std::size_t split = 0; split <= all.size(); ++split) {
    category_counts a, b;
    for (std::size_t i = 0; i < all.size(); ++i) (i < split ? a : b)(all[i]);
    a += b;
    for (const auto& name : whole.names()) CHECK(a.count(name) == whole.count(name));
    CHECK(a.size() == whole.size());
    CHECK(a.count() == whole.count());
  }
}

TEST_CASE("beyond max_categories new categories overflow, known ones still count", "[category_counts]") {
  category_counts c(2);
  c("a");
  c("b");
  c("c");
  c("a");
  c("d", 5);
  CHECK(c.size() == 2);
  CHECK(c.count("a") == 2);
  CHECK(c.overflow_count() == 6);
  category_counts d(2);
  d("e");
  CHECK_THROWS_WITH(d += c, driftwatch_test::contains("more than max_categories = 2"));
  CHECK(d.size() == 1);  // unchanged on failure
  CHECK_THROWS_AS(category_counts(0), driftwatch::error);
}

TEST_CASE("align puts both sides on the union of categories", "[category_counts]") {
  category_counts ref, cur;
  ref.observe(std::vector<std::string>{"a", "b", "b"});
  cur.observe(std::vector<std::string>{"c", "b"});
  const auto a = driftwatch::align(ref, cur);
  CHECK(a.names == std::vector<std::string>{"a", "b", "c"});
  CHECK(a.reference == std::vector<double>{1, 2, 0});
  CHECK(a.current == std::vector<double>{0, 1, 1});
}

// ---- basic_category_counts: weights, storages, allocators (issue 16) ----

namespace {
using driftwatch::atomic_counter64;
using driftwatch::basic_category_counts;
using driftwatch::counter32;
using driftwatch::unweighted;
using driftwatch::weighted;

class counting_resource : public std::pmr::memory_resource {
 public:
  std::size_t allocations = 0;

 private:
  void* do_allocate(std::size_t n, std::size_t align) override {
    ++allocations;
    return std::pmr::new_delete_resource()->allocate(n, align);
  }
  void do_deallocate(void* p, std::size_t n, std::size_t align) override {
    std::pmr::new_delete_resource()->deallocate(p, n, align);
  }
  bool do_is_equal(const std::pmr::memory_resource& o) const noexcept override { return this == &o; }
};
}  // namespace

TEST_CASE("category_counts is the default instantiation, with today's types", "[category_counts][policies]") {
  static_assert(std::is_same<category_counts, basic_category_counts<unweighted, driftwatch::counter64, std::allocator<char>>>::value, "");
  static_assert(std::is_same<decltype(std::declval<const category_counts&>().names()), const std::vector<std::string>&>::value, "");
  static_assert(std::is_same<decltype(std::declval<const category_counts&>().counts()), const std::vector<std::uint64_t>&>::value, "");
  CHECK(category_counts::state_tag == driftwatch::state_type::category_counts);
}

TEST_CASE("counter32 category counts saturate visibly and refuse to feed metrics", "[category_counts][policies]") {
  using c32 = basic_category_counts<unweighted, counter32>;
  c32 c;
  c("a", 0xFFFFFFF0ull);
  c("a", 0x0Full);
  CHECK(c.count("a") == 0xFFFFFFFFull);
  CHECK(c.saturated_count() == 0);
  c("a", 5);
  c("b");
  CHECK(c.count("a") == 0xFFFFFFFFull);
  CHECK(c.saturated_count() == 5);
  CHECK(c.count("b") == 1);
  CHECK_FALSE(driftwatch::psi(c, c).valid());
  CHECK_FALSE(driftwatch::chi_square(c, c).valid());
  const auto back = driftwatch::deserialize<c32>(driftwatch::serialize(c));
  CHECK(back.count("a") == 0xFFFFFFFFull);
  CHECK(back.saturated_count() == 5);
  CHECK_THROWS_WITH(driftwatch::deserialize<category_counts>(driftwatch::serialize(c)),
                    driftwatch_test::contains("holds a category_counts<unweighted, counter32>, not a "
                                              "category_counts<unweighted, counter64>"));
}

TEST_CASE("atomic category counts: a fixed category set counted by threads, outsiders overflow", "[category_counts][policies]") {
  using ca = basic_category_counts<unweighted, atomic_counter64>;
  ca c;
  for (const char* s : {"x", "y", "z"}) c.add_category(s);
  const std::vector<std::string> stream = {"x", "y", "y", "z", "z", "z", "new"};
  auto work = [&] {
    for (int rep = 0; rep < 5000; ++rep)
      for (const auto& s : stream) c(s);
  };
  std::thread t1(work), t2(work);
  t1.join();
  t2.join();
  CHECK(c.count("x") == 10000);
  CHECK(c.count("y") == 20000);
  CHECK(c.count("z") == 30000);
  CHECK(c.size() == 3);
  CHECK(c.overflow_count() == 10000);
  ca copy = c;
  copy += c;  // a merge may add categories (not concurrently with counting)
  CHECK(copy.count("z") == 60000);
  CHECK(driftwatch::deserialize<ca>(driftwatch::serialize(c)).count("y") == 20000);
}

TEST_CASE("pmr category counts: names, counts and index come from the resource", "[category_counts][policies]") {
  using cp = basic_category_counts<unweighted, driftwatch::counter64, std::pmr::polymorphic_allocator<char>>;
  counting_resource res;
  cp c(100, &res);
  c.observe(std::vector<std::string>{"a long category name beyond the small-string buffer", "b", "b"});
  CHECK(res.allocations >= 4);  // names vector, the long name, counts, index
  CHECK(c.names()[0].get_allocator().resource() == &res);
  CHECK(c.count("b") == 2);
  category_counts plain;
  plain.observe(std::vector<std::string>{"b", "c"});
  CHECK(driftwatch::psi(c, plain).valid());
  CHECK(driftwatch::deserialize<cp>(driftwatch::serialize(c)).count("b") == 2);
  CHECK(driftwatch::serialize(c) != driftwatch::serialize(plain));
}

TEST_CASE("weighted category counts: weights add, bad weights are invalid, unit weights match", "[category_counts][weighted]") {
  basic_category_counts<weighted> w;
  w("a", 0.5);
  w("a", 0.25);
  w("b");
  w("b", -1.0);
  w("c", std::numeric_limits<double>::infinity());
  CHECK(w.count("a") == 0.75);
  CHECK(w.count("b") == 1.0);
  CHECK(w.size() == 2);
  CHECK(w.invalid_count() == 2);
  CHECK(w.sum_of_squared_weights() == 0.25 + 0.0625 + 1.0);
  CHECK_THROWS_WITH(w.observe(std::vector<std::string>{"a"}, std::vector<double>{1.0, 2.0}),
                    driftwatch_test::contains("1 values but 2 weights"));
  const auto back = driftwatch::deserialize<basic_category_counts<weighted>>(driftwatch::serialize(w));
  CHECK(back.count("a") == 0.75);
  CHECK(back.invalid_count() == 2);
  CHECK(back.sum_of_squared_weights() == w.sum_of_squared_weights());
}
