// Distributed flow sampling and likelihoods: run under mpiexec with any number of ranks; the
// gathered samples, trajectories, log-likelihoods, source ends and statistics, and the per-rank
// files, must equal one single-process sample / log_likelihood call over all rows bitwise
// (computed on rank 0 in the same run), for a seeded 2-D MLP, with exact divergence and with
// Hutchinson probes. Exit status 0 on every rank iff so.
// Usage: mpiexec -n P test_mpi_flows WORKDIR
#include <odeflow/flows/mlp_field.hpp>
#include <odeflow/flows/mlp.hpp>
#include <odeflow/flows/mpi/distributed_flow.hpp>
#include <odeflow/solvers/tableaus/dormand_prince54.hpp>

#include <Kokkos_Core.hpp>
#include <mpi.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
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

using Exec = Kokkos::DefaultExecutionSpace;
using Mem = Exec::memory_space;
using T = double;
using Tab = odeflow::DormandPrince54<T>;
using Rows = Kokkos::View<T**, Kokkos::LayoutRight, Mem>;

int rank_of() {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}
int size_of() {
  int s = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &s);
  return s;
}

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

bool same(T a, T b) { return std::memcmp(&a, &b, sizeof(T)) == 0; }

template <class A, class B>
long stats_differences(const A& ref, const B& got, long n) {
  long diff = 0;
  for (long i = 0; i < n; ++i) {
    const auto &a = ref(i), &b = got(i);
    diff += a.nfe != b.nfe || a.accepted != b.accepted || a.rejected != b.rejected || a.status != b.status ||
            !same(a.t, b.t) || !same(a.dt_last, b.dt_last);
  }
  return diff;
}

/// Data rows: smooth, deterministic functions of the global row (a spiral around the origin).
struct Data {
  T operator()(long i, int k) const {
    const double a = 0.013 * static_cast<double>(i), r = 0.3 + 2.0 * std::fmod(0.618034 * static_cast<double>(i), 1.0);
    return static_cast<T>(k == 0 ? r * std::cos(a) : r * std::sin(a));
  }
};

template <class Field>
void check_sample(const Field& f, long n, long chunk, const std::string& prefix) {
  const odeflow::StandardNormal<T> source{f.dim()};
  odeflow::SampleOptions<T> opt;
  opt.solver.rtol = opt.solver.atol = 1e-7;
  opt.times = {0.0, 0.5, 1.0};
  odeflow::mpi::FlowOutput out;
  out.chunk = chunk;
  out.file_prefix = prefix;
  const std::uint64_t seed = 42;
  const auto res = odeflow::mpi::sample_distributed(MPI_COMM_WORLD, Exec(), Tab{}, f, source, seed, n, opt, out);
  const auto mine = odeflow::mpi::block_partition(n, size_of(), rank_of());
  CHECK(res.block.first == mine.first && res.block.count == mine.count);
  if (rank_of() != 0) return;
  const int d = f.dim();
  Rows x("x", n, d);
  odeflow::sample_source(Exec(), source, seed, x);
  const auto ref = odeflow::sample(Exec(), Tab{}, f, x, x, opt);
  const auto hx = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, x);
  const auto hs = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, ref.stats);
  const auto ht = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, ref.trajectory);
  long diff_x = 0, diff_t = 0;
  for (long i = 0; i < n; ++i)
    for (int k = 0; k < d; ++k) {
      diff_x += !same(hx(i, k), res.x1(i, k));
      for (std::size_t j = 0; j < opt.times.size(); ++j) diff_t += !same(ht(i, j, k), res.trajectory(i, j, k));
    }
  const long diff_s = stats_differences(hs, res.stats, n);
  CHECK(diff_x == 0 && diff_t == 0 && diff_s == 0);
  const auto summary = odeflow::summarize(ref.stats);
  CHECK(summary.nfe == res.summary.nfe && summary.count[0] == res.summary.count[0] && summary.count[0] == n);
  std::string all;
  for (int r = 0; r < size_of(); ++r) all += npy_data(odeflow::mpi::rank_file(prefix, r, "x1"));
  CHECK(all.size() == sizeof(T) * n * d && std::memcmp(all.data(), hx.data(), all.size()) == 0);
  CHECK(std::filesystem::exists(prefix + ".manifest.json"));
  std::printf("[odeflow] sample: n = %ld over %d rank(s), chunk %ld: %ld sample, %ld trajectory, %ld statistics "
              "differences, mean NFE %.1f\n",
              n, size_of(), chunk, diff_x, diff_t, diff_s, double(res.summary.nfe) / double(n));
}

template <class Field>
void check_likelihood(const char* name, const Field& f, long n, const odeflow::LikelihoodOptions<T>& opt, long chunk,
                      const std::string& prefix) {
  const odeflow::StandardNormal<T> source{f.dim()};
  odeflow::mpi::FlowOutput out;
  out.chunk = chunk;
  out.file_prefix = prefix;
  const Data data;
  const auto res = odeflow::mpi::log_likelihood_distributed(MPI_COMM_WORLD, Exec(), Tab{}, f, source, data, n, opt, out);
  CHECK(res.likelihood.ok == n);
  if (rank_of() != 0) return;
  const int d = f.dim();
  Rows x("x", n, d);
  auto hx = Kokkos::create_mirror_view(x);
  for (long i = 0; i < n; ++i)
    for (int k = 0; k < d; ++k) hx(i, k) = data(i, k);
  Kokkos::deep_copy(x, hx);
  const auto ref = odeflow::log_likelihood(Exec(), Tab{}, f, source, x, opt);
  const auto hl = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, ref.log_p);
  const auto he = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, ref.log_p_stderr);
  const auto h0 = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, ref.x_other);
  const auto hs = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, ref.stats);
  long diff_l = 0, diff_0 = 0;
  double sum = 0;
  std::vector<T> lp(static_cast<std::size_t>(2 * n));
  for (long i = 0; i < n; ++i) {
    diff_l += !same(hl(i), res.log_p(i, 0)) || !same(he(i), res.log_p(i, 1));
    for (int k = 0; k < d; ++k) diff_0 += !same(h0(i, k), res.x0(i, k));
    sum += hl(i);
    lp[2 * i] = hl(i);
    lp[2 * i + 1] = he(i);
  }
  const long diff_s = stats_differences(hs, res.stats, n);
  CHECK(diff_l == 0 && diff_0 == 0 && diff_s == 0);
  CHECK(std::abs(res.likelihood.sum_log_p - sum) <= 1e-12 * std::abs(sum) + 1e-12);
  std::string all;
  for (int r = 0; r < size_of(); ++r) all += npy_data(odeflow::mpi::rank_file(prefix, r, "log_p"));
  CHECK(all.size() == sizeof(T) * lp.size() && std::memcmp(all.data(), lp.data(), all.size()) == 0);
  std::printf("[odeflow] %s: n = %ld over %d rank(s), chunk %ld: %ld log p, %ld x0, %ld statistics differences, "
              "mean log p %.6f\n",
              name, n, size_of(), chunk, diff_l, diff_0, diff_s, res.likelihood.mean());
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  {
    Kokkos::ScopeGuard guard(argc, argv);
    if (argc != 2) {
      if (rank_of() == 0) std::fprintf(stderr, "usage: mpiexec -n P test_mpi_flows WORKDIR\n");
      MPI_Abort(MPI_COMM_WORLD, 2);
    }
    const std::string dir = std::string(argv[1]) + "/np" + std::to_string(size_of());
    // A small MLP (2-D flow, time concatenated, 2 hidden layers of 64), initialised with a seed.
    odeflow::MlpArchitecture arch;
    arch.dims = {3, 64, 64, 2};
    odeflow::Mlp<T, Mem> model(arch);
    model.initialize(3);
    const odeflow::MlpField<T> f(model);
    check_sample(f, 1001, 0, dir + "_sample");
    check_sample(f, 1001, 97, dir + "_sample_chunked");
    odeflow::LikelihoodOptions<T> exact;
    exact.solver.rtol = exact.solver.atol = 1e-7;
    check_likelihood("exact likelihood", f, 777, exact, 0, dir + "_exact");
    odeflow::LikelihoodOptions<T> hutch = exact;
    hutch.divergence = odeflow::DivergenceEstimator::hutchinson(4, odeflow::ProbeKind::gaussian, 7);
    hutch.index_offset = 5;
    check_likelihood("Hutchinson likelihood (K = 4, seed 7)", f, 777, hutch, 64, dir + "_hutchinson");
  }
  int total = 0;
  MPI_Allreduce(&failures, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  if (rank_of() == 0)
    std::printf(total ? "FAILED: %d check(s)\n" : "all MPI flow checks passed on %d rank(s)\n", total ? total : size_of());
  MPI_Finalize();
  return total ? 1 : 0;
}
