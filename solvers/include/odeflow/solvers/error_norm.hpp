// Error norms that turn a step's local error estimate into one number (accept iff <= 1).
#pragma once

#include <odeflow/solvers/simd.hpp>

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

/// Tolerances and norm kind of an adaptive solve. Member functions work per lane
/// (V is a scalar or a Pack).
template <class T>
struct ErrorNorm {
  /// Relative tolerance (finite, >= 0).
  T rtol = T(1e-6);
  /// Absolute tolerance (finite, >= 0; not both zero).
  T atol = T(1e-9);
  /// Which norm (see ErrorNormKind).
  ErrorNormKind kind = ErrorNormKind::rms;
  /// Number of leading state components the norm measures; 0: all. The components after
  /// them are integrated but never influence step sizes (a likelihood solve's log-density
  /// when it is excluded from error control, and its fixed Hutchinson probes).
  int components = 0;

  /// The number of components measured in a state of dimension n.
  KOKKOS_FUNCTION int measured(int n) const { return components > 0 && components < n ? components : n; }

  /// Per-component scaled error: components `y_old`, `y_new`, `f_old`, step `h`, error `err`.
  /// RMS: err times the reciprocal of the scale. The scale is known before the error (whose
  /// last stage comes last), so the division leaves the adaptive step's critical path
  /// (Dopri5 on Lorenz: 2% more trajectories per second than err / scale, docs/benchmarks.md).
  template <class V>
  KOKKOS_FORCEINLINE_FUNCTION V scaled(const V& err, const V& y_old, const V& y_new, const V& f_old,
                           const V& h) const {
    if (kind == ErrorNormKind::odeint_max) {
      return simd::abs(err) / (atol + rtol * (simd::abs(y_old) + simd::abs(h * f_old)));
    }
    const V inv = V(T(1)) / (atol + rtol * simd::max(simd::abs(y_old), simd::abs(y_new)));
    return err * inv;
  }
  /// Adds one scaled component `s` to the running accumulator (starting at 0).
  template <class V>
  KOKKOS_FORCEINLINE_FUNCTION void accumulate(V& acc, const V& s) const {
    if (kind == ErrorNormKind::odeint_max) {
      acc = simd::max(acc, s);
    } else {
      acc += s * s;
    }
  }
  /// Turns the accumulator over n components into the norm (RMS: sqrt(acc (1 / n))).
  template <class V>
  KOKKOS_FORCEINLINE_FUNCTION V finish(const V& acc, int n) const {
    if (kind == ErrorNormKind::odeint_max) return acc;
    return simd::sqrt(acc * (T(1) / T(n)));
  }
  /// The logarithm of the norm, simd::ln of it (the maximum norm), or for RMS
  /// ln(acc (1 / n)) / 2 (simd::half_ln), which does not wait for the square root.
  template <class V>
  KOKKOS_FORCEINLINE_FUNCTION V finish_ln(const V& acc, int n) const {
    if (kind == ErrorNormKind::odeint_max) return simd::ln(acc);
    return simd::half_ln(V(acc * (T(1) / T(n))));
  }
  /// Whether the norm is at most 1 (the step is accepted), per lane, exactly as
  /// finish(acc, n) <= 1 decides but without its square root: a correctly rounded square
  /// root of m is at most 1 exactly when m <= 1 + eps (sqrt(1 + eps) rounds down to 1,
  /// sqrt(1 + 2 eps) up to 1 + eps). NaN gives false.
  template <class V>
  KOKKOS_FORCEINLINE_FUNCTION mask_t<V> within(const V& acc, int n) const {
    if (kind == ErrorNormKind::odeint_max) return acc <= T(1);
    return V(acc * (T(1) / T(n))) <= T(1) + Kokkos::Experimental::epsilon<T>::value;
  }
};

}  // namespace odeflow
