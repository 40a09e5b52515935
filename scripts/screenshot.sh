#!/usr/bin/env bash
# Takes docs/screenshot.png: a real azllm-studio window under xvfb-run that trains the tiny
# preset on the demo corpus to its early stop, asks the chat panel a question in Azerbaijani and
# saves itself when the reply has streamed in.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-docs/screenshot.png}"
mkdir -p "$(dirname "$out")"
home="$(mktemp -d)"
# A throwaway HOME keeps the user's settings and runs untouched.
HOME="$home" XDG_CONFIG_HOME="$home/.config" XDG_DATA_HOME="$home/.local/share" \
  xvfb-run -a -s "-screen 0 1600x900x24" ./build/bin/azllm-studio --train --screenshot "$out" \
    --chat "Hər kəs azadlıq hüququna malikdir."
rm -rf "$home"
echo "wrote $out"
