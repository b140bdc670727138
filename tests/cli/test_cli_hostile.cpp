// The odeflow command under hostile but realistic use (issue 27): thread counts the backend
// cannot run, outputs that cannot be written, inputs that are folders or odd CSV, options that
// do nothing, and runs that cannot succeed are refused before any work with one clear line;
// CSV quirks (byte order mark, CRLF) are read as the data they hold.
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

// Outputs are checked before any work: a missing folder, a folder given as the file, a file
// given as the folder, and two outputs on one path are refused, and nothing is written.
TEST(CliHostile, OutputsAreCheckedBeforeAnyWork) {
  const fs::path dir = scratch() / "outputs";
  fs::create_directories(dir);
  const fs::path missing = dir / "no_such_folder", ok = dir / "ok.csv", ok_npy = dir / "ok.npy",
                 model = dir / "ok.safetensors";
  const fs::path a_file = dir / "plain.txt";
  std::ofstream(a_file) << "x\n";
  fs::create_directories(dir / "folder.csv");
  struct Case {
    std::string args;
    std::vector<std::string> needles;
  };
  const Case cases[] = {
      // The second output is bad: before, the first was written after the whole run.
      {"sample -m '" + kModel + "' -n 4 -o " + q(ok_npy) + " --stats " + q(missing / "s.csv"),
       {"--stats", "no_such_folder' does not exist"}},
      {"sample -m '" + kModel + "' -n 4 -o " + q(ok_npy) + " --trajectory " + q(a_file / "t.csv"),
       {"--trajectory", "is not a folder"}},
      {"sample -m '" + kModel + "' -n 4 -o " + q(dir / "folder.csv"), {"--output", "is a folder"}},
      {"likelihood -m '" + kModel + "' --dataset checkerboard -n 4 -o " + q(missing / "l.csv"),
       {"--output", "does not exist"}},
      {"ensemble --n 4 -o " + q(ok) + " --stats " + q(missing / "s.csv"), {"--stats", "does not exist"}},
      {"train --width 8 --depth 1 --iterations 2 --batch 16 -o " + q(model) + " --loss-log " + q(missing / "l.csv"),
       {"--loss-log", "does not exist"}},
      {"bench --problem kepler --methods dopri5 --rtols 1e-3 --min-seconds 0 -o " + q(missing / "wp.csv"),
       {"--output", "does not exist"}},
      // Two outputs on one path: one would have overwritten the other.
      {"sample -m '" + kModel + "' -n 4 -o " + q(ok) + " --trajectory " + q(ok), {"--trajectory", "--output"}},
      {"sample -m '" + kModel + "' -n 4 -o " + q(ok) + " --stats " + q(dir / "." / "ok.csv"), {"--stats", "--output"}},
      {"ensemble --n 4 -o " + q(ok) + " --stats " + q(ok), {"--stats", "--output"}},
  };
  for (const auto& c : cases) {
    refused(c.args, c.needles);
    EXPECT_FALSE(fs::exists(ok_npy)) << c.args;
    EXPECT_FALSE(fs::exists(ok)) << c.args;
    EXPECT_FALSE(fs::exists(model)) << c.args;
  }
  // bench printed its table before it failed to write the file.
  EXPECT_TRUE(odeflow_cli("bench --problem kepler --methods dopri5 --rtols 1e-3 --min-seconds 0 -o " +
                          q(missing / "wp.csv"))
                  .out.empty());
  // A folder that cannot be written (permissions do not bind root, so only as another user).
  if (::geteuid() != 0) {
    const fs::path ro = dir / "read_only";
    fs::create_directories(ro);
    fs::permissions(ro, fs::perms::owner_read | fs::perms::owner_exec);
    refused("ensemble --n 4 -o " + q(ro / "e.csv"), {"--output", "is not writable"});
    fs::permissions(ro, fs::perms::owner_all);
  }
}

TEST(CliHostile, FoldersAsInputsAreNamedAsSuch) {
  const fs::path dir = scratch() / "inputs";
  for (const char* f : {"m.safetensors", "d.npy", "d.csv"}) fs::create_directories(dir / f);
  refused("sample -m " + q(dir / "m.safetensors") + " -o " + q(scratch() / "x.npy"), {"--model", "is a folder"});
  refused("bench --problem model --model " + q(dir / "m.safetensors"), {"--model", "is a folder"});
  for (const char* f : {"d.npy", "d.csv"})
    refused("likelihood -m '" + kModel + "' --data " + q(dir / f), {"--data", "is a folder"});
}

// Sizes beyond the machine's memory are refused naming -n, not with std::bad_alloc.
TEST(CliHostile, HugeCountsAreRefusedNamingTheOption) {
  const std::string n = "1000000000000";
  refused("sample -m '" + kModel + "' -n " + n + " -o " + q(scratch() / "x.npy"), {"-n " + n, "memory"});
  refused("likelihood -m '" + kModel + "' --dataset checkerboard -n " + n, {"-n " + n, "memory"});
}

// NaN and infinities in floating-point options are refused while parsing, naming the option
// (before, ensemble --rho-max nan ran and every trajectory ended non_finite).
TEST(CliHostile, NonFiniteNumbersAreRefused) {
  const std::string sample = "sample -m '" + kModel + "' -o " + q(scratch() / "x.npy");
  const std::vector<std::pair<std::string, std::string>> options = {
      {"ensemble", "--rtol"},          {"ensemble", "--atol"},      {"ensemble", "--dt"},
      {"ensemble", "--t1"},            {"ensemble", "--rho-min"},   {"ensemble", "--rho-max"},
      {sample, "--rtol"},              {sample, "--atol"},          {sample, "--dt"},
      {"likelihood -m '" + kModel + "' --dataset checkerboard", "--memory-budget"},
      {"train -o " + q(scratch() / "m.safetensors"), "--lr"},
      {"train -o " + q(scratch() / "m.safetensors"), "--final-lr-fraction"},
      {"train -o " + q(scratch() / "m.safetensors"), "--weight-decay"},
      {"bench --methods dopri5 --rtols 1e-3", "--rtols"},
      {"bench --methods dopri5 --rtols 1e-3", "--min-seconds"},
      {"demo --output " + q(scratch() / "demo_nan") + " --iterations 1 --samples 8 --held-out 8 --grid 2", "--lr"},
  };
  for (const auto& [command, option] : options)
    for (const char* v : {"nan", "inf", "-inf"}) refused(command + " " + option + "=" + v, {option, v}, 2);
}

TEST(CliHostile, MemoryBudgetBeyondTheMachineIsRefused) {
  refused("likelihood -m '" + kModel + "' --dataset checkerboard -n 4 --memory-budget 1e300",
          {"--memory-budget 1e+300", "memory"});
}

// CSV input: a byte order mark and CRLF line ends are read as the numbers they hold; a first
// line is a header only when it holds names alone, as many as the data has columns.
TEST(CliHostile, CsvQuirksAreReadAndTyposNamed) {
  const fs::path plain = scratch() / "plain.csv", bom = scratch() / "bom.csv", crlf = scratch() / "crlf.csv",
                 header = scratch() / "header.csv";
  const std::vector<std::string> rows = {"0.5,-0.25", "1.5,0.75", "-1,1", "0.125,2"};
  {
    std::ofstream p(plain), b(bom), c(crlf), h(header);
    b << "\xEF\xBB\xBF";
    h << "x,y\r\n";
    for (const auto& r : rows) {
      p << r << "\n";
      b << r << "\n";
      c << r << "\r\n";
      h << r << "\r\n";
    }
  }
  auto score = [&](const fs::path& data) {
    const fs::path out = scratch() / ("l_" + data.filename().string());
    const CliRun r = odeflow_cli("likelihood -m '" + kModel + "' --data " + q(data) + " -o " + q(out));
    EXPECT_EQ(r.code, 0) << data << "\n" << r.err;
    return read_csv(out);
  };
  const auto expected = score(plain);
  ASSERT_EQ(expected.size(), rows.size());
  EXPECT_EQ(score(bom), expected);
  EXPECT_EQ(score(crlf), expected);
  EXPECT_EQ(score(header), expected);

  struct Case {
    std::string text;
    std::vector<std::string> needles;
  };
  const Case cases[] = {
      {"0.5,O.25\n1,2\n", {"line 1 column 2: 'O.25' is not a number"}},  // a typo in the first row
      {"x,y,z\n1,2\n", {"line 2", "the header has 3 names"}},
      {"1,2\r\n3,x\r\n", {"line 2 column 2: 'x' is not a number"}},  // no raw CR in the message
      {"1,2\n3,4,\n", {"line 2 column 3: '' is not a number"}},
  };
  int k = 0;
  for (const auto& c : cases) {
    const fs::path f = scratch() / ("bad" + std::to_string(k++) + ".csv");
    std::ofstream(f) << c.text;
    refused("likelihood -m '" + kModel + "' --data " + q(f), c.needles);
  }
}

// Options that would do nothing in the given combination are refused.
TEST(CliHostile, OptionsThatDoNothingAreRefused) {
  const std::string sample = "sample -m '" + kModel + "' -n 4 -o " + q(scratch() / "x.npy");
  const std::string lik = "likelihood -m '" + kModel + "'";
  const fs::path data = scratch() / "two.csv";
  std::ofstream(data) << "0,0\n1,1\n";
  refused(sample + " --method rk4 --steps 10 --dt 0.1", {"--dt 0.1", "--steps 10"});
  refused("ensemble --n 4 --method rk4 --steps 10 --dt 0.1", {"--dt 0.1", "--steps 10"});
  refused(sample + " --times 0,1", {"--times", "--trajectory"});
  refused(sample + " --steps 10 --rtol 1e-3", {"--rtol", "fixed step"});
  refused("ensemble --n 4 --dt 0.01 --atol 1e-3", {"--atol", "fixed step"});
  refused(lik + " --dataset checkerboard -n 4 --probe gaussian", {"--probe", "--hutchinson"});
  refused(lik + " --dataset checkerboard -n 4 --probe-seed 3", {"--probe-seed", "--hutchinson"});
  refused(lik + " --data " + q(data) + " -n 4", {"-n", "--data"});
  refused(lik + " --data " + q(data) + " --memory-budget 1 --chunk 5", {"--chunk", "--memory-budget"});
}

// Runs that cannot succeed are refused before they start.
TEST(CliHostile, RunsThatCannotSucceedAreRefused) {
  const std::string sample = "sample -m '" + kModel + "' -n 4 -o " + q(scratch() / "x.npy");
  // Tolerances below round-off: steps would be rejected until --max-steps.
  refused(sample + " --rtol 1e-30 --atol 1e-30", {"--rtol 1e-30", "--atol 1e-30", "float"});
  refused(sample + " --precision double --rtol 1e-30 --atol 1e-30", {"--rtol", "double"});
  refused("ensemble --n 4 --rtol 1e-30 --atol 1e-30", {"--rtol", "double"});
  // More fixed steps than --max-steps allows.
  refused("ensemble --n 4 --method rk4 --dt 1e-9", {"--dt 1e-09 needs", "--max-steps 100000"});
  refused("ensemble --n 4 --method rk4 --steps 2000000000", {"--steps 2000000000 needs", "--max-steps"});
  refused(sample + " --method rk4 --dt 1e-45", {"--dt 1e-45", "--max-steps"});
  // A step that is 0 in float is not a missing step.
  refused(sample + " --method rk4 --dt 1e-300", {"--dt 1e-300", "underflows to 0 in float"});
  refused("ensemble --n 4 --precision float --t1 1e300", {"--t1 1e+300", "overflows in float"});
  // The bound is the solvers' own step count: as many steps as --max-steps still run, one
  // more is refused (both ways of giving the step, both precisions).
  for (const char* precision : {"float", "double"}) {
    const std::string e = std::string("ensemble --n 2 --method rk4 --max-steps 1000 --precision ") + precision;
    for (const char* step : {"--steps 1000", "--dt 0.001"}) {
      const CliRun r = odeflow_cli(e + " " + std::string(step));
      EXPECT_EQ(r.code, 0) << e << " " << step << "\n" << r.err;
      EXPECT_NE(r.out.find("\"success\": 2"), std::string::npos) << r.out;
    }
    refused(e + " --steps 1001", {"--steps 1001 needs 1001 steps"});
  }
}

}  // namespace
