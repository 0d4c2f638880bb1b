"""Locating and loading the native library; ctypes prototypes of every C function of
``projection/projection.h`` (version 1.1); status codes and the Python exception."""

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
ERR_PARTIALS = 5

STATUS_NAMES = {
    OK: "PROJECTION_OK",
    ERR_NULL: "PROJECTION_ERR_NULL",
    ERR_OVERLAP: "PROJECTION_ERR_OVERLAP",
    ERR_ARGUMENT: "PROJECTION_ERR_ARGUMENT",
    ERR_NONFINITE: "PROJECTION_ERR_NONFINITE",
    ERR_PARTIALS: "PROJECTION_ERR_PARTIALS",
}

#: Where a package built by pip (scikit-build-core) holds its own copy of the library.
BUNDLED_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_native")
LIBRARY_NAME = "libprojection.so.%d" % ABI_MAJOR

#: Element types, as C function suffixes, and their size in bytes.
TYPES = ("f32", "f64", "bf16", "f16")
ITEMSIZE = {"f32": 4, "f64": 8, "bf16": 2, "f16": 2}

PARTIALS_SIZE = 2048  # PROJECTION_PARTIALS_SIZE, fixed for ABI major 1
BLOCK = 8192          # PROJECTION_BLOCK


class Partials(ctypes.Structure):
    """``projection_partials``: opaque, trivially copyable, PARTIALS_SIZE bytes."""
    _fields_ = [("opaque_", ctypes.c_uint64 * (PARTIALS_SIZE // 8))]


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


# ------------------------------------------------------------------ prototypes
_c_size = ctypes.c_size_t
_c_status = ctypes.c_int  # a C enum whose values all fit an int
_p_int = ctypes.POINTER(ctypes.c_int)
_p_double = ctypes.POINTER(ctypes.c_double)
_p_size = ctypes.POINTER(ctypes.c_size_t)
_vp = ctypes.c_void_p                    # one buffer, passed as its address
_pp = ctypes.POINTER(ctypes.c_void_p)    # an array of buffer addresses (a list)
_p_partials = ctypes.POINTER(Partials)

VECTOR_OPS = ("vector_projection", "project_out_smaller", "alphaless_gradient")


def _prototypes():
    """{C name: (argtypes, restype, group)} for every function of projection.h 1.1.

    ``group`` says which part of the API the function belongs to: ``core`` (1.0: f32/f64
    on one buffer, and the library queries), ``bf16`` / ``f16`` (the 16-bit types on one
    buffer), ``list``, ``each`` (the list forms of every type) and ``partials``."""
    p = {}
    for t in TYPES:
        single = "core" if t in ("f32", "f64") else t
        for op in VECTOR_OPS:
            p["projection_%s_%s" % (op, t)] = ([_vp, _vp, _c_size, _vp], _c_status, single)
        p["projection_order_by_norm_" + t] = (
            [_vp, _vp, _c_size, ctypes.c_double, _p_int, _p_double, _p_double], _c_status, single)
        p["projection_equivalent_alpha_" + t] = (
            [_vp, _vp, _c_size, _p_double, _p_double], _c_status, single)
        for form in ("list", "each"):
            for op in VECTOR_OPS:
                p["projection_%s_%s_%s" % (op, form, t)] = (
                    [_pp, _pp, _p_size, _c_size, _pp], _c_status, form)
            p["projection_order_by_norm_%s_%s" % (form, t)] = (
                [_pp, _pp, _p_size, _c_size, ctypes.c_double, _p_int, _p_double, _p_double],
                _c_status, form)
            p["projection_equivalent_alpha_%s_%s" % (form, t)] = (
                [_pp, _pp, _p_size, _c_size, _p_double, _p_double], _c_status, form)
        p["projection_partials_add_" + t] = (
            [_p_partials, _vp, _vp, _c_size, ctypes.c_uint64], _c_status, "partials")
        for op in VECTOR_OPS:
            p["projection_partials_%s_%s" % (op, t)] = (
                [_p_partials, _vp, _vp, _c_size, _vp], _c_status, "partials")
    p["projection_partials_init"] = ([_p_partials], None, "partials")
    p["projection_partials_merge"] = ([_p_partials, _p_partials], _c_status, "partials")
    p["projection_partials_order_by_norm"] = (
        [_p_partials, _p_int, _p_double, _p_double], _c_status, "partials")
    p["projection_partials_equivalent_alpha"] = (
        [_p_partials, _p_double, _p_double], _c_status, "partials")
    p["projection_status_string"] = ([_c_status], ctypes.c_char_p, "core")
    p["projection_version_string"] = ([], ctypes.c_char_p, "core")
    p["projection_version_number"] = ([], ctypes.c_uint, "core")
    p["projection_simd_arch"] = ([], ctypes.c_char_p, "core")
    p["projection_set_num_threads"] = ([ctypes.c_int], None, "core")
    p["projection_get_num_threads"] = ([], ctypes.c_int, "core")
    return p


PROTOTYPES = _prototypes()
GROUPS = ("core", "bf16", "f16", "list", "each", "partials")

_lock = threading.Lock()
_lib = None
_lib_path = None
#: {group: bool} for the loaded library: which parts of the 1.1 API it exports.
#: A library of version 1.0 (same ABI major) has only ``core``.
features = {}


def _declare(lib):
    """Sets argtypes/restype of every function the library exports; returns the groups
    it exports completely. Raises AttributeError if a ``core`` function is missing."""
    missing = set()
    for name, (args, res, group) in PROTOTYPES.items():
        try:
            f = getattr(lib, name)
        except AttributeError:
            if group == "core":
                raise
            missing.add(group)
            continue
        f.argtypes = args
        f.restype = res
    return {g: g not in missing for g in GROUPS}


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
    """Yields (description, path-or-name) or (description, None, why-not) in the
    documented search order."""
    env = os.environ.get("PROJECTION_LIBRARY")
    if env:
        if os.path.isdir(env):
            yield ("PROJECTION_LIBRARY", os.path.join(env, LIBRARY_NAME))
        else:
            yield ("PROJECTION_LIBRARY", env)
        return  # an explicit choice is never silently replaced by another library
    bundled = os.path.join(BUNDLED_DIR, LIBRARY_NAME)
    if os.path.exists(bundled):
        yield ("bundled copy", bundled)
    else:
        yield ("bundled copy", None, "%s does not exist (the package was not installed "
               "with pip, or the install is broken)" % bundled)
    libdir, why = _pkg_config_libdir()
    if libdir:
        yield ("pkg-config libdir", os.path.join(libdir, LIBRARY_NAME))
    else:
        yield ("pkg-config", None, why)
    yield ("system search path", LIBRARY_NAME)
    found = ctypes.util.find_library("projection")
    if found:
        yield ("system search path (ctypes.util.find_library)", found)


def load_library():
    """Loads (once) and returns the ctypes handle of the native library.

    Order: the environment variable ``PROJECTION_LIBRARY`` (a file, or a directory holding
    ``libprojection.so.1``; when set, nothing else is tried); else the copy bundled in this
    package by ``pip install`` (``projection/_native/libprojection.so.1``); else the
    ``libdir`` that ``pkg-config`` gives for ``projection`` (honouring
    ``PKG_CONFIG_PATH``); else the dynamic loader's search path.
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
                have = _declare(lib)
            except AttributeError as e:
                tried.append("%s: %s is not the projection library (%s)" % (where, path, e))
                continue
            major = lib.projection_version_number() // 10000
            if major != ABI_MAJOR:
                tried.append("%s: %s has ABI major %d, these bindings need %d"
                             % (where, path, major, ABI_MAJOR))
                continue
            features.clear()
            features.update(have)
            _lib, _lib_path = lib, path
            return lib
        raise LibraryNotFoundError(
            "cannot load the projection library (%s); tried, in order:\n  " % LIBRARY_NAME
            + "\n  ".join(tried)
            + "\nReinstall the package (python3 -m pip install ./bindings/python), or set "
              "PROJECTION_LIBRARY to the library file, or PKG_CONFIG_PATH to the directory "
              "holding projection.pc.")


def library_path():
    """The path or name the native library was loaded from."""
    load_library()
    return _lib_path


def has(group):
    """Whether the loaded library exports the whole group ``bf16``, ``f16``, ``list``,
    ``each`` or ``partials`` of the 1.1 API (``core``: always)."""
    load_library()
    return features.get(group, False)


def require(group, what):
    """Raises TypeError naming the loaded library when it lacks ``group``."""
    if not has(group):
        raise TypeError(
            "%s needs the library's %s functions (libprojection >= 1.1), but %s (version %s) "
            "does not export them" % (what, group, _lib_path,
                                      _lib.projection_version_string().decode()))


def status_string(status):
    """``projection_status_string(status)`` as a str."""
    return load_library().projection_status_string(int(status)).decode("utf-8", "replace")


def _status_text(status):
    try:
        return status_string(status)
    except LibraryNotFoundError:  # a pure-PyTorch path on a machine without the library
        return STATUS_NAMES.get(status, "unknown status")


def error(status, function=None):
    """The ProjectionError for ``status`` (also for the pure-PyTorch paths, which report
    the same conditions as the library)."""
    return ProjectionError(status, _status_text(status), function)


def check(status, function=None):
    """Raises ProjectionError for any status other than PROJECTION_OK."""
    if status != OK:
        raise ProjectionError(status, status_string(status), function)


def output_overlaps(extents, in_place, apart=None):
    """Whether an output's memory overlaps an input or another output, other than an
    output that is exactly its own input (in place), as the library's list functions
    check. ``extents``: (lo, hi, is_out, index, obj) for every input and output, [lo, hi)
    in bytes, ``index`` the segment; ``in_place(out, x)``: the output entry is its own
    input entry's place; ``apart(v, w)``: the two can share no memory (other devices).
    A sweep over the extents, sorted by start: O(n log n) for the usual disjoint lists."""
    active = []
    for cur in sorted(extents, key=lambda v: (v[0], v[1])):
        active = [v for v in active if v[1] > cur[0]]
        for v in active:
            if not (v[2] or cur[2]) or (apart is not None and apart(v, cur)):
                continue  # inputs may overlap each other freely
            if v[2] and cur[2]:
                return True  # two outputs
            o, x = (v, cur) if v[2] else (cur, v)
            if not (o[3] == x[3] and in_place(o, x)):
                return True
        active.append(cur)
    return False
