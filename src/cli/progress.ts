import cliProgress from 'cli-progress';

export interface Progress {
  tick(matched: boolean, failed: boolean): void;
  stop(): void;
}

/** A progress bar on stderr when it is a terminal; nothing otherwise (reports stay clean in pipes). */
export function progressBar(total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { tick: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    { stream, format: ' {bar} {value}/{total} items | {matched} matched | {failed} failed | {eta_formatted}', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let matched = 0;
  let failed = 0;
  bar.start(total, 0, { matched, failed });
  return {
    tick(m, f) {
      if (m) matched++;
      if (f) failed++;
      bar.increment(1, { matched, failed });
    },
    stop: () => bar.stop(),
  };
}
