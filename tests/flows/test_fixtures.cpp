// Conformance with PyTorch: the reference 2D model (tests/fixtures, made by tools/make_fixtures.py) sampled and scored by odeflow.
#include <odeflow/flows/log_likelihood.hpp>
#include <odeflow/flows/mlp_field.hpp>
#include <odeflow/flows/mlp_io.hpp>
#include <odeflow/flows/sample.hpp>
#include <odeflow/flows/source_distribution.hpp>
#include <odeflow/solvers/tableaus/dormand_prince54.hpp>
#include <odeflow/solvers/tableaus/explicit_midpoint.hpp>

#include <Kokkos_Core.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

using namespace odeflow;
using Exec = Kokkos::DefaultExecutionSpace;
using Mem = Exec::memory_space;

const std::filesystem::path fixtures = std::filesystem::path(ODEFLOW_SOURCE_DIR) / "tests" / "fixtures";

const nlohmann::json& reference() {
  static const nlohmann::json j = [] {
    std::ifstream in(fixtures / "ref2d_reference.json");
    if (!in) throw std::runtime_error("cannot open " + (fixtures / "ref2d_reference.json").string());
    return nlohmann::json::parse(in);
  }();
  return j;
}

// The fixture's 32 rows; 8 under the sanitizers, where the 512-wide model runs about 100 times
// slower (docs/reliability.md, "Sanitizers"). The comparisons below cover the rows loaded.
#if defined(__SANITIZE_ADDRESS__)
constexpr int max_rows = 8;
#else
constexpr int max_rows = 1 << 30;
#endif

template <class T>
Kokkos::View<T**, Kokkos::LayoutRight> rows(const nlohmann::json& a) {
  const int n = std::min(static_cast<int>(a.size()), max_rows), d = static_cast<int>(a[0].size());
  Kokkos::View<T**, Kokkos::LayoutRight> x("x", n, d);
  auto h = Kokkos::create_mirror_view(x);
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < d; ++k) h(i, k) = static_cast<T>(a[i][k].get<double>());
  Kokkos::deep_copy(x, h);
  return x;
}

template <class V>
auto host(const V& v) {
  return Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), v);
}

template <class T>
MlpField<T, Exec> model() {
  return MlpField<T, Exec>(load_mlp<T, Mem>(fixtures / "ref2d_mlp.safetensors"));
}

// Largest |ours - reference| over (n, d) rows and over a (n) list.
template <class V>
double max_diff_rows(const V& ours, const nlohmann::json& ref) {
  auto h = host(ours);
  double e = 0;
  for (std::size_t i = 0; i < h.extent(0); ++i)
    for (std::size_t k = 0; k < ref[i].size(); ++k) e = std::max(e, std::fabs(double(h(i, k)) - ref[i][k].get<double>()));
  return e;
}
template <class V>
double max_diff_list(const V& ours, const nlohmann::json& ref) {
  auto h = host(ours);
  double e = 0;
  for (std::size_t i = 0; i < h.extent(0); ++i) e = std::max(e, std::fabs(double(h(i)) - ref[i].get<double>()));
  return e;
}

TEST(Fixtures, ModelIsTheReferenceArchitecture) {
  const auto m = load_mlp<double, Mem>(fixtures / "ref2d_mlp.safetensors");
  EXPECT_EQ(m.architecture().dims, (std::vector<int>{3, 512, 512, 512, 512, 2}));
  EXPECT_EQ(m.architecture().activation, Activation::silu);
  EXPECT_GT(reference()["trained_iterations"].get<int>(), 0);
}

// Tolerances (reference: scipy DOP853 at rtol = atol = 1e-10 in float64, itself stable to
// about 1e-9 when its tolerance is multiplied by 10, recorded in the fixture):
// - float64, dopri5 at rtol = atol = 1e-10: samples and log p within 1e-8 (measured 3e-10 and
//   2e-10 nats: the two solvers' global errors);
// - float32, dopri5 at rtol = atol = 1e-6: samples and log p within 1e-4 (measured 4e-6 and 2e-6:
//   float32 rounding of 512-wide sums, accumulated over ~100 evaluations);
// - float32 midpoint at dt = 0.05 against PyTorch's float32 midpoint at the same steps: 1e-5
//   (measured 1e-6: the same arithmetic up to summation order).
TEST(Fixtures, SamplesAgreeWithTheHighAccuracyReferenceDouble) {
  const auto& ref = reference();
  const auto f = model<double>();
  const auto x0 = rows<double>(ref["x0"]);
  Kokkos::View<double**, Kokkos::LayoutRight> x1("x1", x0.extent(0), 2);
  SampleOptions<double> o;
  o.solver.rtol = o.solver.atol = 1e-10;
  const auto r = sample(Exec(), DormandPrince54<double>{}, f, x0, x1, o);
  const double e = max_diff_rows(x1, ref["x1_of_x0"]);
  std::printf("[fixture] float64 dopri5 samples: max |diff| = %.3e\n", e);
  EXPECT_LT(e, 1e-8);
  for (std::size_t i = 0; i < x0.extent(0); ++i) EXPECT_EQ(host(r.stats)(i).status, Status::success);
}

TEST(Fixtures, ExactLogLikelihoodAgreesWithTheHighAccuracyReferenceDouble) {
  const auto& ref = reference();
  const auto f = model<double>();
  const auto x1 = rows<double>(ref["x1"]);
  LikelihoodOptions<double> o;
  o.solver.rtol = o.solver.atol = 1e-10;
  const auto r = log_likelihood(Exec(), DormandPrince54<double>{}, f, StandardNormal<double>{2}, x1, o);
  const double e = max_diff_list(r.log_p, ref["log_p_of_x1"]);
  const double ex = max_diff_rows(r.x_other, ref["x0_of_x1"]);
  std::printf("[fixture] float64 dopri5 log p: max |diff| = %.3e nats (x0: %.3e)\n", e, ex);
  EXPECT_LT(e, 1e-8);
  EXPECT_LT(ex, 1e-8);
}

TEST(Fixtures, SamplesAndLogLikelihoodAgreeWithTheReferenceFloat) {
  const auto& ref = reference();
  const auto f = model<float>();
  const auto x0 = rows<float>(ref["x0"]);
  const auto x1 = rows<float>(ref["x1"]);
  Kokkos::View<float**, Kokkos::LayoutRight> y("y", x0.extent(0), 2);
  SampleOptions<float> so;
  so.solver.rtol = so.solver.atol = 1e-6f;
  sample(Exec(), DormandPrince54<float>{}, f, x0, y, so);
  LikelihoodOptions<float> lo;
  lo.solver = so.solver;
  const auto r = log_likelihood(Exec(), DormandPrince54<float>{}, f, StandardNormal<float>{2}, x1, lo);
  const double es = max_diff_rows(y, ref["x1_of_x0"]), el = max_diff_list(r.log_p, ref["log_p_of_x1"]);
  std::printf("[fixture] float32 dopri5: samples max |diff| = %.3e, log p max |diff| = %.3e\n", es, el);
  EXPECT_LT(es, 1e-4);
  EXPECT_LT(el, 1e-4);
}

TEST(Fixtures, FixedStepMidpointAgreesWithPyTorchFloat) {
  const auto& ref = reference();
  const auto& mid = ref["midpoint_float32"];
  const auto f = model<float>();
  const auto x0 = rows<float>(ref["x0"]);
  const auto x1 = rows<float>(ref["x1"]);
  Kokkos::View<float**, Kokkos::LayoutRight> y("y", x0.extent(0), 2);
  SampleOptions<float> so;
  so.solver.method = "midpoint";
  so.solver.dt = mid["dt"].get<float>();
  sample(Exec(), f, x0, y, so);
  LikelihoodOptions<float> lo;
  lo.solver = so.solver;
  const auto r = log_likelihood(Exec(), ExplicitMidpoint<float>{}, f, StandardNormal<float>{2}, x1, lo);
  const double es = max_diff_rows(y, mid["x1_of_x0"]), el = max_diff_list(r.log_p, mid["log_p_of_x1"]);
  std::printf("[fixture] float32 midpoint dt 0.05 vs PyTorch: samples %.3e, log p %.3e\n", es, el);
  EXPECT_LT(es, 1e-5);
  EXPECT_LT(el, 1e-5);
}

TEST(Fixtures, ModelWrittenByOdeflowReadsBackBitwise) {
  // The file tools/export_torch.py check loads into PyTorch (docs/sampling.md); written to
  // $ODEFLOW_TEST_OUTPUT_DIR (default: the temporary directory).
  const auto m = load_mlp<float, Mem>(fixtures / "ref2d_mlp.safetensors");
  const char* dir = std::getenv("ODEFLOW_TEST_OUTPUT_DIR");
  const std::filesystem::path out =
      (dir ? std::filesystem::path(dir) : std::filesystem::temp_directory_path()) / "odeflow_written_ref2d.safetensors";
  save_mlp(out, m);
  const auto a = read_safetensors(fixtures / "ref2d_mlp.safetensors");
  const auto b = read_safetensors(out);
  ASSERT_EQ(a.tensors.size(), b.tensors.size());
  for (const auto& t : a.tensors) {
    const SafetensorsTensor* u = b.find(t.name);
    ASSERT_NE(u, nullptr) << t.name;
    EXPECT_EQ(t.shape, u->shape);
    EXPECT_EQ(t.bytes, u->bytes) << t.name;
  }
}

}  // namespace
