//! Links libprojection, one of two ways.
//!
//! **pkg-config (the default)** — finds an installed library with the `pkg-config`
//! program (no crates needed):
//! * `PKG_CONFIG` names the program (default `pkg-config`); `PKG_CONFIG_PATH` /
//!   `PKG_CONFIG_LIBDIR` say where `projection.pc` is, as for any pkg-config user.
//! * The library must be version 1.x with x >= 1 (these declarations are the 1.1 header's).
//! * Static linking: the cargo feature `static`, or `PROJECTION_STATIC=1`, links
//!   `libprojection.a` and the private dependencies from `pkg-config --static`.
//! * A shared library outside the loader's search path needs `LD_LIBRARY_PATH` (or an
//!   rpath) at run time, as with any C library.
//!
//! **`bundled` (cargo feature)** — builds the library from this repository's sources with
//! the `cmake` crate and links it statically; no installed library, no pkg-config. It needs
//! CMake (3.20 or newer), a C++20 compiler with OpenMP (GCC, or Clang with libomp) and the
//! xsimd headers (Debian: `cmake g++ libxsimd-dev`), as the library's own build does.
//! * The sources are the repository holding this crate (`CARGO_MANIFEST_DIR/../../..`),
//!   so `bundled` works for a path or git dependency on the repository; the environment
//!   variable `PROJECTION_SOURCE_DIR` names another checkout.
//! * A Release build of the static library only (no tests, no benchmarks, the kernels
//!   for every instruction set chosen at run time: nothing like `-march=native`), in
//!   `OUT_DIR`; rebuilt when the sources change.
//! * The private dependencies (OpenMP's runtime, the C++ runtime, libm, pthread) are read
//!   from the `Libs.private` line of the `projection.pc` that CMake configures, i.e. the
//!   list `pkg-config --static` gives for an installed library.
use std::env;
#[cfg(feature = "bundled")]
use std::path::{Path, PathBuf};
use std::process::Command;

const ABI_MAJOR: u32 = 1;
/// The header version these declarations follow: a library older than this lacks functions.
const MIN_MINOR: u32 = 1;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if env::var_os("CARGO_FEATURE_BUNDLED").is_some() {
        bundled();
    } else {
        from_pkg_config();
    }
}

// ------------------------------------------------------------------ pkg-config
fn from_pkg_config() {
    for var in ["PKG_CONFIG", "PKG_CONFIG_PATH", "PKG_CONFIG_LIBDIR", "PKG_CONFIG_SYSROOT_DIR",
                "PROJECTION_STATIC"] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    let want_static = env::var_os("CARGO_FEATURE_STATIC").is_some()
        || matches!(env::var("PROJECTION_STATIC").as_deref(), Ok("1") | Ok("true") | Ok("yes"));
    let program = env::var("PKG_CONFIG").unwrap_or_else(|_| "pkg-config".to_string());

    let version = pkg_config(&program, &["--modversion", "projection"]);
    check_version(version.trim(), "projection.pc");
    let mut args = vec!["--libs"];
    if want_static {
        args.push("--static");
    }
    args.push("projection");
    let libs = pkg_config(&program, &args);

    let mut link_dirs = Vec::new();
    for token in libs.split_whitespace() {
        if let Some(dir) = token.strip_prefix("-L") {
            println!("cargo:rustc-link-search=native={dir}");
            link_dirs.push(dir.to_string());
        } else if let Some(name) = token.strip_prefix("-l") {
            if name == "projection" && want_static {
                println!("cargo:rustc-link-lib=static=projection");
            } else {
                println!("cargo:rustc-link-lib=dylib={name}");
            }
        } else if token == "-pthread" {
            println!("cargo:rustc-link-lib=dylib=pthread");
        } else {
            println!("cargo:warning=projection-sys: ignoring `{token}` from pkg-config");
        }
    }
    if let Some(dir) = link_dirs.first() {
        println!("cargo:libdir={dir}"); // DEP_PROJECTION_LIBDIR for dependents' build scripts
    }
    println!("cargo:static={}", if want_static { 1 } else { 0 });
}

fn check_version(version: &str, source: &str) {
    let mut parts = version.split('.').map(|p| p.parse::<u32>().ok());
    match (parts.next().flatten(), parts.next().flatten()) {
        (Some(ABI_MAJOR), Some(minor)) if minor >= MIN_MINOR => {}
        _ => fail(&format!(
            "{source} says version {version} but projection-sys needs {ABI_MAJOR}.x with \
             x >= {MIN_MINOR} (the ABI of its declarations)"
        )),
    }
}

fn pkg_config(program: &str, args: &[&str]) -> String {
    let out = Command::new(program).args(args).output().unwrap_or_else(|e| {
        fail(&format!("cannot run `{program}` ({e}); install pkg-config, or set PKG_CONFIG \
                       (or use the feature `bundled` to build the library from source)"))
    });
    if !out.status.success() {
        fail(&format!(
            "`{program} {}` failed: {}\nSet PKG_CONFIG_PATH to the directory holding projection.pc \
             (<prefix>/lib/pkgconfig after `cmake --install`), or use the feature `bundled` to \
             build the library from source. PKG_CONFIG_PATH={:?}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim(),
            env::var("PKG_CONFIG_PATH").unwrap_or_default()
        ));
    }
    String::from_utf8(out.stdout).expect("pkg-config output is not UTF-8")
}

// ------------------------------------------------------------------ bundled
#[cfg(feature = "bundled")]
fn bundled() {
    println!("cargo:rerun-if-env-changed=PROJECTION_SOURCE_DIR");
    let root = match env::var_os("PROJECTION_SOURCE_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(&env::var_os("CARGO_MANIFEST_DIR").unwrap()).join("../../.."),
    };
    if !root.join("CMakeLists.txt").is_file()
        || !root.join("include/projection/projection.h").is_file()
    {
        fail(&format!(
            "feature `bundled`: no projection sources at {} (CMakeLists.txt and \
             include/projection/projection.h). `bundled` builds the repository that holds this \
             crate, so use a path or git dependency on it, or set PROJECTION_SOURCE_DIR to a \
             checkout",
            root.display()
        ));
    }
    let root = root.canonicalize().unwrap_or(root);
    for item in ["CMakeLists.txt", "projection.pc.in", "cmake", "include", "src", "capi"] {
        println!("cargo:rerun-if-changed={}", root.join(item).display());
    }
    check_version(&header_version(&root.join("include/projection/projection.h")),
                  "the bundled projection.h");

    let dst = cmake::Config::new(&root)
        .define("PROJECTION_BUILD_TESTS", "OFF")
        .define("PROJECTION_BUILD_BENCH", "OFF")
        .profile("Release")
        .build_target("projection_static") // the static library only; nothing installed
        .build();
    let build = dst.join("build");
    if !build.join("libprojection.a").is_file() {
        fail(&format!("feature `bundled`: CMake did not produce {}",
                      build.join("libprojection.a").display()));
    }
    println!("cargo:rustc-link-search=native={}", build.display());
    println!("cargo:rustc-link-lib=static=projection");
    for name in private_libs(&build.join("projection.pc")) {
        println!("cargo:rustc-link-lib=dylib={name}");
    }
    println!("cargo:libdir={}", build.display());
    println!("cargo:include={}", root.join("include").display());
    println!("cargo:static=1");
}

#[cfg(not(feature = "bundled"))]
fn bundled() {
    unreachable!("CARGO_FEATURE_BUNDLED is set only with the feature `bundled`")
}

/// `MAJOR.MINOR.PATCH` from the header's PROJECTION_VERSION_* macros.
#[cfg(feature = "bundled")]
fn header_version(header: &Path) -> String {
    let text = std::fs::read_to_string(header).unwrap_or_else(|e| {
        fail(&format!("cannot read {}: {e}", header.display()))
    });
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(&format!("#define PROJECTION_VERSION_{name} ")))
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    format!("{}.{}.{}", field("MAJOR"), field("MINOR"), field("PATCH"))
}

/// The `-l` names of `Libs.private` in the configured projection.pc.
#[cfg(feature = "bundled")]
fn private_libs(pc: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(pc).unwrap_or_else(|e| {
        fail(&format!("feature `bundled`: cannot read {} ({e})", pc.display()))
    });
    let line = text.lines().find_map(|l| l.strip_prefix("Libs.private:")).unwrap_or_else(|| {
        fail(&format!("feature `bundled`: no Libs.private in {}", pc.display()))
    });
    let mut names = Vec::new();
    for token in line.split_whitespace() {
        if let Some(name) = token.strip_prefix("-l") {
            names.push(name.to_string());
        } else if token == "-pthread" {
            names.push("pthread".to_string());
        } else {
            println!("cargo:warning=projection-sys: ignoring `{token}` in {}", pc.display());
        }
    }
    names
}

fn fail(msg: &str) -> ! {
    eprintln!("error: projection-sys: {msg}");
    std::process::exit(1);
}
