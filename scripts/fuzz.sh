#!/usr/bin/env bash
# Fuzzing with libFuzzer (clang): builds tests/fuzz/fuzz_{corpus,config,safetensors,tokenizer}
# with -fsanitize=fuzzer,address,undefined against the core sources they exercise, and runs each
# for SECONDS (default 60) from its seed folder. A crash leaves crash-* in build-fuzz/<target>/;
# turn it into a regression test. Usage: bash scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-60}"; shift || true
targets=("$@"); [ ${#targets[@]} -gt 0 ] || targets=(corpus config safetensors tokenizer)
command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ is missing (apt install clang)" >&2; exit 1; }
[ -f build/lib/azllm/libazllm_spm.so ] || { echo "fuzz.sh: build the project first (bash scripts/build.sh): the tokenizer plugin is needed" >&2; exit 1; }
out=build-fuzz
mkdir -p "$out"
qt="$(pkg-config --cflags --libs Qt6Core)"
torch="-I/usr/include/torch/csrc/api/include -ltorch -ltorch_cpu -lc10"
flags=(-std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer -fPIC -Icore
       -DQT_NO_KEYWORDS -DAZLLM_PLUGIN_SUBDIR='"lib/azllm"' -DAZLLM_INSTALL_PREFIX='"/usr/local"' -DAZLLM_VERSION='"fuzz"')
declare -A sources=(
  [corpus]="core/corpus.cpp core/fsutil.cpp"
  [config]="core/config.cpp core/earlystopping.cpp core/fsutil.cpp"
  [safetensors]="core/safetensors.cpp core/checkpoint.cpp core/config.cpp core/fsutil.cpp"
  [tokenizer]="core/tokenizer.cpp core/corpus.cpp core/fsutil.cpp"
)
for t in "${targets[@]}"; do
  bin="$out/fuzz_$t"
  extra=""; [ "$t" = safetensors ] && extra="$torch"
  echo "fuzz.sh: building $bin"
  # shellcheck disable=SC2086
  clang++ "${flags[@]}" tests/fuzz/fuzz_$t.cpp ${sources[$t]} -o "$bin" $qt $extra -ldl -lpthread
  mkdir -p "$out/$t/corpus" "$out/$t/artifacts"
  cp -n tests/fuzz/seeds/$t/* "$out/$t/corpus/" 2>/dev/null || true
  echo "fuzz.sh: running $bin for $secs s"
  AZLLM_SPM_PLUGIN="$PWD/build/lib/azllm/libazllm_spm.so" AZLLM_FUZZ_MODEL="$PWD/tests/data/tokenizer/golden.model" \
  ASAN_OPTIONS=detect_leaks=0 \
    "$bin" -max_total_time="$secs" -max_len=65536 -artifact_prefix="$out/$t/artifacts/" "$out/$t/corpus" 2>&1 | tail -3
done
echo "fuzz.sh: done; no crash found"
