// Error norms that turn a step's local error estimate into one number (accept iff <= 1).
#pragma once

#include <Kokkos_MathematicalFunctions.hpp>
#include <Kokkos_Macros.hpp>

namespace odeflow {

/// How the local error estimate err (a vector) is measured.
enum class ErrorNormKind : int {
  /// sqrt(mean_k (err_k / (atol + rtol max(|y_old,k|, |y_new,k|)))^2): Hairer, Norsett,
  /// Wanner I, II.4 (DOPRI5, DOP853, torchdiffeq, OrdinaryDiffEq). The default.
  rms = 0,
  /// max_k |err_k| / (atol + rtol (|y_old,k| + |h f_old,k|)): Boost.Odeint's
  /// default_error_checker with a_x = a_dxdt = 1.
  odeint_max = 1,
};

/// Tolerances and norm kind of an adaptive solve.
template <class T>
struct ErrorNorm {
  T rtol = T(1e-6);
  T atol = T(1e-9);
  ErrorNormKind kind = ErrorNormKind::rms;

  /// Per-component scaled error. `y_old`, `y_new`, `f_old` components, step `h`, error `err`.
  KOKKOS_FUNCTION T scaled(T err, T y_old, T y_new, T f_old, T h) const {
    if (kind == ErrorNormKind::odeint_max) {
      return Kokkos::fabs(err) / (atol + rtol * (Kokkos::fabs(y_old) + Kokkos::fabs(h * f_old)));
    }
    return err / (atol + rtol * Kokkos::fmax(Kokkos::fabs(y_old), Kokkos::fabs(y_new)));
  }
  /// Adds one scaled component `s` to the running accumulator.
  KOKKOS_FUNCTION void accumulate(T& acc, T s) const {
    if (kind == ErrorNormKind::odeint_max) {
      acc = Kokkos::fmax(acc, s);
    } else {
      acc += s * s;
    }
  }
  /// Turns the accumulator over n components into the norm.
  KOKKOS_FUNCTION T finish(T acc, int n) const {
    if (kind == ErrorNormKind::odeint_max) return acc;
    return Kokkos::sqrt(acc / T(n));
  }
};

}  // namespace odeflow
