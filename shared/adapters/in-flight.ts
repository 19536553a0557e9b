/**
 * Writes in flight per key, for the single-writer caches: a read of the table may be kept only if no write to its key
 * was under way at any moment of it. A write that started before the read and lands after the table answered may or
 * may not be in the answer; adding its delta to that answer again when it returns would count it twice.
 */
export class InFlight {
  private readonly active = new Map<string, number>();
  private readonly finished = new Map<string, number>();

  /** A write to `key` starts. */
  begin(key: string): void {
    this.active.set(key, (this.active.get(key) ?? 0) + 1);
  }

  /** The write to `key` ended, whatever its outcome. */
  end(key: string): void {
    this.active.set(key, (this.active.get(key) ?? 1) - 1);
    this.finished.set(key, (this.finished.get(key) ?? 0) + 1);
  }

  /** Runs `write` with each of `keys` marked as written to until it settles, whatever its outcome. */
  async during<T>(keys: readonly string[], write: () => Promise<T>): Promise<T> {
    for (const key of keys) this.begin(key);
    try {
      return await write();
    } finally {
      for (const key of keys) this.end(key);
    }
  }

  /** What a read of `key` starting now must compare with when it ends. */
  mark(key: string): { readonly active: number; readonly finished: number } {
    return { active: this.active.get(key) ?? 0, finished: this.finished.get(key) ?? 0 };
  }

  /** No write to `key` was under way at any moment since `mark` (none active then or now, none ended between). */
  quietSince(key: string, mark: { readonly active: number; readonly finished: number }): boolean {
    return mark.active === 0 && (this.active.get(key) ?? 0) === 0 && (this.finished.get(key) ?? 0) === mark.finished;
  }
}
