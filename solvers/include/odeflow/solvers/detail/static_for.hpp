// Compile-time loop used to unroll stage loops so that zero tableau coefficients vanish.
#pragma once

#include <Kokkos_Macros.hpp>

#include <type_traits>
#include <utility>

// Host compilers inline the unrolled stage bodies on request; device compilers inline them anyway.
#if (defined(__GNUC__) || defined(__clang__)) && !defined(__CUDACC__) && !defined(__HIPCC__)
#define ODEFLOW_INLINE_LAMBDA __attribute__((always_inline))
#else
#define ODEFLOW_INLINE_LAMBDA
#endif

namespace odeflow::detail {

/// Calls fn(std::integral_constant<int, I>{}) for I = 0 .. N-1, unrolled.
template <int N, class Fn>
KOKKOS_FORCEINLINE_FUNCTION constexpr void static_for(Fn&& fn) {
  [&]<int... I>(std::integer_sequence<int, I...>) ODEFLOW_INLINE_LAMBDA {
    (fn(std::integral_constant<int, I>{}), ...);
  }(std::make_integer_sequence<int, N>{});
}

/// static_for for host code whose body is host-only (e.g. launches a kernel per
/// stage). nvcc checks every instantiation of a __host__ __device__ template, so
/// static_for (callable in kernels) must not be handed a host-only body.
template <int N, class Fn>
constexpr void static_for_host(Fn&& fn) {
  [&]<int... I>(std::integer_sequence<int, I...>) {
    (fn(std::integral_constant<int, I>{}), ...);
  }(std::make_integer_sequence<int, N>{});
}

}  // namespace odeflow::detail
