// Sampling a flow: integrate source points x0 from t = 0 to t = 1 through a batched field, with any method, in lockstep batches.
#pragma once

#include <odeflow/flows/batched_field.hpp>
#include <odeflow/flows/flow_solver_options.hpp>
#include <odeflow/solvers/ensemble_save_at.hpp>
#include <odeflow/solvers/lockstep.hpp>
#include <odeflow/solvers/methods.hpp>
#include <odeflow/solvers/statistics.hpp>
#include <odeflow/solvers/validation.hpp>

#include <Kokkos_Core.hpp>

#include <string>
#include <type_traits>
#include <vector>

namespace odeflow {

/// What to integrate besides the method: the time span (default 0 -> 1) and optional
/// output times (a trajectory on a grid inside [t0, t1], monotone).
template <class T>
struct SampleOptions {
  /// Method, tolerances or fixed step, controller, lockstep mode (FlowSolverOptions).
  FlowSolverOptions<T> solver{};
  /// Start time (where x0 is given); default 0.
  T t0 = T(0);
  /// Final time (where x1 is returned); default 1.
  T t1 = T(1);
  /// Output times (m), monotone in the direction t0 -> t1 and inside the span; empty: no trajectory.
  std::vector<T> times{};
};

/// Per-sample outcome of `sample`: `stats(i)` (nfe = field evaluations this sample
/// needed, accepted/rejected steps, status) and, when times were given, `trajectory`
/// (n, m, d) with the state of sample i at times[j] in trajectory(i, j, :).
template <class T, class MemorySpace>
struct SampleResult {
  /// (n): nfe, accepted and rejected steps, final time and Status of each sample.
  Kokkos::View<Statistics<T>*, MemorySpace> stats;
  /// (n, m, d): trajectory(i, j, :) = state of sample i at times[j]; empty without times.
  Kokkos::View<T***, MemorySpace> trajectory;
};

namespace detail {
template <class T>
Kokkos::View<const T*, Kokkos::HostSpace> host_times(const std::vector<T>& times) {
  Kokkos::View<T*, Kokkos::HostSpace> h("odeflow::save_times", times.size());
  for (std::size_t j = 0; j < times.size(); ++j) h(j) = times[j];
  return h;
}
template <class XA, class XB>
void check_same_shape(const char* na, const XA& a, const char* nb, const XB& b) {
  if (a.extent(0) != b.extent(0) || a.extent(1) != b.extent(1))
    throw InvalidArgument(std::string(nb) + " is (" + std::to_string(b.extent(0)) + ", " + std::to_string(b.extent(1)) +
                          ") but " + na + " is (" + std::to_string(a.extent(0)) + ", " + std::to_string(a.extent(1)) +
                          "): they must have the same shape");
}
template <class XV>
void check_dim(const char* name, const XV& x, int d) {
  if (static_cast<int>(x.extent(1)) != d)
    throw InvalidArgument(std::string(name) + ".extent(1) = " + std::to_string(x.extent(1)) +
                          " but the field's dimension is " + std::to_string(d));
}
}  // namespace detail

/// Samples x1 = phi_{t0 -> t1}(x0) for every row of x0 with tableau Tab:
/// dx/dt = u_t(x), one batched field call per stage over the active samples (Lockstep),
/// each sample with its own step size (or one shared step, `opt.solver.lockstep`).
///
/// - `f`: a BatchedField (batched_field.hpp), value_type T.
/// - `x0`: (n, d) source points; `x1`: (n, d) LayoutRight output in the field's memory space
///   (may be x0 itself). A sample whose state or derivative is not finite (NaN input
///   included) stops with Status::non_finite and does not disturb the others.
/// - Returns per-sample statistics and the optional trajectory (SampleResult).
///
/// Throws InvalidArgument on shapes that do not match the field, bad options or output
/// times (naming the argument and value). A sample's result depends on its own x0 only:
/// bitwise independent of n, `max_batch` and the thread count (for fields with independent rows).
template <class Tab, class ExecSpace, class Field, class X0, class X1>
SampleResult<typename Tab::value_type, typename ExecSpace::memory_space> sample(
    const ExecSpace& space, const Tab&, const Field& f, const X0& x0, const X1& x1,
    const SampleOptions<typename Tab::value_type>& opt) {
  using T = typename Tab::value_type;
  using mem = typename ExecSpace::memory_space;
  static_assert(std::is_same_v<typename Field::value_type, T>, "the field's value_type must be the method's scalar");
  const int d = f.dim();
  detail::check_dim("x0", x0, d);
  detail::check_same_shape("x0", x0, "x1", x1);
  const int n = static_cast<int>(x0.extent(0));
  if (x1.data() != x0.data()) Kokkos::deep_copy(space, x1, x0);
  SampleResult<T, mem> r;
  r.stats = Kokkos::View<Statistics<T>*, mem>("odeflow::sample::stats", n);
  const SolveOptions<T> so = opt.solver.template to_solve_options<Tab>();
  if (opt.times.empty()) {
    solve_batch<Tab>(space, opt.solver.lockstep, f, x1, opt.t0, opt.t1, so, r.stats);
  } else {
    r.trajectory = Kokkos::View<T***, mem>("odeflow::sample::trajectory", n, opt.times.size(), d);
    const BatchSaveAt<T, Kokkos::View<T***, mem>> sa{detail::host_times(opt.times), r.trajectory};
    solve_batch<Tab>(space, opt.solver.lockstep, f, x1, opt.t0, opt.t1, so, r.stats, &sa);
  }
  return r;
}

/// The same with the method chosen at run time by name, `opt.solver.method` ("dopri5",
/// "midpoint", ...; see method_names()). Throws InvalidArgument naming an unknown method.
/// Instantiates the solve once per built-in method.
template <class ExecSpace, class Field, class X0, class X1>
SampleResult<typename Field::value_type, typename ExecSpace::memory_space> sample(
    const ExecSpace& space, const Field& f, const X0& x0, const X1& x1,
    const SampleOptions<typename Field::value_type>& opt) {
  using T = typename Field::value_type;
  SampleResult<T, typename ExecSpace::memory_space> r;
  visit_method<T>(opt.solver.method, [&](auto tab) { r = sample(space, tab, f, x0, x1, opt); });
  return r;
}

}  // namespace odeflow
