# Commits a snapshot of the working tree into a scratch git repository and
# builds a consumer that pulls it with FetchContent from that local URL
# (offline), checking none of our tests/tools/examples get built.
# Usage: cmake -DSOURCE_DIR=... -DWORK_DIR=... [-DGENERATOR=...] -P run_fetchcontent.cmake
file(REMOVE_RECURSE "${WORK_DIR}")
set(repo "${WORK_DIR}/repo")

include("${CMAKE_CURRENT_LIST_DIR}/common.cmake")

find_package(Git REQUIRED)
# A snapshot of what is on disk (committed or not), so the test checks this tree.
file(COPY "${SOURCE_DIR}/CMakeLists.txt" "${SOURCE_DIR}/cmake" "${SOURCE_DIR}/include"
     "${SOURCE_DIR}/src" "${SOURCE_DIR}/tests" "${SOURCE_DIR}/examples" DESTINATION "${repo}"
     PATTERN "__pycache__" EXCLUDE)
foreach(optional bench LICENSE README.md)
  if(EXISTS "${SOURCE_DIR}/${optional}")
    file(COPY "${SOURCE_DIR}/${optional}" DESTINATION "${repo}")
  endif()
endforeach()
run(${GIT_EXECUTABLE} -C "${repo}" init -q)
run(${GIT_EXECUTABLE} -C "${repo}" add -A)
run(${GIT_EXECUTABLE} -C "${repo}" -c user.name=test -c user.email=test@invalid commit -q -m snapshot)
run(${GIT_EXECUTABLE} -C "${repo}" tag v-test)

run(${CMAKE_COMMAND} -S "${CMAKE_CURRENT_LIST_DIR}/project" -B "${WORK_DIR}/consumer" -G "${GENERATOR}"
    -DDRIFTWATCH_CONSUME=fetchcontent -DDRIFTWATCH_GIT_URL=file://${repo} -DDRIFTWATCH_GIT_TAG=v-test)
run(${CMAKE_COMMAND} --build "${WORK_DIR}/consumer")
run("${WORK_DIR}/consumer/consumer")
message(STATUS "FetchContent consumer built and ran")
