// How sampling and likelihood solves integrate: the method (by name or type), tolerances or a fixed step, and the lockstep mode.
#pragma once

#include <odeflow/solvers/controller.hpp>
#include <odeflow/solvers/default_options.hpp>
#include <odeflow/solvers/error_norm.hpp>
#include <odeflow/solvers/lockstep.hpp>
#include <odeflow/solvers/solve_options.hpp>

#include <optional>
#include <string>

namespace odeflow {

/// The solver side of `sample`, `log_likelihood` and `sample_with_log_likelihood`.
///
/// - `method`: a registry name (`odeflow::method_names()`: "euler", "midpoint", "rk4", "dopri5",
///   "tsit5", "dop853", ...) used by the overloads without a tableau argument; the overloads
///   that take a tableau ignore it.
/// - `dt > 0`: fixed steps of that size (any method; the last step ends exactly on the final
///   time), no error control. `dt == 0`: adaptive, with `rtol`, `atol` (RMS norm by default),
///   for embedded methods only.
/// - `controller`: default (empty) is the method's own preset (`default_options<Tab>()`: Hairer's
///   controller for its order); `torchdiffeq_controller<T>(5)` reproduces torchdiffeq's dopri5.
/// - `lockstep`: per-sample steps (default) or one shared step (`shared_step`, torchdiffeq's
///   behaviour); `max_batch` bounds the samples in flight.
///
/// Defaults rtol = atol = 1e-5 are those of torchdiffeq-based flow-matching code; the solver
/// core's own defaults (1e-6, 1e-9) suit physics more than learned fields.
template <class T>
struct FlowSolverOptions {
  std::string method = "dopri5";
  T rtol = T(1e-5);
  T atol = T(1e-5);
  T dt = T(0);
  ErrorNormKind norm = ErrorNormKind::rms;
  std::optional<Controller<T>> controller{};
  T dt0 = T(0);
  T dt_min = T(0);
  T dt_max = T(0);
  int max_steps = 100000;
  Lockstep lockstep{};

  /// The solver core's options for tableau Tab; `components` is the number of leading state
  /// components under error control (0: all; see ErrorNorm::components).
  template <class Tab>
  SolveOptions<T> to_solve_options(int components = 0) const {
    SolveOptions<T> o = default_options<Tab>();
    o.norm.rtol = rtol;
    o.norm.atol = atol;
    o.norm.kind = norm;
    o.norm.components = components;
    if (controller) o.controller = *controller;
    o.dt0 = dt0;
    o.dt = dt;
    o.dt_min = dt_min;
    o.dt_max = dt_max;
    o.max_steps = max_steps;
    return o;
  }
};

}  // namespace odeflow
