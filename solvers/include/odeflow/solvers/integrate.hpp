// Device-callable solve of one trajectory: adaptive or fixed step, final state or states at requested times.
#pragma once

#include <odeflow/solvers/initial_step.hpp>
#include <odeflow/solvers/solve_options.hpp>
#include <odeflow/solvers/state.hpp>
#include <odeflow/solvers/statistics.hpp>
#include <odeflow/solvers/stepper.hpp>

#include <Kokkos_MathematicalFunctions.hpp>
#include <Kokkos_NumericTraits.hpp>
#include <Kokkos_Macros.hpp>

namespace odeflow {

/// An observer that records nothing (final state only).
struct NoSaveAt {
  KOKKOS_FUNCTION static constexpr int size() { return 0; }
  template <class T>
  KOKKOS_FUNCTION T time(int) const { return T(0); }
  template <class V>
  KOKKOS_FUNCTION void save(int, const V&) const {}
};

/// Requested output times t_save[0 .. m) (monotone in the direction of
/// integration, inside [t0, t1]) and where to put the states: `save(j, y)` is
/// called once per j, in order, with the state at t_save[j].
/// `Times` indexes with `()`/`[]`-free access through `time(j)`.
template <class T, class Saver>
struct SaveAt {
  const T* times = nullptr;
  int m = 0;
  Saver saver;
  KOKKOS_FUNCTION int size() const { return m; }
  template <class U = T>
  KOKKOS_FUNCTION U time(int j) const { return times[j]; }
  template <class V>
  KOKKOS_FUNCTION void save(int j, const V& y) const { saver(j, y); }
};

namespace detail {

template <class V, class W>
KOKKOS_FUNCTION void copy_vec(const V& src, W&& dst, int n) {
  for (int k = 0; k < n; ++k) dst[k] = src[k];
}

template <class V>
KOKKOS_FUNCTION bool all_finite(const V& v, int n) {
  bool ok = true;
  for (int k = 0; k < n; ++k) ok = ok && Kokkos::isfinite(v[k]);
  return ok;
}

template <class T>
KOKKOS_FUNCTION bool options_valid(const SolveOptions<T>& o, T t0, T t1) {
  auto pos_finite = [](T x) { return Kokkos::isfinite(x) && x > T(0); };
  auto nonneg_finite = [](T x) { return Kokkos::isfinite(x) && x >= T(0); };
  if (!Kokkos::isfinite(t0) || !Kokkos::isfinite(t1)) return false;
  if (!nonneg_finite(o.dt) || !nonneg_finite(o.dt0) || !nonneg_finite(o.dt_min) ||
      !nonneg_finite(o.dt_max))
    return false;
  if (o.max_steps <= 0) return false;
  if (o.dt == T(0)) {
    if (!nonneg_finite(o.norm.rtol) || !nonneg_finite(o.norm.atol)) return false;
    if (!pos_finite(o.norm.rtol + o.norm.atol)) return false;
  }
  return true;
}

/// Saves every requested time in (t, t + h] (direction-aware) of the step just
/// accepted, by the continuous extension, or the new state when it lands on it.
template <class Tab, class F, class T, class Y, class WS, class Save>
KOKKOS_FUNCTION void save_in_step(const F& f, T t, T h, T t_new, const Y& y, WS& ws,
                                  const Save& save_at, int& next_save, Statistics<T>& st) {
  const T dir = h > T(0) ? T(1) : T(-1);
  bool dense_ready = false;
  while (next_save < save_at.size()) {
    const T ts = save_at.template time<T>(next_save);
    if (dir * (ts - t_new) > T(0)) break;
    if (ts == t_new) {
      save_at.save(next_save, ws.vec(slot_ynew_v<Tab>));
    } else {
      if constexpr (has_dense_output_v<Tab>) {
        if (!dense_ready) {
          rk_dense_stages<Tab>(f, t, h, y, ws);
          st.nfe += (Tab::num_dense_stages > Tab::num_stages)
                        ? Tab::num_dense_stages - Tab::num_stages
                        : 0;
          dense_ready = true;
        }
        auto&& out = ws.vec(slot_tmp_v<Tab>);
        rk_interpolate<Tab>((ts - t) / h, h, y, ws, out);
        save_at.save(next_save, out);
      } else {
        save_at.save(next_save, ws.vec(slot_ynew_v<Tab>));  // unreachable: steps land on save times
      }
    }
    ++next_save;
  }
}

}  // namespace detail

/// Integrates one trajectory of y' = f(t, y) from t0 to t1 (t1 < t0 integrates
/// backwards) with the explicit Runge-Kutta tableau Tab, inside a kernel or on host.
///
/// - `f(t, y, dydt)`: the vector field; `y` and `dydt` index components with `[k]`.
/// - `y`: the initial state on entry (dimension ws.dim()); on return the state at
///   `stats.t` (t1 on success, the last good state otherwise).
/// - `ws`: StaticWorkspaceFor<Tab, N> (registers) or a SpanWorkspace over
///   workspace_size<Tab>(n) caller-owned scalars.
/// - `opt`: tolerances and controller; opt.dt > 0 runs a fixed step (any method),
///   otherwise the method must be embedded and runs adaptively.
/// - `save_at`: requested times; methods with a continuous extension interpolate
///   (steps are not shortened), others step exactly onto them.
///
/// Returns the status (also in `stats.status`). t1 == t0 returns y unchanged with success.
/// No allocation, exception or virtual call: callable from any Kokkos kernel.
template <class Tab, class F, class Y, class WS, class Save = NoSaveAt>
KOKKOS_FUNCTION Status integrate(const F& f, typename Tab::value_type t0,
                                 typename Tab::value_type t1, Y&& y, WS& ws,
                                 const SolveOptions<typename Tab::value_type>& opt,
                                 Statistics<typename Tab::value_type>& st,
                                 const Save& save_at = Save{}) {
  using T = typename Tab::value_type;
  constexpr int s = Tab::num_stages;
  const int n = ws.dim();
  st = Statistics<T>{};
  st.t = t0;
  const bool fixed = opt.dt > T(0);
  if (!detail::options_valid(opt, t0, t1) || (!fixed && !is_embedded_v<Tab>)) {
    st.status = Status::invalid_argument;
    return st.status;
  }
  int next_save = 0;
  // Save times at t0 (before any step).
  while (next_save < save_at.size() && save_at.template time<T>(next_save) == t0) {
    save_at.save(next_save, y);
    ++next_save;
  }
  if (t1 == t0) return st.status;
  const T dir = t1 > t0 ? T(1) : T(-1);
  const T span = Kokkos::fabs(t1 - t0);
  const T eps = Kokkos::Experimental::epsilon<T>::value;
  const T dt_max = opt.dt_max > T(0) ? opt.dt_max : span;

  auto&& k0 = ws.vec(0);
  auto&& ynew = ws.vec(slot_ynew_v<Tab>);
  T t = t0;
  bool k0_valid = false;

  auto eval_k0 = [&]() -> bool {
    f(t, y, k0);
    ++st.nfe;
    k0_valid = true;
    return detail::all_finite(k0, n);
  };
  auto accept = [&](T t_new, T h) {
    detail::save_in_step<Tab>(f, t, h, t_new, y, ws, save_at, next_save, st);
    detail::copy_vec(ynew, y, n);
    t = t_new;
    st.t = t;
    ++st.accepted;
    if constexpr (Tab::fsal) {
      detail::copy_vec(ws.vec(s - 1), k0, n);
    } else {
      k0_valid = false;
    }
  };
  // The end of the next step: the final time, or the next save time when the
  // method cannot interpolate.
  auto step_target = [&]() -> T {
    if constexpr (!has_dense_output_v<Tab>) {
      if (next_save < save_at.size()) {
        const T ts = save_at.template time<T>(next_save);
        if (dir * (ts - t1) < T(0)) return ts;
      }
    }
    return t1;
  };

  if (fixed) {
    // Grid t0 + i dt (i < nsteps), ending exactly at t1, as torchdiffeq's fixed-grid solvers.
    const T h_mag = Kokkos::fmin(opt.dt, span);
    const T ratio = span / h_mag;
    T nst = Kokkos::round(ratio);
    if (Kokkos::fabs(ratio - nst) > T(64) * eps * ratio) nst = Kokkos::ceil(ratio);
    const long nsteps = static_cast<long>(nst);
    long i = 0;
    while (i < nsteps) {
      if (st.accepted >= opt.max_steps) {
        st.status = Status::max_steps_reached;
        break;
      }
      if (!k0_valid && !eval_k0()) {
        st.status = Status::non_finite;
        break;
      }
      const T grid_end = (i + 1 == nsteps) ? t1 : t0 + dir * T(i + 1) * h_mag;
      T target = step_target();
      const bool to_save = dir * (target - grid_end) < T(0);
      if (!to_save) target = grid_end;
      const T h = target - t;
      rk_step<Tab>(f, t, h, y, ws);
      st.nfe += s - 1;
      if (!detail::all_finite(ynew, n) || (Tab::fsal && !detail::all_finite(ws.vec(s - 1), n))) {
        st.status = Status::non_finite;
        break;
      }
      accept(target, h);
      st.dt_last = h;
      if (!to_save) ++i;
    }
    return st.status;
  }

  // Adaptive.
  if (!eval_k0()) {
    st.status = Status::non_finite;
    return st.status;
  }
  T h_mag = opt.dt0 > T(0) ? opt.dt0
                           : initial_step<Tab>(f, t0, t1, y, ws, opt.norm, st.nfe);
  h_mag = Kokkos::fmin(h_mag, dt_max);
  ControllerState<T> cs = opt.controller.initial_state();
  bool last_nonfinite = false;
  int attempts = 0;
  while (true) {
    if (!k0_valid && !eval_k0()) {
      st.status = Status::non_finite;
      break;
    }
    if (attempts >= opt.max_steps) {
      st.status = Status::max_steps_reached;
      break;
    }
    const T target = step_target();
    const T remaining = Kokkos::fabs(target - t);
    const T min_step = Kokkos::fmax(opt.dt_min, T(16) * eps * Kokkos::fabs(t));
    if (h_mag < min_step && remaining > min_step) {
      st.status = last_nonfinite ? Status::non_finite : Status::dt_underflow;
      break;
    }
    // Land exactly on the target when the step reaches or nearly reaches it.
    const bool lands = h_mag >= remaining * (T(1) - T(4) * eps);
    const T h = lands ? target - t : dir * h_mag;
    const T t_new = lands ? target : t + h;
    rk_step<Tab>(f, t, h, y, ws);
    st.nfe += s - 1;
    ++attempts;
    bool finite = true;
    const T err = rk_error<Tab>(opt.norm, h, y, ws, finite);
    const bool ok = finite && Kokkos::isfinite(err);
    const bool acc = ok && err <= T(1);
    if (!ok) {
      // Non-finite trial: shrink hard and retry; if that cannot help, the status says non_finite.
      ++st.rejected;
      last_nonfinite = true;
      cs.last_rejected = true;
      h_mag = Kokkos::fabs(h) * opt.controller.fac_min;
      st.dt_last = dir * h_mag;
      continue;
    }
    const T fac = opt.controller.factor(err, acc, cs);
    if (acc) {
      last_nonfinite = false;
      accept(t_new, h);
      const T h_next = Kokkos::fmin(Kokkos::fabs(h) * fac, dt_max);
      // A step shortened only to land on a target does not shrink the next one.
      h_mag = (lands && fac >= T(1)) ? Kokkos::fmax(h_next, Kokkos::fmin(h_mag, dt_max)) : h_next;
      st.dt_last = dir * h_mag;
      if (t == t1) break;
    } else {
      ++st.rejected;
      h_mag = Kokkos::fabs(h) * fac;
      st.dt_last = dir * h_mag;
    }
  }
  return st.status;
}

}  // namespace odeflow
