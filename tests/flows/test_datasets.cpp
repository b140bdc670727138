// Datasets: seeded and batch-independent draws, and the moments each generator promises.
#include <odeflow/flows/datasets/checkerboard.hpp>
#include <odeflow/flows/datasets/concentric_circles.hpp>
#include <odeflow/flows/datasets/eight_gaussians.hpp>
#include <odeflow/flows/datasets/gaussian_mixture_dataset.hpp>
#include <odeflow/flows/datasets/registry.hpp>
#include <odeflow/flows/datasets/two_moons.hpp>
#include <odeflow/flows/datasets/two_spirals.hpp>

#include <Kokkos_Core.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace {

using namespace odeflow;
using Exec = Kokkos::DefaultExecutionSpace;
using Rows = Kokkos::View<double**, Kokkos::LayoutRight>;

template <class D>
auto draw(const D& ds, std::uint64_t seed, std::uint64_t first, int n) {
  Rows out("out", n, ds.dim());
  sample_dataset(Exec(), ds, CounterRng{seed, 1}, first, out);
  return Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), out);
}

template <class D>
void expect_batch_independent(const D& ds) {
  const auto a = draw(ds, 3, 0, 200);
  const auto b = draw(ds, 3, 50, 100);
  const auto c = draw(ds, 4, 0, 10);
  for (int i = 0; i < 100; ++i)
    for (int k = 0; k < ds.dim(); ++k) {
      ASSERT_TRUE(std::isfinite(a(i, k)));
      EXPECT_EQ(a(50 + i, k), b(i, k));
    }
  EXPECT_NE(a(0, 0), c(0, 0));
}

TEST(Datasets, DrawsDependOnlyOnSeedAndIndex) {
  expect_batch_independent(Checkerboard{});
  expect_batch_independent(EightGaussians{});
  expect_batch_independent(TwoMoons{});
  expect_batch_independent(ConcentricCircles{});
  expect_batch_independent(TwoSpirals{});
  expect_batch_independent(GaussianMixtureDataset<double>({1.0, 3.0}, {0, 0, 0, 5, 5, 5}, {1, 1, 1, 2, 2, 2}, 3));
}

TEST(Datasets, CheckerboardOccupiesTheEvenSquaresUniformly) {
  const int n = 100000;
  const auto x = draw(Checkerboard{}, 11, 0, n);
  double m[2] = {0, 0}, v[2] = {0, 0};
  int counts[4][4] = {};
  for (int i = 0; i < n; ++i) {
    const double a = x(i, 0) * 0.45, b = x(i, 1) * 0.45;
    ASSERT_GE(a, -2.0 - 1e-12);
    ASSERT_LT(a, 2.0 + 1e-12);
    ASSERT_GE(b, -2.0 - 1e-12);
    if (std::abs(a - std::round(a)) < 1e-9 || std::abs(b - std::round(b)) < 1e-9) continue;
    ASSERT_LT(b, 2.0 + 1e-12);
    // Clamped: x / 0.45 * 0.45 may round past the board's edge.
    const int fa = std::clamp(static_cast<int>(std::floor(a)), -2, 1), fb = std::clamp(static_cast<int>(std::floor(b)), -2, 1);
    EXPECT_EQ(((fa + fb) % 2 + 2) % 2, 0) << a << " " << b;
    ++counts[fa + 2][fb + 2];
    for (int k = 0; k < 2; ++k) {
      m[k] += x(i, k);
      v[k] += x(i, k) * x(i, k);
    }
  }
  // Each of the 8 squares holds 1/8: binomial sd sqrt(n p (1-p)) = 105 counts.
  for (auto& row : counts) {
    for (int c : row) {
      if (c) {
        EXPECT_NEAR(c, n / 8.0, 600);
      }
    }
  }
  const double var = (16.0 / 12.0) / (0.45 * 0.45);  // U[-2, 2) / 0.45
  for (int k = 0; k < 2; ++k) {
    EXPECT_NEAR(m[k] / n, 0.0, 0.05);
    EXPECT_NEAR(v[k] / n, var, 0.1);
  }
}

TEST(Datasets, GaussianMixtureAndToyMoments) {
  const int n = 100000;
  const GaussianMixtureDataset<double> gm({1.0, 3.0}, {-4, 0, 4, 0}, {0.5, 0.5, 1.0, 2.0}, 2);
  const auto x = draw(gm, 2, 0, n);
  double mx = 0, my2 = 0;
  for (int i = 0; i < n; ++i) {
    mx += x(i, 0);
    my2 += x(i, 1) * x(i, 1);
  }
  EXPECT_NEAR(mx / n, 0.25 * -4 + 0.75 * 4, 0.05);             // mean of x: 2
  EXPECT_NEAR(my2 / n, 0.25 * 0.25 + 0.75 * 4.0, 0.05);       // second moment of y
  const auto e = draw(EightGaussians{}, 2, 0, n);
  double r = 0;
  for (int i = 0; i < n; ++i) r += std::hypot(e(i, 0), e(i, 1));
  EXPECT_NEAR(r / n, 4.0 / 1.414, 0.05);
  const auto c = draw(ConcentricCircles{}, 2, 0, n);
  double rc = 0;
  for (int i = 0; i < n; ++i) rc += std::hypot(c(i, 0), c(i, 1));
  EXPECT_NEAR(rc / n, 3 * 0.75, 0.05);
}

// The registry hands out the dataset its name promises: the same draws as the type itself,
// the gmm's components where axis_gaussian_mixture puts them, and clear errors otherwise.
TEST(Datasets, RegistryByName) {
  const auto direct = draw(Checkerboard{}, 2, 5, 64);
  visit_dataset<double>("checkerboard", 0, 0, [&](const auto& ds) {
    const auto byname = draw(ds, 2, 5, 64);
    for (int i = 0; i < 64; ++i)
      for (int k = 0; k < 2; ++k) EXPECT_EQ(byname(i, k), direct(i, k));
  });
  for (const char* name : {"8gaussians", "moons", "circles", "spirals"})
    visit_dataset<double>(name, 2, 0, [&](const auto& ds) { EXPECT_EQ(ds.dim(), 2) << name; });
  // gmm in 3-D with 6 components: one at +-4 on each axis, so E|x_k| = 4 / 3 + small and E x = 0.
  const int n = 60000;
  visit_dataset<double>("gmm", 3, 6, [&](const auto& ds) {
    ASSERT_EQ(ds.dim(), 3);
    const auto x = draw(ds, 3, 1, n);
    for (int k = 0; k < 3; ++k) {
      double m = 0, a = 0;
      for (int i = 0; i < n; ++i) {
        m += x(i, k);
        a += std::abs(x(i, k)) > 2 ? 1 : 0;
      }
      EXPECT_NEAR(m / n, 0.0, 0.06);
      EXPECT_NEAR(a / n, 1.0 / 3.0, 0.01);  // a third of the points sit on axis k's two components
    }
  });
  auto message = [](auto&& f) {
    try {
      f();
    } catch (const InvalidArgument& e) {
      return std::string(e.what());
    }
    return std::string("no exception");
  };
  const auto noop = [](const auto&) {};
  EXPECT_NE(message([&] { visit_dataset<double>("nosuch", 2, 0, noop); }).find("'nosuch' is not a known dataset"),
            std::string::npos);
  EXPECT_NE(message([&] { visit_dataset<double>("moons", 3, 0, noop); }).find("2-dimensional, but dim = 3"),
            std::string::npos);
  EXPECT_NE(message([&] { visit_dataset<double>("gmm", 0, 4, noop); }).find("dim = 0"), std::string::npos);
  EXPECT_NE(message([&] { visit_dataset<double>("gmm", 2, 0, noop); }).find("components = 0"), std::string::npos);
}

}  // namespace
