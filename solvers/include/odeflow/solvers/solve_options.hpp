// Options of one solve: tolerances, controller, step bounds, step budget, fixed step.
#pragma once

#include <odeflow/solvers/controller.hpp>
#include <odeflow/solvers/error_norm.hpp>

namespace odeflow {

/// Options of a solve. Plain data, trivially copyable, usable on device.
///
/// Defaults: rtol 1e-6, atol 1e-9, RMS norm, Hairer's DOPRI5 PI controller for
/// the method's order (set by `default_options<Tab>()`), initial step by Hairer's
/// algorithm, no dt_min (underflow is when t + dt == t), no dt_max, 100000 attempts.
template <class T>
struct SolveOptions {
  /// Tolerances and the norm.
  ErrorNorm<T> norm{};
  /// Step-size controller.
  Controller<T> controller{};
  /// Initial step for adaptive solves; 0: Hairer's two-evaluation estimate. Magnitude only.
  T dt0 = T(0);
  /// Fixed step (magnitude). > 0 runs any method with a fixed step, without error control.
  T dt = T(0);
  /// Smallest step magnitude an adaptive solve may take; below it the status is dt_underflow.
  T dt_min = T(0);
  /// Largest step magnitude; 0 means unlimited.
  T dt_max = T(0);
  /// Attempted steps (accepted + rejected) before max_steps_reached.
  int max_steps = 100000;
};

}  // namespace odeflow
