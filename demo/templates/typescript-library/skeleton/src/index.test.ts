import { describe, expect, it } from 'vitest';
import { greet } from './index';

describe('greet', () => {
  it('greets by name', () => {
    expect(greet('Ada').text).toBe('Hello, Ada!');
  });

  it('rejects empty names', () => {
    expect(() => greet('  ')).toThrow(RangeError);
  });
});
