// Lockstep batches: per-sample stepping equals solving each sample alone (bitwise), chunking and
// batch size do not change results, shared-step mode, save-at, statuses and bad shapes.
#include <odeflow/solvers/lockstep.hpp>
#include <odeflow/solvers/solve.hpp>
#include <odeflow/solvers/tableaus/dormand_prince54.hpp>
#include <odeflow/solvers/tableaus/dormand_prince853.hpp>
#include <odeflow/solvers/tableaus/explicit_midpoint.hpp>
#include <odeflow/solvers/tableaus/runge_kutta4.hpp>
#include <odeflow/solvers/tableaus/tsitouras54.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

using namespace odeflow;

namespace {

using Space = Kokkos::DefaultExecutionSpace;
using mem = Space::memory_space;

// Row i: a damped rotation whose rate depends on the row's own state: dx = A(|x|) x + t.
struct RotField {
  using value_type = double;
  using execution_space = Space;
  int dim() const { return 2; }
  template <class TV, class XV, class DV>
  void operator()(const Space& space, const TV& t, const XV& x, const DV& dx) const {
    Kokkos::parallel_for(Kokkos::RangePolicy<Space>(space, 0, x.extent(0)), KOKKOS_LAMBDA(int i) {
      RotField::row(t(i), &x(i, 0), &dx(i, 0));
    });
  }
  KOKKOS_FUNCTION static void row(double t, const double* x, double* dx) {
    const double w = 1.0 + 0.5 * (x[0] * x[0] + x[1] * x[1]);
    dx[0] = -0.1 * x[0] + w * x[1] + 0.2 * t;
    dx[1] = -w * x[0] - 0.1 * x[1];
  }
};

// The same field for one trajectory (single-solve reference).
struct RotSingle {
  template <class T, class Y, class DY>
  KOKKOS_FUNCTION void operator()(T t, const Y& y, DY& dy) const {
    double x[2] = {y[0], y[1]}, d[2];
    RotField::row(t, x, d);
    dy[0] = d[0];
    dy[1] = d[1];
  }
};

bool same(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

Kokkos::View<double**, Kokkos::LayoutRight, mem> start(int n) {
  Kokkos::View<double**, Kokkos::LayoutRight, mem> x("x", n, 2);
  auto h = Kokkos::create_mirror_view(x);
  for (int i = 0; i < n; ++i) {
    h(i, 0) = std::cos(0.37 * i) * (1 + 0.01 * i);
    h(i, 1) = std::sin(0.37 * i);
  }
  Kokkos::deep_copy(x, h);
  return x;
}

template <class Tab>
void check_alone(Lockstep mode, int n, SolveOptions<double> o) {
  auto x = start(n);
  auto x0 = Kokkos::create_mirror(Kokkos::HostSpace{}, x);  // a copy, even for host memory
  Kokkos::deep_copy(x0, x);
  Kokkos::View<Statistics<double>*, mem> st("st", n);
  solve_batch<Tab>(Space{}, mode, RotField{}, x, 0.0, 3.0, o, st);
  auto hx = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, x);
  auto hs = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, st);
  for (int i = 0; i < n; ++i) {
    auto r = solve(Tab{}, RotSingle{}, std::array<double, 2>{x0(i, 0), x0(i, 1)}, 0.0, 3.0, o);
    ASSERT_EQ(hs(i).status, Status::success) << i;
    EXPECT_EQ(hs(i).nfe, r.stats.nfe) << i;
    EXPECT_EQ(hs(i).accepted, r.stats.accepted) << i;
    EXPECT_EQ(hs(i).rejected, r.stats.rejected) << i;
    EXPECT_TRUE(same(hx(i, 0), r.y[0]) && same(hx(i, 1), r.y[1])) << i << ": " << hx(i, 0) << " vs " << r.y[0];
  }
}

}  // namespace

TEST(Lockstep, PerSampleEqualsAloneDopri5) {
  auto o = default_options<DormandPrince54<double>>();
  o.norm.rtol = o.norm.atol = 1e-7;
  check_alone<DormandPrince54<double>>(Lockstep{}, 50, o);
}

TEST(Lockstep, PerSampleEqualsAloneTsit5AndDop853InChunks) {
  auto o = default_options<Tsitouras54<double>>();
  o.norm.rtol = o.norm.atol = 1e-9;
  check_alone<Tsitouras54<double>>(Lockstep{false, 7}, 30, o);
  check_alone<DormandPrince853<double>>(Lockstep{false, 8}, 30, default_options<DormandPrince853<double>>());
}

TEST(Lockstep, FixedStepEqualsAlone) {
  auto o = default_options<RungeKutta4<double>>();
  o.dt = 0.01;
  check_alone<RungeKutta4<double>>(Lockstep{}, 20, o);
  auto om = default_options<ExplicitMidpoint<double>>();
  om.dt = 0.05;
  check_alone<ExplicitMidpoint<double>>(Lockstep{false, 3}, 10, om);
}

TEST(Lockstep, SharedStepUsesOneStepSequenceAndMoreWork) {
  const int n = 64;
  auto o = default_options<DormandPrince54<double>>();
  o.norm.rtol = o.norm.atol = 1e-8;
  auto xa = start(n), xb = start(n);
  Kokkos::View<Statistics<double>*, mem> sa("sa", n), sb("sb", n);
  solve_batch<DormandPrince54<double>>(Space{}, Lockstep{}, RotField{}, xa, 0.0, 3.0, o, sa);
  solve_batch<DormandPrince54<double>>(Space{}, Lockstep{true}, RotField{}, xb, 0.0, 3.0, o, sb);
  auto ha = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, sa);
  auto hb = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, sb);
  auto xha = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, xa);
  auto xhb = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, xb);
  long nfe_a = 0, nfe_b = 0;
  for (int i = 0; i < n; ++i) {
    EXPECT_EQ(hb(i).nfe, hb(0).nfe);  // one step sequence for all
    EXPECT_EQ(hb(i).status, Status::success);
    nfe_a += ha(i).nfe;
    nfe_b += hb(i).nfe;
    EXPECT_NEAR(xha(i, 0), xhb(i, 0), 1e-5);
  }
  EXPECT_LT(nfe_a, nfe_b);
}

TEST(Lockstep, SaveAtMatchesSingleSolve) {
  const int n = 12, m = 7;
  auto o = default_options<DormandPrince54<double>>();
  Kokkos::View<double*, Kokkos::HostSpace> times("times", m);
  std::vector<double> tv(m);
  for (int j = 0; j < m; ++j) tv[j] = times(j) = 0.5 * j;
  auto x = start(n);
  auto x0 = Kokkos::create_mirror(Kokkos::HostSpace{}, x);  // a copy, even for host memory
  Kokkos::deep_copy(x0, x);
  Kokkos::View<Statistics<double>*, mem> st("st", n);
  Kokkos::View<double***, mem> out("out", n, m, 2);
  BatchSaveAt<double, decltype(out)> sa{times, out};
  solve_batch<DormandPrince54<double>>(Space{}, Lockstep{}, RotField{}, x, 0.0, 3.0, o, st, &sa);
  auto ho = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, out);
  for (int i = 0; i < n; ++i) {
    auto r = solve(DormandPrince54<double>{}, RotSingle{}, std::array<double, 2>{x0(i, 0), x0(i, 1)}, 0.0,
                   3.0, o, std::span<const double>(tv));
    for (int j = 0; j < m; ++j)
      for (int k = 0; k < 2; ++k) EXPECT_TRUE(same(ho(i, j, k), r.saved[j][k])) << i << " " << j;
  }
}

TEST(Lockstep, RejectsBadShapes) {
  Kokkos::View<double**, Kokkos::LayoutRight, mem> x("x", 4, 3);
  Kokkos::View<Statistics<double>*, mem> st("st", 4);
  EXPECT_THROW(solve_batch<DormandPrince54<double>>(Space{}, Lockstep{}, RotField{}, x, 0.0, 1.0,
                                                    default_options<DormandPrince54<double>>(), st),
               InvalidArgument);
}
