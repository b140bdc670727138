! odeflow: Fortran bindings of odeflow's C API (odeflow/odeflow.h) through iso_c_binding.
!
! Handles are type(c_ptr); every function returns the C status (ODEFLOW_SUCCESS = 0).
! Arrays are Fortran arrays of shape (dim, n): column i is trajectory i (the C API's
! row-major (n, dim)). Strings are passed as Fortran character variables and converted here.
module odeflow
  use, intrinsic :: iso_c_binding
  implicit none
  private

  integer(c_int), parameter, public :: ODEFLOW_SUCCESS = 0, ODEFLOW_ERROR_INVALID_ARGUMENT = 1, &
    ODEFLOW_ERROR_NULL_POINTER = 2, ODEFLOW_ERROR_NOT_INITIALIZED = 3, ODEFLOW_ERROR_STATE = 4, &
    ODEFLOW_ERROR_IO = 5, ODEFLOW_ERROR_FORMAT = 6, ODEFLOW_ERROR_OUT_OF_MEMORY = 7, ODEFLOW_ERROR_INTERNAL = 8
  integer(c_int32_t), parameter, public :: ODEFLOW_TRAJECTORY_SUCCESS = 0, &
    ODEFLOW_TRAJECTORY_MAX_STEPS_REACHED = 1, ODEFLOW_TRAJECTORY_DT_UNDERFLOW = 2, &
    ODEFLOW_TRAJECTORY_NON_FINITE = 3, ODEFLOW_TRAJECTORY_INVALID_ARGUMENT = 4
  integer(c_int32_t), parameter, public :: ODEFLOW_PROBE_RADEMACHER = 0, ODEFLOW_PROBE_GAUSSIAN = 1

  !> Statistics of one trajectory (odeflow_trajectory_stats).
  type, bind(c), public :: odeflow_trajectory_stats
    integer(c_int32_t) :: status, nfe, accepted, rejected
    real(c_double) :: t, dt_last
  end type

  public :: odeflow_initialize, odeflow_finalize, odeflow_is_initialized, odeflow_abi_version
  public :: odeflow_last_error_message, odeflow_version_string, odeflow_trajectory_status_name
  public :: odeflow_solver_create, odeflow_solver_destroy, odeflow_solver_set_tolerances
  public :: odeflow_solver_set_fixed_step, odeflow_solver_set_max_steps, odeflow_solver_set_serial_callbacks
  public :: odeflow_solve_lorenz63, odeflow_solve_callback
  public :: odeflow_model_load, odeflow_model_destroy, odeflow_model_dim, odeflow_model_velocity
  public :: odeflow_model_sample, odeflow_model_log_likelihood, odeflow_model_log_likelihood_hutchinson

  interface
    function odeflow_initialize(num_threads) bind(c, name="odeflow_initialize") result(s)
      import :: c_int, c_int32_t
      integer(c_int32_t), value :: num_threads
      integer(c_int) :: s
    end function
    function odeflow_finalize() bind(c, name="odeflow_finalize") result(s)
      import :: c_int
      integer(c_int) :: s
    end function
    function odeflow_is_initialized() bind(c, name="odeflow_is_initialized") result(r)
      import :: c_int32_t
      integer(c_int32_t) :: r
    end function
    function odeflow_abi_version() bind(c, name="odeflow_abi_version") result(r)
      import :: c_int32_t
      integer(c_int32_t) :: r
    end function
    function c_last_error() bind(c, name="odeflow_last_error_message") result(p)
      import :: c_ptr
      type(c_ptr) :: p
    end function
    function c_version_string() bind(c, name="odeflow_version_string") result(p)
      import :: c_ptr
      type(c_ptr) :: p
    end function
    function c_trajectory_status_name(status) bind(c, name="odeflow_trajectory_status_name") result(p)
      import :: c_ptr, c_int32_t
      integer(c_int32_t), value :: status
      type(c_ptr) :: p
    end function
    function c_solver_create(method, out) bind(c, name="odeflow_solver_create") result(s)
      import :: c_int, c_char, c_ptr
      character(kind=c_char), dimension(*), intent(in) :: method
      type(c_ptr), intent(out) :: out
      integer(c_int) :: s
    end function
    function odeflow_solver_destroy(solver) bind(c, name="odeflow_solver_destroy") result(s)
      import :: c_int, c_ptr
      type(c_ptr), value :: solver
      integer(c_int) :: s
    end function
    function odeflow_solver_set_tolerances(solver, rtol, atol) bind(c, name="odeflow_solver_set_tolerances") result(s)
      import :: c_int, c_ptr, c_double
      type(c_ptr), value :: solver
      real(c_double), value :: rtol, atol
      integer(c_int) :: s
    end function
    function odeflow_solver_set_fixed_step(solver, dt) bind(c, name="odeflow_solver_set_fixed_step") result(s)
      import :: c_int, c_ptr, c_double
      type(c_ptr), value :: solver
      real(c_double), value :: dt
      integer(c_int) :: s
    end function
    function odeflow_solver_set_max_steps(solver, max_steps) bind(c, name="odeflow_solver_set_max_steps") result(s)
      import :: c_int, c_ptr, c_int32_t
      type(c_ptr), value :: solver
      integer(c_int32_t), value :: max_steps
      integer(c_int) :: s
    end function
    function odeflow_solver_set_serial_callbacks(solver, serial) bind(c, name="odeflow_solver_set_serial_callbacks") &
        result(s)
      import :: c_int, c_ptr, c_int32_t
      type(c_ptr), value :: solver
      integer(c_int32_t), value :: serial
      integer(c_int) :: s
    end function
    function c_solve_lorenz63(solver, n, sigma, rho, beta, t0, t1, y, stats) bind(c, name="odeflow_solve_lorenz63") &
        result(s)
      import :: c_int, c_ptr, c_int64_t, c_double, odeflow_trajectory_stats
      type(c_ptr), value :: solver
      integer(c_int64_t), value :: n
      real(c_double), value :: sigma, beta, t0, t1
      real(c_double), intent(in) :: rho(*)
      real(c_double), intent(inout) :: y(*)
      type(odeflow_trajectory_stats), intent(out) :: stats(*)
      integer(c_int) :: s
    end function
    function c_solve_callback(solver, n, dim, f, user, t0, t1, y, stats) bind(c, name="odeflow_solve_callback") result(s)
      import :: c_int, c_ptr, c_int64_t, c_int32_t, c_double, c_funptr, odeflow_trajectory_stats
      type(c_ptr), value :: solver, user
      integer(c_int64_t), value :: n
      integer(c_int32_t), value :: dim
      type(c_funptr), value :: f
      real(c_double), value :: t0, t1
      real(c_double), intent(inout) :: y(*)
      type(odeflow_trajectory_stats), intent(out) :: stats(*)
      integer(c_int) :: s
    end function
    function c_model_load(path, out) bind(c, name="odeflow_model_load") result(s)
      import :: c_int, c_char, c_ptr
      character(kind=c_char), dimension(*), intent(in) :: path
      type(c_ptr), intent(out) :: out
      integer(c_int) :: s
    end function
    function odeflow_model_destroy(model) bind(c, name="odeflow_model_destroy") result(s)
      import :: c_int, c_ptr
      type(c_ptr), value :: model
      integer(c_int) :: s
    end function
    function odeflow_model_dim(model, dim) bind(c, name="odeflow_model_dim") result(s)
      import :: c_int, c_ptr, c_int32_t
      type(c_ptr), value :: model
      integer(c_int32_t), intent(out) :: dim
      integer(c_int) :: s
    end function
    function c_model_velocity(model, n, t, x, v) bind(c, name="odeflow_model_velocity") result(s)
      import :: c_int, c_ptr, c_int64_t, c_double
      type(c_ptr), value :: model
      integer(c_int64_t), value :: n
      real(c_double), intent(in) :: t(*), x(*)
      real(c_double), intent(out) :: v(*)
      integer(c_int) :: s
    end function
    ! status and nfe are type(c_ptr) so that the wrappers can pass NULL for absent arguments.
    function c_model_sample(model, solver, n, x0, x1, status, nfe) bind(c, name="odeflow_model_sample") result(s)
      import :: c_int, c_ptr, c_int64_t, c_double
      type(c_ptr), value :: model, solver
      integer(c_int64_t), value :: n
      real(c_double), intent(in) :: x0(*)
      real(c_double), intent(out) :: x1(*)
      type(c_ptr), value :: status, nfe
      integer(c_int) :: s
    end function
    function c_model_log_likelihood(model, solver, n, x1, log_p, status, nfe) &
        bind(c, name="odeflow_model_log_likelihood") result(s)
      import :: c_int, c_ptr, c_int64_t, c_double
      type(c_ptr), value :: model, solver
      integer(c_int64_t), value :: n
      real(c_double), intent(in) :: x1(*)
      real(c_double), intent(out) :: log_p(*)
      type(c_ptr), value :: status, nfe
      integer(c_int) :: s
    end function
    function c_model_log_likelihood_hutchinson(model, solver, n, x1, probes, probe_kind, seed, index_offset, &
                                               log_p, log_p_stderr, status, nfe) &
        bind(c, name="odeflow_model_log_likelihood_hutchinson") result(s)
      import :: c_int, c_ptr, c_int32_t, c_int64_t, c_double
      type(c_ptr), value :: model, solver
      integer(c_int64_t), value :: n
      real(c_double), intent(in) :: x1(*)
      integer(c_int32_t), value :: probes, probe_kind
      integer(c_int64_t), value :: seed, index_offset  ! uint64_t in C: same bits
      real(c_double), intent(out) :: log_p(*)
      type(c_ptr), value :: log_p_stderr, status, nfe
      integer(c_int) :: s
    end function
    function c_strlen(p) bind(c, name="strlen") result(n)
      import :: c_ptr, c_size_t
      type(c_ptr), value :: p
      integer(c_size_t) :: n
    end function
  end interface

  !> The field a callback solve calls: dydt = f_i(t, y) for trajectory i (0-based, as in C).
  abstract interface
    subroutine odeflow_field(i, t, y, dydt, user) bind(c)
      import :: c_int64_t, c_double, c_ptr
      integer(c_int64_t), value :: i
      real(c_double), value :: t
      real(c_double), intent(in) :: y(*)
      real(c_double), intent(out) :: dydt(*)
      type(c_ptr), value :: user
    end subroutine
  end interface
  public :: odeflow_field

contains

  function from_c(p) result(s)
    type(c_ptr), intent(in) :: p
    character(len=:), allocatable :: s
    character(kind=c_char), pointer :: chars(:)
    integer :: n, k
    n = int(c_strlen(p))
    call c_f_pointer(p, chars, [n])
    allocate(character(len=n) :: s)
    do k = 1, n
      s(k:k) = chars(k)
    end do
  end function

  !> The message of the last failed call on this thread.
  function odeflow_last_error_message() result(s)
    character(len=:), allocatable :: s
    s = from_c(c_last_error())
  end function

  function odeflow_version_string() result(s)
    character(len=:), allocatable :: s
    s = from_c(c_version_string())
  end function

  function odeflow_trajectory_status_name(status) result(s)
    integer(c_int32_t), intent(in) :: status
    character(len=:), allocatable :: s
    s = from_c(c_trajectory_status_name(status))
  end function

  !> A solver for the method called `method` ("dopri5", "rk4", ...).
  function odeflow_solver_create(method, solver) result(s)
    character(len=*), intent(in) :: method
    type(c_ptr), intent(out) :: solver
    integer(c_int) :: s
    s = c_solver_create(trim(method) // c_null_char, solver)
  end function

  !> Lorenz-63 parameter study: rho(n), y(3, n) in/out, stats(n).
  function odeflow_solve_lorenz63(solver, sigma, rho, beta, t0, t1, y, stats) result(s)
    type(c_ptr), intent(in) :: solver
    real(c_double), intent(in) :: sigma, beta, t0, t1, rho(:)
    real(c_double), intent(inout), contiguous :: y(:, :)
    type(odeflow_trajectory_stats), intent(out) :: stats(:)
    integer(c_int) :: s
    if (size(y, 1) /= 3 .or. size(y, 2) /= size(rho) .or. size(stats) /= size(rho)) then
      s = ODEFLOW_ERROR_INVALID_ARGUMENT
      return
    end if
    s = c_solve_lorenz63(solver, int(size(rho), c_int64_t), sigma, rho, beta, t0, t1, y, stats)
  end function

  !> n = size(y, 2) trajectories of dimension size(y, 1) of the field f; user is passed to f.
  function odeflow_solve_callback(solver, f, user, t0, t1, y, stats) result(s)
    type(c_ptr), intent(in) :: solver, user
    procedure(odeflow_field) :: f
    real(c_double), intent(in) :: t0, t1
    real(c_double), intent(inout), contiguous :: y(:, :)
    type(odeflow_trajectory_stats), intent(out) :: stats(:)
    integer(c_int) :: s
    if (size(stats) /= size(y, 2)) then
      s = ODEFLOW_ERROR_INVALID_ARGUMENT
      return
    end if
    s = c_solve_callback(solver, int(size(y, 2), c_int64_t), int(size(y, 1), c_int32_t), c_funloc(f), user, &
                         t0, t1, y, stats)
  end function

  function odeflow_model_load(path, model) result(s)
    character(len=*), intent(in) :: path
    type(c_ptr), intent(out) :: model
    integer(c_int) :: s
    s = c_model_load(trim(path) // c_null_char, model)
  end function

  !> v(:, i) = u(t(i), x(:, i)): t(n), x and v (d, n).
  function odeflow_model_velocity(model, t, x, v) result(s)
    type(c_ptr), intent(in) :: model
    real(c_double), intent(in) :: t(:)
    real(c_double), intent(in), contiguous :: x(:, :)
    real(c_double), intent(out), contiguous :: v(:, :)
    integer(c_int) :: s
    if (size(x, 2) /= size(t) .or. any(shape(v) /= shape(x))) then
      s = ODEFLOW_ERROR_INVALID_ARGUMENT
      return
    end if
    s = c_model_velocity(model, int(size(t), c_int64_t), t, x, v)
  end function

  !> x1(:, i) = phi_{0 -> 1}(x0(:, i)): x0 and x1 (d, n), distinct arrays; optional status(n)
  !> (ODEFLOW_TRAJECTORY_*) and nfe(n) (model evaluations per sample).
  function odeflow_model_sample(model, solver, x0, x1, status, nfe) result(s)
    type(c_ptr), intent(in) :: model, solver
    real(c_double), intent(in), contiguous :: x0(:, :)
    real(c_double), intent(out), contiguous :: x1(:, :)
    integer(c_int32_t), intent(out), optional, target, contiguous :: status(:)
    integer(c_int64_t), intent(out), optional, target, contiguous :: nfe(:)
    integer(c_int) :: s
    type(c_ptr) :: ps, pn
    if (any(shape(x1) /= shape(x0)) .or. .not. rows_fit(size(x0, 2), status, nfe)) then
      s = ODEFLOW_ERROR_INVALID_ARGUMENT
      return
    end if
    call row_pointers(status, nfe, ps, pn)
    s = c_model_sample(model, solver, int(size(x0, 2), c_int64_t), x0, x1, ps, pn)
  end function

  !> log_p(i) = log p1(x1(:, i)) (nats, exact divergence, standard normal source): x1 (d, n),
  !> log_p(n); optional status(n) and nfe(n).
  function odeflow_model_log_likelihood(model, solver, x1, log_p, status, nfe) result(s)
    type(c_ptr), intent(in) :: model, solver
    real(c_double), intent(in), contiguous :: x1(:, :)
    real(c_double), intent(out), contiguous :: log_p(:)
    integer(c_int32_t), intent(out), optional, target, contiguous :: status(:)
    integer(c_int64_t), intent(out), optional, target, contiguous :: nfe(:)
    integer(c_int) :: s
    type(c_ptr) :: ps, pn
    if (size(log_p) /= size(x1, 2) .or. .not. rows_fit(size(x1, 2), status, nfe)) then
      s = ODEFLOW_ERROR_INVALID_ARGUMENT
      return
    end if
    call row_pointers(status, nfe, ps, pn)
    s = c_model_log_likelihood(model, solver, int(size(x1, 2), c_int64_t), x1, log_p, ps, pn)
  end function

  !> As odeflow_model_log_likelihood with Hutchinson's estimator: probes per point of kind
  !> ODEFLOW_PROBE_RADEMACHER or ODEFLOW_PROBE_GAUSSIAN, keyed by seed and index_offset + i - 1;
  !> optional log_p_stderr(n), the standard error over the probes.
  function odeflow_model_log_likelihood_hutchinson(model, solver, x1, probes, probe_kind, seed, index_offset, &
                                                   log_p, log_p_stderr, status, nfe) result(s)
    type(c_ptr), intent(in) :: model, solver
    real(c_double), intent(in), contiguous :: x1(:, :)
    integer(c_int32_t), intent(in) :: probes, probe_kind
    integer(c_int64_t), intent(in) :: seed, index_offset
    real(c_double), intent(out), contiguous :: log_p(:)
    real(c_double), intent(out), optional, target, contiguous :: log_p_stderr(:)
    integer(c_int32_t), intent(out), optional, target, contiguous :: status(:)
    integer(c_int64_t), intent(out), optional, target, contiguous :: nfe(:)
    integer(c_int) :: s
    type(c_ptr) :: pe, ps, pn
    if (size(log_p) /= size(x1, 2) .or. .not. rows_fit(size(x1, 2), status, nfe)) then
      s = ODEFLOW_ERROR_INVALID_ARGUMENT
      return
    end if
    pe = c_null_ptr
    if (present(log_p_stderr)) then
      if (size(log_p_stderr) /= size(x1, 2)) then
        s = ODEFLOW_ERROR_INVALID_ARGUMENT
        return
      end if
      if (size(log_p_stderr) > 0) pe = c_loc(log_p_stderr)
    end if
    call row_pointers(status, nfe, ps, pn)
    s = c_model_log_likelihood_hutchinson(model, solver, int(size(x1, 2), c_int64_t), x1, probes, probe_kind, &
                                          seed, index_offset, log_p, pe, ps, pn)
  end function

  ! True when the optional per-row outputs, if present, have n entries.
  logical function rows_fit(n, status, nfe)
    integer, intent(in) :: n
    integer(c_int32_t), intent(in), optional :: status(:)
    integer(c_int64_t), intent(in), optional :: nfe(:)
    rows_fit = .true.
    if (present(status)) rows_fit = rows_fit .and. size(status) == n
    if (present(nfe)) rows_fit = rows_fit .and. size(nfe) == n
  end function

  ! C pointers to the optional per-row outputs (NULL when absent or empty).
  subroutine row_pointers(status, nfe, ps, pn)
    integer(c_int32_t), intent(in), optional, target, contiguous :: status(:)
    integer(c_int64_t), intent(in), optional, target, contiguous :: nfe(:)
    type(c_ptr), intent(out) :: ps, pn
    ps = c_null_ptr
    pn = c_null_ptr
    if (present(status)) then
      if (size(status) > 0) ps = c_loc(status)
    end if
    if (present(nfe)) then
      if (size(nfe) > 0) pn = c_loc(nfe)
    end if
  end subroutine

end module odeflow
