// pool.cl: Pool2d, max or average over kh x kw windows of x [P, H, W] F32 (PyTorch's ceil_mode=False).
// The window geometry is kernel arguments rather than -D defines, so every Pool2d shares one program.

// One work-item per output element: (ox, p * OH + oy). The window is clipped to the input once, so
// padded positions are never read: MAX ignores them, AVG counts them only through `includePad`.
// isAvg: 0 max, 1 average. The average sums in float like the CPU backend (at most kh*kw terms).
__kernel void pool2d(__global const float* x, long xo, __global float* y, long yo, int P, int H, int W,
                     int OH, int OW, int kh, int kw, int sh, int sw, int ph, int pw, int isAvg, int includePad) {
    const int ox = get_global_id(0);
    const int r = get_global_id(1); // p * OH + oy
    if (ox >= OW || r >= P * OH) {
        return;
    }
    const int p = r / OH, oy = r % OH;
    const int ya = oy * sh - ph, xa = ox * sw - pw;
    const int y0 = max(ya, 0), y1 = min(ya + kh, H);
    const int x0 = max(xa, 0), x1 = min(xa + kw, W);
    const __global float* xp = x + xo + (size_t) p * H * W;
    float acc = isAvg ? 0.0f : -INFINITY;
    for (int iy = y0; iy < y1; iy++) {
        const __global float* row = xp + (size_t) iy * W;
        for (int ix = x0; ix < x1; ix++) {
            const float v = row[ix];
            // NaN wins a max, as in PyTorch (fmax would drop it).
            acc = isAvg ? acc + v : ((v > acc || isnan(v)) ? v : acc);
        }
    }
    if (isAvg) {
        acc /= (float) (includePad ? kh * kw : (y1 - y0) * (x1 - x0));
    }
    y[yo + (size_t) r * OW + ox] = acc;
}
