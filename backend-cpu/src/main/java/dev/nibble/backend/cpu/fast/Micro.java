package dev.nibble.backend.cpu.fast;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Register-blocked GEMM micro-kernels: an R×32 tile of C = A·B over kc steps, A packed as kc rows
 * of R floats, B packed as kc rows of 32 values (F32, or BF16 with column j in the low half and
 * column j+16 in the high half of 32-bit lane j, widened by a shift and a mask). R·2 accumulators
 * stay in zmm registers; the tile goes to a small heap array, which {@link Gemm} merges into C.
 * Written out by hand-unrolled code (no arrays of vectors) so C2 keeps everything in registers.
 */
final class Micro {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
    static final VectorSpecies<Integer> SI = IntVector.SPECIES_512;
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);
    private static final int HI_MASK = 0xFFFF0000;

    private Micro() {
    }

    /** 1×32 tile of A[kc][1] · B[kc][32] (F32), written (not added) to {@code t} rows of 32. */
    static void f32x1(int kc, MemorySegment a, long aOff, MemorySegment b, long bOff, float[] t) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z;
        for (int k = 0; k < kc; k++) {
            FloatVector b0 = FloatVector.fromMemorySegment(S, b, bOff, LE);
            FloatVector b1 = FloatVector.fromMemorySegment(S, b, bOff + 64, LE);
            FloatVector a0 = FloatVector.broadcast(S, a.get(F, aOff + 0));
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            aOff += 4;
            bOff += 128;
        }
        c00.intoArray(t, 0);
        c01.intoArray(t, 16);
    }

    /** 1×32 tile of A[kc][1] · B[kc][32] (BF16 pairs), written (not added) to {@code t} rows of 32. */
    static void bf16x1(int kc, MemorySegment a, long aOff, MemorySegment b, long bOff, float[] t) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z;
        for (int k = 0; k < kc; k++) {
            IntVector bi = IntVector.fromMemorySegment(SI, b, bOff, LE);
            FloatVector b0 = bi.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector b1 = bi.and(HI_MASK).reinterpretAsFloats();
            FloatVector a0 = FloatVector.broadcast(S, a.get(F, aOff + 0));
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            aOff += 4;
            bOff += 64;
        }
        c00.intoArray(t, 0);
        c01.intoArray(t, 16);
    }

    /** 4×32 tile of A[kc][4] · B[kc][32] (F32), written (not added) to {@code t} rows of 32. */
    static void f32x4(int kc, MemorySegment a, long aOff, MemorySegment b, long bOff, float[] t) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z;
        FloatVector c10 = z, c11 = z;
        FloatVector c20 = z, c21 = z;
        FloatVector c30 = z, c31 = z;
        for (int k = 0; k < kc; k++) {
            FloatVector b0 = FloatVector.fromMemorySegment(S, b, bOff, LE);
            FloatVector b1 = FloatVector.fromMemorySegment(S, b, bOff + 64, LE);
            FloatVector a0 = FloatVector.broadcast(S, a.get(F, aOff + 0));
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, a.get(F, aOff + 4));
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, a.get(F, aOff + 8));
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, a.get(F, aOff + 12));
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            aOff += 16;
            bOff += 128;
        }
        c00.intoArray(t, 0);
        c01.intoArray(t, 16);
        c10.intoArray(t, 32);
        c11.intoArray(t, 48);
        c20.intoArray(t, 64);
        c21.intoArray(t, 80);
        c30.intoArray(t, 96);
        c31.intoArray(t, 112);
    }

    /** 4×32 tile of A[kc][4] · B[kc][32] (BF16 pairs), written (not added) to {@code t} rows of 32. */
    static void bf16x4(int kc, MemorySegment a, long aOff, MemorySegment b, long bOff, float[] t) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z;
        FloatVector c10 = z, c11 = z;
        FloatVector c20 = z, c21 = z;
        FloatVector c30 = z, c31 = z;
        for (int k = 0; k < kc; k++) {
            IntVector bi = IntVector.fromMemorySegment(SI, b, bOff, LE);
            FloatVector b0 = bi.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector b1 = bi.and(HI_MASK).reinterpretAsFloats();
            FloatVector a0 = FloatVector.broadcast(S, a.get(F, aOff + 0));
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, a.get(F, aOff + 4));
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, a.get(F, aOff + 8));
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, a.get(F, aOff + 12));
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            aOff += 16;
            bOff += 64;
        }
        c00.intoArray(t, 0);
        c01.intoArray(t, 16);
        c10.intoArray(t, 32);
        c11.intoArray(t, 48);
        c20.intoArray(t, 64);
        c21.intoArray(t, 80);
        c30.intoArray(t, 96);
        c31.intoArray(t, 112);
    }

    /** 6×32 tile of A[kc][6] · B[kc][32] (F32), written (not added) to {@code t} rows of 32. */
    static void f32x6(int kc, MemorySegment a, long aOff, MemorySegment b, long bOff, float[] t) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z;
        FloatVector c10 = z, c11 = z;
        FloatVector c20 = z, c21 = z;
        FloatVector c30 = z, c31 = z;
        FloatVector c40 = z, c41 = z;
        FloatVector c50 = z, c51 = z;
        for (int k = 0; k < kc; k++) {
            FloatVector b0 = FloatVector.fromMemorySegment(S, b, bOff, LE);
            FloatVector b1 = FloatVector.fromMemorySegment(S, b, bOff + 64, LE);
            FloatVector a0 = FloatVector.broadcast(S, a.get(F, aOff + 0));
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, a.get(F, aOff + 4));
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, a.get(F, aOff + 8));
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, a.get(F, aOff + 12));
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, a.get(F, aOff + 16));
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, a.get(F, aOff + 20));
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            aOff += 24;
            bOff += 128;
        }
        c00.intoArray(t, 0);
        c01.intoArray(t, 16);
        c10.intoArray(t, 32);
        c11.intoArray(t, 48);
        c20.intoArray(t, 64);
        c21.intoArray(t, 80);
        c30.intoArray(t, 96);
        c31.intoArray(t, 112);
        c40.intoArray(t, 128);
        c41.intoArray(t, 144);
        c50.intoArray(t, 160);
        c51.intoArray(t, 176);
    }

    /** 6×32 tile of A[kc][6] · B[kc][32] (BF16 pairs), written (not added) to {@code t} rows of 32. */
    static void bf16x6(int kc, MemorySegment a, long aOff, MemorySegment b, long bOff, float[] t) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z;
        FloatVector c10 = z, c11 = z;
        FloatVector c20 = z, c21 = z;
        FloatVector c30 = z, c31 = z;
        FloatVector c40 = z, c41 = z;
        FloatVector c50 = z, c51 = z;
        for (int k = 0; k < kc; k++) {
            IntVector bi = IntVector.fromMemorySegment(SI, b, bOff, LE);
            FloatVector b0 = bi.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector b1 = bi.and(HI_MASK).reinterpretAsFloats();
            FloatVector a0 = FloatVector.broadcast(S, a.get(F, aOff + 0));
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, a.get(F, aOff + 4));
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, a.get(F, aOff + 8));
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, a.get(F, aOff + 12));
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, a.get(F, aOff + 16));
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, a.get(F, aOff + 20));
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            aOff += 24;
            bOff += 64;
        }
        c00.intoArray(t, 0);
        c01.intoArray(t, 16);
        c10.intoArray(t, 32);
        c11.intoArray(t, 48);
        c20.intoArray(t, 64);
        c21.intoArray(t, 80);
        c30.intoArray(t, 96);
        c31.intoArray(t, 112);
        c40.intoArray(t, 128);
        c41.intoArray(t, 144);
        c50.intoArray(t, 160);
        c51.intoArray(t, 176);
    }

    /** 8×32 tile of A[kc][8] · B[kc][32] (F32), written (not added) to {@code t} rows of 32. */
    static void f32x8(int kc, MemorySegment a, long aOff, MemorySegment b, long bOff, float[] t) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z;
        FloatVector c10 = z, c11 = z;
        FloatVector c20 = z, c21 = z;
        FloatVector c30 = z, c31 = z;
        FloatVector c40 = z, c41 = z;
        FloatVector c50 = z, c51 = z;
        FloatVector c60 = z, c61 = z;
        FloatVector c70 = z, c71 = z;
        for (int k = 0; k < kc; k++) {
            FloatVector b0 = FloatVector.fromMemorySegment(S, b, bOff, LE);
            FloatVector b1 = FloatVector.fromMemorySegment(S, b, bOff + 64, LE);
            FloatVector a0 = FloatVector.broadcast(S, a.get(F, aOff + 0));
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, a.get(F, aOff + 4));
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, a.get(F, aOff + 8));
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, a.get(F, aOff + 12));
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, a.get(F, aOff + 16));
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, a.get(F, aOff + 20));
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            FloatVector a6 = FloatVector.broadcast(S, a.get(F, aOff + 24));
            c60 = a6.fma(b0, c60);
            c61 = a6.fma(b1, c61);
            FloatVector a7 = FloatVector.broadcast(S, a.get(F, aOff + 28));
            c70 = a7.fma(b0, c70);
            c71 = a7.fma(b1, c71);
            aOff += 32;
            bOff += 128;
        }
        c00.intoArray(t, 0);
        c01.intoArray(t, 16);
        c10.intoArray(t, 32);
        c11.intoArray(t, 48);
        c20.intoArray(t, 64);
        c21.intoArray(t, 80);
        c30.intoArray(t, 96);
        c31.intoArray(t, 112);
        c40.intoArray(t, 128);
        c41.intoArray(t, 144);
        c50.intoArray(t, 160);
        c51.intoArray(t, 176);
        c60.intoArray(t, 192);
        c61.intoArray(t, 208);
        c70.intoArray(t, 224);
        c71.intoArray(t, 240);
    }

    /** 8×32 tile of A[kc][8] · B[kc][32] (BF16 pairs), written (not added) to {@code t} rows of 32. */
    static void bf16x8(int kc, MemorySegment a, long aOff, MemorySegment b, long bOff, float[] t) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z;
        FloatVector c10 = z, c11 = z;
        FloatVector c20 = z, c21 = z;
        FloatVector c30 = z, c31 = z;
        FloatVector c40 = z, c41 = z;
        FloatVector c50 = z, c51 = z;
        FloatVector c60 = z, c61 = z;
        FloatVector c70 = z, c71 = z;
        for (int k = 0; k < kc; k++) {
            IntVector bi = IntVector.fromMemorySegment(SI, b, bOff, LE);
            FloatVector b0 = bi.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector b1 = bi.and(HI_MASK).reinterpretAsFloats();
            FloatVector a0 = FloatVector.broadcast(S, a.get(F, aOff + 0));
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, a.get(F, aOff + 4));
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, a.get(F, aOff + 8));
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, a.get(F, aOff + 12));
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, a.get(F, aOff + 16));
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, a.get(F, aOff + 20));
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            FloatVector a6 = FloatVector.broadcast(S, a.get(F, aOff + 24));
            c60 = a6.fma(b0, c60);
            c61 = a6.fma(b1, c61);
            FloatVector a7 = FloatVector.broadcast(S, a.get(F, aOff + 28));
            c70 = a7.fma(b0, c70);
            c71 = a7.fma(b1, c71);
            aOff += 32;
            bOff += 64;
        }
        c00.intoArray(t, 0);
        c01.intoArray(t, 16);
        c10.intoArray(t, 32);
        c11.intoArray(t, 48);
        c20.intoArray(t, 64);
        c21.intoArray(t, 80);
        c30.intoArray(t, 96);
        c31.intoArray(t, 112);
        c40.intoArray(t, 128);
        c41.intoArray(t, 144);
        c50.intoArray(t, 160);
        c51.intoArray(t, 176);
        c60.intoArray(t, 192);
        c61.intoArray(t, 208);
        c70.intoArray(t, 224);
        c71.intoArray(t, 240);
    }

    /** 12×32 tile of A[kc][12] · B[kc][32] (F32), written (not added) to {@code t} rows of 32. */
    static void f32x12(int kc, MemorySegment a, long aOff, MemorySegment b, long bOff, float[] t) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z;
        FloatVector c10 = z, c11 = z;
        FloatVector c20 = z, c21 = z;
        FloatVector c30 = z, c31 = z;
        FloatVector c40 = z, c41 = z;
        FloatVector c50 = z, c51 = z;
        FloatVector c60 = z, c61 = z;
        FloatVector c70 = z, c71 = z;
        FloatVector c80 = z, c81 = z;
        FloatVector c90 = z, c91 = z;
        FloatVector c100 = z, c101 = z;
        FloatVector c110 = z, c111 = z;
        for (int k = 0; k < kc; k++) {
            FloatVector b0 = FloatVector.fromMemorySegment(S, b, bOff, LE);
            FloatVector b1 = FloatVector.fromMemorySegment(S, b, bOff + 64, LE);
            FloatVector a0 = FloatVector.broadcast(S, a.get(F, aOff + 0));
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, a.get(F, aOff + 4));
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, a.get(F, aOff + 8));
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, a.get(F, aOff + 12));
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, a.get(F, aOff + 16));
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, a.get(F, aOff + 20));
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            FloatVector a6 = FloatVector.broadcast(S, a.get(F, aOff + 24));
            c60 = a6.fma(b0, c60);
            c61 = a6.fma(b1, c61);
            FloatVector a7 = FloatVector.broadcast(S, a.get(F, aOff + 28));
            c70 = a7.fma(b0, c70);
            c71 = a7.fma(b1, c71);
            FloatVector a8 = FloatVector.broadcast(S, a.get(F, aOff + 32));
            c80 = a8.fma(b0, c80);
            c81 = a8.fma(b1, c81);
            FloatVector a9 = FloatVector.broadcast(S, a.get(F, aOff + 36));
            c90 = a9.fma(b0, c90);
            c91 = a9.fma(b1, c91);
            FloatVector a10 = FloatVector.broadcast(S, a.get(F, aOff + 40));
            c100 = a10.fma(b0, c100);
            c101 = a10.fma(b1, c101);
            FloatVector a11 = FloatVector.broadcast(S, a.get(F, aOff + 44));
            c110 = a11.fma(b0, c110);
            c111 = a11.fma(b1, c111);
            aOff += 48;
            bOff += 128;
        }
        c00.intoArray(t, 0);
        c01.intoArray(t, 16);
        c10.intoArray(t, 32);
        c11.intoArray(t, 48);
        c20.intoArray(t, 64);
        c21.intoArray(t, 80);
        c30.intoArray(t, 96);
        c31.intoArray(t, 112);
        c40.intoArray(t, 128);
        c41.intoArray(t, 144);
        c50.intoArray(t, 160);
        c51.intoArray(t, 176);
        c60.intoArray(t, 192);
        c61.intoArray(t, 208);
        c70.intoArray(t, 224);
        c71.intoArray(t, 240);
        c80.intoArray(t, 256);
        c81.intoArray(t, 272);
        c90.intoArray(t, 288);
        c91.intoArray(t, 304);
        c100.intoArray(t, 320);
        c101.intoArray(t, 336);
        c110.intoArray(t, 352);
        c111.intoArray(t, 368);
    }

    /** 12×32 tile of A[kc][12] · B[kc][32] (BF16 pairs), written (not added) to {@code t} rows of 32. */
    static void bf16x12(int kc, MemorySegment a, long aOff, MemorySegment b, long bOff, float[] t) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z;
        FloatVector c10 = z, c11 = z;
        FloatVector c20 = z, c21 = z;
        FloatVector c30 = z, c31 = z;
        FloatVector c40 = z, c41 = z;
        FloatVector c50 = z, c51 = z;
        FloatVector c60 = z, c61 = z;
        FloatVector c70 = z, c71 = z;
        FloatVector c80 = z, c81 = z;
        FloatVector c90 = z, c91 = z;
        FloatVector c100 = z, c101 = z;
        FloatVector c110 = z, c111 = z;
        for (int k = 0; k < kc; k++) {
            IntVector bi = IntVector.fromMemorySegment(SI, b, bOff, LE);
            FloatVector b0 = bi.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector b1 = bi.and(HI_MASK).reinterpretAsFloats();
            FloatVector a0 = FloatVector.broadcast(S, a.get(F, aOff + 0));
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, a.get(F, aOff + 4));
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, a.get(F, aOff + 8));
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, a.get(F, aOff + 12));
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, a.get(F, aOff + 16));
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, a.get(F, aOff + 20));
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            FloatVector a6 = FloatVector.broadcast(S, a.get(F, aOff + 24));
            c60 = a6.fma(b0, c60);
            c61 = a6.fma(b1, c61);
            FloatVector a7 = FloatVector.broadcast(S, a.get(F, aOff + 28));
            c70 = a7.fma(b0, c70);
            c71 = a7.fma(b1, c71);
            FloatVector a8 = FloatVector.broadcast(S, a.get(F, aOff + 32));
            c80 = a8.fma(b0, c80);
            c81 = a8.fma(b1, c81);
            FloatVector a9 = FloatVector.broadcast(S, a.get(F, aOff + 36));
            c90 = a9.fma(b0, c90);
            c91 = a9.fma(b1, c91);
            FloatVector a10 = FloatVector.broadcast(S, a.get(F, aOff + 40));
            c100 = a10.fma(b0, c100);
            c101 = a10.fma(b1, c101);
            FloatVector a11 = FloatVector.broadcast(S, a.get(F, aOff + 44));
            c110 = a11.fma(b0, c110);
            c111 = a11.fma(b1, c111);
            aOff += 48;
            bOff += 64;
        }
        c00.intoArray(t, 0);
        c01.intoArray(t, 16);
        c10.intoArray(t, 32);
        c11.intoArray(t, 48);
        c20.intoArray(t, 64);
        c21.intoArray(t, 80);
        c30.intoArray(t, 96);
        c31.intoArray(t, 112);
        c40.intoArray(t, 128);
        c41.intoArray(t, 144);
        c50.intoArray(t, 160);
        c51.intoArray(t, 176);
        c60.intoArray(t, 192);
        c61.intoArray(t, 208);
        c70.intoArray(t, 224);
        c71.intoArray(t, 240);
        c80.intoArray(t, 256);
        c81.intoArray(t, 272);
        c90.intoArray(t, 288);
        c91.intoArray(t, 304);
        c100.intoArray(t, 320);
        c101.intoArray(t, 336);
        c110.intoArray(t, 352);
        c111.intoArray(t, 368);
    }

    /** 1×32 tile of A · B, A row-major on the heap (row stride lda), B as 32-wide F32 rows; tile to t[tOff + i·ldt + j]. */
    static void f32h1(int kc, float[] a, int aOff, int lda, MemorySegment b, long bOff, float[] t, int tOff, int ldt) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z;
        int r0 = aOff + 0 * lda;
        for (int k = 0; k < kc; k++) {
            FloatVector b0 = FloatVector.fromMemorySegment(S, b, bOff, LE);
            FloatVector b1 = FloatVector.fromMemorySegment(S, b, bOff + 64, LE);
            FloatVector a0 = FloatVector.broadcast(S, a[r0 + k]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            bOff += 128;
        }
        c00.intoArray(t, tOff + 0 * ldt);
        c01.intoArray(t, tOff + 0 * ldt + 16);
    }

    /** 4×32 tile of A · B, A row-major on the heap (row stride lda), B as 32-wide F32 rows; tile to t[tOff + i·ldt + j]. */
    static void f32h4(int kc, float[] a, int aOff, int lda, MemorySegment b, long bOff, float[] t, int tOff, int ldt) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z;
        FloatVector c10 = z, c11 = z;
        FloatVector c20 = z, c21 = z;
        FloatVector c30 = z, c31 = z;
        int r0 = aOff + 0 * lda;
        int r1 = aOff + 1 * lda;
        int r2 = aOff + 2 * lda;
        int r3 = aOff + 3 * lda;
        for (int k = 0; k < kc; k++) {
            FloatVector b0 = FloatVector.fromMemorySegment(S, b, bOff, LE);
            FloatVector b1 = FloatVector.fromMemorySegment(S, b, bOff + 64, LE);
            FloatVector a0 = FloatVector.broadcast(S, a[r0 + k]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, a[r1 + k]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, a[r2 + k]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, a[r3 + k]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            bOff += 128;
        }
        c00.intoArray(t, tOff + 0 * ldt);
        c01.intoArray(t, tOff + 0 * ldt + 16);
        c10.intoArray(t, tOff + 1 * ldt);
        c11.intoArray(t, tOff + 1 * ldt + 16);
        c20.intoArray(t, tOff + 2 * ldt);
        c21.intoArray(t, tOff + 2 * ldt + 16);
        c30.intoArray(t, tOff + 3 * ldt);
        c31.intoArray(t, tOff + 3 * ldt + 16);
    }

    /** 6×32 tile of A · B, A row-major on the heap (row stride lda), B as 32-wide F32 rows; tile to t[tOff + i·ldt + j]. */
    static void f32h6(int kc, float[] a, int aOff, int lda, MemorySegment b, long bOff, float[] t, int tOff, int ldt) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z;
        FloatVector c10 = z, c11 = z;
        FloatVector c20 = z, c21 = z;
        FloatVector c30 = z, c31 = z;
        FloatVector c40 = z, c41 = z;
        FloatVector c50 = z, c51 = z;
        int r0 = aOff + 0 * lda;
        int r1 = aOff + 1 * lda;
        int r2 = aOff + 2 * lda;
        int r3 = aOff + 3 * lda;
        int r4 = aOff + 4 * lda;
        int r5 = aOff + 5 * lda;
        for (int k = 0; k < kc; k++) {
            FloatVector b0 = FloatVector.fromMemorySegment(S, b, bOff, LE);
            FloatVector b1 = FloatVector.fromMemorySegment(S, b, bOff + 64, LE);
            FloatVector a0 = FloatVector.broadcast(S, a[r0 + k]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, a[r1 + k]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, a[r2 + k]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, a[r3 + k]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, a[r4 + k]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, a[r5 + k]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            bOff += 128;
        }
        c00.intoArray(t, tOff + 0 * ldt);
        c01.intoArray(t, tOff + 0 * ldt + 16);
        c10.intoArray(t, tOff + 1 * ldt);
        c11.intoArray(t, tOff + 1 * ldt + 16);
        c20.intoArray(t, tOff + 2 * ldt);
        c21.intoArray(t, tOff + 2 * ldt + 16);
        c30.intoArray(t, tOff + 3 * ldt);
        c31.intoArray(t, tOff + 3 * ldt + 16);
        c40.intoArray(t, tOff + 4 * ldt);
        c41.intoArray(t, tOff + 4 * ldt + 16);
        c50.intoArray(t, tOff + 5 * ldt);
        c51.intoArray(t, tOff + 5 * ldt + 16);
    }

    /** 8×32 tile of A · B, A row-major on the heap (row stride lda), B as 32-wide F32 rows; tile to t[tOff + i·ldt + j]. */
    static void f32h8(int kc, float[] a, int aOff, int lda, MemorySegment b, long bOff, float[] t, int tOff, int ldt) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z;
        FloatVector c10 = z, c11 = z;
        FloatVector c20 = z, c21 = z;
        FloatVector c30 = z, c31 = z;
        FloatVector c40 = z, c41 = z;
        FloatVector c50 = z, c51 = z;
        FloatVector c60 = z, c61 = z;
        FloatVector c70 = z, c71 = z;
        int r0 = aOff + 0 * lda;
        int r1 = aOff + 1 * lda;
        int r2 = aOff + 2 * lda;
        int r3 = aOff + 3 * lda;
        int r4 = aOff + 4 * lda;
        int r5 = aOff + 5 * lda;
        int r6 = aOff + 6 * lda;
        int r7 = aOff + 7 * lda;
        for (int k = 0; k < kc; k++) {
            FloatVector b0 = FloatVector.fromMemorySegment(S, b, bOff, LE);
            FloatVector b1 = FloatVector.fromMemorySegment(S, b, bOff + 64, LE);
            FloatVector a0 = FloatVector.broadcast(S, a[r0 + k]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, a[r1 + k]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, a[r2 + k]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, a[r3 + k]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, a[r4 + k]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, a[r5 + k]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            FloatVector a6 = FloatVector.broadcast(S, a[r6 + k]);
            c60 = a6.fma(b0, c60);
            c61 = a6.fma(b1, c61);
            FloatVector a7 = FloatVector.broadcast(S, a[r7 + k]);
            c70 = a7.fma(b0, c70);
            c71 = a7.fma(b1, c71);
            bOff += 128;
        }
        c00.intoArray(t, tOff + 0 * ldt);
        c01.intoArray(t, tOff + 0 * ldt + 16);
        c10.intoArray(t, tOff + 1 * ldt);
        c11.intoArray(t, tOff + 1 * ldt + 16);
        c20.intoArray(t, tOff + 2 * ldt);
        c21.intoArray(t, tOff + 2 * ldt + 16);
        c30.intoArray(t, tOff + 3 * ldt);
        c31.intoArray(t, tOff + 3 * ldt + 16);
        c40.intoArray(t, tOff + 4 * ldt);
        c41.intoArray(t, tOff + 4 * ldt + 16);
        c50.intoArray(t, tOff + 5 * ldt);
        c51.intoArray(t, tOff + 5 * ldt + 16);
        c60.intoArray(t, tOff + 6 * ldt);
        c61.intoArray(t, tOff + 6 * ldt + 16);
        c70.intoArray(t, tOff + 7 * ldt);
        c71.intoArray(t, tOff + 7 * ldt + 16);
    }

    /** 12×32 tile of A · B, A row-major on the heap (row stride lda), B as 32-wide F32 rows; tile to t[tOff + i·ldt + j]. */
    static void f32h12(int kc, float[] a, int aOff, int lda, MemorySegment b, long bOff, float[] t, int tOff, int ldt) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z;
        FloatVector c10 = z, c11 = z;
        FloatVector c20 = z, c21 = z;
        FloatVector c30 = z, c31 = z;
        FloatVector c40 = z, c41 = z;
        FloatVector c50 = z, c51 = z;
        FloatVector c60 = z, c61 = z;
        FloatVector c70 = z, c71 = z;
        FloatVector c80 = z, c81 = z;
        FloatVector c90 = z, c91 = z;
        FloatVector c100 = z, c101 = z;
        FloatVector c110 = z, c111 = z;
        int r0 = aOff + 0 * lda;
        int r1 = aOff + 1 * lda;
        int r2 = aOff + 2 * lda;
        int r3 = aOff + 3 * lda;
        int r4 = aOff + 4 * lda;
        int r5 = aOff + 5 * lda;
        int r6 = aOff + 6 * lda;
        int r7 = aOff + 7 * lda;
        int r8 = aOff + 8 * lda;
        int r9 = aOff + 9 * lda;
        int r10 = aOff + 10 * lda;
        int r11 = aOff + 11 * lda;
        for (int k = 0; k < kc; k++) {
            FloatVector b0 = FloatVector.fromMemorySegment(S, b, bOff, LE);
            FloatVector b1 = FloatVector.fromMemorySegment(S, b, bOff + 64, LE);
            FloatVector a0 = FloatVector.broadcast(S, a[r0 + k]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, a[r1 + k]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, a[r2 + k]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, a[r3 + k]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, a[r4 + k]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, a[r5 + k]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            FloatVector a6 = FloatVector.broadcast(S, a[r6 + k]);
            c60 = a6.fma(b0, c60);
            c61 = a6.fma(b1, c61);
            FloatVector a7 = FloatVector.broadcast(S, a[r7 + k]);
            c70 = a7.fma(b0, c70);
            c71 = a7.fma(b1, c71);
            FloatVector a8 = FloatVector.broadcast(S, a[r8 + k]);
            c80 = a8.fma(b0, c80);
            c81 = a8.fma(b1, c81);
            FloatVector a9 = FloatVector.broadcast(S, a[r9 + k]);
            c90 = a9.fma(b0, c90);
            c91 = a9.fma(b1, c91);
            FloatVector a10 = FloatVector.broadcast(S, a[r10 + k]);
            c100 = a10.fma(b0, c100);
            c101 = a10.fma(b1, c101);
            FloatVector a11 = FloatVector.broadcast(S, a[r11 + k]);
            c110 = a11.fma(b0, c110);
            c111 = a11.fma(b1, c111);
            bOff += 128;
        }
        c00.intoArray(t, tOff + 0 * ldt);
        c01.intoArray(t, tOff + 0 * ldt + 16);
        c10.intoArray(t, tOff + 1 * ldt);
        c11.intoArray(t, tOff + 1 * ldt + 16);
        c20.intoArray(t, tOff + 2 * ldt);
        c21.intoArray(t, tOff + 2 * ldt + 16);
        c30.intoArray(t, tOff + 3 * ldt);
        c31.intoArray(t, tOff + 3 * ldt + 16);
        c40.intoArray(t, tOff + 4 * ldt);
        c41.intoArray(t, tOff + 4 * ldt + 16);
        c50.intoArray(t, tOff + 5 * ldt);
        c51.intoArray(t, tOff + 5 * ldt + 16);
        c60.intoArray(t, tOff + 6 * ldt);
        c61.intoArray(t, tOff + 6 * ldt + 16);
        c70.intoArray(t, tOff + 7 * ldt);
        c71.intoArray(t, tOff + 7 * ldt + 16);
        c80.intoArray(t, tOff + 8 * ldt);
        c81.intoArray(t, tOff + 8 * ldt + 16);
        c90.intoArray(t, tOff + 9 * ldt);
        c91.intoArray(t, tOff + 9 * ldt + 16);
        c100.intoArray(t, tOff + 10 * ldt);
        c101.intoArray(t, tOff + 10 * ldt + 16);
        c110.intoArray(t, tOff + 11 * ldt);
        c111.intoArray(t, tOff + 11 * ldt + 16);
    }

    static void f32h(int rows, int kc, float[] a, int aOff, int lda, MemorySegment b, long bOff, float[] t, int tOff, int ldt) {
        switch (rows) {
            case 1 -> f32h1(kc, a, aOff, lda, b, bOff, t, tOff, ldt);
            case 4 -> f32h4(kc, a, aOff, lda, b, bOff, t, tOff, ldt);
            case 6 -> f32h6(kc, a, aOff, lda, b, bOff, t, tOff, ldt);
            case 8 -> f32h8(kc, a, aOff, lda, b, bOff, t, tOff, ldt);
            case 12 -> f32h12(kc, a, aOff, lda, b, bOff, t, tOff, ldt);
            default -> throw new IllegalArgumentException("no micro-kernel for " + rows + " rows");
        }
    }

    /** 1×32 tile of A · B, A row-major on the heap (row stride lda), B as 32-wide BF16 rows; tile to t[tOff + i·ldt + j]. */
    static void bf16h1(int kc, float[] a, int aOff, int lda, MemorySegment b, long bOff, float[] t, int tOff, int ldt) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z;
        int r0 = aOff + 0 * lda;
        for (int k = 0; k < kc; k++) {
            IntVector bi = IntVector.fromMemorySegment(SI, b, bOff, LE);
            FloatVector b0 = bi.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector b1 = bi.and(HI_MASK).reinterpretAsFloats();
            FloatVector a0 = FloatVector.broadcast(S, a[r0 + k]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            bOff += 64;
        }
        c00.intoArray(t, tOff + 0 * ldt);
        c01.intoArray(t, tOff + 0 * ldt + 16);
    }

    /** 4×32 tile of A · B, A row-major on the heap (row stride lda), B as 32-wide BF16 rows; tile to t[tOff + i·ldt + j]. */
    static void bf16h4(int kc, float[] a, int aOff, int lda, MemorySegment b, long bOff, float[] t, int tOff, int ldt) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z;
        FloatVector c10 = z, c11 = z;
        FloatVector c20 = z, c21 = z;
        FloatVector c30 = z, c31 = z;
        int r0 = aOff + 0 * lda;
        int r1 = aOff + 1 * lda;
        int r2 = aOff + 2 * lda;
        int r3 = aOff + 3 * lda;
        for (int k = 0; k < kc; k++) {
            IntVector bi = IntVector.fromMemorySegment(SI, b, bOff, LE);
            FloatVector b0 = bi.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector b1 = bi.and(HI_MASK).reinterpretAsFloats();
            FloatVector a0 = FloatVector.broadcast(S, a[r0 + k]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, a[r1 + k]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, a[r2 + k]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, a[r3 + k]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            bOff += 64;
        }
        c00.intoArray(t, tOff + 0 * ldt);
        c01.intoArray(t, tOff + 0 * ldt + 16);
        c10.intoArray(t, tOff + 1 * ldt);
        c11.intoArray(t, tOff + 1 * ldt + 16);
        c20.intoArray(t, tOff + 2 * ldt);
        c21.intoArray(t, tOff + 2 * ldt + 16);
        c30.intoArray(t, tOff + 3 * ldt);
        c31.intoArray(t, tOff + 3 * ldt + 16);
    }

    /** 6×32 tile of A · B, A row-major on the heap (row stride lda), B as 32-wide BF16 rows; tile to t[tOff + i·ldt + j]. */
    static void bf16h6(int kc, float[] a, int aOff, int lda, MemorySegment b, long bOff, float[] t, int tOff, int ldt) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z;
        FloatVector c10 = z, c11 = z;
        FloatVector c20 = z, c21 = z;
        FloatVector c30 = z, c31 = z;
        FloatVector c40 = z, c41 = z;
        FloatVector c50 = z, c51 = z;
        int r0 = aOff + 0 * lda;
        int r1 = aOff + 1 * lda;
        int r2 = aOff + 2 * lda;
        int r3 = aOff + 3 * lda;
        int r4 = aOff + 4 * lda;
        int r5 = aOff + 5 * lda;
        for (int k = 0; k < kc; k++) {
            IntVector bi = IntVector.fromMemorySegment(SI, b, bOff, LE);
            FloatVector b0 = bi.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector b1 = bi.and(HI_MASK).reinterpretAsFloats();
            FloatVector a0 = FloatVector.broadcast(S, a[r0 + k]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, a[r1 + k]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, a[r2 + k]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, a[r3 + k]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, a[r4 + k]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, a[r5 + k]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            bOff += 64;
        }
        c00.intoArray(t, tOff + 0 * ldt);
        c01.intoArray(t, tOff + 0 * ldt + 16);
        c10.intoArray(t, tOff + 1 * ldt);
        c11.intoArray(t, tOff + 1 * ldt + 16);
        c20.intoArray(t, tOff + 2 * ldt);
        c21.intoArray(t, tOff + 2 * ldt + 16);
        c30.intoArray(t, tOff + 3 * ldt);
        c31.intoArray(t, tOff + 3 * ldt + 16);
        c40.intoArray(t, tOff + 4 * ldt);
        c41.intoArray(t, tOff + 4 * ldt + 16);
        c50.intoArray(t, tOff + 5 * ldt);
        c51.intoArray(t, tOff + 5 * ldt + 16);
    }

    /** 8×32 tile of A · B, A row-major on the heap (row stride lda), B as 32-wide BF16 rows; tile to t[tOff + i·ldt + j]. */
    static void bf16h8(int kc, float[] a, int aOff, int lda, MemorySegment b, long bOff, float[] t, int tOff, int ldt) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z;
        FloatVector c10 = z, c11 = z;
        FloatVector c20 = z, c21 = z;
        FloatVector c30 = z, c31 = z;
        FloatVector c40 = z, c41 = z;
        FloatVector c50 = z, c51 = z;
        FloatVector c60 = z, c61 = z;
        FloatVector c70 = z, c71 = z;
        int r0 = aOff + 0 * lda;
        int r1 = aOff + 1 * lda;
        int r2 = aOff + 2 * lda;
        int r3 = aOff + 3 * lda;
        int r4 = aOff + 4 * lda;
        int r5 = aOff + 5 * lda;
        int r6 = aOff + 6 * lda;
        int r7 = aOff + 7 * lda;
        for (int k = 0; k < kc; k++) {
            IntVector bi = IntVector.fromMemorySegment(SI, b, bOff, LE);
            FloatVector b0 = bi.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector b1 = bi.and(HI_MASK).reinterpretAsFloats();
            FloatVector a0 = FloatVector.broadcast(S, a[r0 + k]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, a[r1 + k]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, a[r2 + k]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, a[r3 + k]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, a[r4 + k]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, a[r5 + k]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            FloatVector a6 = FloatVector.broadcast(S, a[r6 + k]);
            c60 = a6.fma(b0, c60);
            c61 = a6.fma(b1, c61);
            FloatVector a7 = FloatVector.broadcast(S, a[r7 + k]);
            c70 = a7.fma(b0, c70);
            c71 = a7.fma(b1, c71);
            bOff += 64;
        }
        c00.intoArray(t, tOff + 0 * ldt);
        c01.intoArray(t, tOff + 0 * ldt + 16);
        c10.intoArray(t, tOff + 1 * ldt);
        c11.intoArray(t, tOff + 1 * ldt + 16);
        c20.intoArray(t, tOff + 2 * ldt);
        c21.intoArray(t, tOff + 2 * ldt + 16);
        c30.intoArray(t, tOff + 3 * ldt);
        c31.intoArray(t, tOff + 3 * ldt + 16);
        c40.intoArray(t, tOff + 4 * ldt);
        c41.intoArray(t, tOff + 4 * ldt + 16);
        c50.intoArray(t, tOff + 5 * ldt);
        c51.intoArray(t, tOff + 5 * ldt + 16);
        c60.intoArray(t, tOff + 6 * ldt);
        c61.intoArray(t, tOff + 6 * ldt + 16);
        c70.intoArray(t, tOff + 7 * ldt);
        c71.intoArray(t, tOff + 7 * ldt + 16);
    }

    /** 12×32 tile of A · B, A row-major on the heap (row stride lda), B as 32-wide BF16 rows; tile to t[tOff + i·ldt + j]. */
    static void bf16h12(int kc, float[] a, int aOff, int lda, MemorySegment b, long bOff, float[] t, int tOff, int ldt) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z;
        FloatVector c10 = z, c11 = z;
        FloatVector c20 = z, c21 = z;
        FloatVector c30 = z, c31 = z;
        FloatVector c40 = z, c41 = z;
        FloatVector c50 = z, c51 = z;
        FloatVector c60 = z, c61 = z;
        FloatVector c70 = z, c71 = z;
        FloatVector c80 = z, c81 = z;
        FloatVector c90 = z, c91 = z;
        FloatVector c100 = z, c101 = z;
        FloatVector c110 = z, c111 = z;
        int r0 = aOff + 0 * lda;
        int r1 = aOff + 1 * lda;
        int r2 = aOff + 2 * lda;
        int r3 = aOff + 3 * lda;
        int r4 = aOff + 4 * lda;
        int r5 = aOff + 5 * lda;
        int r6 = aOff + 6 * lda;
        int r7 = aOff + 7 * lda;
        int r8 = aOff + 8 * lda;
        int r9 = aOff + 9 * lda;
        int r10 = aOff + 10 * lda;
        int r11 = aOff + 11 * lda;
        for (int k = 0; k < kc; k++) {
            IntVector bi = IntVector.fromMemorySegment(SI, b, bOff, LE);
            FloatVector b0 = bi.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector b1 = bi.and(HI_MASK).reinterpretAsFloats();
            FloatVector a0 = FloatVector.broadcast(S, a[r0 + k]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, a[r1 + k]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, a[r2 + k]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, a[r3 + k]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, a[r4 + k]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, a[r5 + k]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            FloatVector a6 = FloatVector.broadcast(S, a[r6 + k]);
            c60 = a6.fma(b0, c60);
            c61 = a6.fma(b1, c61);
            FloatVector a7 = FloatVector.broadcast(S, a[r7 + k]);
            c70 = a7.fma(b0, c70);
            c71 = a7.fma(b1, c71);
            FloatVector a8 = FloatVector.broadcast(S, a[r8 + k]);
            c80 = a8.fma(b0, c80);
            c81 = a8.fma(b1, c81);
            FloatVector a9 = FloatVector.broadcast(S, a[r9 + k]);
            c90 = a9.fma(b0, c90);
            c91 = a9.fma(b1, c91);
            FloatVector a10 = FloatVector.broadcast(S, a[r10 + k]);
            c100 = a10.fma(b0, c100);
            c101 = a10.fma(b1, c101);
            FloatVector a11 = FloatVector.broadcast(S, a[r11 + k]);
            c110 = a11.fma(b0, c110);
            c111 = a11.fma(b1, c111);
            bOff += 64;
        }
        c00.intoArray(t, tOff + 0 * ldt);
        c01.intoArray(t, tOff + 0 * ldt + 16);
        c10.intoArray(t, tOff + 1 * ldt);
        c11.intoArray(t, tOff + 1 * ldt + 16);
        c20.intoArray(t, tOff + 2 * ldt);
        c21.intoArray(t, tOff + 2 * ldt + 16);
        c30.intoArray(t, tOff + 3 * ldt);
        c31.intoArray(t, tOff + 3 * ldt + 16);
        c40.intoArray(t, tOff + 4 * ldt);
        c41.intoArray(t, tOff + 4 * ldt + 16);
        c50.intoArray(t, tOff + 5 * ldt);
        c51.intoArray(t, tOff + 5 * ldt + 16);
        c60.intoArray(t, tOff + 6 * ldt);
        c61.intoArray(t, tOff + 6 * ldt + 16);
        c70.intoArray(t, tOff + 7 * ldt);
        c71.intoArray(t, tOff + 7 * ldt + 16);
        c80.intoArray(t, tOff + 8 * ldt);
        c81.intoArray(t, tOff + 8 * ldt + 16);
        c90.intoArray(t, tOff + 9 * ldt);
        c91.intoArray(t, tOff + 9 * ldt + 16);
        c100.intoArray(t, tOff + 10 * ldt);
        c101.intoArray(t, tOff + 10 * ldt + 16);
        c110.intoArray(t, tOff + 11 * ldt);
        c111.intoArray(t, tOff + 11 * ldt + 16);
    }

    static void bf16h(int rows, int kc, float[] a, int aOff, int lda, MemorySegment b, long bOff, float[] t, int tOff, int ldt) {
        switch (rows) {
            case 1 -> bf16h1(kc, a, aOff, lda, b, bOff, t, tOff, ldt);
            case 4 -> bf16h4(kc, a, aOff, lda, b, bOff, t, tOff, ldt);
            case 6 -> bf16h6(kc, a, aOff, lda, b, bOff, t, tOff, ldt);
            case 8 -> bf16h8(kc, a, aOff, lda, b, bOff, t, tOff, ldt);
            case 12 -> bf16h12(kc, a, aOff, lda, b, bOff, t, tOff, ldt);
            default -> throw new IllegalArgumentException("no micro-kernel for " + rows + " rows");
        }
    }

    static void f32(int rows, int kc, MemorySegment a, long aOff, MemorySegment b, long bOff, float[] t) {
        switch (rows) {
            case 1 -> f32x1(kc, a, aOff, b, bOff, t);
            case 4 -> f32x4(kc, a, aOff, b, bOff, t);
            case 6 -> f32x6(kc, a, aOff, b, bOff, t);
            case 8 -> f32x8(kc, a, aOff, b, bOff, t);
            case 12 -> f32x12(kc, a, aOff, b, bOff, t);
            default -> throw new IllegalArgumentException("no micro-kernel for " + rows + " rows");
        }
    }

    static void bf16(int rows, int kc, MemorySegment a, long aOff, MemorySegment b, long bOff, float[] t) {
        switch (rows) {
            case 1 -> bf16x1(kc, a, aOff, b, bOff, t);
            case 4 -> bf16x4(kc, a, aOff, b, bOff, t);
            case 6 -> bf16x6(kc, a, aOff, b, bOff, t);
            case 8 -> bf16x8(kc, a, aOff, b, bOff, t);
            case 12 -> bf16x12(kc, a, aOff, b, bOff, t);
            default -> throw new IllegalArgumentException("no micro-kernel for " + rows + " rows");
        }
    }

}
