/**
 * Features of a task text for the router's classifier (classify.ts) and its training script
 * (scripts/train-router.ts). Two kinds, both binary:
 * - `g:<cue>`: a hand-written cue group (a family of words or a phrase pattern, e.g. every GUI widget name). Groups
 *   carry meaning to words the training set never saw: the model learns one weight for "a GUI widget is named".
 * - `w:<stem>`: word stems (numbers folded to `#`). Word pairs and character n-grams were tried and added nothing
 *   in cross-validation on the training set, so they are left out (fewer weights, plainer explanations).
 * Each feature remembers the text that fired it, so `route --explain` can quote the words that drove the class.
 */

export interface CueGroup {
  name: string;
  /** What the group means, for --explain. */
  label: string;
  re: RegExp;
}

const g = (name: string, label: string, re: RegExp): CueGroup => ({ name, label, re });

const CODE_EXT =
  "py|ts|tsx|js|jsx|mjs|cjs|go|rs|java|kt|rb|php|c|h|cc|cpp|hpp|cs|swift|scala|vue|svelte|css|scss|ex|erl|hs";

export const CUE_GROUPS: CueGroup[] = [
  // --- GUI
  g(
    "gui_action",
    "a pointer or UI action",
    /\b(?:(?:double|right|left)[- ]?click\w*|click\w*|tap(?:s|ped|ping)? (?:on|the)|hover\w*|drag\w*|scroll\w*|swipe\w*|zoom(?:s|ed|ing)? (?:in|out|to)|maximi[sz]e|minimi[sz]e|screenshot\w*|screen ?shot\w*|press(?:es|ed|ing)? (?:the |on )?(?:\w+ )?(?:button|key|enter|escape|ok|start)|toggle\w*|tick\w*|untick\w*)\b/i,
  ),
  g(
    "gui_widget",
    "a GUI widget",
    /\b(?:buttons?|drop-?downs?|check-?box(?:es)?|radio buttons?|menus?|menu ?bar|tool-?bar|task-?bar|side-?bar|nav-?bar|dialogs?|modals?|pop-?ups?|tabs?|windows?|tooltips?|banners?|toasts?|icons?|sliders?|text ?(?:box|field|area)|input (?:box|field)|search (?:box|field|bar)|wizard|context menu|hamburger|cursor|address bar|widgets?|screens?|panels?|carousel|gallery)\b/i,
  ),
  g(
    "gui_surface",
    "a browser, web page or desktop",
    /\b(?:browsers?|web ?pages?|web ?sites?|web ?ui|web (?:app|interface|console|shop)|the (?:site|page)|(?:local|demo|test|staging|shop|docs?) (?:site|page)|[a-z]+ page|chrome|chromium|firefox|safari|edge browser|desktop|gui|graphical|(?:the )?ui\b|user interface|vnc|xdotool|xvfb|playwright|selenium|puppeteer|devtools|computer use|mouse|keyboard shortcut|on (?:the )?screen|the screen)\b/i,
  ),
  g(
    "gui_app",
    "a desktop application",
    /\b(?:gimp|libreoffice|calc\b|thunderbird|calculator|paint (?:program|app)|file manager|photo viewer|image viewer|pdf viewer|text editor window|terminal emulator|mail client|address book|calendar app|electron app|the app(?:lication)?'?s? (?:window|gui|menu|screen)|(?:app|application|game) window|running (?:app|application|program)|system settings|control panel)\b/i,
  ),
  g(
    "gui_form",
    "filling in a form or signing in",
    /\b(?:fill(?:s|ed|ing)? (?:in|out|the)|(?:sign|log)(?:ged|ging)? ?(?:in|into|on)\b(?! to the (?:server|box|machine))|sign-?in|log-?in (?:page|screen|form)|form\b|submit\w*|captcha|registration|checkout|basket|cart\b)/i,
  ),
  g(
    "gui_visual",
    "a visual check",
    /\b(?:visual(?:ly)?|looks? (?:right|ok|good|correct)|is visible|are visible|visible without|overlap\w*|misalign\w*|centered|centred|layout|renders? correctly|appears? (?:in|on|at)|shows? up|displayed)\b/i,
  ),
  g(
    "gui_nav",
    "navigating a page",
    /\b(?:navigat\w*|go(?:es)? (?:in the browser )?to (?:the )?(?:[\w-]+ )?(?:page|site|tab|screen|url)|open(?:s)? (?:the )?(?:[\w-]+ )?(?:page|site|url|tab)|visit\w*|localhost:\d+|127\.0\.0\.1:\d+|https?:\/\/(?:localhost|127\.0\.0\.1)|\blink\b)/i,
  ),

  // --- patch (change code in a project)
  g("code_file", "a source file", new RegExp(`(?:^|[\\s(\`'"/])[\\w.-]+\\.(?:${CODE_EXT})\\b`, "i")),
  g(
    "code_call",
    "a function or identifier",
    /\b[A-Za-z_]\w*\.?\w*\(\)?|`[^`\n]+`|\b[a-z]+(?:[A-Z][a-z0-9]+)+\b|\b[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]+)+\b|\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b/,
  ),
  g(
    "code_block",
    "a code snippet",
    /```|\n {2,}\S|^\s*(?:def|function|class|const|let|var|import|fn|func|public|private) \w/m,
  ),
  g(
    "code_change",
    "a code-change verb",
    /\b(?:fix\w*|bug\w*|patch\w*|implement\w*|refactor\w*|renam\w*|extract\w*|rework\w*|rewrit\w*|port(?:ed|ing)? (?:the|it|from)|upgrad\w* (?:\w+ )?(?:from|to)|bump\w*|migrat\w* (?:the|our|from|to|\w+ from)|switch\w* (?:our|the|from) |adapt\w* (?:our|the)|replac\w*|introduc\w*|deprecat\w*|correct (?:it|the)|apply (?:the|this) (?:review|patch|diff)|merge conflicts?|add(?:s|ed|ing)? (?:an? |the )?(?:new |optional |missing )?(?:\w+ )?(?:method|function|param(?:eter)?|option|flag|endpoint|field|column|class|argument|tests?|support|validation|handler|hook|type hints?|types|docstrings?|retr(?:y|ies)|caching|pagination))\b/i,
  ),
  g(
    "code_object",
    "a code construct",
    /\b(?:functions?|methods?|class(?:es)?|modules?|components?|endpoints?|handlers?|resolvers?|controllers?|serializers?|views?|models?|unit tests?|tests?|test cases?|specs?|snapshots?|params?|parameters?|arguments?|variables?|constants?|interfaces?|hooks?|stubs?|todo|helpers?|comparator|regex|migrations?|schema|api|cli|subcommand|types?|docstrings?|imports?|callbacks?|async\/await|exceptions?|goroutines?|struct|enum|getter|setter|constructor)\b/i,
  ),
  g(
    "code_error",
    "an error or crash",
    /\b(?:\w+(?:Error|Exception)|traceback|stack ?trace|segfault\w*|seg(?:mentation)? fault|panic\w*|crash\w*|throws?|raises?|null pointer|undefined is not|NaN|off[- ]by[- ]one|race condition|memory leak|regression|wrong (?:result|value|output)|returns? (?:\w+ )?(?:instead|wrong|null|none|nan|undefined|-?\d+ instead))\b/i,
  ),
  g(
    "code_stack",
    "a language or framework",
    /\b(?:python|typescript|javascript|node(?:\.js)?|golang|rust|java|kotlin|scala|ruby|php|c\+\+|c#|swift|react|vue|svelte|angular|django|flask|fastapi|rails|spring(?: boot)?|express|graphql|jest|vitest|pytest|junit|rspec|dataloader|hooks)\b/i,
  ),
  g(
    "code_test_cmd",
    "a test command",
    /\b(?:npm test|pytest|go test|cargo test|jest|vitest|rspec|mvn test|tests? (?:pass|fail)\w*|failing tests?|ci is red)\b/i,
  ),

  // --- long context
  g(
    "lc_scope",
    "the whole of a large input",
    /\b(?:entire|whole|complete|full|all (?:the )?|every|each|across|throughout|end to end|end-to-end|inventory|overall)\b/i,
  ),
  g(
    "lc_corpus",
    "a large body of material",
    /\b(?:code ?base|monorepo|repo(?:sitory)?|source tree|projects?|logs?|log files?|history|commits|changelogs?|documents?|docs|documentation|pdfs?|pages|chapters?|books?|manuals?|novel|manuscript|transcripts?|threads?|archives?|exports?|dumps?|e-?mails?|mbox|tickets|issues|papers|notes|wiki|slack|chat|messages|contracts?|specifications?|spec document|manifests|notebooks|postmortems|invoices|translations|microservices|services|packages|modules|files)\b/i,
  ),
  g(
    "lc_size",
    "a large size",
    /\b(?:(?:\d{2,}(?:,\d{3})*|\d+(?:\.\d+)?\s?[km]|~\d+k?)\s?(?:[\w-]+\s){0,2}(?:files?|lines?|pages?|messages?|commits?|tickets?|tests?|services?|e-?mails?|comments?|documents?|papers?|pdfs?|chapters?|repos(?:itories)?|tokens?|languages|notebooks|pull requests|rows|records|entries|microservices|issues)\b|\d+(?:\.\d+)?\s?(?:gb|tb)\b|(?:hundreds|thousands|millions|dozens) of|huge|massive|giant|very long|years of|million[- ]token|1m[- ]token|long[- ]context|(?:large|big|long) (?:legacy )?(?:code ?base|repo(?:sitory)?|monorepo|project|application|log|logs|files?|documents?|transcripts?|threads?|dumps?|exports?|pdfs?|manuals?|specs?|reports?))\b/i,
  ),
  g(
    "lc_analysis",
    "an analysis verb",
    /\b(?:summari[sz]\w*|synops\w*|analy[sz]\w*|audit\w*|survey\w*|map(?:s|ped|ping)? (?:out|of)|a map of|trac(?:e|es|ing) (?:how|every|all)|inventory|cluster\w*|cross-?referenc\w*|reconstruct\w*|overview|glossary|cheat ?sheet|literature review|timeline|recurring|read(?:s|ing)? (?:through|all|every|the (?:entire|whole|full|complete))|go(?:es|ing)? (?:through|over)|look(?:s|ing)? (?:through|at all|at every|over)|scan(?:s|ning)? (?:the|all|every)|find (?:all|every)|list (?:all|every)|which (?:ones|of them|functions|packages|deployments)|ingest\w*|index(?:es)? the|study|examine|compare (?:the|these|all)|grouped by|group (?:them|into))\b/i,
  ),

  // --- terminal (operate a machine through a shell)
  g(
    "sys_admin",
    "system administration",
    /\b(?:install\w*|configur\w*|set(?:s|ting)? up|setup|deploy\w*|provision\w*|systemd|service|daemon|cron\w*|nginx|apache|postfix|ssh|sshd|firewall|iptables|ufw|ports?\b|processe?s?|kill\w*|restart\w*|disk|swap|mount\w*|permissions?|chmod|chown|sudo|users? (?:called|named|with)|timezone|ntp|dns|vpn|wireguard|certificate|tls|ssl|log rotation|logrotate|dmesg|kernel|boot|network config|server\b|machine|box\b)/i,
  ),
  g(
    "sys_tool",
    "a command-line tool",
    /\b(?:apt(?:-get)?|pip3?|npm install|nvm|poetry|conda|brew|docker(?: compose)?|container|podman|kubectl|git (?:bisect|log|tag|push|pull|clone|squash|rebase|branch|reflog|config)|git\b|clone|curl|wget|jq|tar|tarball|gzip|zstd|zip|unzip|gpg|openssl|ffmpeg|imagemagick|convert|rsync|scp|awk|sed|grep|find|make\b|makefile|cmake|gcc|clang|cargo build|compil\w*|build\w*|venv|virtualenv|bash|shell|script|terminal|command line|cli tool|nmap|perf|strace|gdb|jupyter|latex|pdflatex|sphinx)\b/i,
  ),
  g(
    "sys_path",
    "a system path",
    /(?:^|[\s(`'"])(?:\/(?:app|etc|var|usr|opt|srv|home|tmp|root|data|backups?|mnt|dev)\b|~\/|\.\/)[\w./-]*/i,
  ),
  g(
    "data_task",
    "a data or file-processing job",
    /\b(?:csv|tsv|parquet|json|jsonl|xml|sqlite|mysql|postgres\w*|database|db\b|dump|dataset|data\/|train\w* (?:a |the )?(?:\w+ )?(?:model|regression|classifier)|logistic regression|linear regression|scikit|sklearn|accuracy|f1|plot\w*|checksums?|md5|sha256|decrypt\w*|encrypt\w*|decompress\w*|unpack\w*|extract(?:s|ed)? (?:the|it|into)|crack\w*|reverse[- ]engineer\w*|flag\.txt|password|merge(?:d)? (?:the|on)|count\w*|sort(?:s|ed)? the lines|dedup\w*|split\w* (?:the|into)|resiz\w*|images?|audio|mp3|wav|jpe?g|png|benchmark\w*|simulation|pipeline)\b/i,
  ),
  g(
    "sys_output",
    "writing a result to a file",
    /\b(?:writ\w*|sav\w*|stor\w*|print\w*|output\w*|export\w*|copy\w*)\b[^.\n]{0,60}\b(?:to|into|as|in)\s+`?(?:\/?[\w.-]+\/)*[\w.-]+\.(?:txt|json|csv|md|log|out|png|sql|gz|tar)\b/i,
  ),

  // --- knowledge (a question answered from general knowledge)
  g(
    "q_start",
    "a question",
    /^\s*(?:(?:hey|hi|hello|so|ok|quick question)[,!:]?\s+)?(?:what(?:'s| is| are| does| do| happens)?|wat|whats|why|how(?: do| does| is| are| many| much| can)?|when|which|who|where|is|are|does|do|can|could|should|would|will)\b/i,
  ),
  g("q_mark", "a question mark", /\?\s*$/),
  g(
    "q_explain",
    "asking for an explanation or advice",
    /\b(?:explain\w*|what(?:'s| is| are| does)|difference|differ|diff between|vs\.?|versus|compared to|pros(?: and |\/)cons|trade-?offs?|meaning|what means|definition|defin\w*|in simple words|for a beginner|recommend\w*|best (?:practices?|way)|rule of thumb|tell me (?:about|the|why)|describe how|how does|how do (?:i|you)|under the hood|history of|is it (?:true|safe|better)|should i|when (?:should|to|is it)|why (?:does|do|is|are|would)|what problem|overview of the main)\b/i,
  ),
  g(
    "q_concept",
    "a general concept",
    /\b(?:theorem|algorithm|complexity|big-o|o\(n|protocol|pattern|paradigm|concept|principle|lifetime|monad|closure|consistency|isolation level|idempotent|semaphore|mutex|gil|garbage collection|handshake|license|tcp|udp|http\/?\d?|oauth|jwt|crdt|acid|cap theorem|bloom filter|hash map|rest api|graphql|kafka|rabbitmq)\b/i,
  ),

  // --- imperative shape
  g(
    "imperative",
    "an instruction to act",
    /^\s*(?:please\s+|pls\s+|can you\s+|could you\s+|would you\s+|i(?:'d| would) like you to\s+|i need you to\s+)?(?:add|fix|make|create|write|build|install|set|configure|run|find|open|go|use|click|convert|change|update|remove|delete|move|rename|implement|refactor|generate|start|stop|kill|check|verify|read|summari[sz]e|analy[sz]e|review|list|compare|look|scan|audit|extract|train|compile|deploy|port|replace|swap|introduce|apply|merge|clone|download|upload|sort|count|parse|mount|decrypt|crack|solve|evaluate|profile|resize|split|calculate|export|select|type|press|fill|log|sign|drag|scroll|navigate|visit|launch|complete|order|enable|toggle|confirm|test)\b/i,
  ),
];

/** Crude suffix stripping so that inflections share a feature ("clicking", "clicked", "clicks" → "click"). */
export function stem(word: string): string {
  let w = word;
  if (w.length > 4 && w.endsWith("ies")) w = `${w.slice(0, -3)}y`;
  else if (w.length > 5 && w.endsWith("ing")) w = w.slice(0, -3);
  else if (w.length > 4 && w.endsWith("ed")) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith("es") && !w.endsWith("ses")) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith("s") && !w.endsWith("ss") && !w.endsWith("us")) w = w.slice(0, -1);
  if (w.length > 3 && /([^aeiouls])\1$/.test(w)) w = w.slice(0, -1);
  if (w.length > 3 && w.endsWith("e")) w = w.slice(0, -1);
  return w;
}

/** Lower-case word tokens (a trailing 's, 'd … dropped); numbers are kept as written. */
export function tokens(text: string): string[] {
  return [...text.toLowerCase().matchAll(/[a-z][a-z0-9]*(?:'[a-z]+)?|\d+(?:[.,]\d+)*/g)].map((m) =>
    m[0].replace(/'[a-z]+$/, ""),
  );
}

/** Very common words and greetings that carry no class signal on their own. */
const STOP = new Set(
  (
    "a an the and or of to in on at for with by from is are be it this that these those my our your me i we you " +
    "hello hi hey thanks thank please pls plz kindly"
  ).split(" "),
);

/** Feature → the text that fired it. */
export type FeatureSet = Map<string, string>;

export function extractFeatures(text: string): FeatureSet {
  const out: FeatureSet = new Map();
  for (const group of CUE_GROUPS) {
    const m = group.re.exec(text);
    if (m) out.set(`g:${group.name}`, m[0].trim().slice(0, 60));
  }
  const words = tokens(text);
  // Numbers fold to one feature, "#".
  const stems = words.map((w) => (/^\d/.test(w) ? "#" : stem(w)));
  for (let i = 0; i < stems.length; i++) {
    const s = stems[i]!;
    const w = words[i]!;
    if (!STOP.has(w) && !out.has(`w:${s}`)) out.set(`w:${s}`, w);
  }
  return out;
}

/** A human-readable name for a feature, for `route --explain`. */
export function describeFeature(feature: string, matched: string): string {
  if (feature.startsWith("g:")) {
    const group = CUE_GROUPS.find((x) => x.name === feature.slice(2));
    return `${group?.label ?? feature}: "${matched}"`;
  }
  return feature === "w:#" ? `a number: ${matched}` : `"${matched}"`;
}
