// Device-callable single-point MLP evaluation: the neural field as an integrate() right-hand side inside a kernel.
#pragma once

#include <odeflow/flows/activation.hpp>
#include <odeflow/flows/mlp.hpp>
#include <odeflow/flows/time_embedding.hpp>
#include <odeflow/solvers/validation.hpp>

#include <Kokkos_Core.hpp>

#include <string>

namespace odeflow {

/// u_theta(t, y) of an Mlp for one point, as the single-trajectory field f(t, y, dy) of
/// odeflow::integrate (execution models 1 and 2: one solve per thread, inside a kernel).
///
/// Plain loops, no allocation: the layer activations live in two local arrays of
/// MaxWidth scalars (so every width must be <= MaxWidth; checked on construction). Its
/// summation order differs from the batched MlpField's matrix products, so results agree
/// to rounding, not bitwise; use MlpField (lockstep ensemble) for throughput at scale.
/// A trivially copyable handle on the Mlp's parameters.
template <class T, class MemorySpace = Kokkos::DefaultExecutionSpace::memory_space, int MaxWidth = 512>
class MlpPointField {
 public:
  /// Scalar type.
  using value_type = T;

  MlpPointField() = default;
  /// Throws InvalidArgument if a width exceeds MaxWidth or there are more than 16 layers.
  explicit MlpPointField(const Mlp<T, MemorySpace>& mlp)
      : m_params(mlp.parameters().data()), m_layers(mlp.num_layers()), m_act(mlp.architecture().activation),
        m_time(mlp.architecture().time) {
    if (m_layers > max_layers) throw InvalidArgument("MlpPointField: " + std::to_string(m_layers) + " layers, more than 16");
    for (int l = 0; l <= m_layers; ++l) {
      if (mlp.width(l) > MaxWidth)
        throw InvalidArgument("MlpPointField: width " + std::to_string(mlp.width(l)) + " exceeds MaxWidth " +
                              std::to_string(MaxWidth));
      m_dims[l] = mlp.width(l);
    }
    m_d = mlp.dim();
  }

  /// State dimension d.
  KOKKOS_FUNCTION int dim() const { return m_d; }

  /// dy = u_theta(t, y); y and dy index components with [k], k < dim().
  template <class Y, class DY>
  KOKKOS_FUNCTION void operator()(T t, const Y& y, DY& dy) const {
    T a[MaxWidth], b[MaxWidth];
    for (int k = 0; k < m_d; ++k) a[k] = y[k];
    m_time(t, a + m_d);
    const T* p = m_params;
    T* in = a;
    T* out = b;
    for (int l = 0; l < m_layers; ++l) {
      const int ni = m_dims[l], no = m_dims[l + 1];
      const T* w = p;
      const T* bias = p + static_cast<std::ptrdiff_t>(no) * ni;
      for (int j = 0; j < no; ++j) {
        T s = bias[j];
        const T* wj = w + static_cast<std::ptrdiff_t>(j) * ni;
        for (int k = 0; k < ni; ++k) s += wj[k] * in[k];
        out[j] = l + 1 < m_layers ? activate(s) : s;
      }
      p = bias + no;
      T* tmp = in;
      in = out;
      out = tmp;
    }
    for (int k = 0; k < m_d; ++k) dy[k] = in[k];
  }

 private:
  static constexpr int max_layers = 16;
  KOKKOS_FUNCTION T activate(T x) const {
    switch (m_act) {
      case Activation::elu: return ELU::value(x);
      case Activation::gelu: return GELU::value(x);
      case Activation::tanh: return Tanh::value(x);
      case Activation::relu: return ReLU::value(x);
      case Activation::softplus: return Softplus::value(x);
      case Activation::silu: break;
    }
    return SiLU::value(x);
  }

  const T* m_params = nullptr;
  int m_layers = 0, m_d = 0;
  Kokkos::Array<int, max_layers + 1> m_dims{};
  Activation m_act = Activation::silu;
  detail::TimeFeatures<T> m_time{TimeEmbedding{}};
};

}  // namespace odeflow
