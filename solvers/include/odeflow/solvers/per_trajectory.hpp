// PerTrajectory ensemble: one fused kernel, each trajectory integrating its whole span with its own step size.
#pragma once

#include <odeflow/solvers/default_options.hpp>
#include <odeflow/solvers/ensemble_save_at.hpp>
#include <odeflow/solvers/integrate.hpp>
#include <odeflow/solvers/simd.hpp>
#include <odeflow/solvers/validation.hpp>

#include <Kokkos_Core.hpp>

#include <algorithm>
#include <utility>
#include <string>
#include <type_traits>

// omp simd privatises the per-lane views into arrays that block vectorisation of the
// inlined field; ivdep only states that lanes are independent.
#if defined(__GNUC__) && !defined(__clang__) && !defined(__CUDACC__) && !defined(__HIPCC__)
#define ODEFLOW_LANE_LOOP _Pragma("GCC ivdep")
#else
#define ODEFLOW_LANE_LOOP ODEFLOW_SIMD_LOOP
#endif
#ifndef ODEFLOW_SIMD_REGISTER_BYTES
/// Bytes of one host vector register of the target (AVX-512: 64, AVX/AVX2: 32, else 16).
#if defined(__AVX512F__)
#define ODEFLOW_SIMD_REGISTER_BYTES 64
#elif defined(__AVX__)
#define ODEFLOW_SIMD_REGISTER_BYTES 32
#else
#define ODEFLOW_SIMD_REGISTER_BYTES 16
#endif
#endif
#ifndef ODEFLOW_SIMD_BYTES
/// Bytes of one host SIMD pack: one vector register. Wider packs (several registers per
/// pack, for more independent work per thread) measured slower: GCC lowers the per-lane
/// selects of vectors wider than a register to scalar code (docs/benchmarks.md).
#define ODEFLOW_SIMD_BYTES ODEFLOW_SIMD_REGISTER_BYTES
#endif

namespace odeflow {

/// Strategy tag: one thread per trajectory (on host: one SIMD lane per
/// trajectory, W = ODEFLOW_SIMD_BYTES / sizeof(T) neighbouring trajectories per
/// thread), the whole time span fused in one kernel. `N` is the compile-time
/// dimension (state in registers); 0 means run-time dimension (workspace in memory).
///
/// When not to use it: vector fields that are batched matrix products (neural
/// networks) belong to the Lockstep strategy.
template <int N = 0>
struct PerTrajectory {
  /// State dimension N (0: run-time).
  static constexpr int dim = N;
};

namespace detail {

template <class ExecSpace>
inline constexpr bool is_host_space_v =
    Kokkos::SpaceAccessibility<Kokkos::HostSpace, typename ExecSpace::memory_space>::accessible;

/// Runs a per-trajectory problem on W-lane packs: lane l is trajectory i0 + l (padding
/// lanes repeat the last trajectory). The W fields are built once per pack, so that
/// per-trajectory parameters are plain loads in the time loop.
template <class Problem, int W>
struct LaneField {
  using Field = std::remove_cvref_t<decltype(std::declval<const Problem&>()(0))>;
  Kokkos::Array<Field, W> fields;

  KOKKOS_FUNCTION LaneField(const Problem& problem, int i0, int n) {
    for (int l = 0; l < W; ++l) fields[l] = problem(i0 + l < n ? i0 + l : n - 1);
  }
  template <class Vt, class Y, class DY>
  KOKKOS_FORCEINLINE_FUNCTION void operator()(const Vt& t, const Y& y, DY& dy) const {
    using P = std::remove_cvref_t<decltype(y[0])>;
    P* yb = const_cast<P*>(&y[0]);
    P* db = &dy[0];
    const std::ptrdiff_t ys = stride_of(y), ds = stride_of(dy);
    // In chunks of one vector register: GCC vectorises a W-lane loop only partly
    // when W spans several registers.
    constexpr int R = ODEFLOW_SIMD_REGISTER_BYTES / sizeof(typename P::value_type) > 0
                          ? ODEFLOW_SIMD_REGISTER_BYTES / sizeof(typename P::value_type)
                          : 1;
    constexpr int C = W % R == 0 ? R : W;
    static_for<W / C>([&](auto chunk) ODEFLOW_INLINE_LAMBDA {
      constexpr int l0 = decltype(chunk)::value * C;
      ODEFLOW_LANE_LOOP for (int l = 0; l < C; ++l) {
        const LaneView<P> yl{yb, ys, l0 + l};
        LaneView<P> dl{db, ds, l0 + l};
        fields[l0 + l](t.v[l0 + l], yl, dl);
      }
    });
  }
};

/// Whether the problem builds one field for a whole pack of W trajectories,
/// `problem.template lanes<W>(i0, n)`, called with packs (Pack<T, W>) of states and times.
template <class Problem, int W>
concept has_pack_field = requires(const Problem& p) { p.template lanes<W>(0, 1); };

/// The pack field of a problem that has one (has_pack_field): LaneField's interface.
template <class Problem, int W>
struct PackField {
  using Field = std::remove_cvref_t<decltype(std::declval<const Problem&>().template lanes<W>(0, 1))>;
  Field field;
  KOKKOS_FUNCTION PackField(const Problem& problem, int i0, int n) : field(problem.template lanes<W>(i0, n)) {}
  template <class Vt, class Y, class DY>
  KOKKOS_FORCEINLINE_FUNCTION void operator()(const Vt& t, const Y& y, DY& dy) const {
    field(t, y, dy);
  }
};

template <class Problem, int W>
using LaneFieldFor = std::conditional_t<has_pack_field<Problem, W>, PackField<Problem, W>, LaneField<Problem, W>>;

template <class T, class OutView>
struct EnsembleSaver {
  OutView out;
  int i0;
  template <class Vec>
  KOKKOS_FUNCTION void operator()(int l, int j, const Vec& v) const {
    const int i = i0 + l;
    if (i >= static_cast<int>(out.extent(0))) return;
    for (int k = 0; k < static_cast<int>(out.extent(2)); ++k) out(i, j, k) = v[k];
  }
};

/// Save times kept on the device side: a raw view of the times.
template <class T, class Mem>
struct DeviceTimes {
  Kokkos::View<const T*, Mem> times;
  KOKKOS_FUNCTION int size() const { return static_cast<int>(times.extent(0)); }
  template <class U = T>
  KOKKOS_FUNCTION U time(int j) const { return times(j); }
};

template <class T, class StatsView, class V>
KOKKOS_FUNCTION void store_stats(const StatsView& stats, int i0, int n, const LaneStatistics<V>& st) {
  for (int l = 0; l < lanes_v<V>; ++l) {
    const int i = i0 + l;
    if (i >= n) break;
    Statistics<T> s;
    s.nfe = simd::lane(st.nfe, l);
    s.accepted = simd::lane(st.accepted, l);
    s.rejected = simd::lane(st.rejected, l);
    s.status = static_cast<Status>(simd::lane(st.status, l));
    s.t = simd::lane(st.t, l);
    s.dt_last = simd::lane(st.dt_last, l);
    stats(i) = s;
  }
}

}  // namespace detail

/// Solves n independent trajectories y_i' = f_i(t, y_i), y_i(t0) = y(i, :), from t0
/// to t1 with tableau Tab, in one kernel on `space`.
///
/// - `problem(i)`: a device-callable functor returning trajectory i's field
///   (`f(t, y, dydt)` as for integrate()), e.g. a Lorenz system with its own rho.
///   Optionally `problem.template lanes<W>(i0, n)`: one field for the W trajectories
///   i0 .. i0 + W - 1 (indices past n - 1 repeat n - 1), called on host with Pack<T, W>
///   states and times; it must do per lane the arithmetic of problem(i)'s field. Host packs
///   then call it once per stage instead of W scalar fields through views of the workspace,
///   so the stage states need not go through memory (LorenzParameterStudy has one).
/// - `y`: (n, d) View in the space's memory, updated in place to the final (or
///   last good) states. On host, LayoutLeft makes neighbouring trajectories
///   contiguous so that their SIMD lanes load in one instruction; on GPUs it coalesces.
/// - `stats`: (n) View of Statistics<T> receiving each trajectory's statistics and status.
/// - `save_at` (optional): output times and an (n, m, d) View.
///
/// A trajectory's result depends only on its own inputs: it is bitwise the same
/// in a batch of one or of millions, with any thread count. Throws InvalidArgument
/// on bad shapes or options; numerical failures are per-trajectory statuses.
/// Workspace: registers for PerTrajectory<N> with N > 0; otherwise one workspace
/// per thread (host) or per trajectory (device), allocated once per call.
template <class Tab, int N, class ExecSpace, class Problem, class YView, class StatsView,
          class OutView = Kokkos::View<typename Tab::value_type***, typename YView::memory_space>>
void solve_ensemble(const ExecSpace& space, PerTrajectory<N>, const Problem& problem,
                    const YView& y, typename Tab::value_type t0, typename Tab::value_type t1,
                    const SolveOptions<typename Tab::value_type>& opt, const StatsView& stats,
                    const EnsembleSaveAt<typename Tab::value_type, OutView>* save_at = nullptr) {
  using T = typename Tab::value_type;
  static_assert(YView::rank == 2, "y must be an (n, d) View");
  const int n = static_cast<int>(y.extent(0));
  const int d = static_cast<int>(y.extent(1));
  if (N > 0 && d != N)
    throw InvalidArgument("y.extent(1) = " + std::to_string(d) + " but PerTrajectory<" +
                          std::to_string(N) + "> fixes the dimension at " + std::to_string(N));
  const std::span<const T> ts =
      detail::check_ensemble_arguments<Tab>(n, d, stats, save_at, t0, t1, opt, "trajectories");
  if (n == 0) return;

  using mem = typename ExecSpace::memory_space;
  const detail::DeviceTimes<T, mem> times{detail::device_save_times(space, ts)};
  OutView out = save_at ? save_at->out : OutView();

  if constexpr (detail::is_host_space_v<ExecSpace>) {
    constexpr int W = ODEFLOW_SIMD_BYTES / sizeof(T) > 0 ? ODEFLOW_SIMD_BYTES / sizeof(T) : 1;
    using V = Pack<T, W>;
    const int chunks = (n + W - 1) / W;
    // Dynamic schedule: trajectories' costs differ (a parameter study's step counts grow with
    // the parameter), and a static split by index leaves one thread waiting for the other.
    // Results do not depend on which thread takes a pack.
    using HostPolicy = Kokkos::RangePolicy<ExecSpace, Kokkos::Schedule<Kokkos::Dynamic>>;
    if constexpr (N > 0) {
      Kokkos::parallel_for(
          "odeflow::solve_ensemble[PerTrajectory]",
          HostPolicy(space, 0, chunks), KOKKOS_LAMBDA(int c) {
            const int i0 = c * W;
            StaticWorkspaceFor<Tab, N, V> ws;
            Kokkos::Array<V, N> yp;
            mask_t<V> active(false);
            for (int l = 0; l < W; ++l) {
              const int i = i0 + l < n ? i0 + l : n - 1;
              active.v[l] = i0 + l < n;
              for (int k = 0; k < N; ++k) yp[k].v[l] = y(i, k);
            }
            LaneStatistics<V> st;
            const detail::LaneFieldFor<Problem, W> f(problem, i0, n);
            integrate_lanes<Tab>(f, t0, t1, yp, ws, opt, st, active, times,
                                 detail::EnsembleSaver<T, OutView>{out, i0});
            for (int l = 0; l < W && i0 + l < n; ++l)
              for (int k = 0; k < N; ++k) y(i0 + l, k) = yp[k].v[l];
            detail::store_stats<T>(stats, i0, n, st);
          });
    } else {
      Kokkos::Experimental::UniqueToken<ExecSpace> token(space);
      const std::size_t per = workspace_size<Tab>(d) + static_cast<std::size_t>(d);
      Kokkos::View<V**, mem> work("odeflow::ensemble_workspace", token.size(), per);
      Kokkos::parallel_for(
          "odeflow::solve_ensemble[PerTrajectory]",
          HostPolicy(space, 0, chunks), KOKKOS_LAMBDA(int c) {
            const int id = token.acquire();
            const int i0 = c * W;
            V* base = &work(id, 0);
            SpanWorkspace<V> ws{base, d, 1};
            StridedVector<V> yp{base + workspace_size<Tab>(d), d, 1};
            mask_t<V> active(false);
            for (int l = 0; l < W; ++l) {
              const int i = i0 + l < n ? i0 + l : n - 1;
              active.v[l] = i0 + l < n;
              for (int k = 0; k < d; ++k) yp[k].v[l] = y(i, k);
            }
            LaneStatistics<V> st;
            const detail::LaneFieldFor<Problem, W> f(problem, i0, n);
            integrate_lanes<Tab>(f, t0, t1, yp, ws, opt, st, active, times,
                                 detail::EnsembleSaver<T, OutView>{out, i0});
            for (int l = 0; l < W && i0 + l < n; ++l)
              for (int k = 0; k < d; ++k) y(i0 + l, k) = yp[k].v[l];
            detail::store_stats<T>(stats, i0, n, st);
            token.release(id);
          });
    }
  } else {
    if constexpr (N > 0) {
      Kokkos::parallel_for(
          "odeflow::solve_ensemble[PerTrajectory]", Kokkos::RangePolicy<ExecSpace>(space, 0, n),
          KOKKOS_LAMBDA(int i) {
            StaticWorkspaceFor<Tab, N, T> ws;
            Kokkos::Array<T, N> yi;
            for (int k = 0; k < N; ++k) yi[k] = y(i, k);
            LaneStatistics<T> st;
            integrate_lanes<Tab>(problem(i), t0, t1, yi, ws, opt, st, true, times,
                                 detail::EnsembleSaver<T, OutView>{out, i});
            for (int k = 0; k < N; ++k) y(i, k) = yi[k];
            detail::store_stats<T>(stats, i, n, st);
          });
    } else {
      // Trajectory-fastest workspace: consecutive threads touch consecutive addresses.
      const std::size_t per = workspace_size<Tab>(d) + static_cast<std::size_t>(d);
      Kokkos::View<T**, Kokkos::LayoutLeft, mem> work("odeflow::ensemble_workspace", n, per);
      Kokkos::parallel_for(
          "odeflow::solve_ensemble[PerTrajectory]", Kokkos::RangePolicy<ExecSpace>(space, 0, n),
          KOKKOS_LAMBDA(int i) {
            SpanWorkspace<T> ws{&work(i, 0), d, static_cast<std::ptrdiff_t>(n)};
            StridedVector<T> yi{&work(i, workspace_size<Tab>(d)), d, static_cast<std::ptrdiff_t>(n)};
            for (int k = 0; k < d; ++k) yi[k] = y(i, k);
            LaneStatistics<T> st;
            integrate_lanes<Tab>(problem(i), t0, t1, yi, ws, opt, st, true, times,
                                 detail::EnsembleSaver<T, OutView>{out, i});
            for (int k = 0; k < d; ++k) y(i, k) = yi[k];
            detail::store_stats<T>(stats, i, n, st);
          });
    }
  }
}

/// Per-status counts and totals of an ensemble's statistics (host reduction).
struct EnsembleSummary {
  /// Number of trajectories per Status (index: the status' value).
  long count[num_statuses] = {};
  ///@{
  /// Total function evaluations, accepted and rejected steps.
  long nfe = 0, accepted = 0, rejected = 0;
  ///@}
};

/// Sums an ensemble's statistics View (any memory space) on the host.
template <class StatsView>
EnsembleSummary summarize(const StatsView& stats) {
  auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, stats);
  EnsembleSummary s;
  for (std::size_t i = 0; i < h.extent(0); ++i) {
    ++s.count[static_cast<int>(h(i).status)];
    s.nfe += h(i).nfe;
    s.accepted += h(i).accepted;
    s.rejected += h(i).rejected;
  }
  return s;
}

}  // namespace odeflow
