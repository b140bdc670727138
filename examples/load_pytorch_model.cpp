// Loading a model trained in PyTorch: an nn.Sequential MLP saved as safetensors (tools/export_torch.py
// writes one; tests/fixtures/ref2d_mlp.safetensors is the reference 3 -> 512x4 -> 2 SiLU model),
// sampled with its log-likelihood, then scored back from the samples.
//
// Usage: load_pytorch_model MODEL.safetensors [N]   (default N = 1000)
// Exits non-zero unless the forward (sampling) and backward (scoring) log-likelihoods agree
// within 1e-3 nats for every sample.
#include <odeflow/flows/log_likelihood.hpp>
#include <odeflow/flows/mlp_field.hpp>
#include <odeflow/flows/mlp_io.hpp>
#include <odeflow/flows/source_distribution.hpp>
#include <odeflow/solvers/tableaus/dormand_prince54.hpp>

#include <Kokkos_Core.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>

int main(int argc, char** argv) {
  Kokkos::ScopeGuard guard(argc, argv);
  if (argc < 2) {
    std::fprintf(stderr, "usage: load_pytorch_model MODEL.safetensors [N]\n");
    return 2;
  }
  const int n = argc > 2 ? std::atoi(argv[2]) : 1000;
  using T = float;
  using Exec = Kokkos::DefaultExecutionSpace;
  try {
    // snippet-begin: load-model
    const odeflow::Mlp<T> model = odeflow::load_mlp<T>(argv[1]);  // architecture from __metadata__
    const odeflow::MlpField<T> field(model);
    const odeflow::StandardNormal<T> source{model.dim()};
    Kokkos::View<T**, Kokkos::LayoutRight> x0("x0", n, model.dim());
    odeflow::sample_source(Exec(), source, /*seed=*/3, x0);
    odeflow::LikelihoodOptions<T> opt;  // rtol = atol = 1e-5, exact divergence
    const odeflow::DormandPrince54<T> dopri5;  // the method as a type: only it is compiled
    const auto fwd = odeflow::sample_with_log_likelihood(Exec(), dopri5, field, source, x0, opt);  // x1 in fwd.x_other
    const auto bwd = odeflow::log_likelihood(Exec(), dopri5, field, source, fwd.x_other, opt);
    // snippet-end: load-model
    auto lf = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, fwd.log_p);
    auto lb = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, bwd.log_p);
    auto sf = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, fwd.stats);
    double worst = 0, mean = 0, nfe = 0;
    for (int i = 0; i < n; ++i) {
      worst = std::max(worst, static_cast<double>(std::abs(lf(i) - lb(i))));
      mean += lf(i);
      nfe += sf(i).nfe;
    }
    const auto& dims = model.architecture().dims;
    std::printf("odeflow: loaded %s (%zu layers, %zu parameters, input %d, output %d)\n", argv[1], dims.size() - 1,
                model.num_parameters(), dims.front(), dims.back());
    std::printf("%d samples with their log-likelihood: mean log p %.4f nats, %.1f evaluations per sample\n", n,
                mean / n, nfe / n);
    std::printf("forward vs backward log p: max difference %.2e nats\n", worst);
    return worst < 1e-3 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "load_pytorch_model: %s\n", e.what());
    return 1;
  }
}
