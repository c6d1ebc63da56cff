// driftwatch: the core, in one include. Pays for no HTTP, JSON or Eigen: the
// adapters (driftwatch/adapters/) and the Eigen interop header are separate.
#pragma once

#include <driftwatch/version.hpp>
#include <driftwatch/error.hpp>
#include <driftwatch/span.hpp>
#include <driftwatch/result.hpp>
#include <driftwatch/ks_test.hpp>
