! odeflow from Fortran: a Lorenz-63 parameter study (built-in problem, solved in one Kokkos kernel)
! and the same system as a Fortran callback, which must agree bitwise; then harmonic oscillators
! given as a callback, checked against the closed form; with a model file, sampling and exact and
! Hutchinson log-likelihoods of the samples, which must agree. Exit status 1 on any mismatch.
! Usage: ensemble_fortran [N [MODEL.safetensors]]   (default N = 10000, no model)
module fields
  use, intrinsic :: iso_c_binding
  implicit none
  real(c_double), allocatable, target :: rho(:)
contains
  !> Lorenz-63 with rho(i + 1) for trajectory i (the C API counts from 0).
  subroutine lorenz(i, t, y, dydt, user) bind(c)
    integer(c_int64_t), value :: i
    real(c_double), value :: t
    real(c_double), intent(in) :: y(*)
    real(c_double), intent(out) :: dydt(*)
    type(c_ptr), value :: user
    dydt(1) = 10.0_c_double * (y(2) - y(1))
    dydt(2) = y(1) * (rho(i + 1) - y(3)) - y(2)
    dydt(3) = y(1) * y(2) - 8.0_c_double / 3.0_c_double * y(3)
  end subroutine

  !> x'' = -w^2 x with w = 1 + i / 10.
  subroutine oscillator(i, t, y, dydt, user) bind(c)
    integer(c_int64_t), value :: i
    real(c_double), value :: t
    real(c_double), intent(in) :: y(*)
    real(c_double), intent(out) :: dydt(*)
    type(c_ptr), value :: user
    real(c_double) :: w
    w = 1.0_c_double + real(i, c_double) / 10.0_c_double
    dydt(1) = y(2)
    dydt(2) = -w * w * y(1)
  end subroutine
end module

program ensemble_fortran
  use, intrinsic :: iso_c_binding
  use odeflow
  use fields
  implicit none
  type(c_ptr) :: solver, model
  real(c_double), allocatable :: y(:, :), yc(:, :), z(:, :), x0(:, :), x1(:, :), lp(:), lph(:), se(:)
  integer(c_int32_t), allocatable :: fs(:)
  integer(c_int32_t) :: dim
  character(len=1024) :: path
  real(c_double) :: gap, gap_se
  type(odeflow_trajectory_stats), allocatable :: st(:), stc(:), sz(:)
  integer :: n, i, bad
  character(len=32) :: arg
  real(c_double) :: w, err, t1

  n = 10000
  if (command_argument_count() >= 1) then
    call get_command_argument(1, arg)
    read(arg, *) n
  end if
  call check(odeflow_initialize(0_c_int32_t), "odeflow_initialize")
  print '(a, a)', "odeflow ", odeflow_version_string()

  ! Lorenz-63: rho = linspace(0, 21, n), y0 = (1, 0, 0), t in [0, 1], rtol = atol = 1e-8.
  allocate(rho(n), y(3, n), yc(3, n), st(n), stc(n))
  do i = 1, n
    rho(i) = 21.0_c_double * real(i - 1, c_double) / real(n - 1, c_double)
    y(:, i) = [1.0_c_double, 0.0_c_double, 0.0_c_double]
  end do
  yc = y
  call check(odeflow_solver_create("dopri5", solver), "odeflow_solver_create")
  call check(odeflow_solver_set_tolerances(solver, 1e-8_c_double, 1e-8_c_double), "odeflow_solver_set_tolerances")
  call check(odeflow_solve_lorenz63(solver, 10.0_c_double, rho, 8.0_c_double / 3.0_c_double, 0.0_c_double, &
                                    1.0_c_double, y, st), "odeflow_solve_lorenz63")
  call check(odeflow_solve_callback(solver, lorenz, c_null_ptr, 0.0_c_double, 1.0_c_double, yc, stc), &
             "odeflow_solve_callback")
  bad = count(y /= yc) + count(st%nfe /= stc%nfe) + count(st%status /= ODEFLOW_TRAJECTORY_SUCCESS)
  print '(a, i0, a, f0.1, a, i0)', "Lorenz: ", n, " trajectories, mean NFE ", real(sum(st%nfe)) / n, &
        ", kernel vs Fortran callback differences: ", bad
  print '(a, 3f16.10)', "rho = 21: u(1) =", y(:, n)
  if (bad /= 0) stop 1

  ! Oscillators against x(t) = cos(w t) + v0 / w sin(w t), v0 = 0.5.
  t1 = 3.0_c_double
  allocate(z(2, 100), sz(100))
  z(1, :) = 1.0_c_double
  z(2, :) = 0.5_c_double
  call check(odeflow_solver_destroy(solver), "odeflow_solver_destroy")
  call check(odeflow_solver_create("tsit5", solver), "odeflow_solver_create")
  call check(odeflow_solver_set_tolerances(solver, 1e-10_c_double, 1e-12_c_double), "odeflow_solver_set_tolerances")
  call check(odeflow_solve_callback(solver, oscillator, c_null_ptr, 0.0_c_double, t1, z, sz), "odeflow_solve_callback")
  err = 0
  do i = 1, 100
    w = 1.0_c_double + real(i - 1, c_double) / 10.0_c_double
    err = max(err, abs(z(1, i) - (cos(w * t1) + 0.5_c_double / w * sin(w * t1))))
    err = max(err, abs(z(2, i) - (-w * sin(w * t1) + 0.5_c_double * cos(w * t1))))
  end do
  print '(a, es10.3)', "oscillators: max |error| vs closed form ", err
  if (err > 1e-8_c_double .or. any(sz%status /= ODEFLOW_TRAJECTORY_SUCCESS)) stop 1

  ! An error comes back as a status with a message.
  if (odeflow_solver_set_tolerances(solver, -1.0_c_double, 0.0_c_double) /= ODEFLOW_ERROR_INVALID_ARGUMENT) stop 1
  print '(a, a)', "expected error: ", odeflow_last_error_message()

  call check(odeflow_solver_destroy(solver), "odeflow_solver_destroy")

  ! A flow-matching model: 64 samples from a grid of source points, their exact log-likelihood
  ! (backward solve with the exact divergence) and Hutchinson's estimate with 16 Gaussian probes;
  ! the mean difference must be within 5 standard errors.
  if (command_argument_count() >= 2) then
    call get_command_argument(2, path)
    call check(odeflow_model_load(trim(path), model), "odeflow_model_load")
    call check(odeflow_model_dim(model, dim), "odeflow_model_dim")
    allocate(x0(dim, 64), x1(dim, 64), lp(64), lph(64), se(64), fs(64))
    do i = 1, 64
      x0(:, i) = -1.5_c_double + 3.0_c_double * real(mod(i - 1, 8), c_double) / 7.0_c_double
      x0(dim, i) = -1.5_c_double + 3.0_c_double * real((i - 1) / 8, c_double) / 7.0_c_double
    end do
    call check(odeflow_solver_create("dopri5", solver), "odeflow_solver_create")
    call check(odeflow_solver_set_tolerances(solver, 1e-7_c_double, 1e-7_c_double), "odeflow_solver_set_tolerances")
    call check(odeflow_model_sample(model, solver, x0, x1, status=fs), "odeflow_model_sample")
    if (any(fs /= ODEFLOW_TRAJECTORY_SUCCESS)) stop 1
    call check(odeflow_model_log_likelihood(model, solver, x1, lp, status=fs), "odeflow_model_log_likelihood")
    if (any(fs /= ODEFLOW_TRAJECTORY_SUCCESS)) stop 1
    call check(odeflow_model_log_likelihood_hutchinson(model, solver, x1, 16_c_int32_t, ODEFLOW_PROBE_GAUSSIAN, &
               7_c_int64_t, 0_c_int64_t, lph, log_p_stderr=se, status=fs), "odeflow_model_log_likelihood_hutchinson")
    if (any(fs /= ODEFLOW_TRAJECTORY_SUCCESS)) stop 1
    gap = sum(lph - lp) / 64
    gap_se = sqrt(sum(se**2)) / 64
    print '(a, i0, a, f0.4, a, es10.3, a, es10.3)', "model: d = ", dim, ", mean log p1 of 64 samples ", &
          sum(lp) / 64, ", Hutchinson - exact ", gap, " +- ", gap_se
    if (abs(gap) > 5 * gap_se .or. .not. all(abs(lp) < huge(1.0_c_double))) stop 1
    call check(odeflow_solver_destroy(solver), "odeflow_solver_destroy")
    call check(odeflow_model_destroy(model), "odeflow_model_destroy")
    deallocate(x0, x1, lp, lph, se, fs)
  end if
  call check(odeflow_finalize(), "odeflow_finalize")
  deallocate(rho, y, yc, st, stc, z, sz)  ! main-program arrays are saved, not freed at the end
  print '(a)', "Fortran checks passed"

contains
  subroutine check(status, what)
    integer(c_int), intent(in) :: status
    character(len=*), intent(in) :: what
    if (status /= ODEFLOW_SUCCESS) then
      print '(a, a, a)', what, " failed: ", odeflow_last_error_message()
      stop 1
    end if
  end subroutine
end program
