// Exact (or Hutchinson) log-likelihood of a flow: data back to the source with the divergence integral, and likelihood of generated samples.
#pragma once

#include <odeflow/flows/augmented_divergence_field.hpp>
#include <odeflow/flows/batched_field.hpp>
#include <odeflow/flows/detail/view_row.hpp>
#include <odeflow/flows/divergence_estimator.hpp>
#include <odeflow/flows/flow_solver_options.hpp>
#include <odeflow/flows/sample.hpp>
#include <odeflow/flows/source_distribution.hpp>
#include <odeflow/solvers/ensemble_save_at.hpp>
#include <odeflow/solvers/lockstep.hpp>
#include <odeflow/solvers/methods.hpp>
#include <odeflow/solvers/statistics.hpp>
#include <odeflow/solvers/validation.hpp>

#include <Kokkos_Core.hpp>

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

namespace odeflow {

/// Options of a likelihood solve.
///
/// - `divergence`: exact (default) or Hutchinson with K fixed probes per sample (DivergenceEstimator).
/// - `control_log_density`: whether the log-density components l enter the error norm
///   (default true: the step sizes also control the accuracy of log p; false: only x is
///   controlled, as most CNF codes do when they integrate l with the same steps).
/// - `index_offset`: sample index of row 0 (probes are keyed by seed and sample index, so
///   a data set split into chunks gets the same probes as in one call).
/// - `times`: optional output times for the trajectory of x (inside the solve's span:
///   [0, 1] traversed 1 -> 0 for log_likelihood, 0 -> 1 for sample_with_log_likelihood).
template <class T>
struct LikelihoodOptions {
  /// Method, tolerances or fixed step, controller, lockstep mode (FlowSolverOptions).
  FlowSolverOptions<T> solver{};
  /// Exact divergence (default) or Hutchinson's estimator (DivergenceEstimator).
  DivergenceEstimator divergence{};
  /// True (default): the error norm covers x and the L log-density components; false: x only.
  bool control_log_density = true;
  /// Sample index of row 0, for the probes' keys (index_offset + i for row i).
  std::uint64_t index_offset = 0;
  /// Output times (m) of the x trajectory, inside [0, 1] in the solve's direction; empty: none.
  std::vector<T> times{};
};

/// Per-sample outcome of a likelihood solve (all (n) or (n, ...) in the field's memory):
///
/// - `log_p`: log p1(x1) in nats, = log_p0 - divergence_integral; NaN unless stats(i).status is success.
/// - `log_p_stderr`: 0 for exact divergence; Hutchinson: the standard error of the mean over
///   the K probes, sqrt(sum_k (I_k - I)^2 / (K (K - 1))), NaN for K = 1.
/// - `log_p0`: log p0 of the source end of the trajectory.
/// - `divergence_integral`: integral_0^1 div u_t(x_t) dt (mean over probes for Hutchinson).
/// - `x_other`: the other end of each trajectory: x0 for log_likelihood, x1 for sample_with_log_likelihood.
/// - `stats`: nfe counts evaluations of the augmented field (u and the divergence together).
/// - `trajectory`: (n, m, d) states of x at the requested times (empty without times).
template <class T, class MemorySpace>
struct LikelihoodResult {
  Kokkos::View<T*, MemorySpace> log_p, log_p_stderr, log_p0, divergence_integral;
  Kokkos::View<T**, Kokkos::LayoutRight, MemorySpace> x_other;
  Kokkos::View<Statistics<T>*, MemorySpace> stats;
  Kokkos::View<T***, MemorySpace> trajectory;
};

/// @var LikelihoodResult::log_p
/// (n): log p1(x1) = log_p0 - divergence_integral in nats; NaN unless stats(i).status is success.
/// @var LikelihoodResult::log_p_stderr
/// (n): 0 for exact divergence; Hutchinson: the standard error of the mean over the K probes,
/// sqrt(sum_k (I_k - I)^2 / (K (K - 1))), NaN for K = 1; NaN unless stats(i).status is success.
/// @var LikelihoodResult::log_p0
/// (n): log p0 at the source end: of the given x0 (sample_with_log_likelihood), or of the state
/// the backward solve returned (log_likelihood: x0 on success). Written whatever the status.
/// @var LikelihoodResult::divergence_integral
/// (n): integral_0^1 div u_t(x_t) dt (the mean of the K estimates for Hutchinson); on failure,
/// the integral up to where the solve stopped. Written whatever the status.
/// @var LikelihoodResult::x_other
/// (n, d): the other end of each trajectory: x0 for log_likelihood, x1 for sample_with_log_likelihood
/// (on failure, the state where the solve stopped).
/// @var LikelihoodResult::stats
/// (n): per-sample Statistics; nfe counts evaluations of the augmented field (u and the divergence together).
/// @var LikelihoodResult::trajectory
/// (n, m, d): states of x at the requested times (empty without times).

namespace detail {

/// One augmented solve: x_in at t_begin (0 forward, 1 backward) to t_end, l(t_begin) = 0.
template <class Tab, class ExecSpace, class Field, class Source, class XIn>
LikelihoodResult<typename Tab::value_type, typename ExecSpace::memory_space> likelihood_solve(
    const ExecSpace& space, const Field& f, const Source& source, const XIn& x_in,
    const LikelihoodOptions<typename Tab::value_type>& opt, bool forward, const char* x_name) {
  using T = typename Tab::value_type;
  using mem = typename ExecSpace::memory_space;
  using Rows = Kokkos::View<T**, Kokkos::LayoutRight, mem>;
  static_assert(std::is_same_v<typename Field::value_type, T>, "the field's value_type must be the method's scalar");
  const int d = f.dim();
  detail::check_dim(x_name, x_in, d);
  if (source.dim() != d)
    throw InvalidArgument("the source's dimension " + std::to_string(source.dim()) + " differs from the field's " +
                          std::to_string(d));
  const AugmentedDivergenceField<Field> af(f, opt.divergence);
  const int n = static_cast<int>(x_in.extent(0));
  const int D = af.dim(), L = af.num_log_density();
  const bool exact = !af.hutchinson();

  Rows xa("odeflow::likelihood::state", n, D);
  Kokkos::parallel_for(
      "odeflow::likelihood::load", Kokkos::RangePolicy<ExecSpace>(space, 0, n), KOKKOS_LAMBDA(int i) {
        for (int k = 0; k < d; ++k) xa(i, k) = x_in(i, k);
      });
  af.fill_probes(space, xa, opt.index_offset);

  LikelihoodResult<T, mem> r;
  r.stats = Kokkos::View<Statistics<T>*, mem>("odeflow::likelihood::stats", n);
  const SolveOptions<T> so = opt.solver.template to_solve_options<Tab>(opt.control_log_density ? d + L : d);
  const T t_begin = forward ? T(0) : T(1), t_end = forward ? T(1) : T(0);
  if (opt.times.empty()) {
    solve_batch<Tab>(space, opt.solver.lockstep, af, xa, t_begin, t_end, so, r.stats);
  } else {
    const int m = static_cast<int>(opt.times.size());
    Kokkos::View<T***, mem> aug("odeflow::likelihood::trajectory_augmented", n, m, D);
    const BatchSaveAt<T, Kokkos::View<T***, mem>> sa{host_times(opt.times), aug};
    solve_batch<Tab>(space, opt.solver.lockstep, af, xa, t_begin, t_end, so, r.stats, &sa);
    r.trajectory = Kokkos::View<T***, mem>("odeflow::likelihood::trajectory", n, m, d);
    auto traj = r.trajectory;
    Kokkos::parallel_for(
        "odeflow::likelihood::trajectory", Kokkos::RangePolicy<ExecSpace>(space, 0, n), KOKKOS_LAMBDA(int i) {
          for (int j = 0; j < m; ++j)
            for (int k = 0; k < d; ++k) traj(i, j, k) = aug(i, j, k);
        });
  }

  r.x_other = Rows("odeflow::likelihood::x_other", n, d);
  r.log_p = Kokkos::View<T*, mem>("odeflow::likelihood::log_p", n);
  r.log_p_stderr = Kokkos::View<T*, mem>("odeflow::likelihood::log_p_stderr", n);
  r.log_p0 = Kokkos::View<T*, mem>("odeflow::likelihood::log_p0", n);
  r.divergence_integral = Kokkos::View<T*, mem>("odeflow::likelihood::divergence_integral", n);
  auto res = r;
  // l_k(t_end) = +- the integral: forward l(1) = int_0^1 D dt; backward l(0) = -int_0^1 D dt.
  const T sign = forward ? T(1) : T(-1);
  Kokkos::parallel_for(
      "odeflow::likelihood::finish", Kokkos::RangePolicy<ExecSpace>(space, 0, n), KOKKOS_LAMBDA(int i) {
        for (int k = 0; k < d; ++k) res.x_other(i, k) = xa(i, k);
        T mean = T(0);
        for (int p = 0; p < L; ++p) mean += sign * xa(i, d + p);
        mean /= T(L);
        T se = T(0);
        if (!exact) {
          if (L > 1) {
            T ss = T(0);
            for (int p = 0; p < L; ++p) {
              const T e = sign * xa(i, d + p) - mean;
              ss += e * e;
            }
            se = Kokkos::sqrt(ss / (T(L) * T(L - 1)));
          } else {
            se = Kokkos::Experimental::quiet_NaN<T>::value;
          }
        }
        const T lp0 = forward ? source.log_density(detail::view_row(x_in, i)) : source.log_density(detail::view_row(xa, i));
        const bool ok = res.stats(i).status == Status::success;
        const T nan = Kokkos::Experimental::quiet_NaN<T>::value;
        res.log_p0(i) = lp0;
        res.divergence_integral(i) = mean;
        res.log_p(i) = ok ? lp0 - mean : nan;
        res.log_p_stderr(i) = ok ? se : nan;
      });
  return r;
}

}  // namespace detail

/// log p1(x1) of data under the flow, by the instantaneous change of variables
/// (design.md, "Flow matching conventions"): integrate (x, l) from t = 1 back to t = 0 with
/// dx/dt = u_t(x), dl/dt = div u_t(x), x(1) = x1, l(1) = 0; then
///
///   log p1(x1) = log p0(x(0)) + l(0) = log p0(x0) - integral_0^1 div u_t(x_t) dt   (nats).
///
/// - `f`: a BatchedFieldWithDivergence or BatchedFieldWithJvp (Hutchinson needs jvp).
/// - `source`: p0 (SourceDistribution: StandardNormal, DiagonalGaussian, SourceLogDensity).
/// - `x1`: (n, d) data points.
/// - Returns LikelihoodResult: log_p (NaN unless status success), its standard error for
///   Hutchinson, x_other = x0, per-sample statistics and status.
///
/// Throws InvalidArgument on mismatched shapes and dimensions, bad options or estimator
/// settings (naming them). Non-finite rows end with Status::non_finite, alone.
template <class Tab, class ExecSpace, class Field, class Source, class X1>
LikelihoodResult<typename Tab::value_type, typename ExecSpace::memory_space> log_likelihood(
    const ExecSpace& space, const Tab&, const Field& f, const Source& source, const X1& x1,
    const LikelihoodOptions<typename Tab::value_type>& opt) {
  return detail::likelihood_solve<Tab>(space, f, source, x1, opt, false, "x1");
}

/// The same with the method chosen by name (`opt.solver.method`).
template <class ExecSpace, class Field, class Source, class X1>
LikelihoodResult<typename Field::value_type, typename ExecSpace::memory_space> log_likelihood(
    const ExecSpace& space, const Field& f, const Source& source, const X1& x1,
    const LikelihoodOptions<typename Field::value_type>& opt) {
  using T = typename Field::value_type;
  LikelihoodResult<T, typename ExecSpace::memory_space> r;
  visit_method<T>(opt.solver.method, [&](auto tab) { r = log_likelihood(space, tab, f, source, x1, opt); });
  return r;
}

/// Samples and their likelihood in one forward solve: from x0 (n, d) at t = 0 to t = 1,
/// with dl/dt = div u_t(x), l(0) = 0, so that
///
///   log p1(x1) = log p0(x0) - l(1)   (nats),
///
/// the same quantity log_likelihood computes backwards from x1 (the two agree to the
/// solve's accuracy). x1 is returned in `x_other`; other fields as for log_likelihood.
template <class Tab, class ExecSpace, class Field, class Source, class X0>
LikelihoodResult<typename Tab::value_type, typename ExecSpace::memory_space> sample_with_log_likelihood(
    const ExecSpace& space, const Tab&, const Field& f, const Source& source, const X0& x0,
    const LikelihoodOptions<typename Tab::value_type>& opt) {
  return detail::likelihood_solve<Tab>(space, f, source, x0, opt, true, "x0");
}

/// The same with the method chosen by name (`opt.solver.method`).
template <class ExecSpace, class Field, class Source, class X0>
LikelihoodResult<typename Field::value_type, typename ExecSpace::memory_space> sample_with_log_likelihood(
    const ExecSpace& space, const Field& f, const Source& source, const X0& x0,
    const LikelihoodOptions<typename Field::value_type>& opt) {
  using T = typename Field::value_type;
  LikelihoodResult<T, typename ExecSpace::memory_space> r;
  visit_method<T>(opt.solver.method, [&](auto tab) { r = sample_with_log_likelihood(space, tab, f, source, x0, opt); });
  return r;
}

}  // namespace odeflow
