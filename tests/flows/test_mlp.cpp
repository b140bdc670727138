// MLP field: JVPs against finite differences and a full Jacobian, divergence of a linear field, row invariance.
#include <odeflow/flows/mlp_field.hpp>
#include <odeflow/flows/mlp_point_field.hpp>

#include <Eigen/Dense>
#include <Kokkos_Core.hpp>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

namespace {

using namespace odeflow;
using Exec = Kokkos::DefaultExecutionSpace;
using Host = Kokkos::DefaultHostExecutionSpace;

template <class T>
using Rows = Kokkos::View<T**, Kokkos::LayoutRight>;

// Random inputs: t in [0, 1), x ~ N(0, 4 I), v ~ N(0, I).
template <class T>
struct Batch {
  Kokkos::View<T*> t;
  Rows<T> x, v;
  Batch(int n, int d, std::uint64_t seed) : t("t", n), x("x", n, d), v("v", n, d) {
    auto ht = Kokkos::create_mirror_view(t);
    auto hx = Kokkos::create_mirror_view(x);
    auto hv = Kokkos::create_mirror_view(v);
    const CounterRng rng{seed, 0};
    for (int i = 0; i < n; ++i) {
      ht(i) = rng.uniform<T>(i, 0);
      for (int k = 0; k < d; ++k) {
        hx(i, k) = T(2) * rng.normal<T>(i, 1, k);
        hv(i, k) = rng.normal<T>(i, 20, k);
      }
    }
    Kokkos::deep_copy(t, ht);
    Kokkos::deep_copy(x, hx);
    Kokkos::deep_copy(v, hv);
  }
};

template <class T, class Space = Exec>
Mlp<T, typename Space::memory_space> random_mlp(int d, int width, int depth, Activation act,
                                                TimeEmbedding time = {}, std::uint64_t seed = 1) {
  Mlp<T, typename Space::memory_space> m(MlpArchitecture::make(d, width, depth, act, time));
  m.initialize(seed, Space());
  return m;
}

template <class V>
auto host(const V& v) {
  return Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), v);
}

// Independent reference: the Jacobian by the chain rule as dense matrix products, in double.
struct Reference {
  Eigen::VectorXd u;
  Eigen::MatrixXd jac;
};
template <class T, class M>
Reference reference(const Mlp<T, M>& mlp, double t, const Eigen::VectorXd& x) {
  const auto p = host(mlp.parameters());
  const auto& arch = mlp.architecture();
  const int d = mlp.dim(), n0 = mlp.width(0);
  Eigen::VectorXd h(n0);
  h.head(d) = x;
  if (arch.time.kind == TimeEmbedding::Kind::concat) {
    h(d) = t;
  } else {
    const int half = arch.time.dim / 2;
    for (int k = 0; k < half; ++k) {
      const double w = std::pow(arch.time.max_period, -double(k) / half);
      h(d + k) = std::sin(arch.time.scale * t * w);
      h(d + half + k) = std::cos(arch.time.scale * t * w);
    }
  }
  Eigen::MatrixXd jac = Eigen::MatrixXd::Zero(n0, d);
  jac.topRows(d).setIdentity();
  for (int l = 0; l < mlp.num_layers(); ++l) {
    const int in = mlp.width(l), out = mlp.width(l + 1);
    Eigen::MatrixXd w(out, in);
    Eigen::VectorXd b(out);
    for (int i = 0; i < out; ++i) {
      for (int j = 0; j < in; ++j) w(i, j) = p(mlp.weight_offset(l) + i * in + j);
      b(i) = p(mlp.bias_offset(l) + i);
    }
    Eigen::VectorXd z = w * h + b;
    jac = w * jac;
    if (l + 1 < mlp.num_layers()) {
      visit_activation(arch.activation, [&](auto a) {
        using A = decltype(a);
        for (int i = 0; i < out; ++i) {
          jac.row(i) *= A::derivative(z(i));
          z(i) = A::value(z(i));
        }
      });
    }
    h = z;
  }
  return {h, jac};
}

// Device lambdas live in free functions (nvcc forbids them in gtest's private TestBody).
void shift(Rows<double> x, Rows<double> v, double h, Rows<double> xp, Rows<double> xm) {
  const int d = static_cast<int>(x.extent(1));
  Kokkos::parallel_for(Kokkos::MDRangePolicy<Exec, Kokkos::Rank<2>>({0, 0}, {static_cast<int>(x.extent(0)), d}),
                       KOKKOS_LAMBDA(int i, int k) {
                         xp(i, k) = x(i, k) + h * v(i, k);
                         xm(i, k) = x(i, k) - h * v(i, k);
                       });
}
void point_evaluations(MlpPointField<double> pf, Kokkos::View<double*> t, Rows<double> x, Rows<double> out) {
  Kokkos::parallel_for(t.extent(0), KOKKOS_LAMBDA(int i) {
    double y[2] = {x(i, 0), x(i, 1)}, o[2];
    pf(t(i), y, o);
    out(i, 0) = o[0];
    out(i, 1) = o[1];
  });
}

const Activation all_activations[] = {Activation::silu, Activation::elu, Activation::gelu,
                                      Activation::tanh, Activation::relu, Activation::softplus};

TEST(Activations, DerivativesMatchFiniteDifferences) {
  for (Activation a : all_activations)
    visit_activation(a, [&](auto f) {
      using A = decltype(f);
      for (double x = -6.03; x < 6; x += 0.37) {
        const double h = 1e-6, fd = (A::value(x + h) - A::value(x - h)) / (2 * h);
        EXPECT_NEAR(A::derivative(x), fd, 1e-7) << activation_name(a) << " at " << x;
      }
    });
  EXPECT_EQ(parse_activation("swish"), Activation::silu);
  EXPECT_THROW(parse_activation("sigmoid"), InvalidArgument);
}

TEST(MlpField, JvpMatchesFullJacobianAndFiniteDifferences) {
  const int d = 3, n = 40;
  const Batch<double> in(n, d, 7);
  for (Activation a : all_activations)
    for (auto kind : {TimeEmbedding::Kind::concat, TimeEmbedding::Kind::sinusoidal}) {
      if (kind == TimeEmbedding::Kind::sinusoidal && a != Activation::silu && a != Activation::gelu) continue;
      TimeEmbedding te;
      te.kind = kind;
      te.dim = kind == TimeEmbedding::Kind::concat ? 1 : 8;
      te.scale = 10.0;
      const auto mlp = random_mlp<double>(d, 24, 3, a, te);
      const MlpField<double> f(mlp);
      Rows<double> dx("dx", n, d), jv("jv", n, d), dxp("dxp", n, d), dxm("dxm", n, d), xp("xp", n, d), xm("xm", n, d);
      Kokkos::View<double*> div("div", n);
      const double h = 1e-6;
      shift(in.x, in.v, h, xp, xm);
      f.jvp(Exec(), in.t, in.x, in.v, dx, jv);
      f(Exec(), in.t, xp, dxp);
      f(Exec(), in.t, xm, dxm);
      Rows<double> dx2("dx2", n, d);
      f.divergence(Exec(), in.t, in.x, dx2, div);
      const auto hx = host(in.x), hv = host(in.v), hdx = host(dx), hjv = host(jv), hp = host(dxp), hm = host(dxm),
                 hdx2 = host(dx2);
      const auto ht = host(in.t), hdiv = host(div);
      for (int i = 0; i < n; ++i) {
        Eigen::VectorXd xi(d), vi(d);
        for (int k = 0; k < d; ++k) {
          xi(k) = hx(i, k);
          vi(k) = hv(i, k);
        }
        const Reference r = reference(mlp, ht(i), xi);
        const Eigen::VectorXd jref = r.jac * vi;
        for (int k = 0; k < d; ++k) {
          EXPECT_NEAR(hdx(i, k), r.u(k), 1e-12 * (1 + std::abs(r.u(k))));
          EXPECT_EQ(hdx(i, k), hdx2(i, k));
          EXPECT_NEAR(hjv(i, k), jref(k), 1e-11 * (1 + std::abs(jref(k)))) << activation_name(a);
          // Central differences: O(h^2) truncation, O(eps / h) rounding.
          EXPECT_NEAR(hjv(i, k), (hp(i, k) - hm(i, k)) / (2 * h), 2e-6 * (1 + std::abs(jref(k)))) << activation_name(a);
        }
        EXPECT_NEAR(hdiv(i), r.jac.trace(), 1e-11 * (1 + std::abs(r.jac.trace()))) << activation_name(a);
      }
    }
}

TEST(MlpField, DivergenceOfALinearFieldIsItsTrace) {
  // One linear layer: u(t, x) = W[:, :d] x + w_t t + b, div u = trace W[:, :d].
  const int d = 5, n = 16;
  Mlp<double> mlp(MlpArchitecture{{d + 1, d}, Activation::tanh, {}});
  mlp.initialize(3);
  const auto p = host(mlp.parameters());
  double tr = 0;
  for (int k = 0; k < d; ++k) tr += p(k * (d + 1) + k);
  const Batch<double> in(n, d, 4);
  Rows<double> dx("dx", n, d);
  Kokkos::View<double*> div("div", n);
  MlpField<double>(mlp).divergence(Exec(), in.t, in.x, dx, div);
  const auto hdiv = host(div);
  for (int i = 0; i < n; ++i) EXPECT_NEAR(hdiv(i), tr, 1e-14);
}

// Row i's results depend on row i alone, bitwise: subsets, single rows, reversed order.
template <class T, class Gemm>
void expect_row_invariance(int width, int n = 300) {
  const int d = 2;
  const auto mlp = random_mlp<T, Host>(d, width, 3, Activation::silu, {}, 11);
  const MlpField<T, Host, Gemm> f(mlp);
  const Batch<T> in(n, d, 12);
  using HostRows = Kokkos::View<T**, Kokkos::LayoutRight, Kokkos::HostSpace>;
  HostRows dx("dx", n, d), jv("jv", n, d);
  Kokkos::View<T*, Kokkos::HostSpace> div("div", n);
  HostRows x("x", n, d), v("v", n, d);
  Kokkos::View<T*, Kokkos::HostSpace> t("t", n);
  Kokkos::deep_copy(x, host(in.x));
  Kokkos::deep_copy(v, host(in.v));
  Kokkos::deep_copy(t, host(in.t));
  f.jvp(Host(), t, x, v, dx, jv);
  HostRows dx2("dx2", n, d);
  f.divergence(Host(), t, x, dx2, div);
  Host().fence();
  for (int m : {1, 2, 17, 150}) {
    for (int off : {0, 77}) {
      if (off + m > n) continue;
      // Reversed copy of rows [off, off + m).
      HostRows xs("xs", m, d), vs("vs", m, d), ys("ys", m, d), js("js", m, d);
      Kokkos::View<T*, Kokkos::HostSpace> ts("ts", m), ds("ds", m);
      for (int i = 0; i < m; ++i) {
        const int src = off + m - 1 - i;
        ts(i) = t(src);
        for (int k = 0; k < d; ++k) {
          xs(i, k) = x(src, k);
          vs(i, k) = v(src, k);
        }
      }
      f.jvp(Host(), ts, xs, vs, ys, js);
      Host().fence();
      for (int i = 0; i < m; ++i)
        for (int k = 0; k < d; ++k) {
          const int src = off + m - 1 - i;
          ASSERT_EQ(std::memcmp(&ys(i, k), &dx(src, k), sizeof(T)), 0) << "m " << m << " row " << i;
          ASSERT_EQ(std::memcmp(&js(i, k), &jv(src, k), sizeof(T)), 0) << "m " << m << " row " << i;
        }
      f.divergence(Host(), ts, xs, ys, ds);
      Host().fence();
      for (int i = 0; i < m; ++i) ASSERT_EQ(std::memcmp(&ds(i), &div(off + m - 1 - i), sizeof(T)), 0);
      // A subview with fewer rows than allocated (active-set compaction).
      auto sub = Kokkos::subview(xs, Kokkos::pair<int, int>(0, m / 2 + 1), Kokkos::ALL);
      auto subt = Kokkos::subview(ts, Kokkos::pair<int, int>(0, m / 2 + 1));
      auto suby = Kokkos::subview(ys, Kokkos::pair<int, int>(0, m / 2 + 1), Kokkos::ALL);
      f(Host(), subt, sub, suby);
      Host().fence();
      for (int i = 0; i < m / 2 + 1; ++i)
        ASSERT_EQ(std::memcmp(&ys(i, 0), &dx(off + m - 1 - i, 0), sizeof(T) * d), 0);
    }
  }
}

TEST(MlpField, RowsAreBitwiseIndependentOfTheBatchEigen) {
  expect_row_invariance<float, EigenGemm>(512);
  expect_row_invariance<double, EigenGemm>(128);
}

TEST(MlpField, RowsAreBitwiseIndependentOfTheBatchPortableKernels) {
  expect_row_invariance<float, KokkosGemm>(32, 160);
}

TEST(MlpField, PortableKernelsAgreeWithEigen) {
  const int d = 3, n = 100;
  const auto mlp = random_mlp<double, Host>(d, 48, 2, Activation::gelu, {}, 5);
  const Batch<double> in(n, d, 6);
  using HostRows = Kokkos::View<double**, Kokkos::LayoutRight, Kokkos::HostSpace>;
  HostRows x("x", n, d), a("a", n, d), b("b", n, d);
  Kokkos::View<double*, Kokkos::HostSpace> t("t", n), da("da", n), db("db", n);
  Kokkos::deep_copy(x, host(in.x));
  Kokkos::deep_copy(t, host(in.t));
  MlpField<double, Host, EigenGemm>(mlp).divergence(Host(), t, x, a, da);
  MlpField<double, Host, KokkosGemm>(mlp).divergence(Host(), t, x, b, db);
  Host().fence();
  for (int i = 0; i < n; ++i) {
    for (int k = 0; k < d; ++k) EXPECT_NEAR(a(i, k), b(i, k), 1e-12 * (1 + std::abs(a(i, k))));
    EXPECT_NEAR(da(i), db(i), 1e-12 * (1 + std::abs(da(i))));
  }
}

// The field shares the network's parameters: a change after the first evaluation (training) is
// seen by the next one, also where the host products keep the weights packed (packed_gemm on
// AVX-512 builds repacks when the parameters differ from the copy it packed).
TEST(MlpField, SeesParameterUpdates) {
  const int d = 2, n = 40;
  auto mlp = random_mlp<float>(d, 64, 3, Activation::silu, {}, 11);
  const Batch<float> in(n, d, 12);
  Rows<float> before("before", n, d), after("after", n, d), fresh("fresh", n, d), copy("copy", n, d);
  const MlpField<float> f(mlp);
  const MlpField<float> g = f;  // shares the workspace and the packed weights
  f(Exec(), in.t, in.x, before);
  mlp.initialize(13, Exec());  // new parameters in the same storage
  f(Exec(), in.t, in.x, after);
  g(Exec(), in.t, in.x, copy);
  MlpField<float>(mlp.clone())(Exec(), in.t, in.x, fresh);
  const auto hb = host(before), ha = host(after), hf = host(fresh), hc = host(copy);
  int changed = 0;
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < d; ++k) {
      changed += hb(i, k) != ha(i, k);
      ASSERT_EQ(std::memcmp(&ha(i, k), &hf(i, k), sizeof(float)), 0) << i << " " << k;
      ASSERT_EQ(std::memcmp(&hc(i, k), &hf(i, k), sizeof(float)), 0) << i << " " << k;
    }
  EXPECT_GT(changed, n);  // the new parameters change the field
}

TEST(MlpField, FloatAgreesWithDouble) {
  const int d = 2, n = 50;
  const auto md = random_mlp<double>(d, 64, 3, Activation::silu);
  Mlp<float> mf(md.architecture());
  const auto pd = host(md.parameters());
  auto pf = Kokkos::create_mirror_view(mf.parameters());
  for (std::size_t i = 0; i < pd.extent(0); ++i) pf(i) = static_cast<float>(pd(i));
  Kokkos::deep_copy(mf.parameters(), pf);
  const Batch<double> bd(n, d, 8);
  const Batch<float> bf(n, d, 8);
  Rows<double> yd("yd", n, d);
  Rows<float> yf("yf", n, d);
  MlpField<double>{md}(Exec(), bd.t, bd.x, yd);
  MlpField<float>{mf}(Exec(), bf.t, bf.x, yf);
  const auto hd = host(yd);
  const auto hf = host(yf);
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < d; ++k) EXPECT_NEAR(hf(i, k), hd(i, k), 2e-5 * (1 + std::abs(hd(i, k))));
}

TEST(MlpPointField, AgreesWithTheBatchedField) {
  const int d = 2, n = 20;
  const auto mlp = random_mlp<double>(d, 32, 3, Activation::elu);
  const Batch<double> in(n, d, 3);
  Rows<double> dx("dx", n, d), dp("dp", n, d);
  MlpField<double>{mlp}(Exec(), in.t, in.x, dx);
  point_evaluations(MlpPointField<double>(mlp), in.t, in.x, dp);
  const auto a = host(dx), b = host(dp);
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < d; ++k) EXPECT_NEAR(a(i, k), b(i, k), 1e-12 * (1 + std::abs(a(i, k))));
}

TEST(MlpField, ArchitectureValidation) {
  EXPECT_THROW(Mlp<double>(MlpArchitecture{{3}, Activation::silu, {}}), InvalidArgument);
  EXPECT_THROW(Mlp<double>(MlpArchitecture{{2, 8, 2}, Activation::silu, {}}), InvalidArgument);  // needs 3 inputs
  TimeEmbedding odd;
  odd.kind = TimeEmbedding::Kind::sinusoidal;
  odd.dim = 5;
  EXPECT_THROW(Mlp<double>(MlpArchitecture::make(2, 8, 1, Activation::silu, odd)), InvalidArgument);
  static_assert(BatchedFieldWithJvp<MlpField<float>>);
  static_assert(BatchedFieldWithDivergence<MlpField<double>>);
}

}  // namespace
