"""
    Projection

`ccall` bindings to the C library libprojection (gradient-projection arithmetic for
"alphaless" noise-layer training) over `Vector{Float32}` and `Vector{Float64}`.

The library is opened on first use from `ENV["PROJECTION_LIBRARY"]` (a path), or else
as `libprojection.so.1` through the system's dynamic loader search path.
"""
module Projection

using Libdl

export vector_projection, vector_projection!, order_tensors_by_norm,
       project_out_smaller_tensor, project_out_smaller_tensor!,
       calculate_equivalent_alpha_and_scaling_factor,
       alphaless_gradient, alphaless_gradient!, ProjectionError

const _Float = Union{Float32,Float64}
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
the library's `projection_status_string`.
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

# One method per element type and C function, with concrete argument types.
for (T, s) in ((Float32, "f32"), (Float64, "f64"))
    for op in (:vector_projection, :project_out_smaller, :alphaless_gradient)
        cname = QuoteNode(Symbol("projection_", op, "_", s))
        @eval _binary(::Val{$(QuoteNode(op))}, out::Vector{$T}, a::Vector{$T}, b::Vector{$T}) =
            ccall(_sym($cname), Cint, (Ptr{$T}, Ptr{$T}, Csize_t, Ptr{$T}),
                  a, b, length(a), out)
    end
    order = QuoteNode(Symbol("projection_order_by_norm_", s))
    @eval _order(a::Vector{$T}, b::Vector{$T}, ord::Float64, swapped::Ref{Cint}) =
        ccall(_sym($order), Cint,
              (Ptr{$T}, Ptr{$T}, Csize_t, Cdouble, Ref{Cint}, Ptr{Cdouble}, Ptr{Cdouble}),
              a, b, length(a), ord, swapped, C_NULL, C_NULL)
    alpha = QuoteNode(Symbol("projection_equivalent_alpha_", s))
    @eval _alpha(n::Vector{$T}, m::Vector{$T}, alpha::Ref{Cdouble}, scale::Ref{Cdouble}) =
        ccall(_sym($alpha), Cint, (Ptr{$T}, Ptr{$T}, Csize_t, Ref{Cdouble}, Ref{Cdouble}),
              n, m, length(n), alpha, scale)
end

# vector_projection(a, b), project_out_smaller_tensor(a, b), alphaless_gradient(n, m),
# and their `!` forms writing into `out` (which may be `a` or `b` itself).
for (name, op) in ((:vector_projection, :vector_projection),
                   (:project_out_smaller_tensor, :project_out_smaller),
                   (:alphaless_gradient, :alphaless_gradient))
    bang = Symbol(name, "!")
    @eval function $bang(out::Vector{T}, a::Vector{T}, b::Vector{T}) where {T<:_Float}
        _checklen(a, b)
        _checklen(a, out)
        _check(_binary(Val($(QuoteNode(op))), out, a, b))
        return out
    end
    @eval $name(a::Vector{T}, b::Vector{T}) where {T<:_Float} = $bang(similar(a), a, b)
end

"""
    order_tensors_by_norm(a, b; ord=2) -> (smaller, larger)

The two vectors themselves, ordered by their norm of order `ord` (2, 1, Inf, -Inf, 0, any
finite p); equal norms keep `(a, b)`.
"""
function order_tensors_by_norm(a::Vector{T}, b::Vector{T}; ord::Real=2) where {T<:_Float}
    _checklen(a, b)
    swapped = Ref{Cint}(0)
    _check(_order(a, b, Float64(ord), swapped))
    return swapped[] == 0 ? (a, b) : (b, a)
end

"""
    calculate_equivalent_alpha_and_scaling_factor(noise_grad, model_grad) -> (alpha, scale)

With `alphaless_gradient(noise_grad, model_grad) == scale * (alpha * noise_grad +
(1 - alpha) * model_grad)`; `alpha` is `±Inf` when `scale == 0`.
"""
function calculate_equivalent_alpha_and_scaling_factor(noise_grad::Vector{T},
                                                       model_grad::Vector{T}) where {T<:_Float}
    _checklen(noise_grad, model_grad)
    alpha, scale = Ref{Cdouble}(0), Ref{Cdouble}(0)
    _check(_alpha(noise_grad, model_grad, alpha, scale))
    return (alpha[], scale[])
end

"`projection_version_string()` of the loaded library."
version() = unsafe_string(ccall(_sym(:projection_version_string), Cstring, ()))
"The kernels' instruction set in use."
simd_arch() = unsafe_string(ccall(_sym(:projection_simd_arch), Cstring, ()))

end # module
