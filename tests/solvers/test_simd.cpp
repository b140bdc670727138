// Host SIMD packs: every lane of a Pack operation equals the scalar operation on that lane
// (bitwise: the ensembles' batch invariance rests on it), and the step-size power against
// the C library's pow.
#include <odeflow/solvers/simd.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>

using namespace odeflow;

namespace {

template <class T>
bool same_bits(T a, T b) {
  return std::memcmp(&a, &b, sizeof(T)) == 0;
}

// Lanes with mixed signs, magnitudes, zeros and a subnormal, so that selects and abs see both branches.
template <class T, int W>
void fill(Pack<T, W>& p, std::mt19937_64& g) {
  std::uniform_real_distribution<double> u(-3, 3);
  for (int l = 0; l < W; ++l) p.v[l] = T(u(g) * std::exp(3 * u(g)));
  p.v[0] = T(0);
  p.v[W - 1] = -std::numeric_limits<T>::denorm_min();
}

template <class T, int W>
void check_lanewise() {
  using P = Pack<T, W>;
  std::mt19937_64 g(7);
  for (int rep = 0; rep < 200; ++rep) {
    P a, b, c;
    fill(a, g);
    fill(b, g);
    fill(c, g);
    const P s = a + b, d = a - b, m = a * b, q = a / (b + T(5)), n = -a;
    const P f = simd::fma(a, b, c), r = simd::sqrt(simd::abs(a)), ab = simd::abs(a);
    const P mx = simd::max(a, b), mn = simd::min(a, b);
    const auto lt = a < b;
    const P sel = simd::select(lt, a, c);
    const auto fin = simd::isfinite(q);
    for (int l = 0; l < W; ++l) {
      const T x = a.v[l], y = b.v[l], z = c.v[l];
      EXPECT_TRUE(same_bits(s.v[l], T(x + y))) << l;
      EXPECT_TRUE(same_bits(d.v[l], T(x - y))) << l;
      EXPECT_TRUE(same_bits(m.v[l], T(x * y))) << l;
      EXPECT_TRUE(same_bits(q.v[l], T(x / (y + T(5))))) << l;
      EXPECT_TRUE(same_bits(n.v[l], T(-x))) << l;
      EXPECT_TRUE(same_bits(f.v[l], simd::fma(x, y, z))) << l;
      EXPECT_TRUE(same_bits(ab.v[l], std::fabs(x))) << l;
      EXPECT_TRUE(same_bits(r.v[l], std::sqrt(std::fabs(x)))) << l;
      EXPECT_TRUE(same_bits(mx.v[l], x < y ? y : x)) << l;
      EXPECT_TRUE(same_bits(mn.v[l], y < x ? y : x)) << l;
      EXPECT_EQ(lt.v[l] != 0, x < y) << l;
      EXPECT_TRUE(same_bits(sel.v[l], x < y ? x : z)) << l;
      EXPECT_NE(fin.v[l], 0) << l;
    }
    // An int mask choosing among wider lanes (counters and statuses use them).
    const Pack<int, W> ilt(lt);
    const P isel = simd::select(ilt, a, c);
    for (int l = 0; l < W; ++l) EXPECT_TRUE(same_bits(isel.v[l], a.v[l] < b.v[l] ? a.v[l] : c.v[l])) << l;
  }
  // any / all / not on masks with one lane set, one lane clear.
  for (int k = 0; k < W; ++k) {
    mask_t<P> one(0), all_but(1);
    one.v[k] = 1;
    all_but.v[k] = 0;
    EXPECT_TRUE(simd::any(one));
    EXPECT_EQ(simd::all(one), W == 1);
    EXPECT_TRUE(simd::any(all_but) || W == 1);
    EXPECT_FALSE(simd::all(all_but));
    const auto inv = !one;
    for (int l = 0; l < W; ++l) EXPECT_EQ(inv.v[l] != 0, l != k);
    // Masks from comparisons (all ones) and from bools (1) combine as sets.
    const P ones(T(1));
    const auto cmp = ones < ones;  // no lane set
    EXPECT_FALSE(simd::any(cmp));
    EXPECT_TRUE(simd::all(!cmp));
    EXPECT_TRUE(simd::all(mask_t<P>(mask_t<P>(!cmp) & all_but) | one));
    EXPECT_FALSE(simd::any(mask_t<P>(mask_t<P>(!cmp) & mask_t<P>(!all_but) & mask_t<P>(!one))));
  }
  EXPECT_FALSE(simd::any(mask_t<P>(0)));
  EXPECT_TRUE(simd::all(mask_t<P>(1)));
  // Non-finite lanes are flagged by isfinite.
  P nf(T(1));
  nf.v[W / 2] = std::numeric_limits<T>::infinity();
  nf.v[0] = std::numeric_limits<T>::quiet_NaN();
  const auto fl = simd::isfinite(nf);
  for (int l = 0; l < W; ++l) EXPECT_EQ(fl.v[l] != 0, l != 0 && l != W / 2) << l;
}

}  // namespace

TEST(Simd, PackLanesEqualScalarDouble) { check_lanewise<double, 8>(); }
TEST(Simd, PackLanesEqualScalarFloat) { check_lanewise<float, 16>(); }
TEST(Simd, PackLanesEqualScalarNarrow) {
  check_lanewise<double, 4>();
  check_lanewise<float, 8>();
}

// The step-size power: within 1e-10 of the C library's pow over the range step-size
// factors use (series cut for speed: docs/concepts/controller.md), and every pack lane
// bitwise equal to the scalar function; half_ln and exp_fma are the same arithmetic regrouped.
TEST(Simd, PowAgainstLibmAndLanes) {
  std::mt19937_64 g(3);
  std::uniform_real_distribution<double> lx(-30, 30), uy(-1, 1);
  // Also ln against the C library (absolute: ln 1 = 0), half_ln == 0.5 ln bitwise, exp_fma
  // against x^y x2^y2 from the logarithms; lanes bitwise the scalars.
  double worst = 0, worst2 = 0, worst_ln = 0, worst_e2 = 0;
  for (int i = 0; i < 20000; ++i) {
    Pack<double, 8> x, y, x2, y2;
    for (int l = 0; l < 8; ++l) {
      x.v[l] = std::exp(lx(g));
      y.v[l] = uy(g);
      x2.v[l] = std::exp(lx(g));
      y2.v[l] = 0.1 * uy(g);
    }
    const auto p = simd::pow(x, y);
    const auto p2 = simd::pow2(x, y, x2, y2);
    const auto ln = simd::ln(x), hl = simd::half_ln(x);
    const auto c2 = y2 * simd::ln(x2);
    const auto e2 = simd::exp_fma(y, ln, c2);
    for (int l = 0; l < 8; ++l) {
      const double ref = std::pow(x.v[l], y.v[l]);
      const double ref2 = ref * std::pow(x2.v[l], y2.v[l]);
      worst = std::max(worst, std::abs(p.v[l] - ref) / ref);
      worst2 = std::max(worst2, std::abs(p2.v[l] - ref2) / ref2);
      worst_ln = std::max(worst_ln, std::abs(ln.v[l] - std::log(x.v[l])));
      worst_e2 = std::max(worst_e2, std::abs(e2.v[l] - ref2) / ref2);
      EXPECT_TRUE(same_bits(p.v[l], simd::pow(x.v[l], y.v[l])));
      EXPECT_TRUE(same_bits(p2.v[l], simd::pow2(x.v[l], y.v[l], x2.v[l], y2.v[l])));
      EXPECT_TRUE(same_bits(hl.v[l], 0.5 * ln.v[l])) << x.v[l];
      EXPECT_TRUE(same_bits(hl.v[l], simd::half_ln(x.v[l])));
      EXPECT_TRUE(same_bits(e2.v[l], simd::exp_fma(y.v[l], ln.v[l], c2.v[l])));
    }
  }
  std::printf("[simd] pow: worst relative error %.3g, pow2 %.3g; ln: worst absolute error %.3g; "
              "exp_fma: worst relative error %.3g\n", worst, worst2, worst_ln, worst_e2);
  EXPECT_LT(worst, 1e-10);
  EXPECT_LT(worst2, 1e-10);
  EXPECT_LT(worst_ln, 1e-10);
  EXPECT_LT(worst_e2, 1e-10);
  const Pack<float, 16> hf = simd::half_ln(Pack<float, 16>(0.37f));
  EXPECT_TRUE(same_bits(hf.v[3], 0.5f * simd::ln(0.37f)));
  // float packs (evaluated in double, one register at a time): lanes equal the scalar function.
  Pack<float, 16> xf, yf;
  for (int l = 0; l < 16; ++l) {
    xf.v[l] = float(std::exp(lx(g)));
    yf.v[l] = float(uy(g));
  }
  const auto pf = simd::pow(xf, yf), pf2 = simd::pow2(xf, yf, yf * yf, xf);
  for (int l = 0; l < 16; ++l) {
    EXPECT_TRUE(same_bits(pf.v[l], simd::pow(xf.v[l], yf.v[l]))) << l;
    EXPECT_TRUE(same_bits(pf2.v[l], simd::pow2(xf.v[l], yf.v[l], yf.v[l] * yf.v[l], xf.v[l]))) << l;
    EXPECT_NEAR(pf.v[l], std::pow(double(xf.v[l]), double(yf.v[l])), 1e-6 * pf.v[l]) << l;
  }
  // exponent 0 on the second factor: exactly the one-factor power (a PI controller after a rejection).
  EXPECT_TRUE(same_bits(simd::pow2(0.37, -0.17, 1e-4, 0.0), simd::pow(0.37, -0.17)));
}
