//! Helpers shared by the integration tests: element conversions, bit patterns, data.
#![allow(dead_code)]
use projection::Element;

/// The element types under test, with conversions to and from f64 and their bit patterns.
pub trait Num: Element {
    const NAME: &'static str;
    fn from64(x: f64) -> Self;
    fn to64(self) -> f64;
    fn bits(self) -> u64;
    /// The spacing of this type's values at `self`: the larger of the gaps to its two
    /// neighbours (so it covers a value on either side of a power of two).
    fn ulp(self) -> f64;
}

macro_rules! float_num {
    ($t:ty, $bits:ty) => {
        impl Num for $t {
            const NAME: &'static str = stringify!($t);
            fn from64(x: f64) -> $t { x as $t }
            fn to64(self) -> f64 { self as f64 }
            fn bits(self) -> u64 { self.to_bits() as u64 }
            fn ulp(self) -> f64 {
                let m = self.abs();
                let up = <$t>::from_bits(m.to_bits() + 1) as f64 - m as f64;
                let down = if m == 0.0 { up } else { m as f64 - <$t>::from_bits(m.to_bits() - 1) as f64 };
                up.max(down)
            }
        }
    };
}
float_num!(f32, u32);
float_num!(f64, u64);

#[cfg(feature = "half")]
macro_rules! half_num {
    ($t:ty, $name:literal) => {
        impl Num for $t {
            const NAME: &'static str = $name;
            fn from64(x: f64) -> $t { <$t>::from_f64(x) }
            fn to64(self) -> f64 { self.to_f64() }
            fn bits(self) -> u64 { self.to_bits() as u64 }
            fn ulp(self) -> f64 {
                let m = self.to_bits() & 0x7fff;
                let at = |b: u16| <$t>::from_bits(b).to_f64();
                let up = at(m + 1) - at(m);
                let down = if m == 0 { up } else { at(m) - at(m - 1) };
                // next to the largest finite value the "neighbour" is inf: use the other gap
                if up.is_finite() { up.max(down) } else { down }
            }
        }
    };
}
#[cfg(feature = "half")]
half_num!(half::bf16, "bf16");
#[cfg(feature = "half")]
half_num!(half::f16, "f16");

/// Deterministic pseudo-random data in [-scale/2, scale/2) (xorshift), no crates needed.
pub fn data<T: Num>(n: usize, seed: u64, scale: f64) -> Vec<T> {
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

pub fn up<T: Num>(v: &[T]) -> Vec<f64> {
    v.iter().map(|x| x.to64()).collect()
}

pub fn bits<T: Num>(v: &[T]) -> Vec<u64> {
    v.iter().map(|x| x.bits()).collect()
}

/// Bitwise equality of two vectors, with the first differing element in the message.
#[track_caller]
pub fn assert_bitwise<T: Num>(got: &[T], want: &[T], what: &str) {
    assert_eq!(got.len(), want.len(), "{what} ({}): lengths", T::NAME);
    if let Some(i) = (0..got.len()).find(|&i| got[i].bits() != want[i].bits()) {
        panic!("{what} ({}): element {i} of {}: got {:?}, want {:?}", T::NAME, got.len(),
               got[i], want[i]);
    }
}

/// Bitwise equality of scalars (f64), NaN-free.
#[track_caller]
pub fn assert_same(got: f64, want: f64, what: &str) {
    assert!(got.to_bits() == want.to_bits(), "{what}: got {got:e}, want {want:e}");
}

/// Splits `v` into consecutive segments of the given lengths.
pub fn split<T: Clone>(v: &[T], lens: &[usize]) -> Vec<Vec<T>> {
    let mut out = Vec::new();
    let mut at = 0;
    for &n in lens {
        out.push(v[at..at + n].to_vec());
        at += n;
    }
    assert_eq!(at, v.len());
    out
}
