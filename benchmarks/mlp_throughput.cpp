// MLP throughput: forward, forward + JVP and divergence GFLOP/s at batch 4096 against the measured SGEMM
// peak (Eigen, same threads, same run), and flow-matching training iterations per second against PyTorch.
//
//   tools/dev bench mlp_throughput [--quick] [--torch-script PATH]
//
// One JSON object per line on stdout (design.md's contract). PyTorch is optional: without it the
// torch rows say {"impl": "torch", "skipped": true, "reason": ...}.
#include <odeflow/flows/datasets/checkerboard.hpp>
#include <odeflow/flows/mlp_field.hpp>
#include <odeflow/flows/schedulers/cond_ot_scheduler.hpp>
#include <odeflow/flows/train.hpp>

#include <Eigen/Core>
#include <Kokkos_Core.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>

namespace {

using Exec = Kokkos::DefaultExecutionSpace;
using Clock = std::chrono::steady_clock;

// Median-free but robust enough on a shared machine: the best of `reps` timings of f, each
// at least `min_seconds` long (repeating f inside).
double best_seconds(const std::function<void()>& f, int reps, double min_seconds) {
  f();  // warm up (allocations, first touch)
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    int inner = 0;
    const auto t0 = Clock::now();
    double s = 0;
    do {
      f();
      ++inner;
      s = std::chrono::duration<double>(Clock::now() - t0).count();
    } while (s < min_seconds);
    best = std::min(best, s / inner);
  }
  return best;
}

void line(const std::string& body) {
  std::printf("{%s}\n", body.c_str());
  std::fflush(stdout);
}

std::string common(const char* c, const char* impl, const char* precision, int threads, long n, double seconds) {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "\"bench\": \"mlp_throughput\", \"case\": \"%s\", \"impl\": \"%s\", \"precision\": \"%s\", "
                "\"threads\": %d, \"n\": %ld, \"seconds\": %.6g",
                c, impl, precision, threads, n, seconds);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  Kokkos::ScopeGuard guard(argc, argv);
  bool quick = false;
  std::filesystem::path script = std::filesystem::path(__FILE__).parent_path() / "torch_train.py";
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick")) quick = true;
    if (!std::strcmp(argv[i], "--torch-script") && i + 1 < argc) script = argv[++i];
  }
  const int threads = Exec().concurrency();
  const int reps = quick ? 2 : 5;
  const double min_s = quick ? 0.1 : 0.3;

  // Machine limit: Eigen SGEMM at a large size, with the same threads.
  Eigen::setNbThreads(threads);
  const int s = quick ? 1024 : 2048;
  Eigen::MatrixXf a = Eigen::MatrixXf::Random(s, s), b = Eigen::MatrixXf::Random(s, s), c(s, s);
  // Measured again before each width (shared machines drift): ratios use the measurement just before.
  auto measure_peak = [&](const std::string& when) {
    const double t_gemm = best_seconds([&] { c.noalias() = a * b; }, reps, min_s);
    const double gf = 2.0 * s * s * s / t_gemm * 1e-9;
    line(common(("sgemm_" + when).c_str(), "peak", "float", threads, s, t_gemm) + ", \"gflops\": " + std::to_string(gf));
    return gf;
  };

  // MLP forward, forward + JVP, divergence: 4 hidden layers of width w, d = 2, t concatenated.
  const int n = 4096, d = 2;
  for (int w : {128, 256, 512}) {
    const double peak = measure_peak("before_w" + std::to_string(w));
    odeflow::Mlp<float> mlp(odeflow::MlpArchitecture::make(d, w, 4));
    mlp.initialize(1);
    const odeflow::MlpField<float> f(mlp);
    Kokkos::View<float*> t("t", n), div("div", n);
    Kokkos::View<float**, Kokkos::LayoutRight> x("x", n, d), v("v", n, d), dx("dx", n, d), jv("jv", n, d);
    Kokkos::deep_copy(t, 0.5f);
    Kokkos::deep_copy(x, 0.3f);
    Kokkos::deep_copy(v, 1.0f);
    f.reserve(static_cast<std::size_t>(n) * (d + 1));
    struct Case {
      const char* name;
      int q;
      std::function<void()> run;
    };
    const Case cases[] = {
        {"forward", 0, [&] { f(Exec(), t, x, dx); Exec().fence(); }},
        {"forward_jvp", 1, [&] { f.jvp(Exec(), t, x, v, dx, jv); Exec().fence(); }},
        {"divergence", d, [&] { f.divergence(Exec(), t, x, dx, div); Exec().fence(); }},
    };
    for (const auto& cs : cases) {
      const double sec = best_seconds(cs.run, reps, min_s);
      const double gf = f.flops(n, cs.q) / sec * 1e-9;
      const std::string name = std::string(cs.name) + "_w" + std::to_string(w);
      line(common(name.c_str(), "odeflow", "float", threads, n, sec) + ", \"width\": " + std::to_string(w) +
           ", \"gflops\": " + std::to_string(gf) + ", \"ratio_vs_peak\": " + std::to_string(gf / peak));
    }
  }

  // Training: flow matching on the checkerboard, 4 x 256 SiLU, batch 4096, Adam.
  const int tw = 256, tb = 4096, iters = quick ? 10 : 40;
  odeflow::Mlp<float> model(odeflow::MlpArchitecture::make(d, tw, 4));
  model.initialize(1);
  odeflow::TrainOptions opt;
  opt.iterations = 3;
  opt.batch_size = tb;
  opt.progress_line = false;
  const odeflow::AffinePath<odeflow::CondOTScheduler<float>> path{};
  odeflow::train_flow_matching(Exec(), model, odeflow::Checkerboard{}, path, opt);  // warm-up
  opt.iterations = iters;
  const auto res = odeflow::train_flow_matching(Exec(), model, odeflow::Checkerboard{}, path, opt);
  const double ips = iters / res.seconds;
  line(common("train_w256_d4", "odeflow", "float", threads, tb, res.seconds / iters) +
       ", \"iterations\": " + std::to_string(iters) + ", \"it_per_s\": " + std::to_string(ips));

  // PyTorch, same architecture, batch and threads, in the same run.
  const std::string cmd = "python3 '" + script.string() + "' --width " + std::to_string(tw) + " --depth 4 --batch " +
                          std::to_string(tb) + " --iterations " + std::to_string(iters) + " --threads " +
                          std::to_string(threads) + " 2>/dev/null";
  std::string out;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[1024];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    pclose(p);
  }
  double torch_ips = 0;
  if (auto pos = out.find("\"it_per_s\": "); pos != std::string::npos) torch_ips = std::atof(out.c_str() + pos + 12);
  if (torch_ips > 0) {
    line(common("train_w256_d4", "torch", "float", threads, tb, 1.0 / torch_ips) + ", \"iterations\": " +
         std::to_string(iters) + ", \"it_per_s\": " + std::to_string(torch_ips));
    line(common("train_w256_d4", "odeflow", "float", threads, tb, res.seconds / iters) +
         ", \"ratio_vs_torch\": " + std::to_string(ips / torch_ips));
  } else {
    line(common("train_w256_d4", "torch", "float", threads, tb, 0) +
         ", \"skipped\": true, \"reason\": \"PyTorch not importable by python3 (or " + script.filename().string() +
         " missing); install python3-torch to compare\"");
  }
  return 0;
}
