// End-to-end tests of the odeflow command: each subcommand on small inputs, its outputs checked
// against closed forms or the library, and its error paths (one clear line, non-zero exit).
#include "cli_runner.hpp"

#include <gtest/gtest.h>

#include <odeflow/flows/mlp_io.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <vector>

namespace {

using namespace odeflow::cli_test;

TEST(Cli, InfoNamesTheBackendAndTheMethods) {
  const CliRun r = odeflow_cli("info");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("Kokkos"), std::string::npos);
  EXPECT_NE(r.out.find("concurrency 2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("dopri5"), std::string::npos);
  EXPECT_NE(r.out.find("checkerboard"), std::string::npos);
  const CliRun j = odeflow_cli("info --json");
  ASSERT_EQ(j.code, 0);
  EXPECT_EQ(j.out.front(), '{');
  EXPECT_NE(j.out.find("\"concurrency\": 2"), std::string::npos) << j.out;
}

// rho = 0 and u0 = (1, 0, 0): y and z stay 0 and x = exp(-10 t), a closed form.
TEST(Cli, EnsembleMatchesTheClosedFormAtRhoZero) {
  const fs::path out = scratch() / "ens.csv", st = scratch() / "ens_stats.csv";
  const CliRun r = odeflow_cli("ensemble --n 64 --rho-min 0 --rho-max 21 --method dopri5 --rtol 1e-10 --atol 1e-12 -o '" +
                        out.string() + "' --stats '" + st.string() + "'");
  ASSERT_EQ(r.code, 0) << r.err;
  std::vector<std::string> h;
  const auto rows = read_csv(out, &h);
  ASSERT_EQ(rows.size(), 64u);
  ASSERT_EQ(h, (std::vector<std::string>{"rho", "x", "y", "z"}));
  EXPECT_EQ(rows[0][0], 0.0);
  EXPECT_NEAR(rows[0][1], std::exp(-10.0), 1e-12);
  EXPECT_EQ(rows[0][2], 0.0);
  EXPECT_EQ(rows[0][3], 0.0);
  EXPECT_DOUBLE_EQ(rows[63][0], 21.0);
  const auto stats = read_csv(st);
  ASSERT_EQ(stats.size(), 64u);
  for (const auto& s : stats) {
    EXPECT_GT(s[0], 0);   // nfe
    EXPECT_EQ(s[3], 0);   // status success
  }
  EXPECT_NE(r.out.find("\"success\": 64"), std::string::npos) << r.out;
}

// The same trajectory in ensembles of different sizes: bitwise the same final state.
TEST(Cli, EnsembleTrajectoryDoesNotDependOnTheEnsembleSize) {
  const fs::path a = scratch() / "ens_a.csv", b = scratch() / "ens_b.csv";
  ASSERT_EQ(odeflow_cli("ensemble --n 2 --rho-min 0 --rho-max 21 -o '" + a.string() + "'").code, 0);
  ASSERT_EQ(odeflow_cli("ensemble --n 3 --rho-min 0 --rho-max 42 -o '" + b.string() + "'").code, 0);
  const auto ra = read_csv(a), rb = read_csv(b);  // rho = 21 is row 1 of both
  ASSERT_EQ(ra[1][0], rb[1][0]);
  for (int k = 1; k < 4; ++k) EXPECT_EQ(ra[1][k], rb[1][k]);
}

TEST(Cli, EnsembleReportsFailedTrajectoriesWithExitCode3) {
  const CliRun r = odeflow_cli("ensemble --n 8 --rho-min 20 --rho-max 30 --t1 10 --max-steps 20");
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_NE(r.out.find("\"max_steps_reached\": 8"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("max_steps_reached"), std::string::npos) << r.err;
}

// Work-precision on Kepler: errors fall with the tolerance, and the reference agrees with
// the closed form (the orbit returns to its start after two periods).
TEST(Cli, BenchErrorsFallWithTheTolerance) {
  const fs::path out = scratch() / "wp.csv";
  const CliRun r = odeflow_cli("bench --problem kepler --methods dopri5,vern7 --rtols 1e-4,1e-7,1e-10 --min-seconds 0 -o '" +
                        out.string() + "'");
  ASSERT_EQ(r.code, 0) << r.err;
  std::ifstream in(out);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "problem,method,knob,value,error,nfe,accepted,rejected,status,seconds");
  std::vector<double> err;
  std::vector<int> nfe;
  while (std::getline(in, line)) {
    std::vector<std::string> c;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) c.push_back(cell);
    ASSERT_EQ(c.size(), 10u);
    EXPECT_EQ(c[8], "success");
    err.push_back(std::stod(c[4]));
    nfe.push_back(std::stoi(c[5]));
  }
  ASSERT_EQ(err.size(), 6u);
  for (int m = 0; m < 2; ++m) {
    EXPECT_GT(err[3 * m], 30 * err[3 * m + 2]) << "method " << m;
    EXPECT_LT(nfe[3 * m], nfe[3 * m + 2]);
  }
  EXPECT_LT(err[2], 1e-7);  // dopri5 at 1e-10 on two Kepler periods
  EXPECT_EQ(count_lines(r.out), 7);  // header + 6 rows
}

TEST(Cli, TrainWritesALoadableModelAndALossLog) {
  const fs::path model = scratch() / "m.safetensors", loss = scratch() / "loss.csv";
  const CliRun r = odeflow_cli("train --dataset moons --width 32 --depth 2 --iterations 60 --batch 256 --seed 3 -o '" +
                        model.string() + "' --loss-log '" + loss.string() + "'");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto m = odeflow::load_mlp<float>(model);
  EXPECT_EQ(m.architecture().dims, (std::vector<int>{3, 32, 32, 2}));
  const auto rows = read_csv(loss);
  ASSERT_EQ(rows.size(), 60u);
  double first = 0, last = 0;
  for (int k = 0; k < 10; ++k) {
    first += rows[k][1];
    last += rows[50 + k][1];
  }
  EXPECT_LT(last, first);  // training lowers the loss
  // Same seed, same model file, bitwise.
  const fs::path again = scratch() / "m2.safetensors";
  ASSERT_EQ(odeflow_cli("train --dataset moons --width 32 --depth 2 --iterations 60 --batch 256 --seed 3 -o '" +
                    again.string() + "'").code,
            0);
  std::ifstream fa(model, std::ios::binary), fb(again, std::ios::binary);
  const std::string sa((std::istreambuf_iterator<char>(fa)), {}), sb((std::istreambuf_iterator<char>(fb)), {});
  EXPECT_EQ(sa, sb);
}

// Every bad argument: exit code 1 or 2 and one line on stderr that names what was wrong.
TEST(Cli, BadArgumentsGetOneClearLine) {
  struct Case {
    std::string args, needle;
    int code;
  };
  const Case cases[] = {
      {"ensemble --method nosuch", "'nosuch' is not a known method", 1},
      {"ensemble --method rk4", "--method rk4 has no error estimate", 1},
      {"ensemble --precision half", "--precision 'half'", 1},
      {"ensemble --rtol -1", "rtol", 1},
      {"ensemble --n 0", "--n 0", 1},
      {"ensemble -o out.txt", "unsupported extension '.txt'", 1},
      {"ensemble --problem brusselator", "'brusselator' is not a built-in problem", 1},
      {"bench --problem nosuch", "'nosuch' is not one of kepler, lorenz, gmm-flow, model", 1},
      {"bench --problem model", "--problem model needs --model FILE.safetensors", 1},
      {"bench --methods rk4", "'rk4' has no error estimate", 1},
      {"bench --rtols 0", "--rtols", 1},
      {"train -o m.safetensors --dataset nosuch --iterations 1", "'nosuch' is not a known dataset", 1},
      {"train -o m.safetensors --activation sigmoid --iterations 1", "sigmoid", 1},
      {"train -o m.bin", "unsupported extension '.bin'", 1},
      {"train", "--output is required", 2},
      {"nosuch", "'nosuch' is not a subcommand", 2},
  };
  for (const auto& c : cases) {
    const CliRun r = odeflow_cli(c.args);
    EXPECT_EQ(r.code, c.code) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.needle), std::string::npos) << c.args << "\nstderr: " << r.err;
    if (c.code == 1) {
      EXPECT_EQ(count_lines(r.err), 1) << c.args << "\nstderr: " << r.err;
    }
  }
}

}  // namespace
