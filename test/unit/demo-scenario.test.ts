import { describe, expect, it } from 'vitest';
import { generateDemo } from '../../local/demo-scenario.ts';

/** `(channelId, eventId)` → detail, for every line that parses and carries one. */
function byKey(lines: readonly string[]) {
  const map = new Map<string, string>();
  for (const line of lines) {
    try {
      const value = JSON.parse(line) as { detail?: { channelId?: string; eventId?: string } };
      if (value.detail?.eventId) map.set(`${value.detail.channelId}\u0000${value.detail.eventId}`, JSON.stringify(value.detail));
    } catch {
      // a malformed line on purpose
    }
  }
  return map;
}

describe('the demo scenario', () => {
  it('is a prefix of its longer self: pushing --days 5 after --days 2 finds duplicates, not conflicts', () => {
    const short = byKey(generateDemo({ days: 2, volume: 0.3 }).lines);
    const long = byKey(generateDemo({ days: 5, volume: 0.3 }).lines);
    const conflicts = [...short].filter(([key, detail]) => long.has(key) && long.get(key) !== detail).map(([key]) => key.split('\u0000')[1]);
    // Only the staged bad lines (never stored: quarantined for what they are) may differ between the two.
    expect(conflicts.filter((id) => !id?.startsWith('bad-'))).toEqual([]);
    const shared = [...short.keys()].filter((key) => long.has(key)).length;
    expect(shared / short.size).toBeGreaterThan(0.95);
  });
});
