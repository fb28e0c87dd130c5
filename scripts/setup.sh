#!/usr/bin/env bash
# Installs everything Switchyard needs on a fresh Debian machine: the system packages behind the sandbox,
# the virtual display and the browser, Redis and PostgreSQL (the queue's tests start private instances of both),
# then the npm dependencies (which bring Node 24 as a devDependency).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(bubblewrap util-linux passwd tar gzip bzip2 xz-utils git curl xvfb xdotool scrot x11-utils openbox chromium python3-pytest redis-server postgresql)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  elif command -v sudo >/dev/null; then
    echo "setup: installing Debian packages with sudo: ${missing[*]}" >&2
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing Debian packages: ${missing[*]} (install them with apt-get as root)" >&2
    exit 1
  fi
fi

# The lock file lists every platform's optional binaries, so `npm ci` installs exactly what is locked and leaves
# the clone clean.
npm ci --no-audit --no-fund --loglevel=error

# The pinned keyless MCP servers for MCP-Atlas-style tasks (tasks/mcp-atlas), in a cache outside the checkout.
bash scripts/install-mcp-servers.sh

# The installed bench agents (Codex, Claude Code, Gemini CLI, OpenCode, pi) at their pinned versions, from the npm
# registry into the agent cache (~/.cache/switchyard/agents, or SWITCHYARD_AGENT_CACHE); the tests drive the real
# CLIs. About 1.5 GB and a few minutes the first time, nothing later. SWITCHYARD_SKIP_AGENTS=1 skips it.
if [ "${SWITCHYARD_SKIP_AGENTS:-}" != 1 ]; then
  node_modules/.bin/node scripts/install-agents.ts
fi
