#!/usr/bin/env node
// Fails when a Markdown file of the repository has a relative link, or a #anchor, that does not
// resolve: a moved or renamed doc, or a heading reworded, would otherwise leave readers at a 404
// or at the top of a page. Anchors follow GitHub's heading ids (github-slugger): lower case,
// punctuation dropped, spaces to '-', a repeated heading gets '-1', '-2'… Links inside code
// (fenced blocks, `code spans`) are text, not links, and are not checked. External links
// (https:, mailto:…) are out of scope: checking them needs the network.
//
// Usage: node scripts/check-doc-links.mjs [ROOT]   (ROOT defaults to the repository)
// Exit status: 0 every link resolves; 1 some do not (each printed as file:line: what).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, extname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

// Dependencies, build output, generated code and afsync's own working copies hold Markdown
// that is not ours to fix (or not tracked at all).
const SKIP_DIRS = new Set(["node_modules", "generated", "dist", "coverage"]);

function markdownFiles(dir, out = []) {
  for (const name of readdirSync(dir).sort()) {
    // Dot-directories: .git, and the git-ignored .afsync/.serverless/.esbuild working copies.
    if (SKIP_DIRS.has(name) || name.startsWith(".")) continue;
    const path = join(dir, name);
    const st = statSync(path);
    if (st.isDirectory()) markdownFiles(path, out);
    else if (name.toLowerCase().endsWith(".md")) out.push(path);
  }
  return out;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const ATX_HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const SETEXT_UNDERLINE = /^ {0,3}(=+|-+)[ \t]*$/;
const EXPLICIT_ANCHOR = /<a\s+(?:[^>]*\s)?(?:id|name)\s*=\s*["']([^"']+)["']/gi;
// [text](target) and ![alt](target), target optionally in <…>, optionally followed by a "title".
const INLINE_LINK = /!?\[(?:[^\]\\]|\\.)*\]\(\s*(<[^>]*>|[^\s)]+)(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g;
// [label]: target   (a reference definition)
const REFERENCE_DEFINITION = /^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)/;

/** The lines of a Markdown file, with fenced code blanked out so nothing in it counts. */
function proseLines(text) {
  const lines = text.split(/\r?\n/);
  let fence = null;
  return lines.map((line) => {
    const open = FENCE.exec(line);
    if (fence !== null) {
      if (open !== null && open[1][0] === fence[0] && open[1].length >= fence.length && line.trim() === open[1].trim()) fence = null;
      return "";
    }
    if (open !== null) {
      fence = open[1];
      return "";
    }
    return line;
  });
}

function withoutCodeSpans(line) {
  return line.replace(/(`+)(?:(?!\1).)+?\1/g, (span) => " ".repeat(span.length));
}

/** The text GitHub renders for a heading's source: links keep their text, markup goes. */
function headingText(source) {
  // Odd parts are code spans: their text is literal (`<id>` shows as <id>), the rest is markup.
  return source
    .split(/(`+[^`]*`+)/)
    .map((part, i) =>
      i % 2 === 1
        ? part.replace(/`/g, "")
        : part
            .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
            .replace(/<[^>]+>/g, "")
            .replace(/\*+/g, ""),
    )
    .join("")
    .trim();
}

/** github-slugger: lower case, drop everything but letters, marks, numbers, '_', '-' and spaces. */
export function githubSlug(text) {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, "")
    .replace(/ /g, "-");
}

/** Every anchor a Markdown file offers: its heading ids (deduplicated as GitHub does) and <a id>. */
export function anchorsOf(text) {
  const anchors = new Set();
  // github-slugger's bookkeeping: how often each slug was taken, so "A", "A" give a, a-1.
  const occurrences = new Map();
  const add = (heading) => {
    const base = githubSlug(headingText(heading));
    let slug = base;
    while (occurrences.has(slug)) {
      const n = (occurrences.get(base) ?? 0) + 1;
      occurrences.set(base, n);
      slug = `${base}-${n}`;
    }
    occurrences.set(slug, 0);
    anchors.add(slug);
  };
  const lines = proseLines(text);
  lines.forEach((line, i) => {
    const atx = ATX_HEADING.exec(line);
    if (atx !== null) add(atx[2] ?? "");
    else if (SETEXT_UNDERLINE.test(line) && i > 0 && isSetextText(lines[i - 1] ?? "")) add(lines[i - 1] ?? "");
    for (const m of withoutCodeSpans(line).matchAll(EXPLICIT_ANCHOR)) anchors.add(m[1]);
  });
  return anchors;
}

// A '---' under a table row, a list item or a heading is a rule or a table, not a heading.
function isSetextText(previous) {
  return previous.trim() !== "" && !/^\s*([|#>*+-]|\d+[.)]\s)/.test(previous);
}

function linkTargets(text) {
  const found = [];
  proseLines(text).forEach((line, i) => {
    const prose = withoutCodeSpans(line);
    for (const m of prose.matchAll(INLINE_LINK)) found.push({ line: i + 1, target: m[1] });
    const def = REFERENCE_DEFINITION.exec(prose);
    if (def !== null) found.push({ line: i + 1, target: def[1] });
  });
  return found.map(({ line, target }) => ({ line, target: target.replace(/^<|>$/g, "") }));
}

const EXTERNAL = /^(?:[a-z][a-z0-9+.-]*:|\/\/)/i;

/**
 * Checks every Markdown file under `root`. Returns one problem per broken link, each with the
 * file (relative to root), the 1-based line and what did not resolve.
 */
export function checkDocLinks(root) {
  const problems = [];
  const anchorCache = new Map();
  const anchorsIn = (file) => {
    if (!anchorCache.has(file)) anchorCache.set(file, anchorsOf(readFileSync(file, "utf8")));
    return anchorCache.get(file);
  };
  for (const file of markdownFiles(root)) {
    const where = relative(root, file).split(sep).join("/");
    for (const { line, target } of linkTargets(readFileSync(file, "utf8"))) {
      if (EXTERNAL.test(target)) continue;
      const hashAt = target.indexOf("#");
      const pathPart = hashAt === -1 ? target : target.slice(0, hashAt);
      const anchor = hashAt === -1 ? null : target.slice(hashAt + 1);
      let path;
      try {
        path = decodeURIComponent(pathPart);
      } catch {
        problems.push({ file: where, line, message: `link '${target}' is not a valid URL path` });
        continue;
      }
      // GitHub resolves a leading '/' against the repository root.
      const resolved = path === "" ? file : path.startsWith("/") ? join(root, path) : resolve(dirname(file), path);
      if (!existsSync(resolved)) {
        problems.push({ file: where, line, message: `link '${target}': ${relative(root, resolved) || "."} does not exist` });
        continue;
      }
      // Anchors into code (#L12) or into a folder listing are GitHub's business, not a heading.
      if (anchor === null || anchor === "" || extname(resolved).toLowerCase() !== ".md") continue;
      if (!anchorsIn(resolved).has(decodeURIComponent(anchor))) {
        const inFile = path === "" ? "this file" : relative(root, resolved).split(sep).join("/");
        problems.push({ file: where, line, message: `link '${target}': no heading or anchor '#${anchor}' in ${inFile}` });
      }
    }
  }
  return problems;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), ".."));
  const problems = checkDocLinks(root);
  for (const p of problems) process.stderr.write(`${p.file}:${p.line}: ${p.message}\n`);
  if (problems.length > 0) {
    process.stderr.write(`check-doc-links: ${problems.length} broken link${problems.length === 1 ? "" : "s"}\n`);
    process.exit(1);
  }
}
