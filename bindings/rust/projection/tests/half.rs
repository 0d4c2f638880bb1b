//! `half::bf16` and `half::f16` elements (feature `half`): every output within 1 unit in
//! the last place of the exact `x + c*y` (taken from the f64 path on the same values,
//! which are exact in f64), scalars as the f64 path's, NaN/Inf in any encoding refused,
//! and f16 overflow to infinity.
#![cfg(feature = "half")]
mod common;
use common::*;
use half::{bf16, f16};
use projection::{self as p, Error};

#[track_caller]
fn within_one_ulp<T: Num>(got: &[T], want64: &[f64], what: &str) {
    assert_eq!(got.len(), want64.len());
    let mut exact = 0;
    for (i, (g, &w)) in got.iter().zip(want64).enumerate() {
        let g64 = g.to64();
        let err = (g64 - w).abs();
        assert!(err <= g.ulp(), "{what} ({}): element {i}: got {g64:e}, exact {w:e}, \
                                 error {err:e} > 1 ulp {:e}", T::NAME, g.ulp());
        exact += (err <= 0.5 * g.ulp()) as usize;
    }
    // rounded once, to nearest: (nearly) all within half an ulp
    assert!(exact * 100 >= got.len() * 99, "{what} ({}): only {exact} of {} within 0.5 ulp",
            T::NAME, got.len());
}

#[track_caller]
fn close(got: f64, want: f64, what: &str) {
    assert!((got - want).abs() <= 1e-12 * want.abs().max(1e-300), "{what}: {got:e} vs {want:e}");
}

fn matches_the_f64_path<T: Num>() {
    for &n in &[1usize, 7, 1000, 8193, 100_003] {
        let a: Vec<T> = data(n, n as u64, 2.0);
        let b: Vec<T> = data(n, n as u64 + 1, 5.0);
        let (a64, b64) = (up(&a), up(&b)); // exact
        for (x, y, x64, y64) in [(&a, &b, &a64, &b64), (&b, &a, &b64, &a64)] {
            within_one_ulp(&p::vector_projection(x, y).unwrap(),
                           &p::vector_projection(x64, y64).unwrap(), "vector_projection");
            within_one_ulp(&p::project_out_smaller(x, y).unwrap(),
                           &p::project_out_smaller(x64, y64).unwrap(), "project_out_smaller");
            within_one_ulp(&p::alphaless_gradient(x, y).unwrap(),
                           &p::alphaless_gradient(x64, y64).unwrap(), "alphaless_gradient");
            let (alpha, scale) = p::equivalent_alpha_and_scaling_factor(x, y).unwrap();
            let (a2, s2) = p::equivalent_alpha_and_scaling_factor(x64, y64).unwrap();
            close(alpha, a2, "alpha");
            close(scale, s2, "scale");
            for ord in [2.0, 1.0, f64::INFINITY, f64::NEG_INFINITY, 0.0, 3.0] {
                let o = p::order_by_norm(x, y, ord).unwrap();
                let o2 = p::order_by_norm(x64, y64, ord).unwrap();
                close(o.norm_a, o2.norm_a, "norm_a");
                close(o.norm_b, o2.norm_b, "norm_b");
                if (o2.norm_a - o2.norm_b).abs() > 1e-9 * o2.norm_a.max(o2.norm_b) {
                    assert_eq!(o.swapped, o2.swapped);
                }
            }
        }
    }
}

#[test]
fn bf16_matches_the_f64_path() {
    matches_the_f64_path::<bf16>();
}

#[test]
fn f16_matches_the_f64_path() {
    matches_the_f64_path::<f16>();
}

#[test]
fn small_exact_cases() {
    // exactly representable results come out exactly
    let a = [bf16::from_f32(2.0), bf16::from_f32(3.0)];
    let b = [bf16::from_f32(1.0), bf16::from_f32(0.0)];
    assert_eq!(p::vector_projection(&a, &b).unwrap(), vec![bf16::from_f32(2.0), bf16::ZERO]);
    let g = p::alphaless_gradient(&[f16::from_f32(1.0), f16::ZERO],
                                  &[f16::from_f32(2.0), f16::from_f32(2.0)]).unwrap();
    assert_eq!(g, vec![f16::from_f32(1.0), f16::from_f32(2.0)]);
    assert_eq!(p::equivalent_alpha_and_scaling_factor(&[f16::ZERO, f16::ONE],
                                                      &[f16::from_f32(2.0), f16::ZERO]).unwrap(),
               (0.5, 2.0));
    // f16 subnormal outputs: (2^-24 * 3) projected onto itself
    let tiny = [f16::from_bits(3), f16::from_bits(0x8001)];
    assert_eq!(bits(&p::vector_projection(&tiny, &tiny).unwrap()), vec![3, 0x8001]);
}

#[test]
fn f16_overflow_gives_infinity_not_an_error() {
    // c = (65504 + 32752) / 1.25 = 78604.8: the first output is beyond f16's range
    let a = [f16::MAX, f16::MAX];
    let b = [f16::ONE, f16::from_f32(0.5)];
    let out = p::vector_projection(&a, &b).unwrap();
    assert_eq!(out[0], f16::INFINITY);
    assert_eq!(out[1], f16::from_f32(39296.0)); // 39302.4 rounded to a multiple of 32
    // bf16 has float's range: finite
    let a = [bf16::from_f32(65504.0); 2];
    let b = [bf16::ONE, bf16::from_f32(0.5)];
    assert!(p::vector_projection(&a, &b).unwrap().iter().all(|x| x.is_finite()));
}

#[test]
fn nonfinite_encodings_are_refused() {
    let good16 = [f16::ONE, f16::from_f32(2.0), f16::from_f32(-3.0)];
    let goodb = [bf16::ONE, bf16::from_f32(2.0), bf16::from_f32(-3.0)];
    // f16: inf, -inf, quiet and signalling NaN, NaN with the sign bit
    for bad in [0x7c00u16, 0xfc00, 0x7e00, 0x7c01, 0xffff] {
        let mut x = good16;
        x[1] = f16::from_bits(bad);
        let mut out = [f16::from_f32(7.0); 3];
        assert_eq!(p::alphaless_gradient_into(&x, &good16, &mut out), Err(Error::NonFinite),
                   "f16 {bad:#06x}");
        assert_eq!(out, [f16::from_f32(7.0); 3]);
        assert_eq!(p::equivalent_alpha_and_scaling_factor(&good16, &x), Err(Error::NonFinite));
    }
    // bf16: inf, -inf, NaNs
    for bad in [0x7f80u16, 0xff80, 0x7fc0, 0x7f81, 0xffff] {
        let mut x = goodb;
        x[2] = bf16::from_bits(bad);
        let mut c = goodb;
        assert_eq!(p::project_out_smaller_in_place(&mut c, &x), Err(Error::NonFinite),
                   "bf16 {bad:#06x}");
        assert_eq!(c, goodb);
        assert_eq!(p::order_by_norm(&x, &goodb, 2.0), Err(Error::NonFinite));
    }
    // the largest finite values are finite
    assert!(p::order_by_norm(&[f16::MAX, f16::MIN], &good16[..2], 2.0).is_ok());
    assert!(p::order_by_norm(&[bf16::MAX, bf16::MIN], &goodb[..2], 1.0).is_ok());
}
