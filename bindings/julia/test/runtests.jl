# Run with: PROJECTION_LIBRARY=<prefix>/lib/libprojection.so.1 julia test/runtests.jl
# (or Pkg.test() with the library on the loader path). NOT RUN in this repository's CI:
# no Julia toolchain is installed there; test/check_ccalls.py checks the ccalls against the
# header without Julia.
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
    v = Projection.version_number()
    @test 10100 <= v < 20000                                   # 1.x with x >= 1
    @test Projection.version() == "$(v ÷ 10000).$(v ÷ 100 % 100).$(v % 100)"
    @test Projection.simd_arch() in ("sse2", "fma3+avx2", "avx512bw", "neon64", "generic")
    @test Projection.num_threads() >= 1

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

# ------------------------------------------------------------------ version 1.1
# Bitwise equality of vectors: isequal tells -0.0 from 0.0 (no NaN in these results).
bitwise(x::Vector, y::Vector) = length(x) == length(y) && all(isequal.(x, y))
bitwise(x::Vector{BF16}, y::Vector{BF16}) = x == y           # a struct of bits: == is bitwise
# Test data in any element type, from Float64.
conv(::Type{BF16}, x::Vector{Float64}) = bf16.(x)
conv(::Type{T}, x::Vector{Float64}) where {T} = T.(x)
widen64(x::Vector) = Float64.(x)
# The spacing of T's values at x (the larger of the two gaps around it).
ulp(x::BF16) = Float64(eps(Float32(x))) * 2^16
ulp(x::AbstractFloat) = Float64(eps(x))
split_at(v, lens) = (c = cumsum(lens); [v[c[i]-lens[i]+1:c[i]] for i in eachindex(lens)])

const LENS = [0, 5, 8191, 1, 20000, 0, 3, 70000, 17]

@testset "lists, each (Float32, Float64, Float16, BF16)" begin
    N = sum(LENS)
    for T in (Float32, Float64, Float16, BF16)
        a = conv(T, sin.(1.0:N)); b = conv(T, 3 .* cos.(0.5 .* (1.0:N)))
        al, bl = split_at(a, LENS), split_at(b, LENS)
        @test al isa Vector{Vector{T}}
        # the list is one vector: bitwise the single call on the concatenation
        for (x, y, xl, yl) in ((a, b, al, bl), (b, a, bl, al))
            @test bitwise(reduce(vcat, vector_projection(xl, yl)), vector_projection(x, y))
            @test bitwise(reduce(vcat, project_out_smaller_tensor(xl, yl)),
                          project_out_smaller_tensor(x, y))
            g = alphaless_gradient(x, y)
            @test bitwise(reduce(vcat, alphaless_gradient(xl, yl)), g)
            @test calculate_equivalent_alpha_and_scaling_factor(xl, yl) ===
                  calculate_equivalent_alpha_and_scaling_factor(x, y)
            for ord in (2, 1, Inf, -Inf, 0, 3)
                s, l = order_tensors_by_norm(xl, yl; ord=ord)
                s1, _ = order_tensors_by_norm(x, y; ord=ord)
                @test (s === xl) == (s1 === x)
            end
            c = deepcopy(xl)                                   # in place: out is `a` itself
            @test alphaless_gradient!(c, c, yl) === c
            @test bitwise(reduce(vcat, c), g)
        end
        # each tensor on its own: bitwise the single call on that tensor
        vp = vector_projection(al, bl; each=true)
        ag = alphaless_gradient(al, bl; each=true)
        alphas = calculate_equivalent_alpha_and_scaling_factor(al, bl; each=true)
        orders = order_tensors_by_norm(al, bl; ord=1, each=true)
        @test length(vp) == length(alphas) == length(orders) == length(LENS)
        for i in eachindex(LENS)
            @test bitwise(vp[i], vector_projection(al[i], bl[i]))
            @test bitwise(ag[i], alphaless_gradient(al[i], bl[i]))
            @test alphas[i] === calculate_equivalent_alpha_and_scaling_factor(al[i], bl[i])
            @test orders[i][1] === order_tensors_by_norm(al[i], bl[i]; ord=1)[1]
        end
        out = [similar(x) for x in al]
        @test project_out_smaller_tensor!(out, al, bl; each=true) === out
        @test all(bitwise(out[i], project_out_smaller_tensor(al[i], bl[i])) for i in eachindex(out))
    end
    # empty lists
    e = Vector{Float32}[]
    @test alphaless_gradient(e, e) == Vector{Float32}[]
    @test calculate_equivalent_alpha_and_scaling_factor(e, e) == (0.5, 2.0)
    @test calculate_equivalent_alpha_and_scaling_factor(e, e; each=true) == Tuple{Float64,Float64}[]
    # errors: checked before the call, or by the library; nothing written
    a = [[1.0, 2.0], [3.0]]
    @test_throws DimensionMismatch alphaless_gradient(a, [[1.0, 2.0]])
    @test_throws DimensionMismatch alphaless_gradient(a, [[1.0, 2.0], [3.0, 4.0]])
    out = [[7.0, 7.0], [7.0]]
    @test_throws ProjectionError vector_projection!(out, a, [[1.0, NaN], [2.0]])
    @test out == [[7.0, 7.0], [7.0]]
    @test_throws ProjectionError order_tensors_by_norm(a, a; ord=NaN, each=true)
end

@testset "Float16 and BF16 within 1 ulp of the exact result" begin
    @test Float32(bf16(1.5f0)) == 1.5f0 && bf16(1.0).bits == 0x3f80
    @test bf16(1.00390625f0).bits == 0x3f80                  # a tie rounds to even
    @test bf16(1.01171875f0).bits == 0x3f82                  # a tie rounds to even (up)
    for T in (Float16, BF16), n in (1, 7, 1000, 100_003)
        a = conv(T, sin.(1.0:n)); b = conv(T, 3 .* cos.(0.5 .* (1.0:n)))
        a64, b64 = widen64(a), widen64(b)                       # exact
        for (f, name) in ((vector_projection, "vp"), (project_out_smaller_tensor, "pos"),
                          (alphaless_gradient, "ag"))
            got, want = f(a, b), f(a64, b64)
            @test got isa Vector{T}
            @test all(abs(Float64(got[i]) - want[i]) <= ulp(got[i]) for i in 1:n)
        end
        alpha, scale = calculate_equivalent_alpha_and_scaling_factor(a, b)
        a2, s2 = calculate_equivalent_alpha_and_scaling_factor(a64, b64)
        @test isapprox(alpha, a2; rtol=1e-12) && isapprox(scale, s2; rtol=1e-12)
    end
    # f16 overflow is inf, not an error; NaN/Inf inputs are errors in every encoding
    @test vector_projection(Float16[65504, 65504], Float16[1, 0.5])[1] == Inf16
    @test_throws ProjectionError alphaless_gradient(Float16[1, Inf16], Float16[1, 2])
    @test_throws ProjectionError alphaless_gradient([bf16(1.0), BF16(0x7fc0)], [bf16(1.0), bf16(2.0)])
    @test_throws ProjectionError alphaless_gradient([bf16(1.0), BF16(0xff80)], [bf16(1.0), bf16(2.0)])
end

@testset "Partials" begin
    B = Projection.BLOCK
    n = 5B + 777
    for T in (Float32, Float64, Float16, BF16)
        a = conv(T, sin.(1.0:n)); b = conv(T, 2 .* cos.(0.3 .* (1.0:n)))
        cuts = [0, B, 3B, 4B, n]                               # offsets: multiples of BLOCK
        parts = [add!(Partials(), a[cuts[i]+1:cuts[i+1]], b[cuts[i]+1:cuts[i+1]], cuts[i])
                 for i in 1:length(cuts)-1]
        m1 = foldl(merge!, parts; init=Partials())
        m2 = foldl(merge!, reverse(parts); init=Partials())
        @test bytes(m1) == bytes(m2)                           # exact, order-free
        @test length(bytes(m1)) == Projection.PARTIALS_SIZE
        m = Partials(bytes(m1))                                 # through bytes
        @test calculate_equivalent_alpha_and_scaling_factor(m) ===
              calculate_equivalent_alpha_and_scaling_factor(a, b)
        swapped, na, nb = order_by_norm(m)
        @test (swapped ? (b, a) : (a, b))[1] === order_tensors_by_norm(a, b)[1]
        whole = alphaless_gradient(a, b)
        mine = reduce(vcat, [alphaless_gradient(m, a[cuts[i]+1:cuts[i+1]], b[cuts[i]+1:cuts[i+1]])
                             for i in 1:length(cuts)-1])
        @test bitwise(mine, whole)
        x, y = a[1:B], b[1:B]
        @test bitwise(vector_projection(m, x, y), vector_projection(a, b)[1:B])
        @test bitwise(project_out_smaller_tensor!(copy(x), m, x, y), project_out_smaller_tensor(a, b)[1:B])
    end
    # NaN in one shard: every finishing call refuses, nothing written
    a, b = rand(2B), rand(2B); b[B+3] = NaN
    p = merge!(add!(Partials(), a[1:B], b[1:B], 0), add!(Partials(), a[B+1:end], b[B+1:end], B))
    @test_throws ProjectionError calculate_equivalent_alpha_and_scaling_factor(p)
    out = fill(5.0, B)
    @test_throws ProjectionError alphaless_gradient!(out, p, a[1:B], b[1:B])
    @test all(==(5.0), out)
    # bad bytes: status 5
    bad = bytes(Partials()); bad[100] ⊻= 0x10
    err = try Partials(bad); nothing catch e; e end
    @test err isa ProjectionError && err.status == 5
    @test_throws DimensionMismatch Partials(zeros(UInt8, 10))
    q = Partials()
    err = try merge!(q, q); nothing catch e; e end
    @test err isa ProjectionError && err.status == 2          # merging into itself: OVERLAP
end

