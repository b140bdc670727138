// TeamPerTrajectory ensembles on Lorenz-96 (d = 64..200): bitwise agreement with PerTrajectory<0>,
// Boost.Odeint cross-check, batch/team-size invariance, per-trajectory faults and input errors.
// Thread-count invariance: the Dump test, run with 1 and 2 threads by ctest (tests/solvers/CMakeLists.txt).
#include <odeflow/solvers/per_trajectory.hpp>
#include <odeflow/solvers/problems/lorenz96.hpp>
#include <odeflow/solvers/team_per_trajectory.hpp>
#include <odeflow/solvers/tableaus/cash_karp54.hpp>
#include <odeflow/solvers/tableaus/dormand_prince54.hpp>
#include <odeflow/solvers/tableaus/dormand_prince853.hpp>
#include <odeflow/solvers/tableaus/runge_kutta4.hpp>
#include <odeflow/solvers/tableaus/tsitouras54.hpp>

#include <boost/numeric/odeint.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

using namespace odeflow;

namespace {

using Space = Kokkos::DefaultExecutionSpace;
using YView = Kokkos::View<double**, Space>;
using SView = Kokkos::View<Statistics<double>*, Space>;

// Trajectory i of a global study: forcing from the global index i + offset, so that one
// trajectory alone (offset = its index, n = 1) and inside a batch have the same field.
double forcing_of(long g) { return 6.0 + 4.0 * double(g % 97) / 96.0; }
double y0_of(long g, int k) { return 1.0 + 0.5 * std::sin(0.7 * k + 0.3 * double(g)); }

struct Study {
  int d;
  long offset;
  KOKKOS_FUNCTION Lorenz96<double> operator()(long i) const {
    const long g = i + offset;
    return Lorenz96<double>{6.0 + 4.0 * double(g % 97) / 96.0, d};
  }
};

// As Study, but the trajectories whose global index is a multiple of 5 return NaN in
// component 1 after t = 0.5 (both call forms).
struct Poisoned {
  int d;
  struct Field {
    Lorenz96<double> base;
    bool poison;
    template <class TT, class Y, class DY>
    KOKKOS_FUNCTION void operator()(TT t, const Y& y, DY& dy) const {
      base(t, y, dy);
      if (poison && t > 0.5) dy[1] = Kokkos::Experimental::quiet_NaN<double>::value;
    }
    template <class Member>
    KOKKOS_FUNCTION void operator()(const Member& m, double t, const double* y, double* dy) const {
      Kokkos::parallel_for(Kokkos::TeamVectorRange(m, base.d), [&](int k) {
        dy[k] = base.component(y, k);
        if (poison && t > 0.5 && k == 1) dy[k] = Kokkos::Experimental::quiet_NaN<double>::value;
      });
    }
  };
  KOKKOS_FUNCTION Field operator()(long i) const {
    return Field{Lorenz96<double>{6.0 + 4.0 * double(i % 97) / 96.0, d}, i % 5 == 0};
  }
};

struct Result {
  std::vector<double> y;  // n * d, row-major
  std::vector<Statistics<double>> st;
};

YView initial(int n, int d, long offset) {
  YView y("y", n, d);
  auto h = Kokkos::create_mirror_view(y);
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < d; ++k) h(i, k) = y0_of(i + offset, k);
  Kokkos::deep_copy(y, h);
  return y;
}

Result collect(const YView& y, const SView& s) {
  Kokkos::fence();
  auto hy = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, y);
  auto hs = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, s);
  const int n = int(y.extent(0)), d = int(y.extent(1));
  Result r{std::vector<double>(std::size_t(n) * d), std::vector<Statistics<double>>(n)};
  for (int i = 0; i < n; ++i) {
    for (int k = 0; k < d; ++k) r.y[std::size_t(i) * d + k] = hy(i, k);
    r.st[i] = hs(i);
  }
  return r;
}

template <class Tab, class Strategy, class Problem>
Result run(Strategy strategy, const Problem& p, int n, int d, long offset, const SolveOptions<double>& o,
           double t1 = 2.0) {
  YView y = initial(n, d, offset);
  SView s("st", n);
  solve_ensemble<Tab>(Space{}, strategy, p, y, 0.0, t1, o, s);
  return collect(y, s);
}

SolveOptions<double> adaptive(double tol) {
  SolveOptions<double> o = default_options<DormandPrince54<double>>();
  o.norm.rtol = tol;
  o.norm.atol = tol;
  return o;
}
template <class Tab>
SolveOptions<double> adaptive_for(double tol) {
  SolveOptions<double> o = default_options<Tab>();
  o.norm.rtol = tol;
  o.norm.atol = tol;
  return o;
}
SolveOptions<double> fixed(double dt) {
  SolveOptions<double> o;
  o.dt = dt;
  return o;
}

void expect_same_stats(const Statistics<double>& a, const Statistics<double>& b, int i) {
  EXPECT_EQ(a.status, b.status) << "trajectory " << i;
  EXPECT_EQ(a.nfe, b.nfe) << "trajectory " << i;
  EXPECT_EQ(a.accepted, b.accepted) << "trajectory " << i;
  EXPECT_EQ(a.rejected, b.rejected) << "trajectory " << i;
  EXPECT_EQ(std::memcmp(&a.t, &b.t, sizeof(double)), 0) << "trajectory " << i;
  EXPECT_EQ(std::memcmp(&a.dt_last, &b.dt_last, sizeof(double)), 0) << "trajectory " << i;
}

void expect_bitwise(const Result& a, const Result& b) {
  ASSERT_EQ(a.y.size(), b.y.size());
  ASSERT_EQ(a.st.size(), b.st.size());
  EXPECT_EQ(std::memcmp(a.y.data(), b.y.data(), a.y.size() * sizeof(double)), 0);
  for (std::size_t i = 0; i < a.st.size(); ++i) expect_same_stats(a.st[i], b.st[i], int(i));
}

// Team sizes to try: 1 and, when the space has two threads, 2 (a team cannot exceed the
// concurrency on host), with vector lengths 1 and 4.
std::vector<TeamPerTrajectory> strategies() {
  std::vector<TeamPerTrajectory> v{{0, 0}, {1, 1}, {1, 4}};
  if (Space().concurrency() >= 2) v.push_back({2, 1});
  return v;
}

}  // namespace

// (a) The team stepper keeps the per-component arithmetic and the error-norm order of the
// one-thread stepper, and Lorenz96 computes each component alike in both forms: the same bits.
// d = 512 puts the 45 KB workspace of a Dopri5 trajectory in level-1 team scratch on OpenMP
// (level 0 holds 32 KB there), the smaller ones in level 0.
TEST(TeamEnsemble, BitwiseAsPerTrajectoryAdaptiveDopri5) {
  for (int d : {64, 200, 512}) {
    const int n = 13;
    const auto o = adaptive(1e-8);
    const Result ref = run<DormandPrince54<double>>(PerTrajectory<0>{}, Study{d, 0}, n, d, 0, o);
    for (int i = 0; i < n; ++i) {
      ASSERT_EQ(ref.st[i].status, Status::success);
      ASSERT_GT(ref.st[i].accepted, 10);
    }
    for (auto s : strategies()) {
      SCOPED_TRACE("d " + std::to_string(d) + " team " + std::to_string(s.team_size) + " vector " +
                   std::to_string(s.vector_length));
      expect_bitwise(run<DormandPrince54<double>>(s, Study{d, 0}, n, d, 0, o), ref);
    }
  }
}

TEST(TeamEnsemble, BitwiseAsPerTrajectoryOtherMethods) {
  const int d = 96, n = 7;
  expect_bitwise(run<Tsitouras54<double>>(TeamPerTrajectory{}, Study{d, 3}, n, d, 3, adaptive_for<Tsitouras54<double>>(1e-7)),
                 run<Tsitouras54<double>>(PerTrajectory<0>{}, Study{d, 3}, n, d, 3, adaptive_for<Tsitouras54<double>>(1e-7)));
  // DOP853: the dual error estimate (two sums).
  expect_bitwise(
      run<DormandPrince853<double>>(TeamPerTrajectory{}, Study{d, 3}, n, d, 3, adaptive_for<DormandPrince853<double>>(1e-9)),
      run<DormandPrince853<double>>(PerTrajectory<0>{}, Study{d, 3}, n, d, 3, adaptive_for<DormandPrince853<double>>(1e-9)));
  // Fixed steps: RK4 (not FSAL: k0 re-evaluated) and Tsit5 (FSAL); a grid that does not divide the span.
  expect_bitwise(run<RungeKutta4<double>>(TeamPerTrajectory{1, 4}, Study{d, 3}, n, d, 3, fixed(0.0137)),
                 run<RungeKutta4<double>>(PerTrajectory<0>{}, Study{d, 3}, n, d, 3, fixed(0.0137)));
  expect_bitwise(run<Tsitouras54<double>>(TeamPerTrajectory{}, Study{d, 3}, n, d, 3, fixed(0.01)),
                 run<Tsitouras54<double>>(PerTrajectory<0>{}, Study{d, 3}, n, d, 3, fixed(0.01)));
  // Statuses other than success: max_steps_reached, in both modes.
  auto o = adaptive(1e-10);
  o.max_steps = 9;
  const Result a = run<DormandPrince54<double>>(TeamPerTrajectory{}, Study{d, 3}, n, d, 3, o);
  EXPECT_EQ(a.st[0].status, Status::max_steps_reached);
  expect_bitwise(a, run<DormandPrince54<double>>(PerTrajectory<0>{}, Study{d, 3}, n, d, 3, o));
  auto of = fixed(0.01);
  of.max_steps = 20;
  const Result b = run<RungeKutta4<double>>(TeamPerTrajectory{}, Study{d, 3}, n, d, 3, of);
  EXPECT_EQ(b.st[0].status, Status::max_steps_reached);
  EXPECT_EQ(b.st[0].accepted, 20);
  expect_bitwise(b, run<RungeKutta4<double>>(PerTrajectory<0>{}, Study{d, 3}, n, d, 3, of));
  // dt_underflow: a step floor the problem cannot meet at this tolerance.
  auto ou = adaptive(1e-12);
  ou.dt_min = 0.05;
  ou.dt0 = 0.06;
  const Result c = run<DormandPrince54<double>>(TeamPerTrajectory{}, Study{d, 3}, n, d, 3, ou);
  EXPECT_EQ(c.st[0].status, Status::dt_underflow);
  expect_bitwise(c, run<DormandPrince54<double>>(PerTrajectory<0>{}, Study{d, 3}, n, d, 3, ou));
}

// (b) Against Boost.Odeint's runge_kutta_dopri5 at rtol = atol = 1e-12 (an independent code).
// odeflow at 1e-10 over t in [0, 2]: the global error of a tolerance-proportional method
// is a small multiple of the tolerance times the growth of perturbations (Lorenz-96's
// largest Lyapunov exponent is below 2 for F <= 10, so e^{2*2} ~ 55); with |y| <= 15 that is
// well inside 1e-6 absolute, and odeint's reference is 100 times more accurate.
TEST(TeamEnsemble, AgreesWithOdeintDopri5) {
  namespace oi = boost::numeric::odeint;
  const int d = 128, n = 5;
  const double t1 = 2.0;
  const Result r = run<DormandPrince54<double>>(TeamPerTrajectory{}, Study{d, 0}, n, d, 0, adaptive(1e-10), t1);
  double worst = 0;
  for (int i = 0; i < n; ++i) {
    ASSERT_EQ(r.st[i].status, Status::success);
    const double F = forcing_of(i);
    std::vector<double> x(d);
    for (int k = 0; k < d; ++k) x[k] = y0_of(i, k);
    auto sys = [&](const std::vector<double>& u, std::vector<double>& du, double) {
      for (int k = 0; k < d; ++k)
        du[k] = (u[(k + 1) % d] - u[(k + d - 2) % d]) * u[(k + d - 1) % d] - u[k] + F;
    };
    oi::integrate_adaptive(oi::make_controlled<oi::runge_kutta_dopri5<std::vector<double>>>(1e-12, 1e-12), sys, x,
                           0.0, t1, 1e-4);
    for (int k = 0; k < d; ++k) worst = std::max(worst, std::abs(r.y[std::size_t(i) * d + k] - x[k]));
  }
  std::printf("[odeint] Lorenz-96 d %d, dopri5 1e-10 vs odeint dopri5 1e-12: max abs difference %.3g\n", d, worst);
  EXPECT_LT(worst, 1e-6);
}

// Output times: interpolated by the continuous extension (Dopri5; DOP853 with its extra dense
// stages, counted in nfe), or stepped onto (Cash-Karp adaptive, RK4 fixed): the same bits and
// statistics as PerTrajectory<0>'s save_at, and the last output is the final state.
template <class Tab, class Strategy>
std::pair<Result, std::vector<double>> run_saved(Strategy strategy, int n, int d, const SolveOptions<double>& o,
                                                 const std::vector<double>& t_save) {
  YView y = initial(n, d, 0);
  SView s("st", n);
  Kokkos::View<double*, Kokkos::HostSpace> times("times", t_save.size());
  for (std::size_t j = 0; j < t_save.size(); ++j) times(j) = t_save[j];
  Kokkos::View<double***, Space> out("out", n, t_save.size(), d);
  const EnsembleSaveAt<double, decltype(out)> sa{times, out};
  solve_ensemble<Tab>(Space{}, strategy, Study{d, 0}, y, 0.0, 1.0, o, s, &sa);
  Result r = collect(y, s);
  auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, out);
  return {r, std::vector<double>(h.data(), h.data() + h.size())};
}

template <class Tab>
void expect_saved_alike(const SolveOptions<double>& o) {
  const int n = 6, d = 72;
  const std::vector<double> t_save{0.0, 0.013, 0.25, 0.5, 0.77, 1.0};
  const auto team = run_saved<Tab>(TeamPerTrajectory{}, n, d, o, t_save);
  const auto pt = run_saved<Tab>(PerTrajectory<0>{}, n, d, o, t_save);
  expect_bitwise(team.first, pt.first);
  ASSERT_EQ(team.second.size(), pt.second.size());
  EXPECT_EQ(std::memcmp(team.second.data(), pt.second.data(), team.second.size() * sizeof(double)), 0);
  const std::size_t m = t_save.size();
  for (int i = 0; i < n; ++i) {
    EXPECT_EQ(team.first.st[i].status, Status::success);
    for (int k = 0; k < d; ++k) {
      EXPECT_EQ(team.second[(std::size_t(i) * m + 0) * d + k], y0_of(i, k));
      EXPECT_EQ(team.second[(std::size_t(i) * m + m - 1) * d + k], team.first.y[std::size_t(i) * d + k]);
    }
  }
}

TEST(TeamEnsemble, SaveAtAsPerTrajectory) {
  expect_saved_alike<DormandPrince54<double>>(adaptive(1e-8));
  expect_saved_alike<DormandPrince853<double>>(adaptive_for<DormandPrince853<double>>(1e-9));
  expect_saved_alike<CashKarp54<double>>(adaptive_for<CashKarp54<double>>(1e-8));
  expect_saved_alike<RungeKutta4<double>>(fixed(0.02));
}

// (c) A trajectory's bits do not depend on the batch it is solved in, nor on the team shape.
TEST(TeamEnsemble, BatchInvariant) {
  const int d = 80;
  const auto o = adaptive(1e-7);
  const Result batch = run<DormandPrince54<double>>(TeamPerTrajectory{}, Study{d, 0}, 1000, d, 0, o, 1.0);
  for (long j : {0L, 123L, 999L}) {
    for (auto s : strategies()) {
      const Result alone = run<DormandPrince54<double>>(s, Study{d, j}, 1, d, j, o, 1.0);
      EXPECT_EQ(std::memcmp(alone.y.data(), batch.y.data() + j * d, d * sizeof(double)), 0) << "trajectory " << j;
      expect_same_stats(alone.st[0], batch.st[j], int(j));
    }
  }
}

// The requested team shape is the one that runs: a field that records the team size it sees.
struct TeamSizeProbe {
  int d;
  Kokkos::View<int, Space> seen;
  struct Field {
    Lorenz96<double> base;
    Kokkos::View<int, Space> seen;
    template <class Member>
    KOKKOS_FUNCTION void operator()(const Member& m, double t, const double* y, double* dy) const {
      Kokkos::single(Kokkos::PerThread(m), [&]() { Kokkos::atomic_max(&seen(), m.team_size()); });
      base(m, t, y, dy);
    }
  };
  KOKKOS_FUNCTION Field operator()(long i) const { return Field{Study{d, 0}(i), seen}; }
};

TEST(TeamEnsemble, TeamShapeIsHonoured) {
  if (Space().concurrency() < 2) GTEST_SKIP() << "needs two threads for a team of two";
  const int d = 64, n = 9;
  const TeamSizeProbe probe{d, Kokkos::View<int, Space>("seen")};
  const Result two = run<DormandPrince54<double>>(TeamPerTrajectory{2, 1}, probe, n, d, 0, adaptive(1e-7), 1.0);
  int seen = 0;
  Kokkos::deep_copy(seen, probe.seen);
  EXPECT_EQ(seen, 2);
  expect_bitwise(two, run<DormandPrince54<double>>(PerTrajectory<0>{}, Study{d, 0}, n, d, 0, adaptive(1e-7), 1.0));
}

// (c) Thread count: writes the results of a 300-trajectory ensemble to $ODEFLOW_TEAM_DUMP; ctest
// runs it with OMP_NUM_THREADS=1 and 2 and compares the files byte for byte.
TEST(TeamEnsemble, Dump) {
  const int d = 64, n = 300;
  const Result r = run<DormandPrince54<double>>(TeamPerTrajectory{}, Study{d, 0}, n, d, 0, adaptive(1e-7), 1.0);
  for (int i = 0; i < n; ++i) ASSERT_EQ(r.st[i].status, Status::success);
  if (const char* path = std::getenv("ODEFLOW_TEAM_DUMP")) {
    std::FILE* f = std::fopen(path, "wb");
    ASSERT_NE(f, nullptr) << path;
    std::fwrite(r.y.data(), sizeof(double), r.y.size(), f);
    for (const auto& s : r.st) {
      const int c[4] = {s.nfe, s.accepted, s.rejected, int(s.status)};
      std::fwrite(c, sizeof(int), 4, f);
      std::fwrite(&s.t, sizeof(double), 1, f);
      std::fwrite(&s.dt_last, sizeof(double), 1, f);
    }
    std::fclose(f);
  }
}

// (d) A NaN in one trajectory's field marks that trajectory non_finite and nothing else.
TEST(TeamEnsemble, NonFiniteIsPerTrajectory) {
  const int d = 64, n = 23;
  for (bool fixed_step : {false, true}) {
    const auto o = fixed_step ? fixed(0.01) : adaptive(1e-7);
    const Result bad = run<DormandPrince54<double>>(TeamPerTrajectory{}, Poisoned{d}, n, d, 0, o, 1.0);
    const Result good = run<DormandPrince54<double>>(TeamPerTrajectory{}, Study{d, 0}, n, d, 0, o, 1.0);
    const Result pt = run<DormandPrince54<double>>(PerTrajectory<0>{}, Poisoned{d}, n, d, 0, o, 1.0);
    expect_bitwise(bad, pt);
    for (int i = 0; i < n; ++i) {
      if (i % 5 == 0) {
        EXPECT_EQ(bad.st[i].status, Status::non_finite) << i;
        EXPECT_GT(bad.st[i].t, 0.45) << i;
        EXPECT_LE(bad.st[i].t, 0.5 + 1e-12) << i;
        for (int k = 0; k < d; ++k) EXPECT_TRUE(std::isfinite(bad.y[std::size_t(i) * d + k])) << i;
      } else {
        EXPECT_EQ(bad.st[i].status, Status::success) << i;
        EXPECT_EQ(std::memcmp(bad.y.data() + std::size_t(i) * d, good.y.data() + std::size_t(i) * d, d * sizeof(double)), 0) << i;
        expect_same_stats(bad.st[i], good.st[i], i);
      }
    }
  }
}

// (e) Bad input throws InvalidArgument naming the argument.
TEST(TeamEnsemble, BadInput) {
  const int d = 64;
  YView y = initial(4, d, 0);
  auto expect_throw = [&](auto call, const std::string& name) {
    try {
      call();
      ADD_FAILURE() << "no exception for " << name;
    } catch (const InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
  };
  using Tab = DormandPrince54<double>;
  expect_throw([&] { solve_ensemble<Tab>(Space{}, TeamPerTrajectory{}, Study{d, 0}, y, 0.0, 1.0, adaptive(1e-6), SView("s", 3)); },
               "stats.extent(0) = 3");
  auto o = adaptive(1e-6);
  o.norm.rtol = -1;
  expect_throw([&] { solve_ensemble<Tab>(Space{}, TeamPerTrajectory{}, Study{d, 0}, y, 0.0, 1.0, o, SView("s", 4)); },
               "rtol = -1");
  o = adaptive(1e-6);
  o.norm.atol = std::nan("");
  expect_throw([&] { solve_ensemble<Tab>(Space{}, TeamPerTrajectory{}, Study{d, 0}, y, 0.0, 1.0, o, SView("s", 4)); },
               "atol");
  expect_throw([&] { solve_ensemble<Tab>(Space{}, TeamPerTrajectory{-1, 0}, Study{d, 0}, y, 0.0, 1.0, adaptive(1e-6), SView("s", 4)); },
               "team_size = -1");
  expect_throw([&] { solve_ensemble<Tab>(Space{}, TeamPerTrajectory{0, 3}, Study{d, 0}, y, 0.0, 1.0, adaptive(1e-6), SView("s", 4)); },
               "vector_length = 3");
  Kokkos::View<double*, Kokkos::HostSpace> times("times", 2);
  times(0) = 0.5;
  times(1) = 2.0;
  Kokkos::View<double***, Space> out("out", 4, 2, d);
  const EnsembleSaveAt<double, decltype(out)> sa{times, out};
  expect_throw([&] { solve_ensemble<Tab>(Space{}, TeamPerTrajectory{}, Study{d, 0}, y, 0.0, 1.0, adaptive(1e-6), SView("s", 4), &sa); },
               "t_save[1] = 2");
  Kokkos::View<double***, Space> out_bad("out", 4, 3, d);
  const EnsembleSaveAt<double, decltype(out_bad)> sb{times, out_bad};
  expect_throw([&] { solve_ensemble<Tab>(Space{}, TeamPerTrajectory{}, Study{d, 0}, y, 0.0, 1.0, adaptive(1e-6), SView("s", 4), &sb); },
               "save_at.out is (4, 3, 64)");
  expect_throw([&] { solve_ensemble<RungeKutta4<double>>(Space{}, TeamPerTrajectory{}, Study{d, 0}, y, 0.0, 1.0, SolveOptions<double>{}, SView("s", 4)); },
               "dt = 0");
}
