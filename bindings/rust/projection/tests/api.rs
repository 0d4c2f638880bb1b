//! The safe API against a straightforward f64 reference of the original functions.
use projection::{self as p, Element, Error};

// ------------------------------------------------------------------ reference
fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
fn norm(a: &[f64], ord: f64) -> f64 {
    let abs = a.iter().map(|x| x.abs());
    if ord == f64::INFINITY {
        abs.fold(0.0, f64::max)
    } else if ord == f64::NEG_INFINITY {
        abs.fold(f64::INFINITY, f64::min)
    } else if ord == 0.0 {
        a.iter().filter(|x| **x != 0.0).count() as f64
    } else {
        abs.map(|x| x.powf(ord)).sum::<f64>().powf(1.0 / ord)
    }
}
fn r_proj(a: &[f64], b: &[f64]) -> Vec<f64> {
    let bb = dot(b, b);
    let c = if bb == 0.0 { 0.0 } else { dot(a, b) / bb };
    b.iter().map(|x| c * x).collect()
}
/// (S, L, swapped)
fn r_order<'a>(a: &'a [f64], b: &'a [f64]) -> (&'a [f64], &'a [f64], bool) {
    if norm(a, 2.0) <= norm(b, 2.0) { (a, b, false) } else { (b, a, true) }
}
fn r_k(s: &[f64], l: &[f64]) -> f64 {
    let ss = dot(s, s);
    if ss == 0.0 { 0.0 } else { dot(l, s) / ss }
}
fn r_project_out(a: &[f64], b: &[f64]) -> Vec<f64> {
    let (s, l, _) = r_order(a, b);
    let pr = r_proj(l, s);
    l.iter().zip(pr).map(|(x, y)| x - y).collect()
}
fn r_alphaless(n: &[f64], m: &[f64]) -> Vec<f64> {
    let (s, l, _) = r_order(n, m);
    let k = r_k(s, l);
    l.iter().zip(s).map(|(x, y)| x + (1.0 - k) * y).collect()
}
fn r_alpha(n: &[f64], m: &[f64]) -> (f64, f64) {
    let (s, l, swapped) = r_order(n, m);
    let k = r_k(s, l);
    let (cn, cm) = if swapped { (1.0, 1.0 - k) } else { (1.0 - k, 1.0) };
    (cn / (cn + cm), cn + cm)
}

// ------------------------------------------------------------------ helpers
trait Cast: Element {
    fn from64(x: f64) -> Self;
    fn to64(self) -> f64;
    const TOL: f64;
}
impl Cast for f32 {
    fn from64(x: f64) -> f32 { x as f32 }
    fn to64(self) -> f64 { self as f64 }
    const TOL: f64 = 2e-5;
}
impl Cast for f64 {
    fn from64(x: f64) -> f64 { x }
    fn to64(self) -> f64 { self }
    const TOL: f64 = 1e-12;
}

/// Deterministic pseudo-random data (xorshift), no crates needed.
fn data<T: Cast>(n: usize, seed: u64, scale: f64) -> Vec<T> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            T::from64(scale * ((s >> 11) as f64 / (1u64 << 53) as f64 - 0.5))
        })
        .collect()
}
fn up<T: Cast>(v: &[T]) -> Vec<f64> {
    v.iter().map(|x| x.to64()).collect()
}
fn close<T: Cast>(got: &[T], want: &[f64]) {
    assert_eq!(got.len(), want.len());
    let scale = want.iter().fold(1.0f64, |m, x| m.max(x.abs()));
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let g = g.to64();
        assert!((g - w).abs() <= T::TOL * scale, "element {i}: got {g}, want {w}");
    }
}
fn close_scalar(got: f64, want: f64, tol: f64) {
    assert!((got - want).abs() <= tol * want.abs().max(1.0), "got {got}, want {want}");
}

fn check_all<T: Cast>() {
    for &n in &[1usize, 7, 64, 1000, 100_003] {
        let a: Vec<T> = data(n, n as u64, 2.0);
        let b: Vec<T> = data(n, n as u64 + 1, 5.0);
        let (a64, b64) = (up(&a), up(&b));

        close(&p::vector_projection(&a, &b).unwrap(), &r_proj(&a64, &b64));
        for (x, y, x64, y64) in [(&a, &b, &a64, &b64), (&b, &a, &b64, &a64)] {
            close(&p::project_out_smaller(x, y).unwrap(), &r_project_out(x64, y64));
            close(&p::alphaless_gradient(x, y).unwrap(), &r_alphaless(x64, y64));
            let (alpha, scale) = p::equivalent_alpha_and_scaling_factor(x, y).unwrap();
            let (ra, rs) = r_alpha(x64, y64);
            close_scalar(alpha, ra, 1e-6);
            close_scalar(scale, rs, 1e-6);
        }
        // _into and _in_place give the same as the allocating versions
        let mut out = vec![T::default(); n];
        p::alphaless_gradient_into(&a, &b, &mut out).unwrap();
        assert_eq!(up(&out), up(&p::alphaless_gradient(&a, &b).unwrap()));
        p::vector_projection_into(&a, &b, &mut out).unwrap();
        assert_eq!(up(&out), up(&p::vector_projection(&a, &b).unwrap()));
        p::project_out_smaller_into(&a, &b, &mut out).unwrap();
        assert_eq!(up(&out), up(&p::project_out_smaller(&a, &b).unwrap()));
        let mut c = a.clone();
        p::vector_projection_in_place(&mut c, &b).unwrap();
        assert_eq!(up(&c), up(&p::vector_projection(&a, &b).unwrap()));
        let mut c = a.clone();
        p::project_out_smaller_in_place(&mut c, &b).unwrap();
        assert_eq!(up(&c), up(&p::project_out_smaller(&a, &b).unwrap()));
        let mut c = a.clone();
        p::alphaless_gradient_in_place(&mut c, &b).unwrap();
        assert_eq!(up(&c), up(&p::alphaless_gradient(&a, &b).unwrap()));

        for ord in [2.0, 1.0, f64::INFINITY, f64::NEG_INFINITY, 0.0, 3.0, 0.5] {
            let o = p::order_by_norm(&a, &b, ord).unwrap();
            let (na, nb) = (norm(&a64, ord), norm(&b64, ord));
            close_scalar(o.norm_a, na, 1e-9);
            close_scalar(o.norm_b, nb, 1e-9);
            if (na - nb).abs() > 1e-6 * na.max(nb) {
                assert_eq!(o.swapped, na > nb, "ord {ord}");
                let (s, l) = p::order_tensors_by_norm(&a, &b, ord).unwrap();
                let want_s: &[T] = if na > nb { &b } else { &a };
                assert!(std::ptr::eq(s, want_s));
                assert!(std::ptr::eq(l, if na > nb { &a[..] } else { &b[..] }));
            }
        }
    }
}

#[test]
fn f32_matches_reference() {
    check_all::<f32>();
}

#[test]
fn f64_matches_reference() {
    check_all::<f64>();
}

#[test]
fn ties_keep_argument_order() {
    let a = [3.0f64, 4.0];
    let b = [-4.0f64, 3.0];
    let (s, l) = p::order_tensors_by_norm(&a, &b, 2.0).unwrap();
    assert!(std::ptr::eq(s, &a[..]) && std::ptr::eq(l, &b[..]));
    let (s, _) = p::order_tensors_by_norm(&b, &a, 2.0).unwrap();
    assert!(std::ptr::eq(s, &b[..]));
}

#[test]
fn zero_vectors_and_empty_slices() {
    let a = [1.0f32, -2.0, 3.0];
    let z = [0.0f32; 3];
    assert_eq!(p::vector_projection(&a, &z).unwrap(), z.to_vec());
    assert_eq!(p::project_out_smaller(&z, &a).unwrap(), a.to_vec());
    assert_eq!(p::alphaless_gradient(&z, &a).unwrap(), a.to_vec());
    assert_eq!(p::equivalent_alpha_and_scaling_factor(&z, &a).unwrap(), (0.5, 2.0));
    let e: [f64; 0] = [];
    assert_eq!(p::vector_projection(&e, &e).unwrap(), Vec::<f64>::new());
    assert_eq!(p::equivalent_alpha_and_scaling_factor(&e, &e).unwrap(), (0.5, 2.0));
    assert!(!p::order_by_norm(&e, &e, 2.0).unwrap().swapped);
}

#[test]
fn zero_scale_gives_infinite_alpha() {
    let noise = [1.0f64, 2.0, 3.0];
    let model = [0.0f64, 1.0, 0.0];
    assert_eq!(p::equivalent_alpha_and_scaling_factor(&noise, &model).unwrap(),
               (f64::INFINITY, 0.0));
    assert_eq!(p::equivalent_alpha_and_scaling_factor(&model, &noise).unwrap(),
               (f64::NEG_INFINITY, 0.0));
}

#[test]
fn length_mismatch_is_caught_before_the_call() {
    let a = [1.0f64; 3];
    let b = [1.0f64; 4];
    let want = Error::LengthMismatch { expected: 3, found: 4 };
    assert_eq!(p::vector_projection(&a, &b), Err(want));
    assert_eq!(p::project_out_smaller(&a, &b), Err(want));
    assert_eq!(p::alphaless_gradient(&a, &b), Err(want));
    assert_eq!(p::equivalent_alpha_and_scaling_factor(&a, &b), Err(want));
    assert_eq!(p::order_by_norm(&a, &b, 2.0), Err(want));
    let mut out = [0.0f64; 2];
    assert_eq!(p::vector_projection_into(&a, &a, &mut out),
               Err(Error::LengthMismatch { expected: 3, found: 2 }));
    let mut c = [5.0f64; 3];
    assert_eq!(p::alphaless_gradient_in_place(&mut c, &b), Err(want));
    assert_eq!(c, [5.0; 3]);
    let e = want;
    assert_eq!(e.status(), None);
    assert_eq!(e.to_string(), "slice lengths differ: 3 and 4");
}

fn nonfinite<T: Cast>() {
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let good: Vec<T> = data(5, 1, 1.0);
        let mut poisoned = good.clone();
        poisoned[2] = T::from64(bad);
        let mut out = vec![T::from64(42.0); 5];
        for (x, y) in [(&poisoned, &good), (&good, &poisoned)] {
            assert_eq!(p::vector_projection(x, y), Err(Error::NonFinite));
            assert_eq!(p::project_out_smaller(x, y), Err(Error::NonFinite));
            assert_eq!(p::alphaless_gradient_into(x, y, &mut out), Err(Error::NonFinite));
            assert!(out.iter().all(|v| v.to64() == 42.0), "nothing written on error");
            assert_eq!(p::equivalent_alpha_and_scaling_factor(x, y), Err(Error::NonFinite));
            assert_eq!(p::order_by_norm(x, y, 2.0), Err(Error::NonFinite));
        }
        let mut c = good.clone();
        assert_eq!(p::vector_projection_in_place(&mut c, &poisoned), Err(Error::NonFinite));
        assert_eq!(up(&c), up(&good));
    }
}

#[test]
fn nonfinite_inputs_are_errors() {
    nonfinite::<f32>();
    nonfinite::<f64>();
}

#[test]
fn nan_order_is_an_argument_error() {
    assert_eq!(p::order_by_norm(&[1.0f32], &[2.0], f64::NAN), Err(Error::Argument));
    assert_eq!(p::order_tensors_by_norm(&[1.0f64], &[2.0], f64::NAN), Err(Error::Argument));
}

#[test]
fn null_and_overlap_statuses_map_to_errors() {
    // The safe API cannot produce these; check the mapping through the raw ABI.
    let mut buf = [1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0];
    let p0 = buf.as_mut_ptr();
    let st = unsafe { projection_sys::projection_vector_projection_f64(p0, p0.wrapping_add(3), 3,
                                                                       p0.wrapping_add(1)) };
    assert_eq!(Error::from_status(st), Some(Error::Overlap));
    assert_eq!(buf, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    let st = unsafe {
        projection_sys::projection_alphaless_gradient_f32(std::ptr::null(), std::ptr::null(), 3,
                                                          std::ptr::null_mut())
    };
    assert_eq!(Error::from_status(st), Some(Error::Null));
    assert_eq!(Error::from_status(0), None);
    assert_eq!(Error::from_status(77), Some(Error::Unknown(77)));
}

#[test]
fn errors_carry_the_library_status_strings() {
    for (e, code) in [(Error::Null, 1), (Error::Overlap, 2), (Error::Argument, 3),
                      (Error::NonFinite, 4), (Error::Partials, 5)] {
        assert_eq!(e.status(), Some(code));
        assert_eq!(Error::from_status(code), Some(e));
        assert_eq!(e.to_string(), p::status_string(code));
        assert!(!e.to_string().is_empty());
    }
    assert!(!p::status_string(12345).is_empty());
    let boxed: Box<dyn std::error::Error> = Box::new(Error::NonFinite);
    assert_eq!(boxed.to_string(), p::status_string(4));
}

#[test]
fn library_information() {
    let v = p::version_number();
    assert!((10100..20000).contains(&v), "needs 1.x with x >= 1, linked {v}");
    assert_eq!(p::version(), format!("{}.{}.{}", v / 10000, v / 100 % 100, v % 100));
    assert!(["sse2", "fma3+avx2", "avx512bw", "neon64", "generic"]
        .contains(&p::simd_arch().as_str()));
    assert!(p::num_threads() >= 1);
}

#[test]
fn threads_do_not_change_results() {
    let a: Vec<f64> = data(300_000, 5, 3.0);
    let b: Vec<f64> = data(300_000, 6, 1.0);
    p::set_num_threads(1);
    assert_eq!(p::num_threads(), 1);
    let r1 = p::alphaless_gradient(&a, &b).unwrap();
    let s1 = p::equivalent_alpha_and_scaling_factor(&a, &b).unwrap();
    p::set_num_threads(2);
    assert_eq!(p::num_threads(), 2);
    let r2 = p::alphaless_gradient(&a, &b).unwrap();
    let s2 = p::equivalent_alpha_and_scaling_factor(&a, &b).unwrap();
    p::set_num_threads(0);
    assert!(r1.iter().zip(&r2).all(|(x, y)| x.to_bits() == y.to_bits()));
    assert_eq!(s1, s2);
}
