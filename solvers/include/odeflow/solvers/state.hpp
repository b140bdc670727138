// State vectors and solver workspaces: compile-time dimension in registers, or run-time dimension in caller memory.
#pragma once

#include <odeflow/solvers/tableau.hpp>

#include <Kokkos_Array.hpp>
#include <Kokkos_Macros.hpp>

#include <cstddef>

namespace odeflow {

/// A state vector in caller-owned memory: component k lives at `data[k * stride]`.
/// `stride` lets an ensemble interleave trajectories (component-major layouts
/// coalesce on GPUs). A handle: copying it does not copy the data.
template <class T>
struct StridedVector {
  /// Scalar type.
  using value_type = T;
  /// First component.
  T* data = nullptr;
  /// Number of components.
  int size = 0;
  /// Distance between consecutive components, in scalars.
  std::ptrdiff_t stride = 1;

  /// Component k, k < size.
  KOKKOS_FUNCTION T& operator[](int k) const { return data[k * stride]; }
};

/// Workspace whose vectors have a compile-time dimension N and live in
/// registers (or the stack): `Kokkos::Array<T, N>` each. NV vectors.
template <class T, int N, int NV>
struct StaticWorkspace {
  /// Scalar type.
  using value_type = T;
  /// One vector: Kokkos::Array<T, N>.
  using vector_type = Kokkos::Array<T, N>;
  /// The NV vectors.
  Kokkos::Array<vector_type, NV> v;

  /// Dimension N.
  KOKKOS_FUNCTION static constexpr int dim() { return N; }
  /// Vector i, i < NV.
  KOKKOS_FUNCTION constexpr vector_type& vec(int i) { return v[i]; }
  /// Vector i, i < NV.
  KOKKOS_FUNCTION constexpr const vector_type& vec(int i) const { return v[i]; }
};

/// Workspace over caller-provided memory with a run-time dimension: vector i,
/// component k at `data[(i * dim + k) * stride]`.
template <class T>
struct SpanWorkspace {
  /// Scalar type.
  using value_type = T;
  /// One vector: a StridedVector into the memory.
  using vector_type = StridedVector<T>;
  /// Caller memory: workspace_size<Tab>(n) * stride scalars at least.
  T* data = nullptr;
  /// Dimension n.
  int n = 0;
  /// Distance between consecutive scalars (1: contiguous).
  std::ptrdiff_t stride = 1;

  /// Dimension n.
  KOKKOS_FUNCTION constexpr int dim() const { return n; }
  /// Vector i as a view of the memory.
  KOKKOS_FUNCTION vector_type vec(int i) const {
    return vector_type{data + static_cast<std::ptrdiff_t>(i) * n * stride, n, stride};
  }
};

/// Vectors a solve with tableau Tab needs in its workspace: its stages, the new
/// state and one temporary.
template <class Tab>
inline constexpr int workspace_vectors_v = num_stored_stages_v<Tab> + 2;

/// Scalars of workspace a run-time-dimension solve with tableau Tab needs for dimension n.
template <class Tab>
KOKKOS_INLINE_FUNCTION constexpr std::size_t workspace_size(int n) {  // used in kernels
  return static_cast<std::size_t>(workspace_vectors_v<Tab>) * static_cast<std::size_t>(n);
}

/// Whether WS is a StaticWorkspace (compile-time dimension).
template <class WS>
inline constexpr bool is_static_workspace_v = false;
/// A StaticWorkspace: true.
template <class T, int N, int NV>
inline constexpr bool is_static_workspace_v<StaticWorkspace<T, N, NV>> = true;

/// The register workspace for tableau Tab and compile-time dimension N.
template <class Tab, int N, class T = typename Tab::value_type>
using StaticWorkspaceFor = StaticWorkspace<T, N, workspace_vectors_v<Tab>>;

}  // namespace odeflow
