#include <driftwatch/driftwatch.hpp>
// Public headers outside the umbrella (the adapters have their own ODR test):
#include <driftwatch/concurrent.hpp>
#include <driftwatch/fwd.hpp>
#include <driftwatch/serialization.hpp>
#include <driftwatch/window.hpp>

int driftwatch_odr_a();

int main() { return driftwatch_odr_a() == DRIFTWATCH_VERSION_MAJOR ? 0 : 1; }
