/**
 * {@code nibble bench} and {@code nibble eval} without the command line.
 *
 * <h2>bench</h2>
 * {@link dev.nibble.bench.compare.BenchSession} builds {@link dev.nibble.bench.compare.WorkloadGroup}s —
 * op workloads ({@link dev.nibble.bench.compare.OpWorkloads}: one-node graphs of Linear with fp32 and bf16
 * weights, SvdqLinear with valid random int4 tensors, Attention, Conv2d, at the FLUX.1 shapes or reduced
 * ones for --quick) and model workloads ({@link dev.nibble.bench.compare.ModelWorkloads}: one denoising step
 * and a whole generation of a FLUX or SDXL pipeline folder, 16/32-bit or svdq-int4) — and
 * {@link dev.nibble.bench.compare.BenchRunner} runs every group on every device: all cells of a group prepared and warmed up, then the repetitions
 * round-robin across the cells (rotating the start each round) so that machine noise lands on every
 * backend and precision alike. Ops are placed strictly: a device that lacks the op gives an "unsupported"
 * row, never a CPU-fallback number. {@link dev.nibble.bench.compare.BenchReport} renders the rows as
 * Markdown, CSV, JSON (ms and bytes) and PNG charts, with speedups over a baseline backend.
 *
 * <p>Per row: median and spread (min–max, quartiles, all samples in the JSON) of the op's device time
 * (executor per-node timing, synchronised) or the model's wall time; GFLOP/s; weight bytes; the activation
 * arena of the memory plan; the device allocator's in-use growth for the cell and its high-water mark;
 * the process's RSS. Benchmarks are never asserted on in tests.
 *
 * <h2>eval</h2>
 * {@link dev.nibble.bench.compare.EvalSession} generates the same prompts and seeds with a reference and a
 * quantised model folder (resumable: images with matching sidecars are reused);
 * {@link dev.nibble.bench.compare.EvalReport} scores them (PSNR, SSIM; LPIPS, FID and CLIP score when their networks' weights are given) and
 * prints the SVDQuant paper's table with latency and memory.
 */
package dev.nibble.bench.compare;
