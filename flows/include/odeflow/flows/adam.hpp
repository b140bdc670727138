// Adam optimiser (Kingma & Ba, arXiv 1412.6980) with optional decoupled weight decay (AdamW, arXiv 1711.05101).
#pragma once

#include <Kokkos_Core.hpp>

#include <cmath>
#include <cstddef>

namespace odeflow {

/// Hyper-parameters of Adam; the defaults are PyTorch's.
struct AdamOptions {
  /// Decay rate of the first-moment (mean) estimate.
  double beta1 = 0.9;
  /// Decay rate of the second-moment (uncentred variance) estimate.
  double beta2 = 0.999;
  /// Added to the square root of the second moment in the denominator.
  double eps = 1e-8;
  /// lambda >= 0; 0 disables weight decay.
  double weight_decay = 0.0;
  /// true: AdamW, theta <- theta - lr lambda theta beside the Adam step (torch.optim.AdamW);
  /// false: L2, g <- g + lambda theta before the moments (torch.optim.Adam's weight_decay).
  bool decoupled = true;
};

/// Adam on a flat parameter array. Step k = 1, 2, ...:
///
///   m <- beta1 m + (1 - beta1) g,  v <- beta2 v + (1 - beta2) g^2,
///   theta <- theta - lr (m / (1 - beta1^k)) / (sqrt(v / (1 - beta2^k)) + eps)   [- lr lambda theta]
///
/// Element-wise, so the result is independent of the thread count.
template <class T, class MemorySpace = Kokkos::DefaultExecutionSpace::memory_space>
class Adam {
 public:
  Adam() = default;
  /// Zero moments for n parameters.
  Adam(std::size_t n, AdamOptions opt = {})
      : m_opt(opt), m_m("odeflow::Adam::m", n), m_v("odeflow::Adam::v", n) {}

  /// One step on params (n) with gradient grad (n) and learning rate lr.
  template <class ExecSpace, class VP, class VG>
  void step(const ExecSpace& space, const VP& params, const VG& grad, double lr) {
    ++m_steps;
    const T b1 = static_cast<T>(m_opt.beta1), b2 = static_cast<T>(m_opt.beta2), eps = static_cast<T>(m_opt.eps);
    const T c1 = static_cast<T>(1.0 / (1.0 - std::pow(m_opt.beta1, m_steps)));
    const T c2 = static_cast<T>(1.0 / (1.0 - std::pow(m_opt.beta2, m_steps)));
    const T rate = static_cast<T>(lr), wd = static_cast<T>(m_opt.weight_decay);
    const bool decoupled = m_opt.decoupled;
    auto m = m_m;
    auto v = m_v;
    Kokkos::parallel_for(
        "odeflow::Adam::step", Kokkos::RangePolicy<ExecSpace>(space, 0, params.extent(0)),
        KOKKOS_LAMBDA(std::size_t i) {
          const T p = params(i);
          const T g = decoupled ? grad(i) : grad(i) + wd * p;
          const T mi = b1 * m(i) + (T(1) - b1) * g;
          const T vi = b2 * v(i) + (T(1) - b2) * g * g;
          m(i) = mi;
          v(i) = vi;
          T upd = (mi * c1) / (Kokkos::sqrt(vi * c2) + eps);
          if (decoupled) upd += wd * p;
          params(i) = p - rate * upd;
        });
  }

  /// Steps taken so far.
  int steps() const { return m_steps; }
  /// The hyper-parameters this optimiser was built with.
  const AdamOptions& options() const { return m_opt; }

 private:
  AdamOptions m_opt{};
  Kokkos::View<T*, MemorySpace> m_m, m_v;
  int m_steps = 0;
};

}  // namespace odeflow
