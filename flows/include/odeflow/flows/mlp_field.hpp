// The MLP as a batched vector field: forward evaluation, exact Jacobian-vector products and exact divergence.
#pragma once

#include <odeflow/flows/batched_field.hpp>
#include <odeflow/flows/detail/gemm.hpp>
#include <odeflow/flows/detail/mlp_kernels.hpp>
#include <odeflow/flows/mlp.hpp>

#include <Kokkos_Core.hpp>

#include <cstddef>
#include <cstring>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

namespace odeflow {

/// u_theta(t, x) of a time-conditioned MLP (MlpArchitecture), a BatchedFieldWithJvp and
/// BatchedFieldWithDivergence.
///
/// Forward mode: with h_0' = (v, 0) (time is not perturbed), z_l' = h_l' W_l^T and
/// h_{l+1}' = act'(z_l) * z_l', the output tangent is J v exactly (no finite differences).
/// A sample's primal row and its q tangent rows are stacked (rows i (1 + q) .. i (1 + q) + q)
/// so that every layer is one matrix product over n (1 + q) rows: jvp has q = 1, divergence
/// q = d with v_p = e_p and div = sum_p (J e_p)_p, about (d + 1) times a forward pass.
///
/// Matrix products go through `Gemm` (EigenGemm on host execution spaces, KokkosGemm
/// elsewhere, detail/gemm.hpp); both compute each row independently of the others, so
/// results are bitwise independent of the batch size, the row order and the thread count.
/// On the host, one parallel region per call: each thread takes a tile of samples through
/// every layer while it is in cache, with Eigen's vectorised exp/tanh/logistic for the
/// activations when the width is a multiple of 16 (GELU and other widths: scalar functors).
///
/// On AVX-512 hosts (detail::packed_mlp_products) the products use detail::packed_gemm with
/// the weights packed once: the field keeps the packed layers and a copy of the parameters
/// they came from, compares that copy with the network's parameters at every call (one
/// memcmp) and repacks when they differ, so training updates are still seen.
///
/// Workspace: two buffers of rows x max width, grown on demand (or by reserve()), and the
/// packed weights, shared by copies of the field. One call at a time per field object and
/// its copies; give each concurrent user its own field (MlpField(mlp) again).
template <class T, class ExecSpace = Kokkos::DefaultExecutionSpace, class Gemm = default_gemm_t<ExecSpace>>
class MlpField {
 public:
  /// Scalar type.
  using value_type = T;
  /// Execution space of the evaluations.
  using execution_space = ExecSpace;
  /// Memory space of its views.
  using memory_space = typename ExecSpace::memory_space;
  /// The network type.
  using mlp_type = Mlp<T, memory_space>;

  MlpField() = default;
  /// A field over `mlp`'s parameters (shared, not copied: training updates are seen).
  explicit MlpField(mlp_type mlp) : m_mlp(std::move(mlp)) {}

  /// d, the state dimension.
  int dim() const { return m_mlp.dim(); }
  /// The network (shares its parameters).
  const mlp_type& mlp() const { return m_mlp; }

  /// dx(i, :) = u_theta(t(i), x(i, :)); t (n), x and dx (n, d).
  template <class VT, class VX, class VDX>
  void operator()(const ExecSpace& space, const VT& t, const VX& x, const VDX& dx) const {
    run(space, t, x, x, dx, dx, BatchScalars<T, memory_space>(), detail::TangentSeed::none);
  }

  /// dx as operator() and jv(i, :) = J(t(i), x(i, :)) v(i, :), exact; v, jv (n, d).
  template <class VT, class VX, class VV, class VDX, class VJV>
  void jvp(const ExecSpace& space, const VT& t, const VX& x, const VV& v, const VDX& dx,
           const VJV& jv) const {
    run(space, t, x, v, dx, jv, BatchScalars<T, memory_space>(), detail::TangentSeed::given);
  }

  /// dx as operator() and div(i) = trace J(t(i), x(i, :)), exact; div (n).
  template <class VT, class VX, class VDX, class VDIV>
  void divergence(const ExecSpace& space, const VT& t, const VX& x, const VDX& dx,
                  const VDIV& div) const {
    run(space, t, x, x, dx, dx, div, detail::TangentSeed::unit);
  }

  /// Allocates workspace for `rows` stacked rows (n samples need n, 2n, n (d + 1) rows
  /// for operator(), jvp, divergence, rounded up to a multiple of 16).
  void reserve(std::size_t rows) const {
    const std::size_t need = rows * static_cast<std::size_t>(row_stride());
    if (m_buf[0].extent(0) >= need) return;
    for (auto& b : m_buf)
      b = Kokkos::View<T*, memory_space>(Kokkos::view_alloc(Kokkos::WithoutInitializing, "odeflow::MlpField::workspace"), need);
  }

  /// Floating-point operations of one evaluation of n samples with q tangents per sample
  /// (2 per multiply-add of the matrix products; activations not counted).
  double flops(std::size_t n, int q) const {
    double f = 0;
    for (int l = 0; l < m_mlp.num_layers(); ++l) f += 2.0 * m_mlp.width(l) * m_mlp.width(l + 1);
    return f * static_cast<double>(n) * (1 + q);
  }


 private:
  template <class VT, class VX, class VV, class VDX, class VJV, class VDIV>
  void run(const ExecSpace& space, const VT& t, const VX& x, const VV& v, const VDX& dx,
           const VJV& jv, const VDIV& div, detail::TangentSeed seed) const {
    const int n = static_cast<int>(x.extent(0));
    if (n == 0) return;
    const int d = dim();
    const int q = seed == detail::TangentSeed::none ? 0 : seed == detail::TangentSeed::given ? 1 : d;
    const int s = 1 + q;
    const int rows = n * s;
    reserve(static_cast<std::size_t>((rows + 15) / 16 * 16));  // the host path pads to 16 rows
    T* cur = m_buf[0].data();
    T* nxt = m_buf[1].data();
    const int n0 = m_mlp.width(0);
    const int L = m_mlp.num_layers();
    const T* last_bias = m_mlp.bias(L - 1).data();
    if constexpr (std::is_same_v<Gemm, EigenGemm>) {
      const int ld = row_stride();
      const detail::FillInput<T, VT, VX, VV> fill{cur, n0, ld, d, s, t, x, v, seed,
                                                  detail::TimeFeatures<T>(m_mlp.architecture().time)};
      // Host: every layer of a tile in one parallel region (detail::mlp_forward_tiles).
      std::vector<int> dims(m_mlp.architecture().dims);
      std::vector<const T*> w, b;
      for (int l = 0; l < L; ++l) {
        w.push_back(m_mlp.weight(l).data());
        b.push_back(m_mlp.bias(l).data());
      }
      detail::mlp_forward_tiles(
          space, dims, w, b, m_mlp.architecture().activation, n, s, ld, cur, nxt, fill,
          [=](int i, const T* out) {
            detail::WriteOutput<T, VDX, VJV, VDIV>{out, last_bias, d, ld, s, seed, dx, jv, div}(i);
          },
          packed_layers());
    } else {
      const detail::FillInput<T, VT, VX, VV> fill{cur, n0, n0, d, s, t, x, v, seed,
                                                  detail::TimeFeatures<T>(m_mlp.architecture().time)};
      Kokkos::parallel_for("odeflow::MlpField::input", Kokkos::RangePolicy<ExecSpace>(space, 0, n), fill);
      for (int l = 0; l < L; ++l) {
        const int win = m_mlp.width(l), wout = m_mlp.width(l + 1);
        detail::gemm_nt(Gemm{}, space, rows, wout, win, cur, win, m_mlp.weight(l).data(), win, nxt, wout);
        if (l + 1 < L)
          detail::bias_activate(space, m_mlp.architecture().activation, nxt, m_mlp.bias(l).data(), n, wout, s);
        std::swap(cur, nxt);
      }
      Kokkos::parallel_for("odeflow::MlpField::output", Kokkos::RangePolicy<ExecSpace>(space, 0, n),
                           detail::WriteOutput<T, VDX, VJV, VDIV>{cur, last_bias, d, d, s, seed, dx, jv, div});
    }
  }

  // Row stride of the workspace: the widest layer rounded up to 16 scalars (host path: every
  // layer uses the same stride, see detail::mlp_forward_tiles).
  int row_stride() const { return (m_mlp.max_width() + 15) / 16 * 16; }

  // The layers' weights packed for detail::packed_gemm, repacked when the parameters differ
  // from the copy they were packed from; nullptr when the host products use Eigen.
  struct Packed {
    std::vector<T> params;
    std::vector<detail::PackedWeights<T>> layers;
  };
  const detail::PackedWeights<T>* packed_layers() const {
    if constexpr (!detail::packed_mlp_products || !std::is_same_v<Gemm, EigenGemm>) {
      return nullptr;
    } else {
      const auto params = m_mlp.parameters();
      const std::size_t count = params.extent(0);
      const T* now = params.data();
      if (!m_packed) m_packed = std::make_shared<Packed>();
      Packed& p = *m_packed;
      if (p.params.size() != count || std::memcmp(p.params.data(), now, count * sizeof(T)) != 0) {
        p.params.assign(now, now + count);
        p.layers.clear();
        for (int l = 0; l < m_mlp.num_layers(); ++l)
          p.layers.emplace_back(m_mlp.weight(l).data(), m_mlp.width(l + 1), m_mlp.width(l));
      }
      return p.layers.data();
    }
  }

  mlp_type m_mlp;
  mutable Kokkos::View<T*, memory_space> m_buf[2];
  mutable std::shared_ptr<Packed> m_packed;
};

}  // namespace odeflow
