// Order conditions of every tableau, checked on all rooted trees (Butcher series) up to order 10.
//
// For a rooted tree t with |t| vertices, the elementary weight of a weight vector w is
// w . Phi(t), where Phi(t)_i = prod over the subtrees u of t of (A Phi(u))_i (Phi of the
// one-vertex tree is the vector of ones), and the density is gamma(t) = |t| prod gamma(u).
// A Runge-Kutta solution with weights w has order p iff w . Phi(t) = 1/gamma(t) for every
// tree with |t| <= p (Hairer, Norsett, Wanner, Solving ODEs I, II.2,
// doi:10.1007/978-3-540-78862-1); a continuous extension w(theta) has order p iff
// w(theta) . Phi(t) = theta^|t| / gamma(t). Each tableau's declared orders are checked to
// be exact: every condition up to the order holds, and some condition one order higher fails.
#include <gtest/gtest.h>

#include <odeflow/solvers/tableaus/bogacki_shampine32.hpp>
#include <odeflow/solvers/tableaus/cash_karp54.hpp>
#include <odeflow/solvers/tableaus/dormand_prince54.hpp>
#include <odeflow/solvers/tableaus/dormand_prince853.hpp>
#include <odeflow/solvers/tableaus/euler.hpp>
#include <odeflow/solvers/tableaus/explicit_midpoint.hpp>
#include <odeflow/solvers/tableaus/fehlberg45.hpp>
#include <odeflow/solvers/tableaus/heun2.hpp>
#include <odeflow/solvers/tableaus/heun_euler21.hpp>
#include <odeflow/solvers/tableaus/ralston2.hpp>
#include <odeflow/solvers/tableaus/runge_kutta4.hpp>
#include <odeflow/solvers/tableaus/runge_kutta4_three_eighths.hpp>
#include <odeflow/solvers/tableaus/tsitouras54.hpp>
#include <odeflow/solvers/tableaus/verner65.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cxxabi.h>
#include <cstdlib>
#include <memory>
#include <string>
#include <typeinfo>
#include <vector>

namespace {

using real = long double;

constexpr int max_tree_order = 10;  // order + 1 of the highest-order method tested (DOP853: 9)

// A condition holds when its residual is below this; the coefficients are published with
// 16 to 30 significant digits and evaluated in long double.
constexpr real holds_tol = 1e-12L;
// A condition fails when its residual exceeds this (principal error coefficients are
// many orders of magnitude above rounding).
constexpr real fails_tol = 1e-8L;

// ------------------------------------------------------------------ rooted trees

/// A rooted tree as the multiset of its root's subtrees, each subtree an index of an
/// earlier tree in the same list (kept non-increasing, so every tree appears once).
struct RootedTree {
  int order;                  // |t|, number of vertices
  real gamma;                 // density gamma(t)
  std::vector<int> subtrees;  // indices into the tree list
};

/// All rooted trees with at most `max_order` vertices, sorted by order: a tree of order
/// n is a root with a multiset of trees whose orders sum to n - 1.
std::vector<RootedTree> make_trees(int max_order) {
  std::vector<RootedTree> trees{{1, real(1), {}}};
  for (int n = 2; n <= max_order; ++n) {
    const int smaller = static_cast<int>(trees.size());  // all trees of order < n
    std::vector<int> kids;
    auto grow = [&](auto&& self, int remaining, int max_index) -> void {
      if (remaining == 0) {
        real gamma = n;
        for (int k : kids) gamma *= trees[k].gamma;
        trees.push_back({n, gamma, kids});
        return;
      }
      for (int k = max_index; k >= 0; --k) {
        if (trees[k].order > remaining) continue;
        kids.push_back(k);
        self(self, remaining - trees[k].order, k);
        kids.pop_back();
      }
    };
    grow(grow, n - 1, smaller - 1);
  }
  return trees;
}

const std::vector<RootedTree>& all_trees() {
  static const std::vector<RootedTree> trees = make_trees(max_tree_order);
  return trees;
}

// ------------------------------------------------------------------ tableau as run-time data

struct Coefficients {
  int s = 0;   // stages of a step
  int ds = 0;  // stored stages (step + extra dense stages): the side of the square a
  std::vector<real> a, b, e, e2, d;
  int dense_degree = 0;
};

template <class Tab>
Coefficients load() {
  const Tab tab{};
  Coefficients k;
  k.s = Tab::num_stages;
  k.ds = odeflow::num_stored_stages_v<Tab>;
  for (int i = 0; i < k.ds * k.ds; ++i) k.a.push_back(tab.a[i]);
  for (int i = 0; i < k.s; ++i) {
    k.b.push_back(tab.b[i]);
    k.e.push_back(tab.e[i]);
  }
  if constexpr (odeflow::has_dual_error_estimate<Tab>()) {
    for (int i = 0; i < k.s; ++i) k.e2.push_back(tab.e2[i]);
  }
  if constexpr (odeflow::has_dense_output_v<Tab>) {
    k.dense_degree = Tab::dense_degree;
    for (int i = 0; i < Tab::num_dense_stages * Tab::dense_degree; ++i) k.d.push_back(tab.d[i]);
  }
  return k;
}

/// Phi(t) for every tree, over all stored stages (row i uses only stages j < i, so the
/// first s entries are those of the step).
std::vector<std::vector<real>> elementary_weights(const Coefficients& k) {
  const auto& trees = all_trees();
  std::vector<std::vector<real>> phi(trees.size()), a_phi(trees.size());
  for (std::size_t t = 0; t < trees.size(); ++t) {
    phi[t].assign(k.ds, real(1));
    for (int u : trees[t].subtrees)
      for (int i = 0; i < k.ds; ++i) phi[t][i] *= a_phi[u][i];
    a_phi[t].assign(k.ds, real(0));
    for (int i = 0; i < k.ds; ++i)
      for (int j = 0; j < i; ++j) a_phi[t][i] += k.a[i * k.ds + j] * phi[t][j];
  }
  return phi;
}

/// Largest |w . Phi(t) - theta^|t| / gamma(t)| over the trees of exactly order n.
real worst_residual(const std::vector<real>& w, const std::vector<std::vector<real>>& phi, int n,
                    real theta = 1) {
  const auto& trees = all_trees();
  real worst = 0;
  for (std::size_t t = 0; t < trees.size(); ++t) {
    if (trees[t].order != n) continue;
    real sum = 0;
    for (std::size_t i = 0; i < w.size(); ++i) sum += w[i] * phi[t][i];
    worst = std::max(worst, std::abs(sum - std::pow(theta, n) / trees[t].gamma));
  }
  return worst;
}

/// Checks that weights w satisfy every condition up to order p and, if `exact`, fail
/// one of order p + 1.
void expect_order(const std::vector<real>& w, const std::vector<std::vector<real>>& phi, int p,
                  bool exact, const char* what, real theta = 1) {
  for (int n = 1; n <= p; ++n) {
    const real r = worst_residual(w, phi, n, theta);
    EXPECT_LT(r, holds_tol) << what << " (theta = " << double(theta) << "): an order-" << n
                            << " condition fails, residual " << double(r);
  }
  if (exact) {
    ASSERT_LE(p + 1, max_tree_order);
    const real r = worst_residual(w, phi, p + 1, theta);
    EXPECT_GT(r, fails_tol) << what << " (theta = " << double(theta)
                            << "): satisfies every order-" << p + 1
                            << " condition, so its order is above the declared " << p;
  }
}

std::vector<real> minus(const std::vector<real>& x, const std::vector<real>& y) {
  std::vector<real> out(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) out[i] = x[i] - y[i];
  return out;
}

std::vector<real> dense_weights(const Coefficients& k, real theta) {
  std::vector<real> w(k.ds, real(0));
  const int stages = static_cast<int>(k.d.size()) / k.dense_degree;
  for (int i = 0; i < stages; ++i) {
    real power = theta;
    for (int p = 0; p < k.dense_degree; ++p, power *= theta) w[i] += k.d[i * k.dense_degree + p] * power;
  }
  return w;
}

// ------------------------------------------------------------------ tests

TEST(RootedTrees, CountsPerOrderMatchA000081) {
  const int expected[] = {1, 1, 2, 4, 9, 20, 48, 115, 286, 719};  // OEIS A000081
  std::vector<int> count(max_tree_order + 1, 0);
  for (const auto& t : all_trees()) ++count[t.order];
  for (int n = 1; n <= max_tree_order; ++n) EXPECT_EQ(count[n], expected[n - 1]) << "order " << n;
}

TEST(RootedTrees, DensitiesOfSmallTrees) {
  // order 3: the bushy tree [tau, tau] (gamma 3) and the tall tree [[tau]] (gamma 6)
  std::vector<real> gammas;
  for (const auto& t : all_trees())
    if (t.order == 3) gammas.push_back(t.gamma);
  ASSERT_EQ(gammas.size(), 2u);
  EXPECT_EQ(std::min(gammas[0], gammas[1]), real(3));
  EXPECT_EQ(std::max(gammas[0], gammas[1]), real(6));
  // at every order n the bushy tree has gamma n and the tall tree gamma n!
  real factorial = 1;
  for (int n = 1; n <= max_tree_order; ++n) {
    factorial *= n;
    real lo = factorial, hi = 0;
    for (const auto& t : all_trees())
      if (t.order == n) lo = std::min(lo, t.gamma), hi = std::max(hi, t.gamma);
    EXPECT_EQ(lo, real(n)) << "order " << n;
    EXPECT_EQ(hi, factorial) << "order " << n;
  }
}

template <class Tab>
class TableauOrder : public ::testing::Test {};

using AllTableaus = ::testing::Types<
    odeflow::Euler<real>, odeflow::ExplicitMidpoint<real>, odeflow::Heun2<real>, odeflow::Ralston2<real>,
    odeflow::RungeKutta4<real>, odeflow::RungeKutta4ThreeEighths<real>, odeflow::HeunEuler21<real>,
    odeflow::BogackiShampine32<real>, odeflow::Fehlberg45<real>, odeflow::CashKarp54<real>,
    odeflow::DormandPrince54<real>, odeflow::Tsitouras54<real>, odeflow::Verner65<real>,
    odeflow::DormandPrince853<real>>;

/// Test names from the tableau's type: "odeflow::Verner65<long double>" -> "Verner65".
struct TableauName {
  template <class Tab>
  static std::string GetName(int index) {
    int status = 0;
    std::unique_ptr<char, void (*)(void*)> demangled(
        abi::__cxa_demangle(typeid(Tab).name(), nullptr, nullptr, &status), std::free);
    if (status != 0 || !demangled) return std::to_string(index);
    std::string name = demangled.get();
    if (const auto colon = name.rfind("::", name.find('<')); colon != std::string::npos)
      name = name.substr(colon + 2);
    return name.substr(0, name.find('<'));
  }
};

TYPED_TEST_SUITE(TableauOrder, AllTableaus, TableauName);

TYPED_TEST(TableauOrder, PropagatedSolutionHasExactlyItsOrder) {
  using Tab = TypeParam;
  const auto k = load<Tab>();
  const auto phi = elementary_weights(k);
  expect_order(k.b, phi, Tab::order, true, "b");
}

TYPED_TEST(TableauOrder, EmbeddedSolutionHasExactlyItsOrder) {
  using Tab = TypeParam;
  const auto k = load<Tab>();
  if constexpr (Tab::embedded_order == 0) {
    for (real x : k.e) EXPECT_EQ(x, real(0)) << "fixed-step tableau with nonzero error weights";
  } else {
    const auto phi = elementary_weights(k);
    expect_order(minus(k.b, k.e), phi, Tab::embedded_order, true, "bhat = b - e");
  }
}

TYPED_TEST(TableauOrder, DenseOutputHasExactlyItsOrder) {
  using Tab = TypeParam;
  if constexpr (!odeflow::has_dense_output_v<Tab>) {
    GTEST_SKIP() << "no dense output";
  } else {
    const auto k = load<Tab>();
    const auto phi = elementary_weights(k);
    // Exactness: at each theta some condition of order dense_order + 1 fails.
    for (real theta : {0.3L, 0.7L})
      expect_order(dense_weights(k, theta), phi, Tab::dense_order, true, "b(theta)", theta);
    // At theta = 1 the continuous extension is the step itself.
    expect_order(dense_weights(k, 1), phi, Tab::order, false, "b(1)", 1);
  }
}

TYPED_TEST(TableauOrder, SecondErrorEstimateIsThirdOrder) {
  using Tab = TypeParam;
  if constexpr (!odeflow::has_dual_error_estimate<Tab>()) {
    GTEST_SKIP() << "single error estimate";
  } else {
    const auto k = load<Tab>();
    const auto phi = elementary_weights(k);
    expect_order(minus(k.b, k.e2), phi, 3, true, "b - e2");
  }
}

}  // namespace
