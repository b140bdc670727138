// C API: ensemble solve of a field given as a C callback (host threads, one device-callable solve per trajectory).
#include "capi_detail.hpp"

#include <odeflow/solvers/methods.hpp>
#include <odeflow/solvers/solve.hpp>
#include <odeflow/solvers/validation.hpp>

#include <Kokkos_Core.hpp>

#include <span>
#include <vector>

using odeflow::capi::Error;
using odeflow::capi::guarded;
using odeflow::capi::require;
using odeflow::capi::checked_count;
using odeflow::capi::store;

namespace {

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
