import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { allCustomMatcher } from 'aws-sdk-client-mock-vitest';
import { describe, expect, it } from 'vitest';
import { eventBridgePublisher } from '../../shared/adapters/event-bridge-publisher.ts';
import { publishOutbox } from '../../shared/app/publishing.ts';
import type { AlertStore, EventPublisher, OutboxEntry } from '../../shared/app/ports.ts';

expect.extend(allCustomMatcher);

const resolved = (i: number): OutboxEntry => ({
  channelId: 'jd',
  id: `a${i}#Alert Resolved`,
  seq: `roi_drop|jd|||||#000000002#${i}`,
  detailType: 'Alert Resolved',
  timeMs: Date.parse('2025-11-03T06:00:00Z') + i,
  detail: { alertId: `a${i}`, fingerprint: 'roi_drop|jd|||||', rule: 'roi_drop', channelId: 'jd', resolvedAt: '2025-11-03T06:00:00.000Z', reason: 'recovered' },
});

function fakeStore(entries: OutboxEntry[]): AlertStore & { removed: string[] } {
  const removed: string[] = [];
  return {
    removed,
    pending: async () => entries,
    published: async (entry) => {
      removed.push(entry.id);
    },
    get: async () => undefined,
    list: async () => ({ alerts: [], lastEventAtMs: undefined }),
    save: async () => 'saved',
    touchChannel: async () => undefined,
  };
}

describe('eventBridgePublisher', () => {
  it('sends to the bus and reports exactly the entries EventBridge failed', async () => {
    const eb = mockClient(EventBridgeClient);
    eb.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ EventId: '1' }, { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }, { EventId: '3' }],
    });
    const failed = await eventBridgePublisher(new EventBridgeClient({ region: 'cn-north-1' }), 'sentinel-bus').putEvents(
      [0, 1, 2].map((i) => ({ source: 'channel-sentinel', detailType: 'Alert Resolved', detail: resolved(i).detail, timeMs: 0 })),
    );
    expect(failed).toEqual([1]);
    expect(eb).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: expect.arrayContaining([expect.objectContaining({ EventBusName: 'sentinel-bus', Source: 'channel-sentinel', DetailType: 'Alert Resolved' })]),
    });
  });
});

describe('publishOutbox', () => {
  it('sends at most 10 per call, retries only the failed entries, removes only what was accepted', async () => {
    const store = fakeStore(Array.from({ length: 12 }, (_, i) => resolved(i)));
    const calls: string[][] = [];
    let failed = false;
    const publisher: EventPublisher = {
      putEvents: async (entries) => {
        calls.push(entries.map((e) => String(e.detail.alertId)));
        if (!failed && entries.length === 10) {
          failed = true;
          return [3, 7];
        }
        return [];
      },
    };
    const report = await publishOutbox(store, publisher, ['jd']);
    expect(calls).toEqual([
      ['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8', 'a9'],
      ['a3', 'a7'],
      ['a10', 'a11'],
    ]);
    expect(report).toEqual({ published: 12, left: 0, invalid: [] });
    expect(store.removed.sort()).toEqual(Array.from({ length: 12 }, (_, i) => `a${i}#Alert Resolved`).sort());
  });

  it('keeps entries that keep failing for the next drain, and never sends or blocks on an invalid one', async () => {
    const broken: OutboxEntry = { ...resolved(99), detail: { alertId: 'a99', rule: 'not_a_rule' } };
    const store = fakeStore([resolved(0), broken, resolved(1)]);
    const publisher: EventPublisher = { putEvents: async (entries) => entries.flatMap((e, i) => (e.detail.alertId === 'a1' ? [i] : [])) };
    const report = await publishOutbox(store, publisher, ['jd'], 2);
    expect(report.published).toBe(1);
    expect(report.left).toBe(1);
    expect(report.invalid).toHaveLength(1);
    expect(report.invalid[0]).toMatch(/a99#Alert Resolved: outbound Alert Resolved violates its schema/);
    expect(store.removed).toEqual(['a0#Alert Resolved']);
  });
});
