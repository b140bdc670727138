// odeflow info: version, Kokkos version and backends, threads, precisions, methods.
#include "cli.hpp"

#include <odeflow/flows/activation.hpp>
#include <odeflow/flows/datasets/registry.hpp>
#include <odeflow/solvers/methods.hpp>

#include <Kokkos_Core.hpp>

#include <cstdio>

namespace odeflow::cli {

void add_info(CLI::App& app, const Global&) {
  auto* c = app.add_subcommand("info", "Version, Kokkos backends, threads, precisions and methods");
  static bool json = false;
  c->add_flag("--json", json, "Print one JSON object instead of text");
  c->callback([] {
    using Exec = Kokkos::DefaultExecutionSpace;
    const std::string kokkos = std::to_string(KOKKOS_VERSION_MAJOR) + "." + std::to_string(KOKKOS_VERSION_MINOR) +
                               "." + std::to_string(KOKKOS_VERSION_PATCH);
    std::vector<std::string> backends;
#ifdef KOKKOS_ENABLE_SERIAL
    backends.emplace_back("Serial");
#endif
#ifdef KOKKOS_ENABLE_OPENMP
    backends.emplace_back("OpenMP");
#endif
#ifdef KOKKOS_ENABLE_THREADS
    backends.emplace_back("Threads");
#endif
#ifdef KOKKOS_ENABLE_CUDA
    backends.emplace_back("Cuda");
#endif
#ifdef KOKKOS_ENABLE_HIP
    backends.emplace_back("HIP");
#endif
#ifdef KOKKOS_ENABLE_SYCL
    backends.emplace_back("SYCL");
#endif
    std::string methods, fixed, adaptive;
    for (const auto& m : odeflow::methods()) {
      (m.embedded_order > 0 ? adaptive : fixed) += (std::string(m.name) + " ");
    }
    std::string list;
    for (const auto& b : backends) list += (list.empty() ? "" : ", ") + b;
    if (json) {
      std::string b;
      for (const auto& x : backends) b += (b.empty() ? "\"" : ", \"") + x + "\"";
      std::printf(
          "{\"version\": \"%s\", \"kokkos\": \"%s\", \"backends\": [%s], \"default_execution_space\": \"%s\", "
          "\"concurrency\": %d, \"precisions\": [\"float32\", \"float64\"], \"methods\": %zu}\n",
          ODEFLOW_VERSION_STRING, kokkos.c_str(), b.c_str(), Exec::name(), Exec().concurrency(),
          odeflow::methods().size());
      return;
    }
    std::printf("odeflow %s\n", ODEFLOW_VERSION_STRING);
    std::printf("Kokkos %s; backends: %s; default execution space %s, concurrency %d\n", kokkos.c_str(), list.c_str(),
                Exec::name(), Exec().concurrency());
    std::printf("precisions: float32 (--precision float), float64 (--precision double)\n");
    std::printf("fixed-step methods: %s\n", fixed.c_str());
    std::printf("adaptive methods:   %s(any method also runs with a fixed step, --dt)\n", adaptive.c_str());
    std::printf("datasets: %s\n", odeflow::dataset_names().c_str());
    std::printf("activations: silu (swish), elu, gelu, tanh, relu, softplus\n");
  });
}

}  // namespace odeflow::cli
