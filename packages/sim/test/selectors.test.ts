import { describe, expect, it } from 'vitest';
import {
  matchLabels,
  parseFieldSelector,
  parseLabelSelector,
  SelectorError,
} from '../src/apiserver/selectors.ts';

const labels = { app: 'web', tier: 'frontend', 'app.kubernetes.io/name': 'playlist-api' };
const m = (sel: string) => matchLabels(parseLabelSelector(sel), labels);

describe('label selectors', () => {
  it('supports every operator of the grammar', () => {
    expect(m('')).toBe(true);
    expect(m('app=web')).toBe(true);
    expect(m('app==web')).toBe(true);
    expect(m('app!=web')).toBe(false);
    expect(m('app!=api')).toBe(true);
    expect(m('missing!=x')).toBe(true);
    expect(m('app in (web, api)')).toBe(true);
    expect(m('app in (api)')).toBe(false);
    expect(m('app notin (api)')).toBe(true);
    expect(m('missing notin (api)')).toBe(true);
    expect(m('app')).toBe(true);
    expect(m('!app')).toBe(false);
    expect(m('!missing')).toBe(true);
    expect(m('app.kubernetes.io/name=playlist-api,tier in (frontend,backend),!missing')).toBe(true);
    expect(m('app.kubernetes.io/name=playlist-api,tier=backend')).toBe(false);
  });

  it('rejects malformed selectors', () => {
    expect(() => parseLabelSelector('app=we b')).toThrow(SelectorError);
    expect(() => parseLabelSelector('-bad=x')).toThrow(SelectorError);
  });
});

describe('field selectors', () => {
  it('parses supported fields and rejects others like the API server', () => {
    expect(
      parseFieldSelector('status.phase=Running,spec.nodeName!=n1', ['status.phase', 'spec.nodeName']),
    ).toEqual([
      { field: 'status.phase', op: '=', value: 'Running' },
      { field: 'spec.nodeName', op: '!=', value: 'n1' },
    ]);
    expect(() => parseFieldSelector('spec.foo=x', ['metadata.name'])).toThrow(
      'field label not supported: spec.foo',
    );
  });
});
