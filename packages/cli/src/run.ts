import { analyzeCommand, ANALYZE_HELP } from './commands/analyze.js';
import { benchCommand, BENCH_HELP } from './commands/bench.js';
import { classifyCommand, CLASSIFY_HELP } from './commands/classify.js';
import { describeFailure } from './failures.js';
import { EXIT, UsageError, type Io } from './io.js';
import { DEFAULT_URL } from './options.js';

export const HELP = `Usage: skinlesion <command> [options]

Commands:
  analyze <photo...>   analyse the photos of one patient; write the JSON and the pictures
  classify <image...>  classify whole images as single patches
  bench                run the load experiment against a deployment

Run "skinlesion <command> --help" for a command's options. The gateway is --url, else
$SKINLESION_URL, else ${DEFAULT_URL}.

Exit codes: 0 success, 1 the work failed, 2 the command line is wrong.
`;

const COMMANDS: Record<string, { run: (argv: readonly string[], io: Io) => Promise<number>; help: string }> = {
  analyze: { run: analyzeCommand, help: ANALYZE_HELP },
  classify: { run: classifyCommand, help: CLASSIFY_HELP },
  bench: { run: benchCommand, help: BENCH_HELP },
};

/** Runs one command line; resolves with the exit code (it never exits the process itself). */
export async function run(argv: readonly string[], io: Io, version = '0.0.0'): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(HELP);
    return EXIT.ok;
  }
  if (name === '--version') {
    io.stdout.write(`${version}\n`);
    return EXIT.ok;
  }
  const command = name === undefined ? undefined : COMMANDS[name];
  if (!command) {
    io.stderr.write(`${name === undefined ? 'no command given' : `unknown command ${JSON.stringify(name)}`}\n\n${HELP}`);
    return EXIT.usage;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`skinlesion ${name}: ${error.message}\n\n${command.help}`);
      return EXIT.usage;
    }
    io.stderr.write(`skinlesion ${name}: ${describeFailure(error)}\n`);
    return EXIT.failure;
  }
}
