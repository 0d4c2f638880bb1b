# Run with: PROJECTION_LIBRARY=<prefix>/lib/libprojection.so.1 julia test/runtests.jl
# (or Pkg.test() with the library on the loader path). Not run in this repository's CI:
# no Julia toolchain is installed there.
using Test, LinearAlgebra
if Base.find_package("Projection") === nothing
    push!(LOAD_PATH, normpath(joinpath(@__DIR__, "..", "src")))
end
using Projection

# Reference: the original functions, in Float64.
refproj(a, b) = (bb = dot(b, b); bb == 0 ? zero(a) : (dot(a, b) / bb) .* b)
reforder(a, b; ord=2) = norm(a, ord) <= norm(b, ord) ? (a, b) : (b, a)
refk(s, l) = (ss = dot(s, s); ss == 0 ? 0.0 : dot(l, s) / ss)
function refpos(a, b)
    s, l = reforder(a, b)
    return l .- refproj(l, s)
end
function refalphaless(n, m)
    s, l = reforder(n, m)
    return l .+ (1 - refk(s, l)) .* s
end
function refalpha(n, m)
    s, l = reforder(n, m)
    k = refk(s, l)
    cn, cm = s === n ? (1 - k, 1.0) : (1.0, 1 - k)
    return (cn / (cn + cm), cn + cm)
end

@testset "Projection" begin
    @test Projection.version() == "1.0.0"
    @test Projection.simd_arch() in ("sse2", "fma3+avx2", "avx512bw")

    for T in (Float32, Float64), n in (1, 7, 1000, 100_003)
        tol = T == Float32 ? 2e-5 : 1e-12
        a = T.(sin.(1:n)); b = T.(3 .* cos.(0.5 .* (1:n)))
        a64, b64 = Float64.(a), Float64.(b)
        @test isapprox(vector_projection(a, b), refproj(a64, b64); rtol=tol)
        for (x, y) in ((a, b), (b, a))
            x64, y64 = Float64.(x), Float64.(y)
            r = project_out_smaller_tensor(x, y)
            @test r isa Vector{T}
            @test isapprox(r, refpos(x64, y64); rtol=tol)
            @test isapprox(alphaless_gradient(x, y), refalphaless(x64, y64); rtol=tol)
            alpha, scale = calculate_equivalent_alpha_and_scaling_factor(x, y)
            ra, rs = refalpha(x64, y64)
            @test isapprox(alpha, ra; rtol=1e-6) && isapprox(scale, rs; rtol=1e-6)
        end
        for ord in (2, 1, Inf, -Inf, 0, 3, 0.5)
            s, l = order_tensors_by_norm(a, b; ord=ord)
            if !isapprox(norm(a64, ord), norm(b64, ord); rtol=1e-5)
                @test s === (norm(a64, ord) <= norm(b64, ord) ? a : b)
                @test l === (s === a ? b : a)
            end
        end
        out = similar(a)
        @test vector_projection!(out, a, b) === out
        @test out == vector_projection(a, b)
        c = copy(a)
        @test alphaless_gradient!(c, c, b) === c          # in place: out is `a` itself
        @test c == alphaless_gradient(a, b)
    end

    # ties keep the argument order; projection onto zero is zero; scale 0 gives Inf
    a, b = [3.0, 4.0], [-4.0, 3.0]
    @test order_tensors_by_norm(a, b)[1] === a
    @test order_tensors_by_norm(b, a)[1] === b
    @test vector_projection([1.0f0, 2.0f0], [0.0f0, 0.0f0]) == [0.0f0, 0.0f0]
    @test calculate_equivalent_alpha_and_scaling_factor([1.0, 2.0, 3.0], [0.0, 1.0, 0.0]) ==
          (Inf, 0.0)

    # errors
    @test_throws DimensionMismatch vector_projection([1.0, 2.0], [1.0])
    @test_throws DimensionMismatch vector_projection!(zeros(3), ones(2), ones(2))
    @test_throws MethodError vector_projection([1.0f0], [1.0])
    err = try
        alphaless_gradient([1.0, NaN], [1.0, 2.0]); nothing
    catch e
        e
    end
    @test err isa ProjectionError && err.status == 4
    @test err.message == Projection.status_string(4)
    out = [7.0, 7.0]
    @test_throws ProjectionError vector_projection!(out, [Inf, 1.0], [1.0, 2.0])
    @test out == [7.0, 7.0]                                # nothing written
    err = try
        order_tensors_by_norm([1.0], [2.0]; ord=NaN); nothing
    catch e
        e
    end
    @test err isa ProjectionError && err.status == 3
    @test_throws ProjectionError calculate_equivalent_alpha_and_scaling_factor([NaN32], [1.0f0])
end
