// Every public header in two translation units (with odr_test_b.cpp): a
// missing `inline` or a non-inline variable breaks the link.
#include <driftwatch/driftwatch.hpp>

int driftwatch_odr_a() { return DRIFTWATCH_VERSION_MAJOR; }
