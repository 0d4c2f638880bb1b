//! Finds libprojection with the `pkg-config` program (no crates needed).
//!
//! * `PKG_CONFIG` names the program (default `pkg-config`); `PKG_CONFIG_PATH` /
//!   `PKG_CONFIG_LIBDIR` say where `projection.pc` is, as for any pkg-config user.
//! * Static linking: the cargo feature `static`, or `PROJECTION_STATIC=1`, links
//!   `libprojection.a` and the private dependencies from `pkg-config --static`.
//! * A shared library outside the loader's search path needs `LD_LIBRARY_PATH` (or an
//!   rpath) at run time, as with any C library.
use std::env;
use std::process::Command;

const ABI_MAJOR: &str = "1";

fn main() {
    for var in ["PKG_CONFIG", "PKG_CONFIG_PATH", "PKG_CONFIG_LIBDIR", "PKG_CONFIG_SYSROOT_DIR",
                "PROJECTION_STATIC"] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    println!("cargo:rerun-if-changed=build.rs");

    let want_static = env::var_os("CARGO_FEATURE_STATIC").is_some()
        || matches!(env::var("PROJECTION_STATIC").as_deref(), Ok("1") | Ok("true") | Ok("yes"));
    let program = env::var("PKG_CONFIG").unwrap_or_else(|_| "pkg-config".to_string());

    let version = pkg_config(&program, &["--modversion", "projection"]);
    let major = version.trim().split('.').next().unwrap_or("");
    if major != ABI_MAJOR {
        fail(&format!("projection.pc says version {} but projection-sys needs ABI {ABI_MAJOR}.x",
                      version.trim()));
    }
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
            println!("cargo:warning=projection-sys: ignoring linker flag `{token}` from pkg-config");
        }
    }
    if let Some(dir) = link_dirs.first() {
        println!("cargo:libdir={dir}"); // DEP_PROJECTION_LIBDIR for dependents' build scripts
    }
    println!("cargo:static={}", if want_static { 1 } else { 0 });
}

fn pkg_config(program: &str, args: &[&str]) -> String {
    let out = Command::new(program).args(args).output().unwrap_or_else(|e| {
        fail(&format!("cannot run `{program}` ({e}); install pkg-config, or set PKG_CONFIG"))
    });
    if !out.status.success() {
        fail(&format!(
            "`{program} {}` failed: {}\nSet PKG_CONFIG_PATH to the directory holding projection.pc \
             (<prefix>/lib/pkgconfig after `cmake --install`). PKG_CONFIG_PATH={:?}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim(),
            env::var("PKG_CONFIG_PATH").unwrap_or_default()
        ));
    }
    String::from_utf8(out.stdout).expect("pkg-config output is not UTF-8")
}

fn fail(msg: &str) -> ! {
    eprintln!("error: projection-sys: {msg}");
    std::process::exit(1);
}
