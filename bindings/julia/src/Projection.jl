"""
    Projection

`ccall` bindings to the C library libprojection (gradient-projection arithmetic for
"alphaless" noise-layer training), written against `include/projection/projection.h`
(version 1.1): every `ccall` below mirrors one prototype of the header.

* Element types: `Float32`, `Float64`, `Float16` (IEEE binary16, the C `projection_f16`)
  and [`BF16`](@ref) (bfloat16 as raw bits, the C `projection_bf16`).
* One buffer per input: `vector_projection`, `order_tensors_by_norm`,
  `project_out_smaller_tensor`, `calculate_equivalent_alpha_and_scaling_factor`,
  `alphaless_gradient`, and the `!` forms.
* A list of tensors (`Vector{Vector{T}}`): the same functions; the list is one vector
  (the C `_list_` functions), or each tensor on its own with `each=true` (`_each_`).
* Shards across processes: [`Partials`](@ref), [`add!`](@ref), `merge!`, [`bytes`](@ref).

The library is opened on first use from `ENV["PROJECTION_LIBRARY"]` (a path), or else
as `libprojection.so.1` through the system's dynamic loader search path.
"""
module Projection

using Libdl

export vector_projection, vector_projection!, order_tensors_by_norm,
       project_out_smaller_tensor, project_out_smaller_tensor!,
       calculate_equivalent_alpha_and_scaling_factor,
       alphaless_gradient, alphaless_gradient!, ProjectionError,
       BF16, bf16, Partials, add!, order_by_norm, bytes

"""
    BF16(bits::UInt16)

A bfloat16 element as its raw bits (1 sign, 8 exponent, 7 fraction bits: the top half of
a `Float32`); the layout of the C `projection_bf16` and of `BFloat16s.BFloat16`. No
arithmetic: build values with [`bf16`](@ref), read them with `Float32(x)` / `Float64(x)`.
"""
struct BF16
    bits::UInt16
    BF16(bits::UInt16) = new(bits)
end

"""
    bf16(x::Real) -> BF16

`x` rounded to bfloat16, to nearest even (a `Float64` is rounded to `Float32` first).
"""
function bf16(x::Float32)
    u = reinterpret(UInt32, x)
    isnan(x) && return BF16(UInt16((u >> 16) | 0x0040))          # a quiet NaN, same sign
    return BF16(UInt16((u + 0x00007fff + ((u >> 16) & 0x00000001)) >> 16))
end
bf16(x::Real) = bf16(Float32(x))
Base.Float32(x::BF16) = reinterpret(Float32, UInt32(x.bits) << 16)
Base.Float64(x::BF16) = Float64(Float32(x))

"Size in bytes of a [`Partials`](@ref) (`PROJECTION_PARTIALS_SIZE`), fixed for ABI 1."
const PARTIALS_SIZE = 2048
"Elements per reduction block (`PROJECTION_BLOCK`): shards whose offsets are multiples of
it give results bitwise equal to one call on the whole vector."
const BLOCK = 8192

"""
    Partials()

Partial sums of a vector sharded over processes (`projection_partials`), initialized
empty. Each process [`add!`](@ref)s its part(s) of the global noise and model gradients,
exchanges [`bytes`](@ref) with the others (any transport; same byte order) and `merge!`s
what it receives (exact: any order gives the same bytes); then
`calculate_equivalent_alpha_and_scaling_factor(p)`, [`order_by_norm`](@ref)`(p)` and
`alphaless_gradient(p, a, b)` (also `vector_projection`, `project_out_smaller_tensor`, and
`!` forms) give the global results on its own shard `a`, `b`. At offsets that are
multiples of [`BLOCK`](@ref), bitwise the single call's. NaN/Inf in any shard: every
finishing call throws `ProjectionError` 4.

    Partials(bytes::AbstractVector{UInt8})

Partials from the `PARTIALS_SIZE` bytes that `bytes(p)` gave; `ProjectionError` 5 if they
are not a valid partials.
"""
struct Partials
    words::Vector{UInt64}    # the C struct: PARTIALS_SIZE bytes, 8-byte aligned
    Partials(words::Vector{UInt64}, ::Val{:unchecked}) = new(words)
end

# The element types and their C suffixes.
const _TYPES = ((Float32, "f32"), (Float64, "f64"), (BF16, "bf16"), (Float16, "f16"))
const _Float = Union{Float32,Float64,BF16,Float16}

const _lib = Ref{Ptr{Cvoid}}(C_NULL)

function _handle()
    if _lib[] == C_NULL
        _lib[] = Libdl.dlopen(get(ENV, "PROJECTION_LIBRARY", "libprojection.so.1"))
    end
    return _lib[]
end
_sym(name::Symbol) = Libdl.dlsym(_handle(), name)

"""
A status other than `PROJECTION_OK` from the library: `status` is the C code, `message`
the library's `projection_status_string`. Codes: 1 NULL, 2 OVERLAP, 3 ARGUMENT,
4 NONFINITE (NaN or Inf in an input), 5 PARTIALS (bytes that are not a valid partials).
"""
struct ProjectionError <: Exception
    status::Int
    message::String
end
Base.showerror(io::IO, e::ProjectionError) =
    print(io, "ProjectionError(", e.status, "): ", e.message)

status_string(status::Integer) =
    unsafe_string(ccall(_sym(:projection_status_string), Cstring, (Cint,), status))

function _check(status::Cint)
    status == 0 || throw(ProjectionError(status, status_string(status)))
    return nothing
end

function _checklen(a::Vector, b::Vector)
    length(a) == length(b) ||
        throw(DimensionMismatch("lengths $(length(a)) and $(length(b)) differ"))
    return nothing
end

# The lengths of a list's tensors, after checking that `b` has as many, as long.
function _checklists(a::Vector{<:Vector}, b::Vector{<:Vector})
    length(a) == length(b) ||
        throw(DimensionMismatch("the lists hold $(length(a)) and $(length(b)) tensors"))
    for i in eachindex(a, b)
        length(a[i]) == length(b[i]) || throw(DimensionMismatch(
            "tensor $i of the lists: lengths $(length(a[i])) and $(length(b[i])) differ"))
    end
    return Csize_t[length(x) for x in a]
end

_pointers(list::Vector{Vector{T}}) where {T} = Ptr{T}[pointer(x) for x in list]

# ------------------------------------------------------------------ ccall wrappers
# One method per element type and C function, with concrete argument types. A C
# `const T *const *a` (an array of segment pointers) is `Ptr{Ptr{T}}`; a
# `projection_partials *` is `Ptr{UInt64}` (the struct is PARTIALS_SIZE bytes of uint64_t).
for (T, s) in _TYPES
    for op in (:vector_projection, :project_out_smaller, :alphaless_gradient)
        # projection_<op>_<s>(const T *a, const T *b, size_t n, T *out)
        cname = QuoteNode(Symbol("projection_", op, "_", s))
        @eval _binary(::Val{$(QuoteNode(op))}, out::Vector{$T}, a::Vector{$T}, b::Vector{$T}) =
            ccall(_sym($cname), Cint, (Ptr{$T}, Ptr{$T}, Csize_t, Ptr{$T}),
                  a, b, length(a), out)
        for form in (:list, :each)
            # projection_<op>_<form>_<s>(const T *const *a, const T *const *b,
            #                            const size_t *n, size_t count, T *const *out)
            lname = QuoteNode(Symbol("projection_", op, "_", form, "_", s))
            @eval _listbinary(::Val{$(QuoteNode(op))}, ::Val{$(QuoteNode(form))},
                              out::Vector{Ptr{$T}}, a::Vector{Ptr{$T}}, b::Vector{Ptr{$T}},
                              n::Vector{Csize_t}) =
                ccall(_sym($lname), Cint,
                      (Ptr{Ptr{$T}}, Ptr{Ptr{$T}}, Ptr{Csize_t}, Csize_t, Ptr{Ptr{$T}}),
                      a, b, n, length(n), out)
        end
        # projection_partials_<op>_<s>(const projection_partials *p, const T *a,
        #                              const T *b, size_t n, T *out)
        pname = QuoteNode(Symbol("projection_partials_", op, "_", s))
        @eval _pbinary(::Val{$(QuoteNode(op))}, p::Vector{UInt64}, out::Vector{$T},
                       a::Vector{$T}, b::Vector{$T}) =
            ccall(_sym($pname), Cint, (Ptr{UInt64}, Ptr{$T}, Ptr{$T}, Csize_t, Ptr{$T}),
                  p, a, b, length(a), out)
    end
    # projection_order_by_norm_<s>(const T *a, const T *b, size_t n, double ord,
    #                              int *swapped, double *norm_a, double *norm_b)
    order = QuoteNode(Symbol("projection_order_by_norm_", s))
    @eval _order(a::Vector{$T}, b::Vector{$T}, ord::Float64, swapped::Ref{Cint}) =
        ccall(_sym($order), Cint,
              (Ptr{$T}, Ptr{$T}, Csize_t, Cdouble, Ref{Cint}, Ptr{Cdouble}, Ptr{Cdouble}),
              a, b, length(a), ord, swapped, C_NULL, C_NULL)
    # projection_equivalent_alpha_<s>(const T *noise_grad, const T *model_grad, size_t n,
    #                                 double *alpha, double *scale)
    alpha = QuoteNode(Symbol("projection_equivalent_alpha_", s))
    @eval _alpha(n::Vector{$T}, m::Vector{$T}, alpha::Ref{Cdouble}, scale::Ref{Cdouble}) =
        ccall(_sym($alpha), Cint, (Ptr{$T}, Ptr{$T}, Csize_t, Ref{Cdouble}, Ref{Cdouble}),
              n, m, length(n), alpha, scale)
    for form in (:list, :each)
        # projection_order_by_norm_<form>_<s>(const T *const *a, const T *const *b,
        #     const size_t *n, size_t count, double ord, int *swapped, double *norm_a,
        #     double *norm_b): `swapped` is 1 int (list) or `count` ints (each); the norms
        #     are not wanted (NULL).
        lorder = QuoteNode(Symbol("projection_order_by_norm_", form, "_", s))
        @eval _listorder(::Val{$(QuoteNode(form))}, a::Vector{Ptr{$T}}, b::Vector{Ptr{$T}},
                         n::Vector{Csize_t}, ord::Float64, swapped::Vector{Cint}) =
            ccall(_sym($lorder), Cint,
                  (Ptr{Ptr{$T}}, Ptr{Ptr{$T}}, Ptr{Csize_t}, Csize_t, Cdouble, Ptr{Cint},
                   Ptr{Cdouble}, Ptr{Cdouble}),
                  a, b, n, length(n), ord, swapped, C_NULL, C_NULL)
        # projection_equivalent_alpha_<form>_<s>(const T *const *noise_grad,
        #     const T *const *model_grad, const size_t *n, size_t count, double *alpha,
        #     double *scale): 1 double each (list) or `count` (each).
        lalpha = QuoteNode(Symbol("projection_equivalent_alpha_", form, "_", s))
        @eval _listalpha(::Val{$(QuoteNode(form))}, a::Vector{Ptr{$T}}, b::Vector{Ptr{$T}},
                         n::Vector{Csize_t}, alpha::Vector{Cdouble}, scale::Vector{Cdouble}) =
            ccall(_sym($lalpha), Cint,
                  (Ptr{Ptr{$T}}, Ptr{Ptr{$T}}, Ptr{Csize_t}, Csize_t, Ptr{Cdouble},
                   Ptr{Cdouble}),
                  a, b, n, length(n), alpha, scale)
    end
    # projection_partials_add_<s>(projection_partials *p, const T *a, const T *b, size_t n,
    #                             uint64_t offset)
    padd = QuoteNode(Symbol("projection_partials_add_", s))
    @eval _padd(p::Vector{UInt64}, a::Vector{$T}, b::Vector{$T}, offset::UInt64) =
        ccall(_sym($padd), Cint, (Ptr{UInt64}, Ptr{$T}, Ptr{$T}, Csize_t, UInt64),
              p, a, b, length(a), offset)
end

_form(each::Bool) = each ? Val(:each) : Val(:list)

# ------------------------------------------------------------------ the functions
# vector_projection(a, b), project_out_smaller_tensor(a, b), alphaless_gradient(n, m),
# and their `!` forms writing into `out` (which may be `a` or `b` itself): for vectors,
# for lists of vectors (one vector, or `each=true`), and for a local shard with the
# coefficient from merged `Partials`.
for (name, op) in ((:vector_projection, :vector_projection),
                   (:project_out_smaller_tensor, :project_out_smaller),
                   (:alphaless_gradient, :alphaless_gradient))
    bang = Symbol(name, "!")
    qop = QuoteNode(op)
    @eval function $bang(out::Vector{T}, a::Vector{T}, b::Vector{T}) where {T<:_Float}
        _checklen(a, b)
        _checklen(a, out)
        _check(_binary(Val($qop), out, a, b))
        return out
    end
    @eval $name(a::Vector{T}, b::Vector{T}) where {T<:_Float} = $bang(similar(a), a, b)

    @eval function $bang(out::Vector{Vector{T}}, a::Vector{Vector{T}}, b::Vector{Vector{T}};
                         each::Bool=false) where {T<:_Float}
        n = _checklists(a, b)
        _checklists(a, out)
        pa, pb, po = _pointers(a), _pointers(b), _pointers(out)
        status = GC.@preserve out a b _listbinary(Val($qop), _form(each), po, pa, pb, n)
        _check(status)
        return out
    end
    @eval $name(a::Vector{Vector{T}}, b::Vector{Vector{T}}; each::Bool=false) where {T<:_Float} =
        $bang(Vector{T}[similar(x) for x in a], a, b; each=each)

    @eval function $bang(out::Vector{T}, p::Partials, a::Vector{T}, b::Vector{T}) where {T<:_Float}
        _checklen(a, b)
        _checklen(a, out)
        _check(_pbinary(Val($qop), p.words, out, a, b))
        return out
    end
    @eval $name(p::Partials, a::Vector{T}, b::Vector{T}) where {T<:_Float} =
        $bang(similar(a), p, a, b)
end

"""
    order_tensors_by_norm(a, b; ord=2) -> (smaller, larger)

The two vectors themselves, ordered by their norm of order `ord` (2, 1, Inf, -Inf, 0, any
finite p); equal norms keep `(a, b)`. For two lists of vectors: the lists, ordered by
their norms as one vector each; with `each=true`, a vector of `(smaller, larger)` per
tensor.
"""
function order_tensors_by_norm(a::Vector{T}, b::Vector{T}; ord::Real=2) where {T<:_Float}
    _checklen(a, b)
    swapped = Ref{Cint}(0)
    _check(_order(a, b, Float64(ord), swapped))
    return swapped[] == 0 ? (a, b) : (b, a)
end

function order_tensors_by_norm(a::Vector{Vector{T}}, b::Vector{Vector{T}}; ord::Real=2,
                               each::Bool=false) where {T<:_Float}
    n = _checklists(a, b)
    swapped = zeros(Cint, each ? length(n) : 1)
    pa, pb = _pointers(a), _pointers(b)
    status = GC.@preserve a b _listorder(_form(each), pa, pb, n, Float64(ord), swapped)
    _check(status)
    each || return swapped[1] == 0 ? (a, b) : (b, a)
    return [swapped[i] == 0 ? (a[i], b[i]) : (b[i], a[i]) for i in eachindex(a)]
end

"""
    calculate_equivalent_alpha_and_scaling_factor(noise_grad, model_grad) -> (alpha, scale)

With `alphaless_gradient(noise_grad, model_grad) == scale * (alpha * noise_grad +
(1 - alpha) * model_grad)`; `alpha` is `±Inf` when `scale == 0`. For two lists: of the
lists as one vector each; with `each=true`, a vector of `(alpha, scale)` per tensor. For
merged [`Partials`](@ref): of the global vectors.
"""
function calculate_equivalent_alpha_and_scaling_factor(noise_grad::Vector{T},
                                                       model_grad::Vector{T}) where {T<:_Float}
    _checklen(noise_grad, model_grad)
    alpha, scale = Ref{Cdouble}(0), Ref{Cdouble}(0)
    _check(_alpha(noise_grad, model_grad, alpha, scale))
    return (alpha[], scale[])
end

function calculate_equivalent_alpha_and_scaling_factor(noise_grad::Vector{Vector{T}},
                                                       model_grad::Vector{Vector{T}};
                                                       each::Bool=false) where {T<:_Float}
    n = _checklists(noise_grad, model_grad)
    count = each ? length(n) : 1
    alpha, scale = zeros(Cdouble, count), zeros(Cdouble, count)
    pa, pb = _pointers(noise_grad), _pointers(model_grad)
    status = GC.@preserve noise_grad model_grad _listalpha(_form(each), pa, pb, n, alpha, scale)
    _check(status)
    each || return (alpha[1], scale[1])
    return collect(zip(alpha, scale))
end

# ------------------------------------------------------------------ partials
function Partials()
    p = Partials(zeros(UInt64, PARTIALS_SIZE ÷ 8), Val(:unchecked))
    # void projection_partials_init(projection_partials *p)
    ccall(_sym(:projection_partials_init), Cvoid, (Ptr{UInt64},), p.words)
    return p
end

function Partials(data::AbstractVector{UInt8})
    length(data) == PARTIALS_SIZE ||
        throw(DimensionMismatch("a Partials is $PARTIALS_SIZE bytes, not $(length(data))"))
    p = Partials(collect(reinterpret(UInt64, collect(data))), Val(:unchecked))
    merge!(Partials(), p)    # checks `p` (magic, layout version, checksum) and changes nothing of it
    return p
end

"The `PARTIALS_SIZE` bytes of `p`, a copy, to send to other processes."
bytes(p::Partials) = collect(reinterpret(UInt8, p.words))

Base.copy(p::Partials) = Partials(copy(p.words), Val(:unchecked))
Base.show(io::IO, ::Partials) = print(io, "Projection.Partials(", PARTIALS_SIZE, " bytes)")

"""
    add!(p::Partials, a, b, offset) -> p

Adds the local part `a`, `b` of the global vectors; `offset` is the global index of `a[1]`
counted from 0 (the number of global elements before it). Several parts may be added.
NaN or Inf is not an error here: it marks `p`, and the finishing calls refuse it.
"""
function add!(p::Partials, a::Vector{T}, b::Vector{T}, offset::Integer) where {T<:_Float}
    _checklen(a, b)
    offset >= 0 || throw(ArgumentError("offset $offset < 0"))
    _check(_padd(p.words, a, b, UInt64(offset)))
    return p
end

"""
    merge!(into::Partials, from::Partials) -> into

Adds `from` into `into`, exactly (associative and commutative bit for bit).
"""
function Base.merge!(into::Partials, from::Partials)
    # projection_status projection_partials_merge(projection_partials *into,
    #                                             const projection_partials *from)
    _check(ccall(_sym(:projection_partials_merge), Cint, (Ptr{UInt64}, Ptr{UInt64}),
                 into.words, from.words))
    return into
end

"""
    order_by_norm(p::Partials) -> (swapped::Bool, norm_a, norm_b)

The 2-norm order of the global `(a, b)` from merged partials: `swapped` is `true` when `b`
is the smaller.
"""
function order_by_norm(p::Partials)
    swapped, na, nb = Ref{Cint}(0), Ref{Cdouble}(0), Ref{Cdouble}(0)
    # projection_status projection_partials_order_by_norm(const projection_partials *p,
    #                                                     int *swapped, double *norm_a,
    #                                                     double *norm_b)
    _check(ccall(_sym(:projection_partials_order_by_norm), Cint,
                 (Ptr{UInt64}, Ref{Cint}, Ref{Cdouble}, Ref{Cdouble}), p.words, swapped, na, nb))
    return (swapped[] != 0, na[], nb[])
end

function calculate_equivalent_alpha_and_scaling_factor(p::Partials)
    alpha, scale = Ref{Cdouble}(0), Ref{Cdouble}(0)
    # projection_status projection_partials_equivalent_alpha(const projection_partials *p,
    #                                                        double *alpha, double *scale)
    _check(ccall(_sym(:projection_partials_equivalent_alpha), Cint,
                 (Ptr{UInt64}, Ref{Cdouble}, Ref{Cdouble}), p.words, alpha, scale))
    return (alpha[], scale[])
end

# ------------------------------------------------------------------ library
"`projection_version_string()` of the loaded library."
version() = unsafe_string(ccall(_sym(:projection_version_string), Cstring, ()))
"`projection_version_number()` of the loaded library: MAJOR*10000 + MINOR*100 + PATCH."
version_number() = Int(ccall(_sym(:projection_version_number), Cuint, ()))
"The kernels' instruction set in use."
simd_arch() = unsafe_string(ccall(_sym(:projection_simd_arch), Cstring, ()))
"Sets the threads used for large inputs, for the whole process; `n <= 0` restores the
OpenMP default."
set_num_threads(n::Integer) = ccall(_sym(:projection_set_num_threads), Cvoid, (Cint,), n)
"The number of threads a large call would use now (at least 1)."
num_threads() = Int(ccall(_sym(:projection_get_num_threads), Cint, ()))

end # module
