// Kernels of the MLP passes: input rows, bias and activation (with tangents), outputs, backward pieces.
#pragma once

#include <odeflow/flows/activation.hpp>
#include <odeflow/flows/time_embedding.hpp>

#include <Kokkos_Core.hpp>

#include <cstddef>

namespace odeflow::detail {

/// How the tangent rows of a stacked evaluation are seeded.
enum class TangentSeed { none, given, unit };

/// Stacked rows: sample i owns rows i * S .. i * S + S - 1, S = 1 + q; row i * S is the
/// primal input [x(i, :), time(t(i))], rows i * S + 1 + p are tangent inputs [v_p, 0]
/// with v_0 = v(i, :) (given) or v_p = e_p (unit, p < d). Rows are `ld` apart (ld >= n0).
template <class T, class VT, class VX, class VV>
struct FillInput {
  T* h;
  int n0, ld, d, s;
  VT t;
  VX x;
  VV v;
  TangentSeed seed;
  TimeFeatures<T> time;

  KOKKOS_FUNCTION void operator()(int i) const {
    T* row = h + static_cast<std::ptrdiff_t>(i) * s * ld;
    for (int k = 0; k < d; ++k) row[k] = x(i, k);
    time(t(i), row + d);
    for (int p = 0; p + 1 < s; ++p) {
      T* tr = row + static_cast<std::ptrdiff_t>(p + 1) * ld;
      for (int k = 0; k < n0; ++k) tr[k] = T(0);
      if (seed == TangentSeed::given) {
        for (int k = 0; k < d; ++k) tr[k] = v(i, k);
      } else {
        tr[p] = T(1);
      }
    }
  }
};

/// In place on stacked pre-activations z (rows, w): primal z <- act(z + b), tangent rows
/// z <- act'(z_primal + b) z (forward-mode chain rule).
template <class Act, class T>
struct BiasActivate {
  T* z;
  const T* b;
  int w, s;
  KOKKOS_FUNCTION void operator()(int i, int j) const {
    T* zp = z + static_cast<std::ptrdiff_t>(i) * s * w + j;
    const T pre = zp[0] + b[j];
    const T der = Act::derivative(pre);
    for (int p = 1; p < s; ++p) zp[static_cast<std::ptrdiff_t>(p) * w] *= der;
    zp[0] = Act::value(pre);
  }
};

/// Training forward: z (n, w) <- z + b kept, h (n, w) <- act(z + b).
template <class Act, class T>
struct BiasActivateKeep {
  T* z;
  T* h;
  const T* b;
  int w;
  KOKKOS_FUNCTION void operator()(int i, int j) const {
    const std::ptrdiff_t o = static_cast<std::ptrdiff_t>(i) * w + j;
    const T pre = z[o] + b[j];
    z[o] = pre;
    h[o] = Act::value(pre);
  }
};

/// Backward through an activation: g (n, w) <- g * act'(z).
template <class Act, class T>
struct ActivationBackward {
  T* g;
  const T* z;
  int w;
  KOKKOS_FUNCTION void operator()(int i, int j) const {
    const std::ptrdiff_t o = static_cast<std::ptrdiff_t>(i) * w + j;
    g[o] *= Act::derivative(z[o]);
  }
};

/// Launches BiasActivate for the activation chosen at run time.
template <class ExecSpace, class T>
void bias_activate(const ExecSpace& space, Activation act, T* z, const T* b, int n, int w, int s) {
  visit_activation(act, [&](auto a) {
    using Act = decltype(a);
    Kokkos::parallel_for("odeflow::MlpField::bias_activate",
                         Kokkos::MDRangePolicy<ExecSpace, Kokkos::Rank<2>>(space, {0, 0}, {n, w}),
                         BiasActivate<Act, T>{z, b, w, s});
  });
}

template <class ExecSpace, class T>
void bias_activate_keep(const ExecSpace& space, Activation act, T* z, T* h, const T* b, int n, int w) {
  visit_activation(act, [&](auto a) {
    using Act = decltype(a);
    Kokkos::parallel_for("odeflow::MlpGradient::bias_activate",
                         Kokkos::MDRangePolicy<ExecSpace, Kokkos::Rank<2>>(space, {0, 0}, {n, w}),
                         BiasActivateKeep<Act, T>{z, h, b, w});
  });
}

template <class ExecSpace, class T>
void activation_backward(const ExecSpace& space, Activation act, T* g, const T* z, int n, int w) {
  visit_activation(act, [&](auto a) {
    using Act = decltype(a);
    Kokkos::parallel_for("odeflow::MlpGradient::activation_backward",
                         Kokkos::MDRangePolicy<ExecSpace, Kokkos::Rank<2>>(space, {0, 0}, {n, w}),
                         ActivationBackward<Act, T>{g, z, w});
  });
}

/// Outputs of a stacked evaluation: dx(i, :) = primal + b; jv(i, :) = tangent row 1 (given
/// seed); div(i) = sum_p tangent row 1 + p, component p (unit seed). Rows are `ld` apart.
template <class T, class VDX, class VJV, class VDIV>
struct WriteOutput {
  const T* z;
  const T* b;
  int d, ld, s;
  TangentSeed seed;
  VDX dx;
  VJV jv;
  VDIV div;
  KOKKOS_FUNCTION void operator()(int i) const {
    const T* row = z + static_cast<std::ptrdiff_t>(i) * s * ld;
    for (int k = 0; k < d; ++k) dx(i, k) = row[k] + b[k];
    if (seed == TangentSeed::given) {
      for (int k = 0; k < d; ++k) jv(i, k) = row[ld + k];
    } else if (seed == TangentSeed::unit) {
      T acc = T(0);
      for (int p = 0; p < d; ++p) acc += row[static_cast<std::ptrdiff_t>(p + 1) * ld + p];
      div(i) = acc;
    }
  }
};

}  // namespace odeflow::detail
