// Host convenience solves of one trajectory: std::array, std::vector or host Kokkos View state, with validation.
#pragma once

#include <odeflow/solvers/default_options.hpp>
#include <odeflow/solvers/integrate.hpp>
#include <odeflow/solvers/validation.hpp>

#include <Kokkos_Core.hpp>

#include <array>
#include <cstddef>
#include <span>
#include <vector>

namespace odeflow {

/// Result of a host solve: the state at the final time (or the last good state),
/// the states at requested times (row j is t_save[j]; rows past a failure are NaN),
/// and the statistics with the status.
template <class State, class T>
struct SolveResult {
  /// State at t1 (or where the solve stopped, see stats).
  State y;
  /// States at the requested output times, one per time.
  std::vector<State> saved;
  /// Status and counters.
  Statistics<T> stats;
};

namespace detail {
template <class T>
struct VectorRowSaver {
  std::vector<std::vector<T>>* rows;
  template <class V>
  void operator()(int j, const V& y) const {
    auto& r = (*rows)[j];
    for (std::size_t k = 0; k < r.size(); ++k) r[k] = y[static_cast<int>(k)];
  }
};

/// Hands a host-only callable (the caller's field, which may be host code such as
/// an OdeintSystem, or a std::vector saver) to the __host__ __device__ solver core.
/// nvcc checks every instantiation of a __host__ __device__ template, even one only
/// ever called on the host, so the host solves pass this wrapper, whose call is
/// host-only code (KOKKOS_IF_ON_HOST), instead of F itself. Never runs on a device.
template <class F>
struct HostOnly {
  const F* f;
  template <class... A>
  KOKKOS_FUNCTION void operator()(A&&... a) const {
    KOKKOS_IF_ON_HOST(((*f)(static_cast<A&&>(a)...);))
    KOKKOS_IF_ON_DEVICE((((void)a, ...); Kokkos::abort("odeflow::solve is host-only");))
  }
};
}  // namespace detail

/// Solves y' = f(t, y), y(t0) = y0 on the host with tableau Tab for a
/// compile-time dimension N (state in registers), optionally saving at `t_save`.
/// Throws odeflow::InvalidArgument (naming the argument and value) on bad input;
/// numerical failures come back as a status, never as an exception.
template <class Tab, class F, class T, std::size_t N>
SolveResult<std::array<T, N>, T> solve(const Tab&, const F& f, const std::array<T, N>& y0, T t0,
                                       T t1, const SolveOptions<T>& opt = default_options<Tab>(),
                                       std::span<const T> t_save = {}) {
  validate_solve<Tab>(y0.data(), static_cast<int>(N), t0, t1, opt, t_save);
  SolveResult<std::array<T, N>, T> res;
  StaticWorkspaceFor<Tab, static_cast<int>(N), T> ws;
  Kokkos::Array<T, N> y;
  for (std::size_t k = 0; k < N; ++k) y[k] = y0[k];
  std::vector<std::vector<T>> rows(t_save.size(), std::vector<T>(N, std::numeric_limits<T>::quiet_NaN()));
  const detail::VectorRowSaver<T> saver{&rows};
  SaveAt<T, detail::HostOnly<detail::VectorRowSaver<T>>> sa{
      t_save.data(), static_cast<int>(t_save.size()), {&saver}};
  integrate<Tab>(detail::HostOnly<F>{&f}, t0, t1, y, ws, opt, res.stats, sa);
  for (std::size_t k = 0; k < N; ++k) res.y[k] = y[k];
  for (auto& r : rows) {
    std::array<T, N> a;
    for (std::size_t k = 0; k < N; ++k) a[k] = r[k];
    res.saved.push_back(a);
  }
  return res;
}

/// As above, for a run-time dimension: y0.size() components, workspace allocated here.
template <class Tab, class F, class T>
SolveResult<std::vector<T>, T> solve(const Tab&, const F& f, const std::vector<T>& y0, T t0, T t1,
                                     const SolveOptions<T>& opt = default_options<Tab>(),
                                     std::span<const T> t_save = {}) {
  const int n = static_cast<int>(y0.size());
  validate_solve<Tab>(y0.data(), n, t0, t1, opt, t_save);
  SolveResult<std::vector<T>, T> res;
  res.y = y0;
  std::vector<T> work(workspace_size<Tab>(n));
  SpanWorkspace<T> ws{work.data(), n, 1};
  StridedVector<T> y{res.y.data(), n, 1};
  std::vector<std::vector<T>> rows(t_save.size(), std::vector<T>(y0.size(), std::numeric_limits<T>::quiet_NaN()));
  const detail::VectorRowSaver<T> saver{&rows};
  SaveAt<T, detail::HostOnly<detail::VectorRowSaver<T>>> sa{
      t_save.data(), static_cast<int>(t_save.size()), {&saver}};
  integrate<Tab>(detail::HostOnly<F>{&f}, t0, t1, y, ws, opt, res.stats, sa);
  res.saved = std::move(rows);
  return res;
}

/// As above, for a host-accessible rank-1 Kokkos View, updated in place; returns the statistics.
template <class Tab, class F, class T, class... P>
Statistics<T> solve(const Tab&, const F& f, const Kokkos::View<T*, P...>& y, T t0, T t1,
                    const SolveOptions<T>& opt = default_options<Tab>()) {
  static_assert(Kokkos::SpaceAccessibility<Kokkos::HostSpace,
                                           typename Kokkos::View<T*, P...>::memory_space>::accessible,
                "solve(View) runs on the host; pass a host View or a mirror");
  const int n = static_cast<int>(y.extent(0));
  validate_solve<Tab>(static_cast<const T*>(nullptr), n, t0, t1, opt, std::span<const T>{});
  for (int k = 0; k < n; ++k) validate_finite("y0", k, y(k));
  std::vector<T> work(workspace_size<Tab>(n));
  SpanWorkspace<T> ws{work.data(), n, 1};
  StridedVector<T> yv{y.data(), n, static_cast<std::ptrdiff_t>(y.stride(0))};
  Statistics<T> st;
  integrate<Tab>(detail::HostOnly<F>{&f}, t0, t1, yv, ws, opt, st);
  return st;
}

}  // namespace odeflow
