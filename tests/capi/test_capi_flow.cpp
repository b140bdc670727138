// The C API's sampling and likelihood against the C++ API they wrap: the same bits per row for
// several methods, per-row statuses for NaN rows, every error path, and the likelihood of a
// sample against the forward solve that carries log p along (an independent path).
#include <odeflow/odeflow.h>

#include <odeflow/flows/log_likelihood.hpp>
#include <odeflow/flows/mlp_field.hpp>
#include <odeflow/flows/mlp_io.hpp>
#include <odeflow/flows/sample.hpp>
#include <odeflow/flows/source_distribution.hpp>
#include <odeflow/solvers/tableaus/dormand_prince54.hpp>
#include <odeflow/solvers/tableaus/runge_kutta4.hpp>
#include <odeflow/solvers/tableaus/tsitouras54.hpp>

#include <Kokkos_Core.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace {

const std::string kModel = std::string(ODEFLOW_SOURCE_DIR) + "/tests/fixtures/ref2d_mlp.safetensors";
// Rows per check: under AddressSanitizer (CI's sanitizer build) the 512-wide model is about 100x
// slower, so a 25th of the rows there (12, 8 and 4); the checks are the same.
#if defined(__SANITIZE_ADDRESS__)
constexpr int kRowDivisor = 25;
#else
constexpr int kRowDivisor = 1;
#endif
constexpr int kDim = 2;

using Rows = Kokkos::View<double**, Kokkos::LayoutRight>;

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

/// n standard normal points (n, 2), row-major, from a fixed seed.
std::vector<double> normal_points(int n, unsigned seed) {
  std::mt19937_64 g(seed);
  std::normal_distribution<double> z;
  std::vector<double> x(static_cast<std::size_t>(n) * kDim);
  for (auto& v : x) v = z(g);
  return x;
}

Rows to_view(const std::vector<double>& x) {
  const int n = static_cast<int>(x.size() / kDim);
  Rows v("x", n, kDim);
  auto h = Kokkos::create_mirror_view(v);
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < kDim; ++k) h(i, k) = x[static_cast<std::size_t>(i) * kDim + k];
  Kokkos::deep_copy(v, h);
  return v;
}

/// A C solver for `method` with tolerances, and the matching C++ options.
struct Solvers {
  odeflow_solver* c = nullptr;
  odeflow::FlowSolverOptions<double> cpp;
  Solvers(const char* method, double tol, double dt = 0) {
    EXPECT_EQ(odeflow_solver_create(method, &c), ODEFLOW_SUCCESS) << odeflow_last_error_message();
    EXPECT_EQ(odeflow_solver_set_tolerances(c, tol, tol), ODEFLOW_SUCCESS);
    EXPECT_EQ(odeflow_solver_set_fixed_step(c, dt), ODEFLOW_SUCCESS);
    cpp.method = method;
    cpp.rtol = cpp.atol = tol;
    cpp.dt = dt;
  }
  ~Solvers() { odeflow_solver_destroy(c); }
  Solvers(const Solvers&) = delete;
  Solvers& operator=(const Solvers&) = delete;
};

class CApiFlow : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(odeflow_initialize(0), ODEFLOW_SUCCESS) << odeflow_last_error_message();
    ASSERT_EQ(odeflow_model_load(kModel.c_str(), &model), ODEFLOW_SUCCESS) << odeflow_last_error_message();
    int32_t d = 0;
    ASSERT_EQ(odeflow_model_dim(model, &d), ODEFLOW_SUCCESS);
    ASSERT_EQ(d, kDim);
  }
  void TearDown() override {
    EXPECT_EQ(odeflow_model_destroy(model), ODEFLOW_SUCCESS);
    EXPECT_EQ(odeflow_finalize(), ODEFLOW_SUCCESS);
  }
  odeflow_model* model = nullptr;
  const odeflow::MlpField<double> field{odeflow::load_mlp<double>(kModel)};
};

/// C sample vs odeflow::sample with tableau Tab: every row's bits, status and nfe.
template <class Tab>
void check_sample(odeflow_model* model, const odeflow::MlpField<double>& field, const char* method, double tol,
                  double dt = 0) {
  SCOPED_TRACE(method);
  const int n = 300 / kRowDivisor, bad = std::min(17, n - 2);  // a NaN row, not the last
  std::vector<double> x0 = normal_points(n, 1);
  x0[bad * kDim + 1] = std::numeric_limits<double>::quiet_NaN();
  Solvers s(method, tol, dt);
  std::vector<double> x1(x0.size());
  std::vector<int32_t> status(n, -1);
  std::vector<int64_t> nfe(n, -1);
  ASSERT_EQ(odeflow_model_sample(model, s.c, n, x0.data(), x1.data(), status.data(), nfe.data()), ODEFLOW_SUCCESS)
      << odeflow_last_error_message();

  odeflow::SampleOptions<double> opt;
  opt.solver = s.cpp;
  const Rows x = to_view(x0);
  const auto r = odeflow::sample(Kokkos::DefaultExecutionSpace(), Tab{}, field, x, x, opt);
  const auto hx = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), x);
  const auto hs = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), r.stats);
  int diff = 0;
  for (int i = 0; i < n; ++i) {
    if (i != bad)
      for (int k = 0; k < kDim; ++k) diff += !same_bits(x1[i * kDim + k], hx(i, k));
    diff += status[i] != static_cast<int32_t>(hs(i).status) || nfe[i] != hs(i).nfe;
    if (i != bad) diff += status[i] != ODEFLOW_TRAJECTORY_SUCCESS || nfe[i] <= 0;
  }
  EXPECT_EQ(diff, 0);
  EXPECT_EQ(status[bad], ODEFLOW_TRAJECTORY_NON_FINITE);

  // In place (x1 == x0) gives the same bits.
  std::vector<double> y = x0;
  ASSERT_EQ(odeflow_model_sample(model, s.c, n, y.data(), y.data(), nullptr, nullptr), ODEFLOW_SUCCESS);
  int diff_in_place = 0;
  for (std::size_t k = 0; k < y.size(); ++k) diff_in_place += !same_bits(y[k], x1[k]);
  EXPECT_EQ(diff_in_place, 0);
}

TEST_F(CApiFlow, SampleIsBitwiseTheCppSample) {
  check_sample<odeflow::DormandPrince54<double>>(model, field, "dopri5", 1e-7);
  check_sample<odeflow::Tsitouras54<double>>(model, field, "tsit5", 1e-5);
  check_sample<odeflow::RungeKutta4<double>>(model, field, "rk4", 1e-6, 0.05);
}

/// C likelihood (exact or Hutchinson) vs odeflow::log_likelihood with tableau Tab.
template <class Tab>
void check_likelihood(odeflow_model* model, const odeflow::MlpField<double>& field, const char* method, double tol,
                      int probes = 0) {
  SCOPED_TRACE(std::string(method) + (probes ? " hutchinson" : " exact"));
  const int n = 200 / kRowDivisor, bad = 5;
  std::vector<double> x1 = normal_points(n, 2);
  for (auto& v : x1) v *= 2;  // roughly the data's spread
  x1[bad * kDim] = std::numeric_limits<double>::quiet_NaN();
  Solvers s(method, tol);
  std::vector<double> log_p(n), se(n);
  std::vector<int32_t> status(n, -1);
  std::vector<int64_t> nfe(n, -1);
  const uint64_t seed = 42, offset = 1000;
  if (probes == 0) {
    ASSERT_EQ(odeflow_model_log_likelihood(model, s.c, n, x1.data(), log_p.data(), status.data(), nfe.data()),
              ODEFLOW_SUCCESS)
        << odeflow_last_error_message();
  } else {
    ASSERT_EQ(odeflow_model_log_likelihood_hutchinson(model, s.c, n, x1.data(), probes, ODEFLOW_PROBE_GAUSSIAN, seed,
                                                      offset, log_p.data(), se.data(), status.data(), nfe.data()),
              ODEFLOW_SUCCESS)
        << odeflow_last_error_message();
  }

  odeflow::LikelihoodOptions<double> opt;
  opt.solver = s.cpp;
  if (probes) {
    opt.divergence = odeflow::DivergenceEstimator::hutchinson(probes, odeflow::ProbeKind::gaussian, seed);
    opt.index_offset = offset;
  }
  const auto r = odeflow::log_likelihood(Kokkos::DefaultExecutionSpace(), Tab{}, field,
                                         odeflow::StandardNormal<double>{kDim}, to_view(x1), opt);
  const auto hl = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), r.log_p);
  const auto he = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), r.log_p_stderr);
  const auto hs = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), r.stats);
  int diff = 0;
  for (int i = 0; i < n; ++i) {
    diff += !same_bits(log_p[i], hl(i));  // NaN row included: the same NaN
    if (probes) diff += !same_bits(se[i], he(i));
    diff += status[i] != static_cast<int32_t>(hs(i).status) || nfe[i] != hs(i).nfe;
    if (i != bad) diff += status[i] != ODEFLOW_TRAJECTORY_SUCCESS || !std::isfinite(log_p[i]);
  }
  EXPECT_EQ(diff, 0);
  EXPECT_EQ(status[bad], ODEFLOW_TRAJECTORY_NON_FINITE);
  EXPECT_TRUE(std::isnan(log_p[bad]));
}

TEST_F(CApiFlow, LikelihoodIsBitwiseTheCppLikelihood) {
  check_likelihood<odeflow::DormandPrince54<double>>(model, field, "dopri5", 1e-7);
  check_likelihood<odeflow::Tsitouras54<double>>(model, field, "tsit5", 1e-5);
  check_likelihood<odeflow::DormandPrince54<double>>(model, field, "dopri5", 1e-6, 4);
}

// Independent check: log p1 of the samples, computed backwards from x1 by the C API, against
// the forward solve from x0 carrying the divergence integral (log p0(x0) - l(1)), C++ API.
TEST_F(CApiFlow, LikelihoodOfSamplesAgreesWithTheForwardSolve) {
  const int n = 100 / kRowDivisor;
  const std::vector<double> x0 = normal_points(n, 3);
  Solvers s("dopri5", 1e-9);
  std::vector<double> x1(x0.size()), log_p(n);
  std::vector<int32_t> st1(n), st2(n);
  ASSERT_EQ(odeflow_model_sample(model, s.c, n, x0.data(), x1.data(), st1.data(), nullptr), ODEFLOW_SUCCESS);
  ASSERT_EQ(odeflow_model_log_likelihood(model, s.c, n, x1.data(), log_p.data(), st2.data(), nullptr),
            ODEFLOW_SUCCESS);
  odeflow::LikelihoodOptions<double> opt;
  opt.solver = s.cpp;
  const auto r = odeflow::sample_with_log_likelihood(Kokkos::DefaultExecutionSpace(), odeflow::DormandPrince54<double>{},
                                                     field, odeflow::StandardNormal<double>{kDim}, to_view(x0), opt);
  const auto hl = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), r.log_p);
  double worst = 0;
  for (int i = 0; i < n; ++i) {
    ASSERT_EQ(st1[i], ODEFLOW_TRAJECTORY_SUCCESS);
    ASSERT_EQ(st2[i], ODEFLOW_TRAJECTORY_SUCCESS);
    worst = std::max(worst, std::abs(log_p[i] - hl(i)));
  }
  EXPECT_LT(worst, 1e-6);
  EXPECT_GT(worst, 0.0);  // two different solves, not one result copied
}

/// The call returns `code` and the message names the function and contains `needle`.
void expect_error(odeflow_status got, odeflow_status code, const char* fn, const char* needle) {
  EXPECT_EQ(got, code) << odeflow_status_name(got) << ": " << odeflow_last_error_message();
  const std::string m = odeflow_last_error_message();
  EXPECT_EQ(m.rfind(std::string(fn) + ": ", 0), 0u) << m;
  EXPECT_NE(m.find(needle), std::string::npos) << m << " (expected '" << needle << "')";
}

TEST_F(CApiFlow, BadArgumentsAreErrorsNamingTheArgument) {
  const int n = 4;
  std::vector<double> x(n * kDim, 0.5), out(n * kDim, -7.0), lp(n, -7.0), se(n);
  std::vector<int32_t> st(n, -1);
  Solvers s("dopri5", 1e-6);
  const char* fs = "odeflow_model_sample";
  const char* fl = "odeflow_model_log_likelihood";
  const char* fh = "odeflow_model_log_likelihood_hutchinson";
  const auto hutch = [&](odeflow_model* m, const odeflow_solver* sv, int64_t nn, const double* x1, int32_t k,
                         int32_t kind, double* l) {
    return odeflow_model_log_likelihood_hutchinson(m, sv, nn, x1, k, kind, 0, 0, l, se.data(), st.data(), nullptr);
  };

  expect_error(odeflow_model_sample(nullptr, s.c, n, x.data(), out.data(), st.data(), nullptr),
               ODEFLOW_ERROR_NULL_POINTER, fs, "model is NULL");
  expect_error(odeflow_model_sample(model, nullptr, n, x.data(), out.data(), st.data(), nullptr),
               ODEFLOW_ERROR_NULL_POINTER, fs, "solver is NULL");
  expect_error(odeflow_model_sample(model, s.c, n, nullptr, out.data(), st.data(), nullptr),
               ODEFLOW_ERROR_NULL_POINTER, fs, "x0 is NULL");
  expect_error(odeflow_model_sample(model, s.c, n, x.data(), nullptr, st.data(), nullptr),
               ODEFLOW_ERROR_NULL_POINTER, fs, "x1 is NULL");
  expect_error(odeflow_model_sample(model, s.c, -1, x.data(), out.data(), st.data(), nullptr),
               ODEFLOW_ERROR_INVALID_ARGUMENT, fs, "n = -1 must be in [0, 2147483647]");
  expect_error(odeflow_model_sample(model, s.c, int64_t{1} << 40, x.data(), out.data(), st.data(), nullptr),
               ODEFLOW_ERROR_INVALID_ARGUMENT, fs, "n = 1099511627776");

  expect_error(odeflow_model_log_likelihood(nullptr, s.c, n, x.data(), lp.data(), st.data(), nullptr),
               ODEFLOW_ERROR_NULL_POINTER, fl, "model is NULL");
  expect_error(odeflow_model_log_likelihood(model, nullptr, n, x.data(), lp.data(), st.data(), nullptr),
               ODEFLOW_ERROR_NULL_POINTER, fl, "solver is NULL");
  expect_error(odeflow_model_log_likelihood(model, s.c, n, nullptr, lp.data(), st.data(), nullptr),
               ODEFLOW_ERROR_NULL_POINTER, fl, "x1 is NULL");
  expect_error(odeflow_model_log_likelihood(model, s.c, n, x.data(), nullptr, st.data(), nullptr),
               ODEFLOW_ERROR_NULL_POINTER, fl, "log_p is NULL");
  expect_error(odeflow_model_log_likelihood(model, s.c, -3, x.data(), lp.data(), st.data(), nullptr),
               ODEFLOW_ERROR_INVALID_ARGUMENT, fl, "n = -3");

  expect_error(hutch(model, s.c, n, x.data(), 0, ODEFLOW_PROBE_RADEMACHER, lp.data()), ODEFLOW_ERROR_INVALID_ARGUMENT,
               fh, "probes = 0 must be >= 1");
  expect_error(hutch(model, s.c, n, x.data(), 1 << 20, ODEFLOW_PROBE_RADEMACHER, lp.data()),
               ODEFLOW_ERROR_INVALID_ARGUMENT, fh, "probes = 1048576 is too many for d = 2");
  expect_error(hutch(model, s.c, n, x.data(), 2, 7, lp.data()), ODEFLOW_ERROR_INVALID_ARGUMENT, fh,
               "probe_kind = 7 must be");
  expect_error(hutch(nullptr, s.c, n, x.data(), 2, ODEFLOW_PROBE_RADEMACHER, lp.data()), ODEFLOW_ERROR_NULL_POINTER,
               fh, "model is NULL");
  expect_error(hutch(model, s.c, n, x.data(), 2, ODEFLOW_PROBE_RADEMACHER, nullptr), ODEFLOW_ERROR_NULL_POINTER, fh,
               "log_p is NULL");

  // Options the method cannot run with: adaptive steps without an error estimate, and zero
  // tolerances. Checked when the solve starts, for n = 0 too.
  Solvers rk4("rk4", 1e-6);
  expect_error(odeflow_model_sample(model, rk4.c, n, x.data(), out.data(), st.data(), nullptr),
               ODEFLOW_ERROR_INVALID_ARGUMENT, fs, "solver (method rk4): dt = 0: this method has no error estimate");
  expect_error(odeflow_model_log_likelihood(model, rk4.c, n, x.data(), lp.data(), st.data(), nullptr),
               ODEFLOW_ERROR_INVALID_ARGUMENT, fl, "solver (method rk4): dt = 0");
  ASSERT_EQ(odeflow_solver_set_tolerances(s.c, 0, 0), ODEFLOW_SUCCESS);
  expect_error(odeflow_model_sample(model, s.c, n, x.data(), out.data(), st.data(), nullptr),
               ODEFLOW_ERROR_INVALID_ARGUMENT, fs, "solver (method dopri5): rtol = 0 and atol = 0");
  expect_error(odeflow_model_sample(model, s.c, 0, nullptr, nullptr, nullptr, nullptr), ODEFLOW_ERROR_INVALID_ARGUMENT,
               fs, "rtol = 0 and atol = 0");

  // Outputs untouched by the failed calls; n = 0 with NULL arrays is fine.
  for (double v : out) EXPECT_EQ(v, -7.0);
  for (double v : lp) EXPECT_EQ(v, -7.0);
  Solvers ok("tsit5", 1e-6);
  EXPECT_EQ(odeflow_model_sample(model, ok.c, 0, nullptr, nullptr, nullptr, nullptr), ODEFLOW_SUCCESS)
      << odeflow_last_error_message();
  EXPECT_EQ(odeflow_model_log_likelihood(model, ok.c, 0, nullptr, nullptr, nullptr, nullptr), ODEFLOW_SUCCESS)
      << odeflow_last_error_message();
}

}  // namespace
