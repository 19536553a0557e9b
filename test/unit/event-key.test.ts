import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventKey } from '../../shared/adapters/event-store.ts';

describe('eventKey', () => {
  it('gives distinct (channelId, eventId) pairs distinct keys, whatever characters they hold', () => {
    const part = fc.string({ unit: fc.constantFrom('a', '#', '\\', 'b'), minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(part, part, (channelId, eventId) => {
        // Every other way to cut the same text at a '#' into a pair: the candidates for a collision.
        const joined = `${channelId}#${eventId}`;
        for (let at = joined.indexOf('#'); at >= 0; at = joined.indexOf('#', at + 1)) {
          const [c, d] = [joined.slice(0, at), joined.slice(at + 1)];
          if (c === channelId && d === eventId) continue;
          expect(eventKey(c, d)).not.toBe(eventKey(channelId, eventId));
        }
        // And a random other pair.
        expect(eventKey(channelId, eventId) === eventKey(eventId, channelId)).toBe(channelId === eventId);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps the plain form for ids without the separator or the escape', () => {
    expect(eventKey('tmall', 'evt-1')).toBe('tmall#evt-1');
    expect(eventKey('cn', 'jp#e1')).not.toBe(eventKey('cn#jp', 'e1'));
  });
});
