"""Locating and loading the native library; ctypes prototypes; status codes."""

import ctypes
import ctypes.util
import os
import shutil
import subprocess
import threading

#: The C ABI major version these bindings are written against (the SONAME suffix).
ABI_MAJOR = 1

OK = 0
ERR_NULL = 1
ERR_OVERLAP = 2
ERR_ARGUMENT = 3
ERR_NONFINITE = 4

STATUS_NAMES = {
    OK: "PROJECTION_OK",
    ERR_NULL: "PROJECTION_ERR_NULL",
    ERR_OVERLAP: "PROJECTION_ERR_OVERLAP",
    ERR_ARGUMENT: "PROJECTION_ERR_ARGUMENT",
    ERR_NONFINITE: "PROJECTION_ERR_NONFINITE",
}


class LibraryNotFoundError(OSError):
    """The native library could not be loaded; the message lists every place tried."""


class ProjectionError(ValueError):
    """A status other than PROJECTION_OK from the native library.

    ``status`` is the numeric code, ``name`` its C name (e.g. ``PROJECTION_ERR_NONFINITE``),
    and the message is ``projection_status_string(status)`` prefixed by the function name.
    """

    def __init__(self, status, message, function=None):
        self.status = int(status)
        self.name = STATUS_NAMES.get(self.status, "unknown status %d" % self.status)
        self.function = function
        self.message = message
        where = "%s: " % function if function else ""
        super().__init__("%s%s (%s)" % (where, message, self.name))


_c_size = ctypes.c_size_t
_c_status = ctypes.c_int  # a C enum whose values all fit an int
_p_int = ctypes.POINTER(ctypes.c_int)
_p_double = ctypes.POINTER(ctypes.c_double)

_lock = threading.Lock()
_lib = None
_lib_path = None


def _declare(lib):
    vp = ctypes.c_void_p  # buffers are passed as raw addresses
    for s in ("f32", "f64"):
        for name in ("vector_projection", "project_out_smaller", "alphaless_gradient"):
            f = getattr(lib, "projection_%s_%s" % (name, s))
            f.argtypes = [vp, vp, _c_size, vp]
            f.restype = _c_status
        f = getattr(lib, "projection_order_by_norm_" + s)
        f.argtypes = [vp, vp, _c_size, ctypes.c_double, _p_int, _p_double, _p_double]
        f.restype = _c_status
        f = getattr(lib, "projection_equivalent_alpha_" + s)
        f.argtypes = [vp, vp, _c_size, _p_double, _p_double]
        f.restype = _c_status
    lib.projection_status_string.argtypes = [_c_status]
    lib.projection_status_string.restype = ctypes.c_char_p
    lib.projection_version_string.argtypes = []
    lib.projection_version_string.restype = ctypes.c_char_p
    lib.projection_version_number.argtypes = []
    lib.projection_version_number.restype = ctypes.c_uint
    lib.projection_simd_arch.argtypes = []
    lib.projection_simd_arch.restype = ctypes.c_char_p
    lib.projection_set_num_threads.argtypes = [ctypes.c_int]
    lib.projection_set_num_threads.restype = None
    lib.projection_get_num_threads.argtypes = []
    lib.projection_get_num_threads.restype = ctypes.c_int


def _pkg_config_libdir():
    """libdir of projection.pc as pkg-config reports it, or (None, why)."""
    exe = os.environ.get("PKG_CONFIG") or shutil.which("pkg-config")
    if not exe:
        return None, "pkg-config not found on PATH"
    try:
        r = subprocess.run([exe, "--variable=libdir", "projection"], capture_output=True,
                           text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as e:
        return None, "pkg-config failed: %s" % e
    if r.returncode != 0 or not r.stdout.strip():
        msg = (r.stderr.strip().splitlines() or ["no projection.pc"])[0]
        return None, "pkg-config --variable=libdir projection: %s" % msg
    return os.path.normpath(r.stdout.strip()), None


def _candidates():
    """Yields (description, path-or-name) in the documented search order."""
    env = os.environ.get("PROJECTION_LIBRARY")
    if env:
        if os.path.isdir(env):
            yield ("PROJECTION_LIBRARY", os.path.join(env, "libprojection.so.%d" % ABI_MAJOR))
        else:
            yield ("PROJECTION_LIBRARY", env)
        return  # an explicit choice is never silently replaced by another library
    libdir, why = _pkg_config_libdir()
    if libdir:
        yield ("pkg-config libdir",
               os.path.join(libdir, "libprojection.so.%d" % ABI_MAJOR))
    else:
        yield ("pkg-config", None, why)
    yield ("system search path", "libprojection.so.%d" % ABI_MAJOR)
    found = ctypes.util.find_library("projection")
    if found:
        yield ("system search path (ctypes.util.find_library)", found)


def load_library():
    """Loads (once) and returns the ctypes handle of the native library.

    Order: the environment variable ``PROJECTION_LIBRARY`` (a file, or a directory holding
    ``libprojection.so.1``); else the ``libdir`` that ``pkg-config`` gives for
    ``projection`` (honouring ``PKG_CONFIG_PATH``); else the dynamic loader's search path.
    Raises LibraryNotFoundError naming every place tried.
    """
    global _lib, _lib_path
    if _lib is not None:
        return _lib
    with _lock:
        if _lib is not None:
            return _lib
        tried = []
        for cand in _candidates():
            if cand[1] is None:
                tried.append("%s: %s" % (cand[0], cand[2]))
                continue
            where, path = cand
            try:
                lib = ctypes.CDLL(path)
            except OSError as e:
                tried.append("%s: %s (%s)" % (where, path, e))
                continue
            try:
                _declare(lib)
            except AttributeError as e:
                tried.append("%s: %s is not the projection library (%s)" % (where, path, e))
                continue
            major = lib.projection_version_number() // 10000
            if major != ABI_MAJOR:
                tried.append("%s: %s has ABI major %d, these bindings need %d"
                             % (where, path, major, ABI_MAJOR))
                continue
            _lib, _lib_path = lib, path
            return lib
        raise LibraryNotFoundError(
            "cannot load the projection library (libprojection.so.%d); tried, in order:\n  "
            % ABI_MAJOR + "\n  ".join(tried)
            + "\nSet PROJECTION_LIBRARY to the library file, or PKG_CONFIG_PATH to the "
              "directory holding projection.pc.")


def library_path():
    """The path or name the native library was loaded from."""
    load_library()
    return _lib_path


def status_string(status):
    """``projection_status_string(status)`` as a str."""
    return load_library().projection_status_string(int(status)).decode("utf-8", "replace")


def check(status, function=None):
    """Raises ProjectionError for any status other than PROJECTION_OK."""
    if status != OK:
        raise ProjectionError(status, status_string(status), function)
