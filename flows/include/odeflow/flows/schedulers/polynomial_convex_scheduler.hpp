// Polynomial convex scheduler: alpha_t = t^n, sigma_t = 1 - t^n.
#pragma once

#include <odeflow/flows/scheduler.hpp>

namespace odeflow {

/// alpha_t = t^n, sigma_t = 1 - t^n for a degree n > 0 (n = 1 is CondOTScheduler);
/// d alpha = n t^(n-1) = -d sigma.
/// snr_inverse(q) = (q / (1 + q))^(1/n); kappa_inverse(k) = k^(1/n).
template <class T>
struct PolynomialConvexScheduler {
  /// Scalar type.
  using value_type = T;
  /// The degree n (> 0, need not be an integer).
  T n = T(1);

  /// (alpha, sigma) = (t^n, 1 - t^n) and their derivatives.
  KOKKOS_FUNCTION SchedulerValue<T> operator()(T t) const {
    const T a = Kokkos::pow(t, n);
    const T da = n * Kokkos::pow(t, n - T(1));
    return {a, T(1) - a, da, -da};
  }
  /// The t with alpha_t / sigma_t = q: (1 / (1 + 1/q))^(1/n).
  KOKKOS_FUNCTION T snr_inverse(T q) const { return kappa_inverse(T(1) / (T(1) + T(1) / q)); }
  /// The t with alpha_t = k: k^(1/n).
  KOKKOS_FUNCTION T kappa_inverse(T k) const { return Kokkos::pow(k, T(1) / n); }
};

static_assert(ConvexScheduler<PolynomialConvexScheduler<double>>);

}  // namespace odeflow
