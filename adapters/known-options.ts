// Adapters refuse an options object with a key they do not know, with the
// closest known one: `proxyApp({ timeout: 5000 })` would otherwise run with the
// 60 s default and nobody would know why. Each adapter lists its keys as an
// object of its options type (`{ root: 1, ... } satisfies Record<keyof X, 1>`),
// so tsc fails when an option is added to the type but not to the list.

import { didYouMean } from './did-you-mean.js';
import { OptionError } from './option-error.js';

/** The keys of a "satisfies Record<keyof Options, 1>" object. */
export const optionKeys = (keys: Record<string, 1>): readonly string[] => Object.keys(keys);

/** 'unknown option "x", did you mean "y"?' (or the known list), or null when every key is known. */
export const unknownOption = (options: object, known: readonly string[]): string | null => {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) return `unknown option ${JSON.stringify(key)}${didYouMean(key, known) || ` (known: ${known.join(', ')})`}`;
  }
  return null;
};

/** Throws an OptionError ERR_UNKNOWN_OPTION "<adapter>: unknown option ..." for the first unknown key of `options`. */
export const refuseUnknownOptions = (adapter: string, options: object, known: readonly string[]): void => {
  const problem = unknownOption(options, known);
  if (problem !== null) throw new OptionError('ERR_UNKNOWN_OPTION', `${adapter}: ${problem}`);
};
