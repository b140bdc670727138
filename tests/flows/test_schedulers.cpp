// Schedulers: derivatives against finite differences, boundary values, snr and kappa inverse round trips.
#include <odeflow/flows/schedulers/cond_ot_scheduler.hpp>
#include <odeflow/flows/schedulers/cosine_scheduler.hpp>
#include <odeflow/flows/schedulers/linear_vp_scheduler.hpp>
#include <odeflow/flows/schedulers/polynomial_convex_scheduler.hpp>
#include <odeflow/flows/schedulers/variance_preserving_scheduler.hpp>

#include <gtest/gtest.h>

#include <cmath>

namespace {

using namespace odeflow;

template <class S>
class SchedulerTest : public ::testing::Test {};

template <class T>
struct Poly3 : PolynomialConvexScheduler<T> {
  Poly3() { this->n = T(3); }
};
using Schedulers = ::testing::Types<CondOTScheduler<double>, Poly3<double>, VariancePreservingScheduler<double>,
                                    LinearVPScheduler<double>, CosineScheduler<double>>;
TYPED_TEST_SUITE(SchedulerTest, Schedulers);

TYPED_TEST(SchedulerTest, DerivativesMatchFiniteDifferences) {
  const TypeParam s{};
  const double h = 1e-6;
  for (double t = 0.02; t < 0.99; t += 0.0625) {
    const auto v = s(t), p = s(t + h), m = s(t - h);
    // Central differences: error ~ h^2 f''' / 6 plus rounding ~ eps / h.
    EXPECT_NEAR(v.d_alpha, (p.alpha - m.alpha) / (2 * h), 1e-6 * (1 + std::abs(v.d_alpha))) << "t = " << t;
    EXPECT_NEAR(v.d_sigma, (p.sigma - m.sigma) / (2 * h), 1e-6 * (1 + std::abs(v.d_sigma))) << "t = " << t;
  }
}

TYPED_TEST(SchedulerTest, BoundaryValuesAndMonotonicity) {
  const TypeParam s{};
  const auto one = s(1.0);
  EXPECT_DOUBLE_EQ(one.alpha, 1.0);
  EXPECT_EQ(one.sigma, 0.0);
  const auto zero = s(0.0);
  if constexpr (std::is_same_v<TypeParam, VariancePreservingScheduler<double>>) {
    const double a0 = std::exp(-(0.1 + 20.0) / 4);
    EXPECT_NEAR(zero.alpha, a0, 1e-15);
    EXPECT_NEAR(zero.sigma, std::sqrt(1 - a0 * a0), 1e-15);
  } else {
    EXPECT_EQ(zero.alpha, 0.0);
    EXPECT_EQ(zero.sigma, 1.0);
  }
  double prev_a = -1, prev_s = 2;
  for (double t = 0; t <= 1.0; t += 1.0 / 64) {
    const auto v = s(t);
    EXPECT_GT(v.alpha, prev_a);
    EXPECT_LT(v.sigma, prev_s);
    prev_a = v.alpha;
    prev_s = v.sigma;
  }
}

TYPED_TEST(SchedulerTest, SnrInverseRoundTrip) {
  const TypeParam s{};
  for (double t = 0.01; t < 1.0; t += 0.0317) {
    const auto v = s(t);
    EXPECT_NEAR(s.snr_inverse(v.alpha / v.sigma), t, 1e-12) << "t = " << t;
  }
  EXPECT_NEAR(s.snr_inverse(std::numeric_limits<double>::infinity()), 1.0, 1e-15);
}

TYPED_TEST(SchedulerTest, KappaInverseRoundTripForConvexSchedulers) {
  const TypeParam s{};
  if constexpr (ConvexScheduler<TypeParam>) {
    for (double t = 0.0; t <= 1.0; t += 0.0317) {
      const auto v = s(t);
      EXPECT_DOUBLE_EQ(v.alpha + v.sigma, 1.0);
      EXPECT_NEAR(s.kappa_inverse(v.alpha), t, 1e-13) << "t = " << t;
    }
  } else {
    GTEST_SKIP() << "not a convex scheduler";
  }
}

TEST(Schedulers, FloatInstantiationsAgreeWithDouble) {
  const CosineScheduler<float> cf;
  const CosineScheduler<double> cd;
  const VariancePreservingScheduler<float> vf;
  const VariancePreservingScheduler<double> vd;
  for (float t = 0.05f; t < 1.0f; t += 0.1f) {
    EXPECT_NEAR(cf(t).alpha, cd(t).alpha, 1e-6);
    EXPECT_NEAR(vf(t).sigma, vd(t).sigma, 1e-6);
    EXPECT_NEAR(vf.snr_inverse(vf(t).alpha / vf(t).sigma), t, 1e-4);
  }
  static_assert(ConvexScheduler<CondOTScheduler<float>>);
  static_assert(!ConvexScheduler<CosineScheduler<float>>);
}

}  // namespace
