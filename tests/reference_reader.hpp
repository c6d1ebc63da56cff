// Reads the reference-case files written by tests/reference/*.py (format in
// tests/reference/refgen.py) and regenerates their `gen` samples bit-exactly.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace driftwatch_test {

// Rounds a product to double before it is added: with FMA available (-march
// with AVX2 or AVX-512), compilers may fuse a * b + c into one rounding, while
// Python rounds twice. Going through a volatile forces the separate rounding.
inline double rounded_product(double a, double b) {
  volatile double p = a * b;
  return p;
}

class splitmix64 {
 public:
  explicit splitmix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    state_ += 0x9E3779B97F4A7C15ULL;
    std::uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  double uniform01() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }

 private:
  std::uint64_t state_;
};

inline std::vector<double> generate(const std::string& kind, std::uint64_t seed, std::size_t n,
                                    double p1, double p2) {
  splitmix64 rng(seed);
  std::vector<double> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (kind == "uniform") {
      out.push_back(p1 + rounded_product(p2 - p1, rng.uniform01()));
    } else if (kind == "bell") {
      // Same evaluation order as refgen.py: ((u1 + u2) + u3) + u4.
      double s = rng.uniform01();
      s += rng.uniform01();
      s += rng.uniform01();
      s += rng.uniform01();
      out.push_back(p1 + rounded_product(p2, rounded_product(s - 2.0, 1.7320508075688772)));
    } else if (kind == "int") {
      out.push_back(std::floor(p1 + rounded_product(p2 - p1 + 1.0, rng.uniform01())));
    } else {
      throw std::runtime_error("unknown generator kind " + kind);
    }
  }
  return out;
}

struct reference_case {
  std::string name;
  std::map<std::string, std::vector<std::string>> fields;

  bool has(const std::string& key) const { return fields.count(key) != 0; }
  const std::vector<std::string>& words(const std::string& key) const {
    auto it = fields.find(key);
    if (it == fields.end()) throw std::runtime_error("case " + name + ": no field " + key);
    return it->second;
  }
  std::string word(const std::string& key) const { return words(key).at(0); }
  std::vector<double> numbers(const std::string& key) const {
    std::vector<double> out;
    for (const auto& w : words(key)) out.push_back(std::strtod(w.c_str(), nullptr));
    return out;
  }
  double number(const std::string& key) const { return numbers(key).at(0); }
};

inline std::vector<reference_case> read_cases(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open reference file " + path);
  std::vector<reference_case> cases;
  std::string line;
  reference_case current;
  bool open = false;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ss(line);
    std::string key;
    ss >> key;
    if (key == "case") {
      current = reference_case{};
      ss >> current.name;
      open = true;
    } else if (key == "end") {
      if (!open) throw std::runtime_error(path + ": 'end' without 'case'");
      cases.push_back(current);
      open = false;
    } else if (key == "gen") {
      std::string field, kind;
      std::uint64_t seed = 0;
      std::size_t n = 0;
      double p1 = 0, p2 = 0;
      ss >> field >> kind >> seed >> n >> p1 >> p2;
      std::vector<std::string> values;
      values.reserve(n);
      char buf[64];
      for (double v : generate(kind, seed, n, p1, p2)) {
        std::snprintf(buf, sizeof buf, "%.17g", v);
        values.emplace_back(buf);
      }
      current.fields[field] = std::move(values);
    } else {
      std::vector<std::string> values;
      std::string w;
      while (ss >> w) values.push_back(w);
      current.fields[key] = std::move(values);
    }
  }
  if (open) throw std::runtime_error(path + ": unterminated case " + current.name);
  if (cases.empty()) throw std::runtime_error(path + ": no cases");
  return cases;
}

}  // namespace driftwatch_test
