#!/usr/bin/env bash
# The GPU-side half of the CUDA backend's device check: runs ON the lent GPU machine (no Java or
# Maven there; device-check.sh prepared a bundle with a jlinked JDK 25, the app's jars and the
# golden model cases). From the repository root:
#
#   bash backend-cuda/device-run.sh            (bundle: backend-cuda/target/device-check/bundle.tar.xz)
#
# Steps, each under a time limit, the whole run inside ~4 minutes (NIBBLE_DEVICE_BUDGET_S=230): nvidia-smi; nibble backends;
# CudaDeviceCheck (SvdqLinear through the s4/s8/simple GEMMs against a double reference, then the
# W4A4 GEMM at the FLUX.1 shapes, the FP32 Linear and the attention, timed with CUDA events);
# the PyTorch baselines; nibble tck --backend cuda; golden parity of every model case on cuda
# (--strict: nothing falls back to the CPU). Results go to $OUT (at most 8 files): device-check.log,
# backends.json, device_check.json, torch.json, tck.json, parity.json; a summary table is printed last.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bundle="${1:-backend-cuda/target/device-check/bundle.tar.xz}"
OUT="${OUT:-/tmp/nibble-device-out}"
mkdir -p "$OUT"
work=/tmp/nibble-device-check
budget="${NIBBLE_DEVICE_BUDGET_S:-230}"
start=$(date +%s)
exec > >(tee -a "$OUT/device-check.log") 2>&1

left() { echo $(( budget - ($(date +%s) - start) )); }
limit() { # limit WANTED -> min(WANTED, time left - 5), at least 1
  local l=$(( $(left) - 5 )); [ "$l" -lt 1 ] && l=1; [ "$1" -lt "$l" ] && l=$1; echo "$l"; }
step() { echo; echo "=== [$(( $(date +%s) - start ))s] $*"; }

step "unpack $bundle"
rm -rf "$work" && mkdir -p "$work"
for a in "$bundle" "$(dirname "$bundle")/unet.tar.xz"; do
  [ -f "$a" ] || continue
  if ! tar -xJf "$a" -C "$work" 2>/dev/null; then
    python3 -c "import sys,tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])" "$a" "$work" || { echo "cannot unpack $a"; exit 1; }
  fi
  echo "unpacked $(basename "$a")"
done
J="$work/jre/bin/java"
CP="$work/lib/*"
JOPTS=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow
       -XX:+IgnoreUnrecognizedVMOptions -Xss4m -Dnibble.home="$root" -Djava.io.tmpdir=/tmp)
nibble() { local t=$1; shift; timeout "$(limit "$t")" "$J" "${JOPTS[@]}" -cp "$CP" dev.nibble.app.NibbleCli "$@"; }

step "GPU"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm,temperature.gpu --format=csv || true
"$J" -version 2>&1 | head -1

step "nibble backends"
nibble 60 backends --json > "$OUT/backends.json"; echo "exit $?"
head -c 3000 "$OUT/backends.json"; echo

step "CudaDeviceCheck: SvdqLinear s4/s8/simple vs reference; GEMM benchmark at FLUX shapes"
timeout "$(limit 120)" "$J" "${JOPTS[@]}" -cp "$CP" dev.nibble.backend.cuda.CudaDeviceCheck --json "$OUT/device_check.json" ${NIBBLE_CHECK_QUICK:+--quick}
rc=$?
echo "exit $rc"
if [ $rc -eq 2 ]; then
  step "the CUDA backend is unavailable here: tck and parity skipped (see the reason above)"
  python3 backend-cuda/tools/summarize.py "$OUT"
  exit 1
fi

step "PyTorch baselines (bf16 / fp32 / int8 matmul)"
timeout "$(limit 60)" python3 backend-cuda/tools/torch_baseline.py --json "$OUT/torch.json"; echo "exit $?"

step "nibble tck --backend cuda --json"
nibble 120 tck --backend cuda --json > "$OUT/tck.json"; echo "exit $?"

step "golden parity of the model cases on cuda (--strict)"
pdir=/tmp/nibble-parity; rm -rf "$pdir"; mkdir -p "$pdir"
for c in "$work"/golden/cases/*/; do
  name="$(basename "$c")"
  kind="$(python3 -c "import json,sys; print(json.load(open(sys.argv[1])).get('kind',''))" "$c/case.json" 2>/dev/null)"
  [ "$kind" = model ] || continue
  if [ "$(left)" -lt 12 ]; then echo "out of time: skipping $name"; continue; fi
  nibble 40 parity --case "$c" --set-root "$work/golden" --out "$pdir/$name" --backend cuda --strict --json \
      > "$pdir/$name.json" 2> "$pdir/$name.err"
  rc=$?
  echo "$name: exit $rc"
  [ $rc -eq 0 ] || tail -n 3 "$pdir/$name.err"
done
python3 - "$pdir" "$OUT/parity.json" <<'PY'
import glob, json, os, sys
res = {}
for f in sorted(glob.glob(os.path.join(sys.argv[1], "*.json"))):
    name = os.path.basename(f)[:-5]
    try:
        res[name] = json.load(open(f))
    except Exception:
        err = open(f[:-5] + ".err").read().strip().splitlines()
        res[name] = {"passed": False, "error": (err[-1] if err else "no output")[:400]}
json.dump(res, open(sys.argv[2], "w"), indent=1)
PY

step "done in $(( $(date +%s) - start ))s"
python3 backend-cuda/tools/summarize.py "$OUT"
