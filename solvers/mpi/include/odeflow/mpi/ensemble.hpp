// PerTrajectory ensembles split over MPI ranks: contiguous blocks, Kokkos on each rank, results gathered or written per rank.
#pragma once

#include <odeflow/mpi/block_partition.hpp>
#include <odeflow/mpi/gather.hpp>
#include <odeflow/mpi/rank_files.hpp>
#include <odeflow/solvers/per_trajectory.hpp>

#include <Kokkos_Core.hpp>
#include <mpi.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace odeflow::mpi {

/// Where a distributed ensemble's results go. Both may be set.
struct EnsembleOutput {
  /// Gather the states and statistics to rank 0 (DistributedEnsemble::y, ::stats).
  bool gather = true;
  /// If not empty: every rank writes "<prefix>.rank<r>.y.npy" ((count, d), its block) and
  /// "<prefix>.rank<r>.stats.npy" ((count, 4) int32: status, nfe, accepted, rejected), and
  /// rank 0 writes "<prefix>.manifest.json" (rank_files.hpp).
  std::string file_prefix;
};

/// A distributed ensemble's results as seen by one rank.
template <class T>
struct DistributedEnsemble {
  BlockPartition block;                                           ///< this rank's trajectories
  Kokkos::View<T**, Kokkos::LayoutRight, Kokkos::HostSpace> y_local;  ///< (block.count, d)
  Kokkos::View<Statistics<T>*, Kokkos::HostSpace> stats_local;    ///< (block.count)
  Kokkos::View<T**, Kokkos::LayoutRight, Kokkos::HostSpace> y;        ///< (n, d) on rank 0 when gathered
  Kokkos::View<Statistics<T>*, Kokkos::HostSpace> stats;          ///< (n) on rank 0 when gathered
  EnsembleSummary summary;       ///< over all ranks (every rank)
  double seconds_solve = 0;      ///< this rank's solve (kernel and copies)
  double seconds_total = 0;      ///< this rank's whole call, gather and files included
};

namespace detail {
/// Trajectory i of a rank's block is trajectory first + i of the ensemble.
template <class Problem>
struct Offset {
  Problem problem;
  int first;
  KOKKOS_FUNCTION auto operator()(int i) const { return problem(first + i); }
};
}  // namespace detail

/// Solves the ensemble of n trajectories y_i' = f_i(t, y_i), y_i(t0) = y0(i, :), from t0 to
/// t1 with tableau Tab across the ranks of `comm`: rank r solves block_partition(n, P, r) with
/// solve_ensemble(space, PerTrajectory<N>, ...) on its own Kokkos execution space, then
/// the results are gathered to rank 0 and/or written per rank (`out`), and the statistics
/// summed over ranks.
///
/// - `problem(i)`: trajectory i's field, i the GLOBAL index (as for solve_ensemble);
/// - `y0(i, k)`: host callable, component k of trajectory i's initial state (global i);
/// - `d`: the dimension (N when N > 0);
/// - `n`: the number of trajectories (at most INT_MAX); `t0`, `t1`, `opt`: as for solve_ensemble;
/// - `out`: gather to rank 0 (default) and/or per-rank files (EnsembleOutput).
/// - Returns this rank's DistributedEnsemble: its block, y_local (count, d) and stats_local
///   (count), the (n, d) and (n) gathered results on rank 0 when gathered, the summary over
///   all ranks, and timings. A trajectory's failure is its Status in the statistics, not an
///   exception.
///
/// Collective: every rank of comm calls it with the same arguments. Trajectory i's result
/// depends only on its own inputs, so it is bitwise the single-process result, for any
/// number of ranks and threads. Throws InvalidArgument (bad input; every rank throws the
/// same) or MpiError.
template <class Tab, int N, class ExecSpace, class Problem, class Init>
DistributedEnsemble<typename Tab::value_type> solve_ensemble_distributed(
    MPI_Comm comm, const ExecSpace& space, PerTrajectory<N> strategy, const Problem& problem, const Init& y0,
    long n, int d, typename Tab::value_type t0, typename Tab::value_type t1,
    const SolveOptions<typename Tab::value_type>& opt, const EnsembleOutput& out = {}) {
  using T = typename Tab::value_type;
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  if (d <= 0) throw InvalidArgument("d = " + std::to_string(d) + " must be positive");
  if (n > INT_MAX) throw InvalidArgument("n = " + std::to_string(n) + " exceeds the ensemble's int indices");
  const int size = detail::size_of(comm), rank = detail::rank_of(comm);
  DistributedEnsemble<T> res;
  res.block = block_partition(n, size, rank);
  const int m = static_cast<int>(res.block.count);

  using Mem = typename ExecSpace::memory_space;
  Kokkos::View<T**, Kokkos::LayoutLeft, Mem> yd("odeflow::mpi::y", m, d);
  Kokkos::View<Statistics<T>*, Mem> sd("odeflow::mpi::stats", m);
  auto yh = Kokkos::create_mirror_view(yd);
  for (int i = 0; i < m; ++i)
    for (int k = 0; k < d; ++k) yh(i, k) = y0(res.block.first + i, k);
  Kokkos::deep_copy(space, yd, yh);
  solve_ensemble<Tab>(space, strategy, detail::Offset<Problem>{problem, static_cast<int>(res.block.first)}, yd, t0,
                      t1, opt, sd);
  Kokkos::deep_copy(space, yh, yd);
  res.stats_local = Kokkos::View<Statistics<T>*, Kokkos::HostSpace>("odeflow::mpi::stats_local", m);
  Kokkos::deep_copy(space, res.stats_local, sd);
  space.fence();
  res.y_local = Kokkos::View<T**, Kokkos::LayoutRight, Kokkos::HostSpace>("odeflow::mpi::y_local", m, d);
  Kokkos::deep_copy(res.y_local, yh);
  res.seconds_solve = std::chrono::duration<double>(Clock::now() - start).count();

  res.summary = allreduce(comm, summarize(res.stats_local));
  if (out.gather) {
    if (rank == 0) {
      res.y = Kokkos::View<T**, Kokkos::LayoutRight, Kokkos::HostSpace>("odeflow::mpi::y", n, d);
      res.stats = Kokkos::View<Statistics<T>*, Kokkos::HostSpace>("odeflow::mpi::stats", n);
    }
    gather_blocks(comm, n, sizeof(T) * static_cast<std::size_t>(d), res.y_local.data(), res.y.data());
    gather_blocks(comm, n, sizeof(Statistics<T>), res.stats_local.data(), res.stats.data());
  }
  if (!out.file_prefix.empty()) {
    write_npy(rank_file(out.file_prefix, rank, "y"), res.y_local.data(), m, d);
    std::vector<std::int32_t> st(static_cast<std::size_t>(m) * 4);
    for (int i = 0; i < m; ++i) {
      const auto& s = res.stats_local(i);
      st[4 * i] = static_cast<std::int32_t>(s.status);
      st[4 * i + 1] = s.nfe;
      st[4 * i + 2] = s.accepted;
      st[4 * i + 3] = s.rejected;
    }
    write_npy(rank_file(out.file_prefix, rank, "stats"), st.data(), m, 4);
    if (rank == 0) write_manifest(out.file_prefix, "ensemble", n, d, size, {"y", "stats"});
    detail::check(MPI_Barrier(comm), "MPI_Barrier");  // files complete when the call returns
  }
  res.seconds_total = std::chrono::duration<double>(Clock::now() - start).count();
  return res;
}

}  // namespace odeflow::mpi
