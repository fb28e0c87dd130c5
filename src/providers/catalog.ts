import type { Config, ModelEntry } from "../core/config.ts";
import { ConfigError } from "../core/errors.ts";
import type { ModelInfo, Price, ProviderInfo } from "../core/model.ts";
import { BUILTIN_MODELS, BUILTIN_PROVIDERS, DEFAULT_CONTEXT_WINDOW } from "./catalog-data.ts";

export interface ResolvedModel {
  model: ModelInfo;
  provider: ProviderInfo;
}

export interface Catalog {
  providers: ProviderInfo[];
  models: ModelInfo[];
  /**
   * "provider/model" or a bare id/alias. A provider that accepts unlisted models (custom providers, openrouter,
   * ollama) resolves any id, unpriced, with DEFAULT_CONTEXT_WINDOW. Throws ConfigError with near matches otherwise.
   */
  resolve(ref: string): ResolvedModel;
}

function priceFromEntry(p: NonNullable<ModelEntry["price"]>, file: string): Price {
  const lc = p.long_context;
  return {
    input: p.input,
    output: p.output,
    ...(p.cached_input === undefined ? {} : { cachedInput: p.cached_input }),
    ...(p.cache_write === undefined ? {} : { cacheWrite: p.cache_write }),
    ...(p.cache_write_long === undefined ? {} : { cacheWriteLong: p.cache_write_long }),
    source: p.source ?? `config (${file})`,
    ...(lc
      ? {
          longContext: {
            above: lc.above,
            input: lc.input,
            output: lc.output,
            ...(lc.cached_input === undefined ? {} : { cachedInput: lc.cached_input }),
            ...(lc.cache_write === undefined ? {} : { cacheWrite: lc.cache_write }),
            ...(lc.cache_write_long === undefined ? {} : { cacheWriteLong: lc.cache_write_long }),
            source: lc.source ?? `config (${file})`,
          },
        }
      : {}),
    ...(p.tiers
      ? {
          tiers: Object.fromEntries(
            Object.entries(p.tiers).map(([k, t]) => [
              k.toLowerCase(),
              { factor: t.factor, source: t.source ?? `config (${file})` },
            ]),
          ),
        }
      : {}),
  };
}

/** Apply a config model entry over an existing catalog entry (or a blank one for a new model). */
function applyEntry(base: ModelInfo | undefined, e: ModelEntry, provider: ProviderInfo): ModelInfo {
  const caps = base?.capabilities ?? { nativeTools: [], computerUse: false, images: false, reasoning: false };
  const out: ModelInfo = {
    id: e.id,
    provider: provider.name,
    protocol: provider.protocol,
    contextWindow: e.context_window ?? base?.contextWindow ?? DEFAULT_CONTEXT_WINDOW,
    capabilities: {
      nativeTools: e.native_tools ?? caps.nativeTools,
      computerUse: e.computer_use ?? caps.computerUse,
      images: e.images ?? caps.images,
      reasoning: e.reasoning ?? caps.reasoning,
    },
  };
  const maxOut = e.max_output_tokens ?? base?.maxOutputTokens;
  if (maxOut !== undefined) out.maxOutputTokens = maxOut;
  const price = e.price ? priceFromEntry(e.price, "switchyard.toml") : base?.price;
  if (price) out.price = price;
  const aliases = e.aliases ?? base?.aliases;
  if (aliases) out.aliases = aliases;
  const fallbacks = e.fallbacks ?? base?.fallbacks;
  if (fallbacks) out.fallbacks = fallbacks;
  const control = e.reasoning_control ?? base?.reasoningControl;
  if (control) out.reasoningControl = { kind: control.kind, ...(control.values ? { values: control.values } : {}) };
  const computerTool = e.computer_tool ?? base?.computerTool;
  if (computerTool) out.computerTool = computerTool;
  const replay = e.replay_reasoning_content ?? base?.replayReasoningContent;
  if (replay !== undefined) out.replayReasoningContent = replay;
  return out;
}

/** Built-ins, with config `providers` and `models` merged over them (config wins field by field). */
export function loadCatalog(config?: Config): Catalog {
  const providers = new Map<string, ProviderInfo>();
  const open = new Set<string>();
  for (const { acceptsUnlisted, ...p } of BUILTIN_PROVIDERS) {
    providers.set(p.name, { ...p });
    if (acceptsUnlisted) open.add(p.name);
  }
  const models: ModelInfo[] = BUILTIN_MODELS.map((m) => structuredClone(m));

  const upsert = (providerName: string, entries: ModelEntry[]) => {
    const provider = providers.get(providerName);
    if (!provider) {
      throw new ConfigError(`switchyard.toml: models.${providerName}: unknown provider '${providerName}'`, {
        field: `models.${providerName}`,
        hint: `add a [providers.${providerName}] table or use one of: ${[...providers.keys()].join(", ")}`,
      });
    }
    for (const e of entries) {
      const i = models.findIndex((m) => m.provider === providerName && m.id === e.id);
      const next = applyEntry(i >= 0 ? models[i] : undefined, e, provider);
      if (i >= 0) models[i] = next;
      else models.push(next);
    }
  };

  for (const [name, entry] of Object.entries(config?.providers ?? {})) {
    const existing = providers.get(name);
    const info: ProviderInfo = {
      name,
      protocol: entry.protocol,
      baseUrl: entry.base_url ?? existing?.baseUrl ?? "",
    };
    if (!info.baseUrl) {
      throw new ConfigError(`switchyard.toml: providers.${name}.base_url is required for a custom provider`, {
        field: `providers.${name}.base_url`,
        hint: `set base_url, e.g. base_url = "http://localhost:11434/v1"`,
      });
    }
    if (existing?.baseUrlEnv) info.baseUrlEnv = existing.baseUrlEnv;
    const keyEnv = entry.api_key_env ?? existing?.apiKeyEnv;
    if (keyEnv) info.apiKeyEnv = keyEnv;
    const apiVersion = entry.api_version ?? existing?.apiVersion;
    if (apiVersion) info.apiVersion = apiVersion;
    providers.set(name, info);
    if (!existing) open.add(name);
    if (existing && existing.protocol !== info.protocol) {
      // The protocol changed: built-in models of this provider now speak the new protocol.
      for (const m of models) if (m.provider === name) m.protocol = info.protocol;
    }
    upsert(name, entry.models);
  }
  for (const [name, entries] of Object.entries(config?.models ?? {})) upsert(name, entries);

  const providerList = [...providers.values()];
  return {
    providers: providerList,
    models,
    resolve: (ref) => resolveRef(ref, providers, models, open),
  };
}

function matches(m: ModelInfo, id: string): boolean {
  return m.id === id || (m.aliases?.includes(id) ?? false);
}

function resolveRef(
  ref: string,
  providers: Map<string, ProviderInfo>,
  models: ModelInfo[],
  open: Set<string>,
): ResolvedModel {
  const trimmed = ref.trim();
  if (!trimmed) {
    throw new ConfigError("no model given", {
      field: "model",
      hint: "pass --model <provider>/<model>, e.g. openai/gpt-5.5",
    });
  }
  const slash = trimmed.indexOf("/");
  const providerName = slash > 0 ? trimmed.slice(0, slash) : undefined;
  if (providerName !== undefined && providers.has(providerName)) {
    const provider = providers.get(providerName) as ProviderInfo;
    const id = trimmed.slice(slash + 1);
    const found = models.find((m) => m.provider === providerName && matches(m, id));
    if (found) return { model: found, provider };
    if (open.has(providerName) && id) {
      return {
        provider,
        model: {
          id,
          provider: providerName,
          protocol: provider.protocol,
          contextWindow: DEFAULT_CONTEXT_WINDOW,
          capabilities: { nativeTools: [], computerUse: false, images: false, reasoning: false },
        },
      };
    }
    const candidates = models.filter((m) => m.provider === providerName).flatMap((m) => [m.id, ...(m.aliases ?? [])]);
    throw unknownModel(id, candidates, `${providerName}/`);
  }
  // A bare id (ids may contain "/" too, e.g. an openrouter model listed in config).
  const found = models.find((m) => matches(m, trimmed));
  if (found) return { model: found, provider: providers.get(found.provider) as ProviderInfo };
  if (providerName !== undefined) {
    throw new ConfigError(`unknown provider '${providerName}' in model '${trimmed}'`, {
      field: "model",
      hint: `use one of: ${[...providers.keys()].join(", ")} — or add [providers.${providerName}] to switchyard.toml`,
    });
  }
  throw unknownModel(
    trimmed,
    models.flatMap((m) => [m.id, ...(m.aliases ?? [])]),
    "",
  );
}

function unknownModel(id: string, candidates: string[], prefix: string): ConfigError {
  const near = nearMatches(id, candidates);
  const msg = near.length
    ? `unknown model '${id}'; did you mean: ${near.map((n) => prefix + n).join(", ")}?`
    : `unknown model '${id}'`;
  return new ConfigError(msg, {
    field: "model",
    hint: "run `switchyard models` for the catalog, or add the model to switchyard.toml under [[models.<provider>]]",
  });
}

/** Candidates within edit distance 2 (or a third of the length), or sharing a prefix with `id`; best first, at most 3. */
export function nearMatches(id: string, candidates: string[], limit = 3): string[] {
  const q = id.toLowerCase();
  const scored: Array<{ c: string; d: number; i: number }> = [];
  const seen = new Set<string>();
  candidates.forEach((c, i) => {
    if (seen.has(c)) return;
    seen.add(c);
    const lc = c.toLowerCase();
    const d = editDistance(q, lc);
    const prefix = q.length >= 3 && (lc.startsWith(q) || q.startsWith(lc));
    if (d <= Math.max(2, Math.floor(q.length / 4)) || prefix) scored.push({ c, d: prefix ? Math.min(d, 1) : d, i });
  });
  scored.sort((a, b) => a.d - b.d || a.i - b.i);
  return scored.slice(0, limit).map((s) => s.c);
}

export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const sub = (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, sub));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}
