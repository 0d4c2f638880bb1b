// The plain loop of plain_isa.cpp, one copy per instruction set (namespace plain_<set>).
#pragma once
#include "common.hpp"

#define PBENCH_DECLARE_PLAIN(ns)                  \
  namespace pbench::ns {                          \
  template <class T> Impl<T> plain_impl();        \
  const char *compiled_with(); /* the flags */    \
  }
PBENCH_DECLARE_PLAIN(plain_generic)
#if defined(__x86_64__)
PBENCH_DECLARE_PLAIN(plain_sse2)
PBENCH_DECLARE_PLAIN(plain_avx2)
PBENCH_DECLARE_PLAIN(plain_avx512)
#endif
#undef PBENCH_DECLARE_PLAIN
