# Shared by the consumer test scripts.
# run(cmd...): runs a command, failing the test with its output if it fails.
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "command failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
endfunction()

# run_expect_failure(<regex> cmd...): the command must fail and its output
# must match <regex>.
# run_expect_output(<regex> cmd...): the command must succeed and its output
# must match <regex> (e.g. the message naming an unavailable component).
function(_run_expect must_succeed regex)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(must_succeed AND NOT rc EQUAL 0)
    message(FATAL_ERROR "command failed (${rc}): ${ARGN}\n${out}\n${err}")
  elseif(NOT must_succeed AND rc EQUAL 0)
    message(FATAL_ERROR "command succeeded but must fail: ${ARGN}\n${out}\n${err}")
  endif()
  string(REGEX REPLACE "[ \t\r\n]+" " " flat "${out} ${err}")
  if(NOT flat MATCHES "${regex}")
    message(FATAL_ERROR "command ended without the expected message '${regex}': ${ARGN}\n${out}\n${err}")
  endif()
endfunction()
function(run_expect_failure regex)
  _run_expect(FALSE "${regex}" ${ARGN})
endfunction()
function(run_expect_output regex)
  _run_expect(TRUE "${regex}" ${ARGN})
endfunction()

# snapshot_source(<dest>): copies what is on disk in SOURCE_DIR (committed or
# not) as a fresh clone would have it, so the tests check this tree.
function(snapshot_source dest)
  file(COPY "${SOURCE_DIR}/CMakeLists.txt" "${SOURCE_DIR}/cmake" "${SOURCE_DIR}/include"
       "${SOURCE_DIR}/compat" "${SOURCE_DIR}/src" "${SOURCE_DIR}/tests" "${SOURCE_DIR}/examples" DESTINATION "${dest}"
       PATTERN "__pycache__" EXCLUDE)
  foreach(optional bench docs tools LICENSE README.md CMakePresets.json)
    if(EXISTS "${SOURCE_DIR}/${optional}")
      file(COPY "${SOURCE_DIR}/${optional}" DESTINATION "${dest}")
    endif()
  endforeach()
endfunction()

# Consumers compile through ccache when it is there (CMake >= 3.17 reads the
# launcher from the environment), so repeated runs stay cheap.
find_program(CONSUMER_CCACHE ccache)
if(CONSUMER_CCACHE)
  set(ENV{CMAKE_CXX_COMPILER_LAUNCHER} "${CONSUMER_CCACHE}")
endif()
