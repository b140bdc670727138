// Shared GoogleTest main: initialises Kokkos once per executable and logs the backend and thread count.
#include <Kokkos_Core.hpp>
#include <gtest/gtest.h>

#include <cstdio>

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  Kokkos::ScopeGuard guard(argc, argv);
  std::printf("[odeflow] Kokkos %d.%d.%d, default execution space %s, concurrency %d\n",
              KOKKOS_VERSION / 10000, KOKKOS_VERSION / 100 % 100, KOKKOS_VERSION % 100,
              Kokkos::DefaultExecutionSpace::name(),
              Kokkos::DefaultExecutionSpace().concurrency());
  return RUN_ALL_TESTS();
}
