import { posix } from "node:path";

/**
 * Folders a Dockerfile RUN command evidently creates or uses below the given roots (the host's read-only system
 * folders of the local environment), so that they can be carved out writable before the build, as a WORKDIR or COPY
 * destination is: `python3 -m venv /opt/verifier-venv`, `mkdir -p /var/lib/bench`, `cp x /opt/tool/bin/x`. A path
 * is a folder when something lies below it (the parent of every path the command names) or when the command makes
 * it one (`mkdir`, `install -d`, `venv`/`virtualenv`); a path that may be a file (`go build -o /usr/local/bin/x`)
 * is never taken for a folder.
 */
export function runFolders(command: string, roots: readonly string[]): string[] {
  const alt = roots.map((r) => r.replace(/^\//, "").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
  const path = new RegExp(`(?<![\\w.$-])/(?:${alt})(?:/[\\w.@+-]+)+`, "g");
  const out = new Set<string>();
  for (const m of command.matchAll(path)) out.add(posix.dirname(m[0]));
  for (const target of madeFolders(command)) {
    if (roots.some((r) => target.startsWith(`${r}/`))) out.add(target);
  }
  return [...out];
}

/** Arguments of `mkdir`, `install -d` and `python -m venv` / `virtualenv` (absolute paths only). */
function madeFolders(command: string): string[] {
  const out: string[] = [];
  const makers = /(?:\bmkdir|\binstall\s+(?:-\S+\s+)*-d|\s-m\s+venv|\bvirtualenv)\s+([^;&|\n]+)/g;
  for (const m of command.matchAll(makers)) {
    for (const w of (m[1] ?? "").split(/\s+/)) if (/^\/[\w.@+/-]+$/.test(w)) out.push(w.replace(/\/+$/, ""));
  }
  return out;
}
