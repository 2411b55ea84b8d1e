/**
 * Turns zod issues into kubectl-like messages ("is required", "must be one of ...").
 * @module
 */
import type { z } from 'zod';

type ZodIssue = z.core.$ZodIssue;

/** Describes a JSON value's type for "got ..." messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `"${value.length > 60 ? `${value.slice(0, 57)}...` : value}"`;
  if (typeof value === 'object') return value instanceof Date ? 'a timestamp' : 'a map';
  return String(value);
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'a map',
  array: 'a list',
  record: 'a map',
  date: 'a timestamp',
};

/** A human message for one zod issue, given the input value found at its path. */
export function messageFor(issue: ZodIssue, input: unknown): string {
  switch (issue.code) {
    case 'invalid_type':
      if (input === undefined) return 'is required';
      return `must be ${EXPECTED[issue.expected] ?? issue.expected}, got ${describeValue(input)}`;
    case 'invalid_value': {
      const values = issue.values.map((v) => JSON.stringify(v));
      return values.length === 1 ? `must be ${values[0]}, got ${describeValue(input)}` : `must be one of ${values.join(', ')}; got ${describeValue(input)}`;
    }
    case 'too_small':
      if (issue.origin === 'array') return `must have at least ${String(issue.minimum)} item(s)`;
      if (issue.origin === 'string') return Number(issue.minimum) === 1 ? 'must not be empty' : `must be at least ${String(issue.minimum)} characters`;
      return `must be ${issue.inclusive === false ? 'greater than' : 'at least'} ${String(issue.minimum)}, got ${describeValue(input)}`;
    case 'too_big':
      if (issue.origin === 'array') return `must have at most ${String(issue.maximum)} items`;
      if (issue.origin === 'string') return `must be at most ${String(issue.maximum)} characters`;
      return `must be ${issue.inclusive === false ? 'less than' : 'at most'} ${String(issue.maximum)}, got ${describeValue(input)}`;
    case 'invalid_union': {
      // Prefer the message of a branch that got past the type check: it is the most specific one.
      const specific = issue.errors.flat().find((e) => e.code !== 'invalid_type' && e.code !== 'invalid_value');
      if (specific) return messageFor(specific, input);
      return `has an unsupported value ${describeValue(input)}`;
    }
    case 'invalid_format':
      // Every pattern in api/ carries its own explanatory message.
      return issue.message;
    default:
      return issue.message;
  }
}
