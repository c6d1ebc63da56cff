// driftwatch: command-line front end. `driftwatch SUBCOMMAND --help` for details.
#include <cstdio>
#include <cstring>

#include <driftwatch/core/version.hpp>
#include <driftwatch/detail/dispatch.hpp>

#include "commands.hpp"

namespace {

struct subcommand {
  const char* name;
  int (*run)(int, char**);
  const char* summary;
};

const subcommand subcommands[] = {
    {"drift", driftwatch_cli::run_drift, "compare a current CSV against a reference CSV, per column"},
    {"rank", driftwatch_cli::run_rank, "trec_eval's ranking measures for a TREC qrels and run"},
};

void usage(std::FILE* out) {
  std::fprintf(out, "usage: driftwatch SUBCOMMAND [OPTIONS]\n\nsubcommands:\n");
  for (const auto& s : subcommands) std::fprintf(out, "  %-8s %s\n", s.name, s.summary);
  std::fprintf(out, "\n`driftwatch SUBCOMMAND --help` shows a subcommand's options.\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (!std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
    usage(stdout);
    return 0;
  }
  if (!std::strcmp(argv[1], "--version")) {
    std::printf("driftwatch %s\n", DRIFTWATCH_VERSION_STRING);
    std::printf("simd: %s (%s)\n", driftwatch::simd_level_name(driftwatch::simd_target()),
                driftwatch::simd_dispatching() ? "chosen at run time; DRIFTWATCH_SIMD caps it" : "fixed at build time");
    return 0;
  }
  for (const auto& s : subcommands) {
    if (!std::strcmp(argv[1], s.name)) return s.run(argc - 1, argv + 1);
  }
  std::fprintf(stderr, "driftwatch: unknown subcommand '%s'\n", argv[1]);
  usage(stderr);
  return 2;
}
