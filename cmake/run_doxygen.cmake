# Runs Doxygen and fails if it exits non-zero or wrote any warning (printing them), so that the
# reference cannot silently lose a public entity. Usage: cmake -DDOXYGEN=... -DDOXYFILE=... -DLOG=... -P
execute_process(COMMAND ${DOXYGEN} ${DOXYFILE} RESULT_VARIABLE rc)
set(warnings "")
if(EXISTS ${LOG})
  file(READ ${LOG} warnings)
endif()
string(STRIP "${warnings}" warnings)
if(NOT rc EQUAL 0 OR NOT warnings STREQUAL "")
  string(REGEX MATCHALL "\n" lines "${warnings}\n")
  list(LENGTH lines n)
  message("${warnings}")
  message(FATAL_ERROR "odeflow_docs: Doxygen exit status ${rc}, ${n} warning line(s) (above; also in ${LOG})")
endif()
