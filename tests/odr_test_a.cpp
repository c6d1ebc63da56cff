// Every public header in two translation units (with odr_test_b.cpp): a
// missing `inline` or a non-inline variable breaks the link.
#include <driftwatch/driftwatch.hpp>
// Public headers outside the umbrella (the adapters have their own ODR test):
#include <driftwatch/monitors/concurrent.hpp>
#include <driftwatch/core/fwd.hpp>
#include <driftwatch/accumulators/serialization.hpp>
#include <driftwatch/monitors/window.hpp>

int driftwatch_odr_a() { return DRIFTWATCH_VERSION_MAJOR; }
