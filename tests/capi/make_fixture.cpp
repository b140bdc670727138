// Writes the C API tests' fixture: a seeded MLP checkpoint and its velocities on a fixed batch,
// computed by the C++ API (MlpField), for the C test to compare with odeflow_model_velocity.
// Usage: capi_make_fixture MODEL.safetensors EXPECTED.bin
#include <odeflow/flows/mlp_field.hpp>
#include <odeflow/flows/mlp_io.hpp>

#include <Kokkos_Core.hpp>

#include <cstdio>
#include <fstream>

int main(int argc, char** argv) {
  Kokkos::ScopeGuard guard(argc, argv);
  if (argc != 3) {
    std::fprintf(stderr, "usage: capi_make_fixture MODEL.safetensors EXPECTED.bin\n");
    return 2;
  }
  const int d = 2, n = 37;
  odeflow::Mlp<double> mlp(odeflow::MlpArchitecture::make(d, 16, 2, odeflow::Activation::silu));
  mlp.initialize(20261129);
  odeflow::save_mlp(argv[1], mlp);
  Kokkos::View<double*> t("t", n);
  Kokkos::View<double**, Kokkos::LayoutRight> x("x", n, d), v("v", n, d);
  auto ht = Kokkos::create_mirror_view(t);
  auto hx = Kokkos::create_mirror_view(x);
  for (int i = 0; i < n; ++i) {  // the C test builds the same batch
    ht(i) = i / double(n - 1);
    hx(i, 0) = -1.5 + 0.08 * i;
    hx(i, 1) = 0.7 - 0.05 * i;
  }
  Kokkos::deep_copy(t, ht);
  Kokkos::deep_copy(x, hx);
  const odeflow::MlpField<double> field(mlp);
  field(Kokkos::DefaultExecutionSpace(), t, x, v);
  auto hv = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), v);
  std::ofstream out(argv[2], std::ios::binary);
  out.write(reinterpret_cast<const char*>(hv.data()), sizeof(double) * n * d);
  return out.good() ? 0 : 1;
}
