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
  /// Method name for the overloads without a tableau (unknown names: InvalidArgument listing
  /// the known ones); ignored by the overloads that take a tableau.
  std::string method = "dopri5";
  /// Relative tolerance of adaptive solves.
  T rtol = T(1e-5);
  /// Absolute tolerance of adaptive solves.
  T atol = T(1e-5);
  /// Fixed step magnitude (> 0: fixed steps, any method, no error control); 0: adaptive.
  T dt = T(0);
  /// The error norm (ErrorNormKind: rms by default, or odeint_max).
  ErrorNormKind norm = ErrorNormKind::rms;
  /// Step-size controller; empty: the method's preset from default_options<Tab>().
  std::optional<Controller<T>> controller{};
  /// Initial step magnitude of adaptive solves; 0: Hairer's two-evaluation estimate.
  T dt0 = T(0);
  /// Smallest step magnitude of adaptive solves (below it: Status::dt_underflow); 0: none.
  T dt_min = T(0);
  /// Largest step magnitude; 0: unlimited.
  T dt_max = T(0);
  /// Attempted steps (accepted + rejected) per sample before Status::max_steps_reached.
  int max_steps = 100000;
  /// Per-sample or shared steps, and the samples in flight (Lockstep).
  Lockstep lockstep{};

  /// The solver core's options for tableau Tab; `components` is the number of leading state
  /// components under error control (0: all; see ErrorNorm::components).
  ///
  /// Starts from default_options<Tab>() and overwrites rtol, atol, the norm kind, components,
  /// dt0, dt, dt_min, dt_max, max_steps, and the controller when one is set. No validation
  /// here: the solve checks the result. `method` and `lockstep` are not part of it.
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
