// The odeflow command under hostile but realistic use (issue 27): refused before any work
// with one clear line.
#include "cli_runner.hpp"

#include <gtest/gtest.h>

#include <Kokkos_Core.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

using namespace odeflow::cli_test;
const std::string kModel = std::string(ODEFLOW_SOURCE_DIR) + "/tests/fixtures/ref2d_mlp.safetensors";

std::string q(const fs::path& p) { return "'" + p.string() + "'"; }

// A refusal: exit code `code`, one line on stderr (for code 1, the command's own format),
// containing every needle.
void expect_refused(const CliRun& r, int code, const std::vector<std::string>& needles, const std::string& args) {
  EXPECT_EQ(r.code, code) << args << "\nstderr: " << r.err;
  for (const auto& n : needles) EXPECT_NE(r.err.find(n), std::string::npos) << args << "\nstderr: " << r.err;
  if (code == 1) {
    EXPECT_EQ(count_lines(r.err), 1) << args << "\nstderr: " << r.err;
    EXPECT_NE(r.err.find(": error: "), std::string::npos) << args << "\nstderr: " << r.err;
  }
  EXPECT_EQ(r.err.find('\r'), std::string::npos) << args;
}

void refused(const std::string& args, const std::vector<std::string>& needles, int code = 1,
             const std::string& env = "") {
  expect_refused(odeflow_cli(args, env), code, needles, args);
}

// Kokkos' OpenMP backend holds per-thread data in a fixed array; more threads wrote past it
// (SIGSEGV, or a hang at 513 and 514 threads).
TEST(CliHostile, ThreadCountsTheBackendCannotRunAreRefused) {
#ifdef KOKKOS_ENABLE_OPENMP
  const int pool = Kokkos::Impl::OpenMPTraits::MAX_THREAD_COUNT;
  for (const int n : {pool + 1, pool + 2, 2 * pool})
    refused("--threads " + std::to_string(n) + " info", {"--threads " + std::to_string(n), std::to_string(pool)});
  refused("info", {"OMP_NUM_THREADS=" + std::to_string(2 * pool)}, 1, "OMP_NUM_THREADS=" + std::to_string(2 * pool));
  refused("info", {"KOKKOS_NUM_THREADS=" + std::to_string(2 * pool)}, 1,
          "KOKKOS_NUM_THREADS=" + std::to_string(2 * pool));
  refused("--threads 3 ensemble --n 4", {"--threads 3", "OMP_THREAD_LIMIT"}, 1, "OMP_THREAD_LIMIT=2");
  // The limit itself still runs (threads sleep at barriers: 512 threads on a few cores).
  const CliRun r = odeflow_cli("--threads " + std::to_string(pool) + " info --json", "OMP_WAIT_POLICY=passive");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("\"concurrency\": " + std::to_string(pool)), std::string::npos) << r.out;
#else
  GTEST_SKIP() << "the thread limit is the OpenMP backend's";
#endif
}

}  // namespace
