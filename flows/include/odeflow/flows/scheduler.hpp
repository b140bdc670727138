// Schedulers of affine probability paths: the Scheduler concept and the values (alpha, sigma, derivatives) they return.
#pragma once

#include <Kokkos_Macros.hpp>
#include <Kokkos_MathematicalFunctions.hpp>

#include <concepts>

namespace odeflow {

/// alpha_t, sigma_t and their time derivatives at one time t.
template <class T>
struct SchedulerValue {
  /// alpha_t, the coefficient of x1 (data).
  T alpha;
  /// sigma_t, the coefficient of x0 (noise).
  T sigma;
  /// d alpha_t / dt.
  T d_alpha;
  /// d sigma_t / dt.
  T d_sigma;
};

/// A scheduler defines the affine path x_t = alpha_t x1 + sigma_t x0 between
/// noise x0 (t = 0) and data x1 (t = 1): alpha increasing from alpha_0 ~ 0 to
/// alpha_1 = 1, sigma decreasing from sigma_0 = 1 to sigma_1 = 0 (variance
/// preserving: alpha_0 = exp(-(beta_min + beta_max) / 4), not exactly 0).
///
/// Valid expressions, for a scheduler type `S` with `value_type` T, an object `s`
/// and a T `t` in [0, 1], `q` > 0:
///
/// | expression          | meaning                                                              |
/// |---------------------|----------------------------------------------------------------------|
/// | `s(t)`              | SchedulerValue{alpha_t, sigma_t, d alpha/dt, d sigma/dt}            |
/// | `s.snr_inverse(q)`  | the t with alpha_t / sigma_t = q (signal-to-noise ratio, increasing in t) |
///
/// A *convex* scheduler (ConvexScheduler) has sigma_t = 1 - alpha_t, with kappa_t = alpha_t, and adds
///
/// | expression            | meaning                              |
/// |-----------------------|--------------------------------------|
/// | `s.kappa_inverse(k)`  | the t with kappa_t = k, k in [0, 1]  |
///
/// All members are `KOKKOS_FUNCTION`, allocation-free and trivially copyable:
/// callable in kernels. Derivatives may be infinite at an end point where the
/// mathematics says so (d sigma/dt at t = 1 for the VP and linear VP schedulers).
template <class S>
concept Scheduler = requires(const S& s, typename S::value_type t) {
  typename S::value_type;
  { s(t) } -> std::same_as<SchedulerValue<typename S::value_type>>;
  { s.snr_inverse(t) } -> std::convertible_to<typename S::value_type>;
};

/// A scheduler with sigma_t = 1 - alpha_t (a convex interpolation, alpha = kappa).
template <class S>
concept ConvexScheduler = Scheduler<S> && requires(const S& s, typename S::value_type k) {
  { s.kappa_inverse(k) } -> std::convertible_to<typename S::value_type>;
};

/// Signal-to-noise ratio alpha_t / sigma_t and its time derivative
/// (d alpha sigma - alpha d sigma) / sigma^2.
template <class T>
KOKKOS_FUNCTION T snr(const SchedulerValue<T>& v) {
  return v.alpha / v.sigma;
}

/// d/dt log(alpha_t / sigma_t) = d alpha / alpha - d sigma / sigma.
template <class T>
KOKKOS_FUNCTION T d_log_snr(const SchedulerValue<T>& v) {
  return v.d_alpha / v.alpha - v.d_sigma / v.sigma;
}

}  // namespace odeflow
