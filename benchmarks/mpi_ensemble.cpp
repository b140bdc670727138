// MPI ensemble scaling: the DiffEqGPU Lorenz-63 protocol (dopri5, rtol = atol = 1e-8, t in [0, 1],
// rho = linspace(0, 21, n)) split over the ranks of MPI_COMM_WORLD, results gathered to rank 0.
// Run under mpiexec; rank 0 prints one JSON line per repetition's best (see benchmarks/mpi_scaling.sh).
// Usage: mpiexec -n P mpi_ensemble [--quick] [--n N] [--reps R]
#include <odeflow/mpi/ensemble.hpp>
#include <odeflow/solvers/tableaus/dormand_prince54.hpp>

#include "mpi_timing.hpp"

#include <Kokkos_Core.hpp>
#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

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
    odeflow_bench::BestRepetition best;  // best of `reps` by wall time (mpi_timing.hpp)
    double nfe = 0, nfe_imbalance = 0;
    for (int r = 0; r < reps; ++r) {
      MPI_Barrier(MPI_COMM_WORLD);
      const double t0 = MPI_Wtime();
      const double cpu0 = odeflow_bench::process_cpu_seconds();
      // snippet-begin: distributed-solve
      const auto res = odeflow::mpi::solve_ensemble_distributed<Tab>(
          MPI_COMM_WORLD, Kokkos::DefaultExecutionSpace(), odeflow::PerTrajectory<3>{}, Study{n},
          [](long, int k) { return k == 0 ? 1.0 : 0.0; }, n, 3, 0.0, 1.0, o);
      // snippet-end: distributed-solve
      best.record(t0, cpu0, res.seconds_solve);
      nfe = double(res.summary.nfe) / double(n);
      nfe_imbalance = odeflow_bench::nfe_imbalance(res.stats_local, res.summary.nfe, size);
      if (rank == 0 && res.summary.count[0] != n) std::fprintf(stderr, "warning: %ld failures\n", n - res.summary.count[0]);
    }
    if (rank == 0)
      std::printf(
          "{\"bench\":\"mpi_ensemble\",\"case\":\"lorenz_dopri5_1e-8\",\"impl\":\"odeflow_mpi\",\"precision\":\"double\","
          "\"ranks\":%d,\"threads\":%d,\"threads_total\":%d,\"n\":%ld,\"seconds\":%.6g,\"seconds_solve_max\":%.6g,"
          "\"seconds_solve_min\":%.6g,\"cpu_seconds_sum\":%.6g,\"traj_per_s\":%.6g,\"traj_per_cpu_s\":%.6g,"
          "\"nfe_per_traj\":%.2f,\"nfe_imbalance\":%.4f,\"backend\":\"%s\"}\n",
          size, threads, threads * size, n, best.total, best.solve_max, best.solve_min, best.cpu_sum,
          double(n) / best.total, double(n) / best.cpu_sum, nfe, nfe_imbalance, Kokkos::DefaultExecutionSpace::name());
  }
  MPI_Finalize();
  return 0;
}
