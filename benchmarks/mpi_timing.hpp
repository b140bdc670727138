// Timing of one repetition of a distributed benchmark, reduced over the ranks, and the best of the
// repetitions by wall time (mpi_ensemble.cpp, mpi_likelihood.cpp).
#pragma once

#include <mpi.h>

#include <cstddef>
#include <ctime>

namespace odeflow_bench {

/// This process's CPU time in seconds (all its threads).
inline double process_cpu_seconds() {
  timespec c{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c);
  return double(c.tv_sec) + 1e-9 * double(c.tv_nsec);
}

/// The best repetition by wall time, with the slowest and fastest rank's solve (load balance) and
/// the CPU time summed over ranks (the work, which contention on a shared machine inflates less
/// than wall time); the values are rank 0's (MPI_Reduce to rank 0).
struct BestRepetition {
  double total = 1e300, solve_max = 0, solve_min = 0, cpu_sum = 0;

  /// Collective: call on every rank after a repetition that started at wall time t0 (MPI_Wtime,
  /// after a barrier) and cpu0 (process_cpu_seconds), whose own solve took seconds_solve.
  void record(double t0, double cpu0, double seconds_solve) {
    const double cpu = process_cpu_seconds() - cpu0;
    double smax = 0, smin = 0, csum = 0;
    MPI_Reduce(&seconds_solve, &smax, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    MPI_Reduce(&seconds_solve, &smin, 1, MPI_DOUBLE, MPI_MIN, 0, MPI_COMM_WORLD);
    MPI_Reduce(&cpu, &csum, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
    MPI_Barrier(MPI_COMM_WORLD);
    const double t = MPI_Wtime() - t0;
    if (t < total) {
      total = t;
      solve_max = smax;
      solve_min = smin;
      cpu_sum = csum;
    }
  }
};

/// Work imbalance, deterministic: the busiest rank's function evaluations over the mean, from each
/// rank's per-trajectory statistics and the total over ranks (rank 0's value; collective).
template <class StatsView>
double nfe_imbalance(const StatsView& stats_local, long nfe_total, int ranks) {
  long local_nfe = 0, max_nfe = 0;
  for (std::size_t i = 0; i < stats_local.extent(0); ++i) local_nfe += stats_local(i).nfe;
  MPI_Reduce(&local_nfe, &max_nfe, 1, MPI_LONG, MPI_MAX, 0, MPI_COMM_WORLD);
  return double(max_nfe) * ranks / double(nfe_total);
}

}  // namespace odeflow_bench
