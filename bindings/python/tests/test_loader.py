"""Finding the native library: PROJECTION_LIBRARY, then the copy bundled by pip, then
pkg-config, then the system loader; the error lists every place tried. Each case runs in a
fresh interpreter with a controlled environment.

Two settings: the source tree with a staged install found through pkg-config (the
ecosystem's `python` stage: PROJECTION_EXPECT_LIBDIR), and a pip-installed package with
its bundled library (the `pip` stage: PROJECTION_TEST_INSTALLED)."""

import os
import shutil
import subprocess
import sys

import pytest

import projection as P

INSTALLED = bool(os.environ.get("PROJECTION_TEST_INSTALLED"))
PKG_DIR = os.path.dirname(os.path.abspath(P.__file__))   # the package under test
PKG_PARENT = os.path.dirname(PKG_DIR)
BUNDLED = os.path.join(PKG_DIR, "_native", "libprojection.so.1")

_SCRUB = ("PROJECTION_LIBRARY", "PKG_CONFIG_PATH", "PKG_CONFIG_LIBDIR", "LD_LIBRARY_PATH",
          "PYTHONPATH")


def _run(env_overrides, code="import projection; print(projection.library_path())",
         pythonpath=PKG_PARENT, cwd=None):
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB}
    env.update(env_overrides)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    # cwd: a directory without a `projection` package (python -c puts it first on sys.path)
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=120, cwd=cwd or os.path.sep)


def _real_lib():
    """The library file the package under test loaded (bundled or staged)."""
    return os.path.realpath(P.library_path()) if os.path.isabs(P.library_path()) else None


def _stage_libdir():
    want = os.environ.get("PROJECTION_EXPECT_LIBDIR")
    if not want:
        pytest.skip("no staged install (PROJECTION_EXPECT_LIBDIR not set)")
    return want


def _pcdir():
    d = os.path.join(_stage_libdir(), "pkgconfig")
    assert os.path.exists(os.path.join(d, "projection.pc")), d
    return d


def _package_copy(tmp_path, with_library):
    """A copy of the package under test, with or without a bundled library."""
    dst = tmp_path / "site"
    shutil.copytree(PKG_DIR, dst / "projection",
                    ignore=shutil.ignore_patterns("__pycache__", "_native"))
    if with_library:
        (dst / "projection" / "_native").mkdir()
        shutil.copy(_real_lib(), dst / "projection" / "_native" / "libprojection.so.1")
        grafted = os.path.join(PKG_PARENT, "projection.libs")  # auditwheel's libgomp
        if os.path.isdir(grafted):
            shutil.copytree(grafted, dst / "projection.libs")
    return str(dst)


# ---------------------------------------------------------------- what was loaded

def test_loaded_the_expected_library():
    if INSTALLED:
        assert P.library_path() == BUNDLED, "pip install must bundle the library"
        assert os.path.isfile(BUNDLED)
    else:
        libdir = _stage_libdir()  # scripts/test-ecosystem's staging prefix
        assert os.path.samefile(os.path.dirname(_real_lib()), libdir), (P.library_path(), libdir)


def test_installed_package_is_not_the_source_tree():
    if not INSTALLED:
        pytest.skip("testing the source tree")
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    assert not PKG_DIR.startswith(here + os.sep), PKG_DIR
    assert "site-packages" in PKG_DIR or "dist-packages" in PKG_DIR, PKG_DIR


def test_installed_import_works_from_anywhere_without_environment(tmp_path):
    if not INSTALLED:
        pytest.skip("testing the source tree")
    r = _run({}, code="import projection, array\n"
                      "r = projection.alphaless_gradient(array.array('d', [1, 2]),"
                      " array.array('d', [0, 1]))\n"
                      "print(projection.library_path())", pythonpath=None, cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == BUNDLED


# ---------------------------------------------------------------- the search order

def test_finds_library_by_environment_variable_file_and_directory():
    lib = _real_lib()
    r = _run({"PROJECTION_LIBRARY": lib})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == lib
    r = _run({"PROJECTION_LIBRARY": os.path.dirname(lib)})
    assert r.returncode == 0, r.stderr
    assert os.path.realpath(r.stdout.strip()) == os.path.realpath(
        os.path.join(os.path.dirname(lib), "libprojection.so.1"))


def test_environment_variable_is_not_silently_replaced():
    r = _run({"PROJECTION_LIBRARY": "/nonexistent/libprojection.so.1",
              "LD_LIBRARY_PATH": os.path.dirname(_real_lib())})
    assert r.returncode != 0
    assert "LibraryNotFoundError" in r.stderr
    assert "PROJECTION_LIBRARY: /nonexistent/libprojection.so.1" in r.stderr
    assert "bundled copy" not in r.stderr  # nothing else was tried


def test_bundled_copy_comes_before_pkg_config(tmp_path):
    site = _package_copy(tmp_path, with_library=True)
    env = {}
    if os.environ.get("PROJECTION_EXPECT_LIBDIR"):
        env["PKG_CONFIG_PATH"] = _pcdir()
    r = _run(env, pythonpath=site)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == os.path.join(site, "projection", "_native", "libprojection.so.1")


def test_finds_library_through_pkg_config(tmp_path):
    site = _package_copy(tmp_path, with_library=False)
    r = _run({"PKG_CONFIG_PATH": _pcdir()}, pythonpath=site)
    assert r.returncode == 0, r.stderr
    assert os.path.realpath(r.stdout.strip()) == os.path.realpath(
        os.path.join(_stage_libdir(), "libprojection.so.1"))


def test_finds_library_on_the_system_search_path(tmp_path):
    site = _package_copy(tmp_path, with_library=False)
    r = _run({"PKG_CONFIG_LIBDIR": "/nonexistent", "LD_LIBRARY_PATH": os.path.dirname(_real_lib())},
             pythonpath=site)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "libprojection.so.1"


def test_broken_install_error_lists_everything_tried(tmp_path):
    """A package whose bundled library is gone: the error says where it looked."""
    site = _package_copy(tmp_path, with_library=False)
    r = _run({"PKG_CONFIG_LIBDIR": "/nonexistent"}, pythonpath=site,
             code="import projection, array\n"
                  "try:\n"
                  "    projection.vector_projection(array.array('d', [1]), array.array('d', [1]))\n"
                  "except projection.LibraryNotFoundError as e:\n"
                  "    print(e)\n")
    if "cannot load" not in r.stdout:
        pytest.skip("libprojection.so.1 is installed system-wide: %s" % (r.stdout or r.stderr))
    bundled = os.path.join(site, "projection", "_native", "libprojection.so.1")
    assert "bundled copy: %s does not exist" % bundled in r.stdout
    assert "pkg-config" in r.stdout
    assert "system search path: libprojection.so.1" in r.stdout
    assert "PROJECTION_LIBRARY" in r.stdout  # the hint
    lines = r.stdout.splitlines()
    order = [next(i for i, l in enumerate(lines) if l.strip().startswith(w))
             for w in ("bundled copy", "pkg-config", "system search path")]
    assert order == sorted(order)


def test_a_library_that_is_not_projection_is_refused():
    r = _run({"PROJECTION_LIBRARY": "libm.so.6"})
    assert r.returncode != 0
    assert "libm.so.6 is not the projection library" in r.stderr


def test_a_library_of_another_abi_major_is_refused():
    r = _run({"PROJECTION_LIBRARY": _real_lib()},
             code="import projection._lib as L\nL.ABI_MAJOR = 2\nL.load_library()\n")
    assert r.returncode != 0
    assert "has ABI major 1, these bindings need 2" in r.stderr


def test_import_pulls_in_neither_numpy_nor_torch():
    r = _run({"PROJECTION_LIBRARY": _real_lib()},
             code="import sys, projection, array\n"
                  "r = projection.vector_projection(array.array('d', [1, 2]),"
                  " array.array('d', [0, 1]))\n"
                  "assert isinstance(r, array.array) and list(r) == [0.0, 2.0], r\n"
                  "print('numpy' in sys.modules, 'torch' in sys.modules)")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["False", "False"]
