/** Types for layer-imports.js (the project type-checks TS only: no allowJs). */
import type { Rule } from 'eslint';

export declare const LAYERS: readonly string[];
export declare const MATRIX: Readonly<Record<string, readonly string[]>>;
export declare const TRANSLATOR_ALLOWED: readonly string[];
declare const rule: Rule.RuleModule;
export default rule;
