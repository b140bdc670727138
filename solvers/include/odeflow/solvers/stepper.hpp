// Explicit Runge-Kutta stepper: stages of one step, error estimate and continuous extension for any ExplicitTableau.
#pragma once

#include <odeflow/solvers/detail/static_for.hpp>
#include <odeflow/solvers/error_norm.hpp>
#include <odeflow/solvers/state.hpp>
#include <odeflow/solvers/tableau.hpp>

#include <Kokkos_Macros.hpp>

#include <type_traits>
#include <utility>

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

/// Per lane: all n components finite. x - x is 0 for finite x and NaN otherwise, so
/// one sum and one comparison replace n mask operations.
template <class Vec>
KOKKOS_FORCEINLINE_FUNCTION auto all_finite(const Vec& v, int n) {
  using V = std::remove_cvref_t<decltype(v[0])>;
  V z(scalar_t<V>(0));
  for (int k = 0; k < n; ++k) z += v[k] - v[k];
  return mask_t<V>(z == scalar_t<V>(0));
}

/// acc = sum_{j<I} coefficient(j) * k_j[k], skipping zero coefficients at compile time.
template <int I, class Coef, class WS, class V>
KOKKOS_FORCEINLINE_FUNCTION void stage_sum(const WS& ws, int k, V& acc, Coef) {
  static_for<I>([&](auto j) ODEFLOW_INLINE_LAMBDA {
    // decltype(j)::value, not j: std::integral_constant's conversion operator is a
    // constexpr __host__ function that CUDA device code may not call.
    constexpr int jj = decltype(j)::value;
    constexpr auto cj = Coef::template value<jj>;
    if constexpr (cj != decltype(cj)(0)) acc = simd::fma(V(cj), V(ws.vec(jj)[k]), acc);
  });
}

/// The coefficients of one tableau row times the step: hc[j] = h * coefficient(j), j < I,
/// computed once per stage (the same products in every execution model, so the same bits).
template <int I, class H>
struct ScaledRow {
  H hc[I > 0 ? I : 1];
};
template <int I, class Coef, class H>
KOKKOS_FORCEINLINE_FUNCTION ScaledRow<I, H> scaled_row(const H& h, Coef) {
  ScaledRow<I, H> r{};
  static_for<I>([&](auto j) ODEFLOW_INLINE_LAMBDA {
    constexpr int jj = decltype(j)::value;
    constexpr auto cj = Coef::template value<jj>;
    if constexpr (cj != decltype(cj)(0)) r.hc[jj] = h * H(cj);
  });
  return r;
}

/// Index of the first nonzero coefficient of a row (I when all are zero).
template <class Coef, int... J>
KOKKOS_INLINE_FUNCTION constexpr int first_nonzero(std::integer_sequence<int, J...>) {
  int first = static_cast<int>(sizeof...(J));
  ((first = (first == static_cast<int>(sizeof...(J)) &&
             Coef::template value<J> != decltype(Coef::template value<J>)(0))
                ? J
                : first),
   ...);
  return first;
}

/// Index of the last nonzero coefficient of a row (I when all are zero).
template <class Coef, int... J>
KOKKOS_INLINE_FUNCTION constexpr int last_nonzero(std::integer_sequence<int, J...>) {
  int last = static_cast<int>(sizeof...(J));
  ((last = Coef::template value<J> != decltype(Coef::template value<J>)(0) ? J : last), ...);
  return last;
}

/// The state of a stage: y_k + sum_{j<I} hc_j k_j[k]. The terms of the older stages are summed
/// left to right and added to y_k; the newest stage's term comes last, as one fma onto that.
/// So between one stage's field and the next stage's state the step's critical path holds
/// one fma, and a row with one term (RK4's stages) costs one fma and one rounding. Every
/// execution model computes stage states with this function, so all give the same bits.
template <int I, class Coef, class V, class WS, class H>
KOKKOS_FORCEINLINE_FUNCTION V stage_state(const V& yk, const WS& ws, int k, const ScaledRow<I, H>& row, Coef) {
  constexpr int first = first_nonzero<Coef>(std::make_integer_sequence<int, I>{});
  constexpr int last = last_nonzero<Coef>(std::make_integer_sequence<int, I>{});
  if constexpr (first == I) {
    return yk;
  } else {
    V acc = yk;
    if constexpr (first != last) {
      V older(scalar_t<V>(0));
      static_for<last>([&](auto j) ODEFLOW_INLINE_LAMBDA {
        constexpr int jj = decltype(j)::value;
        constexpr auto cj = Coef::template value<jj>;
        if constexpr (jj == first) {
          older = V(row.hc[jj]) * V(ws.vec(jj)[k]);
        } else if constexpr (cj != decltype(cj)(0)) {
          older = simd::fma(V(row.hc[jj]), V(ws.vec(jj)[k]), older);
        }
      });
      acc = acc + older;
    }
    return simd::fma(V(row.hc[last]), V(ws.vec(last)[k]), acc);
  }
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

/// Where rk_step takes a stage's scaled row from: computed from the step, here h * a_ij per stage.
template <class H>
struct ComputedRows {
  H h;
  template <int I, class Coef>
  KOKKOS_FORCEINLINE_FUNCTION ScaledRow<I, H> row() const {
    return scaled_row<I>(h, Coef{});
  }
};
}  // namespace detail

/// The scaled rows of every stage of one step (h times row i of A for 0 < i < s, and h times b),
/// for a step size shared by all lanes. A fixed-step solve computes them only when the step size
/// changes (on a uniform grid it changes in its last bits now and then) instead of in every step:
/// the products and their broadcasts into the lanes leave the step. They are the products
/// rk_step would compute (h * coefficient, in T), so the step's bits are the same.
template <class Tab>
struct StepRows {
  /// Scalar type of the tableau.
  using T = typename Tab::value_type;
  /// hc[i][j] = h * a_ij (i < s; j < i), hc[s][j] = h * b_j; other entries unused.
  T hc[Tab::num_stages + 1][Tab::num_stages] = {};
  /// The step size the rows belong to (NaN until set: then no step size matches).
  T h = Kokkos::Experimental::quiet_NaN<T>::value;

  /// Recomputes the rows for step size hh unless they already belong to it.
  KOKKOS_FORCEINLINE_FUNCTION void set(T hh) {
    if (hh == h) return;
    h = hh;
    detail::static_for<Tab::num_stages>([&](auto im1) ODEFLOW_INLINE_LAMBDA {
      constexpr int i = decltype(im1)::value + 1;
      if constexpr (i < Tab::num_stages) {
        fill<i>(detail::scaled_row<i>(hh, detail::RowA<Tab, i>{}));
      } else {
        fill<i>(detail::scaled_row<i>(hh, detail::RowB<Tab>{}));
      }
    });
  }
  /// Row I as rk_step uses it (Coef: RowA<Tab, I> or, for I = s, RowB<Tab>).
  template <int I, class Coef>
  KOKKOS_FORCEINLINE_FUNCTION detail::ScaledRow<I, T> row() const {
    detail::ScaledRow<I, T> r;
    for (int j = 0; j < I; ++j) r.hc[j] = hc[I][j];
    return r;
  }

 private:
  template <int I>
  KOKKOS_FORCEINLINE_FUNCTION void fill(const detail::ScaledRow<I, T>& r) {
    for (int j = 0; j < I; ++j) hc[I][j] = r.hc[j];
  }
};

/// Workspace slots: vec(i) for i < num_stored_stages_v<Tab> holds stage k_i;
/// then the new state, then a temporary. This one: the slot of the new state y_{n+1}.
template <class Tab>
inline constexpr int slot_ynew_v = num_stored_stages_v<Tab>;
/// Workspace slot of the temporary vector.
template <class Tab>
inline constexpr int slot_tmp_v = num_stored_stages_v<Tab> + 1;

/// One explicit Runge-Kutta step of tableau Tab from (t, y) with step h:
/// stages k_1 .. k_{s-1} (k_0 = f(t, y) must already be in ws.vec(0)) and
/// y_new = y + h sum_i b_i k_i in ws.vec(slot_ynew_v<Tab>). For an FSAL method the
/// last stage is f(t + h, y_new). Evaluates f num_stages - 1 times.
///
/// `f(t, y, dydt)`: the vector field; `y` and the workspace vectors index
/// components with `[k]`, k < ws.dim().
///
/// `rows`: where the scaled rows h * a_ij come from (the overload without it computes them;
/// StepRows holds them precomputed for a step size shared by all lanes).
template <class Tab, class F, class TT, class Y, class WS, class Rows>
KOKKOS_FORCEINLINE_FUNCTION void rk_step(const F& f, TT t, TT h, const Y& y, WS& ws, const Rows& rows) {
  constexpr int s = Tab::num_stages;
  const int n = ws.dim();
  detail::static_for<s - 1>([&](auto im1) ODEFLOW_INLINE_LAMBDA {
    constexpr int i = decltype(im1)::value + 1;
    constexpr bool into_ynew = Tab::fsal && i == s - 1;
    const auto row = rows.template row<i, detail::RowA<Tab, i>>();
    auto stage = [&](auto&& dst) ODEFLOW_INLINE_LAMBDA {
      for (int k = 0; k < n; ++k) {
        using V = std::remove_cvref_t<decltype(y[k] * h)>;
        dst[k] = detail::stage_state<i, detail::RowA<Tab, i>>(V(y[k]), ws, k, row, {});
      }
      auto&& ki = ws.vec(i);
      f(t + detail::coef_c<Tab, i> * h, dst, ki);
    };
    if constexpr (is_static_workspace_v<std::remove_cvref_t<WS>> && !into_ynew) {
      // A compile-time dimension: the stage state in a local vector rather than the workspace's
      // temporary, so that it can stay in registers (nothing reads it after the field).
      typename std::remove_cvref_t<WS>::vector_type dst;
      stage(dst);
    } else {
      stage(ws.vec(into_ynew ? slot_ynew_v<Tab> : slot_tmp_v<Tab>));
    }
  });
  if constexpr (!Tab::fsal) {
    auto&& ynew = ws.vec(slot_ynew_v<Tab>);
    const auto row = rows.template row<s, detail::RowB<Tab>>();
    for (int k = 0; k < n; ++k) {
      using V = std::remove_cvref_t<decltype(y[k] * h)>;
      ynew[k] = detail::stage_state<s, detail::RowB<Tab>>(V(y[k]), ws, k, row, {});
    }
  }
}
/// rk_step computing the scaled rows from h.
template <class Tab, class F, class TT, class Y, class WS>
KOKKOS_FORCEINLINE_FUNCTION void rk_step(const F& f, TT t, TT h, const Y& y, WS& ws) {
  rk_step<Tab>(f, t, h, y, ws, detail::ComputedRows<TT>{h});
}

/// Scaled error norm of the step just taken by rk_step (err = h sum_i e_i k_i),
/// per lane, and in `finite` whether y_new is finite. For tableaus with a dual
/// estimate (DOP853) the two estimates combine as in Hairer's dop853.f:
/// err = |h| E5 / sqrt(n (E5 + 0.01 E3)), E = sum of squared scaled components.
/// In `ln_err` its logarithm for the controller (ErrorNorm::finish_ln; for DOP853 simd::ln(err)).
/// In `ok` whether y_new and the norm are finite, in `within` whether the norm is at most 1
/// (ErrorNorm::within: decided without the RMS norm's square root, so that a loop that reads
/// only these and `ln_err` leaves the square root out).
template <class Tab, class T, class V, class Y, class WS>
KOKKOS_FORCEINLINE_FUNCTION V rk_error(const ErrorNorm<T>& norm, const V& h, const Y& y, const WS& ws,
                           mask_t<V>& finite, V& ln_err, mask_t<V>& ok, mask_t<V>& within) {
  constexpr int s = Tab::num_stages;
  const int n_all = ws.dim();
  auto&& ynew = ws.vec(slot_ynew_v<Tab>);
  auto&& f0 = ws.vec(0);
  V acc(T(0)), acc2(T(0));
  auto sweep = [&](int m) ODEFLOW_INLINE_LAMBDA {
    for (int k = 0; k < m; ++k) {
      V e(T(0));
      detail::stage_sum<s>(ws, k, e, detail::RowE<Tab>{});
      if constexpr (has_dual_error_estimate<Tab>()) {
        V e2(T(0));
        detail::stage_sum<s>(ws, k, e2, detail::RowE2<Tab>{});
        const V sc = norm.atol + norm.rtol * simd::max(simd::abs(V(y[k])), simd::abs(V(ynew[k])));
        acc += (e / sc) * (e / sc);
        acc2 += (e2 / sc) * (e2 / sc);
      } else {
        const V sk = norm.scaled(V(h * e), V(y[k]), V(ynew[k]), V(f0[k]), h);
        if (k == 0 && norm.kind == ErrorNormKind::rms) {
          acc = sk * sk;  // 0 + s * s bitwise, without the addition the sum would wait for
        } else {
          norm.accumulate(acc, sk);
        }
      }
    }
  };
  // y_new's finiteness over every component, passive ones too (placed first: after the sweep
  // the step measured 2.5% slower).
  finite = detail::all_finite(ynew, n_all);
  // Two calls of the same loop: with every component measured (the usual case) its trip count
  // is the workspace's, a compile-time constant for PerTrajectory<N>, so the loop can unroll as
  // before passive components existed; with passive components, the measured prefix.
  const int n = norm.measured(n_all);
  if (n < n_all) {
    sweep(n);
  } else {
    sweep(n_all);
  }
  if constexpr (has_dual_error_estimate<Tab>()) {
    V deno = acc + T(0.01) * acc2;
    deno = simd::select(mask_t<V>(deno > T(0)), deno, V(T(1)));
    const V err = simd::abs(h) * acc * simd::sqrt(T(1) / (T(n) * deno));
    ln_err = simd::ln(err);
    ok = finite & simd::isfinite(err);
    within = err <= T(1);
    return err;
  } else {
    ln_err = norm.finish_ln(acc, n);
    // acc is >= 0, +Inf or NaN: finite exactly when the norm is.
    ok = finite & simd::isfinite(acc);
    within = norm.within(acc, n);
    return norm.finish(acc, n);
  }
}
/// rk_error without the acceptance masks.
template <class Tab, class T, class V, class Y, class WS>
KOKKOS_FORCEINLINE_FUNCTION V rk_error(const ErrorNorm<T>& norm, const V& h, const Y& y, const WS& ws,
                                       mask_t<V>& finite, V& ln_err) {
  mask_t<V> ok, within;
  return rk_error<Tab>(norm, h, y, ws, finite, ln_err, ok, within);
}
/// rk_error without the logarithm.
template <class Tab, class T, class V, class Y, class WS>
KOKKOS_FORCEINLINE_FUNCTION V rk_error(const ErrorNorm<T>& norm, const V& h, const Y& y, const WS& ws,
                                       mask_t<V>& finite) {
  V ln_err;
  return rk_error<Tab>(norm, h, y, ws, finite, ln_err);
}

/// Evaluates the extra stages a continuous extension needs (DOP853), after rk_step
/// and with y still the step's starting state. Evaluates f num_dense_stages - num_stages times.
template <class Tab, class F, class TT, class Y, class WS>
KOKKOS_FUNCTION void rk_dense_stages(const F& f, TT t, TT h, const Y& y, WS& ws) {
  constexpr int s = Tab::num_stages;
  constexpr int extra = Tab::num_dense_stages > s ? Tab::num_dense_stages - s : 0;
  const int n = ws.dim();
  detail::static_for<extra>([&](auto im) ODEFLOW_INLINE_LAMBDA {
    constexpr int i = decltype(im)::value + s;
    auto&& dst = ws.vec(slot_tmp_v<Tab>);
    const auto row = detail::scaled_row<i>(h, detail::RowA<Tab, i>{});
    for (int k = 0; k < n; ++k) {
      using V = std::remove_cvref_t<decltype(y[k] * h)>;
      dst[k] = detail::stage_state<i, detail::RowA<Tab, i>>(V(y[k]), ws, k, row, {});
    }
    auto&& ki = ws.vec(i);
    f(t + detail::coef_c<Tab, i> * h, dst, ki);
  });
}

namespace detail {
/// The continuous extension's weights b_i(theta) = sum_p d_{i,p} theta^(p+1), i < num_dense_stages,
/// by Horner's rule (rk_interpolate and the team solver's interpolation share them).
template <class Tab, class T>
KOKKOS_FORCEINLINE_FUNCTION void dense_weights(T theta, T* bt) {
  constexpr int deg = Tab::dense_degree;
  constexpr Tab tab{};
  for (int i = 0; i < Tab::num_dense_stages; ++i) {
    T acc = 0;
    for (int p = deg - 1; p >= 0; --p) acc = (acc + tab.d[i * deg + p]) * theta;
    bt[i] = acc;
  }
}
}  // namespace detail

/// Continuous extension for lane l: out[k] = y_l[k] + h sum_i b_i(theta) k_i,l[k], theta in [0, 1],
/// after rk_step (and rk_dense_stages when the method has extra dense stages).
/// For scalar value types l is ignored.
template <class Tab, class T, class Y, class WS, class Out>
KOKKOS_FUNCTION void rk_interpolate(T theta, T h, const Y& y, const WS& ws, int l, Out&& out) {
  static_assert(Tab::dense_order > 0, "the method has no continuous extension");
  constexpr int ds = Tab::num_dense_stages;
  T bt[ds];
  detail::dense_weights<Tab>(theta, bt);
  const int n = ws.dim();
  for (int k = 0; k < n; ++k) {
    T acc = 0;
    for (int i = 0; i < ds; ++i) acc = simd::fma(bt[i], T(simd::lane(ws.vec(i)[k], l)), acc);
    out[k] = simd::fma(h, acc, T(simd::lane(y[k], l)));
  }
}

}  // namespace odeflow
