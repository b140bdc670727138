// The odeflow command: train, sample, score and benchmark flows and ODE ensembles.
//
//   odeflow [--threads N] [--quiet] <subcommand> [options]     odeflow <subcommand> --help
//
// Exit codes: 0 success; 1 a bad argument, file or failed run (one line on stderr says what);
// 2 command-line syntax (CLI11's message); 3 some trajectories or samples did not succeed.
//
// Built with MPI, `mpirun -n P odeflow sample|likelihood|ensemble ...` splits the rows over the
// ranks (docs/mpi.md): rank 0 writes the outputs and prints; every rank ends with the same code.
#include "cli.hpp"
#include "distributed.hpp"

#include <odeflow/solvers/validation.hpp>

#include <Kokkos_Core.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <limits>
#ifdef KOKKOS_ENABLE_OPENMP
#include <omp.h>
#endif

namespace {

/// The most host threads the backend can run. Kokkos' OpenMP backend keeps its per-thread data in
/// a fixed array of OpenMPTraits::MAX_THREAD_COUNT (512) entries and writes past its end when given
/// more (Kokkos 5.2.2: SIGSEGV from 515 threads, a hang at 513 and 514); and OpenMP runs at most
/// omp_get_thread_limit() threads (OMP_THREAD_LIMIT), while Kokkos would split work over as many
/// as it was asked for.
int max_host_threads() {
#ifdef KOKKOS_ENABLE_OPENMP
  return std::min<int>(Kokkos::Impl::OpenMPTraits::MAX_THREAD_COUNT, omp_get_thread_limit());
#else
  return std::numeric_limits<int>::max();
#endif
}

/// Refuses a thread count the backend cannot run, before Kokkos starts: --threads, else
/// KOKKOS_NUM_THREADS (Kokkos reads it), else OpenMP's default team (OMP_NUM_THREADS, which
/// OpenMP itself trims to OMP_THREAD_LIMIT).
void check_thread_count(int threads) {
  using odeflow::cli::Error;
  const int cap = max_host_threads();
#ifdef KOKKOS_ENABLE_OPENMP
  const int pool = Kokkos::Impl::OpenMPTraits::MAX_THREAD_COUNT;
  const std::string limit = "at most " + std::to_string(cap) +
                            (cap < pool ? " threads (OMP_THREAD_LIMIT)" : " threads (Kokkos' OpenMP backend)");
#else
  const std::string limit = "at most " + std::to_string(cap) + " threads";
#endif
  if (threads > cap)
    throw Error("--threads " + std::to_string(threads) + " is more than this build can run: " + limit);
  if (threads > 0) return;
  if (const char* env = std::getenv("KOKKOS_NUM_THREADS")) {
    char* end = nullptr;
    const long v = std::strtol(env, &end, 10);
    if (end != env && v > cap)
      throw Error("KOKKOS_NUM_THREADS=" + std::string(env) + " is more than this build can run: " + limit +
                  "; set it lower or give --threads");
    if (end != env) return;
  }
#ifdef KOKKOS_ENABLE_OPENMP
  const int team = std::min(omp_get_max_threads(), omp_get_thread_limit());
  if (team > pool) {
    const char* env = std::getenv("OMP_NUM_THREADS");
    throw Error("OMP_NUM_THREADS=" + std::string(env ? env : "") + " asks for " + std::to_string(team) +
                " threads, more than this build can run: at most " + std::to_string(pool) +
                " threads (Kokkos' OpenMP backend); set it lower or give --threads");
  }
#endif
}

}  // namespace

int main(int argc, char** argv) {
  using namespace odeflow::cli;
  const MpiSession mpi(&argc, &argv);  // before Kokkos starts, finalised after it ends
  const bool speaks = world_rank() == 0;  // only rank 0 prints usage and argument errors
  CLI::App app{"odeflow: batched ODE solvers on Kokkos, with flow matching"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("odeflow ") + ODEFLOW_VERSION_STRING);
  Global g;
  app.add_option("--threads", g.threads, "Host threads (default: OMP_NUM_THREADS, else all cores)")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("-q,--quiet", g.quiet, "No progress bars or summaries on stderr");
  app.add_flag("!--no-progress", g.progress, "No progress bars");
  add_info(app, g);
  add_train(app, g);
  add_sample(app, g);
  add_likelihood(app, g);
  add_demo(app, g);
  add_bench(app, g);
  add_ensemble(app, g);

  // Kokkos starts after parsing (so that --help and syntax errors cost nothing) and before
  // the subcommand's callback runs.
  std::unique_ptr<Kokkos::ScopeGuard> kokkos;
  app.parse_complete_callback([&] {
    check_thread_count(g.threads);
    Kokkos::InitializationSettings s;
    if (g.threads > 0) s.set_num_threads(g.threads);
    s.set_disable_warnings(true);
    kokkos = std::make_unique<Kokkos::ScopeGuard>(s);
  });
  // The first word that is not an option (or an option's value) must name a subcommand.
  for (int i = 1; i < argc; ++i) {
    const std::string w = argv[i];
    if (w == "--threads") {
      ++i;
      continue;
    }
    if (!w.empty() && w[0] == '-') continue;
    if (app.get_subcommand_no_throw(w) == nullptr) {
      std::string known;
      for (const auto* s : app.get_subcommands({})) known += (known.empty() ? "" : ", ") + s->get_name();
      if (speaks)
        std::fprintf(stderr, "odeflow: error: '%s' is not a subcommand (known: %s); odeflow --help lists them\n",
                     w.c_str(), known.c_str());
      return 2;
    }
    break;
  }
  std::string sub = "odeflow";
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version print and succeed; every syntax error (CLI11's own codes) is 2.
    return (speaks ? app.exit(e) : e.get_exit_code()) == 0 ? 0 : 2;
  } catch (const ExitCode& e) {
    return e.code;
  } catch (const std::exception& e) {
    // Every rank meets argument and file errors alike: rank 0 says it. A rank's own failure
    // (RankError, from collectively()) is said by that rank.
    for (const auto* s : app.get_subcommands()) sub = "odeflow " + s->get_name();
    if (speaks || dynamic_cast<const RankError*>(&e) != nullptr)
      std::fprintf(stderr, "%s: error: %s\n", sub.c_str(), e.what());
    return 1;
  }
  return 0;
}
