#version 460
// NCHW 2-D convolution as an implicit GEMM: rows m = (b, oy, ox), columns o, reduction over
// (c, ky, kx); taps in the padding read zero. Same tiling as linear.comp.
#include "common.glsl"
layout(local_size_x = 256) in;
layout(constant_id = 0) const int WDT = 0;
layout(push_constant) uniform Params {
    uint64_t x; uint64_t w; uint64_t b; uint64_t y;
    uint B; uint C; uint H; uint W; uint O; uint KH; uint KW; uint OH; uint OW; uint sh; uint sw; uint pt; uint pl; int bdt;
} p;

const uint BM = 64u, BN = 64u, BK = 16u;
shared float As[BK][BM + 1u];
shared float Bs[BK][BN + 1u];

void main() {
    uint lid = gl_LocalInvocationIndex;
    uint tx = lid % 16u, ty = lid / 16u;
    uint M = p.B * p.OH * p.OW;
    uint K = p.C * p.KH * p.KW;
    uint khw = p.KH * p.KW;
    uint ohw = p.OH * p.OW;
    uint m0 = gl_WorkGroupID.y * BM, n0 = gl_WorkGroupID.x * BN;
    float acc[4][4];
    for (int i = 0; i < 4; i++) for (int j = 0; j < 4; j++) acc[i][j] = 0.0;
    for (uint k0 = 0u; k0 < K; k0 += BK) {
        for (uint e = 0u; e < 4u; e++) {
            uint idx = lid + e * 256u;
            uint r = idx / BK, kk = idx % BK;
            uint gk = k0 + kk;
            uint gm = m0 + r;
            float av = 0.0;
            if (gm < M && gk < K) {
                uint bb = gm / ohw;
                uint pix = gm - bb * ohw;
                uint oy = pix / p.OW, ox = pix - (pix / p.OW) * p.OW;
                uint c = gk / khw;
                uint t = gk - c * khw;
                uint ky = t / p.KW, kx = t - (t / p.KW) * p.KW;
                int iy = int(oy * p.sh + ky) - int(p.pt);
                int ix = int(ox * p.sw + kx) - int(p.pl);
                if (iy >= 0 && iy < int(p.H) && ix >= 0 && ix < int(p.W)) {
                    av = BufF32(p.x).d[((bb * p.C + c) * p.H + uint(iy)) * p.W + uint(ix)];
                }
            }
            As[kk][r] = av;
            uint gn = n0 + r;
            Bs[kk][r] = (gn < p.O && gk < K) ? load_f(p.w, gn * K + gk, WDT) : 0.0;
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
        if (gm >= M) continue;
        uint bb = gm / ohw;
        uint pix = gm - bb * ohw;
        for (uint j = 0u; j < 4u; j++) {
            uint gn = n0 + tx + 16u * j;
            if (gn >= p.O) continue;
            float v = acc[i][j];
            if (p.bdt >= 0) {
                v += load_f(p.b, gn, p.bdt);
            }
            BufF32(p.y).d[(bb * p.O + gn) * ohw + pix] = v;
        }
    }
}
