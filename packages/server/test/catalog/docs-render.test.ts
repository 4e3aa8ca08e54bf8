import { describe, expect, it } from 'vitest';
import { renderMarkdown, rewriteLink } from '../../src/catalog/docs/render.ts';

const ctx = {
  file: 'guide/setup.md',
  pageBase: '/catalog/component/default/shop/docs',
  assetBase: '/api/x/docs/assets',
};

describe('docs rendering', () => {
  it('gives headings ids, keeps tables, highlights code and renders MkDocs admonitions', () => {
    const { html, title } = renderMarkdown(
      '# Setting up\n\n## Run it & see\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n\n```yaml\nkey: value\n```\n\n!!! warning "Mind the gap"\n    Text **inside**.\n\n    - and a list\n\n??? tip\n    Folded.\n\nAfter.\n',
      ctx,
    );
    expect(title).toBe('Setting up');
    expect(html).toContain('<h1 id="setting-up">Setting up</h1>');
    expect(html).toContain('<h2 id="run-it-see">Run it &amp; see</h2>');
    expect(html).toContain('<th style="text-align:left">a</th>');
    expect(html).toContain('<span class="hljs-attr">key:</span>');
    expect(html).toMatch(
      /<div class="admonition warning">\s*<p class="admonition-title">Mind the gap<\/p>\s*<p>Text <strong>inside<\/strong>.<\/p>\s*<ul>/,
    );
    expect(html).toMatch(
      /<details class="admonition tip">\s*<summary class="admonition-title">Tip<\/summary>\s*<p>Folded.<\/p>\s*<\/details>\s*<p>After.<\/p>/,
    );
  });

  it('points relative links at the docs tab and relative images at the asset route', () => {
    expect(rewriteLink('../index.md#top', ctx, false)).toBe('/catalog/component/default/shop/docs/index#top');
    expect(rewriteLink('more/deep%20page.md', ctx, false)).toBe(
      '/catalog/component/default/shop/docs/guide/more/deep%20page',
    );
    expect(rewriteLink('img/a.png', ctx, true)).toBe('/api/x/docs/assets/guide/img/a.png');
    expect(rewriteLink('../../../etc/passwd', ctx, true)).toBe('#');
    expect(rewriteLink('#local', ctx, false)).toBeUndefined();
    expect(rewriteLink('https://example.com/x.md', ctx, false)).toBeUndefined();
  });

  it('lets no script, event handler, javascript: link or foreign embed through', () => {
    const hostile = [
      '<script>window.pwned = 1</script>',
      '<img src="x.png" onerror="window.pwned = 2">',
      '<a href="javascript:window.pwned = 3">click</a>',
      '[md link](javascript:window.pwned=4)',
      '<a href="JaVaScRiPt&colon;alert(5)">entity</a>',
      '<svg onload="window.pwned = 6"><script>window.pwned = 7</script></svg>',
      '<iframe src="https://example.com"></iframe><object data="x"></object><embed src="x">',
      '<div onclick="window.pwned = 8" style="background:url(javascript:alert(9))">div</div>',
      '<form action="https://example.com"><input name="q"><button formaction="javascript:alert(10)">go</button></form>',
      '<a href="data:text/html,<script>alert(11)</script>">data</a>',
      '<img src="data:image/svg+xml,<svg onload=alert(12)>">',
      '<meta http-equiv="refresh" content="0;url=javascript:alert(13)"><base href="https://example.com/">',
      '<style>body{display:none}</style><link rel="stylesheet" href="https://example.com/x.css">',
    ].join('\n\n');
    const { html } = renderMarkdown(hostile, ctx);
    expect(html).not.toMatch(/<script|<svg|<iframe|<object|<embed|<form|<meta|<base|<style|<link|<button/i);
    expect(html).not.toMatch(/\son\w+=/i);
    // No attribute carries a script URL or script text (a refused Markdown link stays as text).
    expect(html).not.toMatch(/=\s*"[^"]*(javascript:|data:|pwned)/i);
    expect(html).toContain('[md link](javascript:window.pwned=4)');
    // What is harmless stays: the link texts and the div's text.
    expect(html).toContain('click');
    expect(html).toContain('div');
  });
});
