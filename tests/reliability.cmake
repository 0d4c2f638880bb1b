# Reliability tests (issue 5), included by tests/CMakeLists.txt when present.
#
#   projection_reliability_tests   Catch2: concurrency stress ([stress]), in-place
#                                  failure leaves inputs intact ([inplace-failure]),
#                                  and the hidden n > 2^32 test ([huge], opt-in).
#   projection_reliability_consumer  a C99 program calling every function of the
#                                  shared library, error paths included; ctest runs
#                                  it plain, scripts/test-reliability under valgrind.
find_package(Threads REQUIRED)
if(NOT COMMAND catch_discover_tests)
  find_package(Catch2 2 REQUIRED)
  include(Catch)
endif()

add_executable(projection_reliability_tests
  ${CMAKE_CURRENT_LIST_DIR}/test_stress.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_inplace_failure.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_huge.cpp)
target_link_libraries(projection_reliability_tests PRIVATE
  projection_static Catch2::Catch2WithMain Threads::Threads)
target_compile_features(projection_reliability_tests PRIVATE cxx_std_20)

# One ctest test per Catch2 test case (hidden [.huge] cases are not listed).
catch_discover_tests(projection_reliability_tests
  TEST_PREFIX "reliability."
  PROPERTIES LABELS reliability TIMEOUT 600)

# n > 2^32: two 16 GiB calloc'd buffers (untouched pages: no memory), slow to
# read, so opt-in: -DPROJECTION_HUGE_TESTS=ON, or PROJECTION_HUGE_TESTS=1 in the
# environment when configuring.
option(PROJECTION_HUGE_TESTS "Register the n > 2^32 test (slow, 32 GiB of address space)" OFF)
if(PROJECTION_HUGE_TESTS OR "$ENV{PROJECTION_HUGE_TESTS}" STREQUAL "1")
  add_test(NAME "reliability.huge" COMMAND projection_reliability_tests "[huge]")
  set_tests_properties("reliability.huge" PROPERTIES
    LABELS "reliability;huge" TIMEOUT 3600 RUN_SERIAL TRUE)
endif()

add_executable(projection_reliability_consumer ${CMAKE_CURRENT_LIST_DIR}/reliability/consumer.c)
set_target_properties(projection_reliability_consumer PROPERTIES
  C_STANDARD 99 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
target_compile_options(projection_reliability_consumer PRIVATE -Wall -Wextra -pedantic)
target_link_libraries(projection_reliability_consumer PRIVATE projection m)
add_test(NAME "reliability.c_consumer" COMMAND projection_reliability_consumer)
set_tests_properties("reliability.c_consumer" PROPERTIES LABELS reliability)
