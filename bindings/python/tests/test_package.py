"""The package as a whole: versions agree, every C function of the header has a ctypes
prototype, the features the loaded library reports, and the bundled library's run-time
dispatch."""

import os
import re
import subprocess
import sys

import pytest

import projection as P
from projection import _lib

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
HEADER = os.path.join(ROOT, "include", "projection", "projection.h")


def _header():
    with open(HEADER) as f:
        return f.read()


def test_versions_agree():
    h = _header()
    v = ".".join(re.search(r"#define PROJECTION_VERSION_%s (\d+)" % k, h).group(1)
                 for k in ("MAJOR", "MINOR", "PATCH"))
    with open(os.path.join(ROOT, "bindings", "python", "pyproject.toml")) as f:
        py = re.search(r'^version = "([^"]+)"', f.read(), re.M).group(1)
    with open(os.path.join(ROOT, "CMakeLists.txt")) as f:
        cm = re.search(r"project\(projection VERSION (\S+)", f.read()).group(1)
    assert v == py == cm == P.__version__ == "1.1.0"
    assert int(v.split(".")[0]) == P.ABI_MAJOR


def _declared_functions():
    """{name: number of parameters} of every PROJECTION_API function in the header."""
    h = re.sub(r"/\*.*?\*/", "", _header(), flags=re.S)
    out = {}
    for m in re.finditer(r"PROJECTION_API\s+[^;]*?\b(projection_\w+)\s*\(([^)]*)\)\s*;", h):
        params = m.group(2).strip()
        out[m.group(1)] = 0 if params in ("", "void") else params.count(",") + 1
    return out


def test_every_header_function_has_a_prototype():
    declared = _declared_functions()
    assert len(declared) == 86, sorted(declared)  # 1.1: 5 ops x 4 types x 3 forms, 20 partials, 6 queries
    assert set(declared) == set(_lib.PROTOTYPES), (
        set(declared) ^ set(_lib.PROTOTYPES))
    for name, nparams in declared.items():
        assert len(_lib.PROTOTYPES[name][0]) == nparams, name


def test_features_follow_the_exported_symbols():
    lib = P.load_library()
    for group in _lib.GROUPS:
        names = [n for n, v in _lib.PROTOTYPES.items() if v[2] == group]
        assert P.has(group) == all(hasattr(lib, n) for n in names), group
    assert P.has("core")


def test_constants_match_the_header():
    h = _header()
    assert int(re.search(r"#define PROJECTION_BLOCK (\d+)", h).group(1)) == P.BLOCK
    assert int(re.search(r"#define PROJECTION_PARTIALS_SIZE (\d+)", h).group(1)) \
        == P.PARTIALS_SIZE
    assert re.search(r"PROJECTION_ERR_PARTIALS = 5", h) and P.ERR_PARTIALS == 5


@pytest.mark.parametrize("arch", ["sse2", "avx2", "avx512"])
def test_runtime_dispatch(arch):
    """The library picks its kernels at run time (no -march=native): PROJECTION_ARCH
    forces each instruction set this CPU has; the library names what it runs."""
    lib = os.path.realpath(P.library_path()) if os.path.isabs(P.library_path()) else None
    env = dict(os.environ, PROJECTION_ARCH=arch)
    if lib:
        env["PROJECTION_LIBRARY"] = lib
    code = ("import projection, array; a = array.array('f', range(100));"
            "projection.alphaless_gradient(a, a); print(projection.simd_arch())")
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                       cwd=os.path.dirname(os.path.dirname(P.__file__)))
    assert r.returncode == 0, r.stderr
    best = P.simd_arch()
    rank = {"sse2": 0, "fma3+avx2": 1, "avx512bw": 2}
    if best not in rank:
        pytest.skip("not an x86-64 build: %s" % best)
    want = {"sse2": "sse2", "avx2": "fma3+avx2", "avx512": "avx512bw"}[arch]
    if rank[want] > rank[best]:
        assert r.stdout.strip() == best  # what the CPU cannot run falls back to the best
    else:
        assert r.stdout.strip() == want


def test_partials_prototypes():
    """The partials functions (projection.distributed builds on them) called through the
    declared prototypes: two shards at multiples of PROJECTION_BLOCK, merged, give the
    single call's alpha and scale bitwise (SPEC §8)."""
    if not P.has("partials"):
        pytest.skip("the loaded library has no partials functions")
    import array
    import ctypes
    lib = P.load_library()
    n = 3 * P.BLOCK + 5
    a = array.array("f", [((i * 7919) % 1000 - 500) / 250.0 for i in range(n)])
    b = array.array("f", [((i * 104729) % 1000 - 300) / 125.0 for i in range(n)])
    pa, pb = a.buffer_info()[0], b.buffer_info()[0]
    parts = [_lib.Partials(), _lib.Partials()]
    for p in parts:
        lib.projection_partials_init(ctypes.byref(p))
    cut = 2 * P.BLOCK
    assert lib.projection_partials_add_f32(ctypes.byref(parts[0]), pa, pb, cut, 0) == P.OK
    assert lib.projection_partials_add_f32(ctypes.byref(parts[1]), pa + 4 * cut, pb + 4 * cut,
                                           n - cut, cut) == P.OK
    assert lib.projection_partials_merge(ctypes.byref(parts[0]), ctypes.byref(parts[1])) == P.OK
    al, sc = ctypes.c_double(), ctypes.c_double()
    assert lib.projection_partials_equivalent_alpha(ctypes.byref(parts[0]), ctypes.byref(al),
                                                    ctypes.byref(sc)) == P.OK
    assert (al.value, sc.value) == P.calculate_equivalent_alpha_and_scaling_factor(a, b)
    assert lib.projection_partials_merge(ctypes.byref(parts[0]), ctypes.byref(parts[0])) \
        == P.ERR_OVERLAP
    assert ctypes.sizeof(_lib.Partials) == P.PARTIALS_SIZE


def test_the_readme_python_examples_run(capsys):
    """The Python blocks of the repository README's Python section, as written."""
    torch = pytest.importorskip("torch")
    with open(os.path.join(ROOT, "README.md")) as f:
        text = f.read()
    section = text[text.index("### Python\n"):text.index("### Rust\n")]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) == 2
    torch.manual_seed(0)
    for code in blocks:
        exec(compile(code, "README.md", "exec"), {})
