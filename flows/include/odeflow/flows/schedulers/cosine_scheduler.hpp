// Cosine scheduler: alpha_t = sin(pi t / 2), sigma_t = cos(pi t / 2) (Nichol & Dhariwal, arXiv 2102.09672).
#pragma once

#include <odeflow/flows/scheduler.hpp>

#include <Kokkos_MathematicalConstants.hpp>

namespace odeflow {

/// alpha_t = sin(pi t / 2), sigma_t = cos(pi t / 2);
/// d alpha = (pi / 2) cos(pi t / 2), d sigma = -(pi / 2) sin(pi t / 2).
/// snr_inverse(q) = (2 / pi) atan(q).
template <class T>
struct CosineScheduler {
  /// Scalar type.
  using value_type = T;
  /// (alpha, sigma) = (sin(pi t / 2), cos(pi t / 2)) and their derivatives.
  KOKKOS_FUNCTION SchedulerValue<T> operator()(T t) const {
    const T h = T(0.5) * Kokkos::numbers::pi_v<T>;
    // cos(h t) as sin(h (1 - t)): exactly 0 at t = 1, as sin(h t) is at t = 0.
    const T s = Kokkos::sin(h * t), c = Kokkos::sin(h * (T(1) - t));
    return {s, c, h * c, -h * s};
  }
  /// The t with alpha_t / sigma_t = q: (2 / pi) atan q.
  KOKKOS_FUNCTION T snr_inverse(T q) const {
    return T(2) / Kokkos::numbers::pi_v<T> * Kokkos::atan(q);
  }
};

static_assert(Scheduler<CosineScheduler<double>>);

}  // namespace odeflow
