// Deprecated include path, kept so code written before the layer folders
// (docs/design.md, "Include paths") still compiles. Include the new path.
#pragma once
#include <driftwatch/accumulators/category_counts.hpp>
