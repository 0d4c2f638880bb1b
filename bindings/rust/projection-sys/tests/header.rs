//! The declarations in `src/lib.rs` are exactly the functions of the C header, with the
//! same parameter and return types, and the constants have the header's values. A header
//! change that the binding does not follow fails here.
use std::collections::BTreeMap;
use std::path::PathBuf;

fn repo_file(rel: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {} ({e})", path.display()))
}

fn header() -> String {
    strip_comments(&repo_file("../../../include/projection/projection.h"))
}

fn binding() -> String {
    strip_comments(&repo_file("src/lib.rs"))
}

/// Drops `/* ... */` and `// ...` comments (no string literals in either file hold them).
fn strip_comments(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    loop {
        let block = rest.find("/*").unwrap_or(usize::MAX);
        let line = rest.find("//").unwrap_or(usize::MAX);
        if block == usize::MAX && line == usize::MAX {
            out.push_str(rest);
            return out;
        }
        if block < line {
            out.push_str(&rest[..block]);
            let end = rest[block + 2..].find("*/").expect("unterminated comment") + block + 4;
            rest = &rest[end..];
        } else {
            out.push_str(&rest[..line]);
            rest = rest[line..].find('\n').map_or("", |e| &rest[line + e..]);
        }
    }
}

fn words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in s.chars() {
        if c.is_alphanumeric() || c == '_' {
            cur.push(c);
        } else {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            if c == '*' {
                out.push("*".to_string());
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// A C type (without the parameter name) as the Rust type it must be declared as.
/// `const float *const *` is `*const *const f32`; `float *const *` is `*const *mut f32`.
fn rust_type_of_c(c: &str) -> Option<String> {
    let mut toks = words(c).into_iter().peekable();
    let mut is_const = false;
    if toks.peek().map(String::as_str) == Some("const") {
        is_const = true;
        toks.next();
    }
    let base = toks.next().expect("a type");
    let mut ty = match base.as_str() {
        "void" => return None, // a return type only (no `void *` in this header)
        "float" => "f32",
        "double" => "f64",
        "int" => "i32",
        "unsigned" => "u32",
        "char" => "i8",
        "size_t" => "usize",
        "uint64_t" => "u64",
        "projection_status" | "projection_bf16" | "projection_f16" | "projection_partials" => {
            base.as_str()
        }
        other => panic!("header type `{other}` has no mapping in this test: extend it"),
    }
    .to_string();
    while let Some(t) = toks.next() {
        assert_eq!(t, "*", "unexpected `{t}` in C type `{c}`");
        ty = format!("*{} {ty}", if is_const { "const" } else { "mut" });
        is_const = toks.peek().map(String::as_str) == Some("const");
        if is_const {
            toks.next();
        }
    }
    Some(ty)
}

/// A Rust type with the `core::ffi` aliases resolved, spaced canonically.
fn canonical_rust(t: &str) -> String {
    words(t)
        .into_iter()
        .map(|w| match w.as_str() {
            "c_double" => "f64".to_string(),
            "c_float" => "f32".to_string(),
            "c_int" => "i32".to_string(),
            "c_uint" => "u32".to_string(),
            "c_char" => "i8".to_string(), // Linux x86-64; aarch64 is u8, but both mean `char`
            _ => w,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

type Signature = (Option<String>, Vec<String>);

fn header_functions() -> BTreeMap<String, Signature> {
    let mut fns = BTreeMap::new();
    let h = header();
    for decl in h.split(';') {
        // Declarations start a line (the #defines of PROJECTION_API do not).
        let Some(start) = decl.find("\nPROJECTION_API ") else { continue };
        let decl = &decl[start + "\nPROJECTION_API ".len()..];
        let open = decl.find('(').unwrap();
        let close = decl.rfind(')').unwrap();
        let head = decl[..open].trim();
        let name = words(head).pop().unwrap();
        let ret = rust_type_of_c(&head[..head.len() - name.len()]).map(|t| canonical_rust(&t));
        let params = decl[open + 1..close].trim();
        let params = if params == "void" || params.is_empty() {
            Vec::new()
        } else {
            params
                .split(',')
                .map(|p| {
                    let p = p.trim();
                    let pname = words(p).pop().unwrap();
                    canonical_rust(&rust_type_of_c(&p[..p.len() - pname.len()]).unwrap())
                })
                .collect()
        };
        assert!(fns.insert(name.clone(), (ret, params)).is_none(), "{name} twice in the header");
    }
    fns
}

fn binding_functions() -> BTreeMap<String, Signature> {
    let mut fns = BTreeMap::new();
    let src = binding();
    let ext = src.find("extern \"C\" {").expect("an extern block");
    for decl in src[ext..].split(';') {
        let Some(start) = decl.find("pub fn ") else { continue };
        let decl = &decl[start + "pub fn ".len()..];
        let open = decl.find('(').unwrap();
        let close = decl.rfind(')').unwrap();
        let name = decl[..open].trim().to_string();
        let ret = decl[close + 1..].trim().strip_prefix("->").map(|r| canonical_rust(r.trim()));
        let params = decl[open + 1..close]
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| canonical_rust(p.split_once(':').expect("name: type").1))
            .collect();
        assert!(fns.insert(name.clone(), (ret, params)).is_none(), "{name} declared twice");
    }
    fns
}

#[test]
fn every_header_function_is_declared_with_its_signature() {
    let h = header_functions();
    let r = binding_functions();
    // Sanity: the parsers found the functions (1.1: 4 types x (5 + 5 + 5 + 4) + 4 + 6 = 86).
    assert!(h.len() >= 86, "parsed only {} functions from the header", h.len());
    let missing: Vec<_> = h.keys().filter(|k| !r.contains_key(*k)).collect();
    let extra: Vec<_> = r.keys().filter(|k| !h.contains_key(*k)).collect();
    assert!(missing.is_empty(), "declared in projection.h but not in projection-sys: {missing:?}");
    assert!(extra.is_empty(), "declared in projection-sys but not in projection.h: {extra:?}");
    for (name, sig) in &h {
        assert_eq!(&r[name], sig, "signature of {name}: projection-sys (left) vs header (right)");
    }
}

#[test]
fn the_type_mapping_can_fail() {
    // The comparison is only as good as the C-to-Rust mapping; check it on the tricky
    // cases, and that a wrong pointer constness is seen as different.
    assert_eq!(rust_type_of_c("const float *const *").unwrap(), "*const *const f32");
    assert_eq!(rust_type_of_c("float *const *").unwrap(), "*const *mut f32");
    assert_eq!(rust_type_of_c("const projection_partials *").unwrap(),
               "*const projection_partials");
    assert_eq!(rust_type_of_c("int *").unwrap(), "*mut i32");
    assert_eq!(rust_type_of_c("void"), None);
    assert_ne!(canonical_rust("*mut *const f32"), canonical_rust("*const *mut f32"));
    assert_eq!(canonical_rust("*mut c_double"), canonical_rust("*mut  f64"));
}

/// `#define PROJECTION_X <integer>` and the enumerators `PROJECTION_X = <integer>`.
fn header_constants() -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for line in header().lines() {
        let line = line.trim();
        let (name, value) = if let Some(rest) = line.strip_prefix("#define ") {
            let mut it = rest.split_whitespace();
            (it.next().unwrap_or(""), it.next().unwrap_or(""))
        } else if let Some((n, v)) = line.split_once('=') {
            (n.trim(), v.trim().trim_end_matches(','))
        } else {
            continue;
        };
        if name.starts_with("PROJECTION_") {
            if let Ok(v) = value.parse::<u64>() {
                out.insert(name.to_string(), v);
            }
        }
    }
    out
}

#[test]
fn constants_have_the_header_values() {
    let h = header_constants();
    for name in ["PROJECTION_OK", "PROJECTION_ERR_PARTIALS", "PROJECTION_BLOCK",
                 "PROJECTION_PARTIALS_SIZE", "PROJECTION_VERSION_MINOR"] {
        assert!(h.contains_key(name), "{name} not found in the header: parser broken?");
    }
    let src = binding();
    let mut rust = BTreeMap::new();
    for line in src.lines() {
        if let Some(rest) = line.trim().strip_prefix("pub const ") {
            let (name, rest) = rest.split_once(':').unwrap();
            let value = rest.split_once('=').unwrap().1.trim().trim_end_matches(';');
            rust.insert(name.trim().to_string(), value.parse::<u64>().unwrap());
        }
    }
    for (name, value) in &h {
        assert_eq!(rust.get(name), Some(value), "{name}: projection-sys vs header");
    }
    // and the values the crate's code sees agree with its own text
    use projection_sys as sys;
    assert_eq!(rust["PROJECTION_ERR_PARTIALS"], sys::PROJECTION_ERR_PARTIALS as u64);
    assert_eq!(rust["PROJECTION_PARTIALS_SIZE"], sys::PROJECTION_PARTIALS_SIZE as u64);
    assert_eq!(rust["PROJECTION_BLOCK"], sys::PROJECTION_BLOCK as u64);
}

#[test]
fn linked_library_matches_the_declarations() {
    use projection_sys as sys;
    // SAFETY: no arguments.
    let v = unsafe { sys::projection_version_number() };
    assert_eq!(v / 10000, sys::PROJECTION_VERSION_MAJOR);
    assert!(v % 10000 / 100 >= sys::PROJECTION_VERSION_MINOR, "library {v} older than 1.1");
    // A partials struct of the declared size round-trips through the library.
    let mut p = sys::projection_partials { opaque_: [0; sys::PROJECTION_PARTIALS_SIZE / 8] };
    let (mut swapped, mut na, mut nb) = (7, -1.0, -1.0);
    // SAFETY: valid pointers; an all-zero struct is not a valid partials.
    let st = unsafe { sys::projection_partials_order_by_norm(&p, &mut swapped, &mut na, &mut nb) };
    assert_eq!(st, sys::PROJECTION_ERR_PARTIALS);
    assert_eq!((swapped, na, nb), (7, -1.0, -1.0));
    // SAFETY: as above, after init.
    unsafe { sys::projection_partials_init(&mut p) };
    let st = unsafe { sys::projection_partials_order_by_norm(&p, &mut swapped, &mut na, &mut nb) };
    assert_eq!(st, sys::PROJECTION_OK);
    assert_eq!((swapped, na, nb), (0, 0.0, 0.0));
}
