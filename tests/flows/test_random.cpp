// Counter-based random numbers: Random123 known answers, ranges, moments, independence from scheduling.
#include <odeflow/flows/random.hpp>

#include <Kokkos_Core.hpp>
#include <gtest/gtest.h>

#include <cmath>

namespace {

TEST(Random, Philox4x32KnownAnswers) {
  // Random123 kat_vectors, "philox4x32 10".
  struct Kat {
    Kokkos::Array<std::uint32_t, 4> ctr;
    Kokkos::Array<std::uint32_t, 2> key;
    Kokkos::Array<std::uint32_t, 4> want;
  };
  const Kat kats[] = {
      {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}},
      {{0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}, {0xffffffffu, 0xffffffffu},
       {0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}},
      {{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}, {0xa4093822u, 0x299f31d0u},
       {0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}}};
  for (const auto& k : kats) {
    const auto got = odeflow::philox4x32_10(k.ctr, k.key);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(got[i], k.want[i]);
  }
}

TEST(Random, UniformsInRangeAndNormalsHaveUnitMoments) {
  const odeflow::CounterRng rng{42, 7};
  const int n = 200000;
  double s1 = 0, s2 = 0, s4 = 0, umin = 1, umax = 0;
  for (int i = 0; i < n; ++i) {
    const float uf = rng.uniform<float>(i, 3);
    const double ud = rng.uniform<double>(i, 3);
    ASSERT_GE(uf, 0.0f);
    ASSERT_LT(uf, 1.0f);
    ASSERT_GE(ud, 0.0);
    ASSERT_LT(ud, 1.0);
    umin = std::min(umin, ud);
    umax = std::max(umax, ud);
    const auto z = rng.normal2<double>(i, 0);
    for (double v : {z[0], z[1]}) {
      ASSERT_TRUE(std::isfinite(v));
      s1 += v;
      s2 += v * v;
      s4 += v * v * v * v;
    }
  }
  const double m = 2.0 * n;
  EXPECT_LT(umin, 1e-4);
  EXPECT_GT(umax, 1 - 1e-4);
  // Standard errors: mean 1/sqrt(m) = 0.0016, variance sqrt(2/m) = 0.0022, 4th moment sqrt(96/m) = 0.015.
  EXPECT_NEAR(s1 / m, 0.0, 0.008);
  EXPECT_NEAR(s2 / m, 1.0, 0.011);
  EXPECT_NEAR(s4 / m, 3.0, 0.08);
}

TEST(Random, DrawsDoNotDependOnSchedulingOrStream) {
  const odeflow::CounterRng rng{123456789, 2};
  const int n = 10000;
  Kokkos::View<double*, Kokkos::HostSpace> par("par", n);
  Kokkos::parallel_for(Kokkos::RangePolicy<Kokkos::DefaultHostExecutionSpace>(0, n),
                       [=](int i) { par(i) = rng.normal<double>(static_cast<std::uint64_t>(n - 1 - i), 5, 1); });
  Kokkos::fence();
  for (int i = 0; i < n; ++i) EXPECT_EQ(par(n - 1 - i), rng.normal<double>(static_cast<std::uint64_t>(i), 5, 1));
  // Streams and seeds give different numbers.
  EXPECT_NE(rng.uniform<double>(0, 0), rng.with_stream(3).uniform<double>(0, 0));
  EXPECT_NE(rng.uniform<double>(0, 0), (odeflow::CounterRng{123456788, 2}.uniform<double>(0, 0)));
}

}  // namespace
