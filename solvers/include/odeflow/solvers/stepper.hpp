// Explicit Runge-Kutta stepper: stages of one step, error estimate and continuous extension for any ExplicitTableau.
#pragma once

#include <odeflow/solvers/detail/static_for.hpp>
#include <odeflow/solvers/error_norm.hpp>
#include <odeflow/solvers/tableau.hpp>

#include <Kokkos_MathematicalFunctions.hpp>
#include <Kokkos_Macros.hpp>

namespace odeflow {

namespace detail {
/// Coefficient a_ij of tableau Tab as a constant expression (folded into the code).
template <class Tab, int I, int J>
inline constexpr typename Tab::value_type coef_a = Tab{}.a[I * num_stored_stages_v<Tab> + J];
template <class Tab, int I>
inline constexpr typename Tab::value_type coef_b = Tab{}.b[I];
template <class Tab, int I>
inline constexpr typename Tab::value_type coef_c = Tab{}.c[I];
template <class Tab, int I>
inline constexpr typename Tab::value_type coef_e = Tab{}.e[I];
template <class Tab, int I>
constexpr typename Tab::value_type coef_e2() {
  if constexpr (has_dual_error_estimate<Tab>()) {
    return Tab{}.e2[I];
  } else {
    return typename Tab::value_type(0);
  }
}

/// acc = sum_{j<I} coefficient(j) * k_j[k], skipping zero coefficients at compile time.
template <int I, class Coef, class WS, class V>
KOKKOS_FORCEINLINE_FUNCTION void stage_sum(const WS& ws, int k, V& acc, Coef) {
  static_for<I>([&](auto j) {
    constexpr auto cj = Coef::template value<decltype(j)::value>;
    if constexpr (cj != decltype(cj)(0)) acc += cj * ws.vec(j)[k];
  });
}

template <class Tab, int I>
struct RowA {
  template <int J>
  static constexpr typename Tab::value_type value = coef_a<Tab, I, J>;
};
template <class Tab>
struct RowB {
  template <int J>
  static constexpr typename Tab::value_type value = coef_b<Tab, J>;
};
template <class Tab>
struct RowE {
  template <int J>
  static constexpr typename Tab::value_type value = coef_e<Tab, J>;
};
template <class Tab>
struct RowE2 {
  template <int J>
  static constexpr typename Tab::value_type value = coef_e2<Tab, J>();
};
}  // namespace detail

/// Workspace slots: vec(i) for i < num_stored_stages_v<Tab> holds stage k_i;
/// then the new state, then a temporary.
template <class Tab>
inline constexpr int slot_ynew_v = num_stored_stages_v<Tab>;
template <class Tab>
inline constexpr int slot_tmp_v = num_stored_stages_v<Tab> + 1;

/// One explicit Runge-Kutta step of tableau Tab from (t, y) with step h:
/// stages k_1 .. k_{s-1} (k_0 = f(t, y) must already be in ws.vec(0)) and
/// y_new = y + h sum_i b_i k_i in ws.vec(slot_ynew_v<Tab>). For an FSAL method the
/// last stage is f(t + h, y_new). Evaluates f num_stages - 1 times.
///
/// `f(t, y, dydt)`: the vector field; `y` and the workspace vectors index
/// components with `[k]`, k < ws.dim().
template <class Tab, class F, class TT, class Y, class WS>
KOKKOS_FUNCTION void rk_step(const F& f, TT t, TT h, const Y& y, WS& ws) {
  constexpr int s = Tab::num_stages;
  const int n = ws.dim();
  detail::static_for<s - 1>([&](auto im1) {
    constexpr int i = decltype(im1)::value + 1;
    constexpr int dst_slot = (Tab::fsal && i == s - 1) ? slot_ynew_v<Tab> : slot_tmp_v<Tab>;
    auto&& dst = ws.vec(dst_slot);
    for (int k = 0; k < n; ++k) {
      auto acc = decltype(y[k] * h)(0);
      detail::stage_sum<i>(ws, k, acc, detail::RowA<Tab, i>{});
      dst[k] = y[k] + h * acc;
    }
    auto&& ki = ws.vec(i);
    f(t + detail::coef_c<Tab, i> * h, dst, ki);
  });
  if constexpr (!Tab::fsal) {
    auto&& ynew = ws.vec(slot_ynew_v<Tab>);
    for (int k = 0; k < n; ++k) {
      auto acc = decltype(y[k] * h)(0);
      detail::stage_sum<s>(ws, k, acc, detail::RowB<Tab>{});
      ynew[k] = y[k] + h * acc;
    }
  }
}

/// Scaled error norm of the step just taken by rk_step (err = h sum_i e_i k_i),
/// and whether y_new is finite. For tableaus with a dual estimate (DOP853), the
/// two estimates are combined as in Hairer's dop853.f:
/// err = |h| E5 / sqrt(n (E5 + 0.01 E3)) with E = sum of squared scaled components.
template <class Tab, class T, class Y, class WS>
KOKKOS_FUNCTION T rk_error(const ErrorNorm<T>& norm, T h, const Y& y, const WS& ws, bool& finite) {
  constexpr int s = Tab::num_stages;
  const int n = ws.dim();
  auto&& ynew = ws.vec(slot_ynew_v<Tab>);
  auto&& f0 = ws.vec(0);
  T acc = 0, acc2 = 0;
  bool ok = true;
  for (int k = 0; k < n; ++k) {
    ok = ok && Kokkos::isfinite(ynew[k]);
    T e = 0;
    detail::stage_sum<s>(ws, k, e, detail::RowE<Tab>{});
    if constexpr (has_dual_error_estimate<Tab>()) {
      T e2 = 0;
      detail::stage_sum<s>(ws, k, e2, detail::RowE2<Tab>{});
      const T sc = norm.atol + norm.rtol * Kokkos::fmax(Kokkos::fabs(y[k]), Kokkos::fabs(ynew[k]));
      acc += (e / sc) * (e / sc);
      acc2 += (e2 / sc) * (e2 / sc);
    } else {
      norm.accumulate(acc, norm.scaled(h * e, y[k], ynew[k], f0[k], h));
    }
  }
  finite = ok;
  if constexpr (has_dual_error_estimate<Tab>()) {
    T deno = acc + T(0.01) * acc2;
    if (!(deno > T(0))) deno = T(1);
    return Kokkos::fabs(h) * acc * Kokkos::sqrt(T(1) / (T(n) * deno));
  } else {
    return norm.finish(acc, n);
  }
}

/// Evaluates the extra stages a continuous extension needs (DOP853), after rk_step
/// and with y still the step's starting state. Evaluates f num_dense_stages - num_stages times.
template <class Tab, class F, class TT, class Y, class WS>
KOKKOS_FUNCTION void rk_dense_stages(const F& f, TT t, TT h, const Y& y, WS& ws) {
  constexpr int s = Tab::num_stages;
  constexpr int extra = Tab::num_dense_stages > s ? Tab::num_dense_stages - s : 0;
  const int n = ws.dim();
  detail::static_for<extra>([&](auto im) {
    constexpr int i = decltype(im)::value + s;
    auto&& dst = ws.vec(slot_tmp_v<Tab>);
    for (int k = 0; k < n; ++k) {
      auto acc = decltype(y[k] * h)(0);
      detail::stage_sum<i>(ws, k, acc, detail::RowA<Tab, i>{});
      dst[k] = y[k] + h * acc;
    }
    auto&& ki = ws.vec(i);
    f(t + detail::coef_c<Tab, i> * h, dst, ki);
  });
}

/// Continuous extension: out = y + h sum_i b_i(theta) k_i, theta in [0, 1], after
/// rk_step (and rk_dense_stages when the method has extra dense stages).
template <class Tab, class TT, class Y, class WS, class Out>
KOKKOS_FUNCTION void rk_interpolate(TT theta, TT h, const Y& y, const WS& ws, Out& out) {
  static_assert(Tab::dense_order > 0, "the method has no continuous extension");
  constexpr int ds = Tab::num_dense_stages;
  constexpr int deg = Tab::dense_degree;
  constexpr Tab tab{};
  TT bt[ds];
  for (int i = 0; i < ds; ++i) {
    TT acc = 0;
    for (int p = deg - 1; p >= 0; --p) acc = (acc + tab.d[i * deg + p]) * theta;
    bt[i] = acc;
  }
  const int n = ws.dim();
  for (int k = 0; k < n; ++k) {
    auto acc = decltype(y[k] * h)(0);
    for (int i = 0; i < ds; ++i) acc += bt[i] * ws.vec(i)[k];
    out[k] = y[k] + h * acc;
  }
}

}  // namespace odeflow
