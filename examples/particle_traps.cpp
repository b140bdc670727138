// A small particle simulation that calls odeflow's device-callable solve inside its own kernel.
//
// N charged particles, each in its own 2D anisotropic harmonic trap (frequencies wx_i, wy_i),
// advanced by the simulation in steps of DT. Every step is one Kokkos kernel of the simulation:
// per particle it integrates the equations of motion over [t, t + DT] with odeflow::integrate
// (Tsitouras 5(4), state in registers), then does the simulation's own bookkeeping: the
// energy drift and a histogram of how far the particles are from their trap centres.
//
// Physics checked at the end (exit status 1 if not met):
//  - position and velocity against the closed form x(t) = x0 cos(w t) + v0 / w sin(w t);
//  - the energy of each particle, conserved to the solver's tolerance over all steps.
// Usage: particle_traps [N] [STEPS]   (defaults 20000, 200)
#include <odeflow/solvers/default_options.hpp>
#include <odeflow/solvers/integrate.hpp>
#include <odeflow/solvers/tableaus/tsitouras54.hpp>

#include <Kokkos_Core.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace {

/// Equations of motion in a harmonic trap: state (x, y, vx, vy).
struct Trap {
  double wx, wy;
  template <class T, class Y, class DY>
  KOKKOS_FUNCTION void operator()(T, const Y& s, DY& ds) const {
    ds[0] = s[2];
    ds[1] = s[3];
    ds[2] = -wx * wx * s[0];
    ds[3] = -wy * wy * s[1];
  }
};

struct Particles {
  Kokkos::View<double* [4]> state;   // x, y, vx, vy
  Kokkos::View<double* [2]> omega;   // wx, wy
  Kokkos::View<double*> energy0;     // energy at t = 0
  Kokkos::View<double*> max_drift;   // max over steps of |E - E0| / E0
  Kokkos::View<int*> failed_steps;   // steps whose solve did not succeed
};

KOKKOS_INLINE_FUNCTION double energy(double x, double y, double vx, double vy, double wx, double wy) {
  return 0.5 * (vx * vx + vy * vy + wx * wx * x * x + wy * wy * y * y);
}

}  // namespace

int main(int argc, char** argv) {
  Kokkos::ScopeGuard guard(argc, argv);
  const int n = argc > 1 ? std::atoi(argv[1]) : 20000;
  const int steps = argc > 2 ? std::atoi(argv[2]) : 200;
  if (n < 1 || steps < 1) {
    std::fprintf(stderr, "particle_traps: N and STEPS must be positive integers\n");
    return 2;
  }
  const double dt = 0.05;
  using Tab = odeflow::Tsitouras54<double>;
  auto opt = odeflow::default_options<Tab>();
  opt.norm.rtol = 1e-10;
  opt.norm.atol = 1e-12;

  Particles p{Kokkos::View<double* [4]>("state", n), Kokkos::View<double* [2]>("omega", n),
              Kokkos::View<double*>("energy0", n), Kokkos::View<double*>("max_drift", n),
              Kokkos::View<int*>("failed_steps", n)};
  Kokkos::parallel_for(
      "particle_traps::init", n, KOKKOS_LAMBDA(int i) {
        const double u = (i + 0.5) / n;
        p.omega(i, 0) = 1.0 + u;
        p.omega(i, 1) = 2.0 - 0.5 * u;
        p.state(i, 0) = Kokkos::cos(7.0 * u);
        p.state(i, 1) = Kokkos::sin(3.0 * u);
        p.state(i, 2) = 0.3 - u;
        p.state(i, 3) = 0.5 * u;
        p.energy0(i) = energy(p.state(i, 0), p.state(i, 1), p.state(i, 2), p.state(i, 3), p.omega(i, 0), p.omega(i, 1));
      });
  Kokkos::View<int[8]> histogram("histogram");

  for (int step = 0; step < steps; ++step) {
    const double t = step * dt;
    Kokkos::deep_copy(histogram, 0);
    // snippet-begin: simulation-step
    Kokkos::parallel_for(
        "particle_traps::step", n, KOKKOS_LAMBDA(int i) {
          const Trap f{p.omega(i, 0), p.omega(i, 1)};
          Kokkos::Array<double, 4> s{p.state(i, 0), p.state(i, 1), p.state(i, 2), p.state(i, 3)};
          odeflow::StaticWorkspaceFor<Tab, 4> ws;
          odeflow::Statistics<double> st;
          if (odeflow::integrate<Tab>(f, t, t + dt, s, ws, opt, st) != odeflow::Status::success)
            p.failed_steps(i) += 1;
          for (int k = 0; k < 4; ++k) p.state(i, k) = s[k];
          // The simulation's own work on the new state.
          const double e = energy(s[0], s[1], s[2], s[3], f.wx, f.wy);
          p.max_drift(i) = Kokkos::max(p.max_drift(i), Kokkos::fabs(e - p.energy0(i)) / p.energy0(i));
          const double r = Kokkos::sqrt(s[0] * s[0] + s[1] * s[1]);
          Kokkos::atomic_inc(&histogram(Kokkos::min(static_cast<int>(r * 4.0), 7)));
        });
    // snippet-end: simulation-step
  }

  // Closed form at t = steps * dt, and the energy drift.
  const double T = steps * dt;
  double max_err = 0, max_drift = 0;
  int failed = 0;
  Kokkos::parallel_reduce(
      "particle_traps::check", n,
      KOKKOS_LAMBDA(int i, double& err, double& drift, int& bad) {
        const double u = (i + 0.5) / n;
        const double x0[2] = {Kokkos::cos(7.0 * u), Kokkos::sin(3.0 * u)}, v0[2] = {0.3 - u, 0.5 * u};
        for (int a = 0; a < 2; ++a) {
          const double w = p.omega(i, a), c = Kokkos::cos(w * T), s = Kokkos::sin(w * T);
          err = Kokkos::max(err, Kokkos::fabs(p.state(i, a) - (x0[a] * c + v0[a] / w * s)));
          err = Kokkos::max(err, Kokkos::fabs(p.state(i, 2 + a) - (-x0[a] * w * s + v0[a] * c)));
        }
        drift = Kokkos::max(drift, p.max_drift(i));
        bad += p.failed_steps(i);
      },
      Kokkos::Max<double>(max_err), Kokkos::Max<double>(max_drift), failed);
  auto hh = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), histogram);

  std::printf("odeflow particle_traps: %d particles, %d steps of %.3f, one odeflow::integrate per particle per step\n",
              n, steps, dt);
  std::printf("backend %s, concurrency %d\n", Kokkos::DefaultExecutionSpace::name(),
              Kokkos::DefaultExecutionSpace().concurrency());
  std::printf("max |state - closed form| %.3e, max relative energy drift %.3e, failed solves %d\n", max_err, max_drift,
              failed);
  std::printf("distance from trap centre at t = %.2f (bins of 0.25):", T);
  for (int b = 0; b < 8; ++b) std::printf(" %d", hh(b));
  std::printf("\n");
  const bool ok = failed == 0 && max_err < 1e-9 && max_drift < 1e-9;
  std::printf("%s\n", ok ? "physics checks passed" : "physics checks FAILED");
  return ok ? 0 : 1;
}
