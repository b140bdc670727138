// Hairer's two-evaluation estimate of the first step size, in parts that per-lane and batched drivers share.
#pragma once

#include <odeflow/solvers/error_norm.hpp>
#include <odeflow/solvers/simd.hpp>
#include <odeflow/solvers/stepper.hpp>

#include <Kokkos_Macros.hpp>

namespace odeflow {

namespace detail {
/// Sums of squared scaled components sum_k (y_k/sc_k)^2 and sum_k (f0_k/sc_k)^2, sc_k = atol + rtol |y_k|,
/// over the norm's measured components.
template <class T, class V, class Y, class F0>
KOKKOS_FUNCTION void hinit_sums(const ErrorNorm<T>& norm, const Y& y, const F0& f0, int n, V& s0, V& s1) {
  s0 = V(T(0));
  s1 = V(T(0));
  n = norm.measured(n);
  for (int k = 0; k < n; ++k) {
    const V sc = norm.atol + norm.rtol * simd::abs(V(y[k]));
    s0 += (y[k] / sc) * (y[k] / sc);
    s1 += (f0[k] / sc) * (f0[k] / sc);
  }
}
/// First guess h0 = 0.01 d0 / d1 (1e-6 when either RMS norm is below 1e-5), at most span.
template <class T, class V>
KOKKOS_FUNCTION V hinit_h0(const V& d0, const V& d1, const V& span) {
  using M = mask_t<V>;
  const V h0 = simd::select(M((d0 < T(1e-5)) | (d1 < T(1e-5))), V(T(1e-6)), V(T(0.01) * d0 / d1));
  return simd::min(h0, span);
}
/// Sum of squared scaled differences sum_k ((f1_k - f0_k)/sc_k)^2.
template <class T, class V, class Y, class F0, class F1>
KOKKOS_FUNCTION V hinit_diff(const ErrorNorm<T>& norm, const Y& y, const F0& f0, const F1& f1, int n) {
  V s(T(0));
  n = norm.measured(n);
  for (int k = 0; k < n; ++k) {
    const V sc = norm.atol + norm.rtol * simd::abs(V(y[k]));
    const V dk = (f1[k] - f0[k]) / sc;
    s += dk * dk;
  }
  return s;
}
/// Final estimate from d1, d2 = ||f1 - f0|| / h0 and h0, for a method of order p.
template <class T, class V>
KOKKOS_FUNCTION V hinit_final(const V& d1, const V& d2, const V& h0, const V& span, int p) {
  using M = mask_t<V>;
  const V dmax = simd::max(d1, d2);
  const V h1 = simd::select(M(dmax <= T(1e-15)), simd::max(V(T(1e-6)), h0 * T(1e-3)),
                            simd::pow(T(0.01) / dmax, V(T(1) / T(p))));
  const V h = simd::min(simd::min(T(100) * h0, h1), span);
  const M bad = !M(simd::isfinite(h) & (h > T(0)));
  return simd::select(bad, simd::min(V(T(1e-6)), span), h);
}
}  // namespace detail

/// Initial step magnitude by Hairer's algorithm (Hairer, Norsett, Wanner I, II.4,
/// "Starting step size"; dopri5.f HINIT), per lane, with scale sc_k = atol + rtol |y0_k|
/// and RMS norms: h0 = 0.01 ||y0|| / ||f0|| (1e-6 when either is below 1e-5), one
/// Euler step y1 = y0 + h0 f0, d2 = ||f(t0 + h0, y1) - f0|| / h0,
/// h1 = (0.01 / max(d1, d2))^(1/p) (max(1e-6, 1e-3 h0) when both are below 1e-15),
/// h = min(100 h0, h1, |t1 - t0|). Expects f(t0, y0) in ws.vec(0); evaluates f once.
template <class Tab, class F, class T, class V, class Y, class WS>
KOKKOS_FUNCTION V initial_step(const F& f, const V& t0, T t1, const Y& y, WS& ws,
                               const ErrorNorm<T>& norm) {
  using M = mask_t<V>;
  const int n = ws.dim();
  auto&& f0 = ws.vec(0);
  auto&& y1 = ws.vec(slot_tmp_v<Tab>);
  auto&& f1 = ws.vec(slot_ynew_v<Tab>);
  const V span = simd::abs(V(t1) - t0);
  const V dir = simd::select(M(V(t1) >= t0), V(T(1)), V(T(-1)));
  const int nm = norm.measured(n);
  V s0, s1;
  detail::hinit_sums(norm, y, f0, n, s0, s1);
  const V d1 = simd::sqrt(s1 / T(nm));
  const V h0 = detail::hinit_h0<T>(simd::sqrt(s0 / T(nm)), d1, span);
  for (int k = 0; k < n; ++k) y1[k] = y[k] + dir * h0 * f0[k];
  f(t0 + dir * h0, y1, f1);
  const V d2 = simd::sqrt(detail::hinit_diff<T, V>(norm, y, f0, f1, n) / T(nm)) / h0;
  return detail::hinit_final<T>(d1, d2, h0, span, Tab::order);
}

}  // namespace odeflow
