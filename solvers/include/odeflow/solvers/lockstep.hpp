// Lockstep batches: the vector field is called once per stage on all active samples, each with its own time and step.
#pragma once

#include <odeflow/solvers/controller.hpp>
#include <odeflow/solvers/default_options.hpp>
#include <odeflow/solvers/ensemble_save_at.hpp>
#include <odeflow/solvers/initial_step.hpp>
#include <odeflow/solvers/integrate.hpp>
#include <odeflow/solvers/statistics.hpp>
#include <odeflow/solvers/stepper.hpp>
#include <odeflow/solvers/validation.hpp>

#include <Kokkos_Core.hpp>

#include <algorithm>
#include <span>
#include <string>

namespace odeflow {

/// Strategy tag for batched vector fields (neural networks): each stage is one
/// call `f(space, t, x, dx)` over all active samples (t (m), x and dx (m, d),
/// LayoutRight, row i at its own time t(i)).
///
/// - Per-sample stepping (default): every sample has its own step size, accepted
///   or rejected on its own; finished samples leave the active set, so a sample
///   costs the evaluations it would cost alone, and its result is bitwise the one
///   it would get alone (given a field whose rows are independent).
/// - `shared_step = true`: torchdiffeq's behaviour, for comparison: one error norm
///   over the whole batch (RMS over all samples' RMS norms, or the max for
///   odeint_max), one step size and one accept/reject decision for all.
/// - `max_batch`: samples in flight at once (0: all); larger batches run in
///   consecutive chunks of this size, with identical results.
struct Lockstep {
  /// One error norm and step for the whole batch (torchdiffeq), for comparison.
  bool shared_step = false;
  /// Samples in flight at once (0: all).
  int max_batch = 0;
};

namespace detail {

/// Per-sample solver state of one lockstep slot.
template <class T>
struct SlotState {
  T t, h_mag, dt_last, err, ln_err;
  ControllerState<T> cs;
  int nfe, accepted, rejected, attempts, status, next_save, sample;
  bool active, last_nonfinite, lands, finite, dense_used;
};

/// Row a of the lockstep buffers seen as a per-trajectory workspace: stage i is
/// rows [i B, i B + B) of K, then the new state, then a temporary. With `k0` set, stage 0
/// is row a of k0 (the stage kernels run before k0 is copied into K).
template <class T, class Buf>
struct RowWorkspace {
  Buf K, ynew, tmp;
  int a, stride_b, n, ns;
  Buf k0 = {};
  KOKKOS_FUNCTION int dim() const { return n; }
  KOKKOS_FUNCTION StridedVector<T> vec(int i) const {
    if (i == 0 && k0.data() != nullptr) return {&k0(a, 0), n, 1};
    if (i < ns) return {&K(i * stride_b + a, 0), n, 1};
    if (i == ns) return {&ynew(a, 0), n, 1};
    return {&tmp(a, 0), n, 1};
  }
};

/// Row a of a (rows, d) LayoutRight buffer as a state vector (callable in kernels).
template <class T>
struct RowVector {
  template <class Buf>
  KOKKOS_FUNCTION StridedVector<T> operator()(const Buf& b, int a, int dd) const {
    return StridedVector<T>{&b(a, 0), dd, 1};
  }
};

// The stage kernels are named function templates, called from static_for's generic
// lambda: nvcc rejects an extended (KOKKOS_LAMBDA) lambda defined inside a generic lambda.

/// Stage I of a lockstep step for rows [0, m): dst = y + h sum_{j<I} a_Ij k_j and the stage times.
template <class Tab, int I, class ExecSpace, class StView, class Buf, class TView>
void lockstep_stage(const ExecSpace& space, int m, int B, int d, const StView& st, const Buf& y,
                    const Buf& k0, const Buf& K, const Buf& ynew, const Buf& tmp, const Buf& dst,
                    const TView& tstage) {
  using T = typename Tab::value_type;
  constexpr int ns = num_stored_stages_v<Tab>;
  Kokkos::parallel_for(
      "odeflow::solve_batch[Lockstep]::stage", Kokkos::RangePolicy<ExecSpace>(space, 0, m),
      KOKKOS_LAMBDA(int a) {
        const T h = st(a).dt_last;
        const RowWorkspace<T, Buf> ws{K, ynew, tmp, a, B, d, ns, k0};
        const auto row = scaled_row<I>(h, RowA<Tab, I>{});
        for (int k = 0; k < d; ++k) dst(a, k) = stage_state<I, RowA<Tab, I>>(y(a, k), ws, k, row, {});
        tstage(a) = st(a).t + coef_c<Tab, I> * h;
      });
}

/// Extra dense-output stage I (DOP853) for rows [0, m), into tmp, and the stage times.
template <class Tab, int I, class ExecSpace, class StView, class Buf, class TView>
void lockstep_dense_stage(const ExecSpace& space, int m, int B, int d, const StView& st,
                          const Buf& y, const Buf& K, const Buf& ynew, const Buf& tmp,
                          const TView& tstage) {
  using T = typename Tab::value_type;
  constexpr int ns = num_stored_stages_v<Tab>;
  Kokkos::parallel_for(
      "odeflow::solve_batch[Lockstep]::dense_stage", Kokkos::RangePolicy<ExecSpace>(space, 0, m),
      KOKKOS_LAMBDA(int a) {
        const T h = st(a).dt_last;
        RowWorkspace<T, Buf> ws{K, ynew, tmp, a, B, d, ns};
        const auto row = scaled_row<I>(h, RowA<Tab, I>{});
        for (int k = 0; k < d; ++k) tmp(a, k) = stage_state<I, RowA<Tab, I>>(y(a, k), ws, k, row, {});
        tstage(a) = st(a).t + coef_c<Tab, I> * h;
      });
}

}  // namespace detail

/// Solves n samples of y' = f(t, y) from t0 to t1 with tableau Tab, calling the
/// batched field once per stage for all active samples (see Lockstep).
///
/// - `f(space, t, x, dx)`: BatchedField (flows/batched_field.hpp): t (m), x (m, d)
///   const, dx (m, d), rows independent.
/// - `x`: (n, d) LayoutRight View in the field's memory space: initial states on
///   entry, final (or last good) states on return.
/// - `stats`: (n) View of Statistics<T> (nfe counts what each sample needed).
/// - `save_at`: optional output times and an (n, m, d) View.
///
/// Workspace: (num_stored_stages + 3) (B, d) buffers plus per-sample state, B =
/// min(n, max_batch), allocated once per call. Throws InvalidArgument on bad
/// shapes or options; numerical failures are per-sample statuses.
template <class Tab, class ExecSpace, class Field, class XView, class StatsView,
          class OutView = Kokkos::View<typename Tab::value_type***, typename XView::memory_space>>
void solve_batch(const ExecSpace& space, Lockstep mode, const Field& f, const XView& x,
                 typename Tab::value_type t0, typename Tab::value_type t1,
                 const SolveOptions<typename Tab::value_type>& opt, const StatsView& stats,
                 const BatchSaveAt<typename Tab::value_type, OutView>* save_at = nullptr) {
  using T = typename Tab::value_type;
  using mem = typename ExecSpace::memory_space;
  using Buf = Kokkos::View<T**, Kokkos::LayoutRight, mem>;
  using State = detail::SlotState<T>;
  constexpr int s = Tab::num_stages;
  constexpr int ns = num_stored_stages_v<Tab>;
  const int n = static_cast<int>(x.extent(0));
  const int d = static_cast<int>(x.extent(1));
  if (d != f.dim())
    throw InvalidArgument("x.extent(1) = " + std::to_string(d) + " but the field's dimension is " +
                          std::to_string(f.dim()));
  if (mode.max_batch < 0)
    throw InvalidArgument("max_batch = " + std::to_string(mode.max_batch) + " must be >= 0");
  const std::span<const T> ts =
      detail::check_ensemble_arguments<Tab>(n, d, stats, save_at, t0, t1, opt, "samples");
  if (n == 0) return;

  const int B = mode.max_batch > 0 ? std::min(n, mode.max_batch) : n;
  const bool fixed = opt.dt > T(0);
  const T dir = t1 >= t0 ? T(1) : T(-1);
  const T span = Kokkos::fabs(t1 - t0);
  const T eps = Kokkos::Experimental::epsilon<T>::value;
  const T dt_max = opt.dt_max > T(0) ? opt.dt_max : span;
  const int m_save = static_cast<int>(ts.size());
  const Kokkos::View<T*, mem> times = detail::device_save_times(space, ts);
  OutView out = save_at ? save_at->out : OutView();

  // Double-buffered rows and states: compaction copies the survivors to the other buffer.
  Buf ybuf[2] = {Buf("odeflow::lockstep_y", B, d), Buf("odeflow::lockstep_y2", B, d)};
  Buf k0buf[2] = {Buf("odeflow::lockstep_k0", B, d), Buf("odeflow::lockstep_k0_2", B, d)};
  Kokkos::View<State*, mem> stbuf[2] = {Kokkos::View<State*, mem>("odeflow::lockstep_state", B),
                                        Kokkos::View<State*, mem>("odeflow::lockstep_state2", B)};
  Buf K("odeflow::lockstep_stages", ns * B, d);  // stage i: rows [i B, i B + B); stage 0 aliases k0
  Buf ynew("odeflow::lockstep_ynew", B, d), tmp("odeflow::lockstep_tmp", B, d);
  Kokkos::View<T*, mem> tstage("odeflow::lockstep_tstage", B);
  Kokkos::View<int*, mem> pos("odeflow::lockstep_pos", B);
  const auto controller = opt.controller;
  const auto norm = opt.norm;
  const int max_steps = opt.max_steps;
  const T dt_min = opt.dt_min;

  auto rows = [](const Buf& b, int m) { return Kokkos::subview(b, Kokkos::make_pair(0, m), Kokkos::ALL); };
  const detail::RowVector<T> vec_of{};  // a function object: kernels cannot capture a host lambda (nvcc)
  auto stage_rows = [&](int i, int m) {
    return Kokkos::subview(K, Kokkos::make_pair(i * B, i * B + m), Kokkos::ALL);
  };

  for (int c0 = 0; c0 < n; c0 += B) {
    int m = std::min(B, n - c0);
    int cur = 0;
    {
      Buf y = ybuf[cur];
      auto st = stbuf[cur];
      Kokkos::parallel_for(
          "odeflow::solve_batch[Lockstep]::load", Kokkos::RangePolicy<ExecSpace>(space, 0, m),
          KOKKOS_LAMBDA(int a) {
            State z{};
            z.sample = c0 + a;
            z.t = t0;
            z.cs = controller.template initial_state<T>();
            z.active = true;
            z.status = static_cast<int>(Status::success);
            for (int k = 0; k < d; ++k) y(a, k) = x(z.sample, k);
            int j = 0;
            while (j < m_save && times(j) == t0) {
              for (int k = 0; k < d; ++k) out(z.sample, j, k) = y(a, k);
              ++j;
            }
            z.next_save = j;
            st(a) = z;
          });
    }
    auto eval = [&](const Buf& in, const Buf& dst, int mm, bool use_stage_times) {
      if (use_stage_times) {
        f(space, Kokkos::subview(tstage, Kokkos::make_pair(0, mm)), rows(in, mm), rows(dst, mm));
      } else {
        auto st = stbuf[cur];
        Kokkos::parallel_for(
            "odeflow::solve_batch[Lockstep]::times", Kokkos::RangePolicy<ExecSpace>(space, 0, mm),
            KOKKOS_LAMBDA(int a) { tstage(a) = st(a).t; });
        f(space, Kokkos::subview(tstage, Kokkos::make_pair(0, mm)), rows(in, mm), rows(dst, mm));
      }
    };
    // Derivative at the start, for every sample.
    eval(ybuf[cur], k0buf[cur], m, false);
    {
      auto st = stbuf[cur];
      Buf k0 = k0buf[cur];
      Kokkos::parallel_for(
          "odeflow::solve_batch[Lockstep]::k0", Kokkos::RangePolicy<ExecSpace>(space, 0, m),
          KOKKOS_LAMBDA(int a) {
            State& z = st(a);
            z.nfe += 1;
            if (!detail::all_finite(vec_of(k0, a, d), d)) {
              z.status = static_cast<int>(Status::non_finite);
              z.active = false;
            }
          });
    }
    if (t1 != t0 && !fixed) {
      // Initial step (Hairer), per sample or over the whole batch.
      if (opt.dt0 > T(0)) {
        auto st = stbuf[cur];
        const T h0 = simd::min(opt.dt0, dt_max);
        Kokkos::parallel_for(
            "odeflow::solve_batch[Lockstep]::dt0", Kokkos::RangePolicy<ExecSpace>(space, 0, m),
            KOKKOS_LAMBDA(int a) { st(a).h_mag = h0; });
      } else {
        auto st = stbuf[cur];
        Buf y = ybuf[cur], k0 = k0buf[cur];
        Kokkos::View<T*, mem> s01("odeflow::hinit", 2 * B);
        Kokkos::parallel_for(
            "odeflow::solve_batch[Lockstep]::hinit1", Kokkos::RangePolicy<ExecSpace>(space, 0, m),
            KOKKOS_LAMBDA(int a) {
              detail::hinit_sums(norm, vec_of(y, a, d), vec_of(k0, a, d), d, s01(2 * a), s01(2 * a + 1));
            });
        T g0 = 0, g1 = 0;
        if (mode.shared_step) {
          Kokkos::parallel_reduce(
              "odeflow::solve_batch[Lockstep]::hinit_shared", Kokkos::RangePolicy<ExecSpace>(space, 0, m),
              KOKKOS_LAMBDA(int a, T& u0, T& u1) {
                u0 += s01(2 * a);
                u1 += s01(2 * a + 1);
              },
              g0, g1);
        }
        const bool shared = mode.shared_step;
        const T gd = T(m) * T(norm.measured(d));
        const T dm = T(norm.measured(d));
        Kokkos::parallel_for(
            "odeflow::solve_batch[Lockstep]::hinit2", Kokkos::RangePolicy<ExecSpace>(space, 0, m),
            KOKKOS_LAMBDA(int a) {
              const T d0 = shared ? Kokkos::sqrt(g0 / gd) : Kokkos::sqrt(s01(2 * a) / dm);
              const T d1 = shared ? Kokkos::sqrt(g1 / gd) : Kokkos::sqrt(s01(2 * a + 1) / dm);
              const T h0 = detail::hinit_h0<T>(d0, d1, span);
              st(a).h_mag = h0;
              st(a).err = d1;
              tstage(a) = st(a).t + dir * h0;
              for (int k = 0; k < d; ++k) tmp(a, k) = y(a, k) + dir * h0 * k0(a, k);
            });
        eval(tmp, ynew, m, true);
        Kokkos::parallel_for(
            "odeflow::solve_batch[Lockstep]::hinit3", Kokkos::RangePolicy<ExecSpace>(space, 0, m),
            KOKKOS_LAMBDA(int a) {
              s01(2 * a) = detail::hinit_diff<T, T>(norm, vec_of(y, a, d), vec_of(k0, a, d), vec_of(ynew, a, d), d);
            });
        T g2 = 0;
        if (mode.shared_step) {
          Kokkos::parallel_reduce(
              "odeflow::solve_batch[Lockstep]::hinit_shared2", Kokkos::RangePolicy<ExecSpace>(space, 0, m),
              KOKKOS_LAMBDA(int a, T& u) { u += s01(2 * a); }, g2);
        }
        const int order = Tab::order;
        Kokkos::parallel_for(
            "odeflow::solve_batch[Lockstep]::hinit4", Kokkos::RangePolicy<ExecSpace>(space, 0, m),
            KOKKOS_LAMBDA(int a) {
              State& z = st(a);
              const T h0 = z.h_mag;
              const T d2 = (shared ? Kokkos::sqrt(g2 / gd) : Kokkos::sqrt(s01(2 * a) / dm)) / h0;
              z.h_mag = simd::min(detail::hinit_final<T>(z.err, d2, h0, span, order), dt_max);
              if (z.active) z.nfe += 1;
            });
      }
    }

    long fixed_i = 0;
    long nsteps = 0;
    T h_fixed = 0;
    if (fixed) {
      h_fixed = simd::min(opt.dt, span);
      const T ratio = span / h_fixed;
      T nst = std::round(ratio);
      if (std::fabs(ratio - nst) > T(64) * eps * ratio) nst = std::ceil(ratio);
      nsteps = t1 == t0 ? 0 : static_cast<long>(nst);
    }
    bool any_active = t1 != t0;
    while (any_active && m > 0) {
      Buf y = ybuf[cur], k0 = k0buf[cur];
      auto st = stbuf[cur];
      const bool shared = mode.shared_step;
      // Step sizes and targets.
      T grid_end = t1;
      if (fixed) grid_end = (fixed_i + 1 == nsteps) ? t1 : t0 + dir * T(fixed_i + 1) * h_fixed;
      Kokkos::parallel_for(
          "odeflow::solve_batch[Lockstep]::plan", Kokkos::RangePolicy<ExecSpace>(space, 0, m),
          KOKKOS_LAMBDA(int a) {
            State& z = st(a);
            T target = fixed ? grid_end : t1;
            if (!has_dense_output_v<Tab>) {  // not if constexpr: nvcc rejects a first capture there
              if (z.next_save < m_save && dir * (times(z.next_save) - target) < T(0))
                target = times(z.next_save);
            }
            if (z.active && !fixed) {
              if (z.attempts >= max_steps) {
                z.status = static_cast<int>(Status::max_steps_reached);
                z.active = false;
              }
              const T remaining = Kokkos::fabs(target - z.t);
              const T min_step = simd::max(dt_min, T(16) * eps * Kokkos::fabs(z.t));
              if (z.active && z.h_mag < min_step && remaining > min_step) {
                z.status = static_cast<int>(z.last_nonfinite ? Status::non_finite : Status::dt_underflow);
                z.active = false;
              }
              z.lands = z.h_mag >= remaining * (T(1) - T(4) * eps);
              z.dt_last = z.active ? (z.lands ? target - z.t : dir * z.h_mag) : T(0);
            } else if (z.active) {
              if (z.accepted >= max_steps) {
                z.status = static_cast<int>(Status::max_steps_reached);
                z.active = false;
              }
              z.lands = true;
              z.dt_last = z.active ? target - z.t : T(0);
            } else {
              z.dt_last = T(0);
            }
            z.err = target;  // the step's end when it lands
          });
      // Stages.
      detail::static_for_host<s - 1>([&](auto im1) {
        constexpr int i = decltype(im1)::value + 1;
        Buf dst = (Tab::fsal && i == s - 1) ? ynew : tmp;
        detail::lockstep_stage<Tab, i>(space, m, B, d, st, y, k0, K, ynew, tmp, dst, tstage);
        f(space, Kokkos::subview(tstage, Kokkos::make_pair(0, m)), rows(dst, m), stage_rows(i, m));
      });
      if constexpr (!Tab::fsal) {
        Kokkos::parallel_for(
            "odeflow::solve_batch[Lockstep]::ynew", Kokkos::RangePolicy<ExecSpace>(space, 0, m),
            KOKKOS_LAMBDA(int a) {
              const T h = st(a).dt_last;
              const detail::RowWorkspace<T, Buf> ws{K, ynew, tmp, a, B, d, ns, k0};
              const auto row = detail::scaled_row<s>(h, detail::RowB<Tab>{});
              for (int k = 0; k < d; ++k)
                ynew(a, k) = detail::stage_state<s, detail::RowB<Tab>>(y(a, k), ws, k, row, {});
            });
      }
      // Stage 0 into K's first block, so that error and interpolation see all stages.
      Kokkos::parallel_for(
          "odeflow::solve_batch[Lockstep]::k0copy", Kokkos::RangePolicy<ExecSpace>(space, 0, m),
          KOKKOS_LAMBDA(int a) {
            for (int k = 0; k < d; ++k) K(a, k) = k0(a, k);
          });
      // Error per sample (adaptive) and finiteness.
      T err_shared = 0;
      Kokkos::parallel_for(
          "odeflow::solve_batch[Lockstep]::error", Kokkos::RangePolicy<ExecSpace>(space, 0, m),
          KOKKOS_LAMBDA(int a) {
            State& z = st(a);
            detail::RowWorkspace<T, Buf> ws{K, ynew, tmp, a, B, d, ns};
            bool finite = true;
            if (!fixed) {
              T ln_e;
              const T e = rk_error<Tab>(norm, z.dt_last, vec_of(y, a, d), ws, finite, ln_e);
              z.ln_err = ln_e;
              z.finite = finite && Kokkos::isfinite(e);
              tstage(a) = e;
            } else {
              finite = detail::all_finite(vec_of(ynew, a, d), d);
              if (Tab::fsal) finite = finite && detail::all_finite(ws.vec(s - 1), d);
              z.finite = finite;
            }
          });
      if (shared && !fixed) {
        const bool rms = norm.kind != ErrorNormKind::odeint_max;
        Kokkos::parallel_reduce(
            "odeflow::solve_batch[Lockstep]::error_shared", Kokkos::RangePolicy<ExecSpace>(space, 0, m),
            KOKKOS_LAMBDA(int a, T& u) {
              const T e = st(a).finite ? tstage(a) : Kokkos::Experimental::infinity<T>::value;
              if (!st(a).active) return;
              u = rms ? u + e * e : simd::max(u, e);
            },
            err_shared);
        int n_active = 0;
        Kokkos::parallel_reduce(
            "odeflow::solve_batch[Lockstep]::count", Kokkos::RangePolicy<ExecSpace>(space, 0, m),
            KOKKOS_LAMBDA(int a, int& u) { u += st(a).active ? 1 : 0; }, n_active);
        if (rms) err_shared = std::sqrt(err_shared / T(std::max(n_active, 1)));
      }
      // Dense stages (DOP853) when some sample will interpolate in this step.
      if constexpr (has_dense_output_v<Tab> && (Tab::num_dense_stages > Tab::num_stages)) {
        int due = 0;
        if (m_save > 0) {
          Kokkos::parallel_reduce(
              "odeflow::solve_batch[Lockstep]::dense_due", Kokkos::RangePolicy<ExecSpace>(space, 0, m),
              KOKKOS_LAMBDA(int a, int& u) {
                const State& z = st(a);
                const T t_new = z.lands ? z.err : z.t + z.dt_last;
                if (z.active && z.next_save < m_save && dir * (times(z.next_save) - t_new) <= T(0)) u += 1;
              },
              due);
        }
        if (due > 0) {
          detail::static_for_host<Tab::num_dense_stages - Tab::num_stages>([&](auto im) {
            constexpr int i = decltype(im)::value + Tab::num_stages;
            detail::lockstep_dense_stage<Tab, i>(space, m, B, d, st, y, K, ynew, tmp, tstage);
            f(space, Kokkos::subview(tstage, Kokkos::make_pair(0, m)), rows(tmp, m), stage_rows(i, m));
          });
        }
      }
      // Decide, update, save.
      Kokkos::parallel_for(
          "odeflow::solve_batch[Lockstep]::decide", Kokkos::RangePolicy<ExecSpace>(space, 0, m),
          KOKKOS_LAMBDA(int a) {
            State& z = st(a);
            if (!z.active) return;
            const T h = z.dt_last;
            const T target = z.err;
            const T t_new = z.lands ? target : z.t + h;
            z.nfe += s - 1;
            bool acc;
            T fac = T(1);
            if (fixed) {
              acc = z.finite;
              if (!acc) {
                z.status = static_cast<int>(Status::non_finite);
                z.active = false;
                return;
              }
            } else {
              z.attempts += 1;
              const T e = shared ? err_shared : tstage(a);
              const bool ok = shared ? Kokkos::isfinite(err_shared) : z.finite;
              acc = ok && e <= T(1);
              if (!ok) {
                z.rejected += 1;
                z.last_nonfinite = true;
                z.cs.last_rejected = true;
                z.h_mag = Kokkos::fabs(h) * controller.fac_min;
                z.dt_last = dir * z.h_mag;
                return;
              }
              fac = shared ? controller.factor(e, acc, true, z.cs) : controller.factor(e, z.ln_err, acc, true, z.cs);
            }
            if (acc) {
              // Save times inside (t, t_new].
              detail::RowWorkspace<T, Buf> ws{K, ynew, tmp, a, B, d, ns};
              const StridedVector<T> y_old = vec_of(y, a, d);  // captured here, not in if constexpr (nvcc)
              while (z.next_save < m_save && dir * (times(z.next_save) - t_new) <= T(0)) {
                const T tsv = times(z.next_save);
                if (tsv == t_new) {
                  for (int k = 0; k < d; ++k) out(z.sample, z.next_save, k) = ynew(a, k);
                } else {
                  if constexpr (has_dense_output_v<Tab>) {
                    StridedVector<T> o{&tmp(a, 0), d, 1};
                    rk_interpolate<Tab>((tsv - z.t) / h, h, y_old, ws, 0, o);
                    for (int k = 0; k < d; ++k) out(z.sample, z.next_save, k) = tmp(a, k);
                    z.dense_used = true;
                  }
                }
                ++z.next_save;
              }
              if constexpr (Tab::num_dense_stages > Tab::num_stages) {
                if (z.dense_used) z.nfe += Tab::num_dense_stages - Tab::num_stages;
              }
              z.dense_used = false;
              for (int k = 0; k < d; ++k) y(a, k) = ynew(a, k);
              if (Tab::fsal) {
                for (int k = 0; k < d; ++k) k0(a, k) = ws.vec(s - 1)[k];
              }
              z.t = t_new;
              z.accepted += 1;
              z.last_nonfinite = false;
              if (!fixed) {
                const T h_next = simd::min(Kokkos::fabs(h) * fac, dt_max);
                z.h_mag = (z.lands && fac >= T(1)) ? simd::max(h_next, simd::min(z.h_mag, dt_max)) : h_next;
                z.dt_last = dir * z.h_mag;
              }
              if (z.t == t1) {
                z.active = false;
              } else if constexpr (Tab::fsal) {
                if (!detail::all_finite(vec_of(k0, a, d), d)) {
                  z.status = static_cast<int>(Status::non_finite);
                  z.active = false;
                }
              }
            } else {
              z.rejected += 1;
              z.h_mag = Kokkos::fabs(h) * fac;
              z.dt_last = dir * z.h_mag;
            }
          });
      if (fixed) {
        // A step that ended on a save time (methods without dense output) is not a grid step.
        T first_t = 0;
        Kokkos::parallel_reduce(
            "odeflow::solve_batch[Lockstep]::grid", Kokkos::RangePolicy<ExecSpace>(space, 0, 1),
            KOKKOS_LAMBDA(int, T& u) { u = st(0).t; }, first_t);
        if (first_t == grid_end || !has_dense_output_v<Tab> ? first_t == grid_end : true) ++fixed_i;
      }
      // Non-FSAL: derivative at the new points (rows that did not move recompute the same values).
      if constexpr (!Tab::fsal) {
        int need = 0;
        Kokkos::parallel_reduce(
            "odeflow::solve_batch[Lockstep]::need_k0", Kokkos::RangePolicy<ExecSpace>(space, 0, m),
            KOKKOS_LAMBDA(int a, int& u) { u += st(a).active ? 1 : 0; }, need);
        if (need > 0) {
          eval(y, k0, m, false);
          Kokkos::parallel_for(
              "odeflow::solve_batch[Lockstep]::k0check", Kokkos::RangePolicy<ExecSpace>(space, 0, m),
              KOKKOS_LAMBDA(int a) {
                State& z = st(a);
                if (!z.active || z.dt_last == T(0)) return;
                z.nfe += 1;
                if (!detail::all_finite(vec_of(k0, a, d), d)) {
                  z.status = static_cast<int>(Status::non_finite);
                  z.active = false;
                }
              });
        }
      }
      // Retire finished samples and compact the survivors.
      int alive = 0;
      Kokkos::parallel_scan(
          "odeflow::solve_batch[Lockstep]::scan", Kokkos::RangePolicy<ExecSpace>(space, 0, m),
          KOKKOS_LAMBDA(int a, int& u, bool final) {
            if (final) pos(a) = st(a).active ? u : -1;
            u += st(a).active ? 1 : 0;
          },
          alive);
      if (alive < m) {
        const int nxt = 1 - cur;
        Buf y2 = ybuf[nxt], k02 = k0buf[nxt];
        auto st2 = stbuf[nxt];
        Kokkos::parallel_for(
            "odeflow::solve_batch[Lockstep]::compact", Kokkos::RangePolicy<ExecSpace>(space, 0, m),
            KOKKOS_LAMBDA(int a) {
              const State& z = st(a);
              const int p = pos(a);
              if (p < 0) {
                for (int k = 0; k < d; ++k) x(z.sample, k) = y(a, k);
                Statistics<T> r;
                r.nfe = z.nfe;
                r.accepted = z.accepted;
                r.rejected = z.rejected;
                r.status = static_cast<Status>(z.status);
                r.t = z.t;
                r.dt_last = fixed ? z.dt_last : dir * z.h_mag;
                if (fixed) r.dt_last = z.dt_last;
                stats(z.sample) = r;
                return;
              }
              for (int k = 0; k < d; ++k) {
                y2(p, k) = y(a, k);
                k02(p, k) = k0(a, k);
              }
              st2(p) = z;
            });
        cur = nxt;
        m = alive;
      }
      any_active = m > 0;
    }
    if (m > 0) {
      // t1 == t0: every sample is returned unchanged.
      Buf y = ybuf[cur];
      auto st = stbuf[cur];
      Kokkos::parallel_for(
          "odeflow::solve_batch[Lockstep]::retire", Kokkos::RangePolicy<ExecSpace>(space, 0, m),
          KOKKOS_LAMBDA(int a) {
            const State& z = st(a);
            for (int k = 0; k < d; ++k) x(z.sample, k) = y(a, k);
            Statistics<T> r;
            r.nfe = z.nfe;
            r.status = static_cast<Status>(z.status);
            r.t = z.t;
            stats(z.sample) = r;
          });
    }
  }
}

}  // namespace odeflow
