/**
 * JMH benchmarks of the CPU backend's fast kernels, with OpenBLAS SGEMM as the same-run baseline.
 *
 * <p>Build: {@code ./mvnw -pl bench -am package -DskipTests} writes {@code bench/target/benchmarks.jar}
 * (main class {@code org.openjdk.jmh.Main}; each benchmark forks with
 * {@code --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED}). OpenBLAS needs
 * {@code libopenblas.so.0} ({@code apt-get install -y libopenblas0}) and {@code OPENBLAS_CORETYPE=SkylakeX}
 * in the environment, or it runs its AVX2 (Haswell) kernels on Zen 5.
 *
 * <ul>
 *   <li>{@link dev.nibble.bench.jmh.GemmBench}: Linear (F32 and BF16 weights) at the FLUX/SDXL GEMM shapes;
 *   <li>{@link dev.nibble.bench.jmh.OpenBlasBench}: cblas_sgemm at the same shapes;
 *   <li>{@link dev.nibble.bench.jmh.AttentionBench}: flash attention, L 4608/D 128/24 heads and L 4096/D 64/10 heads;
 *   <li>{@link dev.nibble.bench.jmh.Conv2dBench}: 3×3 convolution, 128×128×320 → 320.
 * </ul>
 *
 * <p>{@link dev.nibble.bench.jmh.KernelSummary} runs them through JMH's API and prints GFLOP/s and the
 * ratio to OpenBLAS, a paired mode (fast kernel and OpenBLAS alternating call by call in one process,
 * robust on a shared machine), and the attention scratch-memory table:
 *
 * <pre>
 * OPENBLAS_CORETYPE=SkylakeX java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *     -cp bench/target/benchmarks.jar dev.nibble.bench.jmh.KernelSummary --only paired,gemm,attention,conv,memory
 * </pre>
 *
 * Threads: the fast kernels use all cores unless {@code NIBBLE_CPU_THREADS} caps them; OpenBLAS uses
 * all cores unless {@code OPENBLAS_NUM_THREADS} does.
 */
package dev.nibble.bench.jmh;
