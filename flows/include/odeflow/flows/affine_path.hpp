// Affine probability path x_t = alpha_t x1 + sigma_t x0: samples, targets and conversions between parameterisations.
#pragma once

#include <odeflow/flows/scheduler.hpp>

#include <Kokkos_Core.hpp>

namespace odeflow {

/// What a model predicts: the velocity u_t(x) = E[dx_t | x_t = x], the data
/// x1 (E[x1 | x_t = x]) or the noise epsilon = x0 (E[x0 | x_t = x]).
enum class Parameterization { velocity, x1_prediction, epsilon };

/// @var odeflow::Parameterization::velocity
/// u_t(x) = E[dx_t | x_t = x].

/// @var odeflow::Parameterization::x1_prediction
/// E[x1 | x_t = x], the data.

/// @var odeflow::Parameterization::epsilon
/// E[x0 | x_t = x], the noise.

/// Coefficients (a, b) of a conversion out = a x_t + b in, per component.
template <class T>
struct ConversionCoefficients {
  /// Coefficient of x_t.
  T a;
  /// Coefficient of the input quantity.
  T b;
};

/// The affine path of a scheduler S (design.md: t = 0 noise, t = 1 data):
///
///   x_t = alpha_t x1 + sigma_t x0,   dx_t = d alpha_t x1 + d sigma_t x0.
///
/// The three parameterisations of a model are linear in each other at fixed (t, x_t),
/// since x_t = alpha x1 + sigma x0 and u = d alpha x1 + d sigma x0:
///
/// | from -> to         | out = a x_t + b in                                                 |
/// |--------------------|--------------------------------------------------------------------|
/// | x1 -> velocity     | a = d sigma / sigma, b = d alpha - alpha d sigma / sigma           |
/// | epsilon -> velocity| a = d alpha / alpha, b = d sigma - sigma d alpha / alpha           |
/// | x1 -> epsilon      | a = 1 / sigma, b = -alpha / sigma                                  |
/// | epsilon -> x1      | a = 1 / alpha, b = -sigma / alpha                                  |
/// | velocity -> x1     | a = -d sigma / D, b = sigma / D, D = d alpha sigma - alpha d sigma |
/// | velocity -> epsilon| a = d alpha / D, b = -alpha / D                                    |
///
/// Singular where a denominator vanishes: sigma = 0 (t = 1) for conversions from x1,
/// alpha = 0 (t = 0) for conversions from epsilon; D > 0 for every scheduler here.
template <Scheduler S>
struct AffinePath {
  /// Scalar type (the scheduler's).
  using value_type = typename S::value_type;
  /// Short name of value_type.
  using T = value_type;
  /// The scheduler giving alpha_t, sigma_t and their derivatives.
  S scheduler{};

  /// x_t and dx_t for one component.
  KOKKOS_FUNCTION void sample(T t, T x0, T x1, T& xt, T& dxt) const {
    const SchedulerValue<T> v = scheduler(t);
    xt = v.alpha * x1 + v.sigma * x0;
    dxt = v.d_alpha * x1 + v.d_sigma * x0;
  }

  /// Coefficients of the conversion `from` -> `to` at time t (identity when equal).
  KOKKOS_FUNCTION ConversionCoefficients<T> conversion(Parameterization from, Parameterization to,
                                                       T t) const {
    const SchedulerValue<T> v = scheduler(t);
    const T den = v.d_alpha * v.sigma - v.alpha * v.d_sigma;
    using P = Parameterization;
    if (from == to) return {T(0), T(1)};
    if (from == P::x1_prediction && to == P::velocity)
      return {v.d_sigma / v.sigma, v.d_alpha - v.alpha * v.d_sigma / v.sigma};
    if (from == P::epsilon && to == P::velocity)
      return {v.d_alpha / v.alpha, v.d_sigma - v.sigma * v.d_alpha / v.alpha};
    if (from == P::x1_prediction && to == P::epsilon) return {T(1) / v.sigma, -v.alpha / v.sigma};
    if (from == P::epsilon && to == P::x1_prediction) return {T(1) / v.alpha, -v.sigma / v.alpha};
    if (from == P::velocity && to == P::x1_prediction) return {-v.d_sigma / den, v.sigma / den};
    return {v.d_alpha / den, -v.alpha / den};  // velocity -> epsilon
  }

  /// Batched sample: for each row i, x_t(i, :) and dx_t(i, :) from t(i), x0(i, :), x1(i, :).
  /// Shapes: t (n), x0, x1, xt, dxt (n, d). Runs on `space`; asynchronous.
  template <class ExecSpace, class V1, class V2a, class V2b, class V2c, class V2d>
  void sample(const ExecSpace& space, const V1& t, const V2a& x0, const V2b& x1, const V2c& xt,
              const V2d& dxt) const {
    const S sch = scheduler;
    const int n = static_cast<int>(x0.extent(0)), d = static_cast<int>(x0.extent(1));
    Kokkos::parallel_for(
        "odeflow::AffinePath::sample",
        Kokkos::MDRangePolicy<ExecSpace, Kokkos::Rank<2>>(space, {0, 0}, {n, d}),
        KOKKOS_LAMBDA(int i, int k) {
          const SchedulerValue<T> v = sch(t(i));
          xt(i, k) = v.alpha * x1(i, k) + v.sigma * x0(i, k);
          dxt(i, k) = v.d_alpha * x1(i, k) + v.d_sigma * x0(i, k);
        });
  }

  /// Batched conversion of a model output `in` (n, d) at times t (n) and points xt (n, d)
  /// from one parameterisation to another, into `out` (n, d) (may alias `in`).
  template <class ExecSpace, class V1, class V2a, class V2b, class V2c>
  void convert(const ExecSpace& space, Parameterization from, Parameterization to, const V1& t,
               const V2a& xt, const V2b& in, const V2c& out) const {
    const AffinePath self = *this;
    const int n = static_cast<int>(xt.extent(0)), d = static_cast<int>(xt.extent(1));
    Kokkos::parallel_for(
        "odeflow::AffinePath::convert", Kokkos::RangePolicy<ExecSpace>(space, 0, n),
        KOKKOS_LAMBDA(int i) {
          const ConversionCoefficients<T> c = self.conversion(from, to, t(i));
          for (int k = 0; k < d; ++k) out(i, k) = c.a * xt(i, k) + c.b * in(i, k);
        });
  }
};

}  // namespace odeflow
