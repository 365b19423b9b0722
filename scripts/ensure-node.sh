#!/usr/bin/env bash
# Source this file. It puts Node.js 24 first on PATH: the machine's own when it is 24,
# otherwise the pinned `node` package from the npm registry, installed once into .tools/node.
NODE_PIN="24.21.0"
_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(_major node)" != "24" ]; then
  _bin="$_root/.tools/node/node_modules/.bin"
  if [ "$(_major "$_bin/node")" != "24" ]; then
    echo "tollgate: Node $(node --version 2>/dev/null || echo none) found; installing Node $NODE_PIN from the npm registry into .tools/node" >&2
    mkdir -p "$_root/.tools/node"
    npm install --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
      --prefix "$_root/.tools/node" "node@$NODE_PIN" >&2 || { echo "tollgate: could not install Node $NODE_PIN" >&2; return 1 2>/dev/null || exit 1; }
  fi
  export PATH="$_bin:$PATH"
fi
unset -f _major
