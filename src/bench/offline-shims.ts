import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pythonStandinFiles } from "./offline-pytest.ts";

/**
 * Offline stand-ins put first on the verifier's PATH. TB2 test scripts usually fetch their test runner
 * (`curl …/uv/install.sh | sh; uvx -p 3.13 -w pytest==8.4.1 pytest /tests/test_outputs.py`, `uv run pytest`,
 * `pip install pytest`, `apt-get install -y curl`). With no network these would fail and score 0 for a reason
 * unrelated to the agent, so:
 * - `uvx [opts] TOOL ARGS` and `uv run [opts] TOOL ARGS` run the machine's own TOOL (pytest → `python3 -m pytest`),
 *   dropping plugin flags that pytest here does not accept (`--ctrf FILE` is accepted by the stand-in plugin below,
 *   `--json-report*` when pytest-json-report is missing);
 * - `uv pip install|sync|venv|add|init|python install`, `pip install`, `apt-get|apt install|update` succeed
 *   without doing anything;
 * - `curl`/`wget` of uv's installer (`curl -LsSf https://astral.sh/uv/0.9.5/install.sh | sh`) print nothing, so the
 *   pipe runs an empty script (uv is already stood in for); any other download runs the machine's own tool, which
 *   fails for want of network as it would.
 * - `pytest --ctrf FILE` without pytest-json-ctrf installed: a stand-in plugin on the verifier's PYTHONPATH accepts
 *   the flag and writes the report (offline-pytest.ts).
 * Every use appends a line to /logs/verifier/offline-shims.log, and the trial result lists them as reduced fidelity.
 */

export const SHIM_DIR_INSIDE = "/.switchyard-offline/bin";
export const SHIM_LOG = "offline-shims.log";

const LOG = `log() { printf '%s\\n' "$*" >> /logs/verifier/${SHIM_LOG} 2>/dev/null || true; }`;

/** Runs a tool locally; pytest goes through python3 with flags of missing plugins removed. */
const RUN_TOOL = `has_option() { python3 -m pytest --help 2>/dev/null | grep -q -- "$1"; }
run_tool() {
  tool="$1"; shift
  case "$tool" in
    pytest|py.test)
      args=()
      while [ $# -gt 0 ]; do
        case "$1" in
          --ctrf) if ! has_option --ctrf; then shift; shift; continue; fi ;;
          --ctrf=*) if ! has_option --ctrf; then shift; continue; fi ;;
          --json-report|--json-report-file=*) if ! has_option --json-report; then shift; continue; fi ;;
        esac
        args+=("$1"); shift
      done
      exec python3 -m pytest "\${args[@]}" ;;
    python|python3) exec python3 "$@" ;;
    *) exec "$tool" "$@" ;;
  esac
}`;

const UVX = `#!/bin/bash
${LOG}
${RUN_TOOL}
while [ $# -gt 0 ]; do
  case "$1" in
    -p|--python|-w|--with|--from|--with-requirements|--index-url|--extra-index-url) shift 2 ;;
    --) shift; break ;;
    -*) shift ;;
    *) break ;;
  esac
done
log "uvx $1: ran the machine's own $1 instead of fetching it"
run_tool "$@"
`;

const UV = `#!/bin/bash
${LOG}
${RUN_TOOL}
sub="$1"; shift || true
case "$sub" in
  run)
    while [ $# -gt 0 ]; do
      case "$1" in
        -p|--python|-w|--with|--with-requirements|--project|--directory|--group|--extra) shift 2 ;;
        --) shift; break ;;
        -*) shift ;;
        *) break ;;
      esac
    done
    log "uv run $1: ran the machine's own $1"
    run_tool "$@" ;;
  tool)
    if [ "$1" = "run" ]; then shift; exec "$0x" "$@"; fi
    log "uv tool $*: skipped offline"; exit 0 ;;
  *) log "uv $sub: skipped offline"; exit 0 ;;
esac
`;

const NOOP = (name: string) => `#!/bin/bash
${LOG}
log "${name} $*: skipped offline"
exit 0
`;

/** uv's installer is a no-op offline; anything else goes to the real tool (and fails without network). */
const FETCH = (name: string) => `#!/bin/bash
${LOG}
for a in "$@"; do
  case "$a" in
    *astral.sh/uv*|*/uv/install.sh|*/uv/*/install.sh|*uv-installer*)
      log "${name} $a: uv installer skipped offline (uv and uvx are stood in for)"; exit 0 ;;
  esac
done
for c in /usr/local/bin/${name} /usr/bin/${name} /bin/${name}; do [ -x "$c" ] && exec "$c" "$@"; done
echo "${name}: not installed on this machine (and no network)" >&2
exit 127
`;

let shared: string | undefined;

/**
 * One read-only shim folder in the temp folder, named after its content (so it is shared by jobs, survives a
 * killed run harmlessly and never goes stale). Created through a temp folder + rename.
 */
export function sharedShimDir(): string {
  if (shared && existsSync(shared)) return shared;
  const digest = createHash("sha256").update(JSON.stringify(shimFiles())).digest("hex").slice(0, 12);
  const dir = join(tmpdir(), `switchyard-shims-${digest}`);
  if (!existsSync(dir)) {
    const tmp = mkdtempSync(join(tmpdir(), "switchyard-shims-tmp-"));
    writeShims(tmp);
    chmodSync(tmp, 0o755);
    try {
      renameSync(tmp, dir);
    } catch {
      rmSync(tmp, { recursive: true, force: true }); // another process made it first
    }
  }
  shared = dir;
  return dir;
}

function shimFiles(): Record<string, string> {
  return {
    uvx: UVX,
    uv: UV.replace('"$0x"', `"${SHIM_DIR_INSIDE}/uvx"`),
    pip: NOOP("pip"),
    pip3: NOOP("pip3"),
    "apt-get": NOOP("apt-get"),
    apt: NOOP("apt"),
    curl: FETCH("curl"),
    wget: FETCH("wget"),
    ...pythonStandinFiles(),
  };
}

export function writeShims(dir: string): void {
  const bin = join(dir);
  mkdirSync(bin, { recursive: true });
  const files = shimFiles();
  for (const [name, body] of Object.entries(files)) {
    const f = join(bin, name);
    mkdirSync(dirname(f), { recursive: true });
    writeFileSync(f, body);
    chmodSync(f, 0o755);
  }
}
