// The error of an adapter given options it cannot use: cgiApp(), fastcgiApp(),
// startPhpFpm(), proxyApp(), staticApp(), fetchApp() and nodeApp() throw it when
// they are called, never while serving. It is a PorticoError (core/errors.ts)
// with one code per meaning: ERR_UNKNOWN_OPTION for a key the adapter does not
// know (with the nearest known one), ERR_INVALID_OPTION for a known option whose
// value has the wrong type or range, or options that contradict each other. It
// is not a TypeError, as node's argument errors are: a class has one chain of
// prototypes, and Portico's errors share PorticoError's (as ConfigError does).

import { PorticoError } from '../core/index.js';

export type OptionErrorCode = 'ERR_UNKNOWN_OPTION' | 'ERR_INVALID_OPTION';

export class OptionError<C extends string = OptionErrorCode> extends PorticoError<C> {
  override readonly name: string = 'OptionError';
}

/** An option's value, or the options together, cannot be used; `message` names the adapter and the option. */
export const invalidOption = (message: string, options?: ErrorOptions): OptionError => new OptionError('ERR_INVALID_OPTION', message, options);
