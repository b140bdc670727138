// PerTrajectory ensembles: agreement with the single device-callable solve, batch
// invariance (bitwise; thread invariance is tests/determinism), static and run-time dimensions, save-at, and per-trajectory faults.
#include <odeflow/solvers/per_trajectory.hpp>
#include <odeflow/solvers/problems/lorenz.hpp>
#include <odeflow/solvers/solve.hpp>
#include <odeflow/solvers/tableaus/dormand_prince54.hpp>
#include <odeflow/solvers/tableaus/runge_kutta4.hpp>
#include <odeflow/solvers/tableaus/tsitouras54.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

using namespace odeflow;

namespace {

struct Lorenz {
  double sigma, rho, beta;
  template <class T, class Y, class DY>
  KOKKOS_FUNCTION void operator()(T, const Y& u, DY& du) const {
    du[0] = sigma * (u[1] - u[0]);
    du[1] = u[0] * (rho - u[2]) - u[1];
    du[2] = u[0] * u[1] - beta * u[2];
  }
};

// Trajectory i of the DiffEqGPU protocol over a global index space of `total` trajectories.
struct LorenzStudy {
  int total;
  int offset;
  KOKKOS_FUNCTION Lorenz operator()(int i) const {
    return Lorenz{10.0, 21.0 * (i + offset) / (total - 1), 8.0 / 3.0};
  }
};

// Like LorenzStudy, but trajectories whose global index is a multiple of 7 return NaN after t = 0.5.
struct PoisonedLorenz {
  int total;
  struct Field {
    Lorenz base;
    bool poison;
    template <class T, class Y, class DY>
    KOKKOS_FUNCTION void operator()(T t, const Y& u, DY& du) const {
      base(t, u, du);
      if (poison && t > T(0.5)) du[1] = Kokkos::Experimental::quiet_NaN<T>::value;
    }
  };
  KOKKOS_FUNCTION Field operator()(int i) const {
    return Field{Lorenz{10.0, 21.0 * i / (total - 1), 8.0 / 3.0}, i % 7 == 0};
  }
};

using Space = Kokkos::DefaultExecutionSpace;
using YView = Kokkos::View<double**, Kokkos::LayoutLeft, Space>;
using SView = Kokkos::View<Statistics<double>*, Space>;

template <class Tab, int N = 3, class Problem>
std::pair<std::vector<double>, std::vector<Statistics<double>>> run(const Space& space, const Problem& p,
                                                                     int n, const SolveOptions<double>& o) {
  YView y("y", n, 3);
  SView st("st", n);
  Kokkos::parallel_for(Kokkos::RangePolicy<Space>(space, 0, n), KOKKOS_LAMBDA(int i) {
    y(i, 0) = 1.0;
    y(i, 1) = 0.0;
    y(i, 2) = 0.0;
  });
  solve_ensemble<Tab>(space, PerTrajectory<N>{}, p, y, 0.0, 1.0, o, st);
  space.fence();
  auto hy = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, y);
  auto hs = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, st);
  std::vector<double> ys(3 * n);
  std::vector<Statistics<double>> ss(n);
  for (int i = 0; i < n; ++i) {
    for (int k = 0; k < 3; ++k) ys[3 * i + k] = hy(i, k);
    ss[i] = hs(i);
  }
  return {ys, ss};
}

SolveOptions<double> tight() {
  auto o = default_options<DormandPrince54<double>>();
  o.norm.rtol = o.norm.atol = 1e-8;
  return o;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

}  // namespace

TEST(PerTrajectory, EqualsSingleSolveForEveryTrajectory) {
  const int n = 37;  // not a multiple of the pack width: padding lanes exercised
  auto [ys, ss] = run<DormandPrince54<double>>(Space{}, LorenzStudy{n, 0}, n, tight());
  for (int i = 0; i < n; ++i) {
    auto single = solve(DormandPrince54<double>{}, LorenzStudy{n, 0}(i), std::array<double, 3>{1, 0, 0},
                        0.0, 1.0, tight());
    ASSERT_EQ(ss[i].status, Status::success);
    EXPECT_EQ(ss[i].nfe, single.stats.nfe) << i;
    EXPECT_EQ(ss[i].accepted, single.stats.accepted) << i;
    EXPECT_EQ(ss[i].rejected, single.stats.rejected) << i;
    for (int k = 0; k < 3; ++k) EXPECT_TRUE(same_bits(ys[3 * i + k], single.y[k])) << i << " " << k;
  }
}

TEST(PerTrajectory, BatchInvariantBitwise) {
  // The same global trajectories solved in a batch of 100,000, alone, and at shifted lane positions.
  const int total = 100000;
  auto [big, bigs] = run<DormandPrince54<double>>(Space{}, LorenzStudy{total, 0}, total, tight());
  for (int i : {0, 1, 5, 4097, 50000, 99999}) {
    auto [one, ones] = run<DormandPrince54<double>>(Space{}, LorenzStudy{total, i}, 1, tight());
    EXPECT_EQ(ones[0].nfe, bigs[i].nfe);
    for (int k = 0; k < 3; ++k) EXPECT_TRUE(same_bits(one[k], big[3 * i + k])) << i;
  }
  auto [mid, mids] = run<DormandPrince54<double>>(Space{}, LorenzStudy{total, 3}, 1000, tight());
  for (int i = 0; i < 1000; ++i)
    for (int k = 0; k < 3; ++k) ASSERT_TRUE(same_bits(mid[3 * i + k], big[3 * (i + 3) + k])) << i;
}

// The library's parameter study returns LorenzRho (sigma and beta as constants, for the host
// packs' sake), and on host one LorenzRho over packs for W trajectories (lanes<W>): its
// ensemble must be bitwise the one of Lorenz63 with the same three values, which host packs
// call per lane through views of the workspace (no lanes<W>).
struct Lorenz63Study {
  odeflow::LorenzParameterStudy<double> study;
  KOKKOS_FUNCTION Lorenz63<double> operator()(int i) const { return Lorenz63<double>{10.0, study.rho(i), 8.0 / 3.0}; }
};
static_assert(odeflow::detail::has_pack_field<LorenzParameterStudy<double>, 8>);
static_assert(!odeflow::detail::has_pack_field<Lorenz63Study, 8>);

template <class Tab>
void expect_study_is_lorenz63(const SolveOptions<double>& o) {
  const int n = 203;  // not a multiple of the pack width: padding lanes repeat the last trajectory
  const LorenzParameterStudy<double> study{n, 0.0, 21.0};
  auto [a, as] = run<Tab>(Space{}, study, n, o);
  auto [b, bs] = run<Tab>(Space{}, Lorenz63Study{study}, n, o);
  for (int i = 0; i < n; ++i) {
    ASSERT_EQ(as[i].status, Status::success);
    EXPECT_EQ(as[i].nfe, bs[i].nfe) << i;
    for (int k = 0; k < 3; ++k) ASSERT_TRUE(same_bits(a[3 * i + k], b[3 * i + k])) << i << " " << k;
  }
  // and against the single solve of Lorenz63 (the reference the other tests use)
  for (int i : {0, 101, n - 1}) {
    auto single = solve(Tab{}, Lorenz63<double>{10.0, study.rho(i), 8.0 / 3.0}, std::array<double, 3>{1, 0, 0},
                        0.0, 1.0, o);
    for (int k = 0; k < 3; ++k) EXPECT_TRUE(same_bits(a[3 * i + k], single.y[k])) << i << " " << k;
  }
}

TEST(PerTrajectory, LorenzParameterStudyIsBitwiseLorenz63) {
  expect_study_is_lorenz63<DormandPrince54<double>>(tight());
  auto fixed = default_options<RungeKutta4<double>>();
  fixed.dt = 1e-3;
  expect_study_is_lorenz63<RungeKutta4<double>>(fixed);
  auto tsit = default_options<Tsitouras54<double>>();
  tsit.dt = 1e-3;
  expect_study_is_lorenz63<Tsitouras54<double>>(tsit);
}

TEST(PerTrajectory, RuntimeDimensionMatchesStatic) {
  const int n = 100;
  auto [s, ss] = run<DormandPrince54<double>, 3>(Space{}, LorenzStudy{n, 0}, n, tight());
  auto [r, rs] = run<DormandPrince54<double>, 0>(Space{}, LorenzStudy{n, 0}, n, tight());
  for (int i = 0; i < 3 * n; ++i) ASSERT_TRUE(same_bits(s[i], r[i])) << i;
  auto o = default_options<RungeKutta4<double>>();
  o.dt = 1e-3;
  auto [fs, fss] = run<RungeKutta4<double>, 3>(Space{}, LorenzStudy{n, 0}, n, o);
  auto [fr, frs] = run<RungeKutta4<double>, 0>(Space{}, LorenzStudy{n, 0}, n, o);
  for (int i = 0; i < 3 * n; ++i) ASSERT_TRUE(same_bits(fs[i], fr[i])) << i;
  EXPECT_EQ(fss[0].accepted, 1000);
}

TEST(PerTrajectory, SaveAtMatchesSingleSolve) {
  const int n = 20, m = 11;
  Kokkos::View<double*, Kokkos::HostSpace> times("times", m);
  std::vector<double> tv(m);
  for (int j = 0; j < m; ++j) tv[j] = times(j) = 0.1 * j;
  YView y("y", n, 3);
  Kokkos::deep_copy(Kokkos::subview(y, Kokkos::ALL, 0), 1.0);
  SView st("st", n);
  Kokkos::View<double***, Space> out("out", n, m, 3);
  EnsembleSaveAt<double, decltype(out)> sa{times, out};
  solve_ensemble<DormandPrince54<double>>(Space{}, PerTrajectory<3>{}, LorenzStudy{n, 0}, y, 0.0, 1.0,
                                          tight(), st, &sa);
  auto ho = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, out);
  for (int i = 0; i < n; ++i) {
    auto single = solve(DormandPrince54<double>{}, LorenzStudy{n, 0}(i), std::array<double, 3>{1, 0, 0},
                        0.0, 1.0, tight(), std::span<const double>(tv));
    for (int j = 0; j < m; ++j)
      for (int k = 0; k < 3; ++k) EXPECT_TRUE(same_bits(ho(i, j, k), single.saved[j][k])) << i << " " << j;
  }
}

// Fixed steps on host packs run on local copies of the state and workspace and take the
// step's scaled rows (h a_ij) from a cache that is refreshed when h changes (StepRows). A
// step of 0.03 on [0, 1] ends with a shorter step, and save times between grid points
// shorten steps of methods without interpolation (RK4): h changes often, and every change
// must reach the stages. Each trajectory must be bitwise its single solve, saves and all.
template <class Tab>
void expect_fixed_equals_single(bool with_saves, bool poisoned) {
  const int n = 21, m = 11;
  auto o = default_options<Tab>();
  o.dt = 0.03;
  Kokkos::View<double*, Kokkos::HostSpace> times("times", m);
  std::vector<double> tv(m);
  for (int j = 0; j < m; ++j) tv[j] = times(j) = 0.1 * j;
  YView y("y", n, 3);
  Kokkos::deep_copy(Kokkos::subview(y, Kokkos::ALL, 0), 1.0);
  SView st("st", n);
  Kokkos::View<double***, Space> out("out", n, m, 3);
  EnsembleSaveAt<double, decltype(out)> sa{times, out};
  if (poisoned) {
    solve_ensemble<Tab>(Space{}, PerTrajectory<3>{}, PoisonedLorenz{n}, y, 0.0, 1.0, o, st,
                        with_saves ? &sa : nullptr);
  } else {
    solve_ensemble<Tab>(Space{}, PerTrajectory<3>{}, LorenzStudy{n, 0}, y, 0.0, 1.0, o, st,
                        with_saves ? &sa : nullptr);
  }
  auto hy = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, y);
  auto hs = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, st);
  auto ho = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, out);
  for (int i = 0; i < n; ++i) {
    auto one = [&](const auto& field) {
      return with_saves ? solve(Tab{}, field, std::array<double, 3>{1, 0, 0}, 0.0, 1.0, o,
                                std::span<const double>(tv))
                        : solve(Tab{}, field, std::array<double, 3>{1, 0, 0}, 0.0, 1.0, o);
    };
    auto single = poisoned ? one(PoisonedLorenz{n}(i)) : one(LorenzStudy{n, 0}(i));
    ASSERT_EQ(hs(i).status, single.stats.status) << i;
    EXPECT_EQ(hs(i).status, poisoned && i % 7 == 0 ? Status::non_finite : Status::success) << i;
    EXPECT_EQ(hs(i).nfe, single.stats.nfe) << i;
    EXPECT_EQ(hs(i).accepted, single.stats.accepted) << i;
    EXPECT_TRUE(same_bits(hs(i).t, single.stats.t)) << i;
    EXPECT_TRUE(same_bits(hs(i).dt_last, single.stats.dt_last)) << i;
    for (int k = 0; k < 3; ++k) EXPECT_TRUE(same_bits(hy(i, k), single.y[k])) << i << " " << k;
    if (with_saves && !poisoned) {
      ASSERT_EQ(single.saved.size(), std::size_t(m));
      for (int j = 0; j < m; ++j)
        for (int k = 0; k < 3; ++k) EXPECT_TRUE(same_bits(ho(i, j, k), single.saved[j][k])) << i << " " << j;
    }
  }
  // 1 / 0.03 rounds up to 34 steps; save times off the grid add steps to RK4's.
  if (!poisoned) {
    if (with_saves && !has_dense_output_v<Tab>) {
      EXPECT_GT(hs(0).accepted, 34);
    } else {
      EXPECT_EQ(hs(0).accepted, 34);
    }
  }
}

TEST(PerTrajectory, FixedStepEqualsSingleSolve) {
  for (bool saves : {false, true}) {
    for (bool poisoned : {false, true}) {
      SCOPED_TRACE(::testing::Message() << "saves " << saves << ", poisoned " << poisoned);
      expect_fixed_equals_single<RungeKutta4<double>>(saves, poisoned);
      expect_fixed_equals_single<Tsitouras54<double>>(saves, poisoned);
    }
  }
}

TEST(PerTrajectory, NonFiniteTrajectoriesLeaveOthersUntouched) {
  const int n = 200;
  auto [clean, cleans] = run<DormandPrince54<double>>(Space{}, LorenzStudy{n, 0}, n, tight());
  auto [mixed, mixeds] = run<DormandPrince54<double>>(Space{}, PoisonedLorenz{n}, n, tight());
  for (int i = 0; i < n; ++i) {
    if (i % 7 == 0) {
      EXPECT_EQ(mixeds[i].status, Status::non_finite) << i;
      EXPECT_LE(mixeds[i].t, 0.5 + 1e-12);
      for (int k = 0; k < 3; ++k) EXPECT_TRUE(std::isfinite(mixed[3 * i + k]));
    } else {
      EXPECT_EQ(mixeds[i].status, Status::success) << i;
      EXPECT_EQ(mixeds[i].nfe, cleans[i].nfe);
      for (int k = 0; k < 3; ++k) EXPECT_TRUE(same_bits(mixed[3 * i + k], clean[3 * i + k])) << i;
    }
  }
  auto sum = summarize(Kokkos::View<Statistics<double>*, Kokkos::HostSpace>("s", 0));
  EXPECT_EQ(sum.nfe, 0);
}

TEST(PerTrajectory, RejectsBadShapes) {
  YView y("y", 10, 4);
  SView st("st", 10);
  EXPECT_THROW(solve_ensemble<DormandPrince54<double>>(Space{}, PerTrajectory<3>{}, LorenzStudy{10, 0}, y,
                                                       0.0, 1.0, tight(), st),
               InvalidArgument);
  YView y3("y3", 10, 3);
  SView st10("st10", 10);
  Kokkos::View<double*, Kokkos::HostSpace> times("times", 4);
  Kokkos::View<double***, Space> out("out", 10, 5, 3);  // m = 5, but 4 times
  EnsembleSaveAt<double, decltype(out)> sa{times, out};
  try {
    solve_ensemble<DormandPrince54<double>>(Space{}, PerTrajectory<3>{}, LorenzStudy{10, 0}, y3, 0.0, 1.0,
                                            tight(), st10, &sa);
    FAIL() << "no exception";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("save_at.out is (10, 5, 3), expected (n, m, d) = (10, 4, 3)"),
              std::string::npos)
        << e.what();
  }
  SView st9("st9", 9);
  EXPECT_THROW(solve_ensemble<DormandPrince54<double>>(Space{}, PerTrajectory<3>{}, LorenzStudy{10, 0}, y3,
                                                       0.0, 1.0, tight(), st9),
               InvalidArgument);
}
