//! `Partials` over shards: at offsets that are multiples of BLOCK, bitwise the single call
//! on the whole vector; merging exact and order-free; bytes round-trip and are checked.
mod common;
use common::*;
use projection::{self as p, Error, Partials};

const B: usize = Partials::BLOCK;

/// Shards of `a`, `b` cut at `cuts`, each in the partials of its own "process".
fn shard_partials<T: Num>(a: &[T], b: &[T], cuts: &[usize]) -> Vec<Partials> {
    cuts.windows(2)
        .map(|w| {
            let mut part = Partials::new();
            part.add(&a[w[0]..w[1]], &b[w[0]..w[1]], w[0] as u64).unwrap();
            part
        })
        .collect()
}

fn merged(parts: &[Partials], order: &[usize]) -> Partials {
    let mut m = Partials::new();
    for &i in order {
        m.merge(&parts[i]).unwrap();
    }
    m
}

fn aligned_shards_equal_the_single_call<T: Num>() {
    let n = 5 * B + 777;
    let (a, b): (Vec<T>, Vec<T>) = (data(n, 1, 2.0), data(n, 2, 3.0));
    let cuts = [0, B, 3 * B, 4 * B, n];
    for (x, y) in [(&a, &b), (&b, &a)] {
        let parts = shard_partials(x, y, &cuts);
        // any merge order, and a tree, give the same bytes
        let m = merged(&parts, &[0, 1, 2, 3]);
        assert_eq!(merged(&parts, &[3, 1, 0, 2]).as_bytes(), m.as_bytes());
        let mut left = parts[0].clone();
        left.merge(&parts[1]).unwrap();
        let mut right = parts[2].clone();
        right.merge(&parts[3]).unwrap();
        right.merge(&left).unwrap();
        assert_eq!(right.as_bytes(), m.as_bytes(), "tree merge");

        let (alpha, scale) = m.equivalent_alpha_and_scaling_factor().unwrap();
        let (sa, ss) = p::equivalent_alpha_and_scaling_factor(x, y).unwrap();
        assert_same(alpha, sa, "partials alpha");
        assert_same(scale, ss, "partials scale");
        let o = m.order_by_norm().unwrap();
        let so = p::order_by_norm(x, y, 2.0).unwrap();
        assert_eq!(o.swapped, so.swapped);
        assert_same(o.norm_a, so.norm_a, "partials norm_a");
        assert_same(o.norm_b, so.norm_b, "partials norm_b");

        // every process writes its own shard; together, the single call's output
        let mut vp = Vec::new();
        let mut pos = Vec::new();
        let mut ag = Vec::new();
        for w in cuts.windows(2) {
            let (xs, ys) = (&x[w[0]..w[1]], &y[w[0]..w[1]]);
            vp.extend(m.vector_projection(xs, ys).unwrap());
            pos.extend(m.project_out_smaller(xs, ys).unwrap());
            let mut c = xs.to_vec();
            m.alphaless_gradient_in_place(&mut c, ys).unwrap();
            let mut d = vec![T::default(); xs.len()];
            m.alphaless_gradient_into(xs, ys, &mut d).unwrap();
            assert_eq!(bits(&c), bits(&d));
            ag.extend(c);
        }
        assert_bitwise(&vp, &p::vector_projection(x, y).unwrap(), "partials vector_projection");
        assert_bitwise(&pos, &p::project_out_smaller(x, y).unwrap(),
                       "partials project_out_smaller");
        assert_bitwise(&ag, &p::alphaless_gradient(x, y).unwrap(), "partials alphaless_gradient");
        // the other forms of the vector operations agree
        let mut c = x[..B].to_vec();
        m.vector_projection_in_place(&mut c, &y[..B]).unwrap();
        assert_eq!(bits(&c), bits(&vp[..B]));
        m.project_out_smaller_into(&x[..B], &y[..B], &mut c).unwrap();
        assert_eq!(bits(&c), bits(&pos[..B]));
        let mut c = x[..B].to_vec();
        m.project_out_smaller_in_place(&mut c, &y[..B]).unwrap();
        assert_eq!(bits(&c), bits(&pos[..B]));
        m.vector_projection_into(&x[..B], &y[..B], &mut c).unwrap();
        assert_eq!(bits(&c), bits(&vp[..B]));
    }
}

fn several_parts_in_one_partials<T: Num>() {
    // one process holding two separate parts (say, two tensors), another the rest
    let n = 4 * B + 10;
    let (a, b): (Vec<T>, Vec<T>) = (data(n, 7, 1.0), data(n, 8, 1.0));
    let mut p0 = Partials::new();
    p0.add(&a[..B], &b[..B], 0).unwrap();
    p0.add(&a[2 * B..3 * B], &b[2 * B..3 * B], 2 * B as u64).unwrap();
    let mut p1 = Partials::new();
    p1.add(&a[B..2 * B], &b[B..2 * B], B as u64).unwrap();
    p1.add(&a[3 * B..], &b[3 * B..], 3 * B as u64).unwrap();
    p1.merge(&p0).unwrap();
    assert_eq!(p1.equivalent_alpha_and_scaling_factor().unwrap(),
               p::equivalent_alpha_and_scaling_factor(&a, &b).unwrap());
    assert_bitwise(&p1.alphaless_gradient(&a[2 * B..3 * B], &b[2 * B..3 * B]).unwrap(),
                   &p::alphaless_gradient(&a, &b).unwrap()[2 * B..3 * B], "second part");
}

fn unaligned_shards_are_close<T: Num>() {
    let n = 3 * B + 5;
    let (a, b): (Vec<T>, Vec<T>) = (data(n, 9, 2.0), data(n, 10, 2.0));
    let cuts = [0, 1000, 9000, 9001, n];
    let m = merged(&shard_partials(&a, &b, &cuts), &[2, 0, 3, 1]);
    let (alpha, scale) = m.equivalent_alpha_and_scaling_factor().unwrap();
    let (sa, ss) = p::equivalent_alpha_and_scaling_factor(&a, &b).unwrap();
    assert!((alpha - sa).abs() <= 1e-12 * sa.abs(), "alpha {alpha} vs {sa}");
    assert!((scale - ss).abs() <= 1e-12 * ss.abs(), "scale {scale} vs {ss}");
    let o = m.order_by_norm().unwrap();
    let so = p::order_by_norm(&a, &b, 2.0).unwrap();
    assert!((o.norm_a - so.norm_a).abs() <= 1e-12 * so.norm_a);
    assert!((o.norm_b - so.norm_b).abs() <= 1e-12 * so.norm_b);
    // outputs: within an ulp of the output type of the single call's
    let got = m.alphaless_gradient(&a[1000..9000], &b[1000..9000]).unwrap();
    let want = p::alphaless_gradient(&a, &b).unwrap();
    for (i, (g, w)) in got.iter().zip(&want[1000..9000]).enumerate() {
        assert!((g.to64() - w.to64()).abs() <= g.ulp().max(w.ulp()), "element {i}: {g:?} {w:?}");
    }
}

fn nonfinite_shards_poison_every_process<T: Num>() {
    let n = 2 * B;
    let (a, mut b): (Vec<T>, Vec<T>) = (data(n, 3, 1.0), data(n, 4, 1.0));
    b[B + 17] = T::from64(f64::NAN);
    let parts = shard_partials(&a, &b, &[0, B, n]); // add succeeds
    let mut m0 = parts[0].clone();
    m0.merge(&parts[1]).unwrap();
    let mut m1 = parts[1].clone();
    m1.merge(&parts[0]).unwrap();
    for m in [&m0, &m1] {
        assert_eq!(m.equivalent_alpha_and_scaling_factor(), Err(Error::NonFinite));
        assert_eq!(m.order_by_norm(), Err(Error::NonFinite));
        let mut out = vec![T::from64(5.0); B];
        // process 0's own shard is finite, but the global vector is not
        assert_eq!(m.alphaless_gradient_into(&a[..B], &b[..B], &mut out), Err(Error::NonFinite));
        assert!(out.iter().all(|x| x.to64() == 5.0), "written on error");
        let mut c = a[..B].to_vec();
        assert_eq!(m.vector_projection_in_place(&mut c, &b[..B]), Err(Error::NonFinite));
        assert_eq!(bits(&c), bits(&a[..B]));
    }
    // the merged bytes carry the flag
    let m2 = Partials::from_bytes(m0.as_bytes()).unwrap();
    assert_eq!(m2.project_out_smaller(&a[..B], &b[..B]), Err(Error::NonFinite));
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
for_each_type!(aligned_shards_equal_the_single_call, several_parts_in_one_partials,
               unaligned_shards_are_close, nonfinite_shards_poison_every_process);

#[test]
fn empty_partials() {
    let e = Partials::new();
    let o = e.order_by_norm().unwrap();
    assert_eq!((o.swapped, o.norm_a, o.norm_b), (false, 0.0, 0.0));
    assert_eq!(e.equivalent_alpha_and_scaling_factor().unwrap(), (0.5, 2.0));
    assert_eq!(e.alphaless_gradient::<f32>(&[], &[]).unwrap(), Vec::<f32>::new());
    assert_eq!(Partials::default().as_bytes(), e.as_bytes());
    assert_eq!(e.as_bytes().len(), Partials::SIZE);
    assert_eq!(Partials::SIZE, 2048);
    assert_eq!(Partials::BLOCK, 8192);
    let mut m = Partials::new();
    m.add::<f64>(&[], &[], 12345).unwrap();
    m.merge(&e).unwrap();
    assert_eq!(m.equivalent_alpha_and_scaling_factor().unwrap(), (0.5, 2.0));
}

#[test]
fn bytes_round_trip_and_are_checked() {
    let (a, b): (Vec<f32>, Vec<f32>) = (data(1000, 1, 1.0), data(1000, 2, 1.0));
    let mut part = Partials::new();
    part.add(&a, &b, 0).unwrap();
    let bytes = part.as_bytes().to_vec();
    let back = Partials::from_bytes(&bytes).unwrap();
    assert_eq!(back.as_bytes(), &bytes[..]);
    assert_eq!(back.equivalent_alpha_and_scaling_factor(),
               part.equivalent_alpha_and_scaling_factor());
    // any alignment of the byte buffer
    let mut shifted = vec![0u8; bytes.len() + 1];
    shifted[1..].copy_from_slice(&bytes);
    assert_eq!(Partials::from_bytes(&shifted[1..]).unwrap().as_bytes(), &bytes[..]);
    // wrong length
    assert_eq!(Partials::from_bytes(&bytes[..100]).unwrap_err(),
               Error::LengthMismatch { expected: Partials::SIZE, found: 100 });
    // never initialized (zeros), and corrupted bytes anywhere
    assert_eq!(Partials::from_bytes(&[0u8; Partials::SIZE]).unwrap_err(), Error::Partials);
    for at in [0, 7, 8, 100, 1000, Partials::SIZE / 2, Partials::SIZE - 1] {
        let mut bad = bytes.clone();
        bad[at] ^= 0x10;
        assert_eq!(Partials::from_bytes(&bad).unwrap_err(), Error::Partials, "byte {at}");
    }
    assert_eq!(Error::Partials.status(), Some(5));
    assert_eq!(Error::from_status(5), Some(Error::Partials));
    assert_eq!(Error::Partials.to_string(), p::status_string(5));
}

#[test]
fn invalid_partials_are_refused_through_the_raw_abi() {
    // The safe type only holds valid partials; check the C contract and the mapping.
    use projection_sys as sys;
    let good = Partials::new();
    let mut bad = *good.as_raw();
    bad.opaque_[3] ^= 1;
    let before = bad.opaque_;
    let st = unsafe { sys::projection_partials_merge(&mut bad, good.as_raw()) };
    assert_eq!(Error::from_status(st), Some(Error::Partials));
    assert_eq!(bad.opaque_, before, "nothing written on error");
    let mut into = *good.as_raw();
    let st = unsafe { sys::projection_partials_merge(&mut into, &bad) };
    assert_eq!(Error::from_status(st), Some(Error::Partials));
    let st = unsafe { sys::projection_partials_add_f32(&mut bad, [1.0f32].as_ptr(),
                                                       [2.0f32].as_ptr(), 1, 0) };
    assert_eq!(Error::from_status(st), Some(Error::Partials));
    let mut out = [9.0f32];
    let st = unsafe {
        sys::projection_partials_alphaless_gradient_f32(&bad, [1.0f32].as_ptr(),
                                                        [2.0f32].as_ptr(), 1, out.as_mut_ptr())
    };
    assert_eq!(Error::from_status(st), Some(Error::Partials));
    assert_eq!(out, [9.0]);
    // merging a partials into itself is refused, not doubled
    let mut same = *good.as_raw();
    let p: *mut sys::projection_partials = &mut same;
    let st = unsafe { sys::projection_partials_merge(p, p) };
    assert_eq!(Error::from_status(st), Some(Error::Overlap));
}

#[test]
fn offset_overflow_is_an_argument_error() {
    let mut part = Partials::new();
    part.add(&[1.0f32], &[2.0], 3).unwrap();
    let before = part.as_bytes().to_vec();
    assert_eq!(part.add(&[1.0f32, 2.0], &[1.0, 2.0], u64::MAX), Err(Error::Argument));
    assert_eq!(part.add(&[1.0f64], &[1.0, 2.0], 0),
               Err(Error::LengthMismatch { expected: 1, found: 2 }));
    assert_eq!(part.as_bytes(), &before[..], "unchanged on error");
    part.add(&[1.0f32], &[1.0], u64::MAX - 1).unwrap(); // offset + n == 2^64 - 1 fits
}
