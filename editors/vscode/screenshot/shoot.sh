#!/bin/sh
# Takes docs/images/vscode-notify.png: VS Code (code-server, in headless Chromium) with the
# extension of editors/vscode installed from its .vsix and docs/examples/notify.rsp open.
# Run setup.sh first. RSPDSL: the rspdsl command (default: the one on PATH), with the lsp extra.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
TOOLS=${TOOLS:-/tmp/rspdsl-screenshot-tools}
RSPDSL=${RSPDSL:-$(command -v rspdsl)}
PORT=${PORT:-8765}
OUT=${OUT:-$REPO/docs/images/vscode-notify.png}
WORK=$(mktemp -d)
SERVER=

finish() {
  [ -z "$SERVER" ] || kill -- "-$SERVER" 2>/dev/null || true
  rm -rf "$WORK"
}
trap finish EXIT INT TERM

# the extension, packaged and installed as its README says
cp -r "$HERE/.." "$WORK/extension"
rm -rf "$WORK/extension/node_modules" "$WORK/extension/screenshot"
(cd "$WORK/extension" && npm install --no-audit --no-fund --silent \
  && "$TOOLS/node_modules/.bin/vsce" package --out "$WORK/rspdsl.vsix")

# code-server with its own settings, extensions and workspace, all under $WORK
export XDG_CONFIG_HOME="$WORK/config" XDG_DATA_HOME="$WORK/data"
code_server() {
  node "$TOOLS/node_modules/code-server/out/node/entry.js" \
    --user-data-dir "$WORK/user" --extensions-dir "$WORK/extensions" "$@"
}
code_server --install-extension "$WORK/rspdsl.vsix"
mkdir -p "$WORK/user/User" "$WORK/workspace"
cp "$REPO/docs/examples/notify.rsp" "$WORK/workspace/"
cat > "$WORK/user/User/settings.json" <<JSON
{
  "rspdsl.server.command": ["$RSPDSL", "lsp"],
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "telemetry.telemetryLevel": "off",
  "extensions.ignoreRecommendations": true
}
JSON

setsid node "$TOOLS/node_modules/code-server/out/node/entry.js" \
  --user-data-dir "$WORK/user" --extensions-dir "$WORK/extensions" \
  --auth none --bind-addr "127.0.0.1:$PORT" --disable-telemetry --disable-update-check \
  --disable-workspace-trust --disable-getting-started-override "$WORK/workspace" \
  > "$WORK/code-server.log" 2>&1 &
SERVER=$!
i=0
until curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz"; do
  i=$((i + 1)); [ "$i" -lt 60 ] || { cat "$WORK/code-server.log"; exit 1; }
  sleep 0.5
done

code_server --version
mkdir -p "$(dirname "$OUT")"
NODE_PATH="$TOOLS/node_modules" node "$HERE/shoot.js" "http://127.0.0.1:$PORT/" "$WORK/workspace" "$OUT"
echo "wrote $OUT ($(wc -c < "$OUT") bytes)"
