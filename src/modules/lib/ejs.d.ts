// ejs 7 ships no type declarations: the part of its API that render.ts uses.
declare module 'ejs' {
  interface Options {
    filename?: string;
    escape?: (value: unknown) => string;
    async?: boolean;
    cache?: boolean;
    strict?: boolean;
    includer?: (originalPath: string, parsedPath: string) => { filename?: string; template?: string };
  }
  export type TemplateFunction = (data?: object) => string | Promise<string>;
  const ejs: {
    render(template: string, data?: object, options?: Options): string | Promise<string>;
    compile(template: string, options?: Options): TemplateFunction;
  };
  export default ejs;
}
