# `mpiexec -n P odeflow sample|likelihood|ensemble ...` against the one-process run (without
# mpiexec: MPI's singleton start): output files byte for byte, one JSON line on stdout, and the
# same exit code on every rank when one rank fails.
# Usage: cmake -DCLI=... -DMPIEXEC=... -DNP_FLAG=-n "-DEXTRA=-launcher;fork" -DMODEL=... -DOUT=... [-DSANITIZED=ON] -P cli_ranks.cmake
# SANITIZED (the command built with ASan, where the 512-wide model runs about 100 times slower):
# about a fifth of the rows, the same checks.
foreach(v CLI MPIEXEC NP_FLAG MODEL OUT)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "cli_ranks.cmake: pass -D${v}=...")
  endif()
endforeach()
file(MAKE_DIRECTORY ${OUT})
set(ENV{OMP_NUM_THREADS} 1)
# Rows and chunk sizes: the chunks straddle the ranks' blocks either way (block_partition:
# 31 rows on 2 ranks split at 16, 61 on 3 at 21 and 41, 150 at 75, 301 at 101 and 201).
if(SANITIZED)
  set(n_lik 31)
  set(c_lik 7)
  set(n_smp 61)
  set(c_smp 20)
  set(c_hut 13)
else()
  set(n_lik 150)
  set(c_lik 40)
  set(n_smp 301)
  set(c_smp 100)
  set(c_hut 64)
endif()

# run(<np> <expected exit code> <stdout var> <stderr var> args...): np 0 runs without mpiexec.
function(run np expect out_var err_var)
  if(np EQUAL 0)
    set(cmd ${CLI} ${ARGN})
  else()
    set(cmd ${MPIEXEC} ${NP_FLAG} ${np} ${EXTRA} ${CLI} ${ARGN})
  endif()
  execute_process(COMMAND ${cmd} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 120)
  if(NOT rc EQUAL expect)
    message(FATAL_ERROR "exit ${rc} (expected ${expect}): ${cmd}\nstdout: ${out}\nstderr: ${err}")
  endif()
  set(${out_var} "${out}" PARENT_SCOPE)
  set(${err_var} "${err}" PARENT_SCOPE)
endfunction()

function(same a b)
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${a} ${b} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${a} and ${b} differ")
  endif()
  message(STATUS "identical: ${a} ${b}")
endfunction()

function(one_json_line text what)
  string(REGEX MATCHALL "\n" lines "${text}")
  list(LENGTH lines n)
  if(NOT n EQUAL 1 OR NOT text MATCHES "^{\"command\"")
    message(FATAL_ERROR "${what}: expected one JSON line on stdout, got:\n${text}")
  endif()
endfunction()

# Exact likelihood of a built-in dataset's points.
set(tol --rtol 1e-3 --atol 1e-3)  # the reference model is 512 wide: keep the test short
set(lik likelihood -m ${MODEL} --dataset checkerboard -n ${n_lik} --chunk ${c_lik} ${tol})
run(0 0 o1 e1 --quiet ${lik} -o ${OUT}/lik_np1.npy)
run(2 0 o2 e2 --quiet ${lik} -o ${OUT}/lik_np2.npy)
same(${OUT}/lik_np1.npy ${OUT}/lik_np2.npy)
one_json_line("${o2}" "likelihood, 2 ranks")
string(REGEX REPLACE "\"seconds\": [^,]*, " "" j1 "${o1}")
string(REGEX REPLACE "\"seconds\": [^,]*, |, \"ranks\": 2" "" j2 "${o2}")
if(NOT j1 STREQUAL j2)
  message(FATAL_ERROR "summaries differ:\n${o1}${o2}")
endif()

# Samples with trajectory and statistics (chunks that straddle the ranks' blocks), used next
# as .npy data for a streamed Hutchinson likelihood on 3 ranks.
set(smp sample -m ${MODEL} -n ${n_smp} --chunk ${c_smp} --times 0,0.5,1 ${tol})
run(0 0 o1 e1 --quiet ${smp} -o ${OUT}/x_np1.npy --trajectory ${OUT}/traj_np1.npy --stats ${OUT}/st_np1.csv)
run(3 0 o3 e3 --quiet ${smp} -o ${OUT}/x_np3.npy --trajectory ${OUT}/traj_np3.npy --stats ${OUT}/st_np3.csv)
same(${OUT}/x_np1.npy ${OUT}/x_np3.npy)
same(${OUT}/traj_np1.npy ${OUT}/traj_np3.npy)
same(${OUT}/st_np1.csv ${OUT}/st_np3.csv)
one_json_line("${o3}" "sample, 3 ranks")

set(hut likelihood -m ${MODEL} --data ${OUT}/x_np1.npy --hutchinson 2 --probe gaussian --probe-seed 5 --chunk ${c_hut} ${tol})
run(0 0 o1 e1 --quiet ${hut} -o ${OUT}/hut_np1.csv)
run(3 0 o3 e3 --quiet ${hut} -o ${OUT}/hut_np3.csv)
same(${OUT}/hut_np1.csv ${OUT}/hut_np3.csv)

# The Lorenz ensemble.
set(ens ensemble -n 999 --t1 0.5)
run(0 0 o1 e1 --quiet ${ens} -o ${OUT}/ens_np1.npy --stats ${OUT}/ens_st_np1.npy)
run(2 0 o2 e2 --quiet ${ens} -o ${OUT}/ens_np2.npy --stats ${OUT}/ens_st_np2.npy)
same(${OUT}/ens_np1.npy ${OUT}/ens_np2.npy)
same(${OUT}/ens_st_np1.npy ${OUT}/ens_st_np2.npy)

# Errors: one met by every rank (said once, by rank 0), and one met by rank 1 only (a
# non-finite row in its block): exit code 1 from every rank, no hang.
run(2 1 o2 e2 likelihood -m ${OUT}/missing.safetensors --dataset moons)
string(REGEX MATCHALL "error:" said "${e2}")
list(LENGTH said n_said)
if(NOT n_said EQUAL 1)
  message(FATAL_ERROR "expected one error line, got:\n${e2}")
endif()
# (.npy data is streamed, so rank 1 alone reads the NaN; .csv is checked whole by every rank.)
find_program(PYTHON3 python3)
if(PYTHON3)
  execute_process(COMMAND ${PYTHON3} -c [=[
import struct, sys
h = "{'descr': '<f8', 'fortran_order': False, 'shape': (4, 2), }"
h += " " * ((64 - (10 + len(h) + 1) % 64) % 64) + "\n"
rows = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, float("nan"), 0.8]
open(sys.argv[1], "wb").write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode() + struct.pack("<8d", *rows))
]=] ${OUT}/bad.npy RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "could not write ${OUT}/bad.npy")
  endif()
  run(2 1 o2 e2 --quiet likelihood -m ${MODEL} --data ${OUT}/bad.npy)
  if(NOT e2 MATCHES "rank 1: data row 3 column 0 is not finite")
    message(FATAL_ERROR "expected rank 1's error, got:\n${e2}")
  endif()
else()
  message(STATUS "no python3: the rank-local error case is skipped")
endif()
message(STATUS "odeflow under mpiexec: outputs identical to one process; errors agree across ranks")
