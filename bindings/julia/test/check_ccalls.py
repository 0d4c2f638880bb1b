#!/usr/bin/env python3
"""Checks, without Julia, that every `ccall` of src/Projection.jl matches the C header.

Julia is not installed on this project's machines, so the module cannot be run here. This
script reads the module's source, expands each `ccall` over the loops that generate it
(`for (T, s) in _TYPES`, `for op in (...)`, `for form in (...)`), maps the Julia argument
and return types to C types, and compares them with the prototypes of
include/projection/projection.h: the same function names, the same number of parameters,
the same types (pointer constness aside, which Julia does not express). It also requires
every function of the header to be called somewhere, so a header change that the Julia
binding does not follow fails here.

Usage: bindings/julia/test/check_ccalls.py [header] [module]   (exit 0: all match)
"""
import itertools
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
HEADER = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "include/projection/projection.h"
MODULE = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "bindings/julia/src/Projection.jl"

# ------------------------------------------------------------------ the header
def c_type(text):
    """A C type as (base, pointer depth), constness dropped."""
    words = re.findall(r"\*|\w+", text)
    words = [w for w in words if w != "const"]
    return (words[0], words.count("*"))


def header_prototypes():
    text = HEADER.read_text()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    protos = {}
    for m in re.finditer(r"(?m)^PROJECTION_API\s+([^;]*);", text):
        decl = " ".join(m.group(1).split())
        head, params = decl.split("(", 1)
        params = params.rsplit(")", 1)[0].strip()
        name = re.findall(r"\w+", head)[-1]
        ret = c_type(head[: head.rfind(name)])
        args = []
        if params not in ("", "void"):
            for p in params.split(","):
                p = p.strip()
                pname = re.findall(r"\w+", p)[-1]
                args.append(c_type(p[: p.rfind(pname)]))
        protos[name] = (ret, args)
    return protos


# ------------------------------------------------------------------ the module
JULIA_BASE = {
    "Float32": "float", "Float64": "double", "Float16": "projection_f16",
    "BF16": "projection_bf16", "Csize_t": "size_t", "Cdouble": "double", "Cint": "int",
    "Cuint": "unsigned", "UInt64": "uint64_t", "Cvoid": "void",
}


def julia_type(t):
    """A Julia ccall type as (C base, pointer depth)."""
    t = t.strip()
    if t == "Cstring":
        return ("char", 1)
    m = re.fullmatch(r"(?:Ptr|Ref)\{(.*)\}", t)
    if m:
        inner = m.group(1)
        if inner == "UInt64":          # the partials struct is passed as its uint64_t words
            return ("projection_partials", 1)
        base, depth = julia_type(inner)
        return (base, depth + 1)
    if t not in JULIA_BASE:
        raise SystemExit(f"check_ccalls: no C mapping for the Julia type {t!r}: extend JULIA_BASE")
    return (JULIA_BASE[t], 0)


def same_type(jl, c):
    # `projection_status` is a C enum of int size; Julia passes and receives it as Cint.
    return jl == c or (jl == ("int", 0) and c == ("projection_status", 0))


def split_top(text):
    """Splits at commas outside brackets."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch in "({[":
            depth += 1
        elif ch in ")}]":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur)
    return [p.strip() for p in parts]


def balanced(text, start):
    """The text inside the bracket opening at text[start]."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] in "({[":
            depth += 1
        elif text[i] in ")}]":
            depth -= 1
            if depth == 0:
                return text[start + 1 : i]
    raise SystemExit("check_ccalls: unbalanced brackets")


def loop_values(src, pos, var):
    """The values of loop variable `var` from the nearest `for var in (...)` before pos."""
    found = None
    for m in re.finditer(rf"for {var} in \(", src[:pos]):
        found = m
    if not found:
        return None
    return [v.strip().lstrip(":") for v in split_top(balanced(src, found.end() - 1))]


def main():
    protos = header_prototypes()
    src = MODULE.read_text()
    src_nocomment = re.sub(r"#[^\n]*", "", src)
    types = re.search(r"const _TYPES = \((.*)\)\n", src_nocomment).group(1)
    suffix_type = {s: t for t, s in re.findall(r"\((\w+), \"(\w+)\"\)", types)}
    errors, called = [], set()
    for m in re.finditer(r"ccall\(", src_nocomment):
        args = split_top(balanced(src_nocomment, m.end() - 1))
        target, ret, argtypes = args[0], args[1], args[2]
        lit = re.fullmatch(r"_sym\(:(\w+)\)", target)
        var = re.fullmatch(r"_sym\(\$(\w+)\)", target)
        if lit:
            names = [(lit.group(1), None)]
        elif var:
            assign = None
            for a in re.finditer(rf"{var.group(1)} = QuoteNode\(Symbol\((.*)\)\)",
                                 src_nocomment[: m.start()]):
                assign = a
            if not assign:
                errors.append(f"ccall at offset {m.start()}: no assignment of ${var.group(1)}")
                continue
            parts = split_top(assign.group(1))
            loops = {}
            for p in parts:
                if not p.startswith('"'):
                    vals = list(suffix_type) if p == "s" else loop_values(src_nocomment, m.start(), p)
                    if not vals:
                        errors.append(f"ccall at offset {m.start()}: unknown loop variable {p}")
                        vals = []
                    loops[p] = vals
            names = []
            keys = list(loops)
            for combo in itertools.product(*(loops[k] for k in keys)):
                env = dict(zip(keys, combo))
                name = "".join(p.strip('"') if p.startswith('"') else env[p] for p in parts)
                names.append((name, env.get("s")))
        else:
            errors.append(f"ccall at offset {m.start()}: target {target!r} not understood")
            continue
        jl_args = split_top(balanced(argtypes, 0)) if argtypes.startswith("(") else []
        for name, s in names:
            called.add(name)
            if name not in protos:
                errors.append(f"{name}: called from Julia but not declared in the header")
                continue
            t = suffix_type.get(s, "")
            jl = [julia_type(a.replace("$T", t)) for a in jl_args]
            jl_ret = julia_type(ret.replace("$T", t))
            c_ret, c_args = protos[name]
            if not same_type(jl_ret, c_ret):
                errors.append(f"{name}: returns {jl_ret} in Julia, {c_ret} in C")
            if len(jl) != len(c_args) or not all(map(same_type, jl, c_args)):
                errors.append(f"{name}: Julia argument types {jl} != C {c_args}")
    missing = sorted(set(protos) - called)
    for name in missing:
        errors.append(f"{name}: in the header but never called from Julia")
    if errors:
        print("check_ccalls: FAIL", *errors, sep="\n  ")
        return 1
    print(f"check_ccalls: {len(called)} ccall targets of {MODULE.name} match the "
          f"{len(protos)} functions of {HEADER.name} (names, arity, types)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
