// TeamPerTrajectory ensemble: one Kokkos team per trajectory, the team sharing the state components (medium d).
#pragma once

#include <odeflow/solvers/default_options.hpp>
#include <odeflow/solvers/ensemble_save_at.hpp>
#include <odeflow/solvers/initial_step.hpp>
#include <odeflow/solvers/integrate.hpp>
#include <odeflow/solvers/statistics.hpp>
#include <odeflow/solvers/stepper.hpp>
#include <odeflow/solvers/validation.hpp>

#include <Kokkos_Core.hpp>

#include <algorithm>
#include <cstddef>
#include <span>
#include <string>

namespace odeflow {

/// Strategy tag: one Kokkos team per trajectory (TeamPolicy, league = n). The stage
/// combinations, the state updates and the error estimate run over the state components
/// with TeamVectorRange; the field is a *team field* (below) that computes its
/// derivative cooperatively. For systems of medium size (d in the hundreds) on GPUs,
/// where one thread per trajectory would hold too much state; see docs/solvers.md for
/// when it pays on a CPU.
///
/// `team_size`, `vector_length`: 0 means Kokkos::AUTO; otherwise passed to the
/// TeamPolicy (vector_length a power of two). Results do not depend on either.
struct TeamPerTrajectory {
  /// Threads per team (0: Kokkos::AUTO).
  int team_size = 0;
  /// Vector lanes per thread (0: Kokkos::AUTO).
  int vector_length = 0;
};

/// Scalars of workspace integrate_team() needs for tableau Tab and dimension n: the
/// stepper's vectors (workspace_size<Tab>) and one vector of scaled errors (two for a
/// dual error estimate). The state itself is not included.
template <class Tab>
KOKKOS_INLINE_FUNCTION constexpr std::size_t team_workspace_size(int n) {  // used in kernels
  return workspace_size<Tab>(n) + static_cast<std::size_t>(has_dual_error_estimate<Tab>() ? 2 : 1) *
                                      static_cast<std::size_t>(n);
}

namespace detail {

/// Per component k < n, by the team's threads and vector lanes, then a team barrier.
template <class Member, class Body>
KOKKOS_FORCEINLINE_FUNCTION void team_for(const Member& m, int n, const Body& body) {
  Kokkos::parallel_for(Kokkos::TeamVectorRange(m, n), body);
  m.team_barrier();
}

/// All of v[0..n) finite, the same answer in every thread. x - x is 0 for finite x and
/// NaN otherwise; a sum of zeros is zero in any order, so the reduction order is irrelevant.
template <class Member, class T>
KOKKOS_FUNCTION bool team_all_finite(const Member& m, const T* v, int n) {
  T z(0);
  Kokkos::parallel_reduce(
      Kokkos::TeamVectorRange(m, n), [&](int k, T& acc) { acc += v[k] - v[k]; }, z);
  return z == T(0);
}

/// Calls the team field and waits for all its components.
template <class Member, class F, class T>
KOKKOS_FORCEINLINE_FUNCTION void team_eval(const Member& m, const F& f, T t, const T* y, T* dydt) {
  m.team_barrier();
  f(m, t, y, dydt);
  m.team_barrier();
}

/// rk_step with the components spread over the team: the same per-component arithmetic
/// (detail::stage_state), so the same bits as the one-thread stepper.
template <class Tab, class Member, class F, class T>
KOKKOS_FUNCTION void team_rk_step(const Member& m, const F& f, T t, T h, const T* y,
                                  const SpanWorkspace<T>& ws) {
  constexpr int s = Tab::num_stages;
  const int n = ws.dim();
  static_for<s - 1>([&](auto im1) ODEFLOW_INLINE_LAMBDA {
    constexpr int i = decltype(im1)::value + 1;
    constexpr int dst_slot = (Tab::fsal && i == s - 1) ? slot_ynew_v<Tab> : slot_tmp_v<Tab>;
    T* dst = ws.vec(dst_slot).data;
    const auto row = scaled_row<i>(h, RowA<Tab, i>{});
    team_for(m, n, [&](int k) { dst[k] = stage_state<i, RowA<Tab, i>>(y[k], ws, k, row, {}); });
    f(m, t + coef_c<Tab, i> * h, dst, ws.vec(i).data);
    m.team_barrier();
  });
  if constexpr (!Tab::fsal) {
    T* ynew = ws.vec(slot_ynew_v<Tab>).data;
    const auto row = scaled_row<s>(h, RowB<Tab>{});
    team_for(m, n, [&](int k) { ynew[k] = stage_state<s, RowB<Tab>>(y[k], ws, k, row, {}); });
  }
}

/// rk_error over a team: each component's scaled error goes to `buf` (and `buf2` for a
/// dual estimate) in parallel; one thread then sums them in component order and
/// broadcasts the norm. The sum's order is fixed (k = 0, 1, ...), so the norm has the
/// same bits for any team size, vector length or thread count, and as rk_error's.
/// In `ln_err` its logarithm, as rk_error's.
template <class Tab, class Member, class T>
KOKKOS_FUNCTION T team_rk_error(const Member& m, const ErrorNorm<T>& norm, T h, const T* y,
                                const SpanWorkspace<T>& ws, T* buf, T* buf2, bool& finite, T& ln_err) {
  constexpr int s = Tab::num_stages;
  const int n_all = ws.dim();
  const int n = norm.measured(n_all);
  const T* ynew = ws.vec(slot_ynew_v<Tab>).data;
  const T* f0 = ws.vec(0).data;
  finite = team_all_finite(m, ynew, n_all);
  team_for(m, n, [&](int k) {
    T e(0);
    stage_sum<s>(ws, k, e, RowE<Tab>{});
    if constexpr (has_dual_error_estimate<Tab>()) {
      T e2(0);
      stage_sum<s>(ws, k, e2, RowE2<Tab>{});
      const T sc = norm.atol + norm.rtol * simd::max(simd::abs(y[k]), simd::abs(ynew[k]));
      buf[k] = e / sc;
      buf2[k] = e2 / sc;
    } else {
      buf[k] = norm.scaled(T(h * e), y[k], ynew[k], f0[k], h);
    }
  });
  Kokkos::Array<T, 2> err_ln{};
  Kokkos::single(
      Kokkos::PerTeam(m),
      [&](Kokkos::Array<T, 2>& out) {
        T acc(0), acc2(0);
        for (int k = 0; k < n; ++k) {
          if constexpr (has_dual_error_estimate<Tab>()) {
            acc += buf[k] * buf[k];
            acc2 += buf2[k] * buf2[k];
          } else {
            norm.accumulate(acc, buf[k]);
          }
        }
        if constexpr (has_dual_error_estimate<Tab>()) {
          T deno = acc + T(0.01) * acc2;
          deno = deno > T(0) ? deno : T(1);
          out[0] = simd::abs(h) * acc * simd::sqrt(T(1) / (T(n) * deno));
          out[1] = simd::ln(out[0]);
        } else {
          out[0] = norm.finish(acc, n);
          out[1] = norm.finish_ln(acc, n);
        }
      },
      err_ln);
  ln_err = err_ln[1];
  return err_ln[0];
}

/// rk_dense_stages over a team: the extra stages a continuous extension needs (DOP853).
template <class Tab, class Member, class F, class T>
KOKKOS_FUNCTION void team_rk_dense_stages(const Member& m, const F& f, T t, T h, const T* y,
                                          const SpanWorkspace<T>& ws) {
  constexpr int s = Tab::num_stages;
  constexpr int extra = Tab::num_dense_stages > s ? Tab::num_dense_stages - s : 0;
  const int n = ws.dim();
  static_for<extra>([&](auto im) ODEFLOW_INLINE_LAMBDA {
    constexpr int i = decltype(im)::value + s;
    T* dst = ws.vec(slot_tmp_v<Tab>).data;
    const auto row = scaled_row<i>(h, RowA<Tab, i>{});
    team_for(m, n, [&](int k) { dst[k] = stage_state<i, RowA<Tab, i>>(y[k], ws, k, row, {}); });
    f(m, t + coef_c<Tab, i> * h, dst, ws.vec(i).data);
    m.team_barrier();
  });
}

/// rk_interpolate over a team, component k going to save_at.put(j, k, value).
template <class Tab, class Member, class T, class Save>
KOKKOS_FUNCTION void team_interpolate(const Member& m, T theta, T h, const T* y, const SpanWorkspace<T>& ws,
                                      int j, const Save& save_at) {
  constexpr int ds = Tab::num_dense_stages;
  T bt[ds];
  dense_weights<Tab>(theta, bt);
  team_for(m, ws.dim(), [&](int k) {
    T acc = 0;
    for (int i = 0; i < ds; ++i) acc = simd::fma(bt[i], ws.vec(i)[k], acc);
    save_at.put(j, k, simd::fma(h, acc, y[k]));
  });
}

/// Trajectory i's output of an ensemble solve: out(i, j, k), times on the device.
template <class T, class OutView, class Mem>
struct TeamEnsembleSaver {
  Kokkos::View<const T*, Mem> times;
  OutView out;
  int i;
  KOKKOS_FUNCTION int size() const { return static_cast<int>(times.extent(0)); }
  template <class U = T>
  KOKKOS_FUNCTION U time(int j) const { return times(j); }
  KOKKOS_FUNCTION void put(int j, int k, T v) const { out(i, j, k) = v; }
};

/// The two sums of the initial-step estimate, broadcast over a team in one Kokkos::single.
template <class T>
struct TeamHinitSums {
  T s0;  ///< sum of the squared scaled state components
  T s1;  ///< sum of the squared scaled derivative components
};

/// initial_step over a team: the two O(n) sums run on one thread (once per solve) with
/// the shared hinit_* parts, the Euler step and the field over the team.
template <class Tab, class Member, class F, class T>
KOKKOS_FUNCTION T team_initial_step(const Member& m, const F& f, T t0, T t1, const T* y,
                                    const SpanWorkspace<T>& ws, const ErrorNorm<T>& norm) {
  const int n = ws.dim();
  const T* f0 = ws.vec(0).data;
  T* y1 = ws.vec(slot_tmp_v<Tab>).data;
  T* f1 = ws.vec(slot_ynew_v<Tab>).data;
  const T span = simd::abs(t1 - t0);
  const T dir = t1 >= t0 ? T(1) : T(-1);
  const int nm = norm.measured(n);
  // Both sums from one pass on one thread, broadcast to the team together.
  TeamHinitSums<T> sums{T(0), T(0)};
  Kokkos::single(
      Kokkos::PerTeam(m), [&](TeamHinitSums<T>& out) { hinit_sums(norm, y, f0, n, out.s0, out.s1); }, sums);
  T h0 = simd::sqrt(sums.s0 / T(nm));
  const T d1 = simd::sqrt(sums.s1 / T(nm));
  h0 = hinit_h0<T>(h0, d1, span);
  team_for(m, n, [&](int k) { y1[k] = y[k] + dir * h0 * f0[k]; });
  team_eval(m, f, t0 + dir * h0, y1, f1);
  T diff(0);
  Kokkos::single(
      Kokkos::PerTeam(m), [&](T& out) { out = hinit_diff<T, T>(norm, y, f0, f1, n); }, diff);
  const T d2 = simd::sqrt(diff / T(nm)) / h0;
  return hinit_final<T>(d1, d2, h0, span, Tab::order);
}

}  // namespace detail

/// No requested output times for integrate_team().
struct NoTeamSaveAt {
  /// No output times.
  KOKKOS_FUNCTION static constexpr int size() { return 0; }
  /// Never called.
  template <class T>
  KOKKOS_FUNCTION static constexpr T time(int) { return T(0); }
  /// Never called.
  template <class T>
  KOKKOS_FUNCTION void put(int, int, T) const {}
};

/// integrate() for one trajectory by one team, inside the caller's TeamPolicy kernel:
/// y' = f(t, y) from t0 to t1 with tableau Tab, fixed step (opt.dt > 0) or adaptive.
/// Every thread of the team must call it with the same arguments.
///
/// - `f`: a team field (see below); called by the whole team.
/// - `y`: n contiguous scalars visible to the whole team (team scratch or global memory):
///   the initial state; on return the state at `stats.t` (t1 on success, the last good
///   state otherwise).
/// - `work`: team_workspace_size<Tab>(n) contiguous scalars visible to the whole team.
/// - `stats`: filled identically in every thread.
/// - `save_at` (optional): `save_at.size()` output times `save_at.time<T>(j)` (monotone in the
///   direction of integration, inside [t0, t1]); component k of the state at time j goes to
///   `save_at.put(j, k, value)`, called by the team's threads (each (j, k) once). Interpolated
///   by the continuous extension where the method has one (steps are not shortened), else
///   stepped onto, exactly as integrate()'s SaveAt.
///
/// Team field concept: `f(member, t, y, dydt)` with `template <class Member>
/// KOKKOS_FUNCTION void operator()(const Member& m, T t, const T* y, T* dydt) const`,
/// called by all threads of the team; it writes dydt[0..n) cooperatively (typically
/// `Kokkos::parallel_for(Kokkos::TeamVectorRange(m, n), ...)`), may read any y[j], and
/// must not write y. The solver puts a team barrier before and after each call.
///
/// Steps, statuses (success, max_steps_reached, dt_underflow, non_finite,
/// invalid_argument) and statistics mean exactly what they mean for integrate(); with
/// the same per-component arithmetic in the field, the result has the same bits as
/// integrate() on one thread.
template <class Tab, class Member, class F, class Save = NoTeamSaveAt>
KOKKOS_FUNCTION Status integrate_team(const Member& m, const F& f, typename Tab::value_type t0,
                                      typename Tab::value_type t1, typename Tab::value_type* y, int n,
                                      typename Tab::value_type* work,
                                      const SolveOptions<typename Tab::value_type>& opt,
                                      Statistics<typename Tab::value_type>& st, const Save& save_at = Save{}) {
  using T = typename Tab::value_type;
  constexpr int s = Tab::num_stages;
  const SpanWorkspace<T> ws{work, n, 1};
  T* buf = work + workspace_size<Tab>(n);
  T* buf2 = has_dual_error_estimate<Tab>() ? buf + n : buf;
  T* k0 = ws.vec(0).data;
  T* ynew = ws.vec(slot_ynew_v<Tab>).data;
  auto copy = [&](const T* src, T* dst) { detail::team_for(m, n, [&](int k) { dst[k] = src[k]; }); };
  const int m_save = save_at.size();
  int next_save = 0;
  auto save_vec = [&](int j, const T* src) {
    detail::team_for(m, n, [&](int k) { save_at.put(j, k, src[k]); });
  };

  st = Statistics<T>{};
  st.t = t0;
  if (!detail::options_valid(opt, t0, t1, is_embedded_v<Tab>)) {
    st.status = Status::invalid_argument;
    return st.status;
  }
  while (next_save < m_save && save_at.template time<T>(next_save) == t0) save_vec(next_save++, y);
  if (t1 == t0) return st.status;
  const T dir = t1 > t0 ? T(1) : T(-1);
  const T span = Kokkos::fabs(t1 - t0);
  const T eps = Kokkos::Experimental::epsilon<T>::value;
  const T dt_max = opt.dt_max > T(0) ? opt.dt_max : span;
  // The end of the next step: t1, or the next save time when the method cannot interpolate.
  auto step_target = [&](T end) {
    if constexpr (!has_dense_output_v<Tab>) {
      if (next_save < m_save && dir * (save_at.template time<T>(next_save) - end) < T(0))
        return save_at.template time<T>(next_save);
    }
    return end;
  };
  // integrate_lanes' save_in_step for an accepted step (t, t_new] (before y moves on);
  // returns the evaluations of extra dense stages it needed.
  auto save_in_step = [&](T t, T h, T t_new) {
    int extra = 0;
    while (next_save < m_save) {
      const T ts = save_at.template time<T>(next_save);
      if (dir * (ts - t_new) > T(0)) break;
      if (ts == t_new) {
        save_vec(next_save, ynew);
      } else {
        if constexpr (has_dense_output_v<Tab>) {
          if (extra == 0) {
            detail::team_rk_dense_stages<Tab>(m, f, t, h, y, ws);
            extra = Tab::num_dense_stages > s ? Tab::num_dense_stages - s : 0;
            if (extra == 0) extra = -1;  // ready, nothing to count
          }
          detail::team_interpolate<Tab>(m, (ts - t) / h, h, y, ws, next_save, save_at);
        }
      }
      ++next_save;
    }
    return extra > 0 ? extra : 0;
  };

  detail::team_eval(m, f, t0, y, k0);
  st.nfe = 1;
  if (!detail::team_all_finite(m, k0, n)) {
    st.status = Status::non_finite;
    return st.status;
  }

  if (opt.dt > T(0)) {
    // The grid of integrate_lanes: t0 + i dt (i < nsteps) ending exactly at t1.
    const T h_mag = simd::min(opt.dt, span);
    const T ratio = span / h_mag;
    T nst = Kokkos::round(ratio);
    if (Kokkos::fabs(ratio - nst) > T(64) * eps * ratio) nst = Kokkos::ceil(ratio);
    const long nsteps = static_cast<long>(nst);
    T tc = t0, last_h = T(0);
    int taken = 0, dense_extra = 0;
    bool need_k0 = false;
    auto stop = [&](Status why) {
      st.nfe += dense_extra;
      st.accepted = taken;
      st.t = tc;
      st.dt_last = last_h;
      st.status = why;
      return why;
    };
    long i = 0;
    while (i < nsteps) {
      if (need_k0) {
        detail::team_eval(m, f, tc, y, k0);
        ++st.nfe;
        need_k0 = false;
        if (!detail::team_all_finite(m, k0, n)) return stop(Status::non_finite);
      }
      if (taken >= opt.max_steps) return stop(Status::max_steps_reached);
      const T grid_end = (i + 1 == nsteps) ? t1 : t0 + dir * T(i + 1) * h_mag;
      const T target = step_target(grid_end);
      const T h = target - tc;
      detail::team_rk_step<Tab>(m, f, tc, h, y, ws);
      st.nfe += s - 1;
      bool good = detail::team_all_finite(m, ynew, n);
      if constexpr (Tab::fsal) good = good && detail::team_all_finite(m, ws.vec(s - 1).data, n);
      if (!good) return stop(Status::non_finite);
      if (m_save > 0) dense_extra += save_in_step(tc, h, target);
      copy(ynew, y);
      if constexpr (Tab::fsal) {
        copy(ws.vec(s - 1).data, k0);
      } else {
        need_k0 = true;
      }
      tc = target;
      last_h = h;
      ++taken;
      if (target == grid_end) ++i;
    }
    return stop(Status::success);
  }

  // Adaptive: integrate_lanes' loop for one lane (same controller, norm and landing rules).
  T h_mag = opt.dt0 > T(0) ? opt.dt0 : detail::team_initial_step<Tab>(m, f, t0, t1, y, ws, opt.norm);
  if (!(opt.dt0 > T(0))) ++st.nfe;
  h_mag = simd::min(h_mag, dt_max);
  ControllerState<T> cs = opt.controller.template initial_state<T>();
  bool last_nonfinite = false;
  int attempts = 0;
  T t = t0;
  for (;;) {
    if (attempts >= opt.max_steps) {
      st.status = Status::max_steps_reached;
      break;
    }
    const T target = step_target(t1);
    const T remaining = simd::abs(target - t);
    const T min_step = simd::max(opt.dt_min, T(16) * eps * simd::abs(t));
    if (h_mag < min_step && remaining > min_step) {
      st.status = last_nonfinite ? Status::non_finite : Status::dt_underflow;
      break;
    }
    const bool lands = h_mag >= remaining * (T(1) - T(4) * eps);
    const T h = lands ? T(target - t) : T(dir * h_mag);
    const T t_new = lands ? target : T(t + h);
    detail::team_rk_step<Tab>(m, f, t, h, y, ws);
    st.nfe += s - 1;
    ++attempts;
    bool finite = true;
    T ln_err;
    const T err = detail::team_rk_error<Tab>(m, opt.norm, h, y, ws, buf, buf2, finite, ln_err);
    const bool ok = finite && Kokkos::isfinite(err);
    const bool acc = ok && err <= T(1);
    const bool rej = ok && !(err <= T(1));
    const T fac = opt.controller.factor(ok ? err : T(1), ok ? ln_err : T(0), acc, bool(acc || rej), cs);
    if (acc) {
      if (m_save > 0) st.nfe += save_in_step(t, h, t_new);
      copy(ynew, y);
      t = t_new;
      ++st.accepted;
    }
    st.t = t;
    const T h_next = simd::min(simd::abs(h) * fac, dt_max);
    const T h_acc = (lands && fac >= T(1)) ? simd::max(h_next, simd::min(h_mag, dt_max)) : h_next;
    h_mag = acc ? h_acc : rej ? T(simd::abs(h) * fac) : T(simd::abs(h) * opt.controller.fac_min);
    if (!acc) ++st.rejected;
    last_nonfinite = acc ? false : !ok ? true : last_nonfinite;
    if (!ok) cs.last_rejected = true;
    st.dt_last = dir * h_mag;
    const bool done = acc && t == t1;
    if constexpr (Tab::fsal) {
      if (acc) {
        copy(ws.vec(s - 1).data, k0);
        if (!done && !detail::team_all_finite(m, k0, n)) {
          st.status = Status::non_finite;
          break;
        }
      }
    } else {
      if (acc && !done) {
        detail::team_eval(m, f, t, y, k0);
        ++st.nfe;
        if (!detail::team_all_finite(m, k0, n)) {
          st.status = Status::non_finite;
          break;
        }
      }
    }
    if (done) break;
  }
  return st.status;
}

/// Solves n independent trajectories y_i' = f_i(t, y_i), y_i(t0) = y(i, :), from t0 to
/// t1 with tableau Tab: one Kokkos team per trajectory, on `space`.
///
/// - `problem(i)`: a device-callable functor returning trajectory i's *team field*
///   (see integrate_team()).
/// - `y`: (n, d) View in the space's memory, updated in place to the final (or last
///   good) states.
/// - `stats`: (n) View of Statistics<T>, as for the PerTrajectory strategy.
/// - `save_at` (optional): output times and an (n, m, d) View.
///
/// Workspace per trajectory: (workspace_vectors_v<Tab> + 2) d scalars (+ d more for
/// DOP853's dual error estimate), e.g. Dopri5 in double: 88 d bytes. It lives in team
/// scratch (level 0 if it fits, else level 1); beyond that in one (n, .) View allocated
/// per call. A trajectory's result has the same bits in a batch of one or of millions,
/// with any thread count, team size or vector length, and the same bits as
/// PerTrajectory<0> when the team field computes each component as the pointwise field
/// does (the stage sums and the error-norm sum keep integrate()'s order).
/// Throws InvalidArgument on bad shapes or options; numerical failures are per-trajectory
/// statuses. `save_at` (optional): output times and an (n, m, d) View, as for PerTrajectory.
template <class Tab, class ExecSpace, class Problem, class YView, class StatsView,
          class OutView = Kokkos::View<typename Tab::value_type***, typename YView::memory_space>>
void solve_ensemble(const ExecSpace& space, TeamPerTrajectory strategy, const Problem& problem,
                    const YView& y, typename Tab::value_type t0, typename Tab::value_type t1,
                    const SolveOptions<typename Tab::value_type>& opt, const StatsView& stats,
                    const EnsembleSaveAt<typename Tab::value_type, OutView>* save_at = nullptr) {
  using T = typename Tab::value_type;
  static_assert(YView::rank == 2, "y must be an (n, d) View");
  const int n = static_cast<int>(y.extent(0));
  const int d = static_cast<int>(y.extent(1));
  if (strategy.team_size < 0)
    throw InvalidArgument("TeamPerTrajectory::team_size = " + std::to_string(strategy.team_size) +
                          " must be >= 0 (0: Kokkos::AUTO)");
  if (strategy.vector_length < 0 || (strategy.vector_length & (strategy.vector_length - 1)) != 0)
    throw InvalidArgument("TeamPerTrajectory::vector_length = " + std::to_string(strategy.vector_length) +
                          " must be 0 (Kokkos::AUTO) or a power of two");
  const std::span<const T> ts =
      detail::check_ensemble_arguments<Tab>(n, d, stats, save_at, t0, t1, opt, "trajectories");
  if (n == 0) return;

  using Policy = Kokkos::TeamPolicy<ExecSpace>;
  using member_type = typename Policy::member_type;
  using mem = typename ExecSpace::memory_space;
  using scratch_view = Kokkos::View<T*, typename ExecSpace::scratch_memory_space, Kokkos::MemoryUnmanaged>;
  const Kokkos::View<const T*, mem> times = detail::device_save_times(space, ts);
  const OutView out = save_at ? save_at->out : OutView();
  const std::size_t per = team_workspace_size<Tab>(d) + static_cast<std::size_t>(d);
  const std::size_t bytes = scratch_view::shmem_size(per);
  int level = -1;  // -1: global workspace
  if (bytes <= static_cast<std::size_t>(Policy::scratch_size_max(0))) {
    level = 0;
  } else if (bytes <= static_cast<std::size_t>(Policy::scratch_size_max(1))) {
    level = 1;
  }
  Kokkos::View<T**, Kokkos::LayoutRight, mem> global("odeflow::team_ensemble_workspace",
                                                    level < 0 ? n : 0, level < 0 ? per : 0);

  auto run = [&](Policy policy) {
    if (level >= 0) policy.set_scratch_size(level, Kokkos::PerTeam(bytes));
    Kokkos::parallel_for(
        "odeflow::solve_ensemble[TeamPerTrajectory]", policy, KOKKOS_LAMBDA(const member_type& m) {
          const int i = m.league_rank();
          T* base = level >= 0 ? scratch_view(m.team_scratch(level), per).data() : &global(i, 0);
          T* yi = base;
          T* work = base + d;
          detail::team_for(m, d, [&](int k) { yi[k] = y(i, k); });
          const auto f = problem(i);
          Statistics<T> st;
          integrate_team<Tab>(m, f, t0, t1, yi, d, work, opt, st,
                              detail::TeamEnsembleSaver<T, OutView, mem>{times, out, i});
          m.team_barrier();
          Kokkos::parallel_for(Kokkos::TeamVectorRange(m, d), [&](int k) { y(i, k) = yi[k]; });
          Kokkos::single(Kokkos::PerTeam(m), [&]() { stats(i) = st; });
        });
  };
  const int tsz = strategy.team_size, vl = strategy.vector_length;
  if (tsz == 0 && vl == 0) {
    run(Policy(space, n, Kokkos::AUTO, Kokkos::AUTO));
  } else if (tsz == 0) {
    run(Policy(space, n, Kokkos::AUTO, vl));
  } else if (vl == 0) {
    run(Policy(space, n, tsz, Kokkos::AUTO));
  } else {
    run(Policy(space, n, tsz, vl));
  }
}

}  // namespace odeflow
