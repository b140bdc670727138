// ErrorNorm::components: trailing state components (a likelihood's l, Hutchinson probes) never change the steps.
#include <odeflow/solvers/default_options.hpp>
#include <odeflow/solvers/solve.hpp>
#include <odeflow/solvers/tableaus/dormand_prince54.hpp>
#include <odeflow/solvers/tableaus/dormand_prince853.hpp>

#include <Kokkos_Core.hpp>
#include <gtest/gtest.h>

#include <array>
#include <cstring>

namespace {

using namespace odeflow;

// y0' = -y0 + cos(3 t) (measured); y1' = 1e3 y0 (a passive integral); y2' = 0 (a fixed probe).
struct Field {
  template <class TT, class Y, class DY>
  KOKKOS_FUNCTION void operator()(TT t, const Y& y, DY& dy) const {
    dy[0] = -y[0] + Kokkos::cos(3 * t);
    dy[1] = 1e3 * y[0];
    dy[2] = 0.0;
  }
};
struct Field1 {
  template <class TT, class Y, class DY>
  KOKKOS_FUNCTION void operator()(TT t, const Y& y, DY& dy) const {
    dy[0] = -y[0] + Kokkos::cos(3 * t);
  }
};

template <class Tab>
void check() {
  auto opt = default_options<Tab>();
  opt.norm.rtol = 1e-7;
  opt.norm.atol = 1e-9;
  const auto one = solve(Tab{}, Field1{}, std::array<double, 1>{0.7}, 0.0, 5.0, opt);
  opt.norm.components = 1;
  const auto three = solve(Tab{}, Field{}, std::array<double, 3>{0.7, 0.0, 1e6}, 0.0, 5.0, opt);
  ASSERT_EQ(one.stats.status, Status::success);
  EXPECT_EQ(std::memcmp(&one.y[0], &three.y[0], sizeof(double)), 0);
  EXPECT_EQ(one.stats.nfe, three.stats.nfe);
  EXPECT_EQ(one.stats.accepted, three.stats.accepted);
  EXPECT_EQ(one.stats.rejected, three.stats.rejected);
  EXPECT_EQ(three.y[2], 1e6);  // a zero derivative keeps the value exactly
  opt.norm.components = 0;     // measured, the large passive components change the steps
  const auto all = solve(Tab{}, Field{}, std::array<double, 3>{0.7, 0.0, 1e6}, 0.0, 5.0, opt);
  EXPECT_NE(all.stats.nfe, one.stats.nfe);
}

TEST(ErrorNormComponents, TrailingComponentsDoNotChangeTheStepsDopri5) { check<DormandPrince54<double>>(); }
TEST(ErrorNormComponents, TrailingComponentsDoNotChangeTheStepsDop853) { check<DormandPrince853<double>>(); }

}  // namespace
