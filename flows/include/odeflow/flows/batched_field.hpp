// The BatchedField concepts: a vector field u_t(x) evaluated on a batch of points, each at its own time.
#pragma once

#include <Kokkos_Core.hpp>

#include <concepts>

namespace odeflow {

/// Times of a batch, one per row: shape (n).
template <class T, class MemorySpace>
using BatchTimes = Kokkos::View<const T*, MemorySpace>;
/// Points of a batch, row i is sample i: shape (n, d), rows contiguous.
template <class T, class MemorySpace>
using BatchPoints = Kokkos::View<const T**, Kokkos::LayoutRight, MemorySpace>;
/// Output rows of a batch: shape (n, d).
template <class T, class MemorySpace>
using BatchValues = Kokkos::View<T**, Kokkos::LayoutRight, MemorySpace>;
/// One output scalar per row: shape (n).
template <class T, class MemorySpace>
using BatchScalars = Kokkos::View<T*, MemorySpace>;

/// The memory space a batched field's views live in: its execution space's.
template <class F>
using field_memory_space_t = typename F::execution_space::memory_space;

/// A vector field u: [0, 1] x R^d -> R^d evaluated on batches (the right-hand side of
/// the lockstep ensemble, design.md execution model 3).
///
/// Notation: `F` a field type, `f` a `const F`, `space` an `F::execution_space`, T =
/// `F::value_type`, M = `field_memory_space_t<F>`; `t` a `BatchTimes<T, M>` (n),
/// `x`, `v` `BatchPoints<T, M>` (n, d), `dx`, `jv` `BatchValues<T, M>` (n, d),
/// `div` a `BatchScalars<T, M>` (n).
///
/// | expression                          | concept                    | semantics                                         |
/// |-------------------------------------|----------------------------|---------------------------------------------------|
/// | `F::value_type`                     | BatchedField               | scalar T (float or double)                        |
/// | `F::execution_space`                | BatchedField               | where evaluations run                             |
/// | `f.dim()`                           | BatchedField               | d, the state dimension                            |
/// | `f(space, t, x, dx)`                | BatchedField               | dx(i, :) = u_{t(i)}(x(i, :)) for i < n            |
/// | `f.jvp(space, t, x, v, dx, jv)`     | BatchedFieldWithJvp        | dx as above; jv(i, :) = J u_{t(i)}(x(i, :)) v(i, :), exact |
/// | `f.divergence(space, t, x, dx, div)`| BatchedFieldWithDivergence | dx as above; div(i) = trace J u_{t(i)}(x(i, :)), exact |
///
/// Semantics common to all three:
/// - n = x.extent(0) may be smaller than the allocation the views come from (active-set
///   compaction passes row subviews); a field never assumes more rows than the extents say.
/// - Row i of every output depends only on row i of the inputs (and t(i)): never on n, on
///   the other rows or on the thread count. The fields of odeflow guarantee it bitwise.
/// - Calls are enqueued on `space` and may return before they complete (fence `space`
///   before reading results on the host); a field is not re-entrant: one call at a time per
///   object (fields keep internal workspace).
/// - Exact divergence costs about (d + 1) forward evaluations (d forward-mode products
///   stacked into one batched evaluation); when d is large, use a Hutchinson estimator on
///   `jvp` instead.
template <class F>
concept BatchedField =
    requires(const F& f, const typename F::execution_space& space,
             BatchTimes<typename F::value_type, field_memory_space_t<F>> t,
             BatchPoints<typename F::value_type, field_memory_space_t<F>> x,
             BatchValues<typename F::value_type, field_memory_space_t<F>> dx) {
      typename F::value_type;
      typename F::execution_space;
      { f.dim() } -> std::convertible_to<int>;
      f(space, t, x, dx);
    };

/// A BatchedField with exact Jacobian-vector products.
template <class F>
concept BatchedFieldWithJvp =
    BatchedField<F> &&
    requires(const F& f, const typename F::execution_space& space,
             BatchTimes<typename F::value_type, field_memory_space_t<F>> t,
             BatchPoints<typename F::value_type, field_memory_space_t<F>> x,
             BatchValues<typename F::value_type, field_memory_space_t<F>> dx) {
      f.jvp(space, t, x, x, dx, dx);
    };

/// A BatchedField with exact divergence.
template <class F>
concept BatchedFieldWithDivergence =
    BatchedField<F> &&
    requires(const F& f, const typename F::execution_space& space,
             BatchTimes<typename F::value_type, field_memory_space_t<F>> t,
             BatchPoints<typename F::value_type, field_memory_space_t<F>> x,
             BatchValues<typename F::value_type, field_memory_space_t<F>> dx,
             BatchScalars<typename F::value_type, field_memory_space_t<F>> div) {
      f.divergence(space, t, x, dx, div);
    };

}  // namespace odeflow
