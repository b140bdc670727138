// Conditional optimal-transport scheduler: alpha_t = t, sigma_t = 1 - t (Lipman et al., arXiv 2210.02747).
#pragma once

#include <odeflow/flows/scheduler.hpp>

namespace odeflow {

/// alpha_t = t, sigma_t = 1 - t; d alpha = 1, d sigma = -1.
/// snr_inverse(q) = q / (1 + q); kappa_inverse(k) = k.
template <class T>
struct CondOTScheduler {
  /// Scalar type.
  using value_type = T;
  /// (alpha, sigma, alpha', sigma') = (t, 1 - t, 1, -1).
  KOKKOS_FUNCTION SchedulerValue<T> operator()(T t) const { return {t, T(1) - t, T(1), T(-1)}; }
  // 1 / (1 + 1/q) rather than q / (1 + q): exact at q = 0 and q = infinity (t = 0, 1).
  /// The t with alpha_t / sigma_t = q: 1 / (1 + 1/q).
  KOKKOS_FUNCTION T snr_inverse(T q) const { return T(1) / (T(1) + T(1) / q); }
  /// The t with alpha_t = k: k.
  KOKKOS_FUNCTION T kappa_inverse(T k) const { return k; }
};

static_assert(ConvexScheduler<CondOTScheduler<double>>);

}  // namespace odeflow
