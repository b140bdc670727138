// The odeflow command's flow-model pieces shared by sample, likelihood and demo: solver options
// from the command line, chunked sampling and scoring with progress, status counts.
#pragma once

#include "cli.hpp"

#include <odeflow/flows/datasets/registry.hpp>
#include <odeflow/flows/log_likelihood.hpp>
#include <odeflow/flows/mlp_field.hpp>
#include <odeflow/flows/mlp_flows.hpp>
#include <odeflow/flows/mlp_io.hpp>
#include <odeflow/flows/sample.hpp>
#include <odeflow/flows/source_distribution.hpp>
#include <odeflow/solvers/status.hpp>

#include <Kokkos_Core.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <type_traits>

namespace odeflow::cli {

/// Whether Field is the MLP field the odeflow_flows library compiles the by-name solves for
/// (mlp_flows.hpp): then the command calls those instead of instantiating every method here.
template <class T, class Field>
inline constexpr bool compiled_mlp_field = std::is_same_v<Field, MlpField<T>>;

/// sample(Exec(), f, x0, x1, o), compiled in the library for MlpField<T>.
template <class T, class Field, class X0, class X1>
SampleResult<T, Kokkos::DefaultExecutionSpace::memory_space> sample_by_name(const Field& f, const X0& x0, const X1& x1,
                                                                          const SampleOptions<T>& o) {
  if constexpr (compiled_mlp_field<T, Field>)
    return sample_mlp(Kokkos::DefaultExecutionSpace(), f, x0, x1, o);
  else
    return sample(Kokkos::DefaultExecutionSpace(), f, x0, x1, o);
}

/// Solver options shared by sample, likelihood and demo.
struct SolverArgs {
  std::string method = "dopri5", precision = "float";
  double rtol = 1e-5, atol = 1e-5, dt = 0;
  int steps = 0, max_steps = 100000;
  bool shared_step = false;
  long chunk = 16384;
  CLI::App* app = nullptr;  ///< the subcommand, to tell options given from defaults (none: all defaults)
  /// Whether `option` was given on the command line.
  bool given(const char* option) const { return app != nullptr && app->count(option) > 0; }
};
void add_solver_options(CLI::App* c, SolverArgs& s);
/// Checks the method name, that a fixed-step-only method has a step, and that the run can
/// succeed in precision T (check_tolerances, check_fixed_step over [0, 1]); refuses --dt with
/// --steps, and --rtol or --atol with a fixed step (they would do nothing); throws Error.
template <class T>
FlowSolverOptions<T> to_flow_options(const SolverArgs& s);
/// Increasing times in [0, 1], comma-separated; throws Error naming a bad entry.
std::vector<double> parse_times(const std::string& s);

/// Per-status counts and total evaluations of a run.
struct StatusCounter {
  long count[num_statuses] = {};
  double nfe_total = 0;
  long n = 0;
  void add(int status, double nfe);
  std::string json() const;
  void print(const char* who) const;
};

template <class T>
Mlp<T> load_model(const std::filesystem::path& p) {
  check_input_file("--model", p);
  return load_mlp<T>(p);
}

/// n fresh points of a built-in dataset (seeded, counter-based) as a Matrix.
template <class T>
Matrix draw_dataset(const std::string& name, int d, long n, std::uint64_t seed) {
  using Exec = Kokkos::DefaultExecutionSpace;
  Matrix m{n, 0, {}};
  visit_dataset<T>(name, d, 8, [&](const auto& ds) {
    Kokkos::View<T**, Kokkos::LayoutRight> x("odeflow::cli::data", n, ds.dim());
    sample_dataset(Exec(), ds, CounterRng{seed, 0x64617461u}, 0, x);
    auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, x);
    m.cols = ds.dim();
    m.data.resize(static_cast<std::size_t>(n * m.cols));
    for (long i = 0; i < n; ++i)
      for (long k = 0; k < m.cols; ++k) m.data[static_cast<std::size_t>(i * m.cols + k)] = static_cast<double>(h(i, k));
  });
  return m;
}

/// Samples, trajectory rows (sample, t, x...), per-sample statistics and status counts.
struct SampledFlow {
  Matrix x1;
  Table trajectory, stats;
  StatusCounter counter;
  double seconds = 0;
};

/// n samples of the flow f from N(0, I) (sample i from source index i under `seed`), in
/// chunks of `chunk` (results do not depend on it); optionally the states at `times` and
/// log p1 as a last column of x1 (forward divergence integral).
///
/// `first`: the samples are [first, first + n) of a larger run (an MPI rank's block); chunks
/// are cut at the multiples of `chunk` of the whole run. The trajectory table is in sample
/// order (each sample's rows at `times` together, its global index in the first column),
/// whatever the chunk.
template <class T, class Field>
SampledFlow sample_flow(const Field& f, const FlowSolverOptions<T>& so, long n, std::uint64_t seed,
                        const std::vector<double>& times, bool with_log_p, long chunk, bool progress,
                        const char* label, long first = 0) {
  using Exec = Kokkos::DefaultExecutionSpace;
  using Rows = Kokkos::View<T**, Kokkos::LayoutRight>;
  const int d = f.dim();
  SampledFlow out;
  out.x1 = Matrix{n, d + (with_log_p ? 1 : 0), {}};
  out.x1.data.resize(static_cast<std::size_t>(out.x1.rows * out.x1.cols));
  out.trajectory.columns = {"sample", "t"};
  for (int k = 0; k < d; ++k) out.trajectory.columns.push_back("x" + std::to_string(k));
  out.stats.columns = {"nfe", "accepted", "rejected", "status"};
  Progress bar(label, n, progress);
  Stopwatch w;
  const StandardNormal<T> source{d};
  for (long g0 = first; g0 < first + n;) {
    const long m = std::min(chunk - g0 % chunk, first + n - g0), i0 = g0 - first;  // global g0, local i0
    Rows x0("odeflow::cli::x0", m, d), x1("odeflow::cli::x1", m, d);
    sample_source(Exec(), source, seed, x0, static_cast<std::uint64_t>(g0));
    Kokkos::View<Statistics<T>*> stats;
    Kokkos::View<T***> traj;
    Kokkos::View<T*> logp;
    std::vector<T> tt(times.begin(), times.end());
    if (with_log_p) {
      LikelihoodOptions<T> lo;
      lo.solver = so;
      lo.times = tt;
      lo.index_offset = static_cast<std::uint64_t>(g0);
      const auto r = [&] {
        if constexpr (compiled_mlp_field<T, Field>)
          return sample_with_log_likelihood_mlp(Exec(), f, source, x0, lo);
        else
          return sample_with_log_likelihood(Exec(), f, source, x0, lo);
      }();
      Kokkos::deep_copy(x1, r.x_other);
      stats = r.stats;
      traj = r.trajectory;
      logp = r.log_p;
    } else {
      SampleOptions<T> o;
      o.solver = so;
      o.times = tt;
      const auto r = sample_by_name<T>(f, x0, x1, o);
      stats = r.stats;
      traj = r.trajectory;
    }
    auto hx = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, x1);
    auto hs = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, stats);
    auto ht = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, traj);
    auto hl = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, logp);
    for (long i = 0; i < m; ++i) {
      double* row = &out.x1.data[static_cast<std::size_t>((i0 + i) * out.x1.cols)];
      for (int k = 0; k < d; ++k) row[k] = static_cast<double>(hx(i, k));
      if (with_log_p) row[d] = static_cast<double>(hl(i));
      out.counter.add(static_cast<int>(hs(i).status), hs(i).nfe);
      out.stats.rows.push_back({double(hs(i).nfe), double(hs(i).accepted), double(hs(i).rejected),
                                double(static_cast<int>(hs(i).status))});
    }
    for (long i = 0; i < m; ++i)
      for (std::size_t j = 0; j < times.size(); ++j) {
        std::vector<double> r{static_cast<double>(g0 + i), times[j]};
        for (int k = 0; k < d; ++k) r.push_back(static_cast<double>(ht(i, j, k)));
        out.trajectory.rows.push_back(std::move(r));
      }
    bar.update(i0 + m);
    g0 += m;
  }
  bar.finish();
  out.seconds = w.seconds();
  return out;
}

/// Per-point log p1 (nats), its standard error, nfe and status, with summary statistics.
struct ScoredData {
  Table table;
  StatusCounter counter;
  double mean_log_p = 0, stderr_log_p = 0, seconds = 0;
};

/// Scores every row of `data` under the flow f (source N(0, I)), in chunks of `chunk`;
/// Hutchinson probes are keyed by the row index (lo.index_offset + the row), so chunking
/// does not change results, and a rank scoring rows [first, first + n) of a larger data set
/// passes lo.index_offset = first to get the probes of one process.
/// Rows [first, first + count) of the data to score, row-major doubles.
using RowSource = std::function<std::vector<double>(long first, long count)>;

template <class T, class Field>
ScoredData score_data(const Field& f, LikelihoodOptions<T> lo, long rows, const RowSource& fetch, long chunk,
                      bool progress, const char* label);

template <class T, class Field>
ScoredData score_data(const Field& f, const LikelihoodOptions<T>& lo, const Matrix& data, long chunk, bool progress,
                      const char* label) {
  const RowSource fetch = [&](long first, long count) {
    const auto b = data.data.begin() + first * data.cols;
    return std::vector<double>(b, b + count * data.cols);
  };
  return score_data<T>(f, lo, data.rows, fetch, chunk, progress, label);
}

/// Scores `rows` points fetched a chunk at a time (data larger than memory streams through).
template <class T, class Field>
ScoredData score_data(const Field& f, LikelihoodOptions<T> lo, long rows, const RowSource& fetch, long chunk,
                      bool progress, const char* label) {
  using Exec = Kokkos::DefaultExecutionSpace;
  const int d = f.dim();
  ScoredData s;
  s.table.columns = {"log_p", "log_p_stderr", "nfe", "status"};
  Progress bar(label, rows, progress);
  Stopwatch w;
  const StandardNormal<T> source{d};
  double sum = 0, sum2 = 0;
  long ok = 0;
  const std::uint64_t base = lo.index_offset;
  for (long i0 = 0; i0 < rows; i0 += chunk) {
    const long m = std::min(chunk, rows - i0);
    const std::vector<double> block = fetch(i0, m);
    Kokkos::View<T**, Kokkos::LayoutRight> x("odeflow::cli::x", m, d);
    auto hx = Kokkos::create_mirror_view(x);
    for (long i = 0; i < m; ++i)
      for (int k = 0; k < d; ++k) {
        const double v = block[static_cast<std::size_t>(i * d + k)];
        if (!std::isfinite(v))
          throw Error("data row " + std::to_string(base + static_cast<std::uint64_t>(i0 + i)) + " column " +
                      std::to_string(k) + " is not finite");
        hx(i, k) = static_cast<T>(v);
      }
    Kokkos::deep_copy(x, hx);
    lo.index_offset = base + static_cast<std::uint64_t>(i0);
    const auto r = [&] {
      if constexpr (compiled_mlp_field<T, Field>)
        return log_likelihood_mlp(Exec(), f, source, x, lo);
      else
        return log_likelihood(Exec(), f, source, x, lo);
    }();
    auto hl = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, r.log_p);
    auto he = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, r.log_p_stderr);
    auto hs = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, r.stats);
    for (long i = 0; i < m; ++i) {
      const double lp = static_cast<double>(hl(i));
      s.table.rows.push_back({lp, static_cast<double>(he(i)), double(hs(i).nfe), double(static_cast<int>(hs(i).status))});
      s.counter.add(static_cast<int>(hs(i).status), hs(i).nfe);
      if (hs(i).status == Status::success) {
        sum += lp;
        sum2 += lp * lp;
        ++ok;
      }
    }
    bar.update(i0 + m);
  }
  bar.finish();
  s.seconds = w.seconds();
  s.mean_log_p = ok ? sum / ok : std::nan("");
  s.stderr_log_p = ok > 1 ? std::sqrt(std::max(0.0, sum2 / ok - s.mean_log_p * s.mean_log_p) / (ok - 1)) : std::nan("");
  return s;
}

}  // namespace odeflow::cli
