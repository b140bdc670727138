// Requested output times of ensemble and batch solves (PerTrajectory, Lockstep), with their shape check.
#pragma once

#include <odeflow/solvers/validation.hpp>

#include <Kokkos_Core.hpp>

#include <cstddef>
#include <span>
#include <string>

namespace odeflow {

/// Requested output times of an ensemble or a batch: `times` (m) on the host, monotone
/// in the direction of integration inside [t0, t1] (checked by the solve), and `out`
/// (n, m, d) in the solve's memory space, receiving trajectory i's state at times(j) in
/// out(i, j, :).
template <class T, class OutView>
struct EnsembleSaveAt {
  /// Output times, shape (m), host memory.
  Kokkos::View<const T*, Kokkos::HostSpace> times;
  /// States at the output times, shape (n, m, d), the solve's memory space.
  OutView out;

  /// The times, after checking that `out` is (n, m, d); throws InvalidArgument naming
  /// the shape it got and the one expected.
  std::span<const T> checked(int n, int d) const {
    const std::size_t m = times.extent(0);
    if (out.extent(0) != static_cast<std::size_t>(n) || out.extent(1) != m ||
        out.extent(2) != static_cast<std::size_t>(d))
      throw InvalidArgument("save_at.out is (" + std::to_string(out.extent(0)) + ", " +
                            std::to_string(out.extent(1)) + ", " + std::to_string(out.extent(2)) +
                            "), expected (n, m, d) = (" + std::to_string(n) + ", " +
                            std::to_string(m) + ", " + std::to_string(d) + ")");
    return std::span<const T>(times.data(), m);
  }
};

/// The same for Lockstep batches.
template <class T, class OutView>
using BatchSaveAt = EnsembleSaveAt<T, OutView>;

namespace detail {
/// The checks every ensemble and batch solve starts with: `stats` holds one entry per
/// trajectory (`what`: "trajectories" or "samples", for the message), `save_at->out` is
/// (n, m, d), then validate_solve. Returns the save times (empty without save_at).
template <class Tab, class StatsView, class OutView>
std::span<const typename Tab::value_type> check_ensemble_arguments(
    int n, int d, const StatsView& stats, const EnsembleSaveAt<typename Tab::value_type, OutView>* save_at,
    typename Tab::value_type t0, typename Tab::value_type t1,
    const SolveOptions<typename Tab::value_type>& opt, const char* what) {
  using T = typename Tab::value_type;
  if (static_cast<int>(stats.extent(0)) != n)
    throw InvalidArgument("stats.extent(0) = " + std::to_string(stats.extent(0)) +
                          " must equal the number of " + what + " " + std::to_string(n));
  const std::span<const T> ts = save_at ? save_at->checked(n, d) : std::span<const T>{};
  validate_solve<Tab>(static_cast<const T*>(nullptr), d > 1 ? d : 1, t0, t1, opt, ts);
  return ts;
}

/// The save times in the memory space of `space` (an empty View without save times).
template <class T, class ExecSpace>
Kokkos::View<T*, typename ExecSpace::memory_space> device_save_times(const ExecSpace& space,
                                                                     std::span<const T> ts) {
  Kokkos::View<T*, typename ExecSpace::memory_space> times("odeflow::save_times", ts.size());
  if (!ts.empty()) {
    auto h = Kokkos::create_mirror_view(times);
    for (std::size_t j = 0; j < ts.size(); ++j) h(j) = ts[j];
    Kokkos::deep_copy(space, times, h);
  }
  return times;
}
}  // namespace detail

}  // namespace odeflow
