// Hairer's two-evaluation estimate of the first step size.
#pragma once

#include <odeflow/solvers/error_norm.hpp>
#include <odeflow/solvers/stepper.hpp>

#include <Kokkos_MathematicalFunctions.hpp>
#include <Kokkos_Macros.hpp>

namespace odeflow {

/// Initial step magnitude by Hairer's algorithm (Hairer, Norsett, Wanner I, II.4,
/// "Starting step size"; dopri5.f HINIT), with scale sc_k = atol + rtol |y0_k| and RMS norms:
/// h0 = 0.01 ||y0|| / ||f0|| (1e-6 when either is below 1e-5), one Euler step
/// y1 = y0 + h0 f0, d2 = ||f(t0 + h0, y1) - f0|| / h0, h1 = (0.01 / max(d1, d2))^(1/p)
/// (max(1e-6, 1e-3 h0) when both are below 1e-15), h = min(100 h0, h1, |t1 - t0|).
/// Expects f(t0, y0) in ws.vec(0); one evaluation of f (counted in nfe).
template <class Tab, class F, class T, class Y, class WS>
KOKKOS_FUNCTION T initial_step(const F& f, T t0, T t1, const Y& y, WS& ws,
                               const ErrorNorm<T>& norm, int& nfe) {
  const int n = ws.dim();
  auto&& f0 = ws.vec(0);
  auto&& y1 = ws.vec(slot_tmp_v<Tab>);
  auto&& f1 = ws.vec(slot_ynew_v<Tab>);
  const T dir = t1 >= t0 ? T(1) : T(-1);
  T d0 = 0, d1 = 0;
  for (int k = 0; k < n; ++k) {
    const T sc = norm.atol + norm.rtol * Kokkos::fabs(y[k]);
    d0 += (y[k] / sc) * (y[k] / sc);
    d1 += (f0[k] / sc) * (f0[k] / sc);
  }
  d0 = Kokkos::sqrt(d0 / T(n));
  d1 = Kokkos::sqrt(d1 / T(n));
  T h0 = (d0 < T(1e-5) || d1 < T(1e-5)) ? T(1e-6) : T(0.01) * d0 / d1;
  h0 = Kokkos::fmin(h0, Kokkos::fabs(t1 - t0));
  for (int k = 0; k < n; ++k) y1[k] = y[k] + dir * h0 * f0[k];
  f(t0 + dir * h0, y1, f1);
  ++nfe;
  T d2 = 0;
  for (int k = 0; k < n; ++k) {
    const T sc = norm.atol + norm.rtol * Kokkos::fabs(y[k]);
    const T dk = (f1[k] - f0[k]) / sc;
    d2 += dk * dk;
  }
  d2 = Kokkos::sqrt(d2 / T(n)) / h0;
  const T dmax = Kokkos::fmax(d1, d2);
  const T h1 = (dmax <= T(1e-15)) ? Kokkos::fmax(T(1e-6), h0 * T(1e-3))
                                  : Kokkos::pow(T(0.01) / dmax, T(1) / T(Tab::order));
  T h = Kokkos::fmin(T(100) * h0, h1);
  h = Kokkos::fmin(h, Kokkos::fabs(t1 - t0));
  if (!Kokkos::isfinite(h) || h <= T(0)) h = Kokkos::fmin(T(1e-6), Kokkos::fabs(t1 - t0));
  return h;
}

}  // namespace odeflow
