// Hairer's two-evaluation estimate of the first step size.
#pragma once

#include <odeflow/solvers/error_norm.hpp>
#include <odeflow/solvers/simd.hpp>
#include <odeflow/solvers/stepper.hpp>

#include <Kokkos_Macros.hpp>

namespace odeflow {

/// Initial step magnitude by Hairer's algorithm (Hairer, Norsett, Wanner I, II.4,
/// "Starting step size"; dopri5.f HINIT), per lane, with scale sc_k = atol + rtol |y0_k|
/// and RMS norms: h0 = 0.01 ||y0|| / ||f0|| (1e-6 when either is below 1e-5), one
/// Euler step y1 = y0 + h0 f0, d2 = ||f(t0 + h0, y1) - f0|| / h0,
/// h1 = (0.01 / max(d1, d2))^(1/p) (max(1e-6, 1e-3 h0) when both are below 1e-15),
/// h = min(100 h0, h1, |t1 - t0|). Expects f(t0, y0) in ws.vec(0); evaluates f once.
template <class Tab, class F, class T, class V, class Y, class WS>
KOKKOS_FUNCTION V initial_step(const F& f, const V& t0, T t1, const Y& y, WS& ws,
                               const ErrorNorm<T>& norm) {
  using simd::select;
  using M = mask_t<V>;
  const int n = ws.dim();
  auto&& f0 = ws.vec(0);
  auto&& y1 = ws.vec(slot_tmp_v<Tab>);
  auto&& f1 = ws.vec(slot_ynew_v<Tab>);
  const V span = simd::abs(V(t1) - t0);
  const V dir = select(M(V(t1) >= t0), V(T(1)), V(T(-1)));
  V d0(T(0)), d1(T(0));
  for (int k = 0; k < n; ++k) {
    const V sc = norm.atol + norm.rtol * simd::abs(V(y[k]));
    d0 += (y[k] / sc) * (y[k] / sc);
    d1 += (f0[k] / sc) * (f0[k] / sc);
  }
  d0 = simd::sqrt(d0 / T(n));
  d1 = simd::sqrt(d1 / T(n));
  V h0 = select(M((d0 < T(1e-5)) | (d1 < T(1e-5))), V(T(1e-6)), V(T(0.01) * d0 / d1));
  h0 = simd::min(h0, span);
  for (int k = 0; k < n; ++k) y1[k] = y[k] + dir * h0 * f0[k];
  f(t0 + dir * h0, y1, f1);
  V d2(T(0));
  for (int k = 0; k < n; ++k) {
    const V sc = norm.atol + norm.rtol * simd::abs(V(y[k]));
    const V dk = (f1[k] - f0[k]) / sc;
    d2 += dk * dk;
  }
  d2 = simd::sqrt(d2 / T(n)) / h0;
  const V dmax = simd::max(d1, d2);
  const V h1 = select(M(dmax <= T(1e-15)), simd::max(V(T(1e-6)), h0 * T(1e-3)),
                      simd::pow(T(0.01) / dmax, V(T(1) / T(Tab::order))));
  V h = simd::min(simd::min(T(100) * h0, h1), span);
  const M bad = !M(simd::isfinite(h) & (h > T(0)));
  return select(bad, simd::min(V(T(1e-6)), span), h);
}

}  // namespace odeflow
