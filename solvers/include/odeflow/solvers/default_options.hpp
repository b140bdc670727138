// Default solve options for a tableau: Hairer's controller for its order, rtol 1e-6, atol 1e-9.
#pragma once

#include <odeflow/solvers/solve_options.hpp>
#include <odeflow/solvers/tableau.hpp>

namespace odeflow {

/// The options a solve with tableau Tab uses when the caller gives none:
/// rtol 1e-6, atol 1e-9, RMS norm, and the controller of Hairer's codes for the
/// order of the method's error estimate, controller_order<Tab>() (DOP853's controller for
/// tableaus with a dual error estimate, DOPRI5's otherwise). For Dormand-Prince, Tsitouras
/// and Verner pairs that is the method's order; for Fehlberg 4(5) it is 5.
template <class Tab>
constexpr SolveOptions<typename Tab::value_type> default_options() {
  using T = typename Tab::value_type;
  SolveOptions<T> o;
  if constexpr (has_dual_error_estimate<Tab>()) {
    o.controller = hairer_dop853_controller<T>(controller_order<Tab>());
  } else {
    o.controller = hairer_dopri5_controller<T>(controller_order<Tab>());
  }
  return o;
}

}  // namespace odeflow
