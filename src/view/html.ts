/**
 * HTML helpers for the viewer's server-rendered pages: escaping, the page shell (inline CSS, no scripts, no
 * external assets), tables, and diff highlighting.
 */
export function esc(v: unknown): string {
  return String(v ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A query string from the non-empty entries. */
export function qs(params: Record<string, string | undefined>): string {
  const e = Object.entries(params).filter((x): x is [string, string] => x[1] !== undefined && x[1] !== "");
  return e.length ? `?${e.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&")}` : "";
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"DejaVu Sans",sans-serif;margin:0;color:#1b1b1b;background:#fafafa}
header{background:#20252b;color:#fff;padding:10px 24px;display:flex;gap:24px;align-items:baseline}
header a{color:#cfe3ff;text-decoration:none}header strong{font-size:16px}
main{padding:16px 24px;max-width:1400px}
h1{font-size:20px;margin:8px 0 12px}h2{font-size:16px;margin:24px 0 8px}
table{border-collapse:collapse;background:#fff;margin:8px 0}th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f0f2f4;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}
.passed{color:#0a7d32}.failed{color:#b3261e}.error{color:#8a5a00}
.cell{display:block;text-align:center;text-decoration:none;border-radius:3px;padding:2px 6px}
.headline{background:#fff;border-left:4px solid #0072B2;padding:8px 12px;margin:8px 0 16px}
.note{color:#555;font-size:13px}.sort{color:#555;font-size:12px;margin:0}
form.filters{display:flex;gap:12px;align-items:end;flex-wrap:wrap;background:#fff;padding:8px 12px;border:1px solid #ddd}
form.filters label{display:flex;flex-direction:column;font-size:12px;color:#444}
.msg{background:#fff;border:1px solid #ddd;border-radius:6px;margin:10px 0;padding:8px 12px;max-width:1100px}
.msg.user{border-left:4px solid #555}.msg.assistant{border-left:4px solid #0072B2}.msg.tool{border-left:4px solid #E69F00}
.msg.note{border-left:4px solid #999;color:#444}.msg.final{border-left:4px solid #009E73}
.meta{color:#666;font-size:12px;margin-bottom:4px}
pre{white-space:pre-wrap;word-break:break-word;margin:4px 0;font:12.5px/1.4 "DejaVu Sans Mono",monospace;background:#f6f8fa;padding:6px 8px;border-radius:4px;max-height:480px;overflow:auto}
.call{font-family:"DejaVu Sans Mono",monospace;font-size:13px;background:#fff7e6;padding:2px 6px;border-radius:3px}
.reasoning{color:#555;font-style:italic}
img.shot{max-width:640px;border:1px solid #ccc;display:block;margin:6px 0}
pre.diff .add{color:#0a7d32;background:#e8f6ec;display:block}pre.diff .del{color:#b3261e;background:#fdecea;display:block}
pre.diff .hunk{color:#0550ae;display:block}pre.diff .file{font-weight:700;display:block}
.error-page{background:#fff;border:1px solid #e0b4b4;border-left:4px solid #b3261e;padding:12px 16px;max-width:900px}
`;

export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)} · switchyard view</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,"><style>${CSS}</style></head>
<body><header><strong>switchyard view</strong><a href="/">jobs</a><a href="/compare">compare</a><a href="/store">results store</a></header>
<main>${body}</main></body></html>`;
}

export function errorPage(what: string, fix: string | undefined): string {
  return page(
    "error",
    `<div class="error-page"><h1>Cannot show this</h1><p class="what">switchyard: ${esc(what)}</p>${
      fix ? `<p class="fix">fix: ${esc(fix)}</p>` : ""
    }<p><a href="/">back to the jobs</a></p></div>`,
  );
}

export function table(head: string[], rows: string[][], opts: { cls?: string; numeric?: number[] } = {}): string {
  const num = new Set(opts.numeric ?? []);
  const th = head.map((h) => `<th>${h}</th>`).join("");
  const trs = rows
    .map((r) => `<tr>${r.map((c, i) => `<td${num.has(i) ? ' class="num"' : ""}>${c}</td>`).join("")}</tr>`)
    .join("\n");
  return `<table${opts.cls ? ` class="${opts.cls}"` : ""}><thead><tr>${th}</tr></thead><tbody>${trs}</tbody></table>`;
}

/** A unified diff with added, removed, hunk and file lines marked (classes add/del/hunk/file). */
export function diffHtml(patch: string): string {
  const lines = patch.split("\n").map((l) => {
    const cls =
      l.startsWith("+++") || l.startsWith("---") || l.startsWith("diff ")
        ? "file"
        : l.startsWith("+")
          ? "add"
          : l.startsWith("-")
            ? "del"
            : l.startsWith("@@")
              ? "hunk"
              : "";
    return cls ? `<span class="${cls}">${esc(l)}</span>` : `${esc(l)}\n`;
  });
  return `<pre class="diff">${lines.join("")}</pre>`;
}

export function usd(v: number | null | undefined): string {
  if (v === null || v === undefined) return "–";
  return v >= 1 ? `$${v.toFixed(2)}` : `$${v.toFixed(4)}`;
}

export function pct(n: number, d: number): string {
  return d ? `${Math.round((n / d) * 100)}%` : "–";
}
