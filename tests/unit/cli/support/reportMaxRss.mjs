// Preloaded into a CLI child process by evalMemory.test.ts: reports the process's peak resident
// memory as the last line of stderr when it exits.
process.on('exit', () => {
  process.stderr.write(`maxRss ${process.resourceUsage().maxRSS * 1024}\n`);
});
