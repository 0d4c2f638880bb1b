# Threading tests (issue 12), included by tests/CMakeLists.txt:
#
#   threading.fork[shared|static]  fork() after a parallel call: child, grandchild, a
#                                  child of a second thread, the parent afterwards; each
#                                  child has a time limit, so a hang fails the test
#   threading.fork_fallback        the fallback when the runtime's pool is not released
#   threading.own_team_fork[shared|static]  the caller's own OpenMP team, not the
#                                  library's, ran before fork(); the child's calls finish
#   threading.nested               calls from inside the caller's own OpenMP region
#   threading.stack_64k            calls on a thread with a 64 KiB stack
#   threading.omp_num_threads[..]  OMP_NUM_THREADS = 0, abc, -3
#   threading.mixed_runtimes[libomp-first|libgomp-first]
#                                  a clang/libomp program calling the (libgomp) library
#                                  from its own regions, and forking; both link orders
find_package(Threads REQUIRED)
set(_threading ${CMAKE_CURRENT_LIST_DIR}/threading)
set(_threading_tests)
# Seconds a forked child may take before it counts as hung: 10 s is over 100 times a
# Release child's time; a sanitizer build is some 20 times slower.
set(_fork_limit 10)
if("${CMAKE_C_FLAGS} ${CMAKE_CXX_FLAGS}" MATCHES "-fsanitize")
  set(_fork_limit 30)
endif()

foreach(kind shared static)
  add_executable(projection_fork_test_${kind} ${_threading}/fork.c)
  set_target_properties(projection_fork_test_${kind} PROPERTIES
    C_STANDARD 99 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
  target_compile_options(projection_fork_test_${kind} PRIVATE -Wall -Wextra -pedantic)
  set(_lib projection)
  if(kind STREQUAL "static")
    set(_lib projection_static)
  endif()
  target_link_libraries(projection_fork_test_${kind} PRIVATE ${_lib} Threads::Threads m)
  add_test(NAME "threading.fork[${kind}]" COMMAND projection_fork_test_${kind})
  list(APPEND _threading_tests "threading.fork[${kind}]")
endforeach()

add_executable(projection_fork_fallback_test ${_threading}/fork_fallback.cpp)
target_include_directories(projection_fork_fallback_test PRIVATE ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(projection_fork_fallback_test PRIVATE projection_static Threads::Threads)
# Not under an emulator: qemu-user itself aborts when a child forked from a
# multithreaded process starts threads of its own (an assertion in qemu's TCG),
# which is this test's last step. The other fork tests run under qemu too.
if(NOT CMAKE_CROSSCOMPILING_EMULATOR)
  add_test(NAME threading.fork_fallback COMMAND projection_fork_fallback_test)
  list(APPEND _threading_tests threading.fork_fallback)
endif()

find_package(OpenMP REQUIRED COMPONENTS C)
foreach(kind shared static)
  add_executable(projection_threads_test_${kind} ${_threading}/threads.c)
  set_target_properties(projection_threads_test_${kind} PROPERTIES
    C_STANDARD 99 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
  target_compile_options(projection_threads_test_${kind} PRIVATE -Wall -Wextra -pedantic)
  set(_lib projection)
  if(kind STREQUAL "static")
    set(_lib projection_static)
  endif()
  target_link_libraries(projection_threads_test_${kind} PRIVATE ${_lib} OpenMP::OpenMP_C
    Threads::Threads m)
  add_test(NAME "threading.own_team_fork[${kind}]"
    COMMAND projection_threads_test_${kind} own-team-fork)
  list(APPEND _threading_tests "threading.own_team_fork[${kind}]")
endforeach()
add_test(NAME threading.nested COMMAND projection_threads_test_shared nested)
add_test(NAME threading.stack_64k COMMAND projection_threads_test_shared stack)
list(APPEND _threading_tests threading.nested threading.stack_64k)
set_tests_properties(${_threading_tests} PROPERTIES LABELS threading TIMEOUT 120
  ENVIRONMENT "PROJECTION_TEST_FORK_LIMIT=${_fork_limit}")
foreach(value 0 abc -3)
  add_test(NAME "threading.omp_num_threads[${value}]" COMMAND projection_threads_test_shared env)
  set_tests_properties("threading.omp_num_threads[${value}]" PROPERTIES LABELS threading
    TIMEOUT 120 ENVIRONMENT "OMP_NUM_THREADS=${value}")
endforeach()

# Mixed runtimes: the test program is compiled by clang against LLVM's libomp (the
# library itself stays GCC + libgomp). Registered only where both exist, and not in a
# sanitizer build (a clang program cannot load a library built with GCC's ASan).
find_program(PROJECTION_CLANG NAMES clang clang-16 clang-15 clang-14)
if("${CMAKE_C_FLAGS} ${CMAKE_CXX_FLAGS} ${CMAKE_SHARED_LINKER_FLAGS}" MATCHES "-fsanitize")
  set(PROJECTION_CLANG "")
endif()
if(PROJECTION_CLANG)
  execute_process(COMMAND ${PROJECTION_CLANG} -print-resource-dir
    OUTPUT_VARIABLE _clang_resource OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  find_library(PROJECTION_LIBOMP NAMES omp libomp.so.5
    HINTS ${_clang_resource}/../../../lib /usr/lib/llvm-16/lib /usr/lib/llvm-15/lib
          /usr/lib/llvm-14/lib)
endif()
if(PROJECTION_CLANG AND PROJECTION_LIBOMP AND OpenMP_gomp_LIBRARY)
  get_filename_component(_libomp_dir ${PROJECTION_LIBOMP} DIRECTORY)
  # libomp-first: the library's GOMP_* calls bind to libomp (it defines them too);
  # libgomp-first: they bind to libgomp, and two runtimes run teams side by side.
  set(_order_libomp-first -lomp $<TARGET_FILE:projection> ${OpenMP_gomp_LIBRARY})
  set(_order_libgomp-first $<TARGET_FILE:projection> ${OpenMP_gomp_LIBRARY} -lomp)
  foreach(order libomp-first libgomp-first)
    set(_mixed ${CMAKE_CURRENT_BINARY_DIR}/projection_mixed_runtimes_test_${order})
    add_custom_command(OUTPUT ${_mixed}
      COMMAND ${PROJECTION_CLANG} -std=c99 -O2 -Wall -Wextra -fopenmp=libomp
        -I${PROJECT_SOURCE_DIR}/include ${_threading}/mixed.c -o ${_mixed}
        -L${_libomp_dir} -Wl,--no-as-needed ${_order_${order}} -Wl,--as-needed
        -Wl,-rpath,${_libomp_dir} -Wl,-rpath,$<TARGET_FILE_DIR:projection> -ldl -lm
      DEPENDS ${_threading}/mixed.c ${_threading}/common.h projection
      COMMENT "Building the mixed-runtimes test (${order}) with clang and libomp" VERBATIM)
    add_custom_target(projection_mixed_runtimes_test_${order} ALL DEPENDS ${_mixed})
    add_test(NAME "threading.mixed_runtimes[${order}]" COMMAND ${_mixed})
    set_tests_properties("threading.mixed_runtimes[${order}]" PROPERTIES
      LABELS threading TIMEOUT 120 ENVIRONMENT "PROJECTION_TEST_FORK_LIMIT=${_fork_limit}")
  endforeach()
else()
  message(STATUS "threading.mixed_runtimes: not registered (no clang with LLVM libomp, "
                 "or a sanitizer build)")
endif()
