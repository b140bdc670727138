// Numerical faults injected by parameter: NaN and Inf from the field, too many steps, step-size
// underflow, stiff problems given to explicit methods. Each faulty trajectory ends with its
// status in bounded work; every other trajectory's result is bitwise the one it gets in a run
// without the faulty ones, for the single solve, PerTrajectory ensembles and Lockstep batches.
#include <odeflow/flows/mlp_field.hpp>
#include <odeflow/solvers/lockstep.hpp>
#include <odeflow/solvers/per_trajectory.hpp>
#include <odeflow/solvers/solve.hpp>
#include <odeflow/solvers/tableaus/dormand_prince54.hpp>
#include <odeflow/solvers/tableaus/runge_kutta4.hpp>
#include <odeflow/solvers/tableaus/tsitouras54.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

using namespace odeflow;

namespace {

using Space = Kokkos::DefaultExecutionSpace;
using mem = Space::memory_space;

/// What a trajectory's field does, chosen by the state's constant component y[4].
enum Kind : int {
  normal = 0,       // Lorenz-63 with rho = y[3]
  nan_later = 1,    // NaN in dy once t > 0.5
  inf_later = 2,    // +Inf in dy once t > 0.5
  nan_at_start = 3, // NaN in the very first derivative
  stiff = 4,        // an extra relaxation at rate 1e5: explicit steps of ~3e-5, max_steps_reached
  very_stiff = 5,   // rate 1e9: stable steps below dt_min, dt_underflow
  num_kinds = 6
};

constexpr int D = 5;  // (x, y, z, rho, kind); rho and kind have zero derivative

KOKKOS_INLINE_FUNCTION void lorenz_row(double t, const double* u, double* du) {
  const int kind = static_cast<int>(u[4]);
  du[0] = 10.0 * (u[1] - u[0]);
  du[1] = u[0] * (u[3] - u[2]) - u[1];
  du[2] = u[0] * u[1] - 8.0 / 3.0 * u[2];
  du[3] = 0;
  du[4] = 0;
  if (kind == nan_later && t > 0.5) du[1] = Kokkos::Experimental::quiet_NaN<double>::value;
  if (kind == inf_later && t > 0.5) du[2] = Kokkos::Experimental::infinity<double>::value;
  if (kind == nan_at_start) du[0] = Kokkos::Experimental::quiet_NaN<double>::value;
  if (kind == stiff) du[2] -= 1e5 * (u[2] - 20.0);
  if (kind == very_stiff) du[2] -= 1e9 * (u[2] - 20.0);
}

/// One trajectory's field (single solves and PerTrajectory).
struct LorenzSingle {
  template <class T, class Y, class DY>
  KOKKOS_FUNCTION void operator()(T t, const Y& y, DY& dy) const {
    double u[D], du[D];
    for (int k = 0; k < D; ++k) u[k] = y[k];
    lorenz_row(t, u, du);
    for (int k = 0; k < D; ++k) dy[k] = du[k];
  }
};
struct LorenzProblem {
  KOKKOS_FUNCTION LorenzSingle operator()(int) const { return {}; }
};

/// The same field batched (Lockstep): row i at time t(i).
struct LorenzBatched {
  using value_type = double;
  using execution_space = Space;
  int dim() const { return D; }
  template <class TV, class XV, class DV>
  void operator()(const Space& space, const TV& t, const XV& x, const DV& dx) const {
    Kokkos::parallel_for(Kokkos::RangePolicy<Space>(space, 0, x.extent(0)),
                         KOKKOS_LAMBDA(int i) { lorenz_row(t(i), &x(i, 0), &dx(i, 0)); });
  }
};

bool same(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

struct Result {
  std::vector<std::array<double, D>> y;
  std::vector<Statistics<double>> st;
};

std::array<double, D> initial(int i, int kind) {
  return {1.0 + 0.01 * i, 0.5, 20.0 - 0.1 * i, 10.0 + 0.5 * i, static_cast<double>(kind)};
}

SolveOptions<double> fault_options() {
  auto o = default_options<DormandPrince54<double>>();
  o.norm.rtol = 1e-7;
  o.norm.atol = 1e-9;
  o.max_steps = 2000;  // normal trajectories need a few hundred attempts on [0, 2]
  o.dt_min = 1e-7;     // normal trajectories never come near it
  return o;
}

template <class Tab>
Result run_single(const std::vector<std::array<double, D>>& y0, const SolveOptions<double>& o) {
  Result r;
  for (const auto& y : y0) {
    auto s = solve(Tab{}, LorenzSingle{}, y, 0.0, 2.0, o);
    r.y.push_back(s.y);
    r.st.push_back(s.stats);
  }
  return r;
}

template <class Tab, int N>
Result run_per_trajectory(const std::vector<std::array<double, D>>& y0, const SolveOptions<double>& o) {
  const int n = static_cast<int>(y0.size());
  Kokkos::View<double**, Kokkos::LayoutLeft, mem> y("y", n, D);
  Kokkos::View<Statistics<double>*, mem> st("st", n);
  auto hy = Kokkos::create_mirror_view(y);
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < D; ++k) hy(i, k) = y0[i][k];
  Kokkos::deep_copy(y, hy);
  solve_ensemble<Tab>(Space{}, PerTrajectory<N>{}, LorenzProblem{}, y, 0.0, 2.0, o, st);
  Kokkos::deep_copy(hy, y);
  auto hs = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, st);
  Result r;
  for (int i = 0; i < n; ++i) {
    std::array<double, D> a;
    for (int k = 0; k < D; ++k) a[k] = hy(i, k);
    r.y.push_back(a);
    r.st.push_back(hs(i));
  }
  return r;
}

template <class Tab>
Result run_lockstep(const std::vector<std::array<double, D>>& y0, const SolveOptions<double>& o, int max_batch) {
  const int n = static_cast<int>(y0.size());
  Kokkos::View<double**, Kokkos::LayoutRight, mem> x("x", n, D);
  Kokkos::View<Statistics<double>*, mem> st("st", n);
  auto hx = Kokkos::create_mirror_view(x);
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < D; ++k) hx(i, k) = y0[i][k];
  Kokkos::deep_copy(x, hx);
  solve_batch<Tab>(Space{}, Lockstep{false, max_batch}, LorenzBatched{}, x, 0.0, 2.0, o, st);
  Kokkos::deep_copy(hx, x);
  auto hs = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, st);
  Result r;
  for (int i = 0; i < n; ++i) {
    std::array<double, D> a;
    for (int k = 0; k < D; ++k) a[k] = hx(i, k);
    r.y.push_back(a);
    r.st.push_back(hs(i));
  }
  return r;
}

Status expected(int kind) {
  switch (kind) {
    case normal: return Status::success;
    case stiff: return Status::max_steps_reached;
    case very_stiff: return Status::dt_underflow;
    default: return Status::non_finite;
  }
}

void expect_same(const Result& a, int i, const Result& b, int j, const char* what) {
  for (int k = 0; k < D; ++k) EXPECT_TRUE(same(a.y[i][k], b.y[j][k])) << what << " trajectory " << i << " component " << k;
  EXPECT_EQ(a.st[i].status, b.st[j].status) << what << " " << i;
  EXPECT_EQ(a.st[i].nfe, b.st[j].nfe) << what << " " << i;
  EXPECT_EQ(a.st[i].accepted, b.st[j].accepted) << what << " " << i;
  EXPECT_EQ(a.st[i].rejected, b.st[j].rejected) << what << " " << i;
  EXPECT_TRUE(same(a.st[i].t, b.st[j].t)) << what << " " << i;
}

// Runs every strategy on a mixed ensemble (every kind, interleaved) and on the normal
// trajectories alone, and checks statuses, bounded work and bitwise equality.
template <class Run>
void check_faults(const char* what, Run run) {
  const int n = 6 * num_kinds + 5;  // not a multiple of any SIMD width
  std::vector<std::array<double, D>> mixed, clean;
  std::vector<int> kinds, clean_index;
  for (int i = 0; i < n; ++i) {
    const int kind = (i * 5) % num_kinds;  // interleaved so that faulty lanes share packs with good ones
    kinds.push_back(kind);
    mixed.push_back(initial(i, kind));
    if (kind == normal) {
      clean_index.push_back(static_cast<int>(clean.size()));
      clean.push_back(initial(i, kind));
    } else {
      clean_index.push_back(-1);
    }
  }
  const auto o = fault_options();
  const Result rm = run(mixed, o), rc = run(clean, o);
  int counts[num_statuses] = {};
  for (int i = 0; i < n; ++i) {
    const auto& s = rm.st[i];
    ++counts[static_cast<int>(s.status)];
    EXPECT_EQ(s.status, expected(kinds[i])) << what << " trajectory " << i << " of kind " << kinds[i] << ": "
                                            << status_name(s.status);
    // Bounded work: attempts never exceed max_steps; evaluations at most stages per attempt
    // plus the initial-step estimate.
    EXPECT_LE(s.accepted + s.rejected, o.max_steps) << what << " " << i;
    EXPECT_LE(s.nfe, 7 * o.max_steps + 2) << what << " " << i;
    // The state returned is the last good one: finite, at a time inside the span.
    for (int k = 0; k < D; ++k) EXPECT_TRUE(std::isfinite(rm.y[i][k])) << what << " " << i << " " << k;
    EXPECT_GE(s.t, 0.0);
    EXPECT_LE(s.t, 2.0);
    if (kinds[i] == normal) expect_same(rm, i, rc, clean_index[i], what);
    if (kinds[i] == nan_later || kinds[i] == inf_later) {
      EXPECT_LE(s.t, 0.5 + 1e-12) << what << " " << i;
    }
    if (kinds[i] == nan_at_start) {
      EXPECT_EQ(s.accepted, 0) << what << " " << i;
    }
  }
  long nfe_bad = 0, nfe_max = 0;
  for (int i = 0; i < n; ++i)
    if (kinds[i] != normal) {
      nfe_bad += rm.st[i].nfe;
      nfe_max = std::max<long>(nfe_max, rm.st[i].nfe);
    }
  std::printf("[faults] %s: %d trajectories: success %d, non_finite %d, max_steps_reached %d, dt_underflow %d; "
              "faulty trajectories used %ld evaluations (at most %ld each)\n",
              what, n, counts[0], counts[3], counts[1], counts[2], nfe_bad, nfe_max);
  // Every status occurs (41 trajectories, kinds (5 i) mod 6: 7 of each kind but nan_later's 6).
  EXPECT_EQ(counts[static_cast<int>(Status::success)], 7);
  EXPECT_EQ(counts[static_cast<int>(Status::non_finite)], 6 + 7 + 7);
  EXPECT_EQ(counts[static_cast<int>(Status::max_steps_reached)], 7);
  EXPECT_EQ(counts[static_cast<int>(Status::dt_underflow)], 7);
}

}  // namespace

TEST(Faults, SingleSolve) { check_faults("single", run_single<DormandPrince54<double>>); }

TEST(Faults, PerTrajectoryStaticDimension) {
  check_faults("per_trajectory<5>", run_per_trajectory<DormandPrince54<double>, D>);
}

TEST(Faults, PerTrajectoryRuntimeDimension) {
  check_faults("per_trajectory<0>", run_per_trajectory<DormandPrince54<double>, 0>);
}

TEST(Faults, Lockstep) {
  check_faults("lockstep", [](const auto& y0, const auto& o) { return run_lockstep<DormandPrince54<double>>(y0, o, 0); });
  check_faults("lockstep chunks of 16",
               [](const auto& y0, const auto& o) { return run_lockstep<DormandPrince54<double>>(y0, o, 16); });
}

// The three strategies agree with each other on every trajectory, faulty ones included.
TEST(Faults, StrategiesAgreeBitwiseIncludingFaultyTrajectories) {
  std::vector<std::array<double, D>> y0;
  for (int i = 0; i < 3 * num_kinds; ++i) y0.push_back(initial(i, i % num_kinds));
  const auto o = fault_options();
  const auto a = run_single<Tsitouras54<double>>(y0, o);
  const auto b = run_per_trajectory<Tsitouras54<double>, D>(y0, o);
  const auto c = run_lockstep<Tsitouras54<double>>(y0, o, 4);
  for (int i = 0; i < static_cast<int>(y0.size()); ++i) {
    expect_same(a, i, b, i, "single vs per_trajectory");
    expect_same(a, i, c, i, "single vs lockstep");
  }
}

// A fixed-step run with NaN: the step that produces it ends the trajectory, others unchanged.
TEST(Faults, FixedStepNonFinite) {
  auto o = default_options<RungeKutta4<double>>();
  o.dt = 1e-3;
  std::vector<std::array<double, D>> y0 = {initial(0, normal), initial(1, nan_later), initial(2, normal)};
  const auto m = run_per_trajectory<RungeKutta4<double>, D>(y0, o);
  const auto c = run_per_trajectory<RungeKutta4<double>, D>({y0[0], y0[2]}, o);
  EXPECT_EQ(m.st[1].status, Status::non_finite);
  EXPECT_EQ(m.st[0].status, Status::success);
  expect_same(m, 0, c, 0, "fixed");
  expect_same(m, 2, c, 1, "fixed");
}

namespace {
// Van der Pol, y1' = y2, y2' = mu ((1 - y1^2) y2 - y1): stiff for large mu.
struct VanDerPol {
  double mu;
  template <class T, class Y, class DY>
  KOKKOS_FUNCTION void operator()(T, const Y& y, DY& dy) const {
    dy[0] = y[1];
    dy[1] = mu * ((1 - y[0] * y[0]) * y[1] - y[0]);
  }
};
struct VanDerPolFamily {
  KOKKOS_FUNCTION VanDerPol operator()(int i) const { return {i % 2 == 0 ? 1.0 : 1e6}; }
};
// Robertson's chemical kinetics (Hairer-Wanner II, IV.1): stiffness ratio about 1e11.
struct Robertson {
  template <class T, class Y, class DY>
  KOKKOS_FUNCTION void operator()(T, const Y& y, DY& dy) const {
    dy[0] = -0.04 * y[0] + 1e4 * y[1] * y[2];
    dy[1] = 0.04 * y[0] - 1e4 * y[1] * y[2] - 3e7 * y[1] * y[1];
    dy[2] = 3e7 * y[1] * y[1];
  }
};
}  // namespace

// Stiff problems given to explicit adaptive methods end with max_steps_reached after exactly
// the step budget (no hang, no exception), the state finite and the time short of t1.
TEST(Faults, StiffProblemsEndWithAStatusInBoundedWork) {
  {
    auto o = default_options<DormandPrince54<double>>();
    o.max_steps = 20000;
    auto r = solve(DormandPrince54<double>{}, VanDerPol{1e6}, std::array<double, 2>{2.0, 0.0}, 0.0, 2e6, o);
    EXPECT_EQ(r.stats.status, Status::max_steps_reached);
    EXPECT_EQ(r.stats.accepted + r.stats.rejected, o.max_steps);
    EXPECT_LE(r.stats.nfe, 6 * o.max_steps + 2);
    std::printf("[faults] Van der Pol mu = 1e6, dopri5: %s at t = %.6g of 2e6 after %d accepted + %d rejected, %d evaluations\n",
                status_name(r.stats.status), r.stats.t, r.stats.accepted, r.stats.rejected, r.stats.nfe);
    EXPECT_LT(r.stats.t, 2e6);
    EXPECT_TRUE(std::isfinite(r.y[0]) && std::isfinite(r.y[1]));
  }
  {
    auto o = default_options<Tsitouras54<double>>();
    o.max_steps = 20000;
    auto r = solve(Tsitouras54<double>{}, Robertson{}, std::array<double, 3>{1.0, 0.0, 0.0}, 0.0, 1e5, o);
    EXPECT_EQ(r.stats.status, Status::max_steps_reached);
    EXPECT_EQ(r.stats.accepted + r.stats.rejected, o.max_steps);
    EXPECT_LT(r.stats.t, 1e5);
    std::printf("[faults] Robertson, tsit5: %s at t = %.6g of 1e5 after %d accepted + %d rejected, %d evaluations\n",
                status_name(r.stats.status), r.stats.t, r.stats.accepted, r.stats.rejected, r.stats.nfe);
    for (double v : r.y) EXPECT_TRUE(std::isfinite(v));
    // Mass is conserved by the exact flow: the last good state still sums to 1.
    EXPECT_NEAR(r.y[0] + r.y[1] + r.y[2], 1.0, 1e-6);
  }
  {
    // An ensemble mixing mu = 1 (succeeds) and mu = 1e6 (budget exhausted).
    const int n = 11;
    auto o = default_options<DormandPrince54<double>>();
    o.max_steps = 5000;
    Kokkos::View<double**, Kokkos::LayoutLeft, mem> y("y", n, 2);
    Kokkos::View<Statistics<double>*, mem> st("st", n);
    Kokkos::deep_copy(Kokkos::subview(y, Kokkos::ALL, 0), 2.0);
    solve_ensemble<DormandPrince54<double>>(Space{}, PerTrajectory<2>{}, VanDerPolFamily{}, y, 0.0, 3.0, o, st);
    const auto s = summarize(st);
    EXPECT_EQ(s.count[static_cast<int>(Status::success)], 6);
    EXPECT_EQ(s.count[static_cast<int>(Status::max_steps_reached)], 5);
    EXPECT_LE(s.accepted + s.rejected, static_cast<long>(n) * o.max_steps);
  }
}

// NaN inputs to the MLP field: the rows with NaN come out NaN, every other row is bitwise the
// same as without them; a Lockstep solve of the MLP marks those samples non_finite and leaves
// the others bitwise unchanged.
TEST(Faults, MlpFieldNaNInputs) {
  const int d = 2, n = 37;
  Mlp<double, mem> mlp(MlpArchitecture::make(d, 32, 2, Activation::silu));
  mlp.initialize(11, Space());
  const MlpField<double> f(mlp);
  Kokkos::View<double**, Kokkos::LayoutRight, mem> x("x", n, d), dx("dx", n, d);
  Kokkos::View<double*, mem> t("t", n);
  auto hx = Kokkos::create_mirror_view(x);
  auto ht = Kokkos::create_mirror_view(t);
  std::vector<bool> bad(n);
  for (int i = 0; i < n; ++i) {
    bad[i] = i % 7 == 3;
    hx(i, 0) = bad[i] && i % 2 ? Kokkos::Experimental::quiet_NaN<double>::value : std::sin(0.3 * i);
    hx(i, 1) = bad[i] && !(i % 2) ? Kokkos::Experimental::infinity<double>::value : std::cos(0.7 * i);
    ht(i) = 0.01 * i;
  }
  Kokkos::deep_copy(x, hx);
  Kokkos::deep_copy(t, ht);
  f(Space{}, t, x, dx);
  auto hdx = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, dx);
  // Reference: each good row evaluated alone (batch of one).
  for (int i = 0; i < n; ++i) {
    if (bad[i]) {
      EXPECT_FALSE(std::isfinite(hdx(i, 0)) && std::isfinite(hdx(i, 1))) << i;
      continue;
    }
    Kokkos::View<double**, Kokkos::LayoutRight, mem> x1("x1", 1, d), dx1("dx1", 1, d);
    Kokkos::View<double*, mem> t1("t1", 1);
    Kokkos::deep_copy(x1, Kokkos::subview(x, std::make_pair(i, i + 1), Kokkos::ALL));
    Kokkos::deep_copy(t1, Kokkos::subview(t, std::make_pair(i, i + 1)));
    f(Space{}, t1, x1, dx1);
    auto h1 = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, dx1);
    for (int k = 0; k < d; ++k) EXPECT_TRUE(same(hdx(i, k), h1(0, k))) << i << " " << k;
  }

  // Lockstep over the MLP: starting rows with NaN/Inf end non_finite at once.
  auto o = default_options<DormandPrince54<double>>();
  Kokkos::View<Statistics<double>*, mem> st("st", n);
  auto xs = Kokkos::create_mirror(Kokkos::HostSpace{}, x);
  Kokkos::deep_copy(xs, hx);
  solve_batch<DormandPrince54<double>>(Space{}, Lockstep{}, f, x, 0.0, 1.0, o, st);
  auto hs = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, st);
  auto hxe = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, x);
  std::vector<int> good;
  for (int i = 0; i < n; ++i)
    if (!bad[i]) good.push_back(i);
  Kokkos::View<double**, Kokkos::LayoutRight, mem> xg("xg", good.size(), d);
  Kokkos::View<Statistics<double>*, mem> sg("sg", good.size());
  auto hxg = Kokkos::create_mirror_view(xg);
  for (std::size_t j = 0; j < good.size(); ++j)
    for (int k = 0; k < d; ++k) hxg(j, k) = xs(good[j], k);
  Kokkos::deep_copy(xg, hxg);
  solve_batch<DormandPrince54<double>>(Space{}, Lockstep{}, f, xg, 0.0, 1.0, o, sg);
  Kokkos::deep_copy(hxg, xg);
  auto hsg = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, sg);
  for (int i = 0; i < n; ++i) {
    if (bad[i]) {
      EXPECT_EQ(hs(i).status, Status::non_finite) << i;
      EXPECT_EQ(hs(i).accepted, 0) << i;
    }
  }
  for (std::size_t j = 0; j < good.size(); ++j) {
    const int i = good[j];
    EXPECT_EQ(hs(i).status, Status::success) << i;
    EXPECT_EQ(hs(i).nfe, hsg(j).nfe) << i;
    for (int k = 0; k < d; ++k) EXPECT_TRUE(same(hxe(i, k), hxg(j, k))) << i << " " << k;
  }
}
