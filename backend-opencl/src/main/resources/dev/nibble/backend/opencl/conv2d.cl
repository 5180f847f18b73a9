// conv2d.cl: direct NCHW convolution, groups = 1, dilation 1, asymmetric zero padding.
// x [B, C, H, W] F32; w [O, C, KH, KW] of storage type WT; bias [O] any float type (runtime bdt).
// Each work-item computes OCB output channels x OXB consecutive output columns of one output row
// (register blocking: every loaded input value feeds OCB FMAs, every weight OXB).

#ifndef WT
#define WT 0
#endif
#define W_T NB_CAT(NB_T_, WT)
#define LDW1 NB_CAT(NB_LD1_, WT)
#ifndef OCB
#define OCB 4
#endif
#ifndef OXB
#define OXB 4
#endif

__kernel void conv2d_rb(__global const float* x, long xo, __global const W_T* w, long wo,
                        __global const uchar* b, long bo, int bdt, __global float* y, long yo,
                        int B, int C, int H, int W, int O, int KH, int KW, int OH, int OW,
                        int sh, int sw, int pt, int pl, int hasBias) {
    const int ox0 = get_global_id(0) * OXB;
    const int oc0 = get_global_id(1) * OCB;
    const int z = get_global_id(2);
    if (ox0 >= OW || oc0 >= O || z >= B * OH) {
        return;
    }
    x += xo;
    w += wo;
    b += bo;
    y += yo;
    const int n = z / OH, oy = z % OH;
    float acc[OCB][OXB];
    for (int c = 0; c < OCB; c++) {
        for (int t = 0; t < OXB; t++) {
            acc[c][t] = 0.0f;
        }
    }
    const size_t wStrideO = (size_t) C * KH * KW;
    for (int ic = 0; ic < C; ic++) {
        const __global float* xp = x + ((size_t) n * C + ic) * H * W;
        for (int ky = 0; ky < KH; ky++) {
            const int iy = oy * sh - pt + ky;
            if (iy < 0 || iy >= H) {
                continue;
            }
            const __global float* xrow = xp + (size_t) iy * W;
            const size_t wk = ((size_t) ic * KH + ky) * KW;
            for (int kx = 0; kx < KW; kx++) {
                float xv[OXB];
                for (int t = 0; t < OXB; t++) {
                    int ix = (ox0 + t) * sw - pl + kx;
                    xv[t] = (ix >= 0 && ix < W) ? xrow[ix] : 0.0f;
                }
                for (int c = 0; c < OCB; c++) {
                    float wv = LDW1(w, (size_t) min(oc0 + c, O - 1) * wStrideO + wk + kx);
                    for (int t = 0; t < OXB; t++) {
                        acc[c][t] = fma(xv[t], wv, acc[c][t]);
                    }
                }
            }
        }
    }
    for (int c = 0; c < OCB; c++) {
        int oc = oc0 + c;
        if (oc < O) {
            float bias = hasBias ? nb_ldf(b, bdt, oc) : 0.0f;
            __global float* yrow = y + (((size_t) n * O + oc) * OH + oy) * OW;
            for (int t = 0; t < OXB; t++) {
                if (ox0 + t < OW) {
                    yrow[ox0 + t] = acc[c][t] + bias;
                }
            }
        }
    }
}
