// The C++ interface: spans over standard containers, exceptions for errors.
#include <array>
#include <vector>

#include "projection/projection.hpp"
#include "support.hpp"

TEST_CASE("C++ interface over std::vector and std::array", "[api]") {
  std::vector<double> a = {1, 2, 3, 4}, b = {1, 0, 0, 1}, out(4);
  projection::vector_projection(a, b, out);
  CHECK(out == std::vector<double>{2.5, 0, 0, 2.5});
  projection::project_out_smaller(a, b, out);
  CHECK(out == std::vector<double>{-1.5, 2, 3, 1.5});
  projection::alphaless_gradient(a, b, out);
  CHECK(out == std::vector<double>{-0.5, 2, 3, 2.5});
  const auto [alpha, scale] = projection::equivalent_alpha(a, b);
  CHECK(alpha == -2.0);
  CHECK(scale == -0.5);
  std::array<float, 3> x = {3, 0, 4}, y = {0, 1, 0};
  const projection::ordering o = projection::order_by_norm(std::span<const float>(x), y, HUGE_VAL);
  CHECK(o.swapped);
  CHECK(o.norm_a == 4.0);
  CHECK(o.norm_b == 1.0);
  // In place.
  projection::vector_projection(a, b, a);
  CHECK(a == std::vector<double>{2.5, 0, 0, 2.5});
}

TEST_CASE("C++ interface reports errors as projection::error", "[api]") {
  std::vector<float> a = {1, 2, 3}, b = {1, NAN, 0}, out(3), short_out(2);
  try {
    projection::vector_projection(a, b, out);
    FAIL("no exception");
  } catch (const projection::error& e) {
    CHECK(e.code() == projection::status::nonfinite);
    CHECK(std::string(e.what()) == projection_status_string(PROJECTION_ERR_NONFINITE));
  }
  b[1] = 0;
  try {
    projection::alphaless_gradient(a, b, short_out);
    FAIL("no exception");
  } catch (const projection::error& e) {
    CHECK(e.code() == projection::status::argument);
  }
  try {
    projection::order_by_norm(std::span<const float>(a), b, NAN);
    FAIL("no exception");
  } catch (const projection::error& e) {
    CHECK(e.code() == projection::status::argument);
  }
  CHECK(std::string(projection::version()) == "1.1.0");
}
