// libFuzzer target: the library functions that take no buffers —
// projection_status_string (any code, known or not), projection_version_string,
// projection_version_number, projection_simd_arch, projection_set_num_threads and
// projection_get_num_threads (any count) — in the order the input gives.
#include "fuzz_common.hpp"

#include <cstring>
#include <string>

namespace {

void check_status_string(int code) {
  const char* s = projection_status_string(static_cast<projection_status>(code));
  PFUZZ_CHECK(s != nullptr, "status_string(%d) is NULL", code);
  const size_t len = std::strlen(s);  // ASan: must be NUL-terminated, readable
  PFUZZ_CHECK(len > 0 && len < 200, "status_string(%d) has length %zu", code, len);
  // The known codes (0 to PROJECTION_ERR_PARTIALS) have distinct descriptions;
  // unknown ones share one that none of the known ones uses.
  constexpr int kKnown = PROJECTION_ERR_PARTIALS + 1;
  static std::string known[kKnown];
  static bool init = false;
  if (!init) {
    init = true;
    for (int i = 0; i < kKnown; ++i)
      known[i] = projection_status_string(static_cast<projection_status>(i));
    for (int i = 0; i < kKnown; ++i)
      for (int j = i + 1; j < kKnown; ++j)
        PFUZZ_CHECK(known[i] != known[j], "codes %d and %d share a description", i, j);
  }
  if (code >= 0 && code < kKnown) {
    PFUZZ_CHECK(known[code] == s, "status_string(%d) changed", code);
  } else {
    for (int i = 0; i < kKnown; ++i)
      PFUZZ_CHECK(known[i] != s, "unknown code %d described as known code %d", code, i);
  }
  // Same pointer contents on a second call (static strings).
  PFUZZ_CHECK(std::strcmp(s, projection_status_string(static_cast<projection_status>(code))) == 0,
              "status_string(%d) not stable", code);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  pfuzz::check_arch_once();
  pfuzz::Reader r(data, size);
  const int default_threads = [] {
    projection_set_num_threads(0);
    return projection_get_num_threads();
  }();
  PFUZZ_CHECK(default_threads >= 1, "default thread count %d", default_threads);
  for (int step = 0; step < 16 && !r.done(); ++step) {
    switch (r.byte() % 6) {
      case 0: check_status_string(r.raw<int32_t>()); break;
      case 1: check_status_string((int8_t)r.byte()); break;
      case 2: {
        const char* v = projection_version_string();
        PFUZZ_CHECK(v && std::strcmp(v, PROJECTION_VERSION_STRING) == 0, "version %s", v ? v : "(null)");
        unsigned maj = 0, min = 0, pat = 0;
        PFUZZ_CHECK(std::sscanf(v, "%u.%u.%u", &maj, &min, &pat) == 3, "version '%s'", v);
        PFUZZ_CHECK(projection_version_number() == maj * 10000 + min * 100 + pat &&
                        projection_version_number() == PROJECTION_VERSION_NUMBER,
                    "version number %u vs '%s'", projection_version_number(), v);
        break;
      }
      case 3: {
        const char* a = projection_simd_arch();
        PFUZZ_CHECK(a && (!std::strcmp(a, "sse2") || !std::strcmp(a, "fma3+avx2") ||
                          !std::strcmp(a, "avx512bw") || !std::strcmp(a, "neon64") ||
                          !std::strcmp(a, "generic")),
                    "simd_arch '%s'", a ? a : "(null)");
        break;
      }
      case 4: {  // any count, however absurd: setting it must be safe
        const int n = r.raw<int32_t>();
        projection_set_num_threads(n);
        const int g = projection_get_num_threads();
        PFUZZ_CHECK(g >= 1, "get_num_threads() = %d after set(%d)", g, n);
        if (n <= 0) PFUZZ_CHECK(g == default_threads, "set(%d) gave %d, default %d", n, g, default_threads);
        if (n >= 1 && n <= 64) PFUZZ_CHECK(g == n, "set(%d) gave %d", n, g);
        break;
      }
      default: {  // a small call right after a count change still works
        const float a[3] = {1, 2, 3}, b[3] = {0, 0, 2};
        float out[3];
        PFUZZ_CHECK(projection_vector_projection_f32(a, b, 3, out) == PROJECTION_OK, "small call");
        PFUZZ_CHECK(out[0] == 0 && out[1] == 0 && out[2] == 3, "small call result");
        break;
      }
    }
  }
  projection_set_num_threads(0);
  return 0;
}
