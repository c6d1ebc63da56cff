// The YAML config file of `driftwatch drift`, read with yaml-cpp (Debian's
// libyaml-cpp-dev); the format is documented in docs/cli-drift.md.
#include "drift_config.hpp"

#include <cmath>
#include <set>

#include <yaml-cpp/yaml.h>

#include "numeral.hpp"

namespace driftwatch_cli {

const char* to_string(kind_choice k) noexcept {
  switch (k) {
    case kind_choice::numeric: return "numeric";
    case kind_choice::categorical: return "categorical";
    default: return "auto";
  }
}

const char* correction_name(driftwatch::correction c) noexcept {
  switch (c) {
    case driftwatch::correction::bonferroni: return "bonferroni";
    case driftwatch::correction::benjamini_hochberg: return "bh";
    default: return "none";
  }
}

std::size_t checked_bins(double b, const std::string& what) {
  if (!(b >= 1 && b <= 1e6) || b != std::floor(b))
    throw usage_error{what + " needs a whole number from 1 to 1000000, got '" + driftwatch_cli::shortest_text(b) + "'"};
  return static_cast<std::size_t>(b);
}

double checked_probability(double x, const std::string& what, bool allow_zero_one) {
  if (!(x >= 0 && x <= 1) || (!allow_zero_one && (x == 0 || x == 1)))
    throw usage_error{what + " must be in " + (allow_zero_one ? "[0, 1]" : "(0, 1)") + ", got '" +
                      driftwatch_cli::shortest_text(x) + "'"};
  return x;
}

double checked_nonnegative(double x, const std::string& what) {
  if (!(x >= 0)) throw usage_error{what + " must be a number >= 0 (inf disables it), got '" + shortest_text(x) + "'"};
  return x;
}

driftwatch::binning parse_binning(const std::string& v, const std::string& what) {
  if (v == "quantile") return driftwatch::binning::quantile;
  if (v == "uniform") return driftwatch::binning::uniform;
  throw usage_error{what + " must be quantile or uniform, got '" + v + "'"};
}

driftwatch::correction parse_correction(const std::string& v, const std::string& what) {
  if (v == "none") return driftwatch::correction::none;
  if (v == "bonferroni") return driftwatch::correction::bonferroni;
  if (v == "bh" || v == "benjamini-hochberg") return driftwatch::correction::benjamini_hochberg;
  throw usage_error{what + " must be none, bonferroni or bh, got '" + v + "'"};
}

kind_choice parse_kind(const std::string& v, const std::string& what) {
  if (v == "numeric") return kind_choice::numeric;
  if (v == "categorical") return kind_choice::categorical;
  if (v == "auto") return kind_choice::infer;
  throw usage_error{what + " must be numeric, categorical or auto, got '" + v + "'"};
}

std::uint64_t parse_size(const std::string& v, const std::string& what) {
  std::string digits = v;
  double unit = 1;
  if (!digits.empty()) {
    const char u = digits.back();
    const double k = (u == 'K' || u == 'k') ? 1024.0 : (u == 'M' || u == 'm') ? 1048576.0
                     : (u == 'G' || u == 'g') ? 1073741824.0 : 0;
    if (k != 0) {
      unit = k;
      digits.pop_back();
    }
  }
  double x = 0;
  if (!parse_numeral(digits, x) || !(x >= 0) || !std::isfinite(x * unit) || x * unit > 1e18)
    throw usage_error{what + " needs a size in bytes (a number, optionally with K, M or G), got '" + v + "'"};
  return static_cast<std::uint64_t>(x * unit);
}

namespace {

struct reader {
  std::string file;

  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw usage_error{file + ": " + (key.empty() ? std::string() : "'" + key + "': ") + what};
  }
  std::string where(const YAML::Node& n) const {
    const YAML::Mark m = n.Mark();
    return m.line >= 0 ? " (line " + std::to_string(m.line + 1) + ")" : "";
  }
  void keys(const YAML::Node& map, const std::string& path, const std::set<std::string>& allowed) const {
    if (!map.IsMap()) fail(path, "must be a mapping" + where(map));
    for (const auto& kv : map) {
      const std::string k = kv.first.as<std::string>();
      if (!allowed.count(k)) {
        std::string list;
        for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
        fail(path.empty() ? k : path + "." + k, "unknown key" + where(kv.first) + " (known keys: " + list + ")");
      }
    }
  }
  std::string text(const YAML::Node& n, const std::string& key) const {
    if (!n.IsScalar()) fail(key, "must be a single value" + where(n));
    return n.Scalar();
  }
  double number(const YAML::Node& n, const std::string& key) const {
    const std::string t = text(n, key);
    double x = 0;
    if (t == ".inf" || t == ".Inf" || t == ".INF") return HUGE_VAL;
    if (!parse_numeral(t, x) || std::isnan(x)) fail(key, "must be a number, got '" + t + "'" + where(n));
    return x;
  }
  bool boolean(const YAML::Node& n, const std::string& key) const {
    const std::string t = text(n, key);
    if (t == "true" || t == "yes" || t == "on") return true;
    if (t == "false" || t == "no" || t == "off") return false;
    fail(key, "must be true or false, got '" + t + "'" + where(n));
  }
  std::vector<std::string> names(const YAML::Node& n, const std::string& key) const {
    if (!n.IsSequence()) fail(key, "must be a list of column names" + where(n));
    std::vector<std::string> out;
    for (const auto& item : n) out.push_back(text(item, key));
    return out;
  }
};

const std::set<std::string> threshold_keys{"psi", "js_distance", "ks_alpha", "chi2_alpha", "missing_rate"};

template <class Target>
void read_thresholds(const reader& r, const YAML::Node& t, const std::string& path, Target set) {
  r.keys(t, path, threshold_keys);
  for (const auto& kv : t) {
    const std::string k = kv.first.as<std::string>();
    const std::string key = path + "." + k;
    const double x = r.number(kv.second, key);
    if (k == "ks_alpha" || k == "chi2_alpha")
      set(k, checked_probability(x, key, true));
    else
      set(k, checked_nonnegative(x, key));
  }
}

}  // namespace

void load_config(const std::string& path, drift_settings& s) {
  reader r{path};
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw usage_error{path + ": cannot open the config file"};
  } catch (const YAML::Exception& e) {
    throw usage_error{path + ": not valid YAML: " + e.what()};
  }
  if (root.IsNull()) return;  // an empty file sets nothing
  try {
    r.keys(root, "", {"version", "bins", "binning", "epsilon", "correction", "min_samples", "thresholds", "columns",
                      "exclude", "features", "max_distinct", "memory_budget"});
    if (root["version"] && r.text(root["version"], "version") != "1")
      r.fail("version", "only version 1 is known, got '" + r.text(root["version"], "version") + "'");
    if (root["bins"]) s.defaults.bins = checked_bins(r.number(root["bins"], "bins"), path + ": 'bins'");
    if (root["binning"]) s.defaults.method = parse_binning(r.text(root["binning"], "binning"), path + ": 'binning'");
    if (root["epsilon"]) {
      s.epsilon = r.number(root["epsilon"], "epsilon");
      checked_probability(s.epsilon, path + ": 'epsilon'", false);
    }
    if (root["correction"])
      s.correction = parse_correction(r.text(root["correction"], "correction"), path + ": 'correction'");
    if (root["min_samples"]) {
      const double m = r.number(root["min_samples"], "min_samples");
      if (!(m >= 0) || m != std::floor(m) || m > 1e15) r.fail("min_samples", "must be a whole number >= 0");
      s.defaults.min_samples = static_cast<std::uint64_t>(m);
    }
    if (root["max_distinct"]) {
      const double m = r.number(root["max_distinct"], "max_distinct");
      if (!(m >= 1) || m != std::floor(m) || m > 1e9) r.fail("max_distinct", "must be a whole number >= 1");
      s.max_distinct = static_cast<std::size_t>(m);
    }
    if (root["memory_budget"])
      s.memory_budget = parse_size(r.text(root["memory_budget"], "memory_budget"), path + ": 'memory_budget'");
    if (root["thresholds"])
      read_thresholds(r, root["thresholds"], "thresholds", [&](const std::string& k, double x) {
        if (k == "psi") s.defaults.psi = x;
        if (k == "js_distance") s.defaults.js_distance = x;
        if (k == "ks_alpha") s.defaults.ks_alpha = x;
        if (k == "chi2_alpha") s.defaults.chi2_alpha = x;
        if (k == "missing_rate") s.defaults.missing_rate = x;
      });
    if (root["columns"]) s.columns = r.names(root["columns"], "columns");
    if (root["exclude"]) {
      for (auto& n : r.names(root["exclude"], "exclude")) s.exclude.push_back(n);
    }
    if (root["features"]) {
      const YAML::Node fs = root["features"];
      if (!fs.IsMap()) r.fail("features", "must be a mapping from column name to settings" + r.where(fs));
      for (const auto& kv : fs) {
        const std::string name = kv.first.as<std::string>();
        const std::string key = "features." + name;
        feature_override& o = s.features[name];
        o.origin = "config";
        if (kv.second.IsNull()) continue;
        r.keys(kv.second, key, {"kind", "bins", "binning", "min_samples", "thresholds", "exclude"});
        const YAML::Node f = kv.second;
        if (f["kind"]) o.kind = parse_kind(r.text(f["kind"], key + ".kind"), path + ": '" + key + ".kind'");
        if (f["bins"]) o.bins = checked_bins(r.number(f["bins"], key + ".bins"), path + ": '" + key + ".bins'");
        if (f["binning"])
          o.method = parse_binning(r.text(f["binning"], key + ".binning"), path + ": '" + key + ".binning'");
        if (f["min_samples"]) {
          const double m = r.number(f["min_samples"], key + ".min_samples");
          if (!(m >= 0) || m != std::floor(m) || m > 1e15) r.fail(key + ".min_samples", "must be a whole number >= 0");
          o.min_samples = static_cast<std::uint64_t>(m);
        }
        if (f["exclude"]) o.exclude = r.boolean(f["exclude"], key + ".exclude");
        if (f["thresholds"])
          read_thresholds(r, f["thresholds"], key + ".thresholds", [&](const std::string& k, double x) {
            if (k == "psi") o.psi = x;
            if (k == "js_distance") o.js_distance = x;
            if (k == "ks_alpha") o.ks_alpha = x;
            if (k == "chi2_alpha") o.chi2_alpha = x;
            if (k == "missing_rate") o.missing_rate = x;
          });
      }
    }
  } catch (const YAML::Exception& e) {
    throw usage_error{path + ": " + e.what()};
  }
}

feature_settings settings_for(const drift_settings& s, const std::string& name) {
  feature_settings f = s.defaults;
  const auto it = s.features.find(name);
  if (it == s.features.end()) return f;
  const feature_override& o = it->second;
  if (o.kind) f.kind = *o.kind;
  if (o.bins) f.bins = *o.bins;
  if (o.method) f.method = *o.method;
  if (o.psi) f.psi = *o.psi;
  if (o.js_distance) f.js_distance = *o.js_distance;
  if (o.ks_alpha) f.ks_alpha = *o.ks_alpha;
  if (o.chi2_alpha) f.chi2_alpha = *o.chi2_alpha;
  if (o.missing_rate) f.missing_rate = *o.missing_rate;
  if (o.min_samples) f.min_samples = *o.min_samples;
  return f;
}

}  // namespace driftwatch_cli
