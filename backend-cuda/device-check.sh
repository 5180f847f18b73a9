#!/usr/bin/env bash
# Prepares the GPU check of the CUDA backend. Runs HERE (no GPU needed): builds the app and its
# dependencies, packs a jlinked JDK 25 runtime, the jars and the golden model cases into one
# bundle that the lent GPU machine unpacks (it has no Java or Maven), smoke-tests the bundle's
# class path with this machine's CPU backend, checks the size budget, and prints the device-tool
# invocation (carry + command) that runs backend-cuda/device-run.sh there.
#
#   backend-cuda/device-check.sh [--no-build] [--no-smoke] [--no-sdxl-unet]
#
# Budget: the device call carries at most 64 MiB in all: the working tree (tracked and
# untracked-not-ignored files, ~24 MB with the built-in model) plus the bundle. The bundle is
# xz-compressed; the JDK image is linked with --strip-debug --no-header-files --no-man-pages and,
# by default, --compress=zip-0 (JLINK_COMPRESS), because xz over an uncompressed image is smaller
# than xz over a zip-9 one (measured: 15.0 MB against 24.3 MB); libjvm.so is stripped as well.
# Modules: those jdeps lists for the jars, less java.desktop (only image files need it, and every
# golden model case passed parity here without it). Jars that the commands run there never load
# (the OpenCL/Vulkan backends and their natives, the web demo's server, the bench's chart export)
# stay out, and jcuda-natives is cut down to the driver binding. The SDXL U-Net cases (12 MB of
# weights) go into a second archive, left out when the total would pass the budget.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
build=1 smoke=1 unet=1
for a in "$@"; do
  case "$a" in
    --no-build) build=0 ;;
    --no-smoke) smoke=0 ;;
    --no-sdxl-unet) unet=0 ;;
    *) echo "usage: $0 [--no-build] [--no-smoke] [--no-sdxl-unet]" >&2; exit 2 ;;
  esac
done

java_major() { "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n1; }
if [ -z "${JAVA_HOME:-}" ] || [ "$(java_major "$JAVA_HOME/bin/java" 2>/dev/null || echo 0)" -lt 25 ] 2>/dev/null; then
  for d in /usr/lib/jvm/*; do
    if [ -x "$d/bin/jlink" ] && [ "$(java_major "$d/bin/java")" -ge 25 ] 2>/dev/null; then JAVA_HOME="$d"; break; fi
  done
fi
[ -x "${JAVA_HOME:-}/bin/jlink" ] || { echo "device-check: needs a JDK 25 with jlink (set JAVA_HOME)" >&2; exit 2; }
export JAVA_HOME
golden="${NIBBLE_GOLDEN:-$root/../shared/golden}"
[ -f "$golden/index.json" ] || { echo "device-check: golden set not found at $golden (set NIBBLE_GOLDEN)" >&2; exit 2; }

out="$root/backend-cuda/target/device-check"
stage="${TMPDIR:-/tmp}/nibble-device-stage"
budget=$((64 * 1024 * 1024))

if [ "$build" = 1 ]; then
  echo "[device-check] building the app and its modules (./mvnw -pl app -am install -DskipTests) ..."
  ./mvnw -B -q -DskipTests -pl app -am install
fi
[ -f app/target/nibble-app.jar ] || { echo "device-check: app/target/nibble-app.jar missing (build first)" >&2; exit 1; }
unzip -l backend-cuda/target/nibble-backend-cuda-*.jar | grep -q nibble_kernels.fatbin \
  || { echo "device-check: the CUDA backend jar has no kernels fatbin (nvcc missing at build time?)" >&2; exit 1; }

rm -rf "$stage" && mkdir -p "$stage/lib" "$stage/golden/cases" "$stage/golden/models" "$out"
rm -f "$out"/bundle.tar.xz "$out"/unet.tar.xz

echo "[device-check] jars ..."
cp app/target/nibble-app.jar "$stage/lib/"
exclude='^(nibble-backend-opencl|nibble-backend-vulkan|lwjgl|jocl|jcuda-natives|javalin|jetty|websocket|kotlin-stdlib|jakarta|pdfbox|fontbox|graphics2d|VectorGraphics2D|animated-gif|xchart|commons-math3|jmh-core|jopt-simple)'
for j in app/target/lib/*.jar; do
  b="$(basename "$j")"
  if [[ "$b" =~ $exclude ]]; then continue; fi
  cp "$j" "$stage/lib/"
done
# jcuda-natives without the NVPTX compiler, NVRTC and runtime bindings: the backend uses the driver API only
nat="$(ls app/target/lib/jcuda-natives-*.jar | head -1)"
tmpn="$(mktemp -d)"
(cd "$tmpn" && unzip -q "$root/$nat" 'lib/libJCudaDriver-*' && "$JAVA_HOME/bin/jar" --create --file "$stage/lib/jcuda-natives-driver-only.jar" lib)
rm -rf "$tmpn"

echo "[device-check] jlink JDK 25 runtime ..."
"$JAVA_HOME/bin/jlink" --add-modules java.base,java.logging,java.management,jdk.management,jdk.incubator.vector,jdk.unsupported,java.naming,java.xml,java.sql \
  --strip-debug --no-header-files --no-man-pages --compress="${JLINK_COMPRESS:-zip-0}" --output "$stage/jre" 2>&1 | grep -v "incubator modules" || true
strip --strip-unneeded "$stage/jre/lib/server/libjvm.so" 2>/dev/null || true

echo "[device-check] golden model cases (unet: $unet) ..."
cp "$golden/index.json" "$golden/README.md" "$stage/golden/"
for c in "$golden"/cases/*/; do
  name="$(basename "$c")"
  kind="$(python3 -c "import json,sys; print(json.load(open(sys.argv[1])).get('kind',''))" "$c/case.json")"
  [ "$kind" = model ] || continue
  cp -r "$c" "$stage/golden/cases/$name"
done
cp -r "$golden"/models/* "$stage/golden/models/"

if [ "$smoke" = 1 ]; then
  echo "[device-check] smoke test of the bundle's class path here (CPU backend) ..."
  J=("$stage/jre/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow
     -XX:+IgnoreUnrecognizedVMOptions -Xss4m -Dnibble.home="$root" -cp "$stage/lib/*")
  "${J[@]}" dev.nibble.app.NibbleCli backends --json > "$stage/smoke-backends.json" 2>/dev/null \
    || { echo "smoke: 'nibble backends' failed with the bundle" >&2; exit 1; }
  grep -q '"cuda"' "$stage/smoke-backends.json" || { echo "smoke: the cuda backend is missing from 'nibble backends'" >&2; exit 1; }
  "${J[@]}" dev.nibble.app.NibbleCli tck --backend cpu --op Affine --json > /dev/null 2>&1 \
    || { echo "smoke: 'nibble tck --backend cpu --op Affine' failed with the bundle" >&2; exit 1; }
  c="$(ls -d "$stage"/golden/cases/flux_schnell_transformer__single 2>/dev/null || ls -d "$stage"/golden/cases/*/ | head -1)"
  "${J[@]}" dev.nibble.app.NibbleCli parity --case "$c" --set-root "$stage/golden" --out "$stage/smoke-parity" --backend cpu --json \
    > "$stage/smoke-parity.json" 2> "$stage/smoke-parity.err" || { echo "smoke: parity on $(basename "$c") (cpu) failed:" >&2; tail -5 "$stage/smoke-parity.err" >&2; exit 1; }
  rc=0
  "${J[@]}" dev.nibble.backend.cuda.CudaDeviceCheck > "$stage/smoke-check.txt" 2>&1 || rc=$?
  [ $rc -eq 2 ] || { echo "smoke: CudaDeviceCheck without a GPU should exit 2, got $rc" >&2; cat "$stage/smoke-check.txt" >&2; exit 1; }
  rm -rf "$stage"/smoke-*
  echo "[device-check] smoke test passed (backends, tck, parity on cpu; CudaDeviceCheck reports no GPU)"
fi

echo "[device-check] compressing (xz) ..."
(cd "$stage" && tar -cf - golden/models/sdxl/unet golden/cases/sdxl_unet__* | xz -6 -T2 > "$out/unet.tar.xz")
tar -C "$stage" --exclude=golden/models/sdxl/unet --exclude='golden/cases/sdxl_unet__*' -cf - jre lib golden \
  | xz -6 -T2 > "$out/bundle.tar.xz"
mib() { echo "$1/1048576" | bc -l; }
bundle=$(stat -c %s "$out/bundle.tar.xz")
unetz=$(stat -c %s "$out/unet.tar.xz")
tree=$( { git ls-files -z; git ls-files -z --others --exclude-standard; } | xargs -0 stat -c %s 2>/dev/null | awk '{s+=$1} END {print s+0}')
total=$((bundle + unetz + tree))
printf '[device-check] bundle %.1f MiB (jre %s, lib %s, golden %s uncompressed) + SDXL U-Net %.1f MiB + working tree %.1f MiB = %.1f MiB of 64 MiB\n' \
  "$(mib $bundle)" "$(du -sh "$stage/jre" | cut -f1)" "$(du -sh "$stage/lib" | cut -f1)" "$(du -sh "$stage/golden" | cut -f1)" \
  "$(mib $unetz)" "$(mib $tree)" "$(mib $total)"
# keep 1 MiB of slack for files others add to the working tree before the call
if [ "$unet" = 0 ] || [ "$total" -gt $((budget - 1048576)) ]; then
  rm -f "$out/unet.tar.xz"
  total=$((bundle + tree))
  echo "[device-check] the SDXL U-Net cases stay out ($([ "$unet" = 0 ] && echo "--no-sdxl-unet" || echo "over budget")): $(mib $total | cut -c1-5) MiB"
fi
if [ "$total" -gt "$budget" ]; then
  echo "[device-check] OVER the 64 MiB budget even without the U-Net: the working tree is too large" >&2
  exit 1
fi
rm -rf "$stage"
cat <<MSG | tee "$out/COMMAND.txt"

[device-check] ready. Device tool call (one run: about 4 minutes of device time plus the machine's
start; at most 6 result files come back under \$OUT, the summary table is the end of the output):
  carry:     ["backend-cuda/target/device-check"]
  command:   bash backend-cuda/device-run.sh
  timeout_s: 290
MSG
