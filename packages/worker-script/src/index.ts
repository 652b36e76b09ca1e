import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** A variable, so that the compiled services neither type nor bundle the compiler they never load. */
const TYPESCRIPT_PACKAGE: string = 'typescript';

interface Transpiler {
  transpileModule(source: string, options: { compilerOptions: Record<string, unknown>; fileName: string }): { outputText: string };
  ModuleKind: { ESNext: unknown };
  ScriptTarget: { ES2022: unknown };
}

/** A worker program's entry, and what to do once the worker has loaded it. */
export interface WorkerScript {
  readonly url: URL;
  /** Removes files made for the worker; safe once it has loaded its modules. */
  release(): Promise<void>;
}

/** Relative imports of an ES module written with .js specifiers, as this code base writes them. */
const RELATIVE_IMPORT = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+\.js)['"]/g;

/**
 * The worker program `name` (e.g. 'blob-worker') in the folder of the module at `moduleUrl`
 * (pass `import.meta.url`): the compiled file beside it. Run from the TypeScript sources instead
 * (vitest runs src/ directly, and Node 20 cannot run .ts), the program and every module it
 * imports, relatively and transitively, are transpiled with the typescript devDependency into a
 * temporary folder that mirrors their paths, so that relative imports resolve as in src/.
 * Package imports do not resolve from there: a worker program is given other packages' URLs.
 */
export async function workerScript(moduleUrl: string, name: string): Promise<WorkerScript> {
  if (!moduleUrl.endsWith('.ts')) return { url: new URL(`./${name}.js`, moduleUrl), release: async () => undefined };
  const imported = (await import(TYPESCRIPT_PACKAGE)) as { default?: Transpiler } & Transpiler;
  const ts = imported.default ?? imported;
  const outRoot = await mkdtemp(path.join(tmpdir(), 'worker-script-'));
  const mirrored = (file: string) => path.join(outRoot, path.relative(path.parse(file).root, file)).replace(/\.ts$/, '.js');
  try {
    await writeFile(path.join(outRoot, 'package.json'), '{ "type": "module" }\n');
    const entry = fileURLToPath(new URL(`./${name}.ts`, moduleUrl));
    const pending = [entry];
    const done = new Set<string>();
    while (pending.length > 0) {
      const file = pending.pop()!;
      if (done.has(file)) continue;
      done.add(file);
      const source = await readFile(file, 'utf8');
      for (const match of source.matchAll(RELATIVE_IMPORT)) pending.push(path.resolve(path.dirname(file), match[1]!.replace(/\.js$/, '.ts')));
      const { outputText } = ts.transpileModule(source, {
        fileName: file,
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true, sourceMap: false },
      });
      const out = mirrored(file);
      await mkdir(path.dirname(out), { recursive: true });
      await writeFile(out, outputText);
    }
    return { url: pathToFileURL(mirrored(entry)), release: () => rm(outRoot, { recursive: true, force: true }) };
  } catch (error) {
    await rm(outRoot, { recursive: true, force: true });
    throw error;
  }
}
