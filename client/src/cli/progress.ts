/**
 * A progress bar on stderr for long CLI jobs (import, export, reindex). On a terminal it redraws one
 * line; otherwise (CI, pipes) it prints a line every 10% so logs stay readable.
 */
export interface Progress {
  /** Adds `n` done items. */
  tick(n?: number): void;
  /** Sets the total once it is known (unknown totals show a count only). */
  setTotal(total: number): void;
  done(): void;
}

export function createProgress(label: string, total?: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  let done = 0;
  let lastDecile = -1;
  let lastDraw = 0;
  const start = Date.now();
  const line = () => {
    const rate = done / Math.max(0.001, (Date.now() - start) / 1000);
    if (!total) return `${label}: ${done} (${rate.toFixed(0)}/s)`;
    const frac = Math.min(1, done / total);
    const width = 30;
    const bar = "█".repeat(Math.round(frac * width)).padEnd(width, "░");
    return `${label} ${bar} ${(frac * 100).toFixed(0).padStart(3)}% ${done}/${total} (${rate.toFixed(0)}/s)`;
  };
  const draw = (force = false) => {
    if (stream.isTTY) {
      if (!force && Date.now() - lastDraw < 100) return;
      lastDraw = Date.now();
      stream.write(`\r${line()}`);
    } else if (total) {
      const decile = Math.floor((done / total) * 10);
      if (decile !== lastDecile || force) {
        lastDecile = decile;
        stream.write(`${line()}\n`);
      }
    } else if (force) stream.write(`${line()}\n`);
  };
  return {
    tick(n = 1) {
      done += n;
      draw();
    },
    setTotal(t) {
      total = t;
      draw();
    },
    done() {
      draw(true);
      if (stream.isTTY) stream.write("\n");
    },
  };
}
