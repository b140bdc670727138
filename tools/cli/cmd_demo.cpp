// odeflow demo: train a checkerboard flow, sample it, score a grid and held-out data with the exact
// log-likelihood, print a summary beside the true entropy and draw the pictures.
#include "flow_common.hpp"

#include <odeflow/flows/schedulers/cond_ot_scheduler.hpp>
#include <odeflow/flows/train.hpp>

#include <cmath>
#include <cstdio>

namespace odeflow::cli {

namespace {

struct DemoArgs {
  std::filesystem::path out = "odeflow-demo";
  int width = 256, depth = 4, iterations = 3000, batch = 2048, warmup = 100;
  double lr = 2e-3;
  long samples = 50000, held_out = 5000;
  int grid = 120;
  std::uint64_t seed = 0;
  SolverArgs solver;
};

// Differential entropy of the scaled checkerboard: uniform on 8 unit squares scaled by 1 / 0.45.
const double kCheckerboardEntropy = std::log(8.0 / (0.45 * 0.45));

void run_demo(const DemoArgs& a, const Global& g) {
  using T = float;
  using Exec = Kokkos::DefaultExecutionSpace;
  std::filesystem::create_directories(a.out);
  const bool bars = g.progress && !g.quiet;
  const auto say = [&](const char* fmt, auto... args) {
    if (!g.quiet) {
      std::fprintf(stderr, fmt, args...);
      std::fflush(stderr);
    }
  };
  say("odeflow demo: %s backend, %d threads; output folder %s\n", Exec::name(), Exec().concurrency(),
      a.out.string().c_str());

  // 1. Training.
  say("[1/4] training a %dx%d SiLU MLP on the checkerboard (%d iterations, batch %d)\n", a.depth, a.width,
      a.iterations, a.batch);
  Mlp<T> model(MlpArchitecture::make(2, a.width, a.depth, Activation::silu));
  model.initialize(a.seed);
  TrainOptions opt;
  opt.iterations = a.iterations;
  opt.batch_size = a.batch;
  opt.seed = a.seed;
  opt.lr = LearningRateSchedule{a.lr, a.warmup, LearningRateSchedule::Decay::cosine, a.iterations, 0.02};
  opt.report_every = std::max(1, a.iterations / 200);
  Progress tbar("train", a.iterations, bars);
  opt.on_progress = [&](const TrainProgress& p) {
    char note[64];
    std::snprintf(note, sizeof note, "loss %.4f", p.loss);
    tbar.update(p.iteration, note);
  };
  const AffinePath<CondOTScheduler<T>> path{};
  const TrainResult tr = train_flow_matching(Exec(), model, Checkerboard{}, path, opt);
  tbar.finish();
  save_mlp(a.out / "model.safetensors", model);
  Table loss{{"iteration", "loss", "lr"}, {}};
  for (std::size_t k = 0; k < tr.losses.size(); ++k)
    loss.rows.push_back({double(k + 1), tr.losses[k], opt.lr(static_cast<int>(k))});
  write_table(a.out / "loss.csv", loss);

  const MlpField<T> f(model);
  const FlowSolverOptions<T> so = to_flow_options<T>(a.solver);

  // 2. Sampling, with the trajectory of the first 20,000 samples for the pictures.
  say("[2/4] sampling %ld points with %s (rtol %g, atol %g)\n", a.samples, a.solver.method.c_str(), a.solver.rtol,
      a.solver.atol);
  const std::vector<double> times{0.0, 0.2, 0.4, 0.6, 0.8, 1.0};
  const long n_traj = std::min(a.samples, 20000L);
  SampledFlow s = sample_flow<T>(f, so, a.samples, a.seed + 1, {}, false, a.solver.chunk, bars, "sample");
  write_matrix(a.out / "samples.npy", s.x1);
  const SampledFlow st = sample_flow<T>(f, so, n_traj, a.seed + 1, times, false, a.solver.chunk, false, "trajectory");
  write_table(a.out / "trajectory.npy", st.trajectory);

  // 3. Exact log-likelihood on a grid (the density picture) and on held-out data.
  LikelihoodOptions<T> lo;
  lo.solver = so;
  say("[3/4] exact log-likelihood on a %dx%d grid and on %ld held-out points\n", a.grid, a.grid, a.held_out);
  Matrix grid{static_cast<long>(a.grid) * a.grid, 2, {}};
  const double lim = 2.2 / 0.45;
  for (int iy = 0; iy < a.grid; ++iy)
    for (int ix = 0; ix < a.grid; ++ix) {
      grid.data.push_back(-lim + 2 * lim * (ix + 0.5) / a.grid);
      grid.data.push_back(-lim + 2 * lim * (iy + 0.5) / a.grid);
    }
  const ScoredData sg = score_data<T>(f, lo, grid, a.solver.chunk, bars, "density");
  Table dens{{"x", "y", "log_p"}, {}};
  for (long i = 0; i < grid.rows; ++i) dens.rows.push_back({grid(i, 0), grid(i, 1), sg.table.rows[i][0]});
  write_table(a.out / "density.npy", dens);
  const Matrix held = draw_dataset<T>("checkerboard", 2, a.held_out, a.seed + 2);
  const ScoredData sh = score_data<T>(f, lo, held, a.solver.chunk, bars, "held-out");
  Table ll = sh.table;
  write_table(a.out / "held_out_log_p.csv", ll);

  // 4. Pictures and summary.
  say("[4/4] pictures\n");
  const bool drew = run_plot_script("all", a.out, g.quiet);
  const double nll = -sh.mean_log_p;
  const double nfe_sample = s.counter.nfe_total / a.samples;
  char summary[2048];
  std::snprintf(
      summary, sizeof summary,
      "{\"command\": \"demo\", \"backend\": \"%s\", \"threads\": %d, \"model\": \"%dx%d silu\", \"iterations\": %d, "
      "\"batch\": %d, \"loss_last100\": %s, \"train_seconds\": %s, \"samples\": %ld, \"method\": \"%s\", "
      "\"rtol\": %g, \"nfe_per_sample\": %s, \"sample_seconds\": %s, \"held_out\": %ld, \"held_out_nll\": %s, "
      "\"held_out_nll_stderr\": %s, \"entropy\": %s, \"nll_excess\": %s, \"likelihood_nfe_per_point\": %s, "
      "\"grid_seconds\": %s, \"held_out_seconds\": %s, \"status_sample\": %s, \"status_held_out\": %s, "
      "\"pictures\": %s}\n",
      Exec::name(), Exec().concurrency(), a.depth, a.width, a.iterations, a.batch,
      json_number(tr.mean_last(100)).c_str(), json_number(tr.seconds).c_str(), a.samples, a.solver.method.c_str(),
      a.solver.rtol, json_number(nfe_sample).c_str(), json_number(s.seconds).c_str(), a.held_out,
      json_number(nll).c_str(), json_number(sh.stderr_log_p).c_str(), json_number(kCheckerboardEntropy).c_str(),
      json_number(nll - kCheckerboardEntropy).c_str(), json_number(sh.counter.nfe_total / a.held_out).c_str(),
      json_number(sg.seconds).c_str(), json_number(sh.seconds).c_str(), s.counter.json().c_str(),
      sh.counter.json().c_str(), drew ? "true" : "false");
  write_text(a.out / "summary.json", summary);
  std::printf("\nodeflow demo: checkerboard flow matching on %s, %d threads\n", Exec::name(), Exec().concurrency());
  std::printf("  training   %dx%d SiLU MLP, %d iterations at batch %d: loss %.4f (mean of last 100)   %7.1f s\n",
              a.depth, a.width, a.iterations, a.batch, tr.mean_last(100), tr.seconds);
  std::printf("  sampling   %ld samples, %s rtol %g: %.1f function evaluations per sample           %7.1f s\n",
              a.samples, a.solver.method.c_str(), a.solver.rtol, nfe_sample, s.seconds);
  std::printf("  density    exact log-likelihood on a %dx%d grid                                    %7.1f s\n",
              a.grid, a.grid, sg.seconds);
  std::printf("  held-out   NLL %.4f +- %.4f nats on %ld points (true entropy %.4f; excess %.3f)  %7.1f s\n", nll,
              sh.stderr_log_p, a.held_out, kCheckerboardEntropy, nll - kCheckerboardEntropy, sh.seconds);
  if (drew)
    std::printf("  pictures   %s/{loss,samples,density}.png\n", a.out.string().c_str());
  else
    std::printf("  pictures   not drawn (needs python3 with numpy and matplotlib); data in %s\n", a.out.string().c_str());
  std::printf("  summary    %s/summary.json\n", a.out.string().c_str());
  s.counter.print("odeflow demo (sampling)");
  sh.counter.print("odeflow demo (held-out likelihood)");
  if (s.counter.count[0] != a.samples || sh.counter.count[0] != a.held_out) throw ExitCode{3};
}

}  // namespace

void add_demo(CLI::App& app, const Global& g) {
  auto* c = app.add_subcommand("demo", "Train a checkerboard flow, sample it, score it, draw it (about 2 minutes)");
  static DemoArgs a;
  c->add_option("-o,--output", a.out, "Output folder")->capture_default_str();
  c->add_option("--width", a.width, "Hidden width")->capture_default_str()->check(CLI::PositiveNumber);
  c->add_option("--depth", a.depth, "Hidden layers")->capture_default_str()->check(CLI::PositiveNumber);
  c->add_option("--iterations", a.iterations, "Training iterations")->capture_default_str()->check(CLI::PositiveNumber);
  c->add_option("--batch", a.batch, "Training batch")->capture_default_str()->check(CLI::PositiveNumber);
  c->add_option("--lr", a.lr, "Base learning rate")->capture_default_str()->check(CLI::PositiveNumber)
      ->check(finite_number());
  c->add_option("--samples", a.samples, "Samples drawn")->capture_default_str()->check(CLI::PositiveNumber);
  c->add_option("--held-out", a.held_out, "Held-out points scored")->capture_default_str()->check(CLI::PositiveNumber);
  c->add_option("--grid", a.grid, "Density grid points per axis")->capture_default_str()->check(CLI::PositiveNumber);
  c->add_option("--seed", a.seed, "Seed")->capture_default_str();
  add_solver_options(c, a.solver);
  c->callback([&g] {
    if (a.solver.precision != "float") throw Error("--precision: the demo runs in float");
    (void)to_flow_options<float>(a.solver);  // solver options refused before training, not after it
    run_demo(a, g);
  });
}

}  // namespace odeflow::cli
