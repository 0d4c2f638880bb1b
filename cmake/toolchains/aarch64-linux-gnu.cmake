# Cross build for aarch64 Linux with Debian's cross toolchain:
#
#   apt-get install g++-aarch64-linux-gnu libgomp1-arm64-cross qemu-user
#   cmake -S . -B build/aarch64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64-linux-gnu.cmake
#   cmake --build build/aarch64 -j2
#   ctest --test-dir build/aarch64        # every test runs under qemu-aarch64
#
# The target's libraries (glibc, libstdc++, libgomp) live in Debian's aarch64
# sysroot, /usr/aarch64-linux-gnu. Tests and catch_discover_tests run through
# CMAKE_CROSSCOMPILING_EMULATOR: qemu-aarch64 with that sysroot as its loader
# prefix (-L), so the dynamically linked test programs find ld-linux-aarch64.so.1
# and their libraries.
#
# Header-only host packages (xsimd, Catch2 under /usr/include) are NOT found
# through this file: /usr/include also holds the host's (x86-64) C library
# headers, which must never reach the cross compiler. CMakeLists.txt includes
# cmake/HostHeaderPackages.cmake when cross compiling, which exposes just those
# packages' own header directories.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(PROJECTION_CROSS_TRIPLE aarch64-linux-gnu)
set(PROJECTION_CROSS_SYSROOT /usr/${PROJECTION_CROSS_TRIPLE})

set(CMAKE_C_COMPILER ${PROJECTION_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${PROJECTION_CROSS_TRIPLE}-g++)

# Libraries, headers and CMake packages come from the target's sysroot only;
# programs (qemu, nm, python) from the host.
set(CMAKE_FIND_ROOT_PATH ${PROJECTION_CROSS_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

find_program(PROJECTION_QEMU_AARCH64 qemu-aarch64)
if(PROJECTION_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${PROJECTION_QEMU_AARCH64};-L;${PROJECTION_CROSS_SYSROOT}")
endif()
