// Tests of the device-callable solve and the host solves: accuracy against closed forms,
// observed order, tolerance scaling, dense output, statuses, directions and host/device identity.
#include "problems.hpp"

#include <odeflow/solvers/solve.hpp>
#include <odeflow/solvers/tableaus/dormand_prince54.hpp>

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <vector>

using namespace odeflow;
using test::Oscillator;

namespace {

template <class Tab>
double fixed_error(double dt) {
  SolveOptions<double> o = default_options<Tab>();
  o.dt = dt;
  auto r = solve(Tab{}, Oscillator{}, std::array<double, 2>{1.0, 0.0}, 0.0, 2.0, o);
  EXPECT_EQ(r.stats.status, Status::success);
  return std::hypot(r.y[0] - std::cos(2.0), r.y[1] + std::sin(2.0));
}

// Least-squares slope of log(error) against log(dt).
double slope(const std::vector<double>& x, const std::vector<double>& y) {
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < x.size(); ++i) mx += std::log(x[i]), my += std::log(y[i]);
  mx /= x.size();
  my /= y.size();
  double sxy = 0, sxx = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxy += (std::log(x[i]) - mx) * (std::log(y[i]) - my);
    sxx += (std::log(x[i]) - mx) * (std::log(x[i]) - mx);
  }
  return sxy / sxx;
}

}  // namespace

TEST(Integrate, Dopri5FixedStepOrderIsFive) {
  std::vector<double> dts, errs;
  for (double dt : {0.2, 0.1, 0.05, 0.025}) {
    dts.push_back(dt);
    errs.push_back(fixed_error<DormandPrince54<double>>(dt));
  }
  EXPECT_NEAR(slope(dts, errs), 5.0, 0.3);
}

TEST(Integrate, AdaptiveErrorScalesWithTolerance) {
  std::vector<double> tols, errs;
  for (double tol : {1e-4, 1e-6, 1e-8, 1e-10}) {
    auto o = default_options<DormandPrince54<double>>();
    o.norm.rtol = o.norm.atol = tol;
    auto r = solve(DormandPrince54<double>{}, test::ExpSin{}, std::array<double, 1>{1.0}, 0.0, 10.0, o);
    ASSERT_EQ(r.stats.status, Status::success);
    const double err = std::abs(r.y[0] - std::exp(std::sin(10.0)));
    EXPECT_LT(err, 200 * tol) << "tol " << tol;
    tols.push_back(tol);
    errs.push_back(err);
  }
  // Error per unit tolerance is roughly proportional: the slope in log-log is near 1.
  EXPECT_NEAR(slope(tols, errs), 1.0, 0.25);
}

TEST(Integrate, BackwardRecoversInitialState) {
  auto o = default_options<DormandPrince54<double>>();
  o.norm.rtol = o.norm.atol = 1e-10;
  auto fwd = solve(DormandPrince54<double>{}, Oscillator{}, std::array<double, 2>{1.0, 0.0}, 0.0, 3.0, o);
  auto bwd = solve(DormandPrince54<double>{}, Oscillator{}, fwd.y, 3.0, 0.0, o);
  ASSERT_EQ(bwd.stats.status, Status::success);
  EXPECT_EQ(bwd.stats.t, 0.0);
  EXPECT_NEAR(bwd.y[0], 1.0, 1e-8);
  EXPECT_NEAR(bwd.y[1], 0.0, 1e-8);
}

TEST(Integrate, EqualTimesReturnInputUnchanged) {
  auto r = solve(DormandPrince54<double>{}, Oscillator{}, std::array<double, 2>{0.3, -0.7}, 1.5, 1.5);
  EXPECT_EQ(r.stats.status, Status::success);
  EXPECT_EQ(r.stats.nfe, 0);
  EXPECT_EQ(r.y[0], 0.3);
  EXPECT_EQ(r.y[1], -0.7);
}

TEST(Integrate, DenseOutputDoesNotShortenStepsAndIsAccurate) {
  auto o = default_options<DormandPrince54<double>>();
  o.norm.rtol = o.norm.atol = 1e-9;
  std::vector<double> ts;
  for (int j = 0; j <= 50; ++j) ts.push_back(0.1 * j);
  auto plain = solve(DormandPrince54<double>{}, Oscillator{}, std::array<double, 2>{1.0, 0.0}, 0.0, 5.0, o);
  auto saved = solve(DormandPrince54<double>{}, Oscillator{}, std::array<double, 2>{1.0, 0.0}, 0.0, 5.0, o,
                     std::span<const double>(ts));
  EXPECT_EQ(plain.stats.accepted, saved.stats.accepted);
  EXPECT_EQ(plain.y, saved.y);
  ASSERT_EQ(saved.saved.size(), ts.size());
  for (std::size_t j = 0; j < ts.size(); ++j) {
    EXPECT_NEAR(saved.saved[j][0], std::cos(ts[j]), 1e-7) << "t = " << ts[j];
    EXPECT_NEAR(saved.saved[j][1], -std::sin(ts[j]), 1e-7) << "t = " << ts[j];
  }
}

TEST(Integrate, StatusMaxSteps) {
  auto o = default_options<DormandPrince54<double>>();
  o.max_steps = 5;
  o.norm.rtol = o.norm.atol = 1e-12;
  auto r = solve(DormandPrince54<double>{}, Oscillator{}, std::array<double, 2>{1.0, 0.0}, 0.0, 100.0, o);
  EXPECT_EQ(r.stats.status, Status::max_steps_reached);
  EXPECT_GT(r.stats.t, 0.0);
  EXPECT_LT(r.stats.t, 100.0);
  EXPECT_TRUE(std::isfinite(r.y[0]) && std::isfinite(r.y[1]));
}

TEST(Integrate, StatusUnderflowOnBlowUp) {
  auto r = solve(DormandPrince54<double>{}, test::BlowUp{}, std::array<double, 1>{1.0}, 0.0, 2.0);
  EXPECT_TRUE(r.stats.status == Status::dt_underflow || r.stats.status == Status::non_finite)
      << status_name(r.stats.status);
  // The discrete solution's pole sits within the tolerance of the true one at t = 1.
  EXPECT_NEAR(r.stats.t, 1.0, 1e-4);
  EXPECT_TRUE(std::isfinite(r.y[0]));
}

TEST(Integrate, StatusNonFiniteKeepsLastGoodState) {
  auto r = solve(DormandPrince54<double>{}, test::NaNAfter{1.0}, std::array<double, 2>{1.0, 0.0}, 0.0, 3.0);
  EXPECT_EQ(r.stats.status, Status::non_finite);
  EXPECT_LE(r.stats.t, 1.0);
  EXPECT_TRUE(std::isfinite(r.y[0]) && std::isfinite(r.y[1]));
  EXPECT_NEAR(r.y[0], std::cos(r.stats.t), 1e-5);
  auto o = default_options<DormandPrince54<double>>();
  o.dt = 0.01;
  auto f = solve(DormandPrince54<double>{}, test::NaNAfter{1.0}, std::array<double, 2>{1.0, 0.0}, 0.0, 3.0, o);
  EXPECT_EQ(f.stats.status, Status::non_finite);
  EXPECT_LE(f.stats.t, 1.0);
  EXPECT_TRUE(std::isfinite(f.y[0]) && std::isfinite(f.y[1]));
}

TEST(Integrate, HostValidationNamesArgumentAndValue) {
  auto o = default_options<DormandPrince54<double>>();
  o.norm.rtol = -1;
  try {
    solve(DormandPrince54<double>{}, Oscillator{}, std::array<double, 2>{1.0, 0.0}, 0.0, 1.0, o);
    FAIL() << "no exception";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("rtol = -1"), std::string::npos) << e.what();
  }
  EXPECT_THROW(solve(DormandPrince54<double>{}, Oscillator{}, std::array<double, 2>{NAN, 0.0}, 0.0, 1.0),
               InvalidArgument);
  std::vector<double> bad{0.5, 0.2};
  EXPECT_THROW(solve(DormandPrince54<double>{}, Oscillator{}, std::array<double, 2>{1, 0}, 0.0, 1.0,
                     default_options<DormandPrince54<double>>(), std::span<const double>(bad)),
               InvalidArgument);
}

TEST(Integrate, DeviceCallableMatchesHostBitwise) {
  using Tab = DormandPrince54<double>;
  auto o = default_options<Tab>();
  auto host = solve(Tab{}, Oscillator{}, std::array<double, 2>{1.0, 0.0}, 0.0, 4.0, o);
  Kokkos::View<double[2]> out("out");
  Kokkos::View<int[2]> stats("stats");
  Kokkos::parallel_for(
      "test::device_solve", Kokkos::RangePolicy<>(0, 1), KOKKOS_LAMBDA(int) {
        StaticWorkspaceFor<Tab, 2> ws;
        Kokkos::Array<double, 2> y{1.0, 0.0};
        Statistics<double> st;
        integrate<Tab>(Oscillator{}, 0.0, 4.0, y, ws, o, st);
        out(0) = y[0];
        out(1) = y[1];
        stats(0) = st.nfe;
        stats(1) = static_cast<int>(st.status);
      });
  auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, out);
  auto hs = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, stats);
  EXPECT_EQ(h(0), host.y[0]);
  EXPECT_EQ(h(1), host.y[1]);
  EXPECT_EQ(hs(0), host.stats.nfe);
  EXPECT_EQ(hs(1), 0);
  // Run-time dimension through a caller workspace gives the same bits as registers.
  auto dyn = solve(Tab{}, Oscillator{}, std::vector<double>{1.0, 0.0}, 0.0, 4.0, o);
  EXPECT_EQ(dyn.y[0], host.y[0]);
  EXPECT_EQ(dyn.y[1], host.y[1]);
}
