// The method registry: run-time choice by name, unknown names, and docs/methods.md kept true to it.
#include <odeflow/solvers/methods.hpp>

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

using namespace odeflow;

TEST(Methods, VisitInstantiatesTheNamedTableau) {
  for (const auto& m : methods()) {
    int order = 0, embedded = -1;
    visit_method<double>(m.name, [&](auto tab) {
      using Tab = decltype(tab);
      static_assert(std::is_same_v<typename Tab::value_type, double>);
      order = Tab::order;
      embedded = Tab::embedded_order;
    });
    EXPECT_EQ(order, m.order) << m.name;
    EXPECT_EQ(embedded, m.embedded_order) << m.name;
  }
  int float_order = 0;
  visit_method<float>("tsit5", [&](auto tab) {
    static_assert(std::is_same_v<typename decltype(tab)::value_type, float>);
    float_order = decltype(tab)::order;
  });
  EXPECT_EQ(float_order, 5);
}

TEST(Methods, UnknownNameListsTheKnownOnes) {
  try {
    visit_method<double>("dopri45", [](auto) {});
    FAIL() << "no exception";
  } catch (const InvalidArgument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("'dopri45'"), std::string::npos) << what;
    EXPECT_NE(what.find("dopri5"), std::string::npos) << what;
    EXPECT_NE(what.find("dop853"), std::string::npos) << what;
  }
}

TEST(Methods, DocsTableMatchesRegistry) {
  std::ifstream in(ODEFLOW_SOURCE_DIR "/docs/methods.md");
  ASSERT_TRUE(in) << "cannot open docs/methods.md";
  std::map<std::string, std::vector<std::string>> rows;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("| `", 0) != 0) continue;
    std::vector<std::string> cells;
    std::stringstream ss(line.substr(1));
    for (std::string c; std::getline(ss, c, '|');) {
      const auto b = c.find_first_not_of(' '), e = c.find_last_not_of(' ');
      cells.push_back(b == std::string::npos ? "" : c.substr(b, e - b + 1));
    }
    rows[cells[0]] = cells;
  }
  ASSERT_EQ(rows.size(), methods().size()) << "docs/methods.md lists a different set of methods";
  for (const auto& m : methods()) {
    const std::string key = "`" + std::string(m.name) + "`";
    ASSERT_TRUE(rows.count(key)) << key << " missing from docs/methods.md";
    const auto& c = rows[key];
    ASSERT_GE(c.size(), 7u) << key;
    EXPECT_EQ(c[1], std::to_string(m.stages)) << key;
    EXPECT_EQ(c[2], std::to_string(m.order)) << key;
    EXPECT_EQ(c[3], m.embedded_order ? std::to_string(m.embedded_order) : "-") << key;
    EXPECT_EQ(c[4], m.fsal ? "yes" : "no") << key;
    const std::string dense =
        m.dense_order ? std::to_string(m.dense_order) +
                            (m.dense_extra ? " (+" + std::to_string(m.dense_extra) + " evals)" : "")
                      : "-";
    EXPECT_EQ(c[5], dense) << key;
    EXPECT_EQ(c[6], m.source) << key;
  }
}
