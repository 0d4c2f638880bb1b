/* A C99 consumer of the header: compiled with -std=c99 -Wall -Wextra -pedantic
 * -Werror, calls every function and checks what it gets. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <projection/projection.h>

static int failures = 0;
#define EXPECT(cond)                                              \
  do {                                                            \
    if (!(cond)) {                                                \
      fprintf(stderr, "%s:%d: failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                 \
    }                                                             \
  } while (0)

int main(void) {
  float af[4] = {1, 2, 3, 4}, bf[4] = {1, 0, 0, 1}, of[4];
  double ad[4] = {1, 2, 3, 4}, bd[4] = {1, 0, 0, 1}, od[4];
  double na, nb, alpha, scale;
  int swapped, i;

  EXPECT(projection_vector_projection_f32(af, bf, 4, of) == PROJECTION_OK);
  EXPECT(of[0] == 2.5f && of[1] == 0.0f && of[3] == 2.5f);
  EXPECT(projection_vector_projection_f64(ad, bd, 4, od) == PROJECTION_OK);
  EXPECT(od[0] == 2.5 && od[3] == 2.5);
  EXPECT(projection_order_by_norm_f32(af, bf, 4, 2.0, &swapped, &na, &nb) == PROJECTION_OK);
  EXPECT(swapped == 1 && fabs(na - sqrt(30.0)) < 1e-12 && fabs(nb - sqrt(2.0)) < 1e-15);
  EXPECT(projection_order_by_norm_f64(ad, bd, 4, INFINITY, &swapped, &na, &nb) == PROJECTION_OK);
  EXPECT(swapped == 1 && na == 4.0 && nb == 1.0);
  /* S = b, L = a, k = 5/2: a - k b = (-1.5, 2, 3, 1.5) */
  EXPECT(projection_project_out_smaller_f32(af, bf, 4, of) == PROJECTION_OK);
  EXPECT(of[0] == -1.5f && of[1] == 2.0f && of[2] == 3.0f && of[3] == 1.5f);
  EXPECT(projection_project_out_smaller_f64(ad, bd, 4, od) == PROJECTION_OK);
  EXPECT(od[0] == -1.5 && od[3] == 1.5);
  /* alphaless: a + (1 - k) b = a - 1.5 b */
  EXPECT(projection_alphaless_gradient_f32(af, bf, 4, of) == PROJECTION_OK);
  EXPECT(of[0] == -0.5f && of[3] == 2.5f);
  EXPECT(projection_alphaless_gradient_f64(ad, bd, 4, od) == PROJECTION_OK);
  EXPECT(od[0] == -0.5 && od[3] == 2.5);
  /* noise = a (L, coefficient 1), model = b (S, 1 - k = -1.5): scale -0.5, alpha -2 */
  EXPECT(projection_equivalent_alpha_f32(af, bf, 4, &alpha, &scale) == PROJECTION_OK);
  EXPECT(scale == -0.5 && alpha == -2.0);
  EXPECT(projection_equivalent_alpha_f64(ad, bd, 4, &alpha, &scale) == PROJECTION_OK);
  EXPECT(scale == -0.5 && alpha == -2.0);

  EXPECT(projection_vector_projection_f32(NULL, bf, 4, of) == PROJECTION_ERR_NULL);
  EXPECT(projection_vector_projection_f64(ad, bd, 3, ad + 1) == PROJECTION_ERR_OVERLAP);
  EXPECT(projection_order_by_norm_f64(ad, bd, 4, NAN, &swapped, NULL, NULL) == PROJECTION_ERR_ARGUMENT);
  bd[2] = NAN;
  EXPECT(projection_equivalent_alpha_f64(ad, bd, 4, &alpha, &scale) == PROJECTION_ERR_NONFINITE);

  for (i = 0; i <= 5; ++i) EXPECT(projection_status_string((projection_status)i) != NULL);
  EXPECT(strcmp(projection_version_string(), PROJECTION_VERSION_STRING) == 0);
  EXPECT(projection_version_number() == PROJECTION_VERSION_NUMBER);
  EXPECT(strlen(projection_simd_arch()) > 0);
  projection_set_num_threads(2);
  EXPECT(projection_get_num_threads() == 2);
  projection_set_num_threads(0);
  EXPECT(projection_get_num_threads() >= 1);

  printf("c_api: %s, %s kernels, %d failures\n", projection_version_string(), projection_simd_arch(), failures);
  return failures != 0;
}
