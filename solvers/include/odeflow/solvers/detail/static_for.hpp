// Compile-time loop used to unroll stage loops so that zero tableau coefficients vanish.
#pragma once

#include <Kokkos_Macros.hpp>

#include <type_traits>
#include <utility>

namespace odeflow::detail {

/// Calls fn(std::integral_constant<int, I>{}) for I = 0 .. N-1, unrolled.
template <int N, class Fn>
KOKKOS_FORCEINLINE_FUNCTION constexpr void static_for(Fn&& fn) {
  [&]<int... I>(std::integer_sequence<int, I...>) {
    (fn(std::integral_constant<int, I>{}), ...);
  }(std::make_integer_sequence<int, N>{});
}

}  // namespace odeflow::detail
