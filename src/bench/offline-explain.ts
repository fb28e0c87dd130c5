import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/**
 * Why a verifier may have failed offline: a Python test that could not import a module that a skipped Dockerfile
 * RUN step would have installed, or a program the verifier could not run that a skipped step would have installed
 * (`/opt/verifier-venv/bin/python` after a skipped `RUN … /opt/verifier-venv/bin/pip install …`, `kotlinc` after a
 * skipped download) or that the base image provides (`go` in FROM golang, `cargo` in FROM rust). Turns
 * `ModuleNotFoundError: No module named 'numpy'` plus a skipped `RUN pip install numpy` into one fidelity note
 * linking the two, so a reward of 0 is not mistaken for the agent's failure. Only pairs what is missing with a
 * skipped step that names it, or with the image's own tools; everything else stays unexplained.
 */

/** Import names whose pip/apt package is named differently. */
const PACKAGE_ALIASES: Record<string, string[]> = {
  sklearn: ["scikit-learn"],
  cv2: ["opencv-python", "opencv-python-headless", "python3-opencv"],
  PIL: ["pillow", "python3-pil"],
  yaml: ["pyyaml", "python3-yaml"],
  bs4: ["beautifulsoup4", "python3-bs4"],
  skimage: ["scikit-image"],
  dateutil: ["python-dateutil"],
  attr: ["attrs"],
  Crypto: ["pycryptodome"],
  dotenv: ["python-dotenv"],
  jwt: ["pyjwt"],
  serial: ["pyserial"],
};

/** An import that failed, or `python -m X` without X (`/opt/venv/bin/python: No module named pytest`). */
const MISSING_MODULE =
  /(?:(?:ModuleNotFoundError|ImportError): No module named '([A-Za-z_][\w.]*)'|python[\d.]*: No module named ([A-Za-z_][\w.]*)$)/gm;

/** Top-level modules the output reports as missing, in order of first mention. */
export function missingPythonModules(output: string): string[] {
  const found = new Set<string>();
  for (const m of output.matchAll(MISSING_MODULE)) found.add((m[1] ?? m[2] ?? "").split(".")[0] ?? "");
  found.delete("");
  return [...found];
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Does this skipped step's text install the package that provides `module`? */
function installs(step: string, module: string): boolean {
  const names = [module, ...(PACKAGE_ALIASES[module] ?? []), `python3-${module}`];
  // A package word: preceded by a space, quote or '=' and followed by a version spec, extra, space, quote or end.
  return names.some((n) => new RegExp(`(^|[\\s"'=])${escapeRe(n)}(?=$|[\\s"'=<>~!\\[;,&|)])`, "i").test(step));
}

/**
 * Fidelity notes for missing modules and programs a skipped step would have installed, or the base image (`from`,
 * the final stage's FROM) provides. `skippedSteps` are the local environment's "line N: RUN …" / "line N: ADD …"
 * entries.
 */
export function explainOfflineFailures(
  verifierOutput: string,
  skippedSteps: readonly string[],
  from?: string,
): string[] {
  const notes: string[] = [];
  const note = (what: string, why: string) =>
    notes.push(`reward likely limited by the offline environment: ${what} was not installed (${why})`);
  for (const module of missingPythonModules(verifierOutput)) {
    const step = skippedSteps.find((s) => /: RUN /.test(s) && installs(s, module));
    if (step) note(module, skippedWhy(step));
  }
  const imageTools = from ? imagePrograms(from) : [];
  for (const program of missingPrograms(verifierOutput)) {
    const name = program.split("/").pop() ?? program;
    const step = skippedSteps.find((s) => names(s, program));
    if (step) note(program, skippedWhy(step));
    else if (imageTools.includes(name)) note(program, `the base image ${from} provides it; FROM is not built locally`);
  }
  return notes;
}

function skippedWhy(step: string): string {
  const m = /^line (\d+): ((?:RUN|ADD) [\s\S]*)$/.exec(step);
  return m ? `${m[2]?.split("\n")[0]} skipped, Dockerfile line ${m[1]}` : `${step} skipped`;
}

/**
 * Programs the output says could not be run: bash's `X: command not found`, dash's `sh: 1: X: not found`, a path a
 * shell could not run (`line 3: /opt/venv/bin/python: No such file or directory`), and Python's subprocess error
 * for a bare name or a path in a bin folder (`[Errno 2] No such file or directory: 'go'`, `'/usr/local/go/bin/go'`),
 * in order of first mention.
 */
export function missingPrograms(output: string): string[] {
  const found = new Set<string>();
  const patterns = [
    /(?:^|[\s:])([\w.+/-]+): command not found/gm,
    /: \d+: ([\w.+/-]+): not found/g,
    /line \d+: (\/[\w.+/-]+): No such file or directory/g,
    /\[Errno 2\] No such file or directory: '([\w.+-]+|\/[\w.+/-]*\/bin\/[\w.+-]+)'/g,
  ];
  const hits = patterns.flatMap((re) => [...output.matchAll(re)].map((m) => ({ at: m.index, name: m[1] ?? "" })));
  for (const h of hits.sort((a, b) => a.at - b.at)) if (h.name) found.add(h.name);
  return [...found];
}

/** Does a skipped step name this program: its path, its own folder (a venv, /opt/tool) or its file name? */
function names(step: string, program: string): boolean {
  // A word: between separators, or before a file extension (`/tmp/kotlinc.zip`).
  const word = (w: string) => new RegExp(`(^|[\\s"'=;&|(:/])${escapeRe(w)}(?=$|[\\s"'=;&|)/:<>@]|\\.[a-z])`).test(step);
  const parts = program.split("/").filter(Boolean);
  const dirs = parts.slice(0, -1).map((_, i) => `/${parts.slice(0, i + 1).join("/")}`);
  const own = dirs.filter((d) => !GENERIC_DIRS.has(d));
  const name = parts.at(-1) ?? "";
  return (
    (program.includes("/") && step.includes(program)) ||
    own.some((d) => step.includes(`${d}/`) || word(d)) ||
    [name, ...(PROGRAM_PACKAGES[name] ?? [])].some(word)
  );
}

/** Programs whose distribution package is named differently (`apt-get install golang-go` gives `go`). */
const PROGRAM_PACKAGES: Record<string, string[]> = {
  go: ["golang-go", "golang"],
  gofmt: ["golang-go", "golang"],
  node: ["nodejs"],
  java: ["default-jdk", "default-jre", "default-jdk-headless", "default-jre-headless"],
  javac: ["default-jdk", "default-jdk-headless"],
  kotlinc: ["kotlin"],
  python: ["python-is-python3"],
};

const GENERIC_DIRS = new Set(["/usr", "/usr/local", "/usr/bin", "/usr/local/bin", "/bin", "/opt", "/app", "/tmp"]);

/** Programs an official image family provides (the image's name, registry and tag aside). */
const IMAGE_FAMILIES: [RegExp, string[]][] = [
  [/^golang$/, ["go", "gofmt"]],
  [/^(python|pypy)$/, ["python", "pip"]],
  [/^rust$/, ["cargo", "rustc", "rustup", "rustfmt"]],
  [/^node$/, ["node", "npm", "npx", "yarn", "corepack"]],
  [/^(openjdk|eclipse-temurin|amazoncorretto|gradle|maven)$/, ["java", "javac", "jar"]],
  [/^gradle$/, ["gradle"]],
  [/^maven$/, ["mvn"]],
  [/^ruby$/, ["ruby", "gem", "bundle"]],
  [/^php$/, ["php"]],
  [/^(sdk|dotnet)$/, ["dotnet"]],
  [/^swift$/, ["swift", "swiftc"]],
];

export function imagePrograms(from: string): string[] {
  const path = from.replace(/@.*$/, "").replace(/:[^/]*$/, "");
  const name = path.split("/").pop() ?? "";
  return IMAGE_FAMILIES.filter(([re]) => re.test(name)).flatMap(([, programs]) => programs);
}

/**
 * What the explanations read: every log the verifier wrote (test-stdout.txt, and a build.log its test.sh writes
 * itself), and for the oracle its own log too — its solve.sh may be what could not run the tool.
 */
export function explanationLogs(trialDir: string, oracle: boolean): string {
  const dir = join(trialDir, "verifier");
  const files = safeList(dir)
    .filter((f) => !/^(reward\.(txt|json)|ctrf\.json)$/.test(f))
    .map((f) => join(dir, f));
  if (oracle) files.push(join(trialDir, "agent", "oracle.txt"));
  return files.map(readSmall).join("\n");
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function readSmall(file: string): string {
  try {
    const st = statSync(file);
    return st.isFile() && st.size < 4 * 1024 * 1024 ? readFileSync(file, "utf8") : "";
  } catch {
    return "";
  }
}

/** The unscored trial's exception message: what was missing, and where a verdict can be had. */
export function offlineVerdictMessage(limits: readonly string[]): string {
  const what = limits.map((n) => n.replace(/^reward likely limited by the offline environment: /, "")).join("; ");
  return `not scored: the failure traces to what this offline environment lacks — ${what.slice(0, 400)}; run where the Dockerfile's network steps run (--env docker) for a verdict`;
}
