//! `list` (the list as one vector) against the single call on the concatenation, and
//! `each` against the single call on each tensor: bitwise, for every element type.
mod common;
use common::*;
use projection::{self as p, each, list, Error, NormOrder};

/// Tensor lengths: empty ones, one that ends a block (8191), one across several blocks,
/// and a total above the threading threshold (65,536).
const LENS: &[usize] = &[0, 5, 8191, 1, 20000, 0, 3, 70000, 17];

fn inputs<T: Num>(seed: u64) -> (Vec<T>, Vec<T>) {
    let n: usize = LENS.iter().sum();
    (data(n, seed, 2.0), data(n, seed + 1, 5.0))
}

fn lists_equal_the_concatenation<T: Num>() {
    let (a, b) = inputs::<T>(3);
    let (al, bl) = (split(&a, LENS), split(&b, LENS));
    for (x, y, xl, yl) in [(&a, &b, &al, &bl), (&b, &a, &bl, &al)] {
        assert_bitwise(&list::vector_projection(xl, yl).unwrap().concat(),
                       &p::vector_projection(x, y).unwrap(), "list::vector_projection");
        assert_bitwise(&list::project_out_smaller(xl, yl).unwrap().concat(),
                       &p::project_out_smaller(x, y).unwrap(), "list::project_out_smaller");
        let g = p::alphaless_gradient(x, y).unwrap();
        assert_bitwise(&list::alphaless_gradient(xl, yl).unwrap().concat(), &g,
                       "list::alphaless_gradient");
        let (la, ls) = list::equivalent_alpha_and_scaling_factor(xl, yl).unwrap();
        let (sa, ss) = p::equivalent_alpha_and_scaling_factor(x, y).unwrap();
        assert_same(la, sa, "list alpha");
        assert_same(ls, ss, "list scale");
        for ord in [2.0, 1.0, f64::INFINITY, f64::NEG_INFINITY, 0.0, 3.0, 0.5] {
            let lo = list::order_by_norm(xl, yl, ord).unwrap();
            let so = p::order_by_norm(x, y, ord).unwrap();
            assert_eq!(lo.swapped, so.swapped, "ord {ord}");
            assert_same(lo.norm_a, so.norm_a, &format!("norm_a, ord {ord}"));
            assert_same(lo.norm_b, so.norm_b, &format!("norm_b, ord {ord}"));
        }
        // borrowed slices work as well as vectors, and give the same
        let xs: Vec<&[T]> = xl.iter().map(|v| &v[..]).collect();
        let ys: Vec<&[T]> = yl.iter().map(|v| &v[..]).collect();
        assert_bitwise(&list::alphaless_gradient(&xs, &ys).unwrap().concat(), &g, "&[&[T]]");
        // _into and _in_place write the same
        let mut out: Vec<Vec<T>> = LENS.iter().map(|&n| vec![T::from64(9.0); n]).collect();
        list::alphaless_gradient_into(xl, yl, &mut out).unwrap();
        assert_bitwise(&out.concat(), &g, "list::alphaless_gradient_into");
        let mut outs: Vec<&mut [T]> = out.iter_mut().map(|v| &mut v[..]).collect();
        list::vector_projection_into(&xs, &ys, &mut outs).unwrap();
        assert_bitwise(&out.concat(), &p::vector_projection(x, y).unwrap(), "&mut [&mut [T]]");
        let mut c = xl.clone();
        list::alphaless_gradient_in_place(&mut c, yl).unwrap();
        assert_bitwise(&c.concat(), &g, "list::alphaless_gradient_in_place");
        let mut c = xl.clone();
        list::project_out_smaller_in_place(&mut c, &ys).unwrap();
        assert_bitwise(&c.concat(), &p::project_out_smaller(x, y).unwrap(),
                       "list::project_out_smaller_in_place");
        let mut c = xl.clone();
        list::vector_projection_in_place(&mut c, yl).unwrap();
        assert_bitwise(&c.concat(), &p::vector_projection(x, y).unwrap(),
                       "list::vector_projection_in_place");
    }
    // order_tensors_by_norm gives the lists themselves
    let (s, l) = list::order_tensors_by_norm(&al, &bl, 2.0).unwrap();
    let o = p::order_by_norm(&a, &b, 2.0).unwrap();
    assert!(std::ptr::eq(s, if o.swapped { &bl[..] } else { &al[..] }));
    assert!(std::ptr::eq(l, if o.swapped { &al[..] } else { &bl[..] }));
}

fn each_equals_the_single_calls<T: Num>() {
    let (a, b) = inputs::<T>(11);
    let (al, bl) = (split(&a, LENS), split(&b, LENS));
    let vp = each::vector_projection(&al, &bl).unwrap();
    let pos = each::project_out_smaller(&al, &bl).unwrap();
    let ag = each::alphaless_gradient(&al, &bl).unwrap();
    let alphas = each::equivalent_alpha_and_scaling_factor(&al, &bl).unwrap();
    let orders: Vec<Vec<NormOrder>> = [2.0, 1.0, f64::INFINITY, 0.0, 3.0]
        .iter()
        .map(|&ord| each::order_by_norm(&al, &bl, ord).unwrap())
        .collect();
    assert_eq!((vp.len(), alphas.len(), orders[0].len()), (LENS.len(), LENS.len(), LENS.len()));
    for i in 0..LENS.len() {
        let (x, y) = (&al[i], &bl[i]);
        assert_bitwise(&vp[i], &p::vector_projection(x, y).unwrap(), "each::vector_projection");
        assert_bitwise(&pos[i], &p::project_out_smaller(x, y).unwrap(),
                       "each::project_out_smaller");
        assert_bitwise(&ag[i], &p::alphaless_gradient(x, y).unwrap(), "each::alphaless_gradient");
        let (sa, ss) = p::equivalent_alpha_and_scaling_factor(x, y).unwrap();
        assert_same(alphas[i].0, sa, &format!("each alpha {i}"));
        assert_same(alphas[i].1, ss, &format!("each scale {i}"));
        for (k, &ord) in [2.0, 1.0, f64::INFINITY, 0.0, 3.0].iter().enumerate() {
            let so = p::order_by_norm(x, y, ord).unwrap();
            assert_eq!(orders[k][i].swapped, so.swapped);
            assert_same(orders[k][i].norm_a, so.norm_a, &format!("each norm_a {i} ord {ord}"));
            assert_same(orders[k][i].norm_b, so.norm_b, &format!("each norm_b {i} ord {ord}"));
        }
    }
    let mut out: Vec<Vec<T>> = LENS.iter().map(|&n| vec![T::default(); n]).collect();
    each::alphaless_gradient_into(&al, &bl, &mut out).unwrap();
    assert_eq!(bits(&out.concat()), bits(&ag.concat()));
    let mut c = al.clone();
    each::alphaless_gradient_in_place(&mut c, &bl).unwrap();
    assert_eq!(bits(&c.concat()), bits(&ag.concat()));
    let mut c = al.clone();
    each::project_out_smaller_in_place(&mut c, &bl).unwrap();
    assert_eq!(bits(&c.concat()), bits(&pos.concat()));
    let mut c = al.clone();
    each::vector_projection_in_place(&mut c, &bl).unwrap();
    assert_eq!(bits(&c.concat()), bits(&vp.concat()));
    each::project_out_smaller_into(&al, &bl, &mut out).unwrap();
    assert_eq!(bits(&out.concat()), bits(&pos.concat()));
}

fn empty_lists<T: Num>() {
    let e: Vec<Vec<T>> = Vec::new();
    assert_eq!(list::alphaless_gradient(&e, &e).unwrap(), Vec::<Vec<T>>::new());
    assert_eq!(list::equivalent_alpha_and_scaling_factor(&e, &e).unwrap(), (0.5, 2.0));
    let o = list::order_by_norm(&e, &e, 2.0).unwrap();
    assert_eq!((o.swapped, o.norm_a, o.norm_b), (false, 0.0, 0.0));
    assert_eq!(each::equivalent_alpha_and_scaling_factor(&e, &e).unwrap(), vec![]);
    assert_eq!(each::order_by_norm(&e, &e, 2.0).unwrap(), vec![]);
    // a list of empty tensors is the empty vector too
    let z: Vec<Vec<T>> = vec![Vec::new(), Vec::new()];
    assert_eq!(list::equivalent_alpha_and_scaling_factor(&z, &z).unwrap(), (0.5, 2.0));
    let mut out = z.clone();
    list::vector_projection_into(&z, &z, &mut out).unwrap();
    each::alphaless_gradient_into(&z, &z, &mut out).unwrap();
}

fn errors_write_nothing<T: Num>() {
    let (a, b) = inputs::<T>(5);
    let (al, mut bl) = (split(&a, LENS), split(&b, LENS));
    let sentinel = T::from64(42.0);
    // NaN or Inf in one tensor of one list: nothing written in any tensor
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        bl[7][123] = T::from64(bad);
        let mut out: Vec<Vec<T>> = LENS.iter().map(|&n| vec![sentinel; n]).collect();
        assert_eq!(list::alphaless_gradient_into(&al, &bl, &mut out), Err(Error::NonFinite));
        assert_eq!(each::alphaless_gradient_into(&al, &bl, &mut out), Err(Error::NonFinite));
        assert!(out.iter().flatten().all(|x| x.bits() == sentinel.bits()), "written on error");
        let mut c = al.clone();
        assert_eq!(list::vector_projection_in_place(&mut c, &bl), Err(Error::NonFinite));
        assert_eq!(each::project_out_smaller_in_place(&mut c, &bl), Err(Error::NonFinite));
        assert_eq!(bits(&c.concat()), bits(&a), "in place: written on error");
        assert_eq!(list::equivalent_alpha_and_scaling_factor(&al, &bl), Err(Error::NonFinite));
        assert_eq!(each::equivalent_alpha_and_scaling_factor(&bl, &al), Err(Error::NonFinite));
        assert_eq!(list::order_by_norm(&al, &bl, 1.0), Err(Error::NonFinite));
        assert_eq!(each::order_by_norm(&bl, &al, 2.0), Err(Error::NonFinite));
    }
    assert_eq!(list::order_by_norm(&al, &al, f64::NAN), Err(Error::Argument));
    assert_eq!(each::order_by_norm(&al, &al, f64::NAN), Err(Error::Argument));
}

macro_rules! for_each_type {
    ($($test:ident),*) => {
        mod f32_tests { $(#[test] fn $test() { super::$test::<f32>() })* }
        mod f64_tests { $(#[test] fn $test() { super::$test::<f64>() })* }
        #[cfg(feature = "half")]
        mod bf16_tests { $(#[test] fn $test() { super::$test::<half::bf16>() })* }
        #[cfg(feature = "half")]
        mod f16_tests { $(#[test] fn $test() { super::$test::<half::f16>() })* }
    };
}
for_each_type!(lists_equal_the_concatenation, each_equals_the_single_calls, empty_lists,
               errors_write_nothing);

#[test]
fn lengths_are_checked_before_the_call() {
    let a = vec![vec![1.0f32; 3], vec![2.0; 4]];
    let b3 = vec![vec![1.0f32; 3], vec![2.0; 4], vec![0.5; 1]];
    let b_short = vec![vec![1.0f32; 3], vec![2.0; 5]];
    let count = Error::CountMismatch { expected: 2, found: 3 };
    assert_eq!(list::alphaless_gradient(&a, &b3), Err(count));
    assert_eq!(each::order_by_norm(&a, &b3, 2.0), Err(count));
    let seg = Error::SegmentLengthMismatch { index: 1, expected: 4, found: 5 };
    assert_eq!(list::vector_projection(&a, &b_short), Err(seg));
    assert_eq!(list::equivalent_alpha_and_scaling_factor(&a, &b_short), Err(seg));
    assert_eq!(each::equivalent_alpha_and_scaling_factor(&a, &b_short), Err(seg));
    let mut c = a.clone();
    assert_eq!(list::alphaless_gradient_in_place(&mut c, &b_short), Err(seg));
    assert_eq!(c, a);
    let mut out = vec![vec![7.0f32; 3]];
    assert_eq!(list::alphaless_gradient_into(&a, &a, &mut out),
               Err(Error::CountMismatch { expected: 2, found: 1 }));
    let mut out = vec![vec![7.0f32; 3], vec![7.0; 2]];
    assert_eq!(each::vector_projection_into(&a, &a, &mut out),
               Err(Error::SegmentLengthMismatch { index: 1, expected: 4, found: 2 }));
    assert_eq!(out, vec![vec![7.0f32; 3], vec![7.0; 2]]);
    assert_eq!(seg.status(), None);
    assert_eq!(seg.to_string(), "tensor 1 of the lists: lengths differ: 4 and 5");
    assert_eq!(Error::CountMismatch { expected: 2, found: 3 }.to_string(),
               "the lists hold different numbers of tensors: 2 and 3");
}

#[test]
fn overlapping_segments_are_refused_by_the_library() {
    // The safe API cannot alias; check the C contract and its mapping through the raw ABI:
    // out[1] partly overlaps a[0] (not exactly a[1] or b[1]).
    use projection_sys as sys;
    let mut buf = [1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
    let base = buf.as_mut_ptr();
    let a: [*const f64; 2] = [base, base.wrapping_add(4)];
    let b: [*const f64; 2] = [base.wrapping_add(2), base.wrapping_add(6)];
    let n = [2usize, 2];
    let out: [*mut f64; 2] = [base, base.wrapping_add(1)];
    let st = unsafe {
        sys::projection_alphaless_gradient_list_f64(a.as_ptr(), b.as_ptr(), n.as_ptr(), 2,
                                                    out.as_ptr())
    };
    assert_eq!(Error::from_status(st), Some(Error::Overlap));
    assert_eq!(buf, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]);
    // out[i] exactly a[i] is in place, allowed
    let out: [*mut f64; 2] = [base, base.wrapping_add(4)];
    let st = unsafe {
        sys::projection_alphaless_gradient_each_f64(a.as_ptr(), b.as_ptr(), n.as_ptr(), 2,
                                                    out.as_ptr())
    };
    assert_eq!(st, sys::PROJECTION_OK);
    assert_eq!(&buf[..2], &p::alphaless_gradient(&[1.0, 2.0], &[3.0, 4.0]).unwrap()[..]);
    assert_eq!(&buf[4..6], &p::alphaless_gradient(&[5.0, 6.0], &[7.0, 8.0]).unwrap()[..]);
    // a NULL segment with n[i] > 0
    let a: [*const f64; 2] = [base, std::ptr::null()];
    let (mut alpha, mut scale) = (0.0, 0.0);
    let st = unsafe {
        sys::projection_equivalent_alpha_list_f64(a.as_ptr(), a.as_ptr(), n.as_ptr(), 2,
                                                  &mut alpha, &mut scale)
    };
    assert_eq!(Error::from_status(st), Some(Error::Null));
}

#[test]
fn many_tensors() {
    // more than 64 tensors (the library's per-thread scratch path), of mixed lengths
    let lens: Vec<usize> = (0..300).map(|i| (i * 37) % 101).collect();
    let n: usize = lens.iter().sum();
    let (a, b): (Vec<f32>, Vec<f32>) = (data(n, 21, 1.0), data(n, 22, 3.0));
    let (al, bl) = (split(&a, &lens), split(&b, &lens));
    assert_bitwise(&list::alphaless_gradient(&al, &bl).unwrap().concat(),
                   &p::alphaless_gradient(&a, &b).unwrap(), "300 tensors");
    let each_alpha = each::equivalent_alpha_and_scaling_factor(&al, &bl).unwrap();
    for i in (0..300).step_by(29) {
        assert_eq!(each_alpha[i], p::equivalent_alpha_and_scaling_factor(&al[i], &bl[i]).unwrap());
    }
}
