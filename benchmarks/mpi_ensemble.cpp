// MPI ensemble scaling: the DiffEqGPU Lorenz-63 protocol (dopri5, rtol = atol = 1e-8, t in [0, 1],
// rho = linspace(0, 21, n)) split over the ranks of MPI_COMM_WORLD, results gathered to rank 0.
// Run under mpiexec; rank 0 prints one JSON line per repetition's best (see benchmarks/mpi_scaling.sh).
// Usage: mpiexec -n P mpi_ensemble [--quick] [--n N] [--reps R]
#include <odeflow/mpi/ensemble.hpp>
#include <odeflow/solvers/tableaus/dormand_prince54.hpp>

#include <Kokkos_Core.hpp>
#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <ctime>

namespace {
struct Lorenz {
  double rho;
  template <class TT, class Y, class DY>
  KOKKOS_FUNCTION void operator()(TT, const Y& u, DY& du) const {
    du[0] = 10.0 * (u[1] - u[0]);
    du[1] = u[0] * (rho - u[2]) - u[1];
    du[2] = u[0] * u[1] - 8.0 / 3.0 * u[2];
  }
};
struct Study {
  long n;
  KOKKOS_FUNCTION Lorenz operator()(int i) const { return Lorenz{21.0 * double(i) / double(n - 1)}; }
};
}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  {
    Kokkos::ScopeGuard guard(argc, argv);
    long n = 1L << 21;
    int reps = 3;
    for (int a = 1; a < argc; ++a) {
      if (!std::strcmp(argv[a], "--quick")) n = 1L << 17, reps = 2;
      else if (!std::strcmp(argv[a], "--n") && a + 1 < argc) n = std::atol(argv[++a]);
      else if (!std::strcmp(argv[a], "--reps") && a + 1 < argc) reps = std::atoi(argv[++a]);
    }
    using Tab = odeflow::DormandPrince54<double>;
    auto o = odeflow::default_options<Tab>();
    o.norm.rtol = o.norm.atol = 1e-8;
    const int threads = Kokkos::DefaultExecutionSpace().concurrency();
    // Best of `reps` by wall time; with it, the slowest and fastest rank's solve (load balance)
    // and the CPU time summed over ranks (the work, which contention on a shared machine
    // inflates less than wall time).
    double best_total = 1e300, solve_max = 0, solve_min = 0, cpu_sum = 0, nfe = 0, nfe_imbalance = 0;
    for (int r = 0; r < reps; ++r) {
      MPI_Barrier(MPI_COMM_WORLD);
      const double t0 = MPI_Wtime();
      timespec c0{}, c1{};
      clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
      // snippet-begin: distributed-solve
      const auto res = odeflow::mpi::solve_ensemble_distributed<Tab>(
          MPI_COMM_WORLD, Kokkos::DefaultExecutionSpace(), odeflow::PerTrajectory<3>{}, Study{n},
          [](long, int k) { return k == 0 ? 1.0 : 0.0; }, n, 3, 0.0, 1.0, o);
      // snippet-end: distributed-solve
      clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
      const double cpu = double(c1.tv_sec - c0.tv_sec) + 1e-9 * double(c1.tv_nsec - c0.tv_nsec);
      double smax = 0, smin = 0, csum = 0;
      MPI_Reduce(&res.seconds_solve, &smax, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
      MPI_Reduce(&res.seconds_solve, &smin, 1, MPI_DOUBLE, MPI_MIN, 0, MPI_COMM_WORLD);
      MPI_Reduce(&cpu, &csum, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
      MPI_Barrier(MPI_COMM_WORLD);
      const double total = MPI_Wtime() - t0;
      if (total < best_total) {
        best_total = total;
        solve_max = smax;
        solve_min = smin;
        cpu_sum = csum;
      }
      nfe = double(res.summary.nfe) / double(n);
      // Work imbalance, deterministic: the busiest rank's function evaluations over the mean.
      long local_nfe = 0, max_nfe = 0;
      for (std::size_t i = 0; i < res.stats_local.extent(0); ++i) local_nfe += res.stats_local(i).nfe;
      MPI_Reduce(&local_nfe, &max_nfe, 1, MPI_LONG, MPI_MAX, 0, MPI_COMM_WORLD);
      nfe_imbalance = double(max_nfe) * size / double(res.summary.nfe);
      if (rank == 0 && res.summary.count[0] != n) std::fprintf(stderr, "warning: %ld failures\n", n - res.summary.count[0]);
    }
    if (rank == 0)
      std::printf(
          "{\"bench\":\"mpi_ensemble\",\"case\":\"lorenz_dopri5_1e-8\",\"impl\":\"odeflow_mpi\",\"precision\":\"double\","
          "\"ranks\":%d,\"threads\":%d,\"threads_total\":%d,\"n\":%ld,\"seconds\":%.6g,\"seconds_solve_max\":%.6g,"
          "\"seconds_solve_min\":%.6g,\"cpu_seconds_sum\":%.6g,\"traj_per_s\":%.6g,\"traj_per_cpu_s\":%.6g,"
          "\"nfe_per_traj\":%.2f,\"nfe_imbalance\":%.4f,\"backend\":\"%s\"}\n",
          size, threads, threads * size, n, best_total, solve_max, solve_min, cpu_sum, double(n) / best_total,
          double(n) / cpu_sum, nfe, nfe_imbalance, Kokkos::DefaultExecutionSpace::name());
  }
  MPI_Finalize();
  return 0;
}
