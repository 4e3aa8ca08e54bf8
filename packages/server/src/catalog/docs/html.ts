// The only HTML the portal builds from untrusted text: highlighted code and rendered docs pages.
// Everything passes one allow-list sanitiser before it leaves the server, and the portal's CSP
// (no inline script) stands behind it.
import hljs from 'highlight.js';
import sanitizeHtml from 'sanitize-html';

/** Larger sources are shown unhighlighted: highlighting is linear but not free. */
export const MAX_HIGHLIGHT_BYTES = 256 * 1024;

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/** Code as highlight.js marks it up (escaped text in classed spans), or escaped text. */
export function highlightCode(code: string, language: string | undefined): string {
  if (language && hljs.getLanguage(language) && code.length <= MAX_HIGHLIGHT_BYTES) {
    try {
      return hljs.highlight(code, { language, ignoreIllegals: true }).value;
    } catch {
      // fall back to plain text below
    }
  }
  return escapeHtml(code);
}

const SAFE_CLASS =
  /^(hljs[\w-]*|language-[\w+#.-]+|admonition|admonition-title|note|tip|info|warning|danger|caution|important|abstract|success|question|failure|bug|example|quote|seealso|anchor|footnote[\w-]*|task-list-item[\w-]*)$/;

const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [
    'h1',
    'h2',
    'h3',
    'h4',
    'h5',
    'h6',
    'p',
    'br',
    'hr',
    'blockquote',
    'pre',
    'code',
    'span',
    'div',
    'ul',
    'ol',
    'li',
    'dl',
    'dt',
    'dd',
    'strong',
    'b',
    'em',
    'i',
    'u',
    's',
    'del',
    'ins',
    'mark',
    'sub',
    'sup',
    'kbd',
    'abbr',
    'small',
    'a',
    'img',
    'table',
    'thead',
    'tbody',
    'tfoot',
    'tr',
    'th',
    'td',
    'caption',
    'details',
    'summary',
    'figure',
    'figcaption',
    'section',
    'aside',
    'input',
  ],
  allowedAttributes: {
    '*': ['id', 'class', 'title', 'lang', 'dir', 'aria-hidden', 'aria-label'],
    a: ['href', 'rel'],
    img: ['src', 'alt', 'width', 'height', 'loading'],
    th: ['align', 'colspan', 'rowspan', 'scope', 'style'],
    td: ['align', 'colspan', 'rowspan', 'style'],
    ol: ['start', 'type'],
    details: ['open'],
    input: ['type', 'checked', 'disabled'],
  },
  // Table alignment is the only inline style kept.
  allowedStyles: {
    th: { 'text-align': [/^(left|right|center)$/] },
    td: { 'text-align': [/^(left|right|center)$/] },
  },
  allowedClasses: { '*': [SAFE_CLASS] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  // What a disallowed tag contained is dropped with it, not shown as text.
  nonTextTags: [
    'script',
    'style',
    'textarea',
    'option',
    'noscript',
    'iframe',
    'object',
    'embed',
    'svg',
    'math',
    'template',
  ],
  transformTags: {
    a: (tagName, attribs) => {
      const external = /^(https?:|mailto:)/i.test(attribs.href ?? '');
      return { tagName, attribs: external ? { ...attribs, rel: 'noopener noreferrer nofollow' } : attribs };
    },
    input: (tagName, attribs) =>
      attribs.type === 'checkbox'
        ? { tagName, attribs: { ...attribs, disabled: '' } }
        : { tagName: 'span', attribs: {} },
  },
};

/** The allow-list: structure, text, tables, code, links (http, https, mailto, relative) and images. */
export function sanitizeDocHtml(html: string): string {
  return sanitizeHtml(html, OPTIONS);
}
