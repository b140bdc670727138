// Host cross-checks against Boost.Odeint on the Lorenz system and the harmonic oscillator:
// fixed-step RK4, adaptive Dormand-Prince with the odeint controller preset, dense output,
// and the adapter for odeint-style systems.
#include "problems.hpp"

#include <odeflow/solvers/odeint_adapter.hpp>
#include <odeflow/solvers/solve.hpp>
#include <odeflow/solvers/tableaus/dormand_prince54.hpp>
#include <odeflow/solvers/tableaus/runge_kutta4.hpp>

#include <boost/numeric/odeint.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <limits>
#include <span>
#include <vector>

using namespace odeflow;
namespace oi = boost::numeric::odeint;

namespace {

// ------------------------------------------------------------------ systems

/// Lorenz (1963) right-hand side with sigma = 10, rho = 28, beta = 8/3, written once and
/// shared by the native field and the odeint system so that both compute the same bits.
/// Host code (this file's solves run on the host): it is called with std::array and
/// std::vector, whose operator[] device compilers reject.
template <class X, class DX>
void lorenz_rhs(const X& x, DX& dx) {
  const double sigma = 10.0, rho = 28.0, beta = 8.0 / 3.0;
  dx[0] = sigma * (x[1] - x[0]);
  dx[1] = rho * x[0] - x[1] - x[0] * x[2];
  dx[2] = x[0] * x[1] - beta * x[2];
}

/// The native odeflow field f(t, y, dydt).
struct Lorenz {
  static constexpr int dim = 3;
  template <class T, class Y, class DY>
  void operator()(T, const Y& y, DY& dy) const {
    lorenz_rhs(y, dy);
  }
};

using test::AsOdeint;

/// Wraps a field or an odeint system and records the time of every evaluation, so that
/// the two codes' sequences of attempted steps (accepted and rejected) can be compared.
template <class F>
struct RecordingField {
  F f;
  std::vector<double>* times;
  template <class T, class Y, class DY>
  void operator()(T t, const Y& y, DY& dy) const {
    times->push_back(t);
    f(t, y, dy);
  }
};
template <class Sys>
struct RecordingSystem {
  Sys sys;
  std::vector<double>* times;
  template <class S>
  void operator()(const S& x, S& dxdt, double t) const {
    times->push_back(t);
    sys(x, dxdt, t);
  }
};

template <std::size_t N>
double max_rel_diff(const std::array<double, N>& a, const std::array<double, N>& b) {
  double m = 0;
  for (std::size_t k = 0; k < N; ++k)
    m = std::max(m, std::abs(a[k] - b[k]) / std::max(1.0, std::abs(b[k])));
  return m;
}

template <class F>
constexpr std::array<double, F::dim> initial_state() {
  if constexpr (F::dim == 3) {
    return {10.0, 1.0, 1.0};  // the Lorenz example of odeint's documentation
  } else {
    return {1.0, 0.0};
  }
}

template <class F>
const char* system_name() {
  return F::dim == 3 ? "Lorenz" : "Oscillator";
}

// ------------------------------------------------------------------ (a) fixed-step RK4

// 1000 steps of 1e-3 on [0, 1] (not yet chaotic for Lorenz: perturbations grow by at most
// a few units there). The two codes evaluate the same formula in a different order
// (odeint: x + dt/6 k1 + dt/3 k2 + ..., odeflow: y + h (k1/6 + k2/3 + ...)), and odeflow
// steps from grid point t0 + i dt to t0 + (i + 1) dt rather than by exactly dt, so they
// agree to accumulated rounding: 1000 steps x a few ulp, well below 1e-12.
template <class F>
void check_rk4() {
  constexpr double dt = 1e-3;
  auto x = initial_state<F>();
  const std::size_t steps = oi::integrate_const(oi::runge_kutta4<std::array<double, F::dim>>{},
                                                AsOdeint<F>{}, x, 0.0, 1.0, dt);
  SolveOptions<double> o;
  o.dt = dt;
  const auto r = solve(RungeKutta4<double>{}, F{}, initial_state<F>(), 0.0, 1.0, o);
  ASSERT_EQ(r.stats.status, Status::success);
  EXPECT_EQ(steps, 1000u);
  EXPECT_EQ(r.stats.accepted, 1000);
  const double d = max_rel_diff(r.y, x);
  EXPECT_LE(d, 1e-12) << system_name<F>();
  std::printf("[odeint] %s RK4 dt 1e-3, 1000 steps: max relative difference %.3g\n", system_name<F>(), d);
}

TEST(Odeint, FixedStepRk4MatchesToRoundOffLorenz) { check_rk4<Lorenz>(); }
TEST(Odeint, FixedStepRk4MatchesToRoundOffOscillator) { check_rk4<test::Oscillator>(); }

// ------------------------------------------------------------------ (b) adaptive dopri5, odeint preset

/// odeflow options reproducing odeint's controlled_runge_kutta<runge_kutta_dopri5> with
/// default_error_checker(atol, rtol) and default_step_adjuster: stepper order 5, error
/// order 4 (odeint's names: an accepted step grows by 0.9 err^(-1/5) when err < 0.5, a
/// rejected one shrinks by max(0.9 err^(-1/3), 0.2)).
SolveOptions<double> odeint_preset(double tol, double dt) {
  SolveOptions<double> o;
  o.controller = odeint_controller<double>(5, 4);
  o.norm.kind = ErrorNormKind::odeint_max;
  o.norm.rtol = o.norm.atol = tol;
  o.dt0 = dt;
  return o;
}

/// Compares the two codes attempt by attempt: with the preset, both evaluate the field at
/// the same sequence of times up to rounding, so they accept and reject the same steps
/// (counts asserted equal) and land on t1 the same way (each shortens only its last step).
///
/// Why "up to rounding" is eps/tol and not eps: the stages are summed in another order, and
/// the estimate h sum_i e_i k_i is a sum of O(|h f|) terms that cancel down to O(tol), so its
/// relative rounding error is O(eps |h f| / tol). The step factor err^(-1/5) passes on a fifth
/// of it, and the odeint controller keeps a step unchanged while 0.5 <= err <= 1, so the
/// difference persists instead of being damped. Measured: 2e-12 (tol 1e-6) to 1.6e-7
/// (tol 1e-10) relative; the bound is 10 eps / tol. A controller or norm that differs from
/// odeint's shows up as different step counts (checked by hand on Lorenz at 1e-6: the RMS
/// norm, safety 0.91 or no 0.5 hold each change them).
template <class F>
void check_adaptive(double t1, double tol) {
  constexpr double dt = 1e-2;
  std::vector<double> ode_times, flow_times;
  auto x = initial_state<F>();
  const std::size_t ode_steps = oi::integrate_adaptive(
      oi::make_controlled(tol, tol, oi::runge_kutta_dopri5<std::array<double, F::dim>>{}),
      RecordingSystem<AsOdeint<F>>{{}, &ode_times}, x, 0.0, t1, dt);
  const auto r = solve(DormandPrince54<double>{}, RecordingField<F>{{}, &flow_times}, initial_state<F>(),
                       0.0, t1, odeint_preset(tol, dt));
  ASSERT_EQ(r.stats.status, Status::success);

  // odeint's dopri5 is FSAL too: one evaluation at t0, then 6 per attempt.
  const int ode_attempts = static_cast<int>(ode_times.size() - 1) / 6;
  std::printf("[odeint] %s dopri5 tol %.0e on [0, %g]: odeint %zu accepted + %d rejected, "
              "odeflow %d accepted + %d rejected\n",
              system_name<F>(), tol, t1, ode_steps, ode_attempts - static_cast<int>(ode_steps),
              r.stats.accepted, r.stats.rejected);
  EXPECT_EQ(r.stats.accepted, static_cast<int>(ode_steps));
  EXPECT_EQ(r.stats.accepted + r.stats.rejected, ode_attempts);
  EXPECT_EQ(r.stats.nfe, static_cast<int>(ode_times.size()));
  ASSERT_EQ(flow_times.size(), ode_times.size());
  double dtime = 0;
  for (std::size_t i = 0; i < ode_times.size(); ++i)
    dtime = std::max(dtime, std::abs(flow_times[i] - ode_times[i]) / std::max(1.0, std::abs(ode_times[i])));
  EXPECT_LE(dtime, 10 * std::numeric_limits<double>::epsilon() / tol) << "evaluation times drift apart";

  // Same steps, same method: the states agree far inside the tolerance.
  const double d = max_rel_diff(r.y, x);
  EXPECT_LE(d, tol) << system_name<F>() << " tol " << tol;
  std::printf("[odeint]   max relative difference of evaluation times %.3g, of final states %.3g\n",
              dtime, d);
}

TEST(Odeint, AdaptiveDopri5PresetReproducesOdeintLorenz) {
  for (double tol : {1e-6, 1e-8, 1e-10}) check_adaptive<Lorenz>(2.0, tol);
}
TEST(Odeint, AdaptiveDopri5PresetReproducesOdeintOscillator) {
  for (double tol : {1e-6, 1e-8, 1e-10}) check_adaptive<test::Oscillator>(10.0, tol);
}

// ------------------------------------------------------------------ (c) dense output

/// States at t_save = 0, 0.05, ..., t1 by each code's continuous extension, odeint through
/// make_dense_output + integrate_times. Both take the same steps (asserted; each shortens
/// only its last step, to land on t1) but interpolate differently: odeint uses the
/// degree-5 extension printed in Hairer, Norsett, Wanner I, II.6 (runge_kutta_dopri5::
/// calc_state), odeflow the degree-4 one of Hairer's code dopri5.f (CONTD5, Shampine 1986).
/// Both are of order 4, so they differ by O(h^5), a fraction of the local tolerance
/// (measured: at most 0.27 tol); the test asserts agreement within the tolerance.
template <class F>
void check_dense(double t1, double tol) {
  constexpr double dt = 1e-2;
  std::vector<double> ts;
  for (int j = 0; 0.05 * j <= t1 + 1e-12; ++j) ts.push_back(std::min(0.05 * j, t1));
  using State = std::array<double, F::dim>;
  std::vector<State> ode_states;
  State x = initial_state<F>();
  const std::size_t ode_steps = oi::integrate_times(
      oi::make_dense_output(tol, tol, oi::runge_kutta_dopri5<State>{}), AsOdeint<F>{}, x, ts.begin(),
      ts.end(), dt, [&](const State& s, double) { ode_states.push_back(s); });
  const auto r = solve(DormandPrince54<double>{}, F{}, initial_state<F>(), 0.0, t1, odeint_preset(tol, dt),
                       std::span<const double>(ts));
  ASSERT_EQ(r.stats.status, Status::success);
  EXPECT_EQ(r.stats.accepted, static_cast<int>(ode_steps));
  ASSERT_EQ(ode_states.size(), ts.size());
  ASSERT_EQ(r.saved.size(), ts.size());
  double d = 0;
  for (std::size_t j = 0; j < ts.size(); ++j) {
    const double dj = max_rel_diff(r.saved[j], ode_states[j]);
    EXPECT_LE(dj, tol) << system_name<F>() << " t = " << ts[j];
    d = std::max(d, dj);
  }
  std::printf("[odeint] %s dense output tol %.0e, %zu times, steps odeint %zu odeflow %d: max relative "
              "difference %.3g\n",
              system_name<F>(), tol, ts.size(), ode_steps, r.stats.accepted, d);
}

TEST(Odeint, DenseOutputMatchesOdeintLorenz) {
  for (double tol : {1e-6, 1e-9}) check_dense<Lorenz>(2.0, tol);
}
TEST(Odeint, DenseOutputMatchesOdeintOscillator) {
  for (double tol : {1e-6, 1e-9}) check_dense<test::Oscillator>(10.0, tol);
}

// ------------------------------------------------------------------ (d) the adapter

/// An odeint-style Lorenz system: sys(x, dxdt, t).
struct OdeintLorenz {
  void operator()(const std::array<double, 3>& x, std::array<double, 3>& dxdt, double) const {
    lorenz_rhs(x, dxdt);
  }
};

TEST(Odeint, AdapterGivesTheNativeFieldsBits) {
  const auto adapted = from_odeint<std::array<double, 3>>(OdeintLorenz{}, 3);
  const std::array<double, 3> y0{10.0, 1.0, 1.0};
  std::vector<double> ts{0.5, 1.0, 1.5};
  for (bool fixed : {false, true}) {
    auto o = default_options<DormandPrince54<double>>();
    if (fixed) o.dt = 1e-3;
    const std::span<const double> save(ts);
    const auto native = solve(DormandPrince54<double>{}, Lorenz{}, y0, 0.0, 2.0, o, save);
    const auto wrapped = solve(DormandPrince54<double>{}, adapted, y0, 0.0, 2.0, o, save);
    ASSERT_EQ(native.stats.status, Status::success);
    EXPECT_EQ(wrapped.stats.status, native.stats.status);
    EXPECT_EQ(wrapped.y, native.y);
    EXPECT_EQ(wrapped.saved, native.saved);
    EXPECT_EQ(wrapped.stats.nfe, native.stats.nfe);
    EXPECT_EQ(wrapped.stats.accepted, native.stats.accepted);
    EXPECT_EQ(wrapped.stats.rejected, native.stats.rejected);
  }
  // A resizable odeint state type (std::vector) through the run-time-dimension solve.
  struct VecLorenz {
    void operator()(const std::vector<double>& x, std::vector<double>& dxdt, double) const {
      lorenz_rhs(x, dxdt);
    }
  };
  const auto vec = from_odeint<std::vector<double>>(VecLorenz{}, 3);
  const std::vector<double> y0v(y0.begin(), y0.end());
  const auto native = solve(DormandPrince54<double>{}, Lorenz{}, y0v, 0.0, 2.0);
  const auto wrapped = solve(DormandPrince54<double>{}, vec, y0v, 0.0, 2.0);
  EXPECT_EQ(wrapped.y, native.y);
  EXPECT_EQ(wrapped.stats.nfe, native.stats.nfe);
}

}  // namespace
