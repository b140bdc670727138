// odeflow train: conditional flow matching of an MLP on a built-in dataset; writes a safetensors
// model (PyTorch nn.Sequential layout) and a loss log.
#include "cli.hpp"

#include <odeflow/flows/datasets/registry.hpp>
#include <odeflow/flows/mlp_io.hpp>
#include <odeflow/flows/schedulers/cond_ot_scheduler.hpp>
#include <odeflow/flows/schedulers/cosine_scheduler.hpp>
#include <odeflow/flows/train.hpp>

#include <Kokkos_Core.hpp>

#include <cstdio>

namespace odeflow::cli {

namespace {

struct TrainArgs {
  std::string dataset = "checkerboard";
  int dim = 0, components = 8;
  int width = 256, depth = 4;
  std::string activation = "silu", time = "concat";
  int time_dim = 64;
  int iterations = 2000, batch = 4096;
  double lr = 1e-3, final_lr_fraction = 0.05, weight_decay = 0.0;
  int warmup = 100;
  std::string decay = "cosine", scheduler = "condot", precision = "float";
  std::uint64_t seed = 0;
  std::filesystem::path out, loss_log;
};

LearningRateSchedule::Decay parse_decay(const std::string& s) {
  if (s == "constant") return LearningRateSchedule::Decay::constant;
  if (s == "cosine") return LearningRateSchedule::Decay::cosine;
  if (s == "linear") return LearningRateSchedule::Decay::linear;
  throw Error("--lr-decay '" + s + "' is not one of constant, cosine, linear");
}

template <class T>
void run(const TrainArgs& a, const Global& g) {
  using Exec = Kokkos::DefaultExecutionSpace;
  TimeEmbedding te;
  if (a.time == "sinusoidal") {
    te.kind = TimeEmbedding::Kind::sinusoidal;
    te.dim = a.time_dim;
  } else if (a.time != "concat") {
    throw Error("--time-embedding '" + a.time + "' is not one of concat, sinusoidal");
  }
  visit_dataset<T>(a.dataset, a.dim, a.components, [&](const auto& data) {
    const int d = data.dim();
    Mlp<T> model(MlpArchitecture::make(d, a.width, a.depth, parse_activation(a.activation), te));
    model.initialize(a.seed);
    TrainOptions opt;
    opt.iterations = a.iterations;
    opt.batch_size = a.batch;
    opt.seed = a.seed;
    opt.lr = LearningRateSchedule{a.lr, a.warmup, parse_decay(a.decay), a.iterations, a.final_lr_fraction};
    opt.adam.weight_decay = a.weight_decay;
    opt.report_every = std::max(1, a.iterations / 200);
    Progress bar("train", a.iterations, g.progress && !g.quiet);
    opt.on_progress = [&](const TrainProgress& p) {
      char note[96];
      std::snprintf(note, sizeof note, "loss %.4f  %.1f it/s", p.loss, p.iteration / p.seconds);
      bar.update(p.iteration, note);
    };
    auto train_with = [&](const auto& path) {
      const TrainResult res = train_flow_matching(Exec(), model, data, path, opt);
      bar.finish();
      const double held_out = evaluate_cfm_loss(Exec(), MlpField<T>{model}, data, path, a.seed ^ 0x9e3779b97f4a7c15ULL,
                                                8192, 4);
      return std::pair{res, held_out};
    };
    std::pair<TrainResult, double> out;
    if (a.scheduler == "condot")
      out = train_with(AffinePath<CondOTScheduler<T>>{});
    else if (a.scheduler == "cosine")
      out = train_with(AffinePath<CosineScheduler<T>>{});
    else
      throw Error("--scheduler '" + a.scheduler + "' is not one of condot, cosine");
    const auto& [res, held_out] = out;
    save_mlp(a.out, model);
    if (!a.loss_log.empty()) {
      Table t{{"iteration", "loss", "lr"}, {}};
      for (std::size_t k = 0; k < res.losses.size(); ++k)
        t.rows.push_back({static_cast<double>(k + 1), res.losses[k], opt.lr(static_cast<int>(k))});
      write_table(a.loss_log, t);
    }
    if (!g.quiet)
      std::fprintf(stderr,
                   "odeflow train: %s, MLP %d -> %dx%d -> %d (%s, %zu parameters), %d iterations at batch %d in "
                   "%.1f s (%.1f it/s); loss (last 100) %.4f, held-out %.4f; wrote %s\n",
                   a.dataset.c_str(), model.architecture().dims.front(), a.depth, a.width, d, a.activation.c_str(),
                   model.num_parameters(), a.iterations, a.batch, res.seconds, a.iterations / res.seconds,
                   res.mean_last(100), held_out, a.out.string().c_str());
    std::printf("{\"command\": \"train\", \"dataset\": \"%s\", \"iterations\": %d, \"batch\": %d, \"seconds\": %s, "
                "\"loss_last100\": %s, \"held_out_loss\": %s, \"model\": \"%s\"}\n",
                a.dataset.c_str(), a.iterations, a.batch, json_number(res.seconds).c_str(),
                json_number(res.mean_last(100)).c_str(), json_number(held_out).c_str(), a.out.string().c_str());
  });
}

}  // namespace

void add_train(CLI::App& app, const Global& g) {
  auto* c = app.add_subcommand("train", "Train an MLP vector field by conditional flow matching on a built-in dataset");
  static TrainArgs a;
  c->add_option("-o,--output", a.out, "Model file to write (.safetensors)")->required();
  c->add_option("--dataset", a.dataset, "checkerboard, 8gaussians, moons, circles, spirals or gmm")
      ->capture_default_str();
  c->add_option("--dim", a.dim, "Dimension (gmm only)");
  c->add_option("--components", a.components, "Mixture components (gmm only)")->capture_default_str();
  c->add_option("--width", a.width, "Hidden width")->capture_default_str()->check(CLI::PositiveNumber);
  c->add_option("--depth", a.depth, "Hidden layers")->capture_default_str()->check(CLI::PositiveNumber);
  c->add_option("--activation", a.activation, "silu (swish), elu, gelu, tanh, relu, softplus")->capture_default_str();
  c->add_option("--time-embedding", a.time, "concat or sinusoidal")->capture_default_str();
  c->add_option("--time-dim", a.time_dim, "Sinusoidal embedding width")->capture_default_str();
  c->add_option("--iterations", a.iterations, "Adam steps")->capture_default_str()->check(CLI::PositiveNumber);
  c->add_option("--batch", a.batch, "Mini-batch size")->capture_default_str()->check(CLI::PositiveNumber);
  c->add_option("--lr", a.lr, "Base learning rate")->capture_default_str()->check(CLI::PositiveNumber)->check(finite_number());
  c->add_option("--warmup", a.warmup, "Linear warm-up steps")->capture_default_str()->check(CLI::NonNegativeNumber);
  c->add_option("--lr-decay", a.decay, "constant, cosine or linear")->capture_default_str();
  c->add_option("--final-lr-fraction", a.final_lr_fraction, "Last rate / base rate")->capture_default_str()->check(finite_number());
  c->add_option("--weight-decay", a.weight_decay, "AdamW weight decay")->capture_default_str()->check(finite_number());
  c->add_option("--scheduler", a.scheduler, "Probability path: condot or cosine")->capture_default_str();
  c->add_option("--precision", a.precision, "float or double")->capture_default_str();
  c->add_option("--seed", a.seed, "Seed of initialisation and batches")->capture_default_str();
  c->add_option("--loss-log", a.loss_log, "Per-iteration loss (.csv, .json or .npy)");
  c->callback([&g] {
    check_extension("--output", a.out, {".safetensors"});
    if (!a.loss_log.empty()) check_extension("--loss-log", a.loss_log, {".csv", ".json", ".npy"});
    check_outputs({{"--output", a.out}, {"--loss-log", a.loss_log}});
    if (a.precision == "float")
      run<float>(a, g);
    else if (a.precision == "double")
      run<double>(a, g);
    else
      throw Error("--precision '" + a.precision + "' is not one of float, double");
  });
}

}  // namespace odeflow::cli
