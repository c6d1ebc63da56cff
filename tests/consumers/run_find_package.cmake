# Installs driftwatch into a scratch prefix, then configures, builds and runs a
# consumer project that finds it with find_package(driftwatch 0.1 REQUIRED).
# Usage: cmake -DSOURCE_DIR=... -DWORK_DIR=... [-DGENERATOR=...] -P run_find_package.cmake
file(REMOVE_RECURSE "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")

include("${CMAKE_CURRENT_LIST_DIR}/common.cmake")

run(${CMAKE_COMMAND} -S "${SOURCE_DIR}" -B "${WORK_DIR}/lib" -G "${GENERATOR}"
    -DCMAKE_INSTALL_PREFIX=${prefix} -DDRIFTWATCH_BUILD_TESTS=OFF
    -DDRIFTWATCH_BUILD_TOOLS=OFF -DDRIFTWATCH_BUILD_EXAMPLES=OFF -DDRIFTWATCH_INSTALL=ON)
run(${CMAKE_COMMAND} --install "${WORK_DIR}/lib")
if(NOT EXISTS "${prefix}/share/cmake/driftwatch/driftwatch-config-version.cmake")
  message(FATAL_ERROR "install did not write a package version file")
endif()
run(${CMAKE_COMMAND} -S "${CMAKE_CURRENT_LIST_DIR}/project" -B "${WORK_DIR}/consumer" -G "${GENERATOR}"
    -DDRIFTWATCH_CONSUME=find_package -DCMAKE_PREFIX_PATH=${prefix})
run(${CMAKE_COMMAND} --build "${WORK_DIR}/consumer")
run("${WORK_DIR}/consumer/consumer")
message(STATUS "find_package consumer built and ran")
