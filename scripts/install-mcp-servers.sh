#!/usr/bin/env bash
# Installs the keyless MCP servers that MCP-Atlas-style bench tasks use (src/mcp-servers/npm: exact versions and a
# lock file) into a cache outside the checkout and outside any task, where trials mount it read-only. The folder
# rule is src/bench/mcp-atlas/servers.ts serverCacheDir: $SWITCHYARD_MCP_SERVERS, or
# ${XDG_CACHE_HOME:-~/.cache}/switchyard/mcp-servers/<first 12 hex digits of the lock's sha256>.
set -euo pipefail
cd "$(dirname "$0")/.."

src=src/mcp-servers/npm
hash=$(sha256sum "$src/package-lock.json" | cut -c1-12)
dest="${SWITCHYARD_MCP_SERVERS:-${XDG_CACHE_HOME:-$HOME/.cache}/switchyard/mcp-servers/$hash}"
if [ -f "$dest/.installed" ] && cmp -s "$src/package-lock.json" "$dest/package-lock.json"; then
  exit 0
fi
echo "setup: installing the pinned MCP servers into $dest" >&2
mkdir -p "$dest"
cp "$src/package.json" "$src/package-lock.json" "$dest/"
rm -f "$dest/.installed"
(cd "$dest" && npm ci --no-audit --no-fund --loglevel=error --ignore-scripts)
chmod -R a+rX "$dest"
touch "$dest/.installed"
