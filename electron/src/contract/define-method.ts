import { z, type ZodTypeAny } from 'zod';

type Inputs<T extends readonly ZodTypeAny[]> = { [K in keyof T]: z.input<T[K]> };

/**
 * The argument list a method takes: the required arguments, then the optional tail, each
 * optional argument omittable (`listProjects()` as well as `listProjects(undefined)`).
 */
export type ArgsOf<Req extends readonly ZodTypeAny[], Opt extends readonly ZodTypeAny[]> = [
  ...Inputs<Req>,
  ...Partial<Inputs<Opt>>,
];

/** One DesktopApi method: its argument schema (the one check IPC and the harness run). */
export interface MethodDef<Args extends unknown[], Result> {
  /** Validates the arguments as they arrived (a short list is fine when the tail is optional). */
  readonly args: z.ZodType<Args, z.ZodTypeDef, unknown>;
  /** Most arguments this method takes; a longer list is refused. */
  readonly arity: number;
  /** Phantom: carries the result type into `DesktopApi`; never read at run time. */
  readonly result?: Result;
}

/**
 * Defines a method once: required argument schemas, optional-tail schemas, result type. The TS
 * signature is derived from the schemas, and the schema pads a short list with `undefined`
 * itself (it knows its own length), so no caller reads zod's internals.
 */
export function defineMethod<Result>() {
  return <
    const Req extends readonly ZodTypeAny[] = [],
    const Opt extends readonly ZodTypeAny[] = [],
  >(
    required: Req = [] as unknown as Req,
    optional: Opt = [] as unknown as Opt,
  ): MethodDef<ArgsOf<Req, Opt>, Result> => {
    const items = [...required, ...optional.map((schema) => schema.optional())];
    const arity = items.length;
    const tuple = z.tuple(items as [] | [ZodTypeAny, ...ZodTypeAny[]]);
    const args = z.preprocess(
      (raw) =>
        Array.isArray(raw) && raw.length >= required.length && raw.length < arity
          ? [...raw, ...Array<undefined>(arity - raw.length).fill(undefined)]
          : raw,
      tuple,
    ) as unknown as z.ZodType<ArgsOf<Req, Opt>, z.ZodTypeDef, unknown>;
    return { args, arity };
  };
}
