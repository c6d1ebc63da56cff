# Runs the README's install lines exactly as written, in a fresh copy of the
# tree (with DESTDIR, so /opt is never touched), then configures, builds and
# runs a consumer project that finds the package with
# find_package(driftwatch 0.1 REQUIRED COMPONENTS prometheus http webhook),
# one executable per component. Then, with OpenSSL hidden: webhook as an
# OPTIONAL component is reported unavailable while the others load, and as a
# required one fails find_package with a message naming OpenSSL.
# Usage: cmake -DSOURCE_DIR=... -DWORK_DIR=... [-DGENERATOR=...] -P run_find_package.cmake
file(REMOVE_RECURSE "${WORK_DIR}")
set(clone "${WORK_DIR}/clone")
set(destdir "${WORK_DIR}/destdir")

include("${CMAKE_CURRENT_LIST_DIR}/common.cmake")
snapshot_source("${clone}")

# The README's install block: the indented lines after the
# "<!-- install:" marker, up to the first line that is not indented.
file(STRINGS "${SOURCE_DIR}/README.md" readme)
set(in_block OFF)
set(lines "")
foreach(line IN LISTS readme)
  if(line MATCHES "^<!-- install:")
    set(in_block ON)
  elseif(in_block AND line MATCHES "^    (.+)$")
    list(APPEND lines "${CMAKE_MATCH_1}")
  elseif(in_block)
    break()
  endif()
endforeach()
list(LENGTH lines n)
if(n EQUAL 0)
  message(FATAL_ERROR "README.md has no install block after a '<!-- install:' marker")
endif()
set(prefix "")
foreach(line IN LISTS lines)
  if(line MATCHES "-DCMAKE_INSTALL_PREFIX=([^ ]+)")
    set(prefix "${CMAKE_MATCH_1}")
  endif()
  message(STATUS "README: ${line}")
  execute_process(COMMAND ${CMAKE_COMMAND} -E env "DESTDIR=${destdir}" sh -c "${line}"
    WORKING_DIRECTORY "${clone}" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "the README's install line failed (${rc}): ${line}\n${out}\n${err}")
  endif()
endforeach()
set(prefix "${destdir}${prefix}")
foreach(f share/cmake/driftwatch/driftwatch-config-version.cmake
          share/cmake/driftwatch/driftwatch-webhook-targets.cmake include/driftwatch/driftwatch.hpp)
  if(NOT EXISTS "${prefix}/${f}")
    message(FATAL_ERROR "install did not write ${f} under ${prefix}")
  endif()
endforeach()

run(${CMAKE_COMMAND} -S "${CMAKE_CURRENT_LIST_DIR}/project" -B "${WORK_DIR}/consumer" -G "${GENERATOR}"
    -DDRIFTWATCH_CONSUME=find_package -DCMAKE_PREFIX_PATH=${prefix})
run(${CMAKE_COMMAND} --build "${WORK_DIR}/consumer")
foreach(exe consumer consumer_prometheus consumer_http consumer_webhook)
  run("${WORK_DIR}/consumer/${exe}")
endforeach()

run_expect_output("component webhook .driftwatch::webhook. unavailable: OpenSSL's libcrypto not found"
    ${CMAKE_COMMAND} -S "${CMAKE_CURRENT_LIST_DIR}/project" -B "${WORK_DIR}/consumer_optional" -G "${GENERATOR}"
    -DDRIFTWATCH_CONSUME=find_package -DCMAKE_PREFIX_PATH=${prefix}
    -DDRIFTWATCH_EXPECT=no_webhook -DCMAKE_DISABLE_FIND_PACKAGE_OpenSSL=ON)
run_expect_failure("component webhook .driftwatch::webhook. is unavailable: OpenSSL"
    ${CMAKE_COMMAND} -S "${CMAKE_CURRENT_LIST_DIR}/project" -B "${WORK_DIR}/consumer_required" -G "${GENERATOR}"
    -DDRIFTWATCH_CONSUME=find_package -DCMAKE_PREFIX_PATH=${prefix}
    -DDRIFTWATCH_EXPECT=no_webhook -DDRIFTWATCH_REQUIRE_WEBHOOK=ON -DCMAKE_DISABLE_FIND_PACKAGE_OpenSSL=ON)
message(STATUS "find_package consumer built and ran (core, prometheus, http, webhook); README install lines ran")
