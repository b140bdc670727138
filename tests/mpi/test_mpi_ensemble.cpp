// MPI ensembles: run under mpiexec with any number of ranks; the gathered states and statistics,
// the reduced summary and the per-rank files must equal a single-process solve_ensemble of the
// whole ensemble bitwise (computed on rank 0 in the same run). Exit status 0 on every rank iff so.
// Usage: mpiexec -n P test_mpi_ensemble WORKDIR
#include <odeflow/mpi/ensemble.hpp>
#include <odeflow/solvers/problems/lorenz.hpp>
#include <odeflow/solvers/tableaus/dormand_prince54.hpp>
#include <odeflow/solvers/tableaus/runge_kutta4.hpp>
#include <odeflow/solvers/tableaus/tsitouras54.hpp>

#include <Kokkos_Core.hpp>
#include <mpi.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

int failures = 0;
#define CHECK(cond)                                                                      \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);     \
      ++failures;                                                                        \
    }                                                                                    \
  } while (0)

template <class T>
using Study = odeflow::LorenzParameterStudy<T>;  // rho_i = rho1 i / (n - 1)
/// A run-time-dimension field: y_k' = -(1 + k + i / n) y_k (workspace path, PerTrajectory<0>).
struct Decay {
  double rate;
  template <class TT, class Y, class DY>
  KOKKOS_FUNCTION void operator()(TT, const Y& y, DY& dy) const {
    for (int k = 0; k < 5; ++k) dy[k] = -(rate + k) * y[k];
  }
};
struct DecayStudy {
  long n;
  KOKKOS_FUNCTION Decay operator()(int i) const { return Decay{1.0 + double(i) / double(n)}; }
};

/// Reads a .npy written by write_npy: skips the header, returns the raw data bytes.
std::string npy_data(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string s = ss.str();
  if (s.size() < 10) return {};
  const std::size_t hl = static_cast<unsigned char>(s[8]) | (static_cast<unsigned char>(s[9]) << 8);
  return s.substr(10 + hl);
}

template <class Tab, int N, class Problem, class Init>
void check_case(const char* name, const Problem& problem, const Init& init, long n, int d,
                typename Tab::value_type t1, odeflow::SolveOptions<typename Tab::value_type> opt,
                const std::string& prefix) {
  using T = typename Tab::value_type;
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  odeflow::mpi::EnsembleOutput out;
  out.file_prefix = prefix;
  const auto res = odeflow::mpi::solve_ensemble_distributed<Tab>(
      MPI_COMM_WORLD, Kokkos::DefaultExecutionSpace(), odeflow::PerTrajectory<N>{}, problem, init, n, d, T(0), t1, opt, out);
  const auto mine = odeflow::mpi::block_partition(n, size, rank);
  CHECK(res.block.first == mine.first && res.block.count == mine.count);
  CHECK(static_cast<long>(res.y_local.extent(0)) == mine.count);
  if (rank != 0) {
    CHECK(res.y.extent(0) == 0);
    return;
  }
  // The single-process result: the whole ensemble in one solve_ensemble call.
  Kokkos::View<T**, Kokkos::LayoutLeft> y("y", n, d);
  Kokkos::View<odeflow::Statistics<T>*> st("st", n);
  auto hy = Kokkos::create_mirror_view(y);
  for (long i = 0; i < n; ++i)
    for (int k = 0; k < d; ++k) hy(i, k) = init(i, k);
  Kokkos::deep_copy(y, hy);
  odeflow::solve_ensemble<Tab>(Kokkos::DefaultExecutionSpace(), odeflow::PerTrajectory<N>{}, problem, y, T(0), t1, opt, st);
  Kokkos::deep_copy(hy, y);
  auto hs = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), st);
  long diff_y = 0, diff_s = 0;
  for (long i = 0; i < n; ++i) {
    for (int k = 0; k < d; ++k) diff_y += std::memcmp(&hy(i, k), &res.y(i, k), sizeof(T)) != 0;
    const auto &a = hs(i), &b = res.stats(i);
    diff_s += a.nfe != b.nfe || a.accepted != b.accepted || a.rejected != b.rejected || a.status != b.status ||
              std::memcmp(&a.t, &b.t, sizeof(T)) != 0 || std::memcmp(&a.dt_last, &b.dt_last, sizeof(T)) != 0;
  }
  CHECK(diff_y == 0);
  CHECK(diff_s == 0);
  const auto ref = odeflow::summarize(st);
  CHECK(ref.nfe == res.summary.nfe && ref.accepted == res.summary.accepted && ref.rejected == res.summary.rejected);
  for (int s = 0; s < odeflow::num_statuses; ++s) CHECK(ref.count[s] == res.summary.count[s]);
  CHECK(res.summary.count[0] == n);
  // The per-rank files, concatenated in rank order, are the same bytes; the manifest lists them.
  std::string all;
  for (int r = 0; r < size; ++r) all += npy_data(odeflow::mpi::rank_file(prefix, r, "y"));
  std::vector<T> rows(static_cast<std::size_t>(n) * d);
  for (long i = 0; i < n; ++i)
    for (int k = 0; k < d; ++k) rows[i * d + k] = hy(i, k);
  CHECK(all.size() == rows.size() * sizeof(T) && std::memcmp(all.data(), rows.data(), all.size()) == 0);
  std::ifstream mf(prefix + ".manifest.json");
  std::stringstream ms;
  ms << mf.rdbuf();
  CHECK(ms.str().find("\"ranks\": " + std::to_string(size)) != std::string::npos);
  CHECK(ms.str().find("\"n\": " + std::to_string(n)) != std::string::npos);
  std::printf("[odeflow] %s: n = %ld over %d rank(s): %ld state and %ld statistics differences, mean NFE %.1f\n", name,
              n, size, diff_y, diff_s, double(res.summary.nfe) / double(n));
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  {
    Kokkos::ScopeGuard guard(argc, argv);
    if (argc != 2) {
      if (rank == 0) std::fprintf(stderr, "usage: mpiexec -n P test_mpi_ensemble WORKDIR\n");
      MPI_Abort(MPI_COMM_WORLD, 2);
    }
    const std::string dir = argv[1];
    const std::string tag = "/np" + std::to_string(size);
    // Partition: every item once, contiguous, sizes differ by at most one.
    for (long n : {0L, 1L, 7L, 100003L})
      for (int p : {1, 2, 3, 8}) {
        long next = 0;
        for (int r = 0; r < p; ++r) {
          const auto b = odeflow::mpi::block_partition(n, p, r);
          CHECK(b.first == next && b.count >= n / p && b.count <= n / p + 1);
          next += b.count;
        }
        CHECK(next == n);
      }
    auto init3 = [](long, int k) { return k == 0 ? 1.0 : 0.0; };
    auto o = odeflow::default_options<odeflow::DormandPrince54<double>>();
    o.norm.rtol = o.norm.atol = 1e-8;
    check_case<odeflow::DormandPrince54<double>, 3>("dopri5 Lorenz", Study<double>{20011, 0.0, 21.0}, init3, 20011, 3, 1.0,
                                                    o, dir + tag + "_lorenz");
    auto ot = odeflow::default_options<odeflow::Tsitouras54<float>>();
    ot.norm.rtol = ot.norm.atol = 1e-5f;
    check_case<odeflow::Tsitouras54<float>, 3>("tsit5 float Lorenz (chaotic)", Study<float>{4099, 0.0f, 30.0f},
                                               [](long, int k) { return k == 0 ? 1.0f : 0.0f; }, 4099, 3, 10.0f, ot,
                                               dir + tag + "_lorenz_f");
    auto of = odeflow::default_options<odeflow::RungeKutta4<double>>();
    of.dt = 1e-2;
    check_case<odeflow::RungeKutta4<double>, 0>("rk4 decay, run-time dimension", DecayStudy{1001},
                                                [](long i, int k) { return 1.0 + 0.001 * double(i) + k; }, 1001, 5, 2.0,
                                                of, dir + tag + "_decay");
  }
  int total = 0;
  MPI_Allreduce(&failures, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  if (rank == 0) std::printf(total ? "FAILED: %d check(s)\n" : "all MPI checks passed on %d rank(s)\n", total ? total : size);
  MPI_Finalize();
  return total ? 1 : 0;
}
