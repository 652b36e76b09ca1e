// Regenerates src/generated from the .proto files. The options here must match loaderOptions in
// src/index.ts, or the types would describe a different object shape than the loader produces.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const outDir = process.argv[2] ?? 'src/generated';
const files = ['tiler/v1/tiler.proto', 'ugly_duckling/v1/ugly_duckling.proto', 'inference/grpc_service.proto'];

rmSync(new URL(outDir, `file://${here}/`), { recursive: true, force: true });
execFileSync(
  'node_modules/.bin/proto-loader-gen-types',
  ['--longs=Number', '--enums=String', '--defaults', '--oneofs', '--grpcLib=@grpc/grpc-js',
   '--includeDirs=.', `--outDir=${outDir}`, '--importFileExtension=.js', ...files],
  { cwd: here, stdio: 'inherit' },
);
