// End-to-end tests of odeflow sample, likelihood and demo on the committed reference model
// (tests/fixtures/ref2d_mlp.safetensors, exported from PyTorch).
#include "cli_runner.hpp"

#include <odeflow/flows/io/npy.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

namespace {

using namespace odeflow::cli_test;
const std::string kModel = std::string(ODEFLOW_SOURCE_DIR) + "/tests/fixtures/ref2d_mlp.safetensors";
// Under AddressSanitizer (CI's sanitizer build) the 512-wide model is about 100x slower: a
// quarter of the rows there, the same checks.
// The tests that solve every row several times at tight tolerances (the double-precision
// likelihoods at rtol 1e-8, the bench with its reference solve) keep 4 rows there.
#if defined(__SANITIZE_ADDRESS__)
constexpr int kRowDivisor = 4, kTightRows = 4, kBenchRows = 4;
#else
constexpr int kRowDivisor = 1, kTightRows = 64, kBenchRows = 40;
#endif
const std::string kN120 = std::to_string(120 / kRowDivisor), kN50 = std::to_string(50 / kRowDivisor);

std::vector<double> npy_values(const fs::path& p, std::int64_t* rows = nullptr, std::int64_t* cols = nullptr) {
  const auto a = odeflow::read_npy(p);
  if (rows) *rows = a.rows();
  if (cols) *cols = a.cols();
  return a.values<double>();
}

// A sample depends on its index only: the first 50 of 120 samples equal the 50 of a run of 50,
// and chunks of 7 give the same bits as one batch (30, 12 and 7 under the sanitizers).
TEST(CliFlow, SamplesDoNotDependOnCountOrChunk) {
  const fs::path a = scratch() / "s120.npy", b = scratch() / "s50.npy", c = scratch() / "s120c.npy",
                 st = scratch() / "s_stats.csv";
  ASSERT_EQ(odeflow_cli("sample -m '" + kModel + "' -n " + kN120 + " --seed 4 -o '" + a.string() + "' --stats '" + st.string() + "'").code, 0);
  ASSERT_EQ(odeflow_cli("sample -m '" + kModel + "' -n " + kN50 + " --seed 4 -o '" + b.string() + "'").code, 0);
  ASSERT_EQ(odeflow_cli("sample -m '" + kModel + "' -n " + kN120 + " --seed 4 --chunk 7 -o '" + c.string() + "'").code, 0);
  std::int64_t r = 0, k = 0;
  const auto va = npy_values(a, &r, &k), vb = npy_values(b), vc = npy_values(c);
  ASSERT_EQ(r, 120 / kRowDivisor);
  ASSERT_EQ(k, 2);
  for (std::size_t i = 0; i < vb.size(); ++i) EXPECT_EQ(va[i], vb[i]) << i;
  EXPECT_EQ(va, vc);
  const auto stats = read_csv(st);
  ASSERT_EQ(stats.size(), static_cast<std::size_t>(120 / kRowDivisor));
  for (const auto& s : stats) EXPECT_EQ(s[3], 0);
}

// The --trajectory file is in sample order with the sample's index first, whatever --chunk:
// the same bytes with chunks of 7 and one batch, and each sample's state at t = 1 is its row of
// the samples file.
TEST(CliFlow, TrajectoryIsInSampleOrderWhateverTheChunk) {
  const fs::path x = scratch() / "tr_x.npy", t1 = scratch() / "tr_1.npy", t7 = scratch() / "tr_7.npy";
  const std::string common = "sample -m '" + kModel + "' -n " + kN50 + " --seed 2 --times 0,0.5,1";
  ASSERT_EQ(odeflow_cli(common + " -o '" + x.string() + "' --trajectory '" + t1.string() + "'").code, 0);
  ASSERT_EQ(odeflow_cli(common + " --chunk 7 -o '" + scratch().string() + "/tr_x7.npy' --trajectory '" + t7.string() +
                        "'").code,
            0);
  std::int64_t rows = 0, cols = 0;
  const auto a = npy_values(t1, &rows, &cols), b = npy_values(t7), s = npy_values(x);
  EXPECT_EQ(a, b);
  const std::int64_t n = 50 / kRowDivisor, m = 3;
  ASSERT_EQ(rows, n * m);
  ASSERT_EQ(cols, 4);  // sample, t, x, y
  const double times[] = {0, 0.5, 1};
  for (std::int64_t r = 0; r < rows; ++r) {
    EXPECT_EQ(a[r * 4], static_cast<double>(r / m)) << r;
    EXPECT_EQ(a[r * 4 + 1], times[r % m]) << r;
    if (r % m == m - 1) {
      for (int k = 0; k < 2; ++k) EXPECT_EQ(a[r * 4 + 2 + k], s[(r / m) * 2 + k]) << r;
    }
  }
}

// The log-likelihood of generated samples (forward, alongside sampling) equals the one computed
// back from the samples; streaming the .npy file through a tiny memory budget changes nothing.
TEST(CliFlow, ForwardAndBackwardLikelihoodsAgreeAndStreamingChangesNothing) {
  const fs::path s = scratch() / "sl.npy", x = scratch() / "x.npy", l1 = scratch() / "l1.csv",
                 l2 = scratch() / "l2.csv";
  const CliRun r = odeflow_cli("sample -m '" + kModel + "' -n " + std::to_string(kTightRows) + " --seed 9 --log-likelihood --precision double --rtol 1e-8 --atol 1e-8 -o '" + s.string() + "'");
  ASSERT_EQ(r.code, 0) << r.err;
  std::int64_t rows = 0, cols = 0;
  const auto v = npy_values(s, &rows, &cols);
  ASSERT_EQ(cols, 3);  // x, y, log p
  std::vector<double> xy;
  for (std::int64_t i = 0; i < rows; ++i) xy.insert(xy.end(), {v[i * 3], v[i * 3 + 1]});
  odeflow::write_npy(x, odeflow::NpyArray::from_values<double>({rows, 2}, xy.data()));
  const std::string common = "likelihood -m '" + kModel + "' --precision double --rtol 1e-8 --atol 1e-8 --data '" + x.string() + "'";
  const CliRun a = odeflow_cli(common + " -o '" + l1.string() + "'");
  ASSERT_EQ(a.code, 0) << a.err;
  const CliRun b = odeflow_cli(common + " --memory-budget 0.01 -o '" + l2.string() + "'");
  ASSERT_EQ(b.code, 0) << b.err;
  const auto la = read_csv(l1), lb = read_csv(l2);
  ASSERT_EQ(la.size(), static_cast<std::size_t>(rows));
  ASSERT_EQ(la, lb);  // bitwise: chunks of the file give the one-batch results
  for (std::int64_t i = 0; i < rows; ++i) EXPECT_NEAR(la[i][0], v[i * 3 + 2], 1e-5) << i;
  EXPECT_NE(a.out.find("\"nll\""), std::string::npos);
}

TEST(CliFlow, HutchinsonReportsAStandardError) {
  const fs::path out = scratch() / "h.csv";
  const CliRun r = odeflow_cli("likelihood -m '" + kModel + "' --dataset checkerboard -n " + std::to_string(40 / kRowDivisor) + " --hutchinson 4 --probe gaussian -o '" + out.string() + "'");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto rows = read_csv(out);
  ASSERT_EQ(rows.size(), static_cast<std::size_t>(40 / kRowDivisor));
  for (const auto& x : rows) {
    EXPECT_TRUE(std::isfinite(x[0]));
    EXPECT_GT(x[1], 0);  // standard error over 4 probes
  }
}

TEST(CliFlow, DemoWritesEveryOutput) {
  const fs::path dir = scratch() / "demo";
  const CliRun r = odeflow_cli("demo --output '" + dir.string() + "' --width 32 --depth 2 --iterations 40 --batch 256 "
                               "--samples 300 --held-out 100 --grid 12");
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* f : {"model.safetensors", "loss.csv", "samples.npy", "trajectory.npy", "density.npy",
                        "held_out_log_p.csv", "summary.json"})
    EXPECT_TRUE(fs::exists(dir / f)) << f;
  std::int64_t rows = 0, cols = 0;
  (void)npy_values(dir / "density.npy", &rows, &cols);
  EXPECT_EQ(rows, 144);
  EXPECT_EQ(cols, 3);
  EXPECT_NE(r.out.find("held-out   NLL"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("3.6765"), std::string::npos);
}

TEST(CliFlow, BadInputsGetOneClearLine) {
  const fs::path nan_csv = scratch() / "nan.csv", three = scratch() / "three.csv", bad_npy = scratch() / "bad.npy";
  std::ofstream(nan_csv) << "1,2\n3,nan\n";
  std::ofstream(three) << "1,2,3\n";
  std::ofstream(bad_npy) << "\x93NUMPY garbage";
  struct Case {
    std::string args, needle;
  };
  const Case cases[] = {
      {"sample -m nosuch.safetensors -o x.npy", "'nosuch.safetensors' does not exist"},
      {"sample -m '" + kModel + "' -o x.txt", "unsupported extension '.txt'"},
      {"sample -m '" + kModel + "' -o x.npy --method rk4", "--method rk4 has no error estimate"},
      {"sample -m '" + kModel + "' -o x.npy --trajectory t.npy --times 0,1,0.5", "--times must be increasing"},
      {"likelihood -m '" + kModel + "'", "--data FILE or --dataset NAME"},
      {"likelihood -m '" + kModel + "' --data '" + nan_csv.string() + "'", "row 1 column 1 is not finite"},
      {"likelihood -m '" + kModel + "' --data '" + three.string() + "'", "3 columns but the model's dimension is 2"},
      {"likelihood -m '" + kModel + "' --data '" + bad_npy.string() + "'", "bad.npy"},
      {"likelihood -m '" + kModel + "' --dataset checkerboard --probe cauchy --hutchinson 2", "--probe 'cauchy'"},
  };
  for (const auto& c : cases) {
    const CliRun r = odeflow_cli(c.args);
    EXPECT_EQ(r.code, 1) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.needle), std::string::npos) << c.args << "\nstderr: " << r.err;
    EXPECT_EQ(count_lines(r.err), 1) << c.args << "\nstderr: " << r.err;
  }
}


// Work-precision of sampling: on the analytic mixture flow and on the PyTorch model the error
// against the DOP853 reference falls with the tolerance, and the evaluations grow.
TEST(CliFlow, BenchOnFlowsErrorsFallWithTheTolerance) {
  for (const std::string& problem : std::vector<std::string>{"gmm-flow", "model --model '" + kModel + "'"}) {
    const fs::path out = scratch() / "wpf.json";
    const CliRun r = odeflow_cli("bench --problem " + problem + " --samples " + std::to_string(kBenchRows) + " --methods dopri5,tsit5 --rtols 1e-3,1e-7 "
                                 "--fixed-methods rk4 --steps 20,80 --min-seconds 0 -o '" + out.string() + "'");
    ASSERT_EQ(r.code, 0) << problem << "\n" << r.err;
    std::ifstream in(out);
    const std::string text((std::istreambuf_iterator<char>(in)), {});
    std::vector<double> err;
    std::size_t pos = 0;
    while ((pos = text.find("\"error\": ", pos)) != std::string::npos) {
      pos += 9;
      err.push_back(std::strtod(text.c_str() + pos, nullptr));
    }
    ASSERT_EQ(err.size(), 6u) << text;
    for (int m = 0; m < 3; ++m) EXPECT_LT(err[2 * m + 1], err[2 * m] / 10) << problem << " row pair " << m;
    EXPECT_LT(err[1], 1e-5) << problem;  // dopri5 at 1e-7
  }
}

}  // namespace
