# Documentation checks: the Doxygen API reference (target odeflow_docs, fails on any warning,
# undocumented public entities included) and the test that code shown in docs/*.md is exactly
# the marked region of a compiled example (cmake/check_snippets.cmake).

if(ODEFLOW_ENABLE_DOCS)
  find_package(Doxygen QUIET)
  if(DOXYGEN_FOUND)
    set(ODEFLOW_DOCS_OUTPUT_DIR ${PROJECT_BINARY_DIR}/docs/api)
    configure_file(${PROJECT_SOURCE_DIR}/docs/Doxyfile.in ${PROJECT_BINARY_DIR}/docs/Doxyfile @ONLY)
    add_custom_target(odeflow_docs
      COMMAND ${CMAKE_COMMAND} -E make_directory ${ODEFLOW_DOCS_OUTPUT_DIR}
      COMMAND ${CMAKE_COMMAND} -E rm -f ${ODEFLOW_DOCS_OUTPUT_DIR}/warnings.log
      COMMAND ${CMAKE_COMMAND} -DDOXYGEN=${DOXYGEN_EXECUTABLE}
              -DDOXYFILE=${PROJECT_BINARY_DIR}/docs/Doxyfile
              -DLOG=${ODEFLOW_DOCS_OUTPUT_DIR}/warnings.log
              -P ${PROJECT_SOURCE_DIR}/cmake/run_doxygen.cmake
      WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
      COMMENT "API reference (Doxygen) in ${ODEFLOW_DOCS_OUTPUT_DIR}/html; any warning fails"
      VERBATIM)
  else()
    message(STATUS "odeflow: Doxygen not found, no odeflow_docs target")
  endif()
endif()

if(ODEFLOW_ENABLE_TESTS)
  add_test(NAME docs_snippets
           COMMAND ${CMAKE_COMMAND} -DROOT=${PROJECT_SOURCE_DIR}
                   -P ${PROJECT_SOURCE_DIR}/cmake/check_snippets.cmake)
  # The checker must catch a misquoted region (fixture: cmake/snippet_fixture).
  add_test(NAME docs_snippets_detects_drift
           COMMAND ${CMAKE_COMMAND} -DROOT=${PROJECT_SOURCE_DIR}/cmake/snippet_fixture
                   -P ${PROJECT_SOURCE_DIR}/cmake/check_snippets.cmake)
  set_tests_properties(docs_snippets PROPERTIES LABELS docs)
  set_tests_properties(docs_snippets_detects_drift PROPERTIES LABELS docs
    PASS_REGULAR_EXPRESSION "docs/page.md:5: differs from examples/ex.cpp region 'body'")
endif()
