// One problem, three ways to run it: the host convenience solve, a PerTrajectory ensemble and a
// Lockstep batch, with the check that all three give every trajectory bitwise the same result.
//
// Van der Pol oscillator x'' = mu (1 - x^2) x' - x, mu = 2, as y = (x, x'), from y0 = (a_i, 0)
// with a_i = 0.5 + 2 i / n, over t in [0, 10], Dormand-Prince 5(4), rtol = atol = 1e-8.
// Usage: three_ways [N]   (default 1000). Exit status 0 only if every solve succeeded and the
// three results agree bitwise.
#include <odeflow/solvers/default_options.hpp>
#include <odeflow/solvers/lockstep.hpp>
#include <odeflow/solvers/per_trajectory.hpp>
#include <odeflow/solvers/solve.hpp>
#include <odeflow/solvers/tableaus/dormand_prince54.hpp>

#include <Kokkos_Core.hpp>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>

// snippet-begin: vdp-field
// A vector field for one trajectory: f(t, y, dydt), generic over the index types.
struct VanDerPol {
  double mu;
  template <class T, class Y, class DY>
  KOKKOS_FUNCTION void operator()(T, const Y& y, DY& dy) const {
    dy[0] = y[1];
    dy[1] = mu * (1 - y[0] * y[0]) * y[1] - y[0];
  }
};
// snippet-end: vdp-field

// snippet-begin: vdp-problem
// PerTrajectory: problem(i) returns trajectory i's field (here the same for all).
struct VanDerPolStudy {
  double mu;
  KOKKOS_FUNCTION VanDerPol operator()(int) const { return VanDerPol{mu}; }
};
// snippet-end: vdp-problem

// snippet-begin: vdp-batched
// Lockstep: a batched field evaluates all active rows in one call, f(space, t, x, dx) with
// t (m), x and dx (m, d) LayoutRight; row i at its own time t(i).
struct VanDerPolBatched {
  using value_type = double;
  using execution_space = Kokkos::DefaultExecutionSpace;
  double mu;
  int dim() const { return 2; }
  template <class TV, class XV, class DXV>
  void operator()(const execution_space& space, const TV& t, const XV& x, const DXV& dx) const {
    const VanDerPol f{mu};
    Kokkos::parallel_for(
        "VanDerPolBatched", Kokkos::RangePolicy<execution_space>(space, 0, x.extent(0)),
        KOKKOS_LAMBDA(int i) {
          const double y[2] = {x(i, 0), x(i, 1)};
          double d[2];
          f(t(i), y, d);
          dx(i, 0) = d[0];
          dx(i, 1) = d[1];
        });
  }
};
// snippet-end: vdp-batched

namespace {
bool same(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }
}  // namespace

int main(int argc, char** argv) {
  Kokkos::ScopeGuard guard(argc, argv);
  const int n = argc > 1 ? std::atoi(argv[1]) : 1000;
  if (n < 1) {
    std::fprintf(stderr, "three_ways: N = %s must be an integer >= 1\n", argv[1]);
    return 2;
  }
  using Space = Kokkos::DefaultExecutionSpace;
  const double mu = 2.0, t0 = 0.0, t1 = 10.0;
  auto amplitude = [n](int i) { return 0.5 + 2.0 * i / n; };

  // snippet-begin: options
  using Tab = odeflow::DormandPrince54<double>;
  auto opt = odeflow::default_options<Tab>();  // rtol 1e-6, atol 1e-9, Hairer's controller
  opt.norm.rtol = opt.norm.atol = 1e-8;
  // snippet-end: options

  // 1. Host convenience solve, one trajectory at a time (validates its input, may throw).
  std::vector<std::array<double, 2>> alone(n);
  int failures = 0;
  for (int i = 0; i < n; ++i) {
    // snippet-begin: host-solve
    const std::array<double, 2> y0{amplitude(i), 0.0};
    const auto r = odeflow::solve(Tab{}, VanDerPol{mu}, y0, t0, t1, opt);
    if (r.stats.status != odeflow::Status::success)
      std::printf("trajectory %d: %s at t = %g\n", i, odeflow::status_name(r.stats.status), r.stats.t);
    // snippet-end: host-solve
    failures += r.stats.status != odeflow::Status::success;
    alone[i] = r.y;
  }

  // 2. PerTrajectory ensemble: one kernel, each trajectory with its own step size.
  // snippet-begin: per-trajectory
  Kokkos::View<double**, Kokkos::LayoutLeft, Space> y("y", n, 2);  // (n, d)
  Kokkos::View<odeflow::Statistics<double>*, Space> stats("stats", n);
  auto hy = Kokkos::create_mirror_view(y);
  for (int i = 0; i < n; ++i) hy(i, 0) = amplitude(i), hy(i, 1) = 0.0;
  Kokkos::deep_copy(y, hy);
  odeflow::solve_ensemble<Tab>(Space{}, odeflow::PerTrajectory<2>{}, VanDerPolStudy{mu}, y, t0, t1,
                               opt, stats);
  const odeflow::EnsembleSummary summary = odeflow::summarize(stats);
  // snippet-end: per-trajectory
  Kokkos::deep_copy(hy, y);

  // 3. Lockstep batch: one batched field call per stage over the active samples.
  // snippet-begin: lockstep
  Kokkos::View<double**, Kokkos::LayoutRight, Space> x("x", n, 2);  // (n, d)
  Kokkos::View<odeflow::Statistics<double>*, Space> batch_stats("batch_stats", n);
  auto hx = Kokkos::create_mirror_view(x);
  for (int i = 0; i < n; ++i) hx(i, 0) = amplitude(i), hx(i, 1) = 0.0;
  Kokkos::deep_copy(x, hx);
  odeflow::solve_batch<Tab>(Space{}, odeflow::Lockstep{}, VanDerPolBatched{mu}, x, t0, t1, opt,
                            batch_stats);
  // snippet-end: lockstep
  Kokkos::deep_copy(hx, x);

  int differ = 0;
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < 2; ++k)
      differ += !same(alone[i][k], hy(i, k)) || !same(alone[i][k], hx(i, k));
  const auto batch = odeflow::summarize(batch_stats);
  std::printf("odeflow three ways: %d Van der Pol trajectories (mu = %g), t in [%g, %g], dopri5, rtol = atol = 1e-8\n",
              n, mu, t0, t1);
  std::printf("backend %s, concurrency %d\n", Space::name(), Space().concurrency());
  std::printf("PerTrajectory: %ld successes, mean NFE %.1f; Lockstep: %ld successes, mean NFE %.1f\n",
              summary.count[0], double(summary.nfe) / n, batch.count[0], double(batch.nfe) / n);
  std::printf("y(10) of trajectory 0: (% .12f, % .12f)\n", alone[0][0], alone[0][1]);
  std::printf("components differing between host solve, PerTrajectory and Lockstep: %d of %d\n", differ,
              2 * n);
  const bool ok = failures == 0 && summary.count[0] == n && batch.count[0] == n && differ == 0;
  return ok ? 0 : 1;
}
