import { describe, expect, it } from 'vitest';
import { formatQuantity, parseQuantity } from '../../src/scaling/quantity.ts';

describe('parseQuantity', () => {
  it.each([
    ['250m', 0.25],
    ['1', 1],
    ['1.5', 1.5],
    ['1.5k', 1500],
    ['2M', 2e6],
    ['1G', 1e9],
    ['1Ki', 1024],
    ['128Mi', 128 * 1024 ** 2],
    ['1Gi', 1024 ** 3],
    ['1.5Gi', 1.5 * 1024 ** 3],
    ['2Ti', 2 * 1024 ** 4],
    ['500u', 0.0005],
    ['100n', 1e-7],
    ['1e3', 1000],
    ['1E3', 1000],
    ['1.2e-3', 0.0012],
    ['3E', 3e18],
    ['.5', 0.5],
    ['-1', -1],
    ['+2k', 2000],
    [' 8Gi ', 8 * 1024 ** 3],
    [42, 42],
  ] as const)('%s', (input, expected) => {
    expect(parseQuantity(input)).toBeCloseTo(expected, 12);
  });

  it.each([
    ['', undefined],
    ['abc', undefined],
    ['1KB', undefined],
    ['1 Gi', undefined],
    ['Gi', undefined],
    ['1.2.3', undefined],
    [undefined, undefined],
    [Number.NaN, undefined],
  ])('rejects %s', (input, expected) => {
    expect(parseQuantity(input as string)).toBe(expected);
  });
});

describe('formatQuantity', () => {
  it.each([
    [0, 'decimal', '0'],
    [0.25, 'decimal', '250m'],
    [1500, 'decimal', '1.5k'],
    [1024 ** 3, 'bytes', '1Gi'],
    [1.5 * 1024 ** 2, 'bytes', '1.5Mi'],
    [512, 'bytes', '512'],
  ] as const)('%s %s -> %s', (value, unit, expected) => {
    expect(formatQuantity(value, unit)).toBe(expected);
  });
});
