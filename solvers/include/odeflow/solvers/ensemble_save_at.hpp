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

}  // namespace odeflow
