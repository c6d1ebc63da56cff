// Deprecated include path, kept so code written before the layer folders
// (docs/design.md, "Include paths") still compiles. Include the new path.
// It brings in every serializable type, as the old header did.
#pragma once
#include <driftwatch/accumulators/serialization.hpp>
#include <driftwatch/accumulators/category_counts.hpp>
#include <driftwatch/accumulators/histogram.hpp>
#include <driftwatch/accumulators/mean_accumulator.hpp>
#include <driftwatch/metrics/canary.hpp>
#include <driftwatch/metrics/ks_stream.hpp>
#include <driftwatch/metrics/ranking_accumulator.hpp>
#include <driftwatch/monitors/monitor.hpp>
