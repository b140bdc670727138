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

#include <cstdio>
#include <exception>

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
