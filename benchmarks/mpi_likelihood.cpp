// MPI scaling of a likelihood evaluation over a dataset: exact log-likelihood (dopri5, rtol =
// atol = 1e-5, float) of n points under the reference 2-D MLP (tests/fixtures), rows split over
// the ranks of MPI_COMM_WORLD with log_likelihood_distributed, results gathered to rank 0.
// Run under mpiexec; rank 0 prints one JSON line (the best of the repetitions; see
// benchmarks/mpi_scaling.sh). Usage: mpiexec -n P mpi_likelihood [--quick] [--n N] [--reps R] [--model FILE]
#include <odeflow/flows/mlp_field.hpp>
#include <odeflow/flows/mlp_io.hpp>
#include <odeflow/flows/mpi/distributed_flow.hpp>
#include <odeflow/solvers/tableaus/dormand_prince54.hpp>

#include "mpi_timing.hpp"

#include <Kokkos_Core.hpp>
#include <mpi.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {
/// Data points: a deterministic spiral-like cloud, row i a function of i only.
struct Points {
  float operator()(long i, int k) const {
    const double a = 0.013 * double(i), r = 0.3 + 2.0 * std::fmod(0.618034 * double(i), 1.0);
    return static_cast<float>(k == 0 ? r * std::cos(a) : r * std::sin(a));
  }
};
}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  {
    Kokkos::ScopeGuard guard(argc, argv);
    long n = 16384;  // a 512-wide model: about 2.5 ms of one core per point
    int reps = 1;
    std::string model = std::string(ODEFLOW_SOURCE_DIR) + "/tests/fixtures/ref2d_mlp.safetensors";
    for (int a = 1; a < argc; ++a) {
      if (!std::strcmp(argv[a], "--quick")) n = 1024;
      else if (!std::strcmp(argv[a], "--n") && a + 1 < argc) n = std::atol(argv[++a]);
      else if (!std::strcmp(argv[a], "--reps") && a + 1 < argc) reps = std::atoi(argv[++a]);
      else if (!std::strcmp(argv[a], "--model") && a + 1 < argc) model = argv[++a];
    }
    using Exec = Kokkos::DefaultExecutionSpace;
    using Tab = odeflow::DormandPrince54<float>;
    const odeflow::MlpField<float> f(odeflow::load_mlp<float, Exec::memory_space>(model));
    const int threads = Exec().concurrency();
    odeflow_bench::BestRepetition best;
    double nfe = 0, nfe_imbalance = 0, mean = 0;
    for (int r = 0; r < reps; ++r) {
      MPI_Barrier(MPI_COMM_WORLD);
      const double t0 = MPI_Wtime();
      const double cpu0 = odeflow_bench::process_cpu_seconds();
      // snippet-begin: distributed-likelihood
      odeflow::LikelihoodOptions<float> lo;  // exact divergence, dopri5, rtol = atol = 1e-5
      odeflow::mpi::FlowOutput out;          // gather to rank 0; out.file_prefix: per-rank files
      out.chunk = 1024;                      // rows per solve call on a rank
      const auto res = odeflow::mpi::log_likelihood_distributed(
          MPI_COMM_WORLD, Exec(), Tab{}, f, odeflow::StandardNormal<float>{2}, Points{}, n, lo, out);
      // rank 0: res.log_p (n, 2) = log p1 and its standard error, res.stats (n); every rank:
      // res.summary (solver statistics) and res.likelihood (log p1 sums) over all ranks.
      // snippet-end: distributed-likelihood
      best.record(t0, cpu0, res.seconds_solve);
      nfe = double(res.summary.nfe) / double(n);
      mean = res.likelihood.mean();
      nfe_imbalance = odeflow_bench::nfe_imbalance(res.stats_local, res.summary.nfe, size);
      if (rank == 0 && res.summary.count[0] != n) std::fprintf(stderr, "warning: %ld failures\n", n - res.summary.count[0]);
    }
    if (rank == 0)
      std::printf(
          "{\"bench\":\"mpi_likelihood\",\"case\":\"ref2d_mlp_exact_dopri5_1e-5\",\"impl\":\"odeflow_mpi\","
          "\"precision\":\"float\",\"ranks\":%d,\"threads\":%d,\"threads_total\":%d,\"n\":%ld,\"seconds\":%.6g,"
          "\"seconds_solve_max\":%.6g,\"seconds_solve_min\":%.6g,\"cpu_seconds_sum\":%.6g,\"points_per_s\":%.6g,"
          "\"points_per_cpu_s\":%.6g,\"nfe_per_point\":%.2f,\"nfe_imbalance\":%.4f,\"mean_log_p\":%.6f,"
          "\"backend\":\"%s\"}\n",
          size, threads, threads * size, n, best.total, best.solve_max, best.solve_min, best.cpu_sum,
          double(n) / best.total, double(n) / best.cpu_sum, nfe, nfe_imbalance, mean, Exec::name());
  }
  MPI_Finalize();
  return 0;
}
