// Time-conditioned multilayer perceptron: architecture and parameters in PyTorch nn.Sequential layout.
#pragma once

#include <odeflow/flows/activation.hpp>
#include <odeflow/flows/mlp_architecture.hpp>
#include <odeflow/flows/random.hpp>
#include <odeflow/flows/time_embedding.hpp>
#include <odeflow/solvers/validation.hpp>

#include <Kokkos_Core.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace odeflow {

/// Parameters of an MLP of architecture `arch`, in one flat array in PyTorch's
/// state_dict order: W_0 (row-major (n_1, n_0)), b_0, W_1, b_1, ... A handle: copies share
/// the parameters (Kokkos View semantics); `clone()` copies them.
template <class T, class MemorySpace = Kokkos::DefaultExecutionSpace::memory_space>
class Mlp {
 public:
  /// Scalar type.
  using value_type = T;
  /// Where the parameters live.
  using memory_space = MemorySpace;
  /// Unmanaged view of one weight matrix, shape (n_{l+1}, n_l).
  using weight_view = Kokkos::View<T**, Kokkos::LayoutRight, MemorySpace, Kokkos::MemoryTraits<Kokkos::Unmanaged>>;
  /// Unmanaged view of one bias vector, shape (n_{l+1}).
  using bias_view = Kokkos::View<T*, Kokkos::LayoutRight, MemorySpace, Kokkos::MemoryTraits<Kokkos::Unmanaged>>;

  Mlp() = default;
  /// Zero parameters for `arch` (validated; throws InvalidArgument).
  explicit Mlp(MlpArchitecture arch) : m_arch(std::move(arch)) {
    m_arch.validate();
    m_params = Kokkos::View<T*, MemorySpace>("odeflow::Mlp::parameters", m_arch.num_parameters());
    std::size_t off = 0;
    for (int l = 0; l < m_arch.num_layers(); ++l) {
      m_weight_off.push_back(off);
      off += static_cast<std::size_t>(m_arch.dims[l + 1]) * static_cast<std::size_t>(m_arch.dims[l]);
      m_bias_off.push_back(off);
      off += static_cast<std::size_t>(m_arch.dims[l + 1]);
    }
  }

  /// The architecture.
  const MlpArchitecture& architecture() const { return m_arch; }
  /// State dimension d.
  int dim() const { return m_arch.state_dim(); }
  /// Number of linear layers L.
  int num_layers() const { return m_arch.num_layers(); }
  /// Width n_l of layer l's input (l <= L).
  int width(int l) const { return m_arch.dims[l]; }
  /// Largest of n_0 .. n_L.
  int max_width() const {
    int w = 0;
    for (int v : m_arch.dims) w = v > w ? v : w;
    return w;
  }
  /// All parameters, shape (num_parameters()).
  Kokkos::View<T*, MemorySpace> parameters() const { return m_params; }
  /// Number of scalars in parameters().
  std::size_t num_parameters() const { return m_params.extent(0); }
  /// Offset of W_l, b_l inside parameters().
  std::size_t weight_offset(int l) const { return m_weight_off[l]; }
  /// Offset of b_l inside parameters().
  std::size_t bias_offset(int l) const { return m_bias_off[l]; }
  /// W_l, shape (n_{l+1}, n_l), a view into parameters().
  weight_view weight(int l) const {
    return weight_view(m_params.data() + m_weight_off[l], m_arch.dims[l + 1], m_arch.dims[l]);
  }
  /// b_l, shape (n_{l+1}), a view into parameters().
  bias_view bias(int l) const { return bias_view(m_params.data() + m_bias_off[l], m_arch.dims[l + 1]); }

  /// A deep copy (own parameters).
  Mlp clone() const {
    Mlp c(m_arch);
    Kokkos::deep_copy(c.m_params, m_params);
    return c;
  }

  /// PyTorch's default nn.Linear initialisation, seeded: W_l and b_l uniform in
  /// [-1/sqrt(n_l), 1/sqrt(n_l)), parameter p drawn from CounterRng{seed, 0} block p.
  /// Same result on every backend and thread count.
  template <class ExecSpace = Kokkos::DefaultExecutionSpace>
  void initialize(std::uint64_t seed, const ExecSpace& space = ExecSpace()) {
    auto p = m_params;
    for (int l = 0; l < num_layers(); ++l) {
      const T bound = T(1) / static_cast<T>(Kokkos::sqrt(static_cast<double>(m_arch.dims[l])));
      const std::size_t begin = m_weight_off[l];
      const std::size_t end = m_bias_off[l] + static_cast<std::size_t>(m_arch.dims[l + 1]);
      const CounterRng rng{seed, 0};
      Kokkos::parallel_for(
          "odeflow::Mlp::initialize", Kokkos::RangePolicy<ExecSpace>(space, begin, end),
          KOKKOS_LAMBDA(std::size_t i) { p(i) = bound * (T(2) * rng.uniform<T>(i, 0) - T(1)); });
    }
    space.fence();
  }

 private:
  MlpArchitecture m_arch;
  Kokkos::View<T*, MemorySpace> m_params;
  std::vector<std::size_t> m_weight_off, m_bias_off;
};

}  // namespace odeflow
