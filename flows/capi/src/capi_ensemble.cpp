// C API: ensemble solves of the built-in Lorenz-63 parameter study (device kernel) and of a C callback field (host).
#include "capi_detail.hpp"

#include <odeflow/solvers/methods.hpp>
#include <odeflow/solvers/per_trajectory.hpp>
#include <odeflow/solvers/solve.hpp>
#include <odeflow/solvers/validation.hpp>

#include <Kokkos_Core.hpp>

#include <climits>
#include <string>
#include <vector>

using odeflow::capi::Error;
using odeflow::capi::guarded;
using odeflow::capi::require;

namespace {

/// n in [0, INT_MAX] (the ensembles index trajectories with int) and n * dim representable.
int checked_count(int64_t n, int64_t dim) {
  if (n < 0 || n > INT_MAX)
    throw Error(ODEFLOW_ERROR_INVALID_ARGUMENT, "n = " + std::to_string(n) + " must be in [0, " + std::to_string(INT_MAX) + "]");
  if (dim <= 0 || dim > INT_MAX / 64)
    throw Error(ODEFLOW_ERROR_INVALID_ARGUMENT, "dim = " + std::to_string(dim) + " must be positive");
  if (n > 0 && dim > static_cast<int64_t>(PTRDIFF_MAX / 8) / n)
    throw Error(ODEFLOW_ERROR_INVALID_ARGUMENT, "n * dim = " + std::to_string(n) + " * " + std::to_string(dim) + " is too large");
  return static_cast<int>(n);
}

void store(const odeflow::Statistics<double>& s, odeflow_trajectory_stats& o) {
  o.status = static_cast<int32_t>(s.status);
  o.nfe = s.nfe;
  o.accepted = s.accepted;
  o.rejected = s.rejected;
  o.t = s.t;
  o.dt_last = s.dt_last;
}

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

/// Trajectory i's field: one call of the user's function per evaluation, y and dydt contiguous.
struct CallbackField {
  odeflow_field_fn f;
  void* user;
  int64_t i;
  template <class T, class Y, class DY>
  void operator()(T t, const Y& y, DY& dy) const {
    f(i, t, &y[0], &dy[0], user);
  }
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

odeflow_status odeflow_solve_callback(const odeflow_solver* solver, int64_t n, int32_t dim, odeflow_field_fn f,
                                      void* user, double t0, double t1, double* y, odeflow_trajectory_stats* stats) {
  return guarded("odeflow_solve_callback", [&] {
    require(solver, "solver");
    if (!f) throw Error(ODEFLOW_ERROR_NULL_POINTER, "f is NULL");
    const int nn = checked_count(n, dim);
    if (nn > 0) require(y, "y");
    for (long k = 0; k < static_cast<long>(nn) * dim; ++k) odeflow::validate_finite("y", k, y[k]);
    odeflow::capi::require_initialized();
    const bool serial = solver->serial_callbacks;
    const auto opt = solver->options;
    odeflow::visit_method<double>(solver->method, [&](auto tab) {
      using Tab = decltype(tab);
      odeflow::validate_solve<Tab>(static_cast<const double*>(nullptr), dim, t0, t1, opt, std::span<const double>{});
      const std::size_t per = odeflow::workspace_size<Tab>(dim);
      // Trajectory i: the device-callable solve on the host, in place in row i of y.
      auto one = [&](int i, double* work) {
        const CallbackField field{f, user, i};
        odeflow::SpanWorkspace<double> ws{work, dim, 1};
        odeflow::StridedVector<double> yi{y + static_cast<std::ptrdiff_t>(i) * dim, dim, 1};
        odeflow::Statistics<double> st;
        odeflow::integrate<Tab>(odeflow::detail::HostOnly<CallbackField>{&field}, t0, t1, yi, ws, opt, st);
        if (stats) store(st, stats[i]);
      };
      if (serial || nn < 2) {
        std::vector<double> work(per);
        for (int i = 0; i < nn; ++i) one(i, work.data());
      } else {
        using Host = Kokkos::DefaultHostExecutionSpace;
        Kokkos::Experimental::UniqueToken<Host> token;
        std::vector<double> work(per * static_cast<std::size_t>(token.size()));
        Kokkos::parallel_for(
            "odeflow_c::solve_callback", Kokkos::RangePolicy<Host>(0, nn), [&](int i) {
              const int id = token.acquire();
              one(i, work.data() + per * static_cast<std::size_t>(id));
              token.release(id);
            });
      }
    });
  });
}

}  // extern "C"
