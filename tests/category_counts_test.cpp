#include <driftwatch/accumulators/category_counts.hpp>

#include <string>
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
