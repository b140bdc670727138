// Sampling and exact likelihood of the reference 2D model (tests/fixtures/ref2d_mlp.safetensors), float32,
// against a PyTorch peer on the same weights, inputs and threads (benchmarks/sampling_torch.py).
//
//   tools/dev bench sampling [--quick] [--model PATH] [--torch-script PATH] [--n N] [--grid G]
//
// Cases (issue 6): sample n = 50,000 points (--quick: 2,000) and the exact log-likelihood of a
// G x G grid on [-4, 4]^2 (G = 200: 40,000 points; --quick: 40), with the explicit midpoint rule
// at dt = 0.05 and with dopri5 at atol = rtol = 1e-5. The torch rows say which peer ran ("peer":
// torchdiffeq when importable, else the script's built-in torchdiffeq-like integrator).
// dopri5 also runs with one shared step for the whole batch and torchdiffeq's controller
// ("stepping": "shared": Lockstep::shared_step, torchdiffeq_controller), so that the two sides
// can be compared at equal function evaluations.
// One JSON object per line: seconds, nfe_per_sample (mean), effective GFLOP/s of the matrix
// products, max_err_vs_ref (the largest error over the first k rows against a float64 dop853
// solve at rtol = atol = 1e-10 of the same model, k = min(rows, 1000)), and against torch:
// ratio_vs_torch (torch seconds / odeflow seconds) and max_abs_diff of the results.
#include <odeflow/flows/log_likelihood.hpp>
#include <odeflow/flows/mlp_field.hpp>
#include <odeflow/flows/mlp_io.hpp>
#include <odeflow/flows/random.hpp>
#include <odeflow/flows/sample.hpp>
#include <odeflow/flows/source_distribution.hpp>
#include <odeflow/solvers/controller.hpp>
#include <odeflow/solvers/tableaus/dormand_prince54.hpp>
#include <odeflow/solvers/tableaus/dormand_prince853.hpp>
#include <odeflow/solvers/tableaus/explicit_midpoint.hpp>

#include <Kokkos_Core.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace {

using Exec = Kokkos::DefaultExecutionSpace;
using Mem = Exec::memory_space;
using Rows = Kokkos::View<float**, Kokkos::LayoutRight>;
using Clock = std::chrono::steady_clock;

void line(const std::string& body) {
  std::printf("{%s}\n", body.c_str());
  std::fflush(stdout);
}

// The torch case a run is compared with: "sample_dopri5_shared" -> "sample_dopri5".
std::string base_case(const std::string& c) {
  const std::string suffix = "_shared";
  return c.size() > suffix.size() && c.compare(c.size() - suffix.size(), suffix.size(), suffix) == 0
             ? c.substr(0, c.size() - suffix.size())
             : c;
}

std::string common(const std::string& c, const char* impl, int threads, long n, double seconds) {
  char buf[400];
  const std::string base = base_case(c);
  std::snprintf(buf, sizeof buf,
                "\"bench\": \"sampling\", \"case\": \"%s\", \"impl\": \"%s\", \"precision\": \"float\", "
                "\"threads\": %d, \"n\": %ld, \"seconds\": %.6g, \"stepping\": \"%s\"",
                base.c_str(), impl, threads, n, seconds,
                base.find("midpoint") != std::string::npos
                    ? "fixed"
                    : (base != c || std::string(impl) == "torch" ? "shared" : "per_sample"));
  return buf;
}

std::string num(const char* key, double v) {
  char buf[96];
  std::snprintf(buf, sizeof buf, ", \"%s\": %.6g", key, v);
  return buf;
}

void write_f32(const std::filesystem::path& p, const float* data, std::size_t count) {
  std::ofstream out(p, std::ios::binary);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(count * sizeof(float)));
}

std::vector<float> read_f32(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::vector<float> v;
  float x;
  while (in.read(reinterpret_cast<char*>(&x), sizeof x)) v.push_back(x);
  return v;
}

struct Run {
  double seconds = 0;
  double nfe_mean = 0;
  double rows_per_eval = 1;  // stacked MLP rows per field evaluation and sample
  int failed = 0;
  std::vector<float> out;    // x1 (n, 2) or log p (n)
};

// Largest |a_i - ref_i| over the reference's rows (a holds at least as many).
double max_err(const std::vector<float>& a, const std::vector<double>& ref) {
  if (a.size() < ref.size()) return -1;
  double e = 0;
  for (std::size_t i = 0; i < ref.size(); ++i) e = std::max(e, std::fabs(static_cast<double>(a[i]) - ref[i]));
  return e;
}

template <class StatsView>
void summarise(const StatsView& st, Run& r) {
  auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), st);
  double s = 0;
  for (std::size_t i = 0; i < h.extent(0); ++i) {
    s += h(i).nfe;
    r.failed += h(i).status != odeflow::Status::success;
  }
  r.nfe_mean = s / static_cast<double>(h.extent(0));
}

}  // namespace

int main(int argc, char** argv) {
  Kokkos::ScopeGuard guard(argc, argv);
  const std::filesystem::path src = std::filesystem::path(__FILE__).parent_path();
  bool quick = false;
  std::filesystem::path model_path = src / ".." / "tests" / "fixtures" / "ref2d_mlp.safetensors";
  std::filesystem::path script = src / "sampling_torch.py";
  int n = 50000, g = 200;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick")) {
      quick = true;
      n = 2000;
      g = 40;
    }
    if (!std::strcmp(argv[i], "--model") && i + 1 < argc) model_path = argv[++i];
    if (!std::strcmp(argv[i], "--torch-script") && i + 1 < argc) script = argv[++i];
    if (!std::strcmp(argv[i], "--n") && i + 1 < argc) n = std::atoi(argv[++i]);
    if (!std::strcmp(argv[i], "--grid") && i + 1 < argc) g = std::atoi(argv[++i]);
  }
  (void)quick;
  const int threads = Exec().concurrency();
  const odeflow::MlpField<float, Exec> f(odeflow::load_mlp<float, Mem>(model_path));
  const double flops_per_row = f.flops(1, 0);

  // Inputs: x0 ~ N(0, I) from the counter-based generator; the grid's cell centres on [-4, 4]^2.
  Rows x0("x0", n, 2), grid("grid", static_cast<long>(g) * g, 2);
  odeflow::sample_source(Exec(), odeflow::StandardNormal<float>{2}, 2026, x0);
  {
    auto h = Kokkos::create_mirror_view(grid);
    for (int i = 0; i < g; ++i)
      for (int j = 0; j < g; ++j) {
        h(i * g + j, 0) = -4.0f + 8.0f * (static_cast<float>(i) + 0.5f) / static_cast<float>(g);
        h(i * g + j, 1) = -4.0f + 8.0f * (static_cast<float>(j) + 0.5f) / static_cast<float>(g);
      }
    Kokkos::deep_copy(grid, h);
  }
  const long m = static_cast<long>(g) * g;

  std::map<std::string, Run> runs;
  auto timed = [](auto&& fn) {
    Kokkos::fence();
    const auto t0 = Clock::now();
    fn();
    Kokkos::fence();
    return std::chrono::duration<double>(Clock::now() - t0).count();
  };
  auto bench_method = [&](auto tab, const char* method, bool shared) {
    odeflow::FlowSolverOptions<float> so;
    so.method = method;
    if (std::string(method) == "midpoint") so.dt = 0.05f;
    so.rtol = so.atol = 1e-5f;
    so.lockstep.shared_step = shared;
    if (shared) so.controller = odeflow::torchdiffeq_controller<float>(5);  // torchdiffeq's rule
    const std::string tag = std::string(method) + (shared ? "_shared" : "");
    {
      Run r;
      Rows x1("x1", n, 2);
      odeflow::SampleOptions<float> o;
      o.solver = so;
      odeflow::SampleResult<float, Mem> res;
      r.seconds = timed([&] { res = odeflow::sample(Exec(), tab, f, x0, x1, o); });
      summarise(res.stats, r);
      auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), x1);
      r.out.assign(h.data(), h.data() + 2 * n);
      runs["sample_" + tag] = r;
    }
    {
      Run r;
      odeflow::LikelihoodOptions<float> o;
      o.solver = so;
      odeflow::LikelihoodResult<float, Mem> res;
      r.seconds = timed([&] { res = odeflow::log_likelihood(Exec(), tab, f, odeflow::StandardNormal<float>{2}, grid, o); });
      summarise(res.stats, r);
      r.rows_per_eval = 3;  // primal row and d = 2 tangent rows
      auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), res.log_p);
      r.out.assign(h.data(), h.data() + m);
      runs["loglik_" + tag] = r;
    }
  };
  bench_method(odeflow::ExplicitMidpoint<float>{}, "midpoint", false);
  bench_method(odeflow::DormandPrince54<float>{}, "dopri5", false);
  bench_method(odeflow::DormandPrince54<float>{}, "dopri5", true);

  // Reference for the first k rows: the same weights in float64, dop853 at 1e-10.
  const long k_samples = std::min<long>(n, 1000), k_grid = std::min<long>(m, 1000);
  std::vector<double> ref_x1, ref_logp;
  {
    using Rows64 = Kokkos::View<double**, Kokkos::LayoutRight>;
    const odeflow::MlpField<double, Exec> f64(odeflow::load_mlp<double, Mem>(model_path));
    Rows64 x0d("x0d", k_samples, 2), x1d("x1d", k_samples, 2), gd("gd", k_grid, 2);
    auto hx = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), x0);
    auto hg = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), grid);
    auto hxd = Kokkos::create_mirror_view(x0d);
    auto hgd = Kokkos::create_mirror_view(gd);
    for (long i = 0; i < k_samples; ++i)
      for (int j = 0; j < 2; ++j) hxd(i, j) = hx(i, j);
    for (long i = 0; i < k_grid; ++i)
      for (int j = 0; j < 2; ++j) hgd(i, j) = hg(i, j);
    Kokkos::deep_copy(x0d, hxd);
    Kokkos::deep_copy(gd, hgd);
    odeflow::FlowSolverOptions<double> so;
    so.method = "dop853";
    so.rtol = so.atol = 1e-10;
    odeflow::SampleOptions<double> os;
    os.solver = so;
    odeflow::sample(Exec(), odeflow::DormandPrince853<double>{}, f64, x0d, x1d, os);
    auto h1 = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), x1d);
    ref_x1.assign(h1.data(), h1.data() + 2 * k_samples);
    odeflow::LikelihoodOptions<double> ol;
    ol.solver = so;
    const auto res = odeflow::log_likelihood(Exec(), odeflow::DormandPrince853<double>{}, f64,
                                             odeflow::StandardNormal<double>{2}, gd, ol);
    auto hl = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), res.log_p);
    ref_logp.assign(hl.data(), hl.data() + k_grid);
  }
  auto ref_of = [&](const std::string& name) -> const std::vector<double>& {
    return name.rfind("sample", 0) == 0 ? ref_x1 : ref_logp;
  };

  for (const auto& [name, r] : runs) {
    const long cnt = name.rfind("sample", 0) == 0 ? n : m;
    line(common(name, "odeflow", threads, cnt, r.seconds) + num("nfe_per_sample", r.nfe_mean) +
         num("gflops", flops_per_row * r.rows_per_eval * r.nfe_mean * static_cast<double>(cnt) / r.seconds * 1e-9) +
         num("max_err_vs_ref", max_err(r.out, ref_of(name))) + num("failed", r.failed));
  }

  // The PyTorch peer: same weights, inputs and threads.
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "odeflow_bench_sampling";
  std::filesystem::create_directories(dir);
  {
    auto hx = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), x0);
    auto hg = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), grid);
    write_f32(dir / "x0.f32", hx.data(), hx.size());
    write_f32(dir / "grid.f32", hg.data(), hg.size());
  }
  const std::string cmd = "python3 '" + script.string() + "' --model '" + model_path.string() + "' --dir '" +
                          dir.string() + "' --threads " + std::to_string(threads) + " 2>&1";
  std::string out;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[4096];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    pclose(p);
  }
  bool any = false;
  for (const auto& [name, r] : runs) {
    const std::string key = "\"case\": \"" + base_case(name) + "\"";
    const auto pos = out.find(key);
    if (pos == std::string::npos) continue;
    any = true;
    const auto get = [&](const char* k) {
      const auto q = out.find(std::string("\"") + k + "\": ", pos);
      return q == std::string::npos ? 0.0 : std::atof(out.c_str() + q + std::strlen(k) + 4);
    };
    const double ts = get("seconds"), tn = get("nfe_per_sample");
    const std::vector<float> theirs = read_f32(dir / ("torch_" + base_case(name) + ".f32"));
    double diff = 0;
    if (theirs.size() == r.out.size())
      for (std::size_t i = 0; i < theirs.size(); ++i)
        diff = std::max(diff, static_cast<double>(std::fabs(theirs[i] - r.out[i])));
    else
      diff = -1;
    const long cnt = name.rfind("sample", 0) == 0 ? n : m;
    const std::string peer = out.find("\"peer\": \"torchdiffeq\"") != std::string::npos ? "torchdiffeq" : "builtin";
    if (base_case(name) == name)  // one torch row per torch case
      line(common(name, "torch", threads, cnt, ts) + ", \"peer\": \"" + peer + "\"" + num("nfe_per_sample", tn) +
           num("gflops", flops_per_row * r.rows_per_eval * tn * static_cast<double>(cnt) / ts * 1e-9) +
           num("max_err_vs_ref", max_err(theirs, ref_of(name))));
    line(common(name, "odeflow", threads, cnt, r.seconds) + num("ratio_vs_torch", ts / r.seconds) +
         num("nfe_ratio_vs_torch", r.nfe_mean / tn) + num("max_abs_diff", diff));
  }
  if (!any) {
    std::string reason = out.substr(0, 200);
    for (char& c : reason)
      if (c == '"' || c == '\\' || c == '\n') c = ' ';
    line(common("all", "torch", threads, 0, 0) + ", \"skipped\": true, \"reason\": \"PyTorch peer did not run: " +
         reason + "\"");
  }
  return 0;
}
