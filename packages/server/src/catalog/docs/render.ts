// Markdown to safe HTML with markdown-it, as MkDocs sites are written: headings with ids (so
// `page.md#section` links work), GitHub tables, fenced code highlighted by highlight.js,
// MkDocs admonitions (`!!! note "Title"` and `??? note` for collapsible ones), relative links
// to other pages and relative images. The result always passes the sanitiser in html.ts.
import { posix } from 'node:path';
import MarkdownIt from 'markdown-it';
import anchor from 'markdown-it-anchor';

/** markdown-it's block state, as its block rules receive it. */
type StateBlock = Parameters<Parameters<InstanceType<typeof MarkdownIt>['block']['ruler']['before']>[2]>[0];

import { highlightCode, sanitizeDocHtml } from './html.ts';

export interface RenderContext {
  /** The page's file, relative to the docs folder (`guide/setup.md`). */
  file: string;
  /** URL path of the docs tab, which page paths are appended to. */
  pageBase: string;
  /** URL path assets (images, other files) are served under. */
  assetBase: string;
}

export interface Rendered {
  html: string;
  /** The first heading, when there is one. */
  title?: string;
}

const ADMONITION = /^(!!!|\?\?\?\+?)\s+([\w-]+)(?:\s+"(.*)")?\s*$/;

function admonition(state: StateBlock, startLine: number, endLine: number, silent: boolean): boolean {
  const start = state.bMarks[startLine]! + state.tShift[startLine]!;
  const line = state.src.slice(start, state.eMarks[startLine]);
  const match = ADMONITION.exec(line);
  if (!match || state.sCount[startLine]! - state.blkIndent >= 4) return false;
  if (silent) return true;
  const [, marker, type, title] = match;
  // The body is every following line indented by 4 more than the marker, blank lines included.
  let next = startLine + 1;
  while (next < endLine) {
    const blank = state.bMarks[next]! + state.tShift[next]! >= state.eMarks[next]!;
    if (!blank && state.sCount[next]! < state.blkIndent + 4) break;
    next++;
  }
  let last = next;
  while (last > startLine + 1 && state.bMarks[last - 1]! + state.tShift[last - 1]! >= state.eMarks[last - 1]!)
    last--;
  const collapsible = marker!.startsWith('???');
  const kind = type!.toLowerCase();
  const open = state.push('admonition_open', collapsible ? 'details' : 'div', 1);
  open.attrSet('class', `admonition ${kind}`);
  if (collapsible && marker!.endsWith('+')) open.attrSet('open', '');
  open.map = [startLine, last];
  open.info = kind;
  if (title !== '') {
    const t = state.push('admonition_title_open', collapsible ? 'summary' : 'p', 1);
    t.attrSet('class', 'admonition-title');
    const inline = state.push('inline', '', 0);
    inline.content = title ?? kind.charAt(0).toUpperCase() + kind.slice(1);
    inline.map = [startLine, startLine + 1];
    inline.children = [];
    state.push('admonition_title_close', collapsible ? 'summary' : 'p', -1);
  }
  const oldIndent = state.blkIndent;
  const oldParent = state.parentType;
  const oldMax = state.lineMax;
  state.blkIndent += 4;
  state.parentType = 'blockquote' as typeof state.parentType;
  state.lineMax = last;
  state.md.block.tokenize(state, startLine + 1, last);
  state.blkIndent = oldIndent;
  state.parentType = oldParent;
  state.lineMax = oldMax;
  state.push('admonition_close', collapsible ? 'details' : 'div', -1);
  state.line = next;
  return true;
}

export function slugify(text: string): string {
  return (
    text
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s+/g, '-') || 'section'
  );
}

const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** Where a relative link of a page points in the portal; undefined leaves it as written. */
export function rewriteLink(href: string, ctx: RenderContext, image: boolean): string | undefined {
  if (href === '' || href.startsWith('#') || href.startsWith('/') || HAS_SCHEME.test(href)) return undefined;
  const [pathPart = '', hash = ''] = href.split(/#(.*)/s);
  const [target = ''] = pathPart.split('?');
  let decoded: string;
  try {
    decoded = decodeURIComponent(target);
  } catch {
    return undefined;
  }
  const resolved = posix.normalize(posix.join(posix.dirname(ctx.file), decoded));
  // Outside the docs folder: there is nothing of the site to point to.
  if (resolved.startsWith('..')) return '#';
  const encoded = resolved.split('/').map(encodeURIComponent).join('/');
  if (!image && /\.md$/i.test(resolved)) {
    return `${ctx.pageBase}/${encoded.replace(/\.md$/i, '')}${hash ? `#${hash}` : ''}`;
  }
  if (!image && (resolved.endsWith('/') || decoded === '' || decoded.endsWith('/'))) {
    return `${ctx.pageBase}/${encoded.replace(/\/?$/, '/index')}${hash ? `#${hash}` : ''}`;
  }
  return `${ctx.assetBase}/${encoded}`;
}

function createRenderer() {
  const md = new MarkdownIt({
    html: true,
    linkify: true,
    typographer: false,
    highlight: (code, lang) => {
      const language = lang.split(/\s/)[0];
      return `<pre><code class="hljs${language ? ` language-${language}` : ''}">${highlightCode(code, language)}</code></pre>`;
    },
  });
  md.block.ruler.before('fence', 'admonition', admonition, {
    alt: ['paragraph', 'reference', 'blockquote', 'list'],
  });
  md.use(anchor, { slugify, tabIndex: false });
  return md;
}

const renderer = createRenderer();

export function renderMarkdown(source: string, ctx: RenderContext): Rendered {
  const env = {};
  const tokens = renderer.parse(source, env);
  let title: string | undefined;
  for (const token of tokens) {
    if (title === undefined && token.type === 'inline' && tokens[tokens.indexOf(token) - 1]?.tag === 'h1') {
      title = token.content;
    }
    for (const child of token.children ?? []) {
      if (child.type === 'link_open') {
        const to = rewriteLink(String(child.attrGet('href') ?? ''), ctx, false);
        if (to !== undefined) child.attrSet('href', to);
      } else if (child.type === 'image') {
        const to = rewriteLink(String(child.attrGet('src') ?? ''), ctx, true);
        if (to !== undefined) child.attrSet('src', to);
      }
    }
  }
  const html = sanitizeDocHtml(renderer.renderer.render(tokens, renderer.options, env));
  return title === undefined ? { html } : { html, title };
}
