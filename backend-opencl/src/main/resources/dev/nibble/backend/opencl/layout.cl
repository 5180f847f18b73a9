// layout.cl: data movement. Copy, Reshape, Slice and Concat are strided row copies of bytes (any
// dtype of whole bytes); Permute is typed by element size; Upsample2x and Pad are F32.

// rows x rowBytes bytes: src row r at r*srcStride, dst row r at r*dstStride (offsets in bytes).
// Work-item (i, r) copies 16 bytes of row r at i*16.
__kernel void copy_rows(__global const uchar* src, long so, __global uchar* dst, long dof,
                        long srcStride, long dstStride, int rowBytes, int rows) {
    const int i = get_global_id(0) * 16;
    const int r = get_global_id(1);
    if (i >= rowBytes || r >= rows) {
        return;
    }
    const __global uchar* s = src + so + (size_t) r * srcStride;
    __global uchar* d = dst + dof + (size_t) r * dstStride;
    if (i + 16 <= rowBytes) {
        vstore16(vload16(0, s + i), 0, d + i);
    } else {
        for (int j = i; j < rowBytes; j++) {
            d[j] = s[j];
        }
    }
}

// Permute over the output shape collapsed to `rank` dims: odims[] and the input stride of each
// output dim istr[]. Work-item (i, o): 4 elements of the innermost output dim.
#define NB_PERMUTE(NAME, T)                                                                        \
__kernel void NAME(__global const T* x, long xo, __global T* y, long yo, int rank, int8 od8, int8 is8) { \
    const int dl[8] = {od8.s0, od8.s1, od8.s2, od8.s3, od8.s4, od8.s5, od8.s6, od8.s7};           \
    const int sl[8] = {is8.s0, is8.s1, is8.s2, is8.s3, is8.s4, is8.s5, is8.s6, is8.s7};           \
    const int inner = dl[rank - 1];                                                                \
    const int i = get_global_id(0) * 4;                                                            \
    int o = get_global_id(1);                                                                      \
    if (i >= inner) {                                                                              \
        return;                                                                                    \
    }                                                                                              \
    const size_t yoff = (size_t) o * inner;                                                        \
    size_t px = 0;                                                                                 \
    for (int d = rank - 2; d >= 0; d--) {                                                          \
        int c = o % dl[d];                                                                         \
        o /= dl[d];                                                                                \
        px += (size_t) c * sl[d];                                                                  \
    }                                                                                              \
    if (o > 0) {                                                                                   \
        return;                                                                                    \
    }                                                                                              \
    const int s = sl[rank - 1];                                                                    \
    x += xo + px;                                                                                  \
    y += yo + yoff;                                                                                \
    for (int j = i; j < min(i + 4, inner); j++) {                                                  \
        y[j] = x[(size_t) j * s];                                                                  \
    }                                                                                              \
}

NB_PERMUTE(permute1, uchar)
NB_PERMUTE(permute2, ushort)
NB_PERMUTE(permute4, uint)
NB_PERMUTE(permute8, ulong)

// nearest-neighbour 2x: one work-item per input element writes its 2x2 block. x [P, H, W].
__kernel void upsample2x(__global const float* x, long xo, __global float* y, long yo, int P, int H, int W) {
    const int ix = get_global_id(0);
    const int r = get_global_id(1); // p * H + iy
    if (ix >= W || r >= P * H) {
        return;
    }
    const int p = r / H, iy = r % H;
    const float v = x[xo + (size_t) r * W + ix];
    __global float* y0 = y + yo + ((size_t) p * 2 * H + 2 * iy) * 2 * W + 2 * ix;
    vstore2((float2) (v), 0, y0);
    vstore2((float2) (v), 0, y0 + 2 * W);
}

// constant padding over `rank` dims (<= 8): output dims od[], input dims id[], `before` offsets bf[];
// work-item (i, o): 4 elements of the innermost output dim for outer output index o.
__kernel void pad(__global const float* x, long xo, __global float* y, long yo, int rank,
                  int8 od8, int8 id8, int8 bf8, float value) {
    const int odl[8] = {od8.s0, od8.s1, od8.s2, od8.s3, od8.s4, od8.s5, od8.s6, od8.s7};
    const int idl[8] = {id8.s0, id8.s1, id8.s2, id8.s3, id8.s4, id8.s5, id8.s6, id8.s7};
    const int bfl[8] = {bf8.s0, bf8.s1, bf8.s2, bf8.s3, bf8.s4, bf8.s5, bf8.s6, bf8.s7};
    const int inner = odl[rank - 1];
    const int i = get_global_id(0) * 4;
    int o = get_global_id(1);
    if (i >= inner) {
        return;
    }
    const size_t yoff = (size_t) o * inner;
    size_t px = 0, stride = idl[rank - 1];
    bool inside = true;
    for (int d = rank - 2; d >= 0; d--) {
        int c = o % odl[d] - bfl[d];
        o /= odl[d];
        inside = inside && c >= 0 && c < idl[d];
        px += (size_t) max(c, 0) * stride;
        stride *= idl[d];
    }
    if (o > 0) {
        return;
    }
    y += yo + yoff;
    x += xo + px;
    const int il = idl[rank - 1], bl = bfl[rank - 1];
    for (int j = i; j < min(i + 4, inner); j++) {
        const int c = j - bl;
        y[j] = (inside && c >= 0 && c < il) ? x[c] : value;
    }
}
