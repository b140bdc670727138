// Device-callable solve of one trajectory (or one pack of SIMD lanes): adaptive or fixed step, final state or states at requested times.
#pragma once

#include <odeflow/solvers/initial_step.hpp>
#include <odeflow/solvers/simd.hpp>
#include <odeflow/solvers/solve_options.hpp>
#include <odeflow/solvers/state.hpp>
#include <odeflow/solvers/statistics.hpp>
#include <odeflow/solvers/stepper.hpp>

#include <Kokkos_Macros.hpp>
#include <Kokkos_MathematicalFunctions.hpp>
#include <Kokkos_NumericTraits.hpp>

namespace odeflow {

/// No requested output times (final state only).
struct NoSaveAt {
  /// No output times.
  KOKKOS_FUNCTION static constexpr int size() { return 0; }
  /// Never called.
  template <class T>
  KOKKOS_FUNCTION static constexpr T time(int) { return T(0); }
  /// Never called.
  template <class Vec>
  KOKKOS_FUNCTION void operator()(int, const Vec&) const {}
};

/// Requested output times `times[j]`, j < m (monotone in the direction of
/// integration, inside [t0, t1]) and where the states go: `saver(j, y)` is called
/// once per j, in increasing j, with the state at times[j] (`y[k]`, k < dim).
/// Methods with a continuous extension interpolate (steps are not shortened);
/// the others step exactly onto the times.
template <class T, class Saver>
struct SaveAt {
  /// Output times, m of them.
  const T* times = nullptr;
  /// Number of output times.
  int m = 0;
  /// Callable saver(j, y) receiving the state at times[j].
  Saver saver;
  /// m.
  KOKKOS_FUNCTION int size() const { return m; }
  /// times[j].
  template <class U = T>
  KOKKOS_FUNCTION U time(int j) const { return times[j]; }
  /// Passes the state at times[j] to the saver.
  template <class Vec>
  KOKKOS_FUNCTION void operator()(int j, const Vec& y) const { saver(j, y); }
};

/// Statistics of the lanes of one pack (or of one trajectory when V is a scalar).
template <class V>
struct LaneStatistics {
  /// Integer type with V's lanes.
  using I = rebind_t<V, int>;
  ///@{
  /// Function evaluations, accepted steps, rejected steps, Status (as int), per lane.
  I nfe, accepted, rejected, status;
  ///@}
  ///@{
  /// Time of the returned state and next step size, per lane.
  V t, dt_last;
  ///@}
};

namespace detail {

template <class V, class W>
KOKKOS_FORCEINLINE_FUNCTION void copy_vec(const V& src, W&& dst, int n) {
  for (int k = 0; k < n; ++k) dst[k] = src[k];
}

/// dst = m ? src : dst per lane and component.
template <class M, class V, class W>
KOKKOS_FORCEINLINE_FUNCTION void select_vec(const M& m, const V& src, W&& dst, int n) {
  for (int k = 0; k < n; ++k) dst[k] = simd::select(m, src[k], dst[k]);
}

template <class T>
KOKKOS_FUNCTION bool options_valid(const SolveOptions<T>& o, T t0, T t1, bool embedded) {
  auto nonneg_finite = [](T x) { return Kokkos::isfinite(x) && x >= T(0); };
  if (!Kokkos::isfinite(t0) || !Kokkos::isfinite(t1)) return false;
  if (!nonneg_finite(o.dt) || !nonneg_finite(o.dt0) || !nonneg_finite(o.dt_min) ||
      !nonneg_finite(o.dt_max))
    return false;
  if (o.max_steps <= 0) return false;
  if (o.dt == T(0)) {
    if (!embedded) return false;
    if (!nonneg_finite(o.norm.rtol) || !nonneg_finite(o.norm.atol)) return false;
    if (!(o.norm.rtol + o.norm.atol > T(0))) return false;
  }
  return true;
}

template <class P, std::size_t N>
KOKKOS_FUNCTION constexpr std::ptrdiff_t stride_of(const Kokkos::Array<P, N>&) { return 1; }
template <class P>
KOKKOS_FUNCTION constexpr std::ptrdiff_t stride_of(const StridedVector<P>& v) { return v.stride; }

template <class V, class Vec>
KOKKOS_FUNCTION auto make_lane(Vec&& v, int l) {
  using P = std::remove_cvref_t<decltype(v[0])>;
  return LaneView<P>{const_cast<P*>(&v[0]), stride_of(v), l};
}

/// Saves, for every active lane whose step (t, t_new] just got accepted, all
/// requested times inside it: by the continuous extension, or the new state when
/// the step landed on the time.
template <class Tab, class F, class T, class V, class Y, class WS, class Save, class Saver, class I>
KOKKOS_FUNCTION void save_in_step(const F& f, const V& t, const V& h, const V& t_new,
                                  const mask_t<V>& acc, const Y& y, WS& ws, const Save& save_at,
                                  I& next_save, I& nfe, const Saver& lane_saver) {
  constexpr int W = lanes_v<V>;
  const int m = save_at.size();
  if (m == 0) return;
  const T dir = simd::lane(h, 0) >= T(0) ? T(1) : T(-1);
  bool any_due = false;
  for (int l = 0; l < W; ++l) {
    const int j = simd::lane(next_save, l);
    any_due = any_due || (simd::lane(acc, l) && j < m &&
                          dir * (save_at.template time<T>(j) - simd::lane(t_new, l)) <= T(0));
  }
  if (!any_due) return;
  bool dense_ready = false;
  mask_t<V> used_dense(false);
  for (int l = 0; l < W; ++l) {
    if (!simd::lane(acc, l)) continue;
    int& j = simd::lane(next_save, l);
    const T tl = simd::lane(t, l), hl = simd::lane(h, l), tnl = simd::lane(t_new, l);
    while (j < m) {
      const T ts = save_at.template time<T>(j);
      if (dir * (ts - tnl) > T(0)) break;
      if (ts == tnl) {
        if constexpr (is_pack_v<V>) {
          lane_saver(l, j, make_lane<V>(ws.vec(slot_ynew_v<Tab>), l));
        } else {
          lane_saver(l, j, ws.vec(slot_ynew_v<Tab>));
        }
      } else {
        if constexpr (has_dense_output_v<Tab>) {
          if (!dense_ready) {
            rk_dense_stages<Tab>(f, t, h, y, ws);
            dense_ready = true;
          }
          simd::lane(used_dense, l) = true;
          auto&& out = ws.vec(slot_tmp_v<Tab>);
          if constexpr (is_pack_v<V>) {
            auto lv = make_lane<V>(out, l);
            rk_interpolate<Tab>((ts - tl) / hl, hl, y, ws, l, lv);
            lane_saver(l, j, lv);
          } else {
            rk_interpolate<Tab>((ts - tl) / hl, hl, y, ws, l, out);
            lane_saver(l, j, out);
          }
        }
      }
      ++j;
    }
  }
  if constexpr (Tab::num_dense_stages > Tab::num_stages) {
    // The extra stages count only in the lanes that interpolated.
    nfe = nfe + simd::select(used_dense, I(Tab::num_dense_stages - Tab::num_stages), I(0));
  }
}

/// Runs a solver's step loop `run(y, ws, with_saves)`. With a compile-time workspace
/// (StaticWorkspace) and nothing to save, on a local copy of y and a local workspace: the
/// caller's two may alias each other as far as the compiler knows, so on them every step
/// passes the new state and the FSAL stage through memory, while locals, which nothing
/// outside can see, stay in registers from step to step. The loops read only the derivative
/// at the start (slot 0) before writing a slot, so only that slot is copied in; y and slot 0
/// are copied back (the other slots are scratch). Otherwise on y and ws.
template <class Run, class Y, class WS>
KOKKOS_FORCEINLINE_FUNCTION void run_on_local_copies(Run& run, Y& y, WS& ws, bool no_saves) {
  if constexpr (is_static_workspace_v<std::remove_cvref_t<WS>> &&
                std::is_same_v<std::remove_cvref_t<Y>, typename std::remove_cvref_t<WS>::vector_type>) {
    if (no_saves) {
      std::remove_cvref_t<WS> ws_local{};  // zeros: a field may leave components unwritten
      ws_local.vec(0) = ws.vec(0);
      std::remove_cvref_t<Y> y_local = y;
      run(y_local, ws_local, std::false_type{});
      y = y_local;
      ws.vec(0) = ws_local.vec(0);
      return;
    }
  }
  run(y, ws, std::true_type{});
}
}  // namespace detail

/// The solver core, per lane. Integrates y' = f(t, y) from t0 to t1 for the
/// lanes set in `active` (V is a scalar: one trajectory; or Pack<T, W>: W
/// trajectories in SIMD lanes, each with its own step size, accepted or
/// rejected on its own, exactly as alone). `lane_saver(l, j, y_l)` receives
/// lane l's state at save time j. See integrate() for the rest.
template <class Tab, class F, class V, class Y, class WS, class Save, class LaneSaver>
KOKKOS_FUNCTION void integrate_lanes(const F& f, typename Tab::value_type t0,
                                     typename Tab::value_type t1, Y&& y, WS& ws,
                                     const SolveOptions<typename Tab::value_type>& opt,
                                     LaneStatistics<V>& st, mask_t<V> active,
                                     const Save& save_at, const LaneSaver& lane_saver) {
  using T = typename Tab::value_type;
  using M = mask_t<V>;
  using I = rebind_t<V, int>;
  using simd::select;
  constexpr int s = Tab::num_stages;
  constexpr int W = lanes_v<V>;
  const int n = ws.dim();
  st.nfe = st.accepted = st.rejected = I(0);
  st.status = I(static_cast<int>(Status::success));
  st.t = V(t0);
  st.dt_last = V(T(0));
  const bool fixed = opt.dt > T(0);
  if (!detail::options_valid(opt, t0, t1, is_embedded_v<Tab>)) {
    st.status = select(active, I(static_cast<int>(Status::invalid_argument)), st.status);
    return;
  }
  I next_save(0);
  {
    int j = 0;
    while (j < save_at.size() && save_at.template time<T>(j) == t0) {
      for (int l = 0; l < W; ++l) {
        if (!simd::lane(active, l)) continue;
        if constexpr (is_pack_v<V>) {
          lane_saver(l, j, detail::make_lane<V>(y, l));
        } else {
          lane_saver(l, j, y);
        }
      }
      ++j;
    }
    next_save = I(j);
  }
  if (t1 == t0) return;
  const T dir = t1 > t0 ? T(1) : T(-1);
  const T span = Kokkos::fabs(t1 - t0);
  const T eps = Kokkos::Experimental::epsilon<T>::value;
  const T dt_max = opt.dt_max > T(0) ? opt.dt_max : span;
  const I zero(0);
  auto count = [&](I& c, const M& m, int by) ODEFLOW_INLINE_LAMBDA { c = c + select(m, I(by), zero); };
  auto fail = [&](const M& m, Status why) ODEFLOW_INLINE_LAMBDA {
    st.status = select(M(active & m), I(static_cast<int>(why)), st.status);
    active = active & !m;
  };

  V t(t0);
  // The end of the next step per lane: t1, or the lane's next save time when
  // the method cannot interpolate.
  auto step_target = [&]() ODEFLOW_INLINE_LAMBDA -> V {
    V target(t1);
    if constexpr (!has_dense_output_v<Tab>) {
      for (int l = 0; l < W; ++l) {
        const int j = simd::lane(next_save, l);
        if (j < save_at.size()) {
          const T ts = save_at.template time<T>(j);
          if (dir * (ts - t1) < T(0)) simd::lane(target, l) = ts;
        }
      }
    }
    return target;
  };
  auto eval_k0 = [&](const M& need, const auto& yy, auto&& kk) {
    f(t, yy, kk);
    count(st.nfe, M(active & need), 1);
    fail(M(need & !detail::all_finite(kk, n)), Status::non_finite);
  };

  eval_k0(M(true), y, ws.vec(0));
  if (fixed) {
    // Grid t0 + i dt (i < nsteps) ending exactly at t1, as torchdiffeq's fixed-grid solvers.
    // All running lanes share the grid, so time, step and counts are scalars here; a lane
    // that stops keeps its own copies.
    const T h_mag = simd::min(opt.dt, span);
    const T ratio = span / h_mag;
    T nst = Kokkos::round(ratio);
    if (Kokkos::fabs(ratio - nst) > T(64) * eps * ratio) nst = Kokkos::ceil(ratio);
    const long nsteps = static_cast<long>(nst);
    T tc = t0, last_h = T(0);
    int taken = 0;
    I evals = st.nfe;  // the first derivative, where it was taken
    I dense_extra(0);
    int js = simd::lane(next_save, 0);
    auto stop = [&](const M& m, Status why) {
      const M now = active & m;
      if (!simd::any(now)) return;
      st.accepted = select(now, I(taken), st.accepted);
      st.nfe = select(now, evals, st.nfe);
      st.t = select(now, V(tc), st.t);
      st.dt_last = select(now, V(last_h), st.dt_last);
      fail(now, why);
    };
    long i = 0;
    // The step loop over (y, ws): on local copies when it can (detail::run_on_local_copies).
    auto run = [&](auto& y, auto& ws, auto with_saves_c) ODEFLOW_INLINE_LAMBDA {
      constexpr bool with_saves = decltype(with_saves_c)::value;
      auto&& k0 = ws.vec(0);
      auto&& ynew = ws.vec(slot_ynew_v<Tab>);
      bool need_k0 = false;
      // Host packs: the step's scaled rows, recomputed only when h changes. (On a device the
      // products are cheaper than the per-thread memory the rows would take.)
      [[maybe_unused]] StepRows<Tab> rows;
      while (i < nsteps && simd::any(active)) {
        if (need_k0) {
          f(V(tc), y, k0);
          evals = evals + I(1);
          need_k0 = false;
          const M good = detail::all_finite(k0, n);
          if (!simd::all(good)) stop(M(!good), Status::non_finite);
          if (!simd::any(active)) break;
        }
        if (taken >= opt.max_steps) {
          stop(M(true), Status::max_steps_reached);
          break;
        }
        const T grid_end = (i + 1 == nsteps) ? t1 : t0 + dir * T(i + 1) * h_mag;
        T target = grid_end;
        if constexpr (!has_dense_output_v<Tab>) {
          if (js < save_at.size() && dir * (save_at.template time<T>(js) - grid_end) < T(0))
            target = save_at.template time<T>(js);
        }
        const T h = target - tc;
        if constexpr (is_pack_v<V>) {
          rows.set(h);
          rk_step<Tab>(f, V(tc), V(h), y, ws, rows);
        } else {
          rk_step<Tab>(f, V(tc), V(h), y, ws);
        }
        evals = evals + I(s - 1);
        M good = detail::all_finite(ynew, n);
        if constexpr (Tab::fsal) good = good & detail::all_finite(ws.vec(s - 1), n);
        if (!simd::all(good)) stop(M(!good), Status::non_finite);
        if (with_saves && save_at.size() > 0) {
          detail::save_in_step<Tab, F, T>(f, V(tc), V(h), V(target), active, y, ws, save_at, next_save,
                                          dense_extra, lane_saver);
          for (int l = 0; l < W; ++l)
            if (simd::lane(active, l)) js = simd::lane(next_save, l);
        }
        const bool all_running = simd::all(active);
        if (all_running) {
          detail::copy_vec(ynew, y, n);
        } else {
          detail::select_vec(active, ynew, y, n);
        }
        if constexpr (Tab::fsal) {
          if (all_running) {
            detail::copy_vec(ws.vec(s - 1), k0, n);
          } else {
            detail::select_vec(active, ws.vec(s - 1), k0, n);
          }
        } else {
          need_k0 = true;
        }
        tc = target;
        last_h = h;
        ++taken;
        if (target == grid_end) ++i;
      }
    };
    detail::run_on_local_copies(run, y, ws, save_at.size() == 0);
    st.accepted = select(active, I(taken), st.accepted);
    st.nfe = select(active, evals, st.nfe) + dense_extra;
    st.t = select(active, V(tc), st.t);
    st.dt_last = select(active, V(last_h), st.dt_last);
    return;
  }

  // Adaptive.
  V h_mag = opt.dt0 > T(0) ? V(opt.dt0) : initial_step<Tab>(f, t, t1, y, ws, opt.norm);
  if (!(opt.dt0 > T(0))) count(st.nfe, active, 1);
  h_mag = simd::min(h_mag, V(dt_max));
  ControllerState<V> cs = opt.controller.template initial_state<V>();
  M last_nonfinite(false);
  I attempts(0);
  // An FSAL method's last stage becomes the next step's first derivative. Whether it is finite
  // needs no check of its own when the RMS error estimate weighs it (e_last != 0) in every
  // component: a NaN or Inf there makes the error non-finite, so the step is not accepted.
  // (The maximum norm's compare-select drops NaNs, and passive components are not measured.)
  bool check_fsal_stage = true;
  if constexpr (Tab::fsal && !has_dual_error_estimate<Tab>())
    check_fsal_stage = !(detail::coef_e<Tab, s - 1> != T(0) && opt.norm.kind == ErrorNormKind::rms &&
                         opt.norm.measured(n) == n);
  // The step loop over (y, ws); on local copies as the fixed-step loop's (see there).
  // Bookkeeping left out of the step (the adaptive step is latency-bound; each of these cost
  // vector operations per step): a lane's evaluations and rejections follow from its attempts
  // and acceptances (every attempt of an active lane is accepted, rejected or non-finite);
  // every active lane has made `iterations` attempts, so max_steps is one scalar test; and an
  // inactive lane's t and h_mag no longer change, so its time and last step are read after
  // the loop.
  int iterations = 0;
  auto run = [&](auto& y, auto& ws, auto with_saves_c) ODEFLOW_INLINE_LAMBDA {
    constexpr bool with_saves = decltype(with_saves_c)::value;
    auto&& k0 = ws.vec(0);
    auto&& ynew = ws.vec(slot_ynew_v<Tab>);
    while (simd::any(active)) {
      if (iterations >= opt.max_steps) {
        fail(active, Status::max_steps_reached);
        break;
      }
      const V target = step_target();
      const V remaining = simd::abs(target - t);
      const V min_step = simd::max(V(opt.dt_min), T(16) * eps * simd::abs(t));
      const M under = (h_mag < min_step) & (remaining > min_step);
      if (simd::any(under)) {  // rare: a scalar branch instead of status selects in every step
        fail(M(under & last_nonfinite), Status::non_finite);
        fail(under, Status::dt_underflow);
        if (!simd::any(active)) break;
      }
      // Land exactly on the target when the step reaches or nearly reaches it.
      const M lands = h_mag >= remaining * (T(1) - T(4) * eps);
      const V h = select(active, select(lands, V(target - t), V(dir * h_mag)), V(T(0)));
      const V t_new = select(lands, target, V(t + h));
      rk_step<Tab>(f, t, h, y, ws);
      count(attempts, active, 1);
      ++iterations;
      M finite(true), ok, within;
      V ln_err;
      // err (the RMS norm's square root) is read only by a controller that holds steps.
      const V err = rk_error<Tab>(opt.norm, h, y, ws, finite, ln_err, ok, within);
      const M acc = active & ok & within;
      const M rej = active & ok & !within;
      const M bad = active & !ok;
      const V fac = opt.controller.factor(select(ok, err, V(T(1))), select(ok, ln_err, V(T(0))), acc, M(acc | rej), cs);
      // Accepted lanes.
      if (with_saves && save_at.size() > 0)
        detail::save_in_step<Tab, F, T>(f, t, h, t_new, acc, y, ws, save_at, next_save, st.nfe, lane_saver);
      detail::select_vec(acc, ynew, y, n);
      t = select(acc, t_new, t);
      count(st.accepted, acc, 1);
      const V h_next = simd::min(simd::abs(h) * fac, V(dt_max));
      // A step shortened only to land on a target does not shrink the next one.
      const V h_acc = select(M(lands & (fac >= T(1))), simd::max(h_next, simd::min(h_mag, V(dt_max))), h_next);
      // Rejected lanes shrink; non-finite trials shrink hard (the status says why if that cannot help).
      h_mag = select(acc, h_acc, select(rej, V(simd::abs(h) * fac), select(bad, V(simd::abs(h) * opt.controller.fac_min), h_mag)));
      last_nonfinite = select(acc, M(false), select(bad, M(true), last_nonfinite));
      if (opt.controller.no_increase_after_reject) cs.last_rejected = select(bad, M(true), cs.last_rejected);
      active = active & !M(acc & (t == t1));
      if constexpr (Tab::fsal) {
        detail::select_vec(acc, ws.vec(s - 1), k0, n);
        if (check_fsal_stage) fail(M(acc & !detail::all_finite(k0, n)), Status::non_finite);
      }
      if constexpr (!Tab::fsal) {
        if (simd::any(M(acc & active))) eval_k0(acc, y, k0);
      }
    }
  };
  detail::run_on_local_copies(run, y, ws, save_at.size() == 0);
  st.nfe = st.nfe + I(s - 1) * attempts;
  st.rejected = attempts - st.accepted;
  st.t = t;
  st.dt_last = select(M(attempts > I(0)), V(dir * h_mag), st.dt_last);
}

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
/// - `save_at`: requested times (SaveAt); methods with a continuous extension
///   interpolate (steps are not shortened), others step exactly onto them.
///
/// Returns the status (also in `stats.status`): success; max_steps_reached
/// (attempts hit opt.max_steps); dt_underflow (step below opt.dt_min or below
/// what changes t); non_finite (NaN/Inf in the state or derivative, or trials
/// that stayed non-finite down to underflow); invalid_argument (options it cannot
/// run with). t1 == t0 returns y unchanged with success.
/// No allocation, exception or virtual call: callable from any Kokkos kernel.
template <class Tab, class F, class Y, class WS, class Save = NoSaveAt>
KOKKOS_FUNCTION Status integrate(const F& f, typename Tab::value_type t0,
                                 typename Tab::value_type t1, Y&& y, WS& ws,
                                 const SolveOptions<typename Tab::value_type>& opt,
                                 Statistics<typename Tab::value_type>& stats,
                                 const Save& save_at = Save{}) {
  using T = typename Tab::value_type;
  LaneStatistics<T> st;
  auto lane_saver = [&](int, int j, const auto& v) { save_at(j, v); };
  integrate_lanes<Tab>(f, t0, t1, y, ws, opt, st, true, save_at, lane_saver);
  stats.nfe = st.nfe;
  stats.accepted = st.accepted;
  stats.rejected = st.rejected;
  stats.status = static_cast<Status>(st.status);
  stats.t = st.t;
  stats.dt_last = st.dt_last;
  return stats.status;
}

}  // namespace odeflow
