/**
 * The local webhook's durable queue: what the webhook acknowledges is first appended here and flushed to disk, and
 * marked done only once ingested, so a `kill -9` at any moment loses nothing that was answered 202. On a restart the
 * entries after the done mark are fed again; any that had already been ingested come back as duplicates, which
 * ingest drops (at least once in, exactly once counted).
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface SpooledEvent {
  readonly seq: number;
  /** The event as one replay line (EventBridge's delivered shape). */
  readonly line: string;
  readonly timeMs: number;
  readonly key?: string;
}

export class Spool {
  private readonly file: string;
  private readonly doneFile: string;
  private lastSeq: number;
  private doneSeq: number;

  constructor(dataDir: string) {
    this.file = join(dataDir, 'webhook-spool.ndjson');
    this.doneFile = join(dataDir, 'webhook-spool.done');
    this.doneSeq = existsSync(this.doneFile) ? Number(readFileSync(this.doneFile, 'utf8').trim()) || 0 : 0;
    // A fold, not Math.max(...spread): a spool can hold more entries than a call has room for arguments.
    this.lastSeq = this.read().reduce((max, e) => Math.max(max, e.seq), this.doneSeq);
  }

  private read(): SpooledEvent[] {
    if (!existsSync(this.file)) return [];
    // A line cut short by a crash mid-append was never acknowledged: it is skipped.
    return readFileSync(this.file, 'utf8')
      .split('\n')
      .flatMap((text) => {
        try {
          return text ? [JSON.parse(text) as SpooledEvent] : [];
        } catch {
          return [];
        }
      });
  }

  /** Entries acknowledged but not yet known to be ingested, in order. */
  pending(): SpooledEvent[] {
    return this.read().filter((e) => e.seq > this.doneSeq);
  }

  /** Appends and flushes to disk; returns the entries with their sequence numbers. Only then may the caller answer 202. */
  append(events: readonly Omit<SpooledEvent, 'seq'>[]): SpooledEvent[] {
    const spooled = events.map((e) => ({ ...e, seq: ++this.lastSeq }));
    const fd = openSync(this.file, 'a');
    try {
      writeSync(fd, spooled.map((e) => `${JSON.stringify(e)}\n`).join(''));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return spooled;
  }

  /** Everything up to `seq` is ingested. When nothing is left, the spool starts over empty. */
  done(seq: number): void {
    if (seq <= this.doneSeq) return;
    this.doneSeq = seq;
    const temp = `${this.doneFile}.tmp`;
    writeFileSync(temp, `${seq}\n`);
    const fd = openSync(temp, 'r');
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temp, this.doneFile);
    if (this.doneSeq === this.lastSeq) writeFileSync(this.file, '');
  }
}
