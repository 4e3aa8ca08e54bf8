import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.ts';
import {
  formatSelector,
  fromLabelSelector,
  matchesSelector,
  parseSelector,
} from '../../src/services/selector.ts';

describe('parseSelector', () => {
  it('parses equality, inequality, set-based and existence terms', () => {
    expect(
      parseSelector('app=web, tier!=db,env in (prod, staging),track notin (canary),owner,!legacy'),
    ).toEqual([
      { key: 'app', operator: '=', values: ['web'] },
      { key: 'tier', operator: '!=', values: ['db'] },
      { key: 'env', operator: 'in', values: ['prod', 'staging'] },
      { key: 'track', operator: 'notin', values: ['canary'] },
      { key: 'owner', operator: 'exists', values: [] },
      { key: 'legacy', operator: '!', values: [] },
    ]);
  });
  it('accepts == and prefixed keys and an empty string as everything', () => {
    expect(parseSelector('app.kubernetes.io/name==checkout')).toEqual([
      { key: 'app.kubernetes.io/name', operator: '=', values: ['checkout'] },
    ]);
    expect(parseSelector('  ')).toEqual([]);
  });
  it('rejects malformed selectors with an InputError', () => {
    for (const bad of ['app=', 'a=b,,c=d', 'env in prod', 'app=we b', 'in (a)', '=x', 'a=<script>']) {
      if (bad === 'app=') continue; // empty value is valid in Kubernetes
      expect(() => parseSelector(bad), bad).toThrow(InputError);
    }
  });
});

describe('matchesSelector', () => {
  const labels = { app: 'web', env: 'prod' };
  it.each([
    ['app=web', true],
    ['app=api', false],
    ['app!=api', true],
    ['missing!=x', true],
    ['env in (prod,dev)', true],
    ['env notin (prod)', false],
    ['missing notin (prod)', true],
    ['missing in (prod)', false],
    ['app', true],
    ['!app', false],
    ['!missing', true],
    ['app=web,env=dev', false],
    ['', true],
  ])('%s -> %s', (sel, expected) => {
    expect(matchesSelector(parseSelector(sel), labels)).toBe(expected);
  });
  it('treats undefined labels as none', () => {
    expect(matchesSelector(parseSelector('!app'), undefined)).toBe(true);
    expect(matchesSelector(parseSelector('app'), undefined)).toBe(false);
  });
  it('does not match inherited properties', () => {
    expect(matchesSelector(parseSelector('constructor'), {})).toBe(false);
  });
});

describe('fromLabelSelector', () => {
  it('converts matchLabels and matchExpressions', () => {
    const sel = fromLabelSelector({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'env', operator: 'In', values: ['prod'] },
        { key: 'x', operator: 'DoesNotExist' },
      ],
    });
    expect(sel && matchesSelector(sel, { app: 'web', env: 'prod' })).toBe(true);
    expect(sel && matchesSelector(sel, { app: 'web', env: 'prod', x: '1' })).toBe(false);
  });
  it('makes an unknown operator match nothing', () => {
    const sel = fromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Weird' }] });
    expect(sel && matchesSelector(sel, { a: 'b' })).toBe(false);
  });
  it('formats canonically', () => {
    expect(formatSelector(parseSelector('b=2, a in (y,x)'))).toBe('a in (x,y),b=2');
  });
});
