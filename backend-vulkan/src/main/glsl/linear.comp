#version 460
// y[M,N] = act(x[M,K]·w[N,K]ᵀ + b): 64×64 output tiles, K in steps of 16 through shared memory,
// 256 invocations with 4×4 outputs each. Weights F32/F16/BF16 (WDT, specialised: the inner loop),
// bias any float type (bdt, -1: none), epilogue = UnaryFn ordinal.
#include "common.glsl"
#include "math.glsl"
layout(local_size_x = 256) in;
layout(constant_id = 0) const int WDT = 0;
layout(push_constant) uniform Params { uint64_t x; uint64_t w; uint64_t b; uint64_t y; uint M; uint N; uint K; int bdt; int epi; } p;

const uint BM = 64u, BN = 64u, BK = 16u;
shared float As[BK][BM + 1u];
shared float Bs[BK][BN + 1u];

void main() {
    uint lid = gl_LocalInvocationIndex;
    uint tx = lid % 16u, ty = lid / 16u;
    uint m0 = gl_WorkGroupID.y * BM, n0 = gl_WorkGroupID.x * BN;
    float acc[4][4];
    for (int i = 0; i < 4; i++) for (int j = 0; j < 4; j++) acc[i][j] = 0.0;
    for (uint k0 = 0u; k0 < p.K; k0 += BK) {
        for (uint e = 0u; e < 4u; e++) {
            uint idx = lid + e * 256u;
            uint r = idx / BK, kk = idx % BK;
            uint gk = k0 + kk;
            uint gm = m0 + r;
            As[kk][r] = (gm < p.M && gk < p.K) ? BufF32(p.x).d[gm * p.K + gk] : 0.0;
            uint gn = n0 + r;
            Bs[kk][r] = (gn < p.N && gk < p.K) ? load_f(p.w, gn * p.K + gk, WDT) : 0.0;
        }
        barrier();
        for (uint kk = 0u; kk < BK; kk++) {
            float a[4], b[4];
            for (uint i = 0u; i < 4u; i++) a[i] = As[kk][ty + 16u * i];
            for (uint j = 0u; j < 4u; j++) b[j] = Bs[kk][tx + 16u * j];
            for (uint i = 0u; i < 4u; i++) for (uint j = 0u; j < 4u; j++) acc[i][j] = fma(a[i], b[j], acc[i][j]);
        }
        barrier();
    }
    for (uint i = 0u; i < 4u; i++) {
        uint gm = m0 + ty + 16u * i;
        if (gm >= p.M) continue;
        for (uint j = 0u; j < 4u; j++) {
            uint gn = n0 + tx + 16u * j;
            if (gn >= p.N) continue;
            float v = acc[i][j];
            if (p.bdt >= 0) {
                v += load_f(p.b, gn, p.bdt);
            }
            BufF32(p.y).d[gm * p.N + gn] = act(p.epi, v);
        }
    }
}
