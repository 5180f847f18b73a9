// Pool2d: max or average pooling of F32 [planes, H, W] -> [planes, OH, OW], as PyTorch's
// max_pool2d/avg_pool2d with ceil_mode=False. One thread per output element (grid-stride).
#pragma once
#include "common.cuh"

// The window of output (oy, ox) is clipped to the input once, so padded positions are never read:
// a max ignores them, an average counts them only when countPad is set (divisor kh*kw, else the
// in-bounds count). The op's padding is at most half the kernel, so every window covers an input
// element. A max propagates NaN like PyTorch ((v > m || isnan(v)); fmaxf would drop it). An
// average sums in double in the reference's order, like the CPU reference. isAvg: 0 max, 1 average.
extern "C" __global__ void nb_pool2d(const float* __restrict__ x, float* __restrict__ y, i64 planes, int H, int W,
                                     int OH, int OW, int kh, int kw, int sh, int sw, int ph, int pw,
                                     int isAvg, int countPad) {
    i64 n = planes * OH * OW;
    for (i64 i = nb_tid(); i < n; i += nb_stride()) {
        int ox = (int) (i % OW);
        i64 t = i / OW;
        int oy = (int) (t % OH);
        i64 p = t / OH;
        int ya = oy * sh - ph, xa = ox * sw - pw;
        int y0 = max(ya, 0), y1 = min(ya + kh, H);
        int x0 = max(xa, 0), x1 = min(xa + kw, W);
        const float* xp = x + p * H * W;
        float r;
        if (isAvg) {
            double s = 0.0;
            for (int iy = y0; iy < y1; iy++) {
                const float* row = xp + (i64) iy * W;
                for (int ix = x0; ix < x1; ix++) {
                    s += (double) row[ix];
                }
            }
            int count = countPad ? kh * kw : (y1 - y0) * (x1 - x0);
            r = (float) (s / (double) count);
        } else {
            r = -INFINITY;
            for (int iy = y0; iy < y1; iy++) {
                const float* row = xp + (i64) iy * W;
                for (int ix = x0; ix < x1; ix++) {
                    float v = row[ix];
                    r = (v > r || v != v) ? v : r;
                }
            }
        }
        y[i] = r;
    }
}
