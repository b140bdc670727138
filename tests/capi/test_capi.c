/* The C API from C99: results against closed forms and against a second path through the
 * library (device-kernel Lorenz vs the same field as a C callback, bitwise), a model's
 * velocities against the C++ API's (fixture), and every error path.
 * Usage: test_capi MODEL.safetensors EXPECTED.bin */
#include <odeflow/odeflow.h>

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;

#define CHECK(cond)                                                   \
  do {                                                                \
    if (!(cond)) {                                                    \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                     \
    }                                                                 \
  } while (0)

/* The call returns `code` and the thread's message contains `needle`. */
#define CHECK_ERROR(call, code, needle)                                                         \
  do {                                                                                          \
    odeflow_status s_ = (call);                                                                 \
    if (s_ != (code) || strstr(odeflow_last_error_message(), (needle)) == NULL) {               \
      fprintf(stderr, "%s:%d: %s returned %s, message '%s'; expected %s with '%s'\n", __FILE__, \
              __LINE__, #call, odeflow_status_name(s_), odeflow_last_error_message(), #code, needle); \
      ++failures;                                                                               \
    }                                                                                           \
  } while (0)

#define CHECK_OK(call) CHECK_ERROR(call, ODEFLOW_SUCCESS, "")

/* ---- fields given as callbacks ---- */

struct lorenz_params {
  double sigma, beta;
  const double* rho;
};

static void lorenz(int64_t i, double t, const double* u, double* du, void* user) {
  const struct lorenz_params* p = (const struct lorenz_params*)user;
  (void)t;
  du[0] = p->sigma * (u[1] - u[0]);
  du[1] = u[0] * (p->rho[i] - u[2]) - u[1];
  du[2] = u[0] * u[1] - p->beta * u[2];
}

/* Harmonic oscillator of frequency omega_i = 1 + i / 10: y = (x, v), x'' = -omega^2 x. */
static void oscillator(int64_t i, double t, const double* y, double* dy, void* user) {
  const double w = 1.0 + (double)i / 10.0;
  (void)t;
  (void)user;
  dy[0] = y[1];
  dy[1] = -w * w * y[0];
}

/* Trajectory 1 returns NaN: only its status may change. */
static void nan_for_one(int64_t i, double t, const double* y, double* dy, void* user) {
  (void)t;
  (void)user;
  dy[0] = i == 1 ? NAN : -y[0];
}

static void* error_in_other_thread(void* arg) {
  (void)arg;
  odeflow_solver* s = NULL;
  odeflow_status st = odeflow_solver_create("not_a_method", &s);
  return st == ODEFLOW_ERROR_INVALID_ARGUMENT ? (void*)1 : NULL;
}

static double* read_file(const char* path, size_t count) {
  FILE* f = fopen(path, "rb");
  double* v = (double*)malloc(count * sizeof(double));
  if (!f || !v || fread(v, sizeof(double), count, f) != count) {
    fprintf(stderr, "cannot read %s\n", path);
    exit(2);
  }
  fclose(f);
  return v;
}

static void test_library(void) {
  int32_t ma = -1, mi = -1, pa = -1;
  odeflow_version(&ma, &mi, &pa);
  CHECK(ma == ODEFLOW_VERSION_MAJOR && mi == ODEFLOW_VERSION_MINOR && pa == ODEFLOW_VERSION_PATCH);
  odeflow_version(NULL, NULL, NULL); /* NULL outputs are skipped */
  {
    char buf[64];
    snprintf(buf, sizeof buf, "%d.%d.%d", ODEFLOW_VERSION_MAJOR, ODEFLOW_VERSION_MINOR, ODEFLOW_VERSION_PATCH);
    CHECK(strcmp(buf, odeflow_version_string()) == 0);
  }
  CHECK(odeflow_abi_version() == ODEFLOW_C_ABI_VERSION);
  CHECK(strcmp(odeflow_status_name(ODEFLOW_ERROR_NULL_POINTER), "ODEFLOW_ERROR_NULL_POINTER") == 0);
  CHECK(strcmp(odeflow_status_name((odeflow_status)99), "unknown") == 0);
  CHECK(strcmp(odeflow_trajectory_status_name(ODEFLOW_TRAJECTORY_MAX_STEPS_REACHED), "max_steps_reached") == 0);
  CHECK(strcmp(odeflow_trajectory_status_name(-1), "unknown") == 0);
  CHECK(strcmp(odeflow_last_error_message(), "") == 0);
  CHECK(sizeof(odeflow_trajectory_stats) == 32);
}

static void test_methods_and_solvers(void) {
  odeflow_solver* s = NULL;
  const char* name = NULL;
  int32_t i, found = 0;
  CHECK(odeflow_method_count() == 15);
  for (i = 0; i < odeflow_method_count(); ++i) {
    CHECK_OK(odeflow_method_name(i, &name));
    found += strcmp(name, "tsit5") == 0;
  }
  CHECK(found == 1);
  CHECK_ERROR(odeflow_method_name(15, &name), ODEFLOW_ERROR_INVALID_ARGUMENT, "i = 15 is outside [0, 15)");
  CHECK_ERROR(odeflow_method_name(-1, &name), ODEFLOW_ERROR_INVALID_ARGUMENT, "i = -1");
  CHECK_ERROR(odeflow_method_name(0, NULL), ODEFLOW_ERROR_NULL_POINTER, "odeflow_method_name: name is NULL");

  CHECK_ERROR(odeflow_solver_create(NULL, &s), ODEFLOW_ERROR_NULL_POINTER, "odeflow_solver_create: method is NULL");
  CHECK_ERROR(odeflow_solver_create("dopri5", NULL), ODEFLOW_ERROR_NULL_POINTER, "out is NULL");
  CHECK_ERROR(odeflow_solver_create("dopri6", &s), ODEFLOW_ERROR_INVALID_ARGUMENT, "method = 'dopri6' is not a known method");
  CHECK(strstr(odeflow_last_error_message(), "vern7") != NULL); /* lists the known ones */
  CHECK(s == NULL);
  CHECK_OK(odeflow_solver_create("bosh3", &s));
  CHECK_OK(odeflow_solver_method(s, &name));
  CHECK(strcmp(name, "bosh3") == 0);
  CHECK_ERROR(odeflow_solver_method(NULL, &name), ODEFLOW_ERROR_NULL_POINTER, "solver is NULL");
  CHECK_ERROR(odeflow_solver_method(s, NULL), ODEFLOW_ERROR_NULL_POINTER, "name is NULL");
  CHECK_ERROR(odeflow_solver_set_tolerances(s, -1e-6, 1e-9), ODEFLOW_ERROR_INVALID_ARGUMENT, "rtol = -9.9999999999999995e-07 must be finite and >= 0");
  CHECK_ERROR(odeflow_solver_set_tolerances(s, 1e-6, NAN), ODEFLOW_ERROR_INVALID_ARGUMENT, "atol = nan");
  CHECK_ERROR(odeflow_solver_set_tolerances(NULL, 1e-6, 1e-9), ODEFLOW_ERROR_NULL_POINTER, "odeflow_solver_set_tolerances: solver is NULL");
  CHECK_ERROR(odeflow_solver_set_fixed_step(s, -0.1), ODEFLOW_ERROR_INVALID_ARGUMENT, "dt = -0.1");
  CHECK_ERROR(odeflow_solver_set_fixed_step(NULL, 0.1), ODEFLOW_ERROR_NULL_POINTER, "solver is NULL");
  CHECK_ERROR(odeflow_solver_set_initial_step(s, INFINITY), ODEFLOW_ERROR_INVALID_ARGUMENT, "dt0 = inf");
  CHECK_ERROR(odeflow_solver_set_initial_step(NULL, 0.1), ODEFLOW_ERROR_NULL_POINTER, "solver is NULL");
  CHECK_ERROR(odeflow_solver_set_step_bounds(s, 0.5, 0.25), ODEFLOW_ERROR_INVALID_ARGUMENT, "dt_min = 0.5 exceeds dt_max = 0.25");
  CHECK_ERROR(odeflow_solver_set_step_bounds(s, -1, 0), ODEFLOW_ERROR_INVALID_ARGUMENT, "dt_min = -1");
  CHECK_ERROR(odeflow_solver_set_step_bounds(NULL, 0, 0), ODEFLOW_ERROR_NULL_POINTER, "solver is NULL");
  CHECK_ERROR(odeflow_solver_set_max_steps(s, 0), ODEFLOW_ERROR_INVALID_ARGUMENT, "max_steps = 0 must be > 0");
  CHECK_ERROR(odeflow_solver_set_max_steps(NULL, 10), ODEFLOW_ERROR_NULL_POINTER, "solver is NULL");
  CHECK_ERROR(odeflow_solver_set_serial_callbacks(s, 2), ODEFLOW_ERROR_INVALID_ARGUMENT, "serial = 2 must be 0 or 1");
  CHECK_ERROR(odeflow_solver_set_serial_callbacks(NULL, 1), ODEFLOW_ERROR_NULL_POINTER, "solver is NULL");
  CHECK_OK(odeflow_solver_set_step_bounds(s, 0, 0));
  CHECK_OK(odeflow_solver_destroy(s));
  CHECK_OK(odeflow_solver_destroy(NULL));
}

/* Errors stay in the thread that made them. */
static void test_thread_local_errors(void) {
  pthread_t th;
  void* ok = NULL;
  odeflow_solver* s = NULL;
  CHECK_ERROR(odeflow_solver_create(NULL, &s), ODEFLOW_ERROR_NULL_POINTER, "method is NULL");
  CHECK(pthread_create(&th, NULL, error_in_other_thread, NULL) == 0);
  CHECK(pthread_join(th, &ok) == 0);
  CHECK(ok != NULL);
  CHECK(strstr(odeflow_last_error_message(), "method is NULL") != NULL);
}

static void test_before_initialize(void) {
  odeflow_solver* s = NULL;
  double rho = 10, y[3] = {1, 0, 0};
  const char* name;
  int32_t c;
  odeflow_model* m = NULL;
  CHECK(odeflow_is_initialized() == 0);
  CHECK_ERROR(odeflow_finalize(), ODEFLOW_ERROR_STATE, "odeflow_finalize: odeflow_initialize() was not called");
  CHECK_ERROR(odeflow_initialize(-2), ODEFLOW_ERROR_INVALID_ARGUMENT, "num_threads = -2 must be >= 0");
  CHECK_OK(odeflow_solver_create("dopri5", &s)); /* solvers are plain host objects */
  CHECK_ERROR(odeflow_solve_lorenz63(s, 1, 10, &rho, 8.0 / 3, 0, 1, y, NULL), ODEFLOW_ERROR_NOT_INITIALIZED,
              "odeflow_solve_lorenz63: Kokkos is not initialised");
  CHECK_ERROR(odeflow_solve_callback(s, 1, 2, oscillator, NULL, 0, 1, y, NULL), ODEFLOW_ERROR_NOT_INITIALIZED,
              "call odeflow_initialize() first");
  CHECK_ERROR(odeflow_execution_space(&name, &c), ODEFLOW_ERROR_NOT_INITIALIZED, "odeflow_execution_space");
  CHECK_ERROR(odeflow_model_load("x.safetensors", &m), ODEFLOW_ERROR_NOT_INITIALIZED, "odeflow_model_load");
  odeflow_solver_destroy(s);
}

static void test_lorenz(void) {
  enum { N = 203 };
  static double rho[N], y1[3 * N], y2[3 * N], y3[3 * N], yref[3 * N];
  static odeflow_trajectory_stats s1[N], s2[N], sref[N];
  odeflow_solver *s = NULL, *fine = NULL;
  struct lorenz_params p;
  int i, k, same = 1, nfe_same = 1;
  double err = 0;
  for (i = 0; i < N; ++i) {
    rho[i] = 21.0 * i / (N - 1);
    y1[3 * i] = 1, y1[3 * i + 1] = 0, y1[3 * i + 2] = 0;
  }
  memcpy(y2, y1, sizeof y1);
  memcpy(y3, y1, sizeof y1);
  memcpy(yref, y1, sizeof y1);
  p.sigma = 10, p.beta = 8.0 / 3, p.rho = rho;
  CHECK_OK(odeflow_solver_create("dopri5", &s));
  CHECK_OK(odeflow_solver_set_tolerances(s, 1e-8, 1e-8));
  CHECK_OK(odeflow_solve_lorenz63(s, N, 10, rho, 8.0 / 3, 0, 1, y1, s1));
  /* The same field as a callback: the scalar host solve and the SIMD/device ensemble agree bitwise. */
  CHECK_OK(odeflow_solve_callback(s, N, 3, lorenz, &p, 0, 1, y2, s2));
  for (i = 0; i < N; ++i) {
    for (k = 0; k < 3; ++k) same &= y1[3 * i + k] == y2[3 * i + k];
    nfe_same &= s1[i].nfe == s2[i].nfe && s1[i].accepted == s2[i].accepted && s1[i].rejected == s2[i].rejected &&
                s1[i].status == ODEFLOW_TRAJECTORY_SUCCESS && s2[i].status == ODEFLOW_TRAJECTORY_SUCCESS &&
                s1[i].t == 1.0 && s1[i].dt_last == s2[i].dt_last;
  }
  CHECK(same);
  CHECK(nfe_same);
  /* Accuracy against DOP853 at rtol 1e-13. */
  CHECK_OK(odeflow_solver_create("dop853", &fine));
  CHECK_OK(odeflow_solver_set_tolerances(fine, 1e-13, 1e-13));
  CHECK_OK(odeflow_solve_lorenz63(fine, N, 10, rho, 8.0 / 3, 0, 1, yref, sref));
  for (i = 0; i < 3 * N; ++i) err = fmax(err, fabs(y1[i] - yref[i]) / (1 + fabs(yref[i])));
  CHECK(err < 1e-6);
  CHECK(err > 0);
  /* A trajectory's result does not depend on the batch: trajectory 150 alone. */
  {
    double one[3] = {1, 0, 0};
    odeflow_trajectory_stats so;
    CHECK_OK(odeflow_solve_lorenz63(s, 1, 10, &rho[150], 8.0 / 3, 0, 1, one, &so));
    CHECK(one[0] == y1[450] && one[1] == y1[451] && one[2] == y1[452] && so.nfe == s1[150].nfe);
  }
  /* Fixed step: RK4 with dt needs a step; a method without error estimate and dt = 0 is refused. */
  {
    odeflow_solver* rk4 = NULL;
    CHECK_OK(odeflow_solver_create("rk4", &rk4));
    CHECK_ERROR(odeflow_solve_lorenz63(rk4, N, 10, rho, 8.0 / 3, 0, 1, y3, NULL), ODEFLOW_ERROR_INVALID_ARGUMENT,
                "dt = 0: this method has no error estimate");
    CHECK_OK(odeflow_solver_set_fixed_step(rk4, 1e-3));
    CHECK_OK(odeflow_solve_lorenz63(rk4, N, 10, rho, 8.0 / 3, 0, 1, y3, s2));
    err = 0;
    for (i = 0; i < 3 * N; ++i) err = fmax(err, fabs(y3[i] - yref[i]) / (1 + fabs(yref[i])));
    CHECK(err < 1e-7);
    CHECK(s2[0].accepted == 1000 && s2[0].rejected == 0);
    odeflow_solver_destroy(rk4);
  }
  /* Per-trajectory failures are statuses, the call succeeds. */
  CHECK_OK(odeflow_solver_set_max_steps(s, 5));
  memcpy(y3, yref, sizeof y3);
  CHECK_OK(odeflow_solve_lorenz63(s, N, 10, rho, 8.0 / 3, 0, 1, y3, s2));
  CHECK(s2[N - 1].status == ODEFLOW_TRAJECTORY_MAX_STEPS_REACHED && s2[N - 1].t < 1);
  /* Argument errors. */
  CHECK_ERROR(odeflow_solve_lorenz63(NULL, N, 10, rho, 8.0 / 3, 0, 1, y3, NULL), ODEFLOW_ERROR_NULL_POINTER, "solver is NULL");
  CHECK_ERROR(odeflow_solve_lorenz63(s, N, 10, NULL, 8.0 / 3, 0, 1, y3, NULL), ODEFLOW_ERROR_NULL_POINTER, "rho is NULL");
  CHECK_ERROR(odeflow_solve_lorenz63(s, N, 10, rho, 8.0 / 3, 0, 1, NULL, NULL), ODEFLOW_ERROR_NULL_POINTER, "y is NULL");
  CHECK_ERROR(odeflow_solve_lorenz63(s, -3, 10, rho, 8.0 / 3, 0, 1, y3, NULL), ODEFLOW_ERROR_INVALID_ARGUMENT, "n = -3");
  CHECK_ERROR(odeflow_solve_lorenz63(s, (int64_t)1 << 40, 10, rho, 8.0 / 3, 0, 1, y3, NULL), ODEFLOW_ERROR_INVALID_ARGUMENT,
              "n = 1099511627776 must be in [0, 2147483647]");
  CHECK_ERROR(odeflow_solve_lorenz63(s, N, NAN, rho, 8.0 / 3, 0, 1, y3, NULL), ODEFLOW_ERROR_INVALID_ARGUMENT, "sigma = nan is not finite");
  CHECK_ERROR(odeflow_solve_lorenz63(s, N, 10, rho, 8.0 / 3, 0, INFINITY, y3, NULL), ODEFLOW_ERROR_INVALID_ARGUMENT, "t1 = inf is not finite");
  y3[7] = NAN;
  CHECK_ERROR(odeflow_solve_lorenz63(s, N, 10, rho, 8.0 / 3, 0, 1, y3, NULL), ODEFLOW_ERROR_INVALID_ARGUMENT, "y[7] = nan is not finite");
  CHECK(isnan(y3[7])); /* untouched on failure */
  CHECK_OK(odeflow_solve_lorenz63(s, 0, 10, NULL, 8.0 / 3, 0, 1, NULL, NULL)); /* empty ensemble */
  odeflow_solver_destroy(s);
  odeflow_solver_destroy(fine);
}

static void test_callback(void) {
  enum { N = 57 };
  static double y[2 * N], ys[2 * N];
  static odeflow_trajectory_stats st[N], sts[N];
  odeflow_solver* s = NULL;
  int i, same = 1;
  double err = 0, t1 = 3.0;
  for (i = 0; i < N; ++i) y[2 * i] = 1, y[2 * i + 1] = 0.5;
  memcpy(ys, y, sizeof y);
  CHECK_OK(odeflow_solver_create("tsit5", &s));
  CHECK_OK(odeflow_solver_set_tolerances(s, 1e-10, 1e-12));
  CHECK_OK(odeflow_solve_callback(s, N, 2, oscillator, NULL, 0, t1, y, st));
  for (i = 0; i < N; ++i) { /* x = cos(w t) + v0/w sin(w t), v = -w sin(w t) + v0 cos(w t) */
    const double w = 1.0 + i / 10.0;
    err = fmax(err, fabs(y[2 * i] - (cos(w * t1) + 0.5 / w * sin(w * t1))));
    err = fmax(err, fabs(y[2 * i + 1] - (-w * sin(w * t1) + 0.5 * cos(w * t1))));
    CHECK(st[i].status == ODEFLOW_TRAJECTORY_SUCCESS && st[i].t == t1 && st[i].nfe > 0);
  }
  CHECK(err < 1e-8);
  /* Serial callbacks (one thread) give the same bits. */
  CHECK_OK(odeflow_solver_set_serial_callbacks(s, 1));
  CHECK_OK(odeflow_solve_callback(s, N, 2, oscillator, NULL, 0, t1, ys, sts));
  for (i = 0; i < 2 * N; ++i) same &= y[i] == ys[i];
  for (i = 0; i < N; ++i) same &= st[i].nfe == sts[i].nfe;
  CHECK(same);
  /* A NaN from the field ends that trajectory only. */
  {
    double z[3] = {1, 1, 1};
    odeflow_trajectory_stats zs[3];
    CHECK_OK(odeflow_solve_callback(s, 3, 1, nan_for_one, NULL, 0, 1, z, zs));
    CHECK(zs[0].status == ODEFLOW_TRAJECTORY_SUCCESS && zs[1].status == ODEFLOW_TRAJECTORY_NON_FINITE &&
          zs[2].status == ODEFLOW_TRAJECTORY_SUCCESS);
    CHECK(fabs(z[0] - exp(-1.0)) < 1e-8 && z[1] == 1.0);
  }
  CHECK_ERROR(odeflow_solve_callback(NULL, N, 2, oscillator, NULL, 0, 1, y, NULL), ODEFLOW_ERROR_NULL_POINTER, "solver is NULL");
  CHECK_ERROR(odeflow_solve_callback(s, N, 2, NULL, NULL, 0, 1, y, NULL), ODEFLOW_ERROR_NULL_POINTER, "f is NULL");
  CHECK_ERROR(odeflow_solve_callback(s, N, 2, oscillator, NULL, 0, 1, NULL, NULL), ODEFLOW_ERROR_NULL_POINTER, "y is NULL");
  CHECK_ERROR(odeflow_solve_callback(s, N, 0, oscillator, NULL, 0, 1, y, NULL), ODEFLOW_ERROR_INVALID_ARGUMENT, "dim = 0 must be positive");
  CHECK_ERROR(odeflow_solve_callback(s, -1, 2, oscillator, NULL, 0, 1, y, NULL), ODEFLOW_ERROR_INVALID_ARGUMENT, "n = -1");
  CHECK_ERROR(odeflow_solve_callback(s, N, 2, oscillator, NULL, NAN, 1, y, NULL), ODEFLOW_ERROR_INVALID_ARGUMENT, "t0 = nan");
  CHECK_OK(odeflow_solver_set_tolerances(s, 0, 0));
  CHECK_ERROR(odeflow_solve_callback(s, N, 2, oscillator, NULL, 0, 1, y, NULL), ODEFLOW_ERROR_INVALID_ARGUMENT,
              "rtol = 0 and atol = 0");
  odeflow_solver_destroy(s);
}

/* Sampling and likelihood of the fixture model on the batch x (N rows of 2): in place and out
 * of place bitwise equal, a NaN row alone non_finite, exact and Hutchinson likelihoods
 * agreeing within the estimator's error (bitwise checks against C++: test_capi_flow.cpp). */
static void test_sample_and_likelihood(odeflow_model* m, const double* x) {
  enum { N = 37, D = 2, K = 64 };
  double x1[N * D], y[N * D], lp[N], lph[N], se[N];
  int32_t st[N], sth[N];
  int64_t nfe[N];
  odeflow_solver* s = NULL;
  int i, same = 1, close = 1;
  CHECK_OK(odeflow_solver_create("tsit5", &s));
  CHECK_OK(odeflow_solver_set_tolerances(s, 1e-8, 1e-8));
  memcpy(y, x, sizeof y);
  y[2 * 4] = NAN;
  CHECK_OK(odeflow_model_sample(m, s, N, y, x1, st, nfe));
  CHECK_OK(odeflow_model_sample(m, s, N, y, y, NULL, NULL)); /* in place */
  for (i = 0; i < N; ++i) {
    CHECK(st[i] == (i == 4 ? ODEFLOW_TRAJECTORY_NON_FINITE : ODEFLOW_TRAJECTORY_SUCCESS));
    CHECK(nfe[i] > 0);
    if (i != 4) same &= x1[2 * i] == y[2 * i] && x1[2 * i + 1] == y[2 * i + 1];
  }
  CHECK(same);
  CHECK_OK(odeflow_model_log_likelihood(m, s, N, x1, lp, st, nfe));
  CHECK_OK(odeflow_model_log_likelihood_hutchinson(m, s, N, x1, K, ODEFLOW_PROBE_RADEMACHER, 7, 0, lph, se, sth, NULL));
  for (i = 0; i < N; ++i) {
    CHECK(st[i] == sth[i]);
    if (i == 4) {
      CHECK(st[i] == ODEFLOW_TRAJECTORY_NON_FINITE && isnan(lp[i]) && isnan(lph[i]));
      continue;
    }
    CHECK(st[i] == ODEFLOW_TRAJECTORY_SUCCESS && isfinite(lp[i]) && nfe[i] > 0);
    close &= fabs(lph[i] - lp[i]) <= 5 * se[i] + 1e-6;
  }
  CHECK(close);
  CHECK_ERROR(odeflow_model_sample(m, NULL, N, x, x1, NULL, NULL), ODEFLOW_ERROR_NULL_POINTER, "solver is NULL");
  CHECK_ERROR(odeflow_model_sample(m, s, N, NULL, x1, NULL, NULL), ODEFLOW_ERROR_NULL_POINTER, "x0 is NULL");
  CHECK_ERROR(odeflow_model_log_likelihood(m, s, -2, x1, lp, NULL, NULL), ODEFLOW_ERROR_INVALID_ARGUMENT, "n = -2");
  CHECK_ERROR(odeflow_model_log_likelihood(m, s, N, x1, NULL, NULL, NULL), ODEFLOW_ERROR_NULL_POINTER, "log_p is NULL");
  CHECK_ERROR(odeflow_model_log_likelihood_hutchinson(m, s, N, x1, 0, ODEFLOW_PROBE_GAUSSIAN, 0, 0, lph, NULL, NULL, NULL),
              ODEFLOW_ERROR_INVALID_ARGUMENT, "probes = 0 must be >= 1");
  odeflow_solver_destroy(s);
}

static void test_model(const char* model_path, const char* expected_path) {
  enum { N = 37, D = 2 };
  double t[N], x[N * D], v[N * D];
  double* expected = read_file(expected_path, N * D);
  odeflow_model* m = NULL;
  int32_t d = 0;
  int i, same = 1;
  FILE* f;
  for (i = 0; i < N; ++i) { /* the batch of make_fixture.cpp */
    t[i] = i / (double)(N - 1);
    x[2 * i] = -1.5 + 0.08 * i;
    x[2 * i + 1] = 0.7 - 0.05 * i;
  }
  CHECK_ERROR(odeflow_model_load(NULL, &m), ODEFLOW_ERROR_NULL_POINTER, "path is NULL");
  CHECK_ERROR(odeflow_model_load(model_path, NULL), ODEFLOW_ERROR_NULL_POINTER, "out is NULL");
  CHECK_ERROR(odeflow_model_load("/nonexistent/model.safetensors", &m), ODEFLOW_ERROR_IO,
              "path = '/nonexistent/model.safetensors' cannot be opened");
  f = fopen("capi_garbage.safetensors", "wb");
  fputs("this is not a safetensors file", f);
  fclose(f);
  CHECK_ERROR(odeflow_model_load("capi_garbage.safetensors", &m), ODEFLOW_ERROR_FORMAT, "capi_garbage.safetensors");
  CHECK(m == NULL);
  CHECK_OK(odeflow_model_load(model_path, &m));
  CHECK_OK(odeflow_model_dim(m, &d));
  CHECK(d == D);
  CHECK_OK(odeflow_model_velocity(m, N, t, x, v));
  for (i = 0; i < N * D; ++i) same &= v[i] == expected[i];
  CHECK(same); /* bitwise the C++ API's MlpField */
  CHECK_ERROR(odeflow_model_dim(NULL, &d), ODEFLOW_ERROR_NULL_POINTER, "model is NULL");
  CHECK_ERROR(odeflow_model_dim(m, NULL), ODEFLOW_ERROR_NULL_POINTER, "dim is NULL");
  CHECK_ERROR(odeflow_model_velocity(NULL, N, t, x, v), ODEFLOW_ERROR_NULL_POINTER, "model is NULL");
  CHECK_ERROR(odeflow_model_velocity(m, N, NULL, x, v), ODEFLOW_ERROR_NULL_POINTER, "t is NULL");
  CHECK_ERROR(odeflow_model_velocity(m, N, t, NULL, v), ODEFLOW_ERROR_NULL_POINTER, "x is NULL");
  CHECK_ERROR(odeflow_model_velocity(m, N, t, x, NULL), ODEFLOW_ERROR_NULL_POINTER, "v is NULL");
  CHECK_ERROR(odeflow_model_velocity(m, -1, t, x, v), ODEFLOW_ERROR_INVALID_ARGUMENT, "n = -1");
  t[3] = NAN;
  CHECK_ERROR(odeflow_model_velocity(m, N, t, x, v), ODEFLOW_ERROR_INVALID_ARGUMENT, "t[3] = nan is not finite");
  CHECK_OK(odeflow_model_velocity(m, 0, NULL, NULL, NULL));
  test_sample_and_likelihood(m, x);
  /* The last finalize refuses while a model holds Kokkos memory. */
  CHECK_ERROR(odeflow_finalize(), ODEFLOW_ERROR_STATE, "1 model handle(s) still alive");
  CHECK_OK(odeflow_model_destroy(m));
  CHECK_OK(odeflow_model_destroy(NULL));
  free(expected);
}

int main(int argc, char** argv) {
  const char* space = NULL;
  int32_t conc = 0;
  if (argc != 3) {
    fprintf(stderr, "usage: test_capi MODEL.safetensors EXPECTED.bin\n");
    return 2;
  }
  test_library();
  test_methods_and_solvers();
  test_thread_local_errors();
  test_before_initialize();
  CHECK_OK(odeflow_initialize(0));
  CHECK_OK(odeflow_initialize(0)); /* nested */
  CHECK_OK(odeflow_finalize());
  CHECK(odeflow_is_initialized() == 1);
  CHECK_OK(odeflow_execution_space(&space, &conc));
  CHECK_ERROR(odeflow_execution_space(NULL, &conc), ODEFLOW_ERROR_NULL_POINTER, "name is NULL");
  printf("[odeflow] C API %s, %s with concurrency %d\n", odeflow_version_string(), space, conc);
  test_lorenz();
  test_callback();
  test_model(argv[1], argv[2]);
  CHECK_OK(odeflow_finalize());
  CHECK(odeflow_is_initialized() == 0);
  CHECK_ERROR(odeflow_initialize(0), ODEFLOW_ERROR_STATE, "cannot be initialised again");
  if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
  else printf("all C API checks passed\n");
  return failures ? 1 : 0;
}
