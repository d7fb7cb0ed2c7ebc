#!/bin/sh
# Installs what shoot.sh needs into $TOOLS (default /tmp/rspdsl-screenshot-tools), from the npm
# registry only: code-server (VS Code in the browser), @vscode/vsce and playwright-core.
# code-server's own postinstall fetches ripgrep from GitHub and prebuilt binaries; this script
# does its steps by hand instead, with Debian's ripgrep and native modules built here.
# Needs (Debian): nodejs 20 with its headers (/usr/include/node), npm, build-essential,
# python3, libkrb5-dev, ripgrep, chromium.
set -eu

TOOLS=${TOOLS:-/tmp/rspdsl-screenshot-tools}
CODE_SERVER=4.100.3   # VS Code 1.100.3; the last code-server for Node 20 (4.104 on want Node 22)
VSCE=3.7.1            # vsce 4 wants Node 22
PLAYWRIGHT=1.65.2

# node-gyp downloads Node's headers unless told where they are
if [ -f /usr/include/node/node_version.h ]; then
  export npm_config_nodedir=/usr
fi
export npm_config_yes=true   # node-pty's install runs `npx node-gyp`

mkdir -p "$TOOLS"
cd "$TOOLS"
[ -f package.json ] || npm init -y >/dev/null
npm install --no-audit --no-fund --ignore-scripts \
  "code-server@$CODE_SERVER" "@vscode/vsce@$VSCE" "playwright-core@$PLAYWRIGHT"
npm_config_build_from_source=true npm rebuild argon2   # code-server's password hashing

# code-server's postinstall.sh, step by step
cd node_modules/code-server/lib/vscode
npm install --no-audit --no-fund --omit=dev --ignore-scripts
mkdir -p node_modules/@vscode/ripgrep/bin   # a bin/ folder stops @vscode/ripgrep's download
ln -sf "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
npm rebuild                                  # node-pty, spdlog, kerberos... built from source
ln -sfn node_modules node_modules.asar
(cd bin/remote-cli && ln -sf code-linux.sh code-server)
(cd bin/helpers && ln -sf browser-linux.sh browser.sh)
(cd extensions && npm install --no-audit --no-fund --omit=dev)

node "$TOOLS/node_modules/code-server/out/node/entry.js" --version
