// Affine path: dx_t against the finite-difference time derivative of x_t; conversions between parameterisations.
#include <odeflow/flows/affine_path.hpp>
#include <odeflow/flows/random.hpp>
#include <odeflow/flows/schedulers/cond_ot_scheduler.hpp>
#include <odeflow/flows/schedulers/cosine_scheduler.hpp>
#include <odeflow/flows/schedulers/linear_vp_scheduler.hpp>
#include <odeflow/flows/schedulers/polynomial_convex_scheduler.hpp>
#include <odeflow/flows/schedulers/variance_preserving_scheduler.hpp>

#include <Kokkos_Core.hpp>
#include <gtest/gtest.h>

#include <cmath>

namespace {

using namespace odeflow;
using P = Parameterization;

template <class S>
class AffinePathTest : public ::testing::Test {};
using Schedulers = ::testing::Types<CondOTScheduler<double>, PolynomialConvexScheduler<double>,
                                    VariancePreservingScheduler<double>, LinearVPScheduler<double>,
                                    CosineScheduler<double>>;
TYPED_TEST_SUITE(AffinePathTest, Schedulers);

TYPED_TEST(AffinePathTest, VelocityIsTheTimeDerivativeOfThePath) {
  const AffinePath<TypeParam> path{};
  const CounterRng rng{5, 0};
  const double h = 1e-6;
  for (int i = 0; i < 50; ++i) {
    const double t = 0.02 + 0.95 * rng.uniform<double>(i, 0);
    const auto z = rng.normal2<double>(i, 1);
    double xt, dxt, xp, xm, unused;
    path.sample(t, z[0], z[1], xt, dxt);
    path.sample(t + h, z[0], z[1], xp, unused);
    path.sample(t - h, z[0], z[1], xm, unused);
    EXPECT_NEAR(dxt, (xp - xm) / (2 * h), 1e-6 * (1 + std::abs(dxt))) << "t = " << t;
  }
}

TYPED_TEST(AffinePathTest, ConversionsMapTheTrueQuantitiesAndRoundTrip) {
  const AffinePath<TypeParam> path{};
  const CounterRng rng{6, 0};
  for (int i = 0; i < 50; ++i) {
    const double t = 0.05 + 0.9 * rng.uniform<double>(i, 0);
    const auto z = rng.normal2<double>(i, 1);
    const double x0 = z[0], x1 = z[1];
    double xt, u;
    path.sample(t, x0, x1, xt, u);
    const double truth[3] = {u, x1, x0};  // velocity, x1, epsilon
    const P ps[3] = {P::velocity, P::x1_prediction, P::epsilon};
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b) {
        const auto c = path.conversion(ps[a], ps[b], t);
        EXPECT_NEAR(c.a * xt + c.b * truth[a], truth[b], 1e-10 * (1 + std::abs(truth[b])))
            << "from " << a << " to " << b << " at t = " << t;
        // Round trip a -> b -> a is the identity for any input.
        const auto back = path.conversion(ps[b], ps[a], t);
        const double y = 0.37;
        EXPECT_NEAR(back.a * xt + back.b * (c.a * xt + c.b * y), y, 1e-10);
      }
  }
}

TEST(AffinePath, BatchedSampleAndConvertMatchThePointForms) {
  using Exec = Kokkos::DefaultExecutionSpace;
  const AffinePath<CosineScheduler<double>> path{};
  const int n = 64, d = 3;
  Kokkos::View<double*> t("t", n);
  Kokkos::View<double**, Kokkos::LayoutRight> x0("x0", n, d), x1("x1", n, d), xt("xt", n, d), dxt("dxt", n, d),
      back("back", n, d);
  auto ht = Kokkos::create_mirror_view(t);
  auto h0 = Kokkos::create_mirror_view(x0);
  auto h1 = Kokkos::create_mirror_view(x1);
  const CounterRng rng{9, 0};
  for (int i = 0; i < n; ++i) {
    ht(i) = 0.05 + 0.9 * rng.uniform<double>(i, 0);
    for (int k = 0; k < d; ++k) {
      h0(i, k) = rng.normal<double>(i, 1, k);
      h1(i, k) = rng.normal<double>(i, 5, k);
    }
  }
  Kokkos::deep_copy(t, ht);
  Kokkos::deep_copy(x0, h0);
  Kokkos::deep_copy(x1, h1);
  path.sample(Exec(), t, x0, x1, xt, dxt);
  path.convert(Exec(), P::velocity, P::epsilon, t, xt, dxt, back);
  auto hxt = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), xt);
  auto hdx = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), dxt);
  auto hb = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), back);
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < d; ++k) {
      double xs, us;
      path.sample(ht(i), h0(i, k), h1(i, k), xs, us);
      EXPECT_DOUBLE_EQ(hxt(i, k), xs);
      EXPECT_DOUBLE_EQ(hdx(i, k), us);
      EXPECT_NEAR(hb(i, k), h0(i, k), 1e-12);
    }
}

}  // namespace
