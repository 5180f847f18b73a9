#version 460
// SvdqLinear, pass 2: the 4-bit GEMM with int32 accumulation inside each group of G (GW = G/8 words
// of 8 nibbles), group scales applied per group, then the fused low-rank up-projection
// t·proj_upᵀ, bias and the epilogue — one write of y. 64×64 tiles, 4×4 outputs per invocation.
// qwb = 1 reads qweight byte by byte (8-bit storage; rows not word-aligned), else as words.
#include "common.glsl"
#include "math.glsl"
layout(local_size_x = 256) in;
layout(constant_id = 0) const uint GW = 8u;
layout(push_constant) uniform Params {
    uint64_t qx; uint64_t sx; uint64_t t; uint64_t qw; uint64_t ws; uint64_t up; uint64_t b; uint64_t y;
    uint M; uint N; uint groups; uint KW; uint r; int qwb; int wsdt; int updt; int bdt; int epi;
} p;
#define QWB p.qwb
#define WSDT p.wsdt
#define UPDT p.updt
#define BDT p.bdt
#define EPI p.epi

const uint BM = 64u, BN = 64u, RC = 16u;
shared uint qa[BM * GW];
shared uint qb[BN * GW];
shared float sxs[BM];
shared float wss[BN];
shared float ta[RC][BM + 1u];
shared float ub[RC][BN + 1u];

uint load_qw(uint wi) {
    if (QWB != 0) {
        uint bi = wi * 4u;
        return uint(BufU8(p.qw).d[bi]) | (uint(BufU8(p.qw).d[bi + 1u]) << 8)
             | (uint(BufU8(p.qw).d[bi + 2u]) << 16) | (uint(BufU8(p.qw).d[bi + 3u]) << 24);
    }
    return BufU32(p.qw).d[wi];
}

void main() {
    uint lid = gl_LocalInvocationIndex;
    uint tx = lid % 16u, ty = lid / 16u;
    uint m0 = gl_WorkGroupID.y * BM, n0 = gl_WorkGroupID.x * BN;
    float facc[4][4];
    for (int i = 0; i < 4; i++) for (int j = 0; j < 4; j++) facc[i][j] = 0.0;
    for (uint g = 0u; g < p.groups; g++) {
        for (uint e = lid; e < BM * GW; e += 256u) {
            uint rr = e / GW, w = e - (e / GW) * GW;
            uint gm = m0 + rr;
            qa[e] = gm < p.M ? BufU32(p.qx).d[gm * p.KW + g * GW + w] : 0u;
        }
        for (uint e = lid; e < BN * GW; e += 256u) {
            uint c = e / GW, w = e - (e / GW) * GW;
            uint gn = n0 + c;
            qb[e] = gn < p.N ? load_qw(gn * p.KW + g * GW + w) : 0u;
        }
        if (lid < BM) {
            sxs[lid] = m0 + lid < p.M ? BufF32(p.sx).d[(m0 + lid) * p.groups + g] : 0.0;
        } else if (lid < BM + BN) {
            uint c = lid - BM;
            wss[c] = n0 + c < p.N ? load_f(p.ws, g * p.N + n0 + c, WSDT) : 0.0;
        }
        barrier();
        int iacc[4][4];
        for (int i = 0; i < 4; i++) for (int j = 0; j < 4; j++) iacc[i][j] = 0;
        for (uint w = 0u; w < GW; w++) {
            int av[4][8];
            for (uint i = 0u; i < 4u; i++) {
                uint a = qa[(ty + 16u * i) * GW + w];
                for (uint s = 0u; s < 8u; s++) av[i][s] = int(a << (28u - 4u * s)) >> 28;
            }
            for (uint j = 0u; j < 4u; j++) {
                uint b = qb[(tx + 16u * j) * GW + w];
                int bv[8];
                for (uint s = 0u; s < 8u; s++) bv[s] = int(b << (28u - 4u * s)) >> 28;
                for (uint i = 0u; i < 4u; i++) {
                    int d = iacc[i][j];
                    for (uint s = 0u; s < 8u; s++) d += av[i][s] * bv[s];
                    iacc[i][j] = d;
                }
            }
        }
        for (uint i = 0u; i < 4u; i++) {
            for (uint j = 0u; j < 4u; j++) {
                facc[i][j] = fma(sxs[ty + 16u * i] * wss[tx + 16u * j], float(iacc[i][j]), facc[i][j]);
            }
        }
        barrier();
    }
    for (uint r0 = 0u; r0 < p.r; r0 += RC) {
        for (uint e = lid; e < RC * BM; e += 256u) {
            uint jj = e % RC, rr = e / RC;
            uint j = r0 + jj;
            ta[jj][rr] = (m0 + rr < p.M && j < p.r) ? BufF32(p.t).d[(m0 + rr) * p.r + j] : 0.0;
            ub[jj][rr] = (n0 + rr < p.N && j < p.r) ? load_f(p.up, (n0 + rr) * p.r + j, UPDT) : 0.0;
        }
        barrier();
        for (uint jj = 0u; jj < RC; jj++) {
            for (uint i = 0u; i < 4u; i++) {
                float a = ta[jj][ty + 16u * i];
                for (uint j = 0u; j < 4u; j++) facc[i][j] = fma(a, ub[jj][tx + 16u * j], facc[i][j]);
            }
        }
        barrier();
    }
    for (uint i = 0u; i < 4u; i++) {
        uint gm = m0 + ty + 16u * i;
        if (gm >= p.M) continue;
        for (uint j = 0u; j < 4u; j++) {
            uint gn = n0 + tx + 16u * j;
            if (gn >= p.N) continue;
            float v = facc[i][j];
            if (BDT >= 0) v += load_f(p.b, gn, BDT);
            BufF32(p.y).d[gm * p.N + gn] = act(EPI, v);
        }
    }
}
