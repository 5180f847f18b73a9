// attention.cl: flash-style scaled dot-product attention.
//
// attention: one work-item per query row, BQ rows per work-group. Keys are visited in blocks of BK:
// the scores of a block are computed, the running maximum updated once per block, the accumulator
// rescaled by exp(m_old − m_new), and the block's probabilities folded into the output accumulator
// (online softmax: the Lq x Lk score matrix is never stored). With NB_LOCAL_TILES the K and V
// blocks are staged in local memory by the whole work-group (ATTN_LOCAL, on by default with
// NB_LOCAL_TILES); otherwise items read them directly.
// DQ, DV (head dims) are compile-time so q and the accumulator live in private memory.
// Causal masking skips key j > i entirely; an additive mask is read with broadcast strides (0 on
// broadcast dimensions). A row whose every key is masked to −∞ yields zeros.

#ifndef DQ
#define DQ 64
#endif
#ifndef DV
#define DV DQ
#endif
#ifndef BQ
#define BQ 8
#endif
#ifndef BK
#define BK 16
#endif
#ifndef ATTN_LOCAL
#define ATTN_LOCAL NB_LOCAL_TILES
#endif

__kernel __attribute__((reqd_work_group_size(BQ, 1, 1)))
void attention(__global const float* q, long qo, __global const float* k, long ko,
               __global const float* v, long vo, __global const float* mask, long mo,
               __global float* y, long yo, int H, int Lq, int Lk, float scale, int causal, int hasMask,
               int msb, int msh, int msi, int msj) {
    const int i = get_global_id(0);
    const int bh = get_global_id(1);
    const int b = bh / H, h = bh % H;
    const bool active = i < Lq;
    q += qo + (size_t) bh * Lq * DQ;
    k += ko + (size_t) bh * Lk * DQ;
    v += vo + (size_t) bh * Lk * DV;
    y += yo + (size_t) bh * Lq * DV;
    mask += mo + (size_t) b * msb + (size_t) h * msh + (size_t) (active ? i : 0) * msi;

    float qr[DQ];
    float acc[DV];
    for (int d = 0; d < DQ; d++) {
        qr[d] = active ? q[(size_t) i * DQ + d] : 0.0f;
    }
    for (int d = 0; d < DV; d++) {
        acc[d] = 0.0f;
    }
    float m = -INFINITY, l = 0.0f;

#if ATTN_LOCAL
    __local float ks[BK][DQ];
    __local float vs[BK][DV];
    const int lid = get_local_id(0);
    // keys the whole group needs (all items must reach the same barriers)
    int kend = Lk;
    if (causal) {
        int lastRow = min(Lq - 1, (int) (get_group_id(0) * BQ + BQ - 1));
        kend = min(Lk, lastRow + 1);
    }
#else
    int kend = causal ? min(Lk, i + 1) : Lk;
    if (!active) {
        kend = 0;
    }
#endif

    for (int j0 = 0; j0 < kend; j0 += BK) {
        const int nb = min(BK, kend - j0);
#if ATTN_LOCAL
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int e = lid; e < nb * DQ; e += BQ) {
            ks[e / DQ][e % DQ] = k[(size_t) j0 * DQ + e];
        }
        for (int e = lid; e < nb * DV; e += BQ) {
            vs[e / DV][e % DV] = v[(size_t) j0 * DV + e];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
#define KROW(jj) (ks[jj])
#define VROW(jj) (vs[jj])
#else
#define KROW(jj) (k + (size_t) (j0 + (jj)) * DQ)
#define VROW(jj) (v + (size_t) (j0 + (jj)) * DV)
#endif
        float s[BK];
        float bmax = -INFINITY;
        for (int jj = 0; jj < BK; jj++) {
            float sc = -INFINITY;
            const int j = j0 + jj;
            if (jj < nb && active && (!causal || j <= i)) {
                float dot = 0.0f;
                for (int d = 0; d < DQ; d++) {
                    dot = fma(qr[d], KROW(jj)[d], dot);
                }
                sc = dot * scale;
                if (hasMask) {
                    sc += mask[(size_t) j * msj];
                }
            }
            s[jj] = sc;
            bmax = fmax(bmax, sc);
        }
        if (bmax != -INFINITY) {
            const float mn = fmax(m, bmax);
            const float corr = exp(m - mn);
            l *= corr;
            for (int d = 0; d < DV; d++) {
                acc[d] *= corr;
            }
            for (int jj = 0; jj < nb; jj++) {
                const float p = exp(s[jj] - mn);
                l += p;
                for (int d = 0; d < DV; d++) {
                    acc[d] = fma(p, VROW(jj)[d], acc[d]);
                }
            }
            m = mn;
        }
#undef KROW
#undef VROW
    }
    if (active) {
        for (int d = 0; d < DV; d++) {
            y[(size_t) i * DV + d] = l > 0.0f ? acc[d] / l : 0.0f;
        }
    }
}
