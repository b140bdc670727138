// The Dataset concept: seeded, counter-based samplers of data points x1, and the batched host driver.
#pragma once

#include <odeflow/flows/random.hpp>

#include <Kokkos_Core.hpp>

#include <concepts>
#include <cstdint>

namespace odeflow {

/// A dataset draws sample `index` as a pure function of (rng, index): the same point
/// whatever batch, thread or backend draws it.
///
/// | expression                      | meaning                                                    |
/// |---------------------------------|------------------------------------------------------------|
/// | `D::value_type` (optional)      | not required: samplers are templates on the scalar         |
/// | `ds.dim()`                      | d, the dimension of a point                                |
/// | `ds.sample(rng, index, out)`    | writes the d components of point `index` to out[0 .. d)    |
///
/// `sample` is a `KOKKOS_FUNCTION` template on the scalar (`T* out`); datasets are
/// trivially copyable (parameters in Views) and go into kernels by value.
template <class D, class T>
concept Dataset = requires(const D& ds, const CounterRng& rng, std::uint64_t i, T* out) {
  { ds.dim() } -> std::convertible_to<int>;
  ds.sample(rng, i, out);
};

/// out(i, :) = point first + i of dataset `ds` under `rng`, for i < out.extent(0);
/// out (n, d), LayoutRight. Asynchronous on `space`.
template <class ExecSpace, class D, class V>
void sample_dataset(const ExecSpace& space, const D& ds, const CounterRng& rng, std::uint64_t first,
                    const V& out) {
  using T = typename V::non_const_value_type;
  static_assert(Dataset<D, T>);
  static_assert(std::is_same_v<typename V::array_layout, Kokkos::LayoutRight>, "rows must be contiguous");
  Kokkos::parallel_for(
      "odeflow::sample_dataset", Kokkos::RangePolicy<ExecSpace>(space, 0, out.extent(0)),
      KOKKOS_LAMBDA(std::size_t i) { ds.sample(rng, first + i, &out(i, 0)); });
}

}  // namespace odeflow
