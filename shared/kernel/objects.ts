/** Drops keys whose value is `undefined`, so optional fields are absent rather than present-and-undefined. */
export function withoutUndefined<T extends object>(value: T): T {
  // Every event is built and decoded through here: a loop over the own keys, in their order, not entries → fromEntries.
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = v;
  }
  return out as T;
}
