// ejs 7 ships no type declarations: the part of its API that render.ts uses.
declare module 'ejs' {
  interface Options {
    filename?: string;
    escape?: (value: unknown) => string;
    async?: boolean;
    cache?: boolean;
    strict?: boolean;
    /** render with the data object itself as `locals` instead of a copy of its own properties */
    unsafePrototypeLocals?: boolean;
    includer?: (originalPath: string, parsedPath: string) => { filename?: string; template?: string };
  }
  export type TemplateFunction = (data?: object) => string | Promise<string>;
  /** where EJS keeps compiled templates by file name when `cache` is on (includes, for us) */
  export interface Cache {
    get(filename: string): TemplateFunction | undefined;
    set(filename: string, compiled: TemplateFunction): void;
    remove(filename: string): void;
    reset(): void;
  }
  const ejs: {
    cache: Cache;
    render(template: string, data?: object, options?: Options): string | Promise<string>;
    compile(template: string, options?: Options): TemplateFunction;
  };
  export default ejs;
}
