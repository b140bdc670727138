// Sampling and likelihoods of a flow split over MPI ranks: row blocks, Kokkos on each rank, results gathered or written per rank.
#pragma once

#include <odeflow/flows/log_likelihood.hpp>
#include <odeflow/flows/sample.hpp>
#include <odeflow/flows/source_distribution.hpp>
#include <odeflow/mpi/block_partition.hpp>
#include <odeflow/mpi/gather.hpp>
#include <odeflow/mpi/rank_files.hpp>
#include <odeflow/solvers/methods.hpp>
#include <odeflow/solvers/per_trajectory.hpp>

#include <Kokkos_Core.hpp>
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdint>
#include <string>
#include <vector>

namespace odeflow::mpi {

/// Where a distributed sampling run or likelihood evaluation puts its results, and how many
/// rows a rank solves at once. Both outputs may be set.
struct FlowOutput {
  /// Gather the per-row results and statistics to rank 0 (the non-`_local` members).
  bool gather = true;
  /// If not empty: every rank writes its block as "<prefix>.rank<r>.<kind>.npy" files and
  /// rank 0 writes "<prefix>.manifest.json" (rank_files.hpp); the kinds are listed with each
  /// function.
  std::string file_prefix;
  /// Rows per solve call on a rank (bounds the solver's and the field's workspace); 0: the
  /// whole block in one call. The results do not depend on it.
  long chunk = 0;
};

/// Sums over the ranks of the log-likelihoods of the rows that succeeded.
struct LikelihoodSummary {
  long ok = 0;             ///< rows whose solve ended with Status::success
  double sum_log_p = 0;    ///< sum of their log p1 (nats), accumulated in double
  double sum_log_p_sq = 0; ///< sum of the squares of their log p1

  /// Mean log p1 over the rows that succeeded (NaN if none).
  double mean() const {
    return ok > 0 ? sum_log_p / static_cast<double>(ok) : Kokkos::Experimental::quiet_NaN<double>::value;
  }
};

/// Host (rows, d) array of a distributed result, row-major.
template <class T>
using HostRows = Kokkos::View<T**, Kokkos::LayoutRight, Kokkos::HostSpace>;
/// Host per-row statistics of a distributed result.
template <class T>
using HostStatistics = Kokkos::View<Statistics<T>*, Kokkos::HostSpace>;

/// A distributed sampling run's results as seen by one rank.
template <class T>
struct DistributedSample {
  BlockPartition block;        ///< this rank's samples
  HostRows<T> x1_local;        ///< (block.count, d): the samples of the block
  HostStatistics<T> stats_local;  ///< (block.count)
  /// (block.count, m, d): states at SampleOptions::times (empty without times).
  Kokkos::View<T***, Kokkos::LayoutRight, Kokkos::HostSpace> trajectory_local;
  HostRows<T> x1;              ///< (n, d) on rank 0 when gathered
  HostStatistics<T> stats;     ///< (n) on rank 0 when gathered
  /// (n, m, d) on rank 0 when gathered with times.
  Kokkos::View<T***, Kokkos::LayoutRight, Kokkos::HostSpace> trajectory;
  EnsembleSummary summary;     ///< statistics over all ranks (every rank)
  double seconds_solve = 0;    ///< this rank's solves (kernels and copies)
  double seconds_total = 0;    ///< this rank's whole call, gather and files included
};

/// A distributed likelihood evaluation's results as seen by one rank.
template <class T>
struct DistributedLikelihood {
  BlockPartition block;            ///< this rank's rows
  HostRows<T> log_p_local;         ///< (block.count, 2): log p1 and its standard error (LikelihoodResult)
  HostRows<T> x0_local;            ///< (block.count, d): the source ends of the trajectories
  HostStatistics<T> stats_local;   ///< (block.count)
  HostRows<T> log_p;               ///< (n, 2) on rank 0 when gathered
  HostRows<T> x0;                  ///< (n, d) on rank 0 when gathered
  HostStatistics<T> stats;         ///< (n) on rank 0 when gathered
  EnsembleSummary summary;         ///< solver statistics over all ranks (every rank)
  LikelihoodSummary likelihood;    ///< log p1 sums over all ranks (every rank)
  double seconds_solve = 0;        ///< this rank's solves (kernels and copies)
  double seconds_total = 0;        ///< this rank's whole call, gather and files included
};

namespace detail {

template <class T>
void write_statistics_npy(const std::string& path, const HostStatistics<T>& s) {
  const long m = static_cast<long>(s.extent(0));
  std::vector<std::int32_t> st(static_cast<std::size_t>(m) * 4);
  for (long i = 0; i < m; ++i) {
    st[4 * i] = static_cast<std::int32_t>(s(i).status);
    st[4 * i + 1] = s(i).nfe;
    st[4 * i + 2] = s(i).accepted;
    st[4 * i + 3] = s(i).rejected;
  }
  write_npy(path, st.data(), m, 4);
}

inline void check_rows(long n, long chunk) {
  if (n < 0 || n > INT_MAX) throw InvalidArgument("n = " + std::to_string(n) + " must be in [0, INT_MAX]");
  if (chunk < 0) throw InvalidArgument("out.chunk = " + std::to_string(chunk) + " must be >= 0");
}

/// Calls solve(c0, m) for consecutive chunks [c0, c0 + m) of a block of `count` rows.
template <class Solve>
void for_chunks(long count, long chunk, const Solve& solve) {
  const long c = chunk > 0 ? chunk : std::max(1L, count);
  for (long c0 = 0; c0 < count; c0 += c) solve(c0, std::min(c, count - c0));
}

template <class T>
void gather_statistics(MPI_Comm comm, long n, const HostStatistics<T>& local, HostStatistics<T>& global) {
  if (rank_of(comm) == 0) global = HostStatistics<T>("odeflow::mpi::stats", n);
  gather_blocks(comm, n, sizeof(Statistics<T>), local.data(), global.data());
}

template <class T>
void gather_rows(MPI_Comm comm, long n, const HostRows<T>& local, HostRows<T>& global, const char* label) {
  const long cols = static_cast<long>(local.extent(1));
  if (rank_of(comm) == 0) global = HostRows<T>(label, n, cols);
  if (cols > 0) gather_blocks(comm, n, sizeof(T) * static_cast<std::size_t>(cols), local.data(), global.data());
}

}  // namespace detail

/// Sums LikelihoodSummary over the ranks; every rank gets the total (one MPI_Allreduce of
/// three doubles with MPI_SUM, collective over `comm`; the count is exact below 2^53).
/// Throws MpiError when the reduction fails.
inline LikelihoodSummary allreduce(MPI_Comm comm, const LikelihoodSummary& local) {
  double in[3] = {static_cast<double>(local.ok), local.sum_log_p, local.sum_log_p_sq}, out[3];
  detail::check(MPI_Allreduce(in, out, 3, MPI_DOUBLE, MPI_SUM, comm), "MPI_Allreduce");
  return LikelihoodSummary{static_cast<long>(out[0]), out[1], out[2]};
}

/// Samples n points of a flow across the ranks of `comm`: sample i starts at x0_i drawn by
/// sample_source(space, source, seed, ..) at index i (the GLOBAL index) and is integrated
/// from opt.t0 to opt.t1 by sample(space, Tab{}, f, ...) (sample.hpp). Rank r solves
/// block_partition(n, P, r) on its own execution space, in chunks of `out.chunk` rows;
/// then the results are gathered to rank 0 and/or written per rank, and the statistics
/// summed over ranks.
///
/// - `f`: a BatchedField with value_type T (the same model on every rank);
/// - `source`: p0 (SourceDistribution), `seed`: the key of the source draws;
/// - `n`: the number of samples (at most INT_MAX); `opt`: as for sample (times give the
///   trajectory, gathered too);
/// - `out`: gather to rank 0 (default) and/or per-rank files "x1" ((count, d)) and "stats"
///   ((count, 4) int32: status, nfe, accepted, rejected), manifest kind "sample".
/// - Returns this rank's DistributedSample.
///
/// Collective: every rank calls it with the same arguments. Sample i depends only on
/// (seed, i) and the options, so every row is bitwise the single-process result
/// sample_source(.., seed, x0) then sample(..) of all n rows, for any number of ranks,
/// threads and chunk size. Throws InvalidArgument (bad input; every rank throws the same)
/// or MpiError.
template <class Tab, class ExecSpace, class Field, class Source>
DistributedSample<typename Tab::value_type> sample_distributed(
    MPI_Comm comm, const ExecSpace& space, const Tab& tab, const Field& f, const Source& source, std::uint64_t seed,
    long n, const SampleOptions<typename Tab::value_type>& opt, const FlowOutput& out = {}) {
  using T = typename Tab::value_type;
  using Mem = typename ExecSpace::memory_space;
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  detail::check_rows(n, out.chunk);
  const int size = detail::size_of(comm), rank = detail::rank_of(comm), d = f.dim();
  const long mt = static_cast<long>(opt.times.size());
  DistributedSample<T> res;
  res.block = block_partition(n, size, rank);
  const long count = res.block.count;
  res.x1_local = HostRows<T>("odeflow::mpi::x1_local", count, d);
  res.stats_local = HostStatistics<T>("odeflow::mpi::stats_local", count);
  if (mt > 0) res.trajectory_local = decltype(res.trajectory_local)("odeflow::mpi::trajectory_local", count, mt, d);
  detail::for_chunks(count, out.chunk, [&](long c0, long m) {
    Kokkos::View<T**, Kokkos::LayoutRight, Mem> x("odeflow::mpi::x", m, d);
    sample_source(space, source, seed, x, static_cast<std::uint64_t>(res.block.first + c0));
    const auto r = sample(space, tab, f, x, x, opt);
    const auto hx = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, x);
    const auto hs = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, r.stats);
    for (long i = 0; i < m; ++i) {
      for (int k = 0; k < d; ++k) res.x1_local(c0 + i, k) = hx(i, k);
      res.stats_local(c0 + i) = hs(i);
    }
    if (mt > 0) {
      const auto ht = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, r.trajectory);
      for (long i = 0; i < m; ++i)
        for (long j = 0; j < mt; ++j)
          for (int k = 0; k < d; ++k) res.trajectory_local(c0 + i, j, k) = ht(i, j, k);
    }
  });
  res.seconds_solve = std::chrono::duration<double>(Clock::now() - start).count();

  res.summary = allreduce(comm, summarize(res.stats_local));
  if (out.gather) {
    detail::gather_rows(comm, n, res.x1_local, res.x1, "odeflow::mpi::x1");
    detail::gather_statistics(comm, n, res.stats_local, res.stats);
    if (mt > 0) {
      if (rank == 0) res.trajectory = decltype(res.trajectory)("odeflow::mpi::trajectory", n, mt, d);
      gather_blocks(comm, n, sizeof(T) * static_cast<std::size_t>(mt * d), res.trajectory_local.data(),
                    res.trajectory.data());
    }
  }
  if (!out.file_prefix.empty()) {
    write_npy(rank_file(out.file_prefix, rank, "x1"), res.x1_local.data(), count, d);
    detail::write_statistics_npy(rank_file(out.file_prefix, rank, "stats"), res.stats_local);
    if (rank == 0) write_manifest(out.file_prefix, "sample", n, d, size, {"x1", "stats"});
    detail::check(MPI_Barrier(comm), "MPI_Barrier");  // files complete when the call returns
  }
  res.seconds_total = std::chrono::duration<double>(Clock::now() - start).count();
  return res;
}

/// The same with the method chosen at run time by name (`opt.solver.method`, see
/// method_names()); instantiates the solve once per built-in method.
template <class ExecSpace, class Field, class Source>
DistributedSample<typename Field::value_type> sample_distributed(
    MPI_Comm comm, const ExecSpace& space, const Field& f, const Source& source, std::uint64_t seed, long n,
    const SampleOptions<typename Field::value_type>& opt, const FlowOutput& out = {}) {
  using T = typename Field::value_type;
  DistributedSample<T> r;
  visit_method<T>(opt.solver.method,
                  [&](auto tab) { r = sample_distributed(comm, space, tab, f, source, seed, n, opt, out); });
  return r;
}

/// log p1 of n data points under a flow across the ranks of `comm`: rank r scores the rows
/// block_partition(n, P, r) with log_likelihood(space, Tab{}, f, source, ..) (log_likelihood.hpp)
/// on its own execution space, in chunks of `out.chunk` rows, with LikelihoodOptions::index_offset
/// set to opt.index_offset + the global row of each chunk's first row (Hutchinson probes are
/// keyed by the global row, as in one call over all rows). Then the results are gathered to
/// rank 0 and/or written per rank, and the statistics and log p1 sums reduced over ranks.
///
/// - `f`: a BatchedFieldWithDivergence or BatchedFieldWithJvp (value_type T);
/// - `source`: p0 (SourceDistribution);
/// - `x1(i, k)`: host callable, component k of data row i (the GLOBAL row; called for the
///   rank's rows only, so each rank may hold or read just its block);
/// - `n`: the number of rows (at most INT_MAX); `opt`: as for log_likelihood (times are
///   not supported here: InvalidArgument);
/// - `out`: gather to rank 0 (default) and/or per-rank files "log_p" ((count, 2): log p1
///   and its standard error), "x0" ((count, d)) and "stats" ((count, 4) int32), manifest kind
///   "log_likelihood".
/// - Returns this rank's DistributedLikelihood. Rows that fail have NaN log p1 and their
///   Status in the statistics; they do not enter `likelihood`.
///
/// Collective: every rank calls it with the same arguments. Every row's results are
/// bitwise those of one log_likelihood call over all n rows, for any number of ranks,
/// threads and chunk size, exact divergence or Hutchinson. The reduced sums in
/// `likelihood` are sums of per-rank partial sums, equal to a single-process sum up to
/// rounding; for a bitwise mean, sum the gathered log_p on rank 0 in row order. Throws
/// InvalidArgument (bad input; every rank throws the same) or MpiError.
template <class Tab, class ExecSpace, class Field, class Source, class Data>
DistributedLikelihood<typename Tab::value_type> log_likelihood_distributed(
    MPI_Comm comm, const ExecSpace& space, const Tab& tab, const Field& f, const Source& source, const Data& x1, long n,
    const LikelihoodOptions<typename Tab::value_type>& opt, const FlowOutput& out = {}) {
  using T = typename Tab::value_type;
  using Mem = typename ExecSpace::memory_space;
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  detail::check_rows(n, out.chunk);
  if (!opt.times.empty())
    throw InvalidArgument("log_likelihood_distributed: opt.times is not supported (use log_likelihood per block)");
  const int size = detail::size_of(comm), rank = detail::rank_of(comm), d = f.dim();
  DistributedLikelihood<T> res;
  res.block = block_partition(n, size, rank);
  const long count = res.block.count;
  res.log_p_local = HostRows<T>("odeflow::mpi::log_p_local", count, 2);
  res.x0_local = HostRows<T>("odeflow::mpi::x0_local", count, d);
  res.stats_local = HostStatistics<T>("odeflow::mpi::stats_local", count);
  LikelihoodSummary mine;
  detail::for_chunks(count, out.chunk, [&](long c0, long m) {
    const long g0 = res.block.first + c0;
    Kokkos::View<T**, Kokkos::LayoutRight, Mem> x("odeflow::mpi::x", m, d);
    auto hx = Kokkos::create_mirror_view(x);
    for (long i = 0; i < m; ++i)
      for (int k = 0; k < d; ++k) hx(i, k) = static_cast<T>(x1(g0 + i, k));
    Kokkos::deep_copy(space, x, hx);
    LikelihoodOptions<T> o = opt;
    o.index_offset = opt.index_offset + static_cast<std::uint64_t>(g0);
    const auto r = log_likelihood(space, tab, f, source, x, o);
    const auto hl = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, r.log_p);
    const auto he = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, r.log_p_stderr);
    const auto h0 = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, r.x_other);
    const auto hs = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, r.stats);
    for (long i = 0; i < m; ++i) {
      res.log_p_local(c0 + i, 0) = hl(i);
      res.log_p_local(c0 + i, 1) = he(i);
      for (int k = 0; k < d; ++k) res.x0_local(c0 + i, k) = h0(i, k);
      res.stats_local(c0 + i) = hs(i);
      if (hs(i).status == Status::success) {
        const double lp = static_cast<double>(hl(i));
        ++mine.ok;
        mine.sum_log_p += lp;
        mine.sum_log_p_sq += lp * lp;
      }
    }
  });
  res.seconds_solve = std::chrono::duration<double>(Clock::now() - start).count();

  res.summary = allreduce(comm, summarize(res.stats_local));
  res.likelihood = allreduce(comm, mine);
  if (out.gather) {
    detail::gather_rows(comm, n, res.log_p_local, res.log_p, "odeflow::mpi::log_p");
    detail::gather_rows(comm, n, res.x0_local, res.x0, "odeflow::mpi::x0");
    detail::gather_statistics(comm, n, res.stats_local, res.stats);
  }
  if (!out.file_prefix.empty()) {
    write_npy(rank_file(out.file_prefix, rank, "log_p"), res.log_p_local.data(), count, 2);
    write_npy(rank_file(out.file_prefix, rank, "x0"), res.x0_local.data(), count, d);
    detail::write_statistics_npy(rank_file(out.file_prefix, rank, "stats"), res.stats_local);
    if (rank == 0) write_manifest(out.file_prefix, "log_likelihood", n, d, size, {"log_p", "x0", "stats"});
    detail::check(MPI_Barrier(comm), "MPI_Barrier");  // files complete when the call returns
  }
  res.seconds_total = std::chrono::duration<double>(Clock::now() - start).count();
  return res;
}

/// The same with the method chosen at run time by name (`opt.solver.method`, see
/// method_names()); instantiates the solve once per built-in method.
template <class ExecSpace, class Field, class Source, class Data>
DistributedLikelihood<typename Field::value_type> log_likelihood_distributed(
    MPI_Comm comm, const ExecSpace& space, const Field& f, const Source& source, const Data& x1, long n,
    const LikelihoodOptions<typename Field::value_type>& opt, const FlowOutput& out = {}) {
  using T = typename Field::value_type;
  DistributedLikelihood<T> r;
  visit_method<T>(opt.solver.method,
                  [&](auto tab) { r = log_likelihood_distributed(comm, space, tab, f, source, x1, n, opt, out); });
  return r;
}

}  // namespace odeflow::mpi
