import { loadConfig } from "../core/config.ts";
import { EXIT } from "../core/errors.ts";
import type { ModelInfo } from "../core/model.ts";
import { describeTiers } from "../ledger/price.ts";
import { type Catalog, loadCatalog } from "../providers/catalog.ts";

/** `switchyard models`: the catalog (built-ins plus switchyard.toml) as a table or JSON. */

export interface ModelsOptions {
  json?: boolean;
  config?: string;
  /** Project directory holding switchyard.toml (tests); defaults to cwd. */
  projectDir?: string;
  out?: (s: string) => void;
}

export interface ModelRow {
  ref: string;
  protocol: string;
  contextWindow: number | null;
  price: { input: number; cachedInput: number | null; cacheWrite: number | null; output: number } | null;
  nativeTools: string[];
  source: string;
  /** Long-context rates, service tiers and 1-hour cache writes, in one line (absent when the card has none). */
  tiers?: string;
}

export function modelRows(catalog: Catalog): ModelRow[] {
  const rows: ModelRow[] = catalog.models.map((m: ModelInfo) => ({
    ref: `${m.provider}/${m.id}`,
    protocol: m.protocol,
    contextWindow: m.contextWindow,
    price: m.price
      ? {
          input: m.price.input,
          cachedInput: m.price.cachedInput ?? null,
          cacheWrite: m.price.cacheWrite ?? null,
          output: m.price.output,
        }
      : null,
    nativeTools: m.capabilities.nativeTools,
    source: m.price?.source ?? "no price (cost shown as unknown)",
    ...(m.price && describeTiers(m.price) ? { tiers: describeTiers(m.price)! } : {}),
  }));
  // Providers with no listed model still take any id (unpriced): show them so users know they exist.
  for (const p of catalog.providers) {
    if (catalog.models.some((m) => m.provider === p.name)) continue;
    rows.push({
      ref: `${p.name}/<any model>`,
      protocol: p.protocol,
      contextWindow: null,
      price: null,
      nativeTools: [],
      source: `unlisted models are unpriced (${p.baseUrl})`,
    });
  }
  return rows;
}

const usd = (v: number | null | undefined) => (v === null || v === undefined ? "-" : `$${Number(v.toFixed(4))}`);

function ctx(n: number | null): string {
  if (n === null) return "-";
  if (n >= 1_000_000 && n % 1_000_000 < 100_000) return `${(n / 1_000_000).toFixed(n % 1_000_000 ? 2 : 0)}M`;
  return `${Math.round(n / 1000)}K`;
}

export function formatModelsTable(rows: ModelRow[]): string {
  const header = ["MODEL", "PROTOCOL", "CONTEXT", "IN", "CACHED", "WRITE", "OUT", "NATIVE TOOLS", "PRICE SOURCE"];
  const body = rows.map((r) => [
    r.ref,
    r.protocol,
    ctx(r.contextWindow),
    usd(r.price?.input),
    usd(r.price?.cachedInput),
    usd(r.price?.cacheWrite),
    usd(r.price?.output),
    r.nativeTools.map((t) => t.replace(/^(openai|anthropic)\./, "")).join(",") || "-",
    r.source,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  const tiered = rows.filter((r) => r.tiers);
  const refWidth = Math.max(0, ...tiered.map((r) => r.ref.length));
  return [
    line(header),
    ...body.map(line),
    "",
    'Prices: USD per 1M tokens. CACHED = cache read, WRITE = cache write (5-minute TTL); "-" = not listed.',
    ...(tiered.length
      ? [
          "",
          "Price tiers (each call is billed at the tier that served it: the response's service tier, the prompt size):",
          ...tiered.map((r) => `  ${r.ref.padEnd(refWidth)}  ${r.tiers}`),
        ]
      : []),
  ].join("\n");
}

export async function renderModels(opts: ModelsOptions): Promise<number> {
  const out = opts.out ?? ((s: string) => process.stdout.write(s));
  const config = loadConfig({
    ...(opts.config ? { file: opts.config } : {}),
    ...(opts.projectDir ? { projectDir: opts.projectDir } : {}),
  });
  const rows = modelRows(loadCatalog(config));
  out(opts.json ? `${JSON.stringify(rows, null, 2)}\n` : `${formatModelsTable(rows)}\n`);
  return EXIT.done;
}
