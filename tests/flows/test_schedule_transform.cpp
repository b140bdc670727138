// Schedule transform: a field trained along one scheduler, sampled along another, equals the direct field.
#include <odeflow/flows/gaussian_field.hpp>
#include <odeflow/flows/gaussian_mixture_field.hpp>
#include <odeflow/flows/schedule_transform.hpp>
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
using Exec = Kokkos::DefaultExecutionSpace;
using Rows = Kokkos::View<double**, Kokkos::LayoutRight>;

template <class V>
auto host(const V& v) {
  return Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), v);
}

TEST(ScheduleTransform, DerivativesMatchFiniteDifferences) {
  const ScheduleTransform<CondOTScheduler<double>, CosineScheduler<double>> a{};
  const ScheduleTransform<CosineScheduler<double>, VariancePreservingScheduler<double>> b{};
  const double h = 1e-6;
  for (double r = 0.0; r <= 1.0; r += 0.125) {
    const auto v = a(r);
    EXPECT_TRUE(std::isfinite(v.dt) && std::isfinite(v.ds)) << "r = " << r;  // both ends included
    if (r > 0 && r < 1) {
      EXPECT_NEAR(v.dt, (a(r + h).t - a(r - h).t) / (2 * h), 1e-6);
      EXPECT_NEAR(v.ds, (a(r + h).s - a(r - h).s) / (2 * h), 1e-6);
      const auto w = b(r);
      EXPECT_NEAR(w.dt, (b(r + h).t - b(r - h).t) / (2 * h), 1e-6 * (1 + std::abs(w.dt)));
      EXPECT_NEAR(w.ds, (b(r + h).s - b(r - h).s) / (2 * h), 1e-6 * (1 + std::abs(w.ds)));
    }
  }
  // Same scheduler: identity.
  const ScheduleTransform<CosineScheduler<double>, CosineScheduler<double>> id{};
  EXPECT_NEAR(id(0.3).t, 0.3, 1e-15);
  EXPECT_NEAR(id(0.3).s, 1.0, 1e-15);
}

// The field of scheduler From, transformed to To, against To's own closed-form field.
template <class From, class To, class Make>
void expect_matches_direct(Make make, double r_max) {
  const auto from = make(From{});
  const auto direct = make(To{});
  const ScheduleTransformedField<decltype(from), From, To> tr(from, From{}, To{});
  const int d = from.dim(), n = 40;
  Kokkos::View<double*> t("t", n), da("da", n), db("db", n);
  Rows x("x", n, d), v("v", n, d), ua("ua", n, d), ub("ub", n, d), ja("ja", n, d), jb("jb", n, d);
  Kokkos::parallel_for(n, KOKKOS_LAMBDA(int i) {
    t(i) = 0.01 + (r_max - 0.01) * i / (n - 1);
    for (int k = 0; k < d; ++k) {
      x(i, k) = 0.7 * k - 1.3 + 0.05 * i;
      v(i, k) = 1.0 - 0.5 * k;
    }
  });
  tr.jvp(Exec(), t, x, v, ua, ja);
  direct.jvp(Exec(), t, x, v, ub, jb);
  const auto a = host(ua), b = host(ub), c = host(ja), e = host(jb);

  tr.divergence(Exec(), t, x, ua, da);
  direct.divergence(Exec(), t, x, ub, db);
  const auto f = host(da), g = host(db), ht = host(t);
  for (int i = 0; i < n; ++i) {
    for (int k = 0; k < d; ++k) {
      EXPECT_NEAR(a(i, k), b(i, k), 1e-9 * (1 + std::abs(b(i, k)))) << "r = " << ht(i);
      EXPECT_NEAR(c(i, k), e(i, k), 1e-9 * (1 + std::abs(e(i, k)))) << "r = " << ht(i);
    }
    EXPECT_NEAR(f(i), g(i), 1e-9 * (1 + std::abs(g(i)))) << "r = " << ht(i);
  }
}

// Named makers (nvcc forbids lambda types as template arguments of functions with device lambdas).
struct MakeGauss {
  template <class S>
  GaussianField<double, Exec, S> operator()(S s) const {
    return GaussianField<double, Exec, S>({1.0, -2.0, 0.5}, {0.5, 2.0, 1.0}, s);
  }
};
struct MakeMixture {
  template <class S>
  GaussianMixtureField<double, Exec, S> operator()(S s) const {
    return GaussianMixtureField<double, Exec, S>({0.3, 0.7}, {-2, 1, 2, -1}, {0.3, 0.5, 0.8, 0.2}, 2, s);
  }
};

TEST(ScheduleTransformedField, MatchesTheDirectGaussianField) {
  const MakeGauss gauss;
  expect_matches_direct<CondOTScheduler<double>, CosineScheduler<double>>(gauss, 0.99);
  expect_matches_direct<CosineScheduler<double>, CondOTScheduler<double>>(gauss, 0.99);
  expect_matches_direct<CondOTScheduler<double>, LinearVPScheduler<double>>(gauss, 0.99);
  expect_matches_direct<CondOTScheduler<double>, VariancePreservingScheduler<double>>(gauss, 0.99);
}

TEST(ScheduleTransformedField, MatchesTheDirectGaussianMixtureField) {
  const MakeMixture mix;
  expect_matches_direct<CondOTScheduler<double>, CosineScheduler<double>>(mix, 0.99);
  expect_matches_direct<CosineScheduler<double>, PolynomialConvexScheduler<double>>(mix, 0.99);
}

}  // namespace
