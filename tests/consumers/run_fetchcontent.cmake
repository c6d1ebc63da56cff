# Commits a snapshot of the working tree into a scratch git repository and
# builds a consumer that pulls it with FetchContent from that local URL
# (offline): every component's target is there (driftwatch::driftwatch,
# ::prometheus, ::http, ::webhook), each links alone, and none of our
# tests/tools/examples get built. Then, with OpenSSL hidden, only the webhook
# component is missing.
# Usage: cmake -DSOURCE_DIR=... -DWORK_DIR=... [-DGENERATOR=...] -P run_fetchcontent.cmake
file(REMOVE_RECURSE "${WORK_DIR}")
set(repo "${WORK_DIR}/repo")

include("${CMAKE_CURRENT_LIST_DIR}/common.cmake")

find_package(Git REQUIRED)
snapshot_source("${repo}")
run(${GIT_EXECUTABLE} -C "${repo}" init -q)
run(${GIT_EXECUTABLE} -C "${repo}" add -A)
run(${GIT_EXECUTABLE} -C "${repo}" -c user.name=test -c user.email=test@invalid commit -q -m snapshot)
run(${GIT_EXECUTABLE} -C "${repo}" tag v-test)

run(${CMAKE_COMMAND} -S "${CMAKE_CURRENT_LIST_DIR}/project" -B "${WORK_DIR}/consumer" -G "${GENERATOR}"
    -DDRIFTWATCH_CONSUME=fetchcontent -DDRIFTWATCH_GIT_URL=file://${repo} -DDRIFTWATCH_GIT_TAG=v-test)
run(${CMAKE_COMMAND} --build "${WORK_DIR}/consumer")
foreach(exe consumer consumer_prometheus consumer_http consumer_webhook)
  run("${WORK_DIR}/consumer/${exe}")
endforeach()

# A missing optional dependency makes only its component unavailable, with a
# message naming it.
run_expect_output("component webhook .driftwatch::webhook. unavailable: not found: OpenSSL's libcrypto"
    ${CMAKE_COMMAND} -S "${CMAKE_CURRENT_LIST_DIR}/project" -B "${WORK_DIR}/consumer_no_openssl" -G "${GENERATOR}"
    -DDRIFTWATCH_CONSUME=fetchcontent -DDRIFTWATCH_GIT_URL=file://${repo} -DDRIFTWATCH_GIT_TAG=v-test
    -DDRIFTWATCH_EXPECT=no_webhook -DCMAKE_DISABLE_FIND_PACKAGE_OpenSSL=ON)
message(STATUS "FetchContent consumer built and ran (core, prometheus, http, webhook)")
