// Row i of a rank-2 Kokkos view, indexed with [k]: the state type of point-wise field evaluations.
#pragma once

#include <Kokkos_Macros.hpp>

namespace odeflow::detail {

template <class V>
struct ViewRow {
  V v;
  int i;
  KOKKOS_FUNCTION decltype(auto) operator[](int k) const { return v(i, k); }
};

template <class V>
KOKKOS_FUNCTION ViewRow<V> view_row(const V& v, int i) {
  return ViewRow<V>{v, i};
}

}  // namespace odeflow::detail
