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
#include <odeflow/solvers/tableaus/verner76.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <vector>

#if __has_include(<cxxabi.h>)
#include <cxxabi.h>
#define ODEFLOW_TEST_DEMANGLE 1
#endif

namespace {

using real = long double;

constexpr int max_tree_order = 10;  // proves exactness of declared orders up to 9

// A condition holds when its residual is below this; the coefficients are published with
// 16 to 30 significant digits and evaluated in long double.
constexpr real holds_tol = 1e-12L;
// A condition fails when its residual exceeds this (principal error coefficients are
// many orders of magnitude above rounding).
constexpr real fails_tol = 1e-10L;

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

struct TableauData {
  int s = 0;   // stages of a step
  int ds = 0;  // stored stages (step + extra dense stages): the side of the square a
  std::vector<real> a, b, e, e2, d;
  int dense_degree = 0;
};

template <class Tab>
TableauData load() {
  const Tab tab{};
  TableauData k;
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
std::vector<std::vector<real>> elementary_weights(const TableauData& k) {
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

std::vector<real> dense_weights(const TableauData& k, real theta) {
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

// ------------------------------------------------------------------ tableau lists

template <class... Tabs>
struct TableauList {};

using AllTableaus = TableauList<
    odeflow::Euler<real>, odeflow::ExplicitMidpoint<real>, odeflow::Heun2<real>, odeflow::Ralston2<real>,
    odeflow::RungeKutta4<real>, odeflow::RungeKutta4ThreeEighths<real>, odeflow::HeunEuler21<real>,
    odeflow::BogackiShampine32<real>, odeflow::Fehlberg45<real>, odeflow::CashKarp54<real>,
    odeflow::DormandPrince54<real>, odeflow::Tsitouras54<real>, odeflow::Verner65<real>,
    odeflow::Verner76<real>, odeflow::DormandPrince853<real>>;

template <class T, class List>
struct Prepend;
template <class T, class... Ts>
struct Prepend<T, TableauList<Ts...>> {
  using type = TableauList<T, Ts...>;
};

/// The tableaus of a list for which Keep<Tab>::value holds (a TableauList).
template <template <class> class Keep, class List>
struct Select {
  using type = TableauList<>;
};
template <template <class> class Keep, class T, class... Ts>
struct Select<Keep, TableauList<T, Ts...>> {
  using rest = typename Select<Keep, TableauList<Ts...>>::type;
  using type = std::conditional_t<Keep<T>::value, typename Prepend<T, rest>::type, rest>;
};

template <class List>
struct AsTypes;
template <class... Ts>
struct AsTypes<TableauList<Ts...>> {
  using type = ::testing::Types<Ts...>;
};

template <class Tab>
struct Any : std::true_type {};
template <class Tab>
struct FixedStep : std::bool_constant<!odeflow::is_embedded_v<Tab>> {};
template <class Tab>
struct Embedded : std::bool_constant<odeflow::is_embedded_v<Tab>> {};
template <class Tab>
struct Dense : std::bool_constant<odeflow::has_dense_output_v<Tab>> {};
template <class Tab>
struct DualError : std::bool_constant<odeflow::has_dual_error_estimate<Tab>()> {};

template <template <class> class Keep>
using TableausWhere = typename AsTypes<typename Select<Keep, AllTableaus>::type>::type;

/// Test names from the tableau's type: "odeflow::Verner65<long double>" -> "Verner65".
struct TableauName {
  template <class Tab>
  static std::string GetName(int index) {
#ifdef ODEFLOW_TEST_DEMANGLE
    int status = 0;
    std::unique_ptr<char, void (*)(void*)> demangled(
        abi::__cxa_demangle(typeid(Tab).name(), nullptr, nullptr, &status), std::free);
    if (status == 0 && demangled) {
      std::string name = demangled.get();
      name = name.substr(0, name.find('<'));
      if (const auto colon = name.rfind("::"); colon != std::string::npos) name = name.substr(colon + 2);
      return name;
    }
#endif
    return std::to_string(index);
  }
};

// ------------------------------------------------------------------ scalar types

template <class Tab>
struct Rebind;
template <template <class> class Tableau, class T>
struct Rebind<Tableau<T>> {
  template <class U>
  using as = Tableau<U>;
};

/// Every coefficient of Tab<U> is finite and within a few roundings of the long double one
/// (catches literals that overflow or lose precision in float).
template <class U, class Tab>
void expect_rounded_from_long_double() {
  using TabU = typename Rebind<Tab>::template as<U>;
  const TabU lo{};
  const Tab hi{};
  const real tol = 4 * real(std::numeric_limits<U>::epsilon());
  auto same = [&](const auto& x, const auto& y, const char* name) {
    ASSERT_EQ(x.size(), y.size()) << name;
    for (std::size_t i = 0; i < x.size(); ++i) {
      EXPECT_TRUE(std::isfinite(x[i])) << name << "[" << i << "]";
      EXPECT_LE(std::abs(real(x[i]) - y[i]), tol * std::abs(y[i]))
          << name << "[" << i << "] = " << double(y[i]) << " in " << typeid(U).name();
    }
  };
  same(lo.c, hi.c, "c");
  same(lo.a, hi.a, "a");
  same(lo.b, hi.b, "b");
  same(lo.e, hi.e, "e");
  if constexpr (odeflow::has_dual_error_estimate<Tab>()) same(lo.e2, hi.e2, "e2");
  if constexpr (odeflow::has_dense_output_v<Tab>) same(lo.d, hi.d, "d");
}

template <class Tab>
class Coefficients : public ::testing::Test {};
TYPED_TEST_SUITE(Coefficients, TableausWhere<Any>, TableauName);

TYPED_TEST(Coefficients, AreFiniteAndRoundedInFloatAndDouble) {
  static_assert(odeflow::ExplicitTableau<typename Rebind<TypeParam>::template as<float>>);
  expect_rounded_from_long_double<float, TypeParam>();
  expect_rounded_from_long_double<double, TypeParam>();
}

// ------------------------------------------------------------------ order tests

template <class Tab>
class PropagatedSolution : public ::testing::Test {};
TYPED_TEST_SUITE(PropagatedSolution, TableausWhere<Any>, TableauName);

TYPED_TEST(PropagatedSolution, HasExactlyItsOrder) {
  using Tab = TypeParam;
  const auto k = load<Tab>();
  expect_order(k.b, elementary_weights(k), Tab::order, true, "b");
}

template <class Tab>
class FixedStepTableau : public ::testing::Test {};
TYPED_TEST_SUITE(FixedStepTableau, TableausWhere<FixedStep>, TableauName);

TYPED_TEST(FixedStepTableau, HasNoErrorWeights) {
  for (real x : load<TypeParam>().e) EXPECT_EQ(x, real(0));
}

template <class Tab>
class EmbeddedSolution : public ::testing::Test {};
TYPED_TEST_SUITE(EmbeddedSolution, TableausWhere<Embedded>, TableauName);

TYPED_TEST(EmbeddedSolution, HasExactlyItsOrder) {
  using Tab = TypeParam;
  const auto k = load<Tab>();
  expect_order(minus(k.b, k.e), elementary_weights(k), Tab::embedded_order, true, "bhat = b - e");
}

template <class Tab>
class DenseOutput : public ::testing::Test {};
TYPED_TEST_SUITE(DenseOutput, TableausWhere<Dense>, TableauName);

TYPED_TEST(DenseOutput, HasExactlyItsOrder) {
  using Tab = TypeParam;
  const auto k = load<Tab>();
  const auto phi = elementary_weights(k);
  for (real theta : {0.3L, 0.7L})
    expect_order(dense_weights(k, theta), phi, Tab::dense_order, true, "b(theta)", theta);
}

TYPED_TEST(DenseOutput, EndsAtTheStep) {
  // b(1) = b (checked at compile time to 1e-15), so b(1) has the step's order.
  using Tab = TypeParam;
  const auto k = load<Tab>();
  expect_order(dense_weights(k, 1), elementary_weights(k), Tab::order, false, "b(1)");
}

template <class Tab>
class SecondErrorEstimate : public ::testing::Test {};
TYPED_TEST_SUITE(SecondErrorEstimate, TableausWhere<DualError>, TableauName);

TYPED_TEST(SecondErrorEstimate, IsThirdOrder) {
  const auto k = load<TypeParam>();
  expect_order(minus(k.b, k.e2), elementary_weights(k), 3, true, "b - e2");
}

}  // namespace
