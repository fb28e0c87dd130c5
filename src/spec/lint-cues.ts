/**
 * What the prompt linter looks for (lint.ts): detectors for concrete objects, success criteria, the stack and
 * open-ended goals, and `lintFeatures` — the binary features its trained model (lint-model.json, trained by
 * scripts/train-lint.ts from bench/data/lint-train.jsonl) weighs. Detectors are hand-written families of words and
 * phrase patterns; the model learns how much each one counts for each finding, plus word stems for what they miss.
 */

export interface Hit {
  kind: string;
  text: string;
}

const FILE_EXT =
  "py|ts|tsx|js|jsx|mjs|cjs|go|rs|java|kt|rb|php|c|h|cc|cpp|hpp|cs|swift|scala|sh|sql|json|ya?ml|toml|md|html|css|vue|svelte|txt|csv|ini|cfg|lock|xml|proto|tf";

/** Word pairs written with a slash that are not paths ("and/or", "Python/Flask"). */
function plausiblePath(p: string): boolean {
  const parts = p
    .replace(/^\.{0,2}\//, "")
    .replace(/\/$/, "")
    .split("/");
  if (p.startsWith(".") || p.endsWith("/") || parts.length > 2 || /\.\w+$/.test(p)) return true;
  const [a = "", b = ""] = parts;
  if (/^[A-Z]/.test(a) && /^[A-Z]/.test(b)) return false;
  return !NOT_PATHS.has(`${a}/${b}`.toLowerCase());
}

const NOT_PATHS = new Set([
  "and/or",
  "async/await",
  "input/output",
  "read/write",
  "tcp/ip",
  "client/server",
  "true/false",
  "yes/no",
  "on/off",
  "either/or",
  "he/she",
  "pass/fail",
]);

export const CONCRETE: Array<{ kind: string; re: RegExp; ok?: (s: string) => boolean }> = [
  { kind: "url", re: /\bhttps?:\/\/[^\s)>"']+/i },
  { kind: "endpoint", re: /\b(GET|POST|PUT|PATCH|DELETE)\s+\/[\w/{}:.-]*/ },
  { kind: "path", re: /(?:^|[\s("'`])((?:\.{0,2}\/)?[\w.-]+(?:\/[\w.-]+)+\/?)/g, ok: plausiblePath },
  { kind: "file", re: new RegExp(`\\b[\\w-]+\\.(?:${FILE_EXT})\\b`, "i") },
  { kind: "code", re: /`[^`\n]{2,}`/ },
  { kind: "call", re: /\b[A-Za-z_]\w*\(\)/ },
  { kind: "identifier", re: /\b[a-z]+(?:[A-Z][a-z0-9]+)+\b|\b[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]+)+\b/ },
  { kind: "identifier", re: /\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b/ },
  { kind: "issue", re: /(?:\bissue\s+|(?<![\w&])#)\d+\b/i },
  {
    kind: "command",
    re: /\b(?:npm (?:run |test)|pnpm |yarn |npx |pytest|python3? -m|go (?:test|build|run)|cargo (?:test|build|run)|mvn |gradle |bundle exec|rspec|jest|vitest|node --test|docker (?:build|run|compose)|curl |git (?:bisect|log|diff))[^\n.,;]*/i,
  },
  { kind: "command", re: /(?:^|[\s`])make(?: [\w-]+)?(?=[\s`.,;]|$)/ },
  {
    kind: "error text",
    re: /\b[A-Z]\w*(?:Error|Exception)\b|\bstatus (?:code )?\d{3}\b|\b[45]\d\d\b(?= (?:error|response))/,
  },
];

export const CRITERIA: Array<{ kind: string; re: RegExp }> = [
  {
    kind: "tests pass",
    re: /\b(?:tests?|specs?|suite|checks?|ci|build|lint(?:er)?|type ?check)\b(?:[^.\n]|\.(?!\s|$)){0,40}\b(?:pass(?:es|ing)?|green|succeed(?:s)?|clean)\b/i,
  },
  { kind: "tests pass", re: /\bpass(?:es|ing)?\b(?:[^.\n]|\.(?!\s|$)){0,30}\b(?:tests?|specs?|suite|checks?)\b/i },
  {
    kind: "status",
    re: /\b(?:returns?|respond(?:s)? with|answers?|gets?)\s+(?:an? )?(?:HTTP )?(?:status )?[1-5]\d\d\b/i,
  },
  { kind: "exit code", re: /\bexit(?:s| code| status)?\s*(?:with\s+)?(?:code\s+)?\d+\b|\bexit code\b/i },
  {
    kind: "measure",
    re: /(?:[<>≤≥]=?\s*|\b(?:under|below|above|over|at least|at most|within|less than|more than|to)\s+)?\b\d+(?:\.\d+)?\s?(?:ms|s|sec(?:onds)?|min(?:utes)?|%|kb|mb|gb|req\/s|rps|lines|tokens|x)\b/i,
  },
  {
    kind: "expected output",
    re: /\b(?:should|must|so that|until)\b[^.\n]{0,60}\b(?:return|print|output|show|equal|contain|match|produce|exit|pass|respond|render|accept|reject)s?\b/i,
  },
  { kind: "criteria list", re: /\b(?:so that|such that|requirements?|must)\s*:\s*\n\s*[-*\d]/i },
  {
    kind: "output file",
    re: /\b(?:write|save|store|output|print|append)\b[^\n]{0,120}?\b(?:to|into)\s+`?(?:\/?[\w.-]+\/)*[\w.-]+\.(?:txt|json|jsonl|csv|md|html|log|out|ya?ml|xml|png|tsv)\b/i,
  },
  {
    kind: "output file",
    re: /\b(?:write|create|produce|generate)\s+`[^`\n]*\.(?:txt|json|jsonl|csv|md|html|out|ya?ml|xml|tsv)`/i,
  },
  {
    kind: "expected output",
    re: /\b(?:expected output|acceptance criteria|definition of done|done when|is done when)\b/i,
  },
  {
    kind: "new test",
    re: /\b(?:add|write|include)\s+(?:a |an |some )?(?:regression |unit |integration |new )?tests?\b[^.\n]{0,40}?\b(?:that|which)\s+(?:asserts?|checks?|verif(?:y|ies)|proves?|reproduces?|fails? (?:before|without))\b/i,
  },
  {
    kind: "no errors",
    re: /\b(?:no (?:more )?(?:errors|warnings|failures|crash(?:es)?)|without (?:errors|crashing)|compiles? (?:cleanly|without))\b/i,
  },
];

export const LANGUAGES =
  /\b(?:python[23]?|typescript|javascript|node(?:\.?js)?|deno|bun|golang|go \d|rust|java|kotlin|scala|ruby|php|c\+\+|c#|\.net|swift|objective-c|elixir|erlang|haskell|ocaml|clojure|perl|lua|r|bash|shell|sql|postgres(?:ql)?|mysql|sqlite|terraform|dart|c(?= (?:program|project|library|code|sources?|compiler)\b))\b/i;
/** "Go" the language (capitalised, in context), which LANGUAGES cannot tell from the verb. */
export const GO_LANG =
  /(?:\b(?:in|the|our|a|with|to)\s+)Go\b(?!\s+(?:to|through|over|back|ahead)\b)|\bGo\s+(?:service|project|code|module|app|program|binary|version|1\.\d+)\b/;
export const FRAMEWORKS =
  /\b(?:react|next\.?js|vue|svelte|angular|express|fastify|nestjs|django|flask|fastapi|rails|sinatra|spring(?: boot)?|laravel|symfony|gin|echo|actix|axum|tokio|phoenix|pandas|numpy|pytorch|tensorflow|flutter|electron)\b/i;
export const TEST_RUNNERS =
  /\b(?:pytest|unittest|jest|vitest|mocha|ava|node --test|go test|cargo test|junit|rspec|minitest|phpunit|xunit|nunit|ctest|bats|npm test|npm run test|pnpm test|yarn test|make test|tox|playwright test)\b/i;
/** Build tools imply the language and how to run things. */
export const BUILD_TOOLS =
  /\b(?:cargo|npm|pnpm|yarn|pip|poetry|uv run|go (?:build|run|mod|vet)|mvn|gradle|bundle|composer|dotnet|cmake|gcc|clang|Makefile)\b|`make\b[^`]*`/i;

/** Work on code, where the stack matters; other tasks (move files, summarize logs) leave the tools to the agent. */
export const CODE_WORK =
  /\b(?:fix|bug|refactor|implement|function|class|method|module|endpoint|api|library|package|dependenc(?:y|ies)|code(?:base)?|(?<![/\w.-])app(?:lication)?|compile|build|tests?)\b/i;
export const LANG_FROM_EXT: Record<string, string> = {
  py: "Python",
  ts: "TypeScript",
  tsx: "TypeScript/React",
  js: "JavaScript",
  jsx: "JavaScript/React",
  go: "Go",
  rs: "Rust",
  java: "Java",
  kt: "Kotlin",
  rb: "Ruby",
  php: "PHP",
  cs: "C#",
  cpp: "C++",
  cc: "C++",
  c: "C",
  swift: "Swift",
};

export const RUNNER_FOR: Record<string, string> = {
  Python: "pytest -q",
  TypeScript: "npm test",
  "TypeScript/React": "npm test",
  JavaScript: "npm test",
  "JavaScript/React": "npm test",
  Go: "go test ./...",
  Rust: "cargo test",
  Java: "mvn test",
  Kotlin: "gradle test",
  Ruby: "bundle exec rspec",
  PHP: "vendor/bin/phpunit",
  "C#": "dotnet test",
};

export const UNBOUNDED: Array<{ re: RegExp; bounded: (m: string) => string }> = [
  {
    re: /\b(?:the )?(?:whole|entire|full) (?:code ?base|repo(?:sitory)?|project|app(?:lication)?|system|monorepo)\b/i,
    bounded: () => "`src/<module>/` (name the directories or files)",
  },
  {
    re: /\b(?:all|every) (?:the )?(?:files|modules|code|bugs|issues|warnings|tests)\b/i,
    bounded: (m) => `${m} in \`src/<module>/\``,
  },
  {
    re: /\b(?:improve|increase|raise|better) (?:the )?(?:overall )?(?:code )?(?:quality|readability|maintainability|performance|architecture|design)\b/i,
    bounded: (m) => `${m} of \`<file or function>\`, measured by <a check, e.g. "\`npm run lint\` reports 0 warnings">`,
  },
  {
    re: /\bclean(?: ?up| up)? (?:the |our )?(?:code(?:base)?|repo(?:sitory)?|project|mess)\b/i,
    bounded: (m) => `${m} in \`<file>\``,
  },
  {
    re: /\b(?:refactor|rewrite|modernize|overhaul|optimi[sz]e) (?:everything|it all|the code(?:base)?|the app(?:lication)?)\b/i,
    bounded: (m) => `${m.split(" ")[0]} \`<module or function>\``,
  },
  {
    re: /\bmake (?:it|everything|the (?:code|app|site|project|system|ui)) (?:better|faster|cleaner|nicer|good|robust|scalable)\b/i,
    bounded: (m) => `${m} in \`<function>\`, e.g. "under 200 ms per request"`,
  },
];

/** Words that ask for work but say nothing about what (used for the vague rewrite). */
export const VAGUE_VERBS =
  /\b(?:fix|improve|update|change|handle|clean up|make|sort out|look at|check|optimi[sz]e|refactor|do)\b/i;

export function firstHit(
  text: string,
  list: Array<{ kind: string; re: RegExp; ok?: (s: string) => boolean }>,
): Hit | undefined {
  for (const { kind, re, ok } of list) {
    const matches = re.global ? [...text.matchAll(re)] : [re.exec(text)];
    for (const m of matches) {
      if (!m) continue;
      const hit = (m[1] ?? m[0]).trim();
      if (!ok || ok(hit)) return { kind, text: hit };
    }
  }
  return undefined;
}

/** More ways a prompt says when it is done (beyond CRITERIA), as features for the model. */
export const MORE_CRITERIA: Array<{ kind: string; re: RegExp }> = [
  {
    kind: "precise edit",
    re: /\b(?:rename|replace|change|bump|update|set|upgrade|downgrade|pin|move)\b(?:[^.\n]|\.(?!\s|$)){0,60}?\b(?:to|with)\s+[`'"]?(?:v?\d+(?:\.\d+)+|\d{2,}|[\w-]*\d[\w.-]*|`[^`]+`|'[^']+'|"[^"]+"|[a-z]+[A-Z]\w*|[a-z]+_\w+)|\bfrom\s+[`'"]?[\w.#-]+[`'"]?\s+to\s+[`'"]?[\w.#-]+|(?:'[^']+'|"[^"]+"|`[^`]+`)\s*(?:->|→|=>)\s*(?:'[^']+'|"[^"]+"|`[^`]+`)|\bset\s+`?[\w.]+`?\s*=\s*\S+/i,
  },
  {
    kind: "named failing check",
    re: /(?:`[^`]+`|\btest[\w.:]*|\bspecs?\b|\bbuild\b|\bci\b|\bsuite\b|\bpipeline\b)[^.\n]{0,40}?\b(?:fails?|failing|broken|is red|breaks)\b|\b(?:failing|broken)\s+(?:ci\s+)?(?:build|tests?|ci|pipeline)\b/i,
  },
  {
    kind: "must succeed",
    re: /\b(?:must|should|has to|needs? to)\s+(?:still\s+)?(?:succeed|build|compile|work|apply cleanly|stay green|keep passing|pass)\b|\bmake\s+`[^`]+`\s+(?:succeed|work|pass)/i,
  },
  {
    kind: "clean check",
    re: /\b(?:so(?: that)?|until|till)\s+[^.\n]{1,40}?\b(?:is|are|runs?|reports?|comes? back|stays?|prints?)\s+(?:clean|green|quiet|empty|happy|passing|silent|nothing|no (?:errors|warnings))\b/i,
  },
  {
    kind: "answer form",
    re: /\banswer in\b|\bin (?:one|two|three|four|five|\d+) (?:sentences|lines|paragraphs|words|bullets)\b/i,
  },
  { kind: "example output", re: /\bshould (?:print|return|output|render|show|give)\b|\bexpecting\b|\bexpected:/i },
];

/** The prompt names something specific to act on, in words rather than a path. */
const SPECIFIC: Array<{ kind: string; re: RegExp }> = [
  {
    kind: "feature",
    re: /\b(?:add|implement|create|build|support|show|display|introduce|make)\b\s+(?:an?\s+|the\s+|some\s+)?(?:new\s+)?(?:[\w-]+\s+){0,3}(?:button|link|switch|toggle|option|flag|field|column|page|screen|form|endpoint|bar|menu|spinner|export|import|filter|search|pagination|validation|reset|login|logout|upload|uploading|notification|setting|dialog|modal|tab|chart|report|sidebar|navbar|hook|command|subcommand|check|cli|api)\b/i,
  },
  {
    kind: "symptom",
    re: /\b(?:when|whenever|if|after|once|for)\b[^.\n]{3,60}\b(?:returns?|shows?|prints?|crash\w*|produces?|gives?|throws?|raises?|times? out|hangs?|fails?|rejects?|accepts?|resets?|breaks?|is (?:empty|blank|null|wrong))\b|\binstead of\b/i,
  },
  {
    kind: "quantity",
    re: /\b\d+(?:\.\d+)?\s*(?:%|ms|s|mb|gb|kb|rows|items|requests|users|chars|characters|attempts|minutes|seconds|days)\b/i,
  },
  { kind: "version", re: /\bv?\d+\.\d+(?:\.\d+)?\b/ },
  { kind: "quoted", re: /'[^'\n]{2,40}'|"[^"\n]{2,40}"/ },
  {
    kind: "technical target",
    re: /\b(?:to use|to|into|with|from\s+[\w./-]+\s+to)\s+(?:the\s+)?(?:`[^`]+`|async\/await|promises|grpc|rest|redis|sqlalchemy(?: orm)?|python ?\d[\d.]*|typescript|[A-Z][\w.+#-]{1,20})(?=[\s.,;]|$)/,
  },
];

const VAGUE_SHAPES: Array<{ kind: string; re: RegExp }> = [
  {
    kind: "pronoun object",
    re: /\b(?:it|this|that|them)\b(?=\s*(?:$|[.,!?;:]|(?:please|pls|now|again|up|out|asap|quickly|for me|work|better|faster|nice|all)\b))|\b(?:stuff|things|the thing|everything|something|whatever|the problem|the issue|my code)\b/i,
  },
  {
    kind: "generic object",
    re: /\b(?:the|a|an|my|our)\s+(?:\w+\s)?(?:bug|issue|problem|error|crash|code|app|application|project|system|feature|tests?|build|stuff|thing|config|logs?|server|site|api|database|module|program|repo)\b(?!\s+(?:in|at|of|for|where|when|that|which|named|called|with)\b)/i,
  },
  {
    kind: "vague verb",
    re: /^\W*(?:please\s+|pls\s+|can you\s+|could you\s+)?(?:fix|improve|update|change|handle|clean|make|sort|look|check|optimi[sz]e|refactor|do|deal|finish|help|review|upgrade|harden|modernize|tidy|give|rewrite|overhaul)\b/i,
  },
  {
    kind: "question",
    re: /^\s*(?:what|why|how|when|which|who|where|is|are|does|do|can|could|should)\b.*\?\s*$|\?\s*$/is,
  },
];

const UNBOUNDED_SHAPES: Array<{ kind: string; re: RegExp }> = [
  {
    kind: "whole",
    re: /\b(?:whole|entire|full|complete)\s+(?:\w+\s)?(?:code ?base|repo(?:sitory)?|project|app(?:lication)?|system|monorepo|module|service|layer|frontend|backend|ui|site|website|test suite|program|thing|stack)\b/i,
  },
  {
    kind: "everything",
    re: /\b(?:everything|everywhere|every ?thing|it all|all of it|all (?:the )?things|whatever you find|anything you find|across the board|throughout|all over|wherever)\b/i,
  },
  {
    kind: "all of a kind",
    re: /\b(?:all|every|each)\s+(?:the\s+|of the\s+|our\s+)?(?:\w+\s)?(?:files?|modules?|code|bugs?|issues?|warnings?|tests?|functions?|class(?:es)?|variables?|dependenc(?:y|ies)|packages?|components?|services?|endpoints?|pages?|errors?|places?|usages?|calls?|callbacks?|quer(?:y|ies)|imports?|strings?|routes?|handlers?|views?|models?|templates?|scripts?|docs?|comments?|types?|repos|repositories|projects|apps|microservices|headers|screens|forms)\b(?![^.\n]{0,20}\b(?:in|under|of)\s+[`'"]?[\w.-]*\/)/i,
  },
  {
    kind: "quality goal",
    re: /\b(?:increase (?:the )?(?:test )?coverage|polish\w*|nice|ugly|whatever is broken|better|cleaner|faster|nicer|more (?:readable|maintainable|robust|secure|modern|scalable|fast|efficient|performant|reliable)|improv\w*|optimi[sz]\w*|moderni[sz]\w*|harden\w*|overhaul\w*|tidy(?:ing)? up|clean(?:ing)? ?up|production[- ](?:ready|grade|quality)|scalable|some love|quality)\b/i,
  },
  {
    kind: "rewrite",
    re: /\b(?:rewrite|rework|migrate|convert|port|overhaul|redo|redesign|upgrade)\b[^.\n]{0,30}?\b(?:the |our |my )?(?:app|application|project|backend|frontend|codebase|code|system|everything|entire|whole|data layer|test suite|service layer)\b/i,
  },
  {
    kind: "broad object",
    re: /\b(?:the|our|my)\s+(?:code(?:base)?|app|application|project|repo|system|site|ui|ux|frontend|backend|program|api|architecture|documentation|thing|stack|infrastructure|platform|product)\b(?!\s*(?:'s|’s)?\s*(?:\w+\s)?(?:endpoint|page|screen|function|file|module|class|button|form|route|handler)\b)/i,
  },
];

/** The change is confined to one named part (which bounds even an open-ended goal such as "better"). */
const BOUNDED: Array<{ kind: string; re: RegExp }> = [
  {
    kind: "named component",
    re: /\b(?:in|of|for|on|inside)\s+(?:the\s+|our\s+|my\s+)?(?!whole\b|entire\b|full\b|complete\b)[\w-]+\s+(?:module|service|page|screen|component|function|method|class|endpoint|form|table|job|handler|controller|view|model|script|file|dialog|command|subcommand|route|query|middleware|helper|widget|report|template)\b/i,
  },
  {
    kind: "one thing",
    re: /\b(?:only|just)\s+(?:in|the|this|one)\b|\bone (?:file|function|module|class|endpoint|page)\b/i,
  },
];

/** Work that is not on code: running a machine, moving files, reading logs, answering. */
const NON_CODE =
  /\b(?:install\w*|cron|systemd|server\b|nginx|docker\b|machine|files? (?:under|in|older)|logs?\b|syslog|organi[sz]e|compress\w*|translate|summari[sz]e|explain|answer|git bisect|count the lines)\b/i;
/** Work on code beyond CODE_WORK's words: UI features, CI, coverage, code-quality chores. */
const MORE_CODE_WORK =
  /\b(?:clean ?up|tidy|improve|ui|ux|frontend|backend|feature|button|navbar|sidebar|spinner|dark mode|ci\b|continuous integration|coverage|logging|error handling|caching|architecture|dead code|variables?|camelcase|type hints|typescript|migrat\w*|rewrite|refactor\w*|search bar|password reset|telemetry|avatars?|pagination|login|logout|checkout|repo\b|program|performance|faster|maintainable|readable|secure|robust|scalable)\b/i;

export type LintFeatures = Map<string, string>;

function addHits(
  out: LintFeatures,
  prefix: string,
  list: Array<{ kind: string; re: RegExp; ok?: (s: string) => boolean }>,
  text: string,
) {
  for (const { kind, re, ok } of list) {
    const matches = re.global ? [...text.matchAll(re)] : [re.exec(text)];
    for (const m of matches) {
      if (!m) continue;
      const hit = (m[1] ?? m[0]).trim();
      if (ok && !ok(hit)) continue;
      const key = `${prefix}:${kind}`;
      if (!out.has(key)) out.set(key, hit.slice(0, 80));
      if (!out.has(prefix)) out.set(prefix, hit.slice(0, 80));
      break;
    }
  }
}

/** Stems of the prompt's words (same crude stemming idea as the router's). */
function stems(text: string): string[] {
  return [...text.toLowerCase().matchAll(/[a-z][a-z']*/g)].map((m) => {
    let w = m[0].replace(/'[a-z]*$/, "");
    if (w.length > 5 && w.endsWith("ing")) w = w.slice(0, -3);
    else if (w.length > 4 && w.endsWith("ed")) w = w.slice(0, -2);
    else if (w.length > 3 && w.endsWith("s") && !w.endsWith("ss")) w = w.slice(0, -1);
    return w;
  });
}

/**
 * Binary features of a prompt for the lint model: `concrete[:kind]`, `criterion[:kind]`, `specific:kind`,
 * `vague:kind`, `unbounded:kind` and `unbounded-rule` (the UNBOUNDED patterns), `bounded:kind`, `stack:*`, `code-work`,
 * `non-code`, `words:<bucket>` and `w:<stem>`. Values are the text that fired each one.
 */
export function lintFeatures(text: string): LintFeatures {
  const t = text.trim();
  const out: LintFeatures = new Map();
  addHits(out, "concrete", CONCRETE, t);
  addHits(out, "criterion", CRITERIA, t);
  addHits(out, "criterion", MORE_CRITERIA, t);
  addHits(out, "specific", SPECIFIC, t);
  addHits(out, "vague", VAGUE_SHAPES, t);
  addHits(out, "unbounded", UNBOUNDED_SHAPES, t);
  addHits(out, "bounded", BOUNDED, t);
  const rule = UNBOUNDED.map((u) => u.re.exec(t)?.[0]).find(Boolean);
  if (rule) out.set("unbounded-rule", rule);
  const lang = LANGUAGES.exec(t)?.[0] ?? GO_LANG.exec(t)?.[0];
  const fw = FRAMEWORKS.exec(t)?.[0];
  const runner = TEST_RUNNERS.exec(t)?.[0] ?? BUILD_TOOLS.exec(t)?.[0];
  if (lang) out.set("stack:language", lang);
  if (fw) out.set("stack:framework", fw);
  if (runner) out.set("stack:runner", runner);
  if (lang || fw || runner) out.set("stack", lang ?? fw ?? runner ?? "");
  const ext = new RegExp(`\\.(${Object.keys(LANG_FROM_EXT).join("|")})\\b`).exec(t);
  if (ext) out.set("stack:extension", ext[0]);
  const code = CODE_WORK.exec(t)?.[0] ?? MORE_CODE_WORK.exec(t)?.[0] ?? ext?.[0];
  if (code) out.set("code-work", code);
  const nonCode = NON_CODE.exec(t)?.[0];
  if (nonCode) out.set("non-code", nonCode);
  const words = t.split(/\s+/).filter(Boolean).length;
  const bucket = words <= 3 ? "1-3" : words <= 6 ? "4-6" : words <= 12 ? "7-12" : words <= 25 ? "13-25" : "26+";
  out.set(`words:${bucket}`, `${words} words`);
  for (const s of stems(t)) if (s.length > 2 && !out.has(`w:${s}`)) out.set(`w:${s}`, s);
  return out;
}
