// Every public header in two translation units (with odr_test_b.cpp): a
// missing `inline` or a non-inline variable breaks the link.
#include <driftwatch/driftwatch.hpp>
// Public headers outside the umbrella (the adapters have their own ODR test):
#include <driftwatch/concurrent.hpp>
#include <driftwatch/fwd.hpp>
#include <driftwatch/serialization.hpp>
#include <driftwatch/window.hpp>

int driftwatch_odr_a() { return DRIFTWATCH_VERSION_MAJOR; }
