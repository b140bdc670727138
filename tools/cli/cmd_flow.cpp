// odeflow sample and odeflow likelihood: a flow-matching model (safetensors) integrated in lockstep
// batches, in chunks with a progress bar; samples, trajectories, log-likelihoods, statistics.
// Under mpirun each rank takes a block of the rows; rank 0 gathers, writes and prints.
#include "distributed.hpp"
#include "flow_common.hpp"

#include <odeflow/flows/datasets/registry.hpp>
#include <odeflow/flows/io/npy.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace odeflow::cli {

void add_solver_options(CLI::App* c, SolverArgs& s) {
  s.app = c;
  c->add_option("--method", s.method, "Method name (odeflow info lists them)")->capture_default_str();
  c->add_option("--rtol", s.rtol, "Relative tolerance (adaptive methods)")->capture_default_str()->check(finite_number());
  c->add_option("--atol", s.atol, "Absolute tolerance (adaptive methods)")->capture_default_str()->check(finite_number());
  c->add_option("--dt", s.dt, "Fixed step (any method; no error control)")->check(finite_number());
  c->add_option("--steps", s.steps, "Fixed number of steps over [0, 1]")->check(CLI::PositiveNumber);
  c->add_option("--max-steps", s.max_steps, "Attempted steps per sample before giving up")->capture_default_str()
      ->check(CLI::PositiveNumber);
  c->add_flag("--shared-step", s.shared_step, "One step size for the whole batch (torchdiffeq's behaviour)");
  c->add_option("--chunk", s.chunk, "Samples per batch (progress is reported per batch)")->capture_default_str()
      ->check(CLI::PositiveNumber);
  c->add_option("--precision", s.precision, "float or double")->capture_default_str();
}

template <class T>
FlowSolverOptions<T> to_flow_options(const SolverArgs& s) {
  FlowSolverOptions<T> o;
  o.method = s.method;
  o.rtol = static_cast<T>(s.rtol);
  o.atol = static_cast<T>(s.atol);
  o.dt = static_cast<T>(s.steps > 0 ? 1.0 / s.steps : s.dt);
  o.max_steps = s.max_steps;
  o.lockstep.shared_step = s.shared_step;
  bool embedded = false, known = false;
  for (const auto& m : methods())
    if (m.name == s.method) {
      known = true;
      embedded = m.embedded_order > 0;
    }
  if (!known) {
    std::string names;
    for (const auto& m : methods()) names += (names.empty() ? "" : ", ") + std::string(m.name);
    throw Error("--method '" + s.method + "' is not a known method (known: " + names + ")");
  }
  if (s.given("--dt") && s.given("--steps"))
    throw Error("--dt " + show(s.dt) + " and --steps " + std::to_string(s.steps) + " both set the step: give one");
  const bool fixed = s.steps > 0 || s.given("--dt");
  if (fixed) {
    for (const char* tol : {"--rtol", "--atol"})
      if (s.given(tol))
        throw Error(std::string(tol) + " does nothing with a fixed step (" + (s.steps > 0 ? "--steps" : "--dt") +
                    "): there is no error control");
    const std::string given = s.steps > 0 ? "--steps " + std::to_string(s.steps) : "--dt " + show(s.dt);
    check_fixed_step<T>(given, s.steps > 0 ? 1.0 / s.steps : s.dt, 1.0, s.max_steps);
  } else {
    if (!embedded) throw Error("--method " + s.method + " has no error estimate: give a step with --dt or --steps");
    check_tolerances<T>(s.rtol, s.atol);
  }
  return o;
}
template FlowSolverOptions<float> to_flow_options<float>(const SolverArgs&);
template FlowSolverOptions<double> to_flow_options<double>(const SolverArgs&);

void StatusCounter::add(int status, double nfe) {
  ++count[status];
  nfe_total += nfe;
  ++n;
}

std::string StatusCounter::json() const {
  std::string s;
  for (int k = 0; k < num_statuses; ++k)
    s += std::string(k ? ", " : "") + "\"" + status_name(Status(k)) + "\": " + std::to_string(count[k]);
  return "{" + s + "}";
}

void StatusCounter::print(const char* who) const {
  for (int k = 0; k < num_statuses; ++k)
    if (count[k] && k != 0) std::fprintf(stderr, "%s: %ld samples ended with status %s\n", who, count[k], status_name(Status(k)));
}

std::vector<double> parse_times(const std::string& s) {
  std::vector<double> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    char* end = nullptr;
    const double v = std::strtod(item.c_str(), &end);
    if (item.empty() || *end != '\0' || !(v >= 0 && v <= 1))
      throw Error("--times: '" + item + "' is not a time in [0, 1]");
    if (!out.empty() && v <= out.back()) throw Error("--times must be increasing ('" + s + "')");
    out.push_back(v);
  }
  if (out.empty()) throw Error("--times is empty");
  return out;
}

namespace {

/// A table's rows as one row-major vector (every row has `cols` values).
std::vector<double> flatten(const Table& t, std::size_t cols) {
  std::vector<double> v;
  v.reserve(t.rows.size() * cols);
  for (const auto& r : t.rows) v.insert(v.end(), r.begin(), r.end());
  return v;
}

/// The inverse of flatten: rows of `cols` values.
void unflatten(Table& t, const std::vector<double>& v, std::size_t cols) {
  t.rows.clear();
  t.rows.reserve(v.size() / cols);
  for (std::size_t i = 0; i + cols <= v.size(); i += cols) t.rows.emplace_back(v.begin() + i, v.begin() + i + cols);
}

/// Gathers a table whose rows come `per_item` per item of this rank's block of n items.
void gather_table(Table& t, long n, std::size_t per_item) {
  const std::size_t cols = t.columns.size();
  unflatten(t, gather_rows(flatten(t, cols), n, static_cast<long>(per_item * cols)), cols);
}

/// Sums the per-status counts and evaluations of every rank (all integers: exact).
void sum_counter(StatusCounter& c) {
  long v[num_statuses + 2];
  for (int k = 0; k < num_statuses; ++k) v[k] = c.count[k];
  v[num_statuses] = static_cast<long>(c.nfe_total);
  v[num_statuses + 1] = c.n;
  sum_over_ranks(v, num_statuses + 2);
  for (int k = 0; k < num_statuses; ++k) c.count[k] = v[k];
  c.nfe_total = static_cast<double>(v[num_statuses]);
  c.n = v[num_statuses + 1];
}

/// Host memory the results of n rows take on rank 0 (an estimate, for check_result_memory):
/// per number 8 bytes, the gathered copy and about 16 characters of text; per table row a
/// vector's 40 bytes (--stats: 4 numbers; --trajectory: `times` rows of t and the d state).
double result_bytes(long n, long cols, bool stats, std::size_t times) {
  const double per_number = 8 + 8 + 16, per_table_row = 40;
  const double state = cols * per_number;
  const double st = stats ? 4 * per_number + per_table_row : 0;
  const double traj = static_cast<double>(times) * (cols * per_number + per_table_row);
  return static_cast<double>(n) * (state + st + traj);
}

struct SampleArgs {
  std::filesystem::path model, out, trajectory, stats_out;
  long n = 10000;
  std::uint64_t seed = 0;
  std::string times = "0,0.25,0.5,0.75,1";
  bool with_log_p = false;
  SolverArgs solver;
};

template <class T>
void run_sample(const SampleArgs& a, const Global& g) {
  // Each rank samples its block of the n samples (sample i from source index i, whatever the
  // rank), rank 0 gathers them in order: the files are those of one process.
  const bool root = world_rank() == 0, ranks = world_size() > 1;
  const RowBlock b = my_block(a.n);
  std::vector<double> times;
  SampledFlow out;
  collectively([&] {
    const auto model = load_model<T>(a.model);
    const MlpField<T> f(model);
    const FlowSolverOptions<T> so = to_flow_options<T>(a.solver);
    if (!a.trajectory.empty()) times = parse_times(a.times);
    check_result_memory("-n " + std::to_string(a.n), result_bytes(a.n, model.dim() + (a.with_log_p ? 1 : 0),
                                                                 !a.stats_out.empty(), times.size()));
    out = sample_flow<T>(f, so, b.count, a.seed, times, a.with_log_p, a.solver.chunk, g.progress && !g.quiet && root,
                         "sample", b.first);
  });
  if (ranks) {
    out.x1.data = gather_rows(std::move(out.x1.data), a.n, out.x1.cols);
    out.x1.rows = root ? a.n : 0;
    if (!a.stats_out.empty()) gather_table(out.stats, a.n, 1);
    // Sample-major blocks of consecutive ranks concatenate to the whole run's table.
    if (!a.trajectory.empty()) gather_table(out.trajectory, a.n, times.size());
    sum_counter(out.counter);
    out.seconds = max_over_ranks(out.seconds);
  }
  on_rank0([&] {
    write_matrix(a.out, out.x1);
    if (!a.trajectory.empty()) write_table(a.trajectory, out.trajectory);
    if (!a.stats_out.empty()) write_table(a.stats_out, out.stats);
    std::printf("{\"command\": \"sample\", \"n\": %ld, \"method\": \"%s\", \"seconds\": %s, \"nfe_mean\": %s, "
                "\"status\": %s%s}\n",
                a.n, a.solver.method.c_str(), json_number(out.seconds).c_str(),
                json_number(out.counter.nfe_total / a.n).c_str(), out.counter.json().c_str(),
                ranks ? (", \"ranks\": " + std::to_string(world_size())).c_str() : "");
    if (!g.quiet) {
      std::fprintf(stderr, "odeflow sample: %ld samples with %s in %.2f s, %.1f function evaluations per sample; wrote %s\n",
                   a.n, a.solver.method.c_str(), out.seconds, out.counter.nfe_total / a.n, a.out.string().c_str());
      out.counter.print("odeflow sample");
    }
  });
  if (out.counter.count[0] != a.n) throw ExitCode{3};
}

struct LikelihoodArgs {
  std::filesystem::path model, data, out;
  std::string dataset;
  long n = 5000;
  std::uint64_t data_seed = 1;
  int hutchinson = 0;
  std::string probe = "rademacher";
  std::uint64_t probe_seed = 0;
  bool no_control_log_p = false;
  double memory_budget_mb = 0;
  SolverArgs solver;
};

template <class T>
void run_likelihood(const LikelihoodArgs& a, const Global& g) {
  // Each rank scores its block of the rows (Hutchinson probes keyed by the global row), rank 0
  // gathers the per-row results in order and computes the summary from them: output and
  // summary are those of one process.
  const bool root = world_rank() == 0, ranks = world_size() > 1;
  ScoredData s;
  long rows = 0;
  collectively([&] {
    const auto model = load_model<T>(a.model);
    const MlpField<T> f(model);
    LikelihoodOptions<T> lo;
    lo.solver = to_flow_options<T>(a.solver);
    lo.control_log_density = !a.no_control_log_p;
    if (a.hutchinson > 0) {
      ProbeKind pk;
      if (a.probe == "rademacher")
        pk = ProbeKind::rademacher;
      else if (a.probe == "gaussian")
        pk = ProbeKind::gaussian;
      else
        throw Error("--probe '" + a.probe + "' is not one of rademacher, gaussian");
      lo.divergence = DivergenceEstimator::hutchinson(a.hutchinson, pk, a.probe_seed);
    }
    if (!a.data.empty() && !a.dataset.empty()) throw Error("give either --data or --dataset, not both");
    if (a.data.empty() && a.dataset.empty()) throw Error("give the points to score with --data FILE or --dataset NAME");
    const int d = model.dim();
    // Rows in flight: --chunk, or what --memory-budget allows (an estimate of the solver's and the
    // model's workspace per row: stage buffers of (x, l) and the MLP's activations and tangents).
    long chunk = a.solver.chunk;
    if (a.memory_budget_mb > 0) {
      const int L = lo.divergence.log_density_components();
      long widest = 0, sum_widths = 0;
      for (int w : model.architecture().dims) {
        widest = std::max<long>(widest, w);
        sum_widths += w;
      }
      const double per_row = sizeof(T) * (16.0 * (d + L) + 2.0 * (d + 1) * sum_widths + 4.0 * widest) + 64;
      // In double, then capped: a budget of more rows than a long holds is one chunk of all rows.
      chunk = static_cast<long>(std::clamp(std::floor(a.memory_budget_mb * 1048576.0 / per_row), 1.0, 1e15));
    }
    const bool bars = g.progress && !g.quiet && root;
    if (!a.data.empty() && a.data.extension() == ".npy") {
      // Streamed: the file is read chunk by chunk, never whole; a rank reads only its rows.
      if (!std::filesystem::exists(a.data)) throw Error("--data '" + a.data.string() + "' does not exist");
      NpyRowReader reader(a.data);
      if (reader.cols() != d || reader.shape().size() != 2)
        throw Error("--data '" + a.data.string() + "' has shape (" + std::to_string(reader.rows()) + ", " +
                    std::to_string(reader.cols()) + ") but the model's dimension is " + std::to_string(d));
      rows = reader.rows();
      const RowBlock b = my_block(rows);
      const RowSource fetch = [&](long first, long count) { return reader.read_rows<double>(b.first + first, count); };
      lo.index_offset = static_cast<std::uint64_t>(b.first);
      s = score_data<T>(f, lo, b.count, fetch, chunk, bars, "likelihood");
    } else {
      if (a.data.empty())
        check_result_memory("-n " + std::to_string(a.n), static_cast<double>(a.n) * (d * (sizeof(T) + 8 + 8) +
                                                                                    4 * (8 + 8 + 16) + 40));
      const Matrix data = !a.data.empty() ? read_matrix(a.data) : draw_dataset<T>(a.dataset, d, a.n, a.data_seed);
      if (data.cols != d)
        throw Error("data has " + std::to_string(data.cols) + " columns but the model's dimension is " +
                    std::to_string(d));
      rows = data.rows;
      const RowBlock b = my_block(rows);
      const RowSource fetch = [&](long first, long count) {
        const auto begin = data.data.begin() + (b.first + first) * data.cols;
        return std::vector<double>(begin, begin + count * data.cols);
      };
      lo.index_offset = static_cast<std::uint64_t>(b.first);
      s = score_data<T>(f, lo, b.count, fetch, chunk, bars, "likelihood");
    }
    if (rows == 0) throw Error("--data '" + a.data.string() + "' holds no rows");
  });
  if (ranks) {
    // The per-row table in row order on rank 0; the summary from it, summed in row order as
    // score_data does, so that it is the single-process summary bit for bit.
    gather_table(s.table, rows, 1);
    sum_counter(s.counter);
    s.seconds = max_over_ranks(s.seconds);
    double sum = 0, sum2 = 0;
    long ok = 0;
    for (const auto& r : s.table.rows)
      if (static_cast<int>(r[3]) == static_cast<int>(Status::success)) {
        sum += r[0];
        sum2 += r[0] * r[0];
        ++ok;
      }
    s.mean_log_p = ok ? sum / ok : std::nan("");
    s.stderr_log_p = ok > 1 ? std::sqrt(std::max(0.0, sum2 / ok - s.mean_log_p * s.mean_log_p) / (ok - 1)) : std::nan("");
  }
  on_rank0([&] {
    if (!a.out.empty()) write_table(a.out, s.table);
    std::printf("{\"command\": \"likelihood\", \"n\": %ld, \"method\": \"%s\", \"divergence\": \"%s\", \"seconds\": %s, "
                "\"mean_log_p\": %s, \"nll\": %s, \"nll_stderr\": %s, \"nfe_mean\": %s, \"status\": %s%s}\n",
                rows, a.solver.method.c_str(), a.hutchinson > 0 ? "hutchinson" : "exact",
                json_number(s.seconds).c_str(), json_number(s.mean_log_p).c_str(), json_number(-s.mean_log_p).c_str(),
                json_number(s.stderr_log_p).c_str(), json_number(s.counter.nfe_total / rows).c_str(),
                s.counter.json().c_str(), ranks ? (", \"ranks\": " + std::to_string(world_size())).c_str() : "");
    if (!g.quiet) {
      std::fprintf(stderr, "odeflow likelihood: %ld points, %s divergence, %s: mean log p %.4f nats (NLL %.4f +- %.4f), "
                           "%.1f evaluations per point, %.2f s\n",
                   rows, a.hutchinson > 0 ? "Hutchinson" : "exact", a.solver.method.c_str(), s.mean_log_p,
                   -s.mean_log_p, s.stderr_log_p, s.counter.nfe_total / rows, s.seconds);
      s.counter.print("odeflow likelihood");
    }
  });
  if (s.counter.count[0] != rows) throw ExitCode{3};
}

template <class Args, class F1, class F2>
void by_precision(const Args& a, F1&& f_float, F2&& f_double) {
  if (a.solver.precision == "float")
    f_float();
  else if (a.solver.precision == "double")
    f_double();
  else
    throw Error("--precision '" + a.solver.precision + "' is not one of float, double");
}

}  // namespace

void add_sample(CLI::App& app, const Global& g) {
  auto* c = app.add_subcommand("sample", "Sample a flow-matching model: x0 ~ N(0, I) integrated from t = 0 to 1");
  static SampleArgs a;
  c->add_option("-m,--model", a.model, "Model file (.safetensors)")->required();
  c->add_option("-o,--output", a.out, "Samples x1, (n, d) (.npy, .csv or .json)")->required();
  c->add_option("-n,--n", a.n, "Number of samples")->capture_default_str()->check(CLI::PositiveNumber);
  c->add_option("--seed", a.seed, "Seed of the source points (sample i uses index i)")->capture_default_str();
  c->add_option("--trajectory", a.trajectory, "States at --times: columns sample, t, x_1 .. x_d, in sample order (.npy, .csv, .json)");
  c->add_option("--times", a.times, "Output times for --trajectory, increasing in [0, 1]")->capture_default_str();
  c->add_flag("--log-likelihood", a.with_log_p, "Also integrate the divergence: last column of the output is log p1");
  c->add_option("--stats", a.stats_out, "Per-sample nfe, accepted, rejected, status");
  add_solver_options(c, a.solver);
  c->callback([&g, c] {
    check_extension("--model", a.model, {".safetensors"});
    for (const auto& [name, p] : {std::pair{"--output", a.out}, {"--trajectory", a.trajectory}, {"--stats", a.stats_out}})
      if (!p.empty()) check_extension(name, p, {".npy", ".csv", ".json"});
    if (c->count("--times") > 0 && a.trajectory.empty())
      throw Error("--times does nothing without --trajectory (the file the states at those times go to)");
    on_rank0([&] { check_outputs({{"--output", a.out}, {"--trajectory", a.trajectory}, {"--stats", a.stats_out}}); });
    by_precision(a, [&] { run_sample<float>(a, g); }, [&] { run_sample<double>(a, g); });
  });
}

void add_likelihood(CLI::App& app, const Global& g) {
  auto* c = app.add_subcommand("likelihood", "Exact or Hutchinson log-likelihood of data under a flow-matching model");
  static LikelihoodArgs a;
  c->add_option("-m,--model", a.model, "Model file (.safetensors)")->required();
  c->add_option("--data", a.data, "Points to score, (n, d) (.npy, .csv or .json)");
  c->add_option("--dataset", a.dataset, "Or: score fresh points of a built-in dataset");
  c->add_option("-n,--n", a.n, "Points drawn with --dataset")->capture_default_str()->check(CLI::PositiveNumber);
  c->add_option("--data-seed", a.data_seed, "Seed of the --dataset points")->capture_default_str();
  c->add_option("-o,--output", a.out, "Per point: log_p, log_p_stderr, nfe, status (.npy, .csv, .json)");
  c->add_option("--hutchinson", a.hutchinson, "Hutchinson estimator with K probes per point (default: exact)")
      ->check(CLI::PositiveNumber);
  c->add_option("--probe", a.probe, "rademacher or gaussian")->capture_default_str();
  c->add_option("--probe-seed", a.probe_seed, "Seed of the probes")->capture_default_str();
  c->add_flag("--no-control-log-p", a.no_control_log_p, "Keep log p out of the error norm (only x controls steps)");
  c->add_option("--memory-budget", a.memory_budget_mb,
                "MB for rows in flight (sets the chunk; .npy data is then read chunk by chunk)")
      ->check(CLI::PositiveNumber)->check(finite_number());
  add_solver_options(c, a.solver);
  c->callback([&g, c] {
    check_extension("--model", a.model, {".safetensors"});
    if (!a.out.empty()) check_extension("--output", a.out, {".npy", ".csv", ".json"});
    if (a.hutchinson == 0)
      for (const char* o : {"--probe", "--probe-seed"})
        if (c->count(o) > 0) throw Error(std::string(o) + " does nothing without --hutchinson (the divergence is exact)");
    if (!a.data.empty())
      for (const char* o : {"-n", "--data-seed"})
        if (c->count(o) > 0) throw Error(std::string(o) + " does nothing with --data (it is for --dataset)");
    if (c->count("--memory-budget") > 0 && c->count("--chunk") > 0)
      throw Error("--chunk does nothing with --memory-budget (the budget sets the chunk): give one");
    if (a.memory_budget_mb > physical_memory_bytes() / 1048576.0 && physical_memory_bytes() > 0)
      throw Error("--memory-budget " + show(a.memory_budget_mb) + " MB is more than this machine's memory (" +
                  show(std::floor(physical_memory_bytes() / 1048576.0)) + " MB)");
    if (!a.data.empty()) check_input_file("--data", a.data);
    on_rank0([&] { check_outputs({{"--output", a.out}}); });
    by_precision(a, [&] { run_likelihood<float>(a, g); }, [&] { run_likelihood<double>(a, g); });
  });
}

}  // namespace odeflow::cli
