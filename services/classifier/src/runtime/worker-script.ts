import { readFile } from 'node:fs/promises';

/** A variable, so that the compiled service neither types nor bundles the compiler it never loads. */
const TYPESCRIPT_PACKAGE: string = 'typescript';

interface Transpiler {
  transpileModule(source: string, options: { compilerOptions: Record<string, unknown>; fileName: string }): { outputText: string };
  ModuleKind: { ESNext: unknown };
  ScriptTarget: { ES2022: unknown };
}

/**
 * The URL to start the worker program `name` of this folder from (e.g. 'onnx-worker'): the
 * compiled file beside this module. Run from the TypeScript sources instead (vitest runs src/
 * directly, and Node 20 cannot run .ts), the program's source is transpiled with the typescript
 * devDependency into a data: URL. A data: module resolves no relative or package specifiers, so
 * a worker program imports only node: built-ins and types, and is given other modules' URLs.
 */
export async function workerScript(name: string): Promise<URL> {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new URL(`./${name}.js`, here);
  const file = new URL(`./${name}.ts`, here);
  const source = await readFile(file, 'utf8');
  const imported = (await import(TYPESCRIPT_PACKAGE)) as { default?: Transpiler } & Transpiler;
  const ts = imported.default ?? imported;
  const { outputText } = ts.transpileModule(source, {
    fileName: file.pathname,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true, sourceMap: false },
  });
  return new URL(`data:text/javascript,${encodeURIComponent(outputText)}`);
}
