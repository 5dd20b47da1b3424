/**
 * @encore/${{ values.name }}: ${{ values.description }}
 */

export interface Greeting {
  readonly text: string;
  readonly locale: string;
}

/** Replace me: a tiny example so the build, tests and docs have something to work on. */
export function greet(name: string, locale = 'en-GB'): Greeting {
  if (name.trim() === '') {
    throw new RangeError('name must not be empty');
  }
  return { text: `Hello, ${name}!`, locale };
}
