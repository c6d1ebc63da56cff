// Links driftwatch::webhook alone: a signed body verifies, a tampered one does
// not, and the retraining trigger and Alertmanager bridge compile and link.
#include <driftwatch/adapters/alertmanager_bridge.hpp>
#include <driftwatch/adapters/retrain_webhook.hpp>
#include <driftwatch/adapters/webhook_signature.hpp>

#include <cstdio>

int main() {
  namespace ws = driftwatch::webhook_signature;
  const auto key = ws::key_from_secret("consumer-secret");
  const std::string sig = ws::sign(key, "msg_1", 1700000000, "{\"a\":1}");
  const bool good = ws::verify(key, "msg_1", "1700000000", "{\"a\":1}", sig, 1700000000) == ws::verify_result::ok;
  const bool bad = ws::verify(key, "msg_1", "1700000000", "{\"a\":2}", sig, 1700000000) == ws::verify_result::ok;
  driftwatch::retrain_webhook_options options;
  options.url = "http://127.0.0.1:9/never-called";
  driftwatch::retrain_webhook webhook(options);
  driftwatch::alertmanager_bridge bridge(webhook);
  bridge.stop();
  const bool ok = good && !bad;
  std::printf("webhook component: %s\n", ok ? "ok" : "signature check failed");
  return ok ? 0 : 1;
}
