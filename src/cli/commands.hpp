// The subcommands of the `driftwatch` tool. Each returns the process exit
// code: 0 success, 1 a run-time error (bad input), 2 a usage error.
#pragma once

namespace driftwatch_cli {

int run_drift(int argc, char** argv);
int run_rank(int argc, char** argv);

}  // namespace driftwatch_cli
