// Backward pass of the MLP: forward with stored activations, then parameter gradients (reverse mode).
#pragma once

#include <odeflow/flows/detail/gemm.hpp>
#include <odeflow/flows/detail/mlp_kernels.hpp>
#include <odeflow/flows/mlp.hpp>

#include <Kokkos_Core.hpp>

#include <cstddef>
#include <type_traits>
#include <utility>
#include <vector>

namespace odeflow {

/// Reverse-mode gradient of a scalar loss through an MLP (the training pass).
///
/// forward() keeps h_0 (inputs), z_l = h_l W_l^T + b_l and h_{l+1} = act(z_l); given
/// g = dLoss/d output (n, d), backward() runs, for l = L-1 .. 0 with g_{L-1} = g:
///
///   dLoss/dW_l = g_l^T h_l,  dLoss/db_l = sum over rows of g_l,
///   g_{l-1} = (g_l W_l) * act'(z_{l-1}),
///
/// writing the gradient in the layout of Mlp::parameters(). Products through `Gemm`
/// (Eigen's own threads for the two backward products on host). Workspace grows on
/// demand; one call at a time per object.
template <class T, class ExecSpace = Kokkos::DefaultExecutionSpace, class Gemm = default_gemm_t<ExecSpace>>
class MlpGradient {
 public:
  /// Scalar type.
  using value_type = T;
  /// Execution space of the evaluations.
  using execution_space = ExecSpace;
  /// Memory space of its views.
  using memory_space = typename ExecSpace::memory_space;
  /// The network type.
  using mlp_type = Mlp<T, memory_space>;

  MlpGradient() = default;
  /// Gradients of `mlp` (shares its parameters).
  explicit MlpGradient(mlp_type mlp) : m_mlp(std::move(mlp)) {}
  /// The network.
  const mlp_type& mlp() const { return m_mlp; }

  /// out(i, :) = u_theta(t(i), x(i, :)), storing what backward() needs. t (n), x and out (n, d).
  template <class VT, class VX, class VOUT>
  void forward(const ExecSpace& space, const VT& t, const VX& x, const VOUT& out) {
    const int n = static_cast<int>(x.extent(0));
    m_n = n;
    allocate(static_cast<std::size_t>(n));
    const int L = m_mlp.num_layers(), d = m_mlp.dim();
    const int n0 = m_mlp.width(0);
    Kokkos::parallel_for("odeflow::MlpGradient::input", Kokkos::RangePolicy<ExecSpace>(space, 0, n),
                         detail::FillInput<T, VT, VX, VX>{m_h[0].data(), n0, n0, d, 1, t, x, x, detail::TangentSeed::none,
                                                          detail::TimeFeatures<T>(m_mlp.architecture().time)});
    for (int l = 0; l < L; ++l) {
      const int win = m_mlp.width(l), wout = m_mlp.width(l + 1);
      if constexpr (std::is_same_v<Gemm, EigenGemm>) {
        if (l + 1 < L) {
          detail::gemm_nt_bias_activate_keep(Gemm{}, space, n, wout, win, m_h[l].data(), m_mlp.weight(l).data(),
                                             m_z[l].data(), m_h[l + 1].data(), m_mlp.bias(l).data(),
                                             m_mlp.architecture().activation);
          continue;
        }
      }
      detail::gemm_nt(Gemm{}, space, n, wout, win, m_h[l].data(), win, m_mlp.weight(l).data(), win,
                      m_z[l].data(), wout);
      if (l + 1 < L)
        detail::bias_activate_keep(space, m_mlp.architecture().activation, m_z[l].data(), m_h[l + 1].data(),
                                   m_mlp.bias(l).data(), n, wout);
    }
    const T* z = m_z[L - 1].data();
    const T* b = m_mlp.bias(L - 1).data();
    Kokkos::parallel_for(
        "odeflow::MlpGradient::output", Kokkos::MDRangePolicy<ExecSpace, Kokkos::Rank<2>>(space, {0, 0}, {n, d}),
        KOKKOS_LAMBDA(int i, int k) { out(i, k) = z[static_cast<std::ptrdiff_t>(i) * d + k] + b[k]; });
  }

  /// grad = dLoss/dtheta (layout of Mlp::parameters(), overwritten) for the last forward()
  /// batch, given gout(i, :) = dLoss/d out(i, :) (n, d).
  template <class VG, class VGRAD>
  void backward(const ExecSpace& space, const VG& gout, const VGRAD& grad) {
    const int n = m_n, L = m_mlp.num_layers(), d = m_mlp.dim();
    T* g = m_g[0].data();
    T* g2 = m_g[1].data();
    Kokkos::parallel_for(
        "odeflow::MlpGradient::seed", Kokkos::MDRangePolicy<ExecSpace, Kokkos::Rank<2>>(space, {0, 0}, {n, d}),
        KOKKOS_LAMBDA(int i, int k) { g[static_cast<std::ptrdiff_t>(i) * d + k] = gout(i, k); });
    T* gp = grad.data();
    for (int l = L - 1; l >= 0; --l) {
      const int win = m_mlp.width(l), wout = m_mlp.width(l + 1);
      detail::gemm_tn(Gemm{}, space, wout, win, n, g, wout, m_h[l].data(), win, gp + m_mlp.weight_offset(l), win);
      bias_gradient(space, n, wout, g, gp + m_mlp.bias_offset(l));
      if (l > 0) {
        detail::gemm_nn(Gemm{}, space, n, win, wout, g, wout, m_mlp.weight(l).data(), win, g2, win);
        if constexpr (std::is_same_v<Gemm, EigenGemm>) {
          detail::activation_backward_rows(Gemm{}, space, n, win, g2, m_z[l - 1].data(), m_mlp.architecture().activation);
        } else {
          detail::activation_backward(space, m_mlp.architecture().activation, g2, m_z[l - 1].data(), n, win);
        }
        std::swap(g, g2);
      }
    }
  }

  /// gb(j) = sum_i g(i, j) (public for device lambdas; not part of the API).
  void bias_gradient(const ExecSpace& space, int n, int w, const T* g, T* gb) const {
    if constexpr (std::is_same_v<Gemm, EigenGemm>) {
      detail::column_sums(Gemm{}, space, n, w, g, gb);
    } else {
      Kokkos::parallel_for(
          "odeflow::MlpGradient::bias", Kokkos::RangePolicy<ExecSpace>(space, 0, w), KOKKOS_LAMBDA(int j) {
            T acc = T(0);
            for (int i = 0; i < n; ++i) acc += g[static_cast<std::ptrdiff_t>(i) * w + j];
            gb[j] = acc;
          });
    }
  }

 private:
  void allocate(std::size_t n) {
    const int L = m_mlp.num_layers();
    if (m_capacity >= n && !m_h.empty()) return;
    auto alloc = [](std::size_t size) {
      return Kokkos::View<T*, memory_space>(Kokkos::view_alloc(Kokkos::WithoutInitializing, "odeflow::MlpGradient::workspace"), size);
    };
    m_h.clear();
    m_z.clear();
    for (int l = 0; l < L; ++l) {
      m_h.push_back(alloc(n * m_mlp.width(l)));
      m_z.push_back(alloc(n * m_mlp.width(l + 1)));
    }
    for (auto& b : m_g) b = alloc(n * static_cast<std::size_t>(m_mlp.max_width()));
    m_capacity = n;
  }

  mlp_type m_mlp;
  std::vector<Kokkos::View<T*, memory_space>> m_h, m_z;
  Kokkos::View<T*, memory_space> m_g[2];
  std::size_t m_capacity = 0;
  int m_n = 0;
};

}  // namespace odeflow
