#!/usr/bin/env bash
# README command (a): install dependencies, build, and launch AzLLM Studio with the bundled
# Azerbaijani demo corpus and the tiny preset. Without a display it says so and runs the same job
# headless: trains the tiny preset on the demo corpus with early stopping, then describes the run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/build.sh
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec ./build/bin/azllm-studio
fi
run_dir="runs/demo-$(date +%Y%m%d-%H%M%S)"
echo "No display found (DISPLAY and WAYLAND_DISPLAY are unset): running the same job headless."
echo "  azllm train --corpus demo --preset tiny --run-dir $run_dir"
./build/bin/azllm train --corpus demo --preset tiny --run-dir "$run_dir"
./build/bin/azllm info "$run_dir"
