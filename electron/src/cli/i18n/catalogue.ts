import type { en } from './en';

type Shape<T> = { [K in keyof T]: T[K] extends string ? string : Shape<T[K]> };

/** What every catalogue must hold: exactly the English keys, each a string. */
export type Catalogue = Shape<typeof en>;

type Leaves<T, Prefix extends string = ''> = {
  [K in keyof T & string]: T[K] extends string ? `${Prefix}${K}` : Leaves<T[K], `${Prefix}${K}.`>;
}[keyof T & string];

/** Every message key, e.g. 'trust.replaced'; a typo fails `tsc`. */
export type MessageKey = Leaves<typeof en>;

export type Translate = (key: MessageKey, values?: Record<string, unknown>) => string;
