// Tests for driftwatch/adapters/textfile.hpp: atomic writes for
// node_exporter's textfile collector.
#include <driftwatch/adapters/textfile.hpp>

#include <dirent.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace pm = driftwatch::prometheus;

namespace {
struct temp_dir {
  std::string path;
  temp_dir() {
    std::string templ = "/tmp/driftwatch_textfile_XXXXXX";
    char* made = ::mkdtemp(&templ[0]);
    REQUIRE(made != nullptr);
    path = made;
  }
  ~temp_dir() {
    for (const auto& f : files()) ::unlink((path + "/" + f).c_str());
    ::rmdir(path.c_str());
  }
  std::vector<std::string> files() const {
    std::vector<std::string> out;
    if (DIR* d = ::opendir(path.c_str())) {
      while (dirent* e = ::readdir(d)) {
        const std::string n = e->d_name;
        if (n != "." && n != "..") out.push_back(n);
      }
      ::closedir(d);
    }
    return out;
  }
};

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

TEST_CASE("write_textfile writes the 0.0.4 exposition and leaves no temporary file") {
  temp_dir dir;
  pm::registry r;
  auto g = r.add_gauge("driftwatch_batch_psi", "PSI of the last batch.");
  g->set(0.125);
  const std::string file = dir.path + "/driftwatch.prom";
  pm::write_textfile(r, file);
  CHECK(slurp(file) == r.render());
  CHECK(dir.files() == std::vector<std::string>{"driftwatch.prom"});

  g->set(0.5);  // overwrite in place
  pm::write_textfile(r, file);
  CHECK(slurp(file).find("driftwatch_batch_psi 0.5\n") != std::string::npos);
  CHECK(dir.files() == std::vector<std::string>{"driftwatch.prom"});
}

TEST_CASE("write_textfile reports a missing directory naming the path") {
  pm::registry r;
  try {
    pm::write_textfile(r, "/nonexistent_driftwatch_dir/x.prom");
    FAIL("expected an error");
  } catch (const driftwatch::error& e) {
    CHECK(std::string(e.what()).find("/nonexistent_driftwatch_dir/x.prom") != std::string::npos);
  }
}

TEST_CASE("a failed rename removes the temporary file") {
  temp_dir dir;
  const std::string target = dir.path + "/is_a_dir.prom";
  REQUIRE(::mkdir(target.c_str(), 0755) == 0);
  pm::registry r;
  CHECK_THROWS_AS(pm::write_textfile(r, target), driftwatch::error);
  CHECK(dir.files() == std::vector<std::string>{"is_a_dir.prom"});
  ::rmdir(target.c_str());
}
