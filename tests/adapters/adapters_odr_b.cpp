// Every adapter header in two translation units (with adapters_odr_a.cpp):
// a missing `inline` or a non-inline variable breaks the link.
#include <driftwatch/adapters/alertmanager_bridge.hpp>
#include <driftwatch/adapters/http_server.hpp>
#include <driftwatch/adapters/prometheus.hpp>
#include <driftwatch/adapters/prometheus_drift.hpp>
#include <driftwatch/adapters/prometheus_monitor.hpp>
#include <driftwatch/adapters/prometheus_ranking.hpp>
#include <driftwatch/adapters/retrain_webhook.hpp>
#include <driftwatch/adapters/textfile.hpp>
#include <driftwatch/adapters/webhook_signature.hpp>

int adapters_odr_b() { return driftwatch::prometheus::is_valid_label_name("b") ? 0 : 1; }
