// Where the CLI's output goes. Commands never touch process.stdout or process.exit themselves, so
// tests run them in-process and read what they printed; main.ts binds these to the real streams.
// Runs in Node.

export interface CliIo {
  /** Result text (one JSON object, or help). */
  stdout(text: string): void;
  /** The one error line, or a long command's progress. */
  stderr(text: string): void;
  /** stderr is a terminal: progress may rewrite its line. */
  tty?: boolean;
}

/** Exit statuses: usage errors apart from bad files or data, as most Unix tools do. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  tty: process.stderr.isTTY,
};

/** An io that keeps what was written, for tests and for callers that want the JSON back. */
export function memoryIo(): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout(text: string) {
      io.out += text;
    },
    stderr(text: string) {
      io.err += text;
    },
  };
  return io;
}
