/** @file odeflow.h odeflow's C API (C99): opaque handles, status codes with thread-local messages, ensemble solves, MLP models, sampling and likelihood. */
#ifndef ODEFLOW_ODEFLOW_H
#define ODEFLOW_ODEFLOW_H

#include <stdint.h>

/** @file
 * Conventions (docs/c_api.md):
 * - Every function that can fail returns an odeflow_status; ODEFLOW_SUCCESS is 0. On
 *   failure, odeflow_last_error_message() (per thread) names the function, the argument
 *   and its value. Outputs are left untouched on failure unless stated otherwise.
 * - Objects are opaque handles made by *_create / *_load and released by *_destroy
 *   (NULL is accepted and ignored by *_destroy).
 * - Arrays are host memory, row-major: an (n, d) array is n rows of d contiguous values
 *   (in Fortran: a d x n array, one column per trajectory).
 * - The ABI is stable within an ODEFLOW_C_ABI_VERSION: functions are only ever added,
 *   structs declared here never change their layout, enumerators keep their values.
 * - No C++ exception crosses the boundary: an unexpected one is ODEFLOW_ERROR_INTERNAL
 *   (ODEFLOW_ERROR_OUT_OF_MEMORY for a failed allocation).
 */

/** @def ODEFLOW_C_API
 *  Marks the exported functions: default visibility (compilers defining __GNUC__), dllexport
 *  while building the library on Windows (ODEFLOW_C_BUILDING), dllimport when using it there. */
#if defined(_WIN32) && defined(ODEFLOW_C_BUILDING)
#define ODEFLOW_C_API __declspec(dllexport)
#elif defined(_WIN32)
#define ODEFLOW_C_API __declspec(dllimport)
#elif defined(__GNUC__)
#define ODEFLOW_C_API __attribute__((visibility("default")))
#else
#define ODEFLOW_C_API
#endif

#define ODEFLOW_VERSION_MAJOR 0 /**< major version of this header (odeflow_version() gives the library's) */
#define ODEFLOW_VERSION_MINOR 1 /**< minor version of this header */
#define ODEFLOW_VERSION_PATCH 0 /**< patch version of this header */
/** The shared library's ABI version (its SONAME is libodeflow_c.so.N for ABI version N). */
#define ODEFLOW_C_ABI_VERSION 1

#ifdef __cplusplus
extern "C" {
#endif

/** Result of a call. Values are fixed for the life of the ABI. On any value but
 *  ODEFLOW_SUCCESS, odeflow_last_error_message() says why. */
typedef enum odeflow_status {
  ODEFLOW_SUCCESS = 0,                /**< the call did what it says */
  ODEFLOW_ERROR_INVALID_ARGUMENT = 1, /**< a value, name or size the call cannot use */
  ODEFLOW_ERROR_NULL_POINTER = 2,     /**< a required pointer or handle is NULL */
  ODEFLOW_ERROR_NOT_INITIALIZED = 3,  /**< odeflow_initialize() has not been called (or Kokkos is finalized) */
  ODEFLOW_ERROR_STATE = 4,            /**< the call is not valid now (e.g. finalize with live handles) */
  ODEFLOW_ERROR_IO = 5,               /**< a file cannot be read or written */
  ODEFLOW_ERROR_FORMAT = 6,           /**< a file's content is malformed */
  ODEFLOW_ERROR_OUT_OF_MEMORY = 7,    /**< an allocation failed (std::bad_alloc inside) */
  ODEFLOW_ERROR_INTERNAL = 8          /**< a bug in odeflow: please report the message */
} odeflow_status;

/** How one trajectory's integration ended (odeflow::Status, same values), stored in
 *  odeflow_trajectory_stats::status: not an error of the call, which still returns
 *  ODEFLOW_SUCCESS; the state returned is the one at odeflow_trajectory_stats::t. */
enum {
  ODEFLOW_TRAJECTORY_SUCCESS = 0,           /**< reached t1 */
  ODEFLOW_TRAJECTORY_MAX_STEPS_REACHED = 1, /**< attempted steps (accepted + rejected) hit max_steps */
  ODEFLOW_TRAJECTORY_DT_UNDERFLOW = 2,      /**< the step fell below dt_min or below what changes t */
  ODEFLOW_TRAJECTORY_NON_FINITE = 3,        /**< NaN or Inf in the state or the derivative */
  ODEFLOW_TRAJECTORY_INVALID_ARGUMENT = 4   /**< options the device solve could not run with */
};

/** Statistics of one trajectory. Layout frozen: 4 int32 then 2 doubles (32 bytes). */
typedef struct odeflow_trajectory_stats {
  int32_t status;   /**< ODEFLOW_TRAJECTORY_* */
  int32_t nfe;      /**< right-hand-side evaluations */
  int32_t accepted; /**< accepted steps */
  int32_t rejected; /**< rejected step attempts */
  double t;         /**< time of the returned state (t1 on success) */
  double dt_last;   /**< the step the solver would take next (signed) */
} odeflow_trajectory_stats;

/* ---- library ---------------------------------------------------------------------- */

/** The library's version (may differ from the ODEFLOW_VERSION_* this program was compiled with).
 *  Each of major, minor, patch may be NULL (then not written). Needs no initialisation. */
ODEFLOW_C_API void odeflow_version(int32_t* major, int32_t* minor, int32_t* patch);
/** The library's version as "major.minor.patch". Static storage. */
ODEFLOW_C_API const char* odeflow_version_string(void);
/** The ABI version of the loaded library (compare with ODEFLOW_C_ABI_VERSION). */
ODEFLOW_C_API int32_t odeflow_abi_version(void);
/** The name of status s ("ODEFLOW_ERROR_NULL_POINTER"); "unknown" for other values. Static storage. */
ODEFLOW_C_API const char* odeflow_status_name(odeflow_status s);
/** The name of an ODEFLOW_TRAJECTORY_* value ("success", "max_steps_reached", "dt_underflow",
 *  "non_finite", "invalid_argument"); "unknown" for other values. Static storage. */
ODEFLOW_C_API const char* odeflow_trajectory_status_name(int32_t status);
/** The message of the last failed call on this thread, "function: what" ("" if none yet).
 *  Valid until the next failing call on this thread; successful calls do not clear it (as
 *  errno). Never NULL. */
ODEFLOW_C_API const char* odeflow_last_error_message(void);

/** Initialises Kokkos with num_threads host threads (0: Kokkos' default, e.g. OMP_NUM_THREADS).
 *  If the program already initialised Kokkos itself, odeflow uses it and never finalizes it.
 *  Calls nest: each successful odeflow_initialize needs one odeflow_finalize; only the first
 *  (outermost) call initialises, later ones just count (their num_threads is checked, not used).
 *  Thread-safe. Statuses: ODEFLOW_ERROR_INVALID_ARGUMENT for num_threads < 0;
 *  ODEFLOW_ERROR_STATE when Kokkos was already finalized in this process (it cannot restart). */
ODEFLOW_C_API odeflow_status odeflow_initialize(int32_t num_threads);
/** Undoes one odeflow_initialize; the last one finalizes Kokkos if odeflow initialised it.
 *  ODEFLOW_ERROR_STATE if no odeflow_initialize is outstanding, or if this would be the last
 *  finalize while model handles are still alive (destroy them first; nothing is undone then). */
ODEFLOW_C_API odeflow_status odeflow_finalize(void);
/** 1 while Kokkos is initialised (by odeflow or by the program) and not finalized, else 0. */
ODEFLOW_C_API int32_t odeflow_is_initialized(void);
/** The name of Kokkos' default execution space ("OpenMP", "Cuda", ...; static storage) into
 *  *name and its concurrency (e.g. host threads) into *concurrency.
 *  ODEFLOW_ERROR_NULL_POINTER for a NULL argument, ODEFLOW_ERROR_NOT_INITIALIZED before
 *  odeflow_initialize. */
ODEFLOW_C_API odeflow_status odeflow_execution_space(const char** name, int32_t* concurrency);

/* ---- solvers: a method and its options ------------------------------------------- */

/** A method with its options. Defaults: odeflow::default_options (rtol 1e-6, atol 1e-9,
 *  Hairer's controller for the method, adaptive when the method has an error estimate). */
typedef struct odeflow_solver odeflow_solver;

/** A solver for the method called `method` ("dopri5", "tsit5", "rk4", ...; see
 *  odeflow_method_count / odeflow_method_name), with that method's default options, into *out
 *  (release it with odeflow_solver_destroy). Needs no initialisation.
 *  ODEFLOW_ERROR_NULL_POINTER for a NULL method or out; ODEFLOW_ERROR_INVALID_ARGUMENT for an
 *  unknown name (the message lists the known ones). */
ODEFLOW_C_API odeflow_status odeflow_solver_create(const char* method, odeflow_solver** out);
/** Releases a solver made by odeflow_solver_create; NULL is ignored. Always ODEFLOW_SUCCESS. */
ODEFLOW_C_API odeflow_status odeflow_solver_destroy(odeflow_solver* solver);
/** Tolerances of adaptive solves: a step's error norm (RMS over components of
 *  err_k / (atol + rtol max(|y_old,k|, |y_new,k|))) must be <= 1.
 *  rtol, atol >= 0 and finite (rtol + atol > 0 is checked when an adaptive solve runs).
 *  Statuses (this and every odeflow_solver_set_*): ODEFLOW_ERROR_NULL_POINTER for a NULL
 *  solver, ODEFLOW_ERROR_INVALID_ARGUMENT for a value out of range (the solver is unchanged). */
ODEFLOW_C_API odeflow_status odeflow_solver_set_tolerances(odeflow_solver* solver, double rtol, double atol);
/** dt > 0: fixed step of that size (any method, no error control, the last step ends on t1);
 *  dt = 0: adaptive (embedded methods only, checked when a solve runs). dt finite and >= 0. */
ODEFLOW_C_API odeflow_status odeflow_solver_set_fixed_step(odeflow_solver* solver, double dt);
/** Initial step magnitude of adaptive solves (0: Hairer's estimate). dt0 finite and >= 0. */
ODEFLOW_C_API odeflow_status odeflow_solver_set_initial_step(odeflow_solver* solver, double dt0);
/** Smallest and largest step magnitudes of adaptive solves (0: no bound); both finite and
 *  >= 0, and dt_min <= dt_max when dt_max > 0. A step below dt_min ends the trajectory with
 *  ODEFLOW_TRAJECTORY_DT_UNDERFLOW. */
ODEFLOW_C_API odeflow_status odeflow_solver_set_step_bounds(odeflow_solver* solver, double dt_min, double dt_max);
/** Attempted steps per trajectory before ODEFLOW_TRAJECTORY_MAX_STEPS_REACHED (> 0). */
ODEFLOW_C_API odeflow_status odeflow_solver_set_max_steps(odeflow_solver* solver, int32_t max_steps);
/** 1: odeflow_solve_callback calls the field from the calling thread only (for fields that
 *  are not thread-safe); 0 (default): from all host threads concurrently. Same results. */
ODEFLOW_C_API odeflow_status odeflow_solver_set_serial_callbacks(odeflow_solver* solver, int32_t serial);
/** The solver's method name into *name (static storage).
 *  ODEFLOW_ERROR_NULL_POINTER for a NULL solver or name. */
ODEFLOW_C_API odeflow_status odeflow_solver_method(const odeflow_solver* solver, const char** name);

/** Number of built-in methods (the names odeflow_solver_create accepts). */
ODEFLOW_C_API int32_t odeflow_method_count(void);
/** The name of built-in method i (0 <= i < odeflow_method_count()) into *name (static storage).
 *  ODEFLOW_ERROR_NULL_POINTER for a NULL name; ODEFLOW_ERROR_INVALID_ARGUMENT for i out of range. */
ODEFLOW_C_API odeflow_status odeflow_method_name(int32_t i, const char** name);

/* ---- ensembles ---------------------------------------------------------------------- */

/** Lorenz-63 parameter study: trajectory i solves
 *    x' = sigma (y - x),  y' = x (rho[i] - z) - y,  z' = x y - beta z
 *  from t0 to t1 with the device-side PerTrajectory ensemble (one kernel, all trajectories)
 *  in Kokkos' default execution space, with `solver`'s method and options.
 *  - n: trajectories, in [0, INT_MAX]; sigma, beta: finite;
 *  - rho: (n) finite; y: (n, 3) finite initial states on entry, final states on return
 *    (each at its stats[i].t); both may be NULL when n = 0;
 *  - stats: (n) or NULL. Trajectory failures are statuses in stats, not errors.
 *  Statuses: ODEFLOW_ERROR_NULL_POINTER (solver, rho, y); ODEFLOW_ERROR_INVALID_ARGUMENT
 *  (n, a non-finite input, options the method cannot run with, e.g. adaptive without an
 *  error estimate); ODEFLOW_ERROR_NOT_INITIALIZED. y and stats are untouched on failure. */
ODEFLOW_C_API odeflow_status odeflow_solve_lorenz63(const odeflow_solver* solver, int64_t n, double sigma,
                                                   const double* rho, double beta, double t0, double t1,
                                                   double* y, odeflow_trajectory_stats* stats);

/** A field given by the caller: dydt = f_i(t, y) for trajectory i (0 <= i < n), y (read) and
 *  dydt (written) of `dim` values, `user` as given to odeflow_solve_callback.
 *  Called from several host threads at once unless odeflow_solver_set_serial_callbacks(s, 1).
 *  To stop trajectory i, write a NaN into dydt (its status becomes non_finite). */
typedef void (*odeflow_field_fn)(int64_t i, double t, const double* y, double* dydt, void* user);

/** Solves n trajectories of y_i' = f(i, t, y_i) from t0 to t1 on the host, one trajectory
 *  per host thread at a time; results are bitwise independent of n and the thread count.
 *  y: (n, dim) in/out (finite on entry; NULL allowed when n = 0); stats: (n) or NULL;
 *  user is passed to every call of f. n in [0, INT_MAX], dim in [1, INT_MAX / 64].
 *  Statuses: ODEFLOW_ERROR_NULL_POINTER (solver, f, y); ODEFLOW_ERROR_INVALID_ARGUMENT (n, dim,
 *  a non-finite y, t0 or t1, options the method cannot run with); ODEFLOW_ERROR_NOT_INITIALIZED
 *  (Kokkos' host threads run the trajectories). All are checked before the first call of f. */
ODEFLOW_C_API odeflow_status odeflow_solve_callback(const odeflow_solver* solver, int64_t n, int32_t dim,
                                                   odeflow_field_fn f, void* user, double t0, double t1,
                                                   double* y, odeflow_trajectory_stats* stats);

/* ---- models ------------------------------------------------------------------------- */

/** A time-conditioned MLP velocity field u(t, x) loaded from a safetensors checkpoint
 *  (odeflow's or PyTorch's nn.Sequential state_dict with odeflow-mlp metadata, docs/flows.md),
 *  held in double precision in Kokkos' default memory space. Calls on one handle are
 *  serialised; use one handle per thread for parallel callers. */
typedef struct odeflow_model odeflow_model;

/** Loads the checkpoint at `path` into *out (release it with odeflow_model_destroy, before the
 *  last odeflow_finalize). Statuses: ODEFLOW_ERROR_NULL_POINTER (path, out);
 *  ODEFLOW_ERROR_NOT_INITIALIZED; ODEFLOW_ERROR_IO when the file cannot be opened;
 *  ODEFLOW_ERROR_FORMAT when its content is not a valid MLP checkpoint. */
ODEFLOW_C_API odeflow_status odeflow_model_load(const char* path, odeflow_model** out);
/** Releases a model; NULL is ignored (ODEFLOW_SUCCESS). ODEFLOW_ERROR_STATE, and the model is
 *  not released, when Kokkos is already finalized. */
ODEFLOW_C_API odeflow_status odeflow_model_destroy(odeflow_model* model);
/** d, the model's state dimension, into *dim. ODEFLOW_ERROR_NULL_POINTER for a NULL argument. */
ODEFLOW_C_API odeflow_status odeflow_model_dim(const odeflow_model* model, int32_t* dim);
/** v(i, :) = u(t[i], x(i, :)) for i < n: t (n, finite), x and v (n, d) with d from
 *  odeflow_model_dim; one batched evaluation in Kokkos' default execution space.
 *  n in [0, INT_MAX / 64]; n = 0 does nothing (pointers may then be NULL).
 *  Statuses: ODEFLOW_ERROR_NULL_POINTER (model, t, x, v); ODEFLOW_ERROR_INVALID_ARGUMENT (n,
 *  a non-finite t[i]); ODEFLOW_ERROR_NOT_INITIALIZED. */
ODEFLOW_C_API odeflow_status odeflow_model_velocity(odeflow_model* model, int64_t n, const double* t,
                                                   const double* x, double* v);

/* ---- sampling and likelihood ------------------------------------------------------- */

/** Samples x1 = phi_{0 -> 1}(x0) through the model's flow: dx/dt = u(t, x) from t = 0 (source)
 *  to t = 1 (data), with `solver`'s method and options (tolerances, fixed step, step bounds,
 *  max_steps; its rtol/atol defaults 1e-6/1e-9 apply, not the 1e-5 of flow-matching codes).
 *  One lockstep solve in Kokkos' default execution space: each stage is one batched model
 *  evaluation over the active rows, each row with its own step size. A row's result is
 *  bitwise that of odeflow::sample in C++ (MlpField<double>, same method and options), and
 *  independent of n and the thread count.
 *  - n: rows, in [0, INT_MAX]; n = 0 does nothing but check the arguments (pointers may be NULL);
 *  - x0: (n, d) source points, d from odeflow_model_dim (e.g. standard normal draws);
 *  - x1: (n, d) output; may be x0 itself (in place). A row that fails keeps the state where
 *    its solve stopped;
 *  - status: (n) or NULL: ODEFLOW_TRAJECTORY_* of each row. A row with a NaN or Inf (in x0 or
 *    on the way) ends alone with ODEFLOW_TRAJECTORY_NON_FINITE: not an error of the call;
 *  - nfe: (n) or NULL: model evaluations each row needed.
 *  Statuses: ODEFLOW_ERROR_NULL_POINTER (model, solver, x0, x1); ODEFLOW_ERROR_INVALID_ARGUMENT
 *  (n, options the method cannot run with, e.g. adaptive steps without an error estimate);
 *  ODEFLOW_ERROR_NOT_INITIALIZED. Outputs are untouched on failure. */
ODEFLOW_C_API odeflow_status odeflow_model_sample(odeflow_model* model, const odeflow_solver* solver, int64_t n,
                                                 const double* x0, double* x1, int32_t* status, int64_t* nfe);

/** Exact log-likelihood of data under the model's flow with a standard normal source
 *  p0 = N(0, I_d): integrates (x, l) from t = 1 back to t = 0 with dx/dt = u(t, x),
 *  dl/dt = div u(t, x) (exact divergence: d Jacobian-vector products per evaluation), then
 *    log p1(x1) = log p0(x0) - integral_0^1 div u(t, x_t) dt   (nats).
 *  Method and options from `solver`; the error norm covers x and l. A row's result is
 *  bitwise that of odeflow::log_likelihood in C++ (MlpField<double>, StandardNormal<double>,
 *  default LikelihoodOptions with the same method and options).
 *  - n: rows, in [0, INT_MAX]; n = 0 does nothing but check the arguments;
 *  - x1: (n, d) data points, d from odeflow_model_dim;
 *  - log_p: (n) output, log p1(x1) in nats; NaN for a row whose status is not success;
 *  - status: (n) or NULL: ODEFLOW_TRAJECTORY_* of each row (a NaN in x1 gives
 *    ODEFLOW_TRAJECTORY_NON_FINITE for that row only);
 *  - nfe: (n) or NULL: evaluations of the augmented field (u and its divergence together).
 *  Statuses: as odeflow_model_sample (NULL pointers: model, solver, x1, log_p). */
ODEFLOW_C_API odeflow_status odeflow_model_log_likelihood(odeflow_model* model, const odeflow_solver* solver,
                                                         int64_t n, const double* x1, double* log_p,
                                                         int32_t* status, int64_t* nfe);

/** Probe distributions of odeflow_model_log_likelihood_hutchinson. */
enum {
  ODEFLOW_PROBE_RADEMACHER = 0, /**< entries +-1 with probability 1/2 (the smaller variance) */
  ODEFLOW_PROBE_GAUSSIAN = 1    /**< entries standard normal */
};

/** As odeflow_model_log_likelihood, with Hutchinson's estimator of the divergence:
 *  div u ~ eps^T J eps with `probes` (K) fixed probes per row, each integrated separately;
 *  log_p is log p0(x0) minus the mean of the K integrals. Cheaper than the exact divergence
 *  for large d (one Jacobian-vector product per probe instead of d), at the price of noise.
 *  Row i's probes are keyed by (seed, index_offset + i) and drawn once for the whole solve:
 *  a data set scored in chunks (index_offset = first row of the chunk) gets the probes, and
 *  the bits, of one call. Bitwise odeflow::log_likelihood with
 *  DivergenceEstimator::hutchinson(probes, kind, seed) and that index_offset.
 *  - probes: K >= 1, at most 2^20 / (d + 1); probe_kind: ODEFLOW_PROBE_RADEMACHER or
 *    ODEFLOW_PROBE_GAUSSIAN; seed: any value;
 *  - log_p_stderr: (n) or NULL: standard error of the mean over the K probes,
 *    sqrt(sum_k (I_k - I)^2 / (K (K - 1))) (NaN for K = 1, and for rows that failed).
 *  Other arguments and statuses as odeflow_model_log_likelihood, plus
 *  ODEFLOW_ERROR_INVALID_ARGUMENT for probes or probe_kind out of range. */
ODEFLOW_C_API odeflow_status odeflow_model_log_likelihood_hutchinson(
    odeflow_model* model, const odeflow_solver* solver, int64_t n, const double* x1, int32_t probes,
    int32_t probe_kind, uint64_t seed, uint64_t index_offset, double* log_p, double* log_p_stderr, int32_t* status,
    int64_t* nfe);

#ifdef __cplusplus
}
#endif

#endif /* ODEFLOW_ODEFLOW_H */
