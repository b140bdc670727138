// The compiled MLP entry points (mlp_flows.hpp, built in odeflow_flows) against the header
// templates instantiated here with the tableau named: the same bits, statistics and
// trajectories for float and double, and errors naming the argument.
#include <odeflow/flows/log_likelihood.hpp>
#include <odeflow/flows/mlp_field.hpp>
#include <odeflow/flows/mlp_flows.hpp>
#include <odeflow/flows/mlp_io.hpp>
#include <odeflow/flows/sample.hpp>
#include <odeflow/flows/source_distribution.hpp>
#include <odeflow/solvers/tableaus/dormand_prince54.hpp>
#include <odeflow/solvers/tableaus/runge_kutta4.hpp>
#include <odeflow/solvers/validation.hpp>

#include <Kokkos_Core.hpp>
#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace {

const std::string kModel = std::string(ODEFLOW_SOURCE_DIR) + "/tests/fixtures/ref2d_mlp.safetensors";
// Under AddressSanitizer (CI's sanitizer build) the 512-wide model is about 100x slower: fewer
// rows there (at least five: row 3 is the NaN row), the same checks.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
using Exec = Kokkos::DefaultExecutionSpace;

template <class T>
using Rows = Kokkos::View<T**, Kokkos::LayoutRight>;

template <class T>
bool same_bits(T a, T b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

/// n source points under `seed`, with row 3 made NaN (a failing row must fail alike).
template <class T>
Rows<T> points(int n, int d, std::uint64_t seed) {
  Rows<T> x("x", n, d);
  odeflow::sample_source(Exec(), odeflow::StandardNormal<T>{d}, seed, x);
  auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, x);
  h(3, 0) = Kokkos::Experimental::quiet_NaN<T>::value;
  Kokkos::deep_copy(x, h);
  return x;
}

template <class A, class B>
void expect_same_bits(const A& a, const B& b, const char* what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  auto ha = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, a);
  auto hb = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, b);
  const std::size_t n = ha.span();
  ASSERT_EQ(n, hb.span()) << what;
  int differ = 0;
  for (std::size_t i = 0; i < n; ++i) differ += !same_bits(ha.data()[i], hb.data()[i]);
  EXPECT_EQ(differ, 0) << what << ": " << differ << " of " << n << " values differ";
}

template <class A, class B>
void expect_same_stats(const A& a, const B& b) {
  auto ha = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, a);
  auto hb = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, b);
  ASSERT_EQ(ha.extent(0), hb.extent(0));
  for (std::size_t i = 0; i < ha.extent(0); ++i) {
    EXPECT_EQ(ha(i).nfe, hb(i).nfe) << "row " << i;
    EXPECT_EQ(ha(i).accepted, hb(i).accepted) << "row " << i;
    EXPECT_EQ(ha(i).rejected, hb(i).rejected) << "row " << i;
    EXPECT_EQ(ha(i).status, hb(i).status) << "row " << i;
  }
}

template <class T>
class MlpFlows : public ::testing::Test {
 protected:
  const odeflow::MlpField<T> field{odeflow::load_mlp<T>(kModel)};
};
using Scalars = ::testing::Types<float, double>;
TYPED_TEST_SUITE(MlpFlows, Scalars);

/// Adaptive dopri5 with a trajectory and fixed-step rk4: compiled == template, bit for bit.
TYPED_TEST(MlpFlows, SampleIsBitwiseTheTemplate) {
  using T = TypeParam;
  const auto& f = this->field;
  const int n = kSanitized ? 6 : 37, d = f.dim();
  const auto x0 = points<T>(n, d, 11);
  odeflow::SampleOptions<T> o;
  o.solver.method = "dopri5";
  o.solver.rtol = o.solver.atol = T(1e-5);
  o.times = {T(0.25), T(0.5), T(1)};
  Rows<T> a("a", n, d), b("b", n, d);
  const auto ra = odeflow::sample_mlp(Exec(), f, x0, a, o);
  const auto rb = odeflow::sample(Exec(), odeflow::DormandPrince54<T>{}, f, x0, b, o);
  expect_same_bits(a, b, "x1 (dopri5)");
  expect_same_bits(ra.trajectory, rb.trajectory, "trajectory (dopri5)");
  expect_same_stats(ra.stats, rb.stats);
  auto hs = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, ra.stats);
  EXPECT_EQ(hs(0).status, odeflow::Status::success);
  EXPECT_EQ(hs(3).status, odeflow::Status::non_finite);

  o.solver.method = "rk4";
  o.solver.dt = T(0.05);
  o.times.clear();
  // In place (x1 is x0's storage), as the C API calls it.
  Rows<T> c("c", n, d);
  Kokkos::deep_copy(c, x0);
  odeflow::sample_mlp(Exec(), f, c, c, o);
  odeflow::sample(Exec(), odeflow::RungeKutta4<T>{}, f, x0, b, o);
  expect_same_bits(c, b, "x1 (rk4, in place)");
}

/// Backward log-likelihood, exact and Hutchinson, and the forward solve: compiled == template.
TYPED_TEST(MlpFlows, LikelihoodsAreBitwiseTheTemplate) {
  using T = TypeParam;
  const auto& f = this->field;
  const int n = kSanitized ? 5 : 29, d = f.dim();
  const odeflow::StandardNormal<T> source{d};
  const auto x = points<T>(n, d, 5);
  odeflow::LikelihoodOptions<T> lo;
  lo.solver.method = "dopri5";
  lo.solver.rtol = lo.solver.atol = T(1e-5);
  const odeflow::DormandPrince54<T> tab;
  auto same = [](const auto& a, const auto& b, const char* what) {
    SCOPED_TRACE(what);
    expect_same_bits(a.log_p, b.log_p, "log_p");
    expect_same_bits(a.log_p_stderr, b.log_p_stderr, "log_p_stderr");
    expect_same_bits(a.log_p0, b.log_p0, "log_p0");
    expect_same_bits(a.divergence_integral, b.divergence_integral, "divergence_integral");
    expect_same_bits(a.x_other, b.x_other, "x_other");
    expect_same_stats(a.stats, b.stats);
  };
  same(odeflow::log_likelihood_mlp(Exec(), f, source, x, lo), odeflow::log_likelihood(Exec(), tab, f, source, x, lo),
       "exact");
  lo.divergence = odeflow::DivergenceEstimator::hutchinson(4, odeflow::ProbeKind::gaussian, 9);
  lo.index_offset = 100;
  const auto h = odeflow::log_likelihood_mlp(Exec(), f, source, x, lo);
  same(h, odeflow::log_likelihood(Exec(), tab, f, source, x, lo), "hutchinson");
  auto hse = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, h.log_p_stderr);
  EXPECT_GT(hse(0), T(0));  // four probes: a positive standard error
  lo.times = {T(0.5), T(1)};
  const auto fa = odeflow::sample_with_log_likelihood_mlp(Exec(), f, source, x, lo);
  const auto fb = odeflow::sample_with_log_likelihood(Exec(), tab, f, source, x, lo);
  same(fa, fb, "forward");
  expect_same_bits(fa.trajectory, fb.trajectory, "trajectory (forward)");
}

/// Errors are the templates' InvalidArgument, naming the argument and value.
TYPED_TEST(MlpFlows, ErrorsNameTheArgument) {
  using T = TypeParam;
  const auto& f = this->field;
  const int d = f.dim();
  Rows<T> x("x", 4, d), wrong("wrong", 4, d + 1);
  odeflow::SampleOptions<T> o;
  o.solver.method = "no-such-method";
  auto message = [](auto&& call) {
    try {
      call();
    } catch (const odeflow::InvalidArgument& e) {
      return std::string(e.what());
    }
    return std::string("no InvalidArgument");
  };
  const std::string m1 = message([&] { odeflow::sample_mlp(Exec(), f, x, x, o); });
  EXPECT_NE(m1.find("no-such-method"), std::string::npos) << m1;
  o.solver.method = "dopri5";
  const std::string m2 = message([&] { odeflow::sample_mlp(Exec(), f, wrong, wrong, o); });
  EXPECT_NE(m2.find("x0.extent(1) = " + std::to_string(d + 1)), std::string::npos) << m2;
  odeflow::LikelihoodOptions<T> lo;
  const std::string m3 =
      message([&] { odeflow::log_likelihood_mlp(Exec(), f, odeflow::StandardNormal<T>{d + 1}, x, lo); });
  EXPECT_NE(m3.find("source's dimension " + std::to_string(d + 1)), std::string::npos) << m3;
}

}  // namespace
