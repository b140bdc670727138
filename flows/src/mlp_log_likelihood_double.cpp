// log_likelihood_mlp for MlpField<double> (mlp_flows.hpp): the by-name log_likelihood(), every method, compiled once.
#include <odeflow/flows/mlp_flows.hpp>

namespace odeflow {

LikelihoodResult<double, MlpFlowMemory> log_likelihood_mlp(const MlpFlowExec& space, const MlpField<double>& f,
                                                       const StandardNormal<double>& source,
                                                       const MlpFlowConstRows<double>& x1,
                                                       const LikelihoodOptions<double>& opt) {
  return log_likelihood(space, f, source, x1, opt);
}

}  // namespace odeflow
