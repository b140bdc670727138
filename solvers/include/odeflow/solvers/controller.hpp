// Step-size controllers (I, PI, PID) and the named presets that reproduce other codes.
#pragma once

#include <odeflow/solvers/simd.hpp>

#include <Kokkos_Macros.hpp>

namespace odeflow {

/// Error history a controller carries from step to step (explicit state, no hidden
/// members), per lane: V is a scalar or a Pack. The history is kept as logarithms, as the
/// factor uses it (no logarithm of it in each step), and only when beta2 or beta3 is nonzero.
template <class V>
struct ControllerState {
  V ln_err_prev;                ///< ln max(err_{n-1}, err_floor), as max(ln err_{n-1}, ln err_floor)
  V ln_err_prev2;               ///< ln max(err_{n-2}, err_floor)
  mask_t<V> last_rejected;      ///< the previous attempt was rejected; kept only with no_increase_after_reject
  scalar_t<V> ln_err_floor;     ///< simd::ln(err_floor), computed once
};

/// Step-size controller of the PID family (Soderlind 2003; Hairer, Norsett,
/// Wanner I, II.4 and II, IV.2).
///
/// With err_n the scaled error norm of the step just attempted (accept iff err_n <= 1),
/// the step-size factor after an accepted step is
///
///     factor = safety * (1/err_n)^beta1 * (1/err_{n-1})^beta2 * (1/err_{n-2})^beta3,
///
/// clamped to [max(fac_min, fac_min_accept), fac_max]; when `hold_above` <= err_n
/// the factor is 1 (Boost.Odeint keeps dt unless err < 0.5); after a rejection
/// with `no_increase_after_reject` the factor is at most 1 (Hairer). After a
/// rejected step the factor is safety * (1/err_n)^beta_reject clamped to [fac_min, 1].
/// err_{n-1}, err_{n-2} are floored at `err_floor` and start at `err_init`.
///
/// I controller: beta2 = beta3 = 0. PI: beta3 = 0. The exponents are absolute
/// (already divided by the order); the presets below compute them from the method's order.
template <class T>
struct Controller {
  /// Exponent of 1/err_n.
  T beta1 = T(0.2);
  /// Exponent of 1/err_{n-1}.
  T beta2 = T(0);
  /// Exponent of 1/err_{n-2}.
  T beta3 = T(0);
  /// Exponent after a rejected step.
  T beta_reject = T(0.2);
  /// Safety factor.
  T safety = T(0.9);
  /// Smallest factor (after acceptance and rejection).
  T fac_min = T(0.2);
  /// Largest factor.
  T fac_max = T(10);
  /// Smallest factor after an accepted step, on top of fac_min (1: never shrink after acceptance, torchdiffeq).
  T fac_min_accept = T(0);
  /// When err_n >= hold_above the factor is 1 (> 1: never hold).
  T hold_above = T(2);  // > 1: never hold
  /// Floor of the error history err_{n-1}, err_{n-2}.
  T err_floor = T(1e-4);
  /// Initial value of the error history.
  T err_init = T(1);
  /// Factor at most 1 right after a rejection (Hairer).
  bool no_increase_after_reject = false;

  /// The state a fresh solve starts with.
  template <class V = T>
  KOKKOS_FUNCTION ControllerState<V> initial_state() const {
    using S = scalar_t<V>;
    const S ln_init = simd::ln(S(err_init));
    return {V(ln_init), V(ln_init), mask_t<V>(false), simd::ln(S(err_floor))};
  }

  /// Step-size factor after an attempt with finite scaled error `err`, per lane.
  /// `accepted` (err <= 1) selects the accepted or rejected rule; the state changes
  /// only in lanes where `update` is set.
  template <class V, class M>
  KOKKOS_FORCEINLINE_FUNCTION V factor(const V& err, const M& accepted, const M& update,
                           ControllerState<V>& st) const {
    return factor(err, simd::ln(err), accepted, update, st);
  }
  /// factor() given also `ln_err`, the logarithm of err (simd::ln(err), or as the error norm
  /// computes it: ErrorNorm::finish_ln). The norm's logarithm spares the adaptive step's critical
  /// path the wait for the norm's square root. `err` itself is read only by `hold_above` <= 1.
  template <class V, class M>
  KOKKOS_FORCEINLINE_FUNCTION V factor(const V& err, const V& ln_err, const M& accepted, const M& update,
                           ControllerState<V>& st) const {
    using simd::select;
    // Branches on the (scalar) settings skip per-lane selects that cannot change anything:
    // the adaptive step is latency-bound and waits on this factor.
    const V beta = beta1 == beta_reject ? V(beta1) : select(accepted, V(beta1), V(beta_reject));
    // err == 0 gives a huge factor here, clamped to fac_max below.
    V f;
    const bool history = beta2 != T(0) || beta3 != T(0);
    if (history) {
      // One exponential, exp(-beta ln err - beta2 ln err_prev - beta3 ln err_prev2); the
      // history's terms are 0 after a rejection, and the beta3 term is exactly 0 for a PI
      // controller (no branch: a second path in the loop measured 2% slower).
      const V hist = simd::fma(select(accepted, V(-beta3), V(T(0))), st.ln_err_prev2,
                               V(select(accepted, V(-beta2), V(T(0))) * st.ln_err_prev));
      f = safety * simd::exp_fma(V(-beta), ln_err, hist);
    } else {
      f = safety * simd::exp_mul(V(-beta), ln_err);
    }
    const T lo_acc = fac_min_accept > fac_min ? fac_min_accept : fac_min;
    const V lo = lo_acc == fac_min ? V(fac_min) : select(accepted, V(lo_acc), V(fac_min));
    f = simd::min(select(accepted, V(fac_max), V(1)), simd::max(lo, f));
    if (!(hold_above > T(1))) {  // accepted means err <= 1: a hold above 1 never applies
      const M hold = accepted & (err >= V(hold_above));
      f = select(hold, V(1), f);
    }
    if (no_increase_after_reject) {
      const M cap = accepted & st.last_rejected;
      f = select(cap, simd::min(f, V(1)), f);
    }
    if (history) {
      const M acc_upd = accepted & update;
      st.ln_err_prev2 = select(acc_upd, st.ln_err_prev, st.ln_err_prev2);
      st.ln_err_prev = select(acc_upd, simd::max(ln_err, V(st.ln_err_floor)), st.ln_err_prev);
    }
    // Read only with no_increase_after_reject.
    if (no_increase_after_reject) st.last_rejected = select(update, M(!accepted), st.last_rejected);
    return f;
  }
};

/// Integral (I) controller: factor = 0.9 (1/err)^(1/k), k = embedded order + 1, factors in [0.2, 10].
template <class T>
constexpr Controller<T> i_controller(int k) {
  Controller<T> c;
  c.beta1 = T(1) / T(k);
  c.beta_reject = c.beta1;
  return c;
}

/// PI controller of Gustafsson (1991): beta1 = 0.7/k, beta2 = -0.4/k, k = embedded order + 1.
template <class T>
constexpr Controller<T> pi_controller(int k) {
  Controller<T> c;
  c.beta1 = T(0.7) / T(k);
  c.beta2 = T(-0.4) / T(k);
  c.beta_reject = c.beta1;
  return c;
}

/// PID controller, Soderlind's H312PID filter ("Digital filters in adaptive
/// time-stepping", ACM TOMS 29 (2003) 1-26, doi:10.1145/641876.641877):
/// k beta = (1/18, 1/9, 1/18) on (1/err_n, 1/err_{n-1}, 1/err_{n-2}), k = embedded order + 1;
/// after a rejection the elementary exponent 1/k.
template <class T>
constexpr Controller<T> pid_controller(int k) {
  Controller<T> c;
  c.beta1 = T(1) / T(18 * k);
  c.beta2 = T(1) / T(9 * k);
  c.beta3 = T(1) / T(18 * k);
  c.beta_reject = T(1) / T(k);
  return c;
}

/// Hairer's DOPRI5 code (dopri5.f defaults): PI with beta = 0.04,
/// beta1 = 1/p - 0.75 beta, beta2 = -beta (p = method order), safety 0.9,
/// factors in [0.2, 10], err_{n-1} starting at 1e-4, no increase right after a rejection.
template <class T>
constexpr Controller<T> hairer_dopri5_controller(int p = 5) {
  Controller<T> c;
  const T beta = T(0.04);
  c.beta1 = T(1) / T(p) - T(0.75) * beta;
  c.beta2 = -beta;
  c.beta_reject = c.beta1;
  c.safety = T(0.9);
  c.fac_min = T(0.2);
  c.fac_max = T(10);
  c.err_floor = T(1e-4);
  c.err_init = T(1e-4);
  c.no_increase_after_reject = true;
  return c;
}

/// Hairer's DOP853 code (dop853.f defaults): I controller with exponent 1/8
/// (beta = 0), safety 0.9, factors in [1/3, 6], no increase right after a rejection.
template <class T>
constexpr Controller<T> hairer_dop853_controller(int p = 8) {
  Controller<T> c;
  c.beta1 = T(1) / T(p);
  c.beta_reject = c.beta1;
  c.safety = T(0.9);
  c.fac_min = T(0.333);
  c.fac_max = T(6);
  c.err_floor = T(1e-4);
  c.err_init = T(1e-4);
  c.no_increase_after_reject = true;
  return c;
}

/// torchdiffeq's adaptive solvers (`_optimal_step_size`): factor =
/// min(10, max(0.9 (1/err)^(1/p), 0.2)), and never below 1 after an accepted step (p = method order).
template <class T>
constexpr Controller<T> torchdiffeq_controller(int p) {
  Controller<T> c;
  c.beta1 = T(1) / T(p);
  c.beta_reject = c.beta1;
  c.safety = T(0.9);
  c.fac_min = T(0.2);
  c.fac_max = T(10);
  c.fac_min_accept = T(1);
  return c;
}

/// Boost.Odeint's controlled_runge_kutta with default_step_adjuster: a rejected
/// step shrinks by max(0.9 err^(-1/(q-1)), 0.2) (q = error order); an accepted one
/// grows by 0.9 max(err, 5^-p)^(-1/p) only when err < 0.5 (p = stepper order), so at most 4.5x.
/// Use with ErrorNormKind::odeint_max to reproduce its error checker too.
template <class T>
constexpr Controller<T> odeint_controller(int p, int q) {
  Controller<T> c;
  c.beta1 = T(1) / T(p);
  c.beta_reject = T(1) / T(q - 1 > 0 ? q - 1 : 1);
  c.safety = T(0.9);
  c.fac_min = T(0.2);
  c.fac_max = T(4.5);  // 0.9 * (5^-p)^(-1/p)
  c.hold_above = T(0.5);
  c.err_floor = T(0);
  return c;
}

/// OrdinaryDiffEq.jl's default PI controller: beta1 = 7/(10p), beta2 = -2/(5p)
/// (p = method order), gamma = 0.9, qmin = 0.2, qmax = 10, qoldinit = 1e-4.
template <class T>
constexpr Controller<T> ordinarydiffeq_controller(int p) {
  Controller<T> c;
  c.beta1 = T(7) / T(10 * p);
  c.beta2 = T(-2) / T(5 * p);
  c.beta_reject = c.beta1;
  c.err_floor = T(1e-4);
  c.err_init = T(1e-4);
  c.no_increase_after_reject = true;
  return c;
}

}  // namespace odeflow
