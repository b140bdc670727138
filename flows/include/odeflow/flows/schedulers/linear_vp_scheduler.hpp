// Linear variance-preserving scheduler: alpha_t = t, sigma_t = sqrt(1 - t^2).
#pragma once

#include <odeflow/flows/scheduler.hpp>

namespace odeflow {

/// alpha_t = t, sigma_t = sqrt(1 - t^2) (alpha^2 + sigma^2 = 1);
/// d alpha = 1, d sigma = -t / sqrt(1 - t^2) (-infinity at t = 1).
/// snr_inverse(q) = q / sqrt(1 + q^2).
template <class T>
struct LinearVPScheduler {
  /// Scalar type.
  using value_type = T;
  /// (alpha, sigma) = (t, sqrt(1 - t^2)) and their derivatives.
  KOKKOS_FUNCTION SchedulerValue<T> operator()(T t) const {
    const T s = Kokkos::sqrt((T(1) - t) * (T(1) + t));
    return {t, s, T(1), -t / s};
  }
  // 1 / sqrt(1 + 1/q^2): exact at q = 0 and q = infinity.
  /// The t with alpha_t / sigma_t = q: 1 / sqrt(1 + 1/q^2).
  KOKKOS_FUNCTION T snr_inverse(T q) const { return T(1) / Kokkos::sqrt(T(1) + T(1) / (q * q)); }
};

static_assert(Scheduler<LinearVPScheduler<double>>);

}  // namespace odeflow
