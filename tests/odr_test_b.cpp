#include <driftwatch/driftwatch.hpp>
// Public headers outside the umbrella (the adapters have their own ODR test):
#include <driftwatch/monitors/concurrent.hpp>
#include <driftwatch/core/fwd.hpp>
#include <driftwatch/accumulators/serialization.hpp>
#include <driftwatch/monitors/window.hpp>

int driftwatch_odr_a();

int main() { return driftwatch_odr_a() == DRIFTWATCH_VERSION_MAJOR ? 0 : 1; }
