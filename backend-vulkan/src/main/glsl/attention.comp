#version 460
// Flash-style attention: a workgroup takes BQ queries of one (batch, head), streams the keys in
// tiles of BK through shared memory and keeps an online softmax (running max m, sum l, output O in
// registers), so scores are never written out. Causal masking and an additive mask broadcast over
// [B, H, Lq, Lk] (strides 0 on broadcast axes). A row whose every key is masked yields zeros.
#include "common.glsl"
#include "math.glsl"
layout(local_size_x = 128) in;
layout(constant_id = 0) const uint BQ = 16u;     // queries per workgroup (divides 128)
layout(constant_id = 1) const uint BK = 16u;     // keys per tile
layout(constant_id = 2) const uint D = 64u;      // head dim of q and k
layout(constant_id = 3) const uint DV = 64u;     // head dim of v
layout(constant_id = 4) const uint OPT = 8u;     // output columns per invocation: ceil(DV / (128 / BQ))
layout(push_constant) uniform Params {
    uint64_t q; uint64_t k; uint64_t v; uint64_t mask; uint64_t y;
    uint H; uint Lq; uint Lk; float scale; uint mb; uint mh; uint mq; uint mk; int causal; int hasMask;
} p;
#define CAUSAL p.causal
#define MASK p.hasMask

shared float Qs[BQ * D];
shared float Ks[D * BK];   // transposed: Ks[t·BK + j], so the lanes of a score read consecutive words
shared float Vs[BK * DV];
shared float S[BQ * BK];
shared float P[BQ * BK > 128u ? BQ * BK : 128u];   // probabilities of the tile; at the end the partial row sums

void main() {
    const uint TPR = 128u / BQ; // invocations per query row
    uint lid = gl_LocalInvocationIndex;
    uint bh = gl_WorkGroupID.y;
    uint bIdx = bh / p.H, hIdx = bh - (bh / p.H) * p.H;
    uint q0 = gl_WorkGroupID.x * BQ;
    uint qBase = bh * p.Lq * D;
    uint kBase = bh * p.Lk * D;
    uint vBase = bh * p.Lk * DV;
    for (uint e = lid; e < BQ * D; e += 128u) {
        uint qi = q0 + e / D;
        Qs[e] = qi < p.Lq ? BufF32(p.q).d[qBase + qi * D + e % D] : 0.0;
    }
    uint row = lid / TPR;
    uint lane = lid - row * TPR;
    uint myQ = q0 + row;
    float m = -NB_INF;
    float l = 0.0;
    float o[OPT];
    for (uint c = 0u; c < OPT; c++) o[c] = 0.0;
    uint kEnd = p.Lk;
    if (CAUSAL != 0) {
        kEnd = min(p.Lk, q0 + BQ);
    }
    uint maskBase = bIdx * p.mb + hIdx * p.mh;
    for (uint k0 = 0u; k0 < kEnd; k0 += BK) {
        barrier();
        for (uint e = lid; e < BK * D; e += 128u) {
            uint j = e / D, t = e - (e / D) * D;
            uint kj = k0 + j;
            Ks[t * BK + j] = kj < p.Lk ? BufF32(p.k).d[kBase + kj * D + t] : 0.0;
        }
        for (uint e = lid; e < BK * DV; e += 128u) {
            uint kj = k0 + e / DV;
            Vs[e] = kj < p.Lk ? BufF32(p.v).d[vBase + kj * DV + e % DV] : 0.0;
        }
        barrier();
        for (uint e = lid; e < BQ * BK; e += 128u) {
            uint i = e / BK, j = e - (e / BK) * BK;
            uint qi = q0 + i, kj = k0 + j;
            float s = -NB_INF;
            if (kj < p.Lk && qi < p.Lq && (CAUSAL == 0 || kj <= qi)) {
                float dot = 0.0;
                for (uint t = 0u; t < D; t++) dot = fma(Qs[i * D + t], Ks[t * BK + j], dot);
                s = dot * p.scale;
                if (MASK != 0) {
                    s += BufF32(p.mask).d[maskBase + qi * p.mq + kj * p.mk];
                }
            }
            S[e] = s;
        }
        barrier();
        // online softmax: every invocation of a row derives the same running max; each computes the
        // probabilities of its share of the tile's keys (into P) and keeps a partial row sum
        float tmax = -NB_INF;
        for (uint j = 0u; j < BK; j++) tmax = max(tmax, S[row * BK + j]);
        float mNew = max(m, tmax);
        bool live = mNew != -NB_INF;
        float alpha = live ? exp_acc(m - mNew) : 1.0; // m = -inf gives 0
        float part = 0.0;
        for (uint j = lane; j < BK; j += TPR) {
            float pj = live ? exp_acc(S[row * BK + j] - mNew) : 0.0;
            P[row * BK + j] = pj;
            part += pj;
        }
        l = l * alpha + part;
        barrier();
        if (live) {
            for (uint c = 0u; c < OPT; c++) o[c] *= alpha;
            for (uint j = 0u; j < BK; j++) {
                float pj = P[row * BK + j];
                for (uint c = 0u; c < OPT; c++) {
                    uint col = lane + c * TPR;
                    if (col < DV) o[c] = fma(pj, Vs[j * DV + col], o[c]);
                }
            }
            m = mNew;
        }
    }
    // the row sum from the partial sums of the row's invocations
    barrier();
    P[lid] = l;
    barrier();
    float lsum = 0.0;
    for (uint t = 0u; t < TPR; t++) lsum += P[row * TPR + t];
    if (myQ < p.Lq) {
        float inv = lsum > 0.0 ? 1.0 / lsum : 0.0;
        uint yBase = (bh * p.Lq + myQ) * DV;
        for (uint c = 0u; c < OPT; c++) {
            uint col = lane + c * TPR;
            if (col < DV) BufF32(p.y).d[yBase + col] = o[c] * inv;
        }
    }
}
