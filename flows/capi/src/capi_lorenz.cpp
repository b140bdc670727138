// C API: ensemble solve of the built-in Lorenz-63 parameter study (PerTrajectory, one device kernel).
#include "capi_detail.hpp"

#include <odeflow/solvers/methods.hpp>
#include <odeflow/solvers/per_trajectory.hpp>
#include <odeflow/solvers/validation.hpp>

#include <Kokkos_Core.hpp>

using odeflow::capi::Error;
using odeflow::capi::guarded;
using odeflow::capi::require;
using odeflow::capi::checked_count;
using odeflow::capi::store;

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

template <class RhoView>
struct LorenzStudy {
  double sigma, beta;
  RhoView rho;
  KOKKOS_FUNCTION Lorenz operator()(int i) const { return Lorenz{sigma, rho(i), beta}; }
};

}  // namespace

extern "C" {

odeflow_status odeflow_solve_lorenz63(const odeflow_solver* solver, int64_t n, double sigma, const double* rho,
                                      double beta, double t0, double t1, double* y,
                                      odeflow_trajectory_stats* stats) {
  return guarded("odeflow_solve_lorenz63", [&] {
    require(solver, "solver");
    const int nn = checked_count(n, 3);
    if (nn > 0) {
      require(rho, "rho");
      require(y, "y");
    }
    odeflow::validate_finite("sigma", -1, sigma);
    odeflow::validate_finite("beta", -1, beta);
    for (int i = 0; i < nn; ++i) odeflow::validate_finite("rho", i, rho[i]);
    for (long k = 0; k < 3L * nn; ++k) odeflow::validate_finite("y", k, y[k]);
    odeflow::capi::require_initialized();

    using Exec = Kokkos::DefaultExecutionSpace;
    using Mem = Exec::memory_space;
    Kokkos::View<double**, Kokkos::LayoutLeft, Mem> yd("odeflow_c::y", nn, 3);
    Kokkos::View<double*, Mem> rd("odeflow_c::rho", nn);
    Kokkos::View<odeflow::Statistics<double>*, Mem> sd("odeflow_c::stats", nn);
    {
      const Kokkos::View<const double**, Kokkos::LayoutRight, Kokkos::HostSpace, Kokkos::MemoryUnmanaged> yh(y, nn, 3);
      auto ym = Kokkos::create_mirror_view(yd);
      Kokkos::deep_copy(ym, yh);  // layout change on the host
      Kokkos::deep_copy(yd, ym);
      Kokkos::deep_copy(rd, Kokkos::View<const double*, Kokkos::HostSpace, Kokkos::MemoryUnmanaged>(rho, nn));
    }
    const LorenzStudy<decltype(rd)> study{sigma, beta, rd};
    odeflow::visit_method<double>(solver->method, [&](auto tab) {
      using Tab = decltype(tab);
      odeflow::solve_ensemble<Tab>(Exec(), odeflow::PerTrajectory<3>{}, study, yd, t0, t1, solver->options, sd);
    });
    auto ym = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), yd);
    const Kokkos::View<double**, Kokkos::LayoutRight, Kokkos::HostSpace, Kokkos::MemoryUnmanaged> yo(y, nn, 3);
    Kokkos::deep_copy(yo, ym);
    if (stats) {
      auto sm = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), sd);
      for (int i = 0; i < nn; ++i) store(sm(i), stats[i]);
    }
  });
}

}  // extern "C"
