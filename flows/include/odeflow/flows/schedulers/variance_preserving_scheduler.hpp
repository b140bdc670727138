// Variance-preserving scheduler of score SDEs (Song et al., arXiv 2011.13456) in flow-matching time.
#pragma once

#include <odeflow/flows/scheduler.hpp>

namespace odeflow {

/// The VP SDE with a linear noise rate beta(s) = beta_min + s (beta_max - beta_min),
/// with flow-matching time t = 1 - s (t = 1 is data). With u = 1 - t,
///
///   B(t) = integral_0^u beta = beta_min u + (beta_max - beta_min) u^2 / 2,
///   alpha_t = exp(-B / 2), sigma_t = sqrt(1 - alpha_t^2),
///   d alpha = alpha beta(u) / 2, d sigma = -alpha d alpha / sigma.
///
/// alpha_0 = exp(-(beta_min + beta_max) / 4) (about 0.0066 for the defaults 0.1, 20),
/// alpha_1 = 1, sigma_1 = 0, and d sigma = -infinity at t = 1 (sigma ~ sqrt(beta_min (1 - t))).
/// snr_inverse(q): B = log(1 + 1/q^2), solved for u in closed form.
template <class T>
struct VariancePreservingScheduler {
  /// Scalar type.
  using value_type = T;
  /// beta at t = 1 (data end).
  T beta_min = T(0.1);
  /// beta at t = 0 (noise end).
  T beta_max = T(20);

  /// (alpha, sigma) and their derivatives at t (see the struct's formula).
  KOKKOS_FUNCTION SchedulerValue<T> operator()(T t) const {
    const T u = T(1) - t;
    const T big_b = beta_min * u + T(0.5) * (beta_max - beta_min) * u * u;
    const T beta = beta_min + u * (beta_max - beta_min);
    const T a = Kokkos::exp(T(-0.5) * big_b);
    // 1 - a^2 = -expm1(-B): accurate when B is small (t near 1).
    const T s = Kokkos::sqrt(-Kokkos::expm1(-big_b));
    const T da = T(0.5) * beta * a;
    return {a, s, da, -a * da / s};
  }
  /// The t with alpha_t / sigma_t = q (B = log(1 + 1/q^2) solved for u = 1 - t).
  KOKKOS_FUNCTION T snr_inverse(T q) const {
    const T big_b = Kokkos::log1p(T(1) / (q * q));
    const T c = beta_max - beta_min;
    // c u^2 / 2 + beta_min u - B = 0, positive root in the cancellation-free form.
    const T u = T(2) * big_b / (beta_min + Kokkos::sqrt(beta_min * beta_min + T(2) * c * big_b));
    return T(1) - u;
  }
};

static_assert(Scheduler<VariancePreservingScheduler<double>>);

}  // namespace odeflow
