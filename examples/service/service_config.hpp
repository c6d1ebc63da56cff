// The recommender service's configuration, read from a YAML file with
// yaml-cpp (Debian: libyaml-cpp-dev). Every key is checked: an unknown key, a
// wrong type or an out-of-range value is an error naming the key, so a typo
// never silently falls back to a default. examples/service/config.yaml lists
// every key with its default.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace recsvc {

struct webhook_config {
  bool enabled = false;
  std::string url;
  std::string payload = "json";          // json | gitlab_trigger
  std::string gitlab_ref = "main";
  std::string gitlab_token_env;          // name of the environment variable holding the trigger token
  std::string signing_secret_env;        // name of the environment variable holding the signing secret
  std::vector<std::pair<std::string, std::string>> variables;  // GitLab pipeline variables
  std::chrono::seconds cooldown{3600};
};

struct service_config {
  std::string model = "ranker";
  std::string model_version = "v1";
  // listen
  std::string address = "127.0.0.1";
  int api_port = 8080;
  int metrics_port = 9464;
  int threads = 8;
  // the request's feature vector, in order, and its categorical fields
  std::vector<std::string> features;
  std::vector<std::string> categorical;
  // reference
  std::string reference_file;
  std::chrono::seconds reference_refresh{3600};
  // monitor
  bool monitoring = true;
  std::size_t bins = 10;
  std::chrono::seconds window{300};
  double psi_threshold = 0.2;
  double js_threshold = 0.1;
  double ks_pvalue = 0.01;
  double chi2_pvalue = 0.01;
  // ranking
  std::size_t k = 10;
  std::size_t catalog_size = 500;
  std::uint64_t model_seed = 7;
  std::size_t pending_feedback = 100000;
  // state
  std::string state_file;
  std::chrono::milliseconds save_interval{30000};
  webhook_config webhook;
};

namespace detail {

[[noreturn]] inline void config_error(const std::string& path, const std::string& key, const std::string& what) {
  throw std::runtime_error(path + ": '" + key + "': " + what);
}

// Rejects keys of `node` (a map) that are not in `known`.
inline void check_keys(const YAML::Node& node, const std::string& path, const std::string& where,
                       std::set<std::string> known) {
  if (!node.IsMap()) config_error(path, where.empty() ? "(top level)" : where, "must be a mapping");
  for (const auto& kv : node) {
    const auto key = kv.first.as<std::string>();
    if (known.count(key) == 0) config_error(path, where.empty() ? key : where + "." + key, "unknown key");
  }
}

template <class T>
void read(const YAML::Node& node, const char* key, T& out, const std::string& path, const std::string& where) {
  if (!node[key]) return;
  try {
    out = node[key].as<T>();
  } catch (const YAML::Exception&) {
    config_error(path, where.empty() ? key : where + "." + key, "has the wrong type");
  }
}

template <class Rep, class Period>
void read_duration(const YAML::Node& node, const char* key, std::chrono::duration<Rep, Period>& out,
                   const std::string& path, const std::string& where) {
  double seconds = std::chrono::duration<double>(out).count();
  read(node, key, seconds, path, where);
  if (!(seconds > 0)) config_error(path, where + "." + key, "must be a positive number of seconds");
  out = std::chrono::duration_cast<std::chrono::duration<Rep, Period>>(std::chrono::duration<double>(seconds));
}

}  // namespace detail

/// Reads `path`. Relative file names in it (reference.file, state.file) are
/// taken relative to the config file's directory. Throws std::runtime_error
/// naming the file and key on any problem.
inline service_config load_config(const std::string& path) {
  using namespace detail;
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
  check_keys(root, path, "",
             {"model", "model_version", "listen", "features", "categorical", "reference", "monitor", "ranking",
              "state", "retrain_webhook"});
  service_config c;
  const std::string dir = path.find('/') == std::string::npos ? "." : path.substr(0, path.rfind('/'));
  auto relative = [&](const std::string& f) { return f.empty() || f[0] == '/' ? f : dir + "/" + f; };

  read(root, "model", c.model, path, "");
  read(root, "model_version", c.model_version, path, "");
  read(root, "features", c.features, path, "");
  read(root, "categorical", c.categorical, path, "");
  if (c.features.empty()) config_error(path, "features", "list at least one numeric feature");

  if (const auto n = root["listen"]) {
    check_keys(n, path, "listen", {"address", "api_port", "metrics_port", "threads"});
    read(n, "address", c.address, path, "listen");
    read(n, "api_port", c.api_port, path, "listen");
    read(n, "metrics_port", c.metrics_port, path, "listen");
    read(n, "threads", c.threads, path, "listen");
    if (c.api_port < 0 || c.api_port > 65535) config_error(path, "listen.api_port", "must be 0..65535");
    if (c.metrics_port < 0 || c.metrics_port > 65535) config_error(path, "listen.metrics_port", "must be 0..65535");
    if (c.threads < 1 || c.threads > 1024) config_error(path, "listen.threads", "must be 1..1024");
  }
  const auto ref = root["reference"];
  if (!ref) config_error(path, "reference", "is required (reference.file: the training data's feature sample)");
  check_keys(ref, path, "reference", {"file", "refresh_seconds"});
  read(ref, "file", c.reference_file, path, "reference");
  if (c.reference_file.empty()) config_error(path, "reference.file", "is required");
  c.reference_file = relative(c.reference_file);
  read_duration(ref, "refresh_seconds", c.reference_refresh, path, "reference");

  if (const auto n = root["monitor"]) {
    check_keys(n, path, "monitor", {"enabled", "bins", "window_seconds", "thresholds"});
    read(n, "enabled", c.monitoring, path, "monitor");
    read(n, "bins", c.bins, path, "monitor");
    if (c.bins < 1 || c.bins > 1000) config_error(path, "monitor.bins", "must be 1..1000");
    read_duration(n, "window_seconds", c.window, path, "monitor");
    if (const auto t = n["thresholds"]) {
      check_keys(t, path, "monitor.thresholds", {"psi", "js_distance", "ks_pvalue", "chi2_pvalue"});
      read(t, "psi", c.psi_threshold, path, "monitor.thresholds");
      read(t, "js_distance", c.js_threshold, path, "monitor.thresholds");
      read(t, "ks_pvalue", c.ks_pvalue, path, "monitor.thresholds");
      read(t, "chi2_pvalue", c.chi2_pvalue, path, "monitor.thresholds");
    }
  }
  if (const auto n = root["ranking"]) {
    check_keys(n, path, "ranking", {"k", "catalog_size", "model_seed", "pending_feedback"});
    read(n, "k", c.k, path, "ranking");
    read(n, "catalog_size", c.catalog_size, path, "ranking");
    read(n, "model_seed", c.model_seed, path, "ranking");
    read(n, "pending_feedback", c.pending_feedback, path, "ranking");
    if (c.k < 1 || c.k > c.catalog_size) config_error(path, "ranking.k", "must be 1..catalog_size");
    if (c.pending_feedback < 1) config_error(path, "ranking.pending_feedback", "must be at least 1");
  }
  if (const auto n = root["state"]) {
    check_keys(n, path, "state", {"file", "save_seconds"});
    read(n, "file", c.state_file, path, "state");
    c.state_file = relative(c.state_file);
    read_duration(n, "save_seconds", c.save_interval, path, "state");
  }
  if (const auto n = root["retrain_webhook"]) {
    webhook_config& w = c.webhook;
    check_keys(n, path, "retrain_webhook",
               {"url", "payload", "gitlab_ref", "gitlab_token_env", "signing_secret_env", "variables",
                "cooldown_seconds"});
    w.enabled = true;
    read(n, "url", w.url, path, "retrain_webhook");
    if (w.url.empty()) config_error(path, "retrain_webhook.url", "is required");
    read(n, "payload", w.payload, path, "retrain_webhook");
    if (w.payload != "json" && w.payload != "gitlab_trigger")
      config_error(path, "retrain_webhook.payload", "must be json or gitlab_trigger, got '" + w.payload + "'");
    read(n, "gitlab_ref", w.gitlab_ref, path, "retrain_webhook");
    read(n, "gitlab_token_env", w.gitlab_token_env, path, "retrain_webhook");
    read(n, "signing_secret_env", w.signing_secret_env, path, "retrain_webhook");
    if (const auto v = n["variables"]) {
      if (!v.IsMap()) config_error(path, "retrain_webhook.variables", "must be a mapping of NAME: value");
      for (const auto& kv : v) w.variables.emplace_back(kv.first.as<std::string>(), kv.second.as<std::string>());
    }
    read_duration(n, "cooldown_seconds", w.cooldown, path, "retrain_webhook");
  }
  return c;
}

}  // namespace recsvc
