// Analytic fields: transport of N(0, I) to the target, continuity equation, exact JVP and divergence.
#include <odeflow/flows/gaussian_field.hpp>
#include <odeflow/flows/gaussian_mixture_field.hpp>
#include <odeflow/flows/random.hpp>
#include <odeflow/flows/schedulers/cosine_scheduler.hpp>
#include <odeflow/flows/single_trajectory_field.hpp>
#include <odeflow/solvers/solve.hpp>
#include <odeflow/solvers/tableaus/dormand_prince54.hpp>

#include <Kokkos_Core.hpp>
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace {

using namespace odeflow;
using Exec = Kokkos::DefaultExecutionSpace;
using Rows = Kokkos::View<double**, Kokkos::LayoutRight>;

template <class V>
auto host(const V& v) {
  return Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), v);
}

TEST(GaussianField, FlowMapsNoiseToTheTargetGaussian) {
  // The conditional-OT marginal flow of Gaussians is affine: x_1 = mu + s * x_0 per component.
  const std::vector<double> mu{1.0, -2.0, 0.5}, s{0.5, 2.0, 1.0};
  const GaussianField<double> f(mu, s);
  const SingleTrajectoryField<GaussianField<double>> g(f);
  auto opt = default_options<DormandPrince54<double>>();
  opt.norm.rtol = 1e-8;
  opt.norm.atol = 1e-8;
  const CounterRng rng{1, 0};
  for (int i = 0; i < 3; ++i) {
    std::vector<double> x0(3);
    for (int k = 0; k < 3; ++k) x0[k] = rng.normal<double>(i, 0, k);
    const auto r = solve(DormandPrince54<double>{}, g, x0, 0.0, 1.0, opt);
    ASSERT_EQ(r.stats.status, Status::success);
    for (int k = 0; k < 3; ++k) EXPECT_NEAR(r.y[k], mu[k] + s[k] * x0[k], 1e-6);
  }
}

// Checks a field's velocity against the continuity equation d/dt log p + div u + u . grad log p = 0,
// and its JVP and divergence against central differences of the velocity.
template <class F>
void check_field(const F& f, int d) {
  const int n = 30;
  Kokkos::View<double*> t("t", n), div("div", n), logp("logp", n);
  Rows x("x", n, d), v("v", n, d), dx("dx", n, d), jv("jv", n, d);
  auto ht = Kokkos::create_mirror_view(t);
  auto hx = Kokkos::create_mirror_view(x);
  auto hv = Kokkos::create_mirror_view(v);
  const CounterRng rng{2, 0};
  for (int i = 0; i < n; ++i) {
    ht(i) = 0.05 + 0.9 * rng.uniform<double>(i, 0);
    for (int k = 0; k < d; ++k) {
      hx(i, k) = 2 * rng.normal<double>(i, 1, k);
      hv(i, k) = rng.normal<double>(i, 9, k);
    }
  }
  Kokkos::deep_copy(t, ht);
  Kokkos::deep_copy(x, hx);
  Kokkos::deep_copy(v, hv);
  f.jvp(Exec(), t, x, v, dx, jv);
  Rows dx2("dx2", n, d);
  f.divergence(Exec(), t, x, dx2, div);
  const auto hdx = host(dx), hjv = host(jv);
  const auto hdiv = host(div);
  const double h = 1e-5;
  auto eval = [&](const std::vector<double>& tt, const std::vector<std::vector<double>>& xx, Rows out,
                  Kokkos::View<double*> lp) {
    auto a = Kokkos::create_mirror_view(t);
    auto b = Kokkos::create_mirror_view(x);
    for (int i = 0; i < n; ++i) {
      a(i) = tt[i];
      for (int k = 0; k < d; ++k) b(i, k) = xx[i][k];
    }
    Kokkos::View<double*> tv("tv", n);
    Rows xv("xv", n, d);
    Kokkos::deep_copy(tv, a);
    Kokkos::deep_copy(xv, b);
    f(Exec(), tv, xv, out);
    f.log_density(Exec(), tv, xv, lp);
    return std::make_pair(host(out), host(lp));
  };
  std::vector<double> tt(n);
  std::vector<std::vector<double>> xx(n, std::vector<double>(d));
  for (int i = 0; i < n; ++i) {
    tt[i] = ht(i);
    for (int k = 0; k < d; ++k) xx[i][k] = hx(i, k);
  }
  Rows tmp("tmp", n, d);
  Kokkos::View<double*> lp("lp", n);
  // d/dt log p by central differences in t.
  std::vector<double> dlogp_dt(n);
  {
    auto tp = tt, tm = tt;
    for (int i = 0; i < n; ++i) {
      tp[i] += h;
      tm[i] -= h;
    }
    const auto p = eval(tp, xx, tmp, lp).second;
    std::vector<double> lpp(p.data(), p.data() + n);
    const auto m = eval(tm, xx, tmp, lp).second;
    for (int i = 0; i < n; ++i) dlogp_dt[i] = (lpp[i] - m(i)) / (2 * h);
  }
  // Velocity along v and along each axis by central differences; grad log p likewise.
  std::vector<std::vector<double>> jv_fd(n, std::vector<double>(d)), grad(n, std::vector<double>(d));
  std::vector<double> div_fd(n, 0.0);
  for (int axis = -1; axis < d; ++axis) {
    auto xp = xx, xm = xx;
    for (int i = 0; i < n; ++i)
      for (int k = 0; k < d; ++k) {
        const double e = axis < 0 ? hv(i, k) : (k == axis ? 1.0 : 0.0);
        xp[i][k] += h * e;
        xm[i][k] -= h * e;
      }
    auto [up, lpp] = eval(tt, xp, Rows("up", n, d), Kokkos::View<double*>("a", n));
    auto [um, lpm] = eval(tt, xm, Rows("um", n, d), Kokkos::View<double*>("b", n));
    for (int i = 0; i < n; ++i) {
      if (axis < 0) {
        for (int k = 0; k < d; ++k) jv_fd[i][k] = (up(i, k) - um(i, k)) / (2 * h);
      } else {
        div_fd[i] += (up(i, axis) - um(i, axis)) / (2 * h);
        grad[i][axis] = (lpp(i) - lpm(i)) / (2 * h);
      }
    }
  }
  for (int i = 0; i < n; ++i) {
    double transport = 0;
    for (int k = 0; k < d; ++k) {
      EXPECT_NEAR(hjv(i, k), jv_fd[i][k], 1e-6 * (1 + std::abs(hjv(i, k))));
      transport += hdx(i, k) * grad[i][k];
    }
    EXPECT_NEAR(hdiv(i), div_fd[i], 1e-6 * (1 + std::abs(hdiv(i))));
    // Continuity equation: the field transports the path's marginal density.
    EXPECT_NEAR(dlogp_dt[i] + hdiv(i) + transport, 0.0, 1e-5 * (1 + std::abs(dlogp_dt[i]))) << "t = " << tt[i];
  }
}

TEST(GaussianField, ContinuityJvpAndDivergence) {
  check_field(GaussianField<double>({1.0, -1.0}, {0.3, 2.0}), 2);
  check_field(GaussianField<double, Exec, CosineScheduler<double>>({0.5, 0.0, 2.0}, {1.5, 0.2, 1.0}), 3);
}

TEST(GaussianMixtureField, ContinuityJvpAndDivergence) {
  check_field(GaussianMixtureField<double>({0.2, 0.5, 0.3}, {-3, 0, 3, 1, 0, -2}, {0.4, 0.4, 1, 0.5, 0.7, 0.3}, 2), 2);
  check_field(GaussianMixtureField<double, Exec, CosineScheduler<double>>({1, 1}, {-1, 0, 1, 1, 1, -1},
                                                                          {0.5, 0.5, 0.5, 0.2, 0.3, 0.4}, 3),
              3);
}

// Device lambdas live in free functions (nvcc forbids them in gtest's private TestBody).
void fill_grid(Kokkos::View<double*> t, Rows x) {
  Kokkos::parallel_for(t.extent(0), KOKKOS_LAMBDA(int i) {
    t(i) = 0.1 * i;
    x(i, 0) = 0.3 * i - 1;
    x(i, 1) = 1 - 0.2 * i;
  });
}

TEST(GaussianMixtureField, OneComponentIsTheGaussianField) {
  const GaussianMixtureField<double> m({2.0}, {1.0, -1.0}, {0.3, 2.0}, 2);
  const GaussianField<double> g({1.0, -1.0}, {0.3, 2.0});
  const int n = 10;
  Kokkos::View<double*> t("t", n), dm("dm", n), dg("dg", n);
  Rows x("x", n, 2), um("um", n, 2), ug("ug", n, 2);
  fill_grid(t, x);
  m.divergence(Exec(), t, x, um, dm);
  g.divergence(Exec(), t, x, ug, dg);
  const auto a = host(um), b = host(ug);
  const auto c = host(dm), e = host(dg);
  for (int i = 0; i < n; ++i) {
    for (int k = 0; k < 2; ++k) EXPECT_NEAR(a(i, k), b(i, k), 1e-12);
    EXPECT_NEAR(c(i), e(i), 1e-12);
  }
  static_assert(BatchedFieldWithDivergence<GaussianMixtureField<float>>);
  static_assert(BatchedFieldWithJvp<GaussianField<float>>);
}

}  // namespace
