// Activation functions of the MLP: values and first derivatives, and the run-time choice by name.
#pragma once

#include <odeflow/solvers/validation.hpp>

#include <Kokkos_Macros.hpp>
#include <Kokkos_MathematicalConstants.hpp>
#include <Kokkos_MathematicalFunctions.hpp>

#include <string>
#include <string_view>

namespace odeflow {

/// SiLU (Swish): x sigmoid(x); derivative sigmoid(x) (1 + x (1 - sigmoid(x))). PyTorch nn.SiLU.
struct SiLU {
  /// The activation at x (see the struct's formula).
  template <class T>
  KOKKOS_FUNCTION static T value(T x) {
    return x / (T(1) + Kokkos::exp(-x));
  }
  /// Its derivative at x (see the struct's formula).
  template <class T>
  KOKKOS_FUNCTION static T derivative(T x) {
    const T s = T(1) / (T(1) + Kokkos::exp(-x));
    return s * (T(1) + x * (T(1) - s));
  }
};

/// ELU with alpha = 1: x for x > 0, exp(x) - 1 otherwise; derivative 1 or exp(x). PyTorch nn.ELU().
struct ELU {
  /// The activation at x (see the struct's formula).
  template <class T>
  KOKKOS_FUNCTION static T value(T x) {
    return x > T(0) ? x : Kokkos::expm1(x);
  }
  /// Its derivative at x (see the struct's formula).
  template <class T>
  KOKKOS_FUNCTION static T derivative(T x) {
    return x > T(0) ? T(1) : Kokkos::exp(x);
  }
};

/// GELU, exact form: x Phi(x) = x (1 + erf(x / sqrt 2)) / 2; derivative Phi(x) + x phi(x).
/// PyTorch nn.GELU() (approximate='none').
struct GELU {
  /// The activation at x (see the struct's formula).
  template <class T>
  KOKKOS_FUNCTION static T value(T x) {
    return T(0.5) * x * (T(1) + Kokkos::erf(x * T(0.70710678118654752440)));
  }
  /// Its derivative at x (see the struct's formula).
  template <class T>
  KOKKOS_FUNCTION static T derivative(T x) {
    const T cdf = T(0.5) * (T(1) + Kokkos::erf(x * T(0.70710678118654752440)));
    const T pdf = T(0.39894228040143267794) * Kokkos::exp(T(-0.5) * x * x);
    return cdf + x * pdf;
  }
};

/// tanh; derivative 1 - tanh^2. PyTorch nn.Tanh.
struct Tanh {
  /// The activation at x (see the struct's formula).
  template <class T>
  KOKKOS_FUNCTION static T value(T x) {
    return Kokkos::tanh(x);
  }
  /// Its derivative at x (see the struct's formula).
  template <class T>
  KOKKOS_FUNCTION static T derivative(T x) {
    const T y = Kokkos::tanh(x);
    return T(1) - y * y;
  }
};

/// ReLU: max(x, 0); derivative 1 for x > 0, else 0 (0 at x = 0, as PyTorch). PyTorch nn.ReLU.
struct ReLU {
  /// The activation at x (see the struct's formula).
  template <class T>
  KOKKOS_FUNCTION static T value(T x) {
    return x > T(0) ? x : T(0);
  }
  /// Its derivative at x (see the struct's formula; 0 at x = 0, as PyTorch).
  template <class T>
  KOKKOS_FUNCTION static T derivative(T x) {
    return x > T(0) ? T(1) : T(0);
  }
};

/// Softplus with beta = 1: log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)); derivative
/// sigmoid(x). PyTorch nn.Softplus() switches to x above 20; the stable form agrees
/// there to rounding.
struct Softplus {
  /// The activation at x (see the struct's formula).
  template <class T>
  KOKKOS_FUNCTION static T value(T x) {
    return (x > T(0) ? x : T(0)) + Kokkos::log1p(Kokkos::exp(-Kokkos::fabs(x)));
  }
  /// Its derivative at x (see the struct's formula).
  template <class T>
  KOKKOS_FUNCTION static T derivative(T x) {
    return T(1) / (T(1) + Kokkos::exp(-x));
  }
};

/// The activations an MLP may use, named as in safetensors metadata ("silu", "swish" is
/// accepted as an alias, "elu", "gelu", "tanh", "relu", "softplus").
enum class Activation { silu, elu, gelu, tanh, relu, softplus };

/// @var odeflow::Activation::silu
/// SiLU (Swish), x sigmoid(x).

/// @var odeflow::Activation::elu
/// ELU with alpha = 1.

/// @var odeflow::Activation::gelu
/// GELU, exact (erf) form.

/// @var odeflow::Activation::tanh
/// Hyperbolic tangent.

/// @var odeflow::Activation::relu
/// max(x, 0).

/// @var odeflow::Activation::softplus
/// log(1 + exp(x)).

/// The metadata name of an activation.
inline std::string_view activation_name(Activation a) {
  switch (a) {
    case Activation::silu: return "silu";
    case Activation::elu: return "elu";
    case Activation::gelu: return "gelu";
    case Activation::tanh: return "tanh";
    case Activation::relu: return "relu";
    case Activation::softplus: return "softplus";
  }
  return "?";
}

/// Parses an activation name (case-sensitive, as written by activation_name; "swish"
/// means silu). Throws InvalidArgument naming the value and the accepted names.
inline Activation parse_activation(std::string_view s) {
  if (s == "silu" || s == "swish") return Activation::silu;
  if (s == "elu") return Activation::elu;
  if (s == "gelu") return Activation::gelu;
  if (s == "tanh") return Activation::tanh;
  if (s == "relu") return Activation::relu;
  if (s == "softplus") return Activation::softplus;
  throw InvalidArgument("activation = \"" + std::string(s) +
                        "\" is not one of silu, swish, elu, gelu, tanh, relu, softplus");
}

/// Calls f with the activation functor (SiLU{}, ELU{}, ...) for `a`: the one host-side
/// switch that instantiates one kernel per activation.
template <class F>
decltype(auto) visit_activation(Activation a, F&& f) {
  switch (a) {
    case Activation::elu: return f(ELU{});
    case Activation::gelu: return f(GELU{});
    case Activation::tanh: return f(Tanh{});
    case Activation::relu: return f(ReLU{});
    case Activation::softplus: return f(Softplus{});
    case Activation::silu: break;
  }
  return f(SiLU{});
}

}  // namespace odeflow
