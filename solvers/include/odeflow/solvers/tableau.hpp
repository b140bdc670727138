// Explicit Runge-Kutta tableaus: the ExplicitTableau concept and its compile-time consistency checks.
#pragma once

#include <Kokkos_Array.hpp>
#include <Kokkos_Macros.hpp>

#include <concepts>
#include <type_traits>

namespace odeflow {

/// An explicit Runge-Kutta tableau is plain data: a struct templated on the
/// scalar `T`, with constants describing the method and coefficient arrays that
/// are default-initialised to the published values.
///
/// Valid expressions, for a tableau type `Tab` with `value_type` T and an object `tab`:
///
/// | expression              | meaning                                                         |
/// |-------------------------|-----------------------------------------------------------------|
/// | `Tab::num_stages`       | s, stages of one step (the FSAL stage included)                 |
/// | `Tab::order`            | p, order of the propagated solution                             |
/// | `Tab::embedded_order`   | q, order of the embedded solution; 0 for fixed-step methods     |
/// | `Tab::fsal`             | stage s is f(t + h, y_{n+1}) and is reused as stage 1 next step |
/// | `Tab::num_dense_stages` | stages the continuous extension needs (>= s); 0: no dense output |
/// | `Tab::dense_order`      | order of the continuous extension; 0: none                      |
/// | `Tab::dense_degree`     | degree in theta of the dense weights b_i(theta)                 |
/// | `tab.c[i]`              | nodes, i < num_dense_stages (extra dense stages follow the step's) |
/// | `tab.a[i*D + j]`        | coefficients a_ij, D = max(s, num_dense_stages), strictly lower   |
/// | `tab.b[i]`              | weights of the propagated solution, i < s                       |
/// | `tab.e[i]`              | error weights b_i - bhat_i, i < s (all zero when q == 0)         |
/// | `tab.d[i*deg + p]`      | dense weights: b_i(theta) = sum_p d[i*deg+p] theta^(p+1)        |
///
/// One step from (t, y) with step h: k_i = f(t + c_i h, y + h sum_j a_ij k_j),
/// y_{n+1} = y + h sum_i b_i k_i, local error estimate h sum_i e_i k_i, and
/// y(t + theta h) = y + h sum_i b_i(theta) k_i for theta in [0, 1].
///
/// A tableau may also declare `static constexpr bool dual_error_estimate = true`
/// with a second error-weight array `e2` (DOP853's third-order estimate); the
/// error norm then combines the two as Hairer's DOP853 does.
template <class Tab>
concept ExplicitTableau = requires(const Tab& tab) {
  typename Tab::value_type;
  { Tab::num_stages } -> std::convertible_to<int>;
  { Tab::order } -> std::convertible_to<int>;
  { Tab::embedded_order } -> std::convertible_to<int>;
  { Tab::fsal } -> std::convertible_to<bool>;
  { Tab::num_dense_stages } -> std::convertible_to<int>;
  { Tab::dense_order } -> std::convertible_to<int>;
  { Tab::dense_degree } -> std::convertible_to<int>;
  tab.c[0];
  tab.a[0];
  tab.b[0];
  tab.e[0];
};

/// Whether a tableau carries an error estimate (can run adaptively).
template <class Tab>
inline constexpr bool is_embedded_v = (Tab::embedded_order > 0);

/// Whether a tableau carries a continuous extension (dense output).
template <class Tab>
inline constexpr bool has_dense_output_v = (Tab::dense_order > 0);

/// Whether a tableau declares a second error estimate `e2` (DOP853).
template <class Tab>
KOKKOS_INLINE_FUNCTION constexpr bool has_dual_error_estimate() {  // used in kernels
  if constexpr (requires { Tab::dual_error_estimate; }) {
    return Tab::dual_error_estimate;
  } else {
    return false;
  }
}

/// The order k of the error estimate a controller sees (err ~ h^k): min(p, q) + 1 for an
/// embedded pair of orders p and q, and p for DOP853's combined estimate (its ratio
/// E5^2 / sqrt(E5^2 + 0.01 E3^2) scales like h^8). Step-size exponents are 1/k.
template <class Tab>
constexpr int controller_order() {
  if constexpr (has_dual_error_estimate<Tab>()) {
    return Tab::order;
  } else {
    return (Tab::order < Tab::embedded_order ? Tab::order : Tab::embedded_order) + 1;
  }
}

/// Number of stage vectors a step keeps: the step's stages, or the dense
/// stages when they are more.
template <class Tab>
inline constexpr int num_stored_stages_v =
    (Tab::num_dense_stages > Tab::num_stages) ? Tab::num_dense_stages : Tab::num_stages;

namespace detail {
template <class T>
constexpr T cabs(T x) { return x < T(0) ? -x : x; }
template <class T>
constexpr bool close(T x, T y, T tol) { return cabs(x - y) <= tol * (T(1) + cabs(y)); }
}  // namespace detail

/// Compile-time consistency of a tableau (instantiate with `long double`):
/// row sums equal the nodes, weights sum to one, error weights sum to zero,
/// an FSAL method's last row equals its weights with node one, and the dense
/// weights at theta = 1 reproduce the step's weights (zero for extra stages).
/// Order conditions beyond these are checked in tests.
template <class Tab>
constexpr bool tableau_is_consistent(typename Tab::value_type tol = 1e-15L) {
#if defined(__CUDA_ARCH__) || defined(__HIP_DEVICE_COMPILE__) || defined(__SYCL_DEVICE_ONLY__)
  // Device compilation pass of a GPU build: long double is double there (AMDGPU),
  // too short for `tol`. The host pass of the same translation unit checks the data.
  (void)tol;
  return true;
#else
  using T = typename Tab::value_type;
  constexpr Tab tab{};
  constexpr int s = Tab::num_stages;
  constexpr int ds = num_stored_stages_v<Tab>;
  for (int i = 0; i < ds; ++i) {
    T row = 0;
    for (int j = 0; j < ds; ++j) {
      if (j >= i && tab.a[i * ds + j] != T(0)) return false;  // explicit: strictly lower
      row += tab.a[i * ds + j];
    }
    if (!detail::close(row, tab.c[i], tol)) return false;
  }
  if (tab.c[0] != T(0)) return false;
  T bsum = 0, esum = 0;
  for (int i = 0; i < s; ++i) {
    bsum += tab.b[i];
    esum += tab.e[i];
  }
  if (!detail::close(bsum, T(1), tol)) return false;
  if (!detail::close(esum, T(0), tol)) return false;
  if constexpr (Tab::embedded_order == 0) {
    for (int i = 0; i < s; ++i)
      if (tab.e[i] != T(0)) return false;
  }
  if constexpr (Tab::fsal) {
    if (!detail::close(tab.c[s - 1], T(1), tol)) return false;
    for (int j = 0; j < s; ++j)
      if (!detail::close(tab.a[(s - 1) * ds + j], tab.b[j], tol)) return false;
  }
  if constexpr (Tab::dense_order > 0) {
    constexpr int deg = Tab::dense_degree;
    for (int i = 0; i < Tab::num_dense_stages; ++i) {
      T at1 = 0;
      for (int p = 0; p < deg; ++p) at1 += tab.d[i * deg + p];
      const T want = i < s ? tab.b[i] : T(0);
      if (!detail::close(at1, want, tol)) return false;
    }
  }
  return true;
#endif
}

}  // namespace odeflow
