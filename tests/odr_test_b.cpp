#include <driftwatch/driftwatch.hpp>

int driftwatch_odr_a();

int main() { return driftwatch_odr_a() == DRIFTWATCH_VERSION_MAJOR ? 0 : 1; }
