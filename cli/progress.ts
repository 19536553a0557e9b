/** A progress line on stderr for long runs: redrawn in place on a terminal, every few seconds in logs. */
export function progressPrinter(label: string) {
  const interactive = process.stderr.isTTY;
  let last = 0;
  return ({ linesDone, linesTotal, elapsedMs }: { linesDone: number; linesTotal: number; elapsedMs: number }) => {
    const now = Date.now();
    const finished = linesDone >= linesTotal;
    if (!finished && now - last < (interactive ? 250 : 5_000)) return;
    last = now;
    const rate = elapsedMs > 0 ? Math.round((linesDone / elapsedMs) * 1000) : 0;
    const text = `${label}: ${linesDone}/${linesTotal} lines (${Math.floor((linesDone / Math.max(1, linesTotal)) * 100)}%), ${rate} lines/s`;
    process.stderr.write(interactive ? `\r${text}${finished ? '\n' : ''}` : `${text}\n`);
  };
}
