/* A C99 consumer of the installed projection library: built by the ecosystem tests
 * against a staging prefix only (pkg-config or find_package), shared and static. */
#include <projection/projection.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

static int failures = 0;
#define CHECK(cond)                                                    \
  do {                                                                 \
    if (!(cond)) {                                                     \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                      \
    }                                                                  \
  } while (0)

int main(void) {
  /* the header and the library that was linked agree */
  CHECK(projection_version_number() == PROJECTION_VERSION_NUMBER);
  CHECK(strcmp(projection_version_string(), PROJECTION_VERSION_STRING) == 0);
  CHECK(projection_get_num_threads() >= 1);
  CHECK(strstr("sse2 fma3+avx2 avx512bw", projection_simd_arch()) != NULL);

  /* f64: exactly representable results */
  {
    const double a[3] = {2.0, 3.0, 4.0}, b[3] = {0.0, 2.0, 0.0};
    double out[3] = {0}, alpha = 0, scale = 0, na = 0, nb = 0;
    int swapped = -1;
    CHECK(projection_vector_projection_f64(a, b, 3, out) == PROJECTION_OK);
    CHECK(out[0] == 0.0 && out[1] == 3.0 && out[2] == 0.0);
    CHECK(projection_order_by_norm_f64(a, b, 3, 2.0, &swapped, &na, &nb) == PROJECTION_OK);
    CHECK(swapped == 1 && na == sqrt(29.0) && nb == 2.0);
    CHECK(projection_order_by_norm_f64(a, b, 3, INFINITY, &swapped, NULL, NULL) == PROJECTION_OK);
    CHECK(swapped == 1);
    CHECK(projection_project_out_smaller_f64(a, b, 3, out) == PROJECTION_OK);
    CHECK(out[0] == 2.0 && out[1] == 0.0 && out[2] == 4.0);
    /* S = b, L = a, k = 6/4 = 1.5: out = a - 0.5 b */
    CHECK(projection_alphaless_gradient_f64(a, b, 3, out) == PROJECTION_OK);
    CHECK(out[0] == 2.0 && out[1] == 2.0 && out[2] == 4.0);
    /* noise = a is the larger: c_noise = 1, c_model = -0.5, scale 0.5, alpha 2 */
    CHECK(projection_equivalent_alpha_f64(a, b, 3, &alpha, &scale) == PROJECTION_OK);
    CHECK(alpha == 2.0 && scale == 0.5);
  }
  /* f32 and in place */
  {
    float a[2] = {3.0f, 4.0f};
    const float b[2] = {1.0f, 0.0f};
    CHECK(projection_vector_projection_f32(a, b, 2, a) == PROJECTION_OK);
    CHECK(a[0] == 3.0f && a[1] == 0.0f);
  }
  /* errors: nothing written, and every status has a description */
  {
    const float a[2] = {1.0f, NAN}, b[2] = {1.0f, 2.0f};
    float out[2] = {7.0f, 7.0f};
    double alpha = 9.0, scale = 9.0;
    int swapped = 5;
    CHECK(projection_alphaless_gradient_f32(a, b, 2, out) == PROJECTION_ERR_NONFINITE);
    CHECK(out[0] == 7.0f && out[1] == 7.0f);
    CHECK(projection_equivalent_alpha_f32(b, a, 2, &alpha, &scale) == PROJECTION_ERR_NONFINITE);
    CHECK(alpha == 9.0 && scale == 9.0);
    CHECK(projection_order_by_norm_f32(b, b, 2, NAN, &swapped, NULL, NULL) ==
          PROJECTION_ERR_ARGUMENT);
    CHECK(swapped == 5);
    CHECK(projection_vector_projection_f32(b, b, 2, NULL) == PROJECTION_ERR_NULL);
    CHECK(projection_equivalent_alpha_f64(NULL, NULL, 0, NULL, &scale) == PROJECTION_ERR_NULL);
  }
  {
    double buf[4] = {1.0, 2.0, 3.0, 4.0};
    CHECK(projection_vector_projection_f64(buf, buf + 2, 2, buf + 1) == PROJECTION_ERR_OVERLAP);
    CHECK(buf[1] == 2.0);
  }
  for (int s = 0; s <= 5; ++s) {
    const char *text = projection_status_string((projection_status)s);
    CHECK(text != NULL && text[0] != '\0');
  }

  if (failures) {
    fprintf(stderr, "consumer: %d check(s) failed\n", failures);
    return 1;
  }
  printf("consumer: all checks passed (projection %s, %s kernels)\n",
         projection_version_string(), projection_simd_arch());
  return 0;
}
