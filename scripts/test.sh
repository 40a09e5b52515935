#!/usr/bin/env bash
# README command (b): install dependencies, build, run the whole test suite with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/build.sh
export QT_QPA_PLATFORM=offscreen
ctest --test-dir build --output-on-failure -j "${AZLLM_JOBS:-2}"
