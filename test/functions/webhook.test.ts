import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { allCustomMatcher } from 'aws-sdk-client-mock-vitest';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { HEADERS, MAX_WEBHOOK_BYTES } from '../../events/webhook.ts';
import { makeHandler } from '../../functions/webhook/webhook.ts';
import { localContext } from '../../local/lambda-context.ts';
import { eventBridgePublisher } from '../../shared/adapters/event-bridge-publisher.ts';
import { staticWebhookSecrets } from '../../shared/adapters/webhook-secrets.ts';
import { signatureOf } from '../../shared/security/signature.ts';
import { body, validDetail } from '../fixtures.ts';
import { SaleRecordedEvent } from '../../events/inbound.ts';
import { quietObservability } from './setup.ts';
import { signCommand } from '../../cli/deploy-commands.ts';

expect.extend(allCustomMatcher);

const NOW = Date.parse('2025-11-11T02:00:00Z');
const CURRENT = 'tmall-current-secret-0123456789';
const PREVIOUS = 'tmall-previous-secret-9876543210';
const eb = mockClient(EventBridgeClient);
const handler = makeHandler({
  secrets: staticWebhookSecrets({ 'tmall-shop': [CURRENT, PREVIOUS], 'jd-shop': ['jd-secret-abcdefghijklmnop'] }),
  bus: eventBridgePublisher(new EventBridgeClient({ region: 'cn-north-1' }), 'sentinel-bus'),
  clock: () => NOW,
  ...quietObservability(),
});

const payload = body(SaleRecordedEvent, validDetail(SaleRecordedEvent));
const seconds = (ms: number) => String(Math.floor(ms / 1000));

function request(raw: string, headers: Record<string, string | undefined>): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /events',
    rawPath: '/events',
    rawQueryString: '',
    headers: Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined)) as Record<string, string>,
    body: raw,
    isBase64Encoded: false,
    requestContext: { http: { method: 'POST', path: '/events' } },
  } as unknown as APIGatewayProxyEventV2;
}
const signed = (
  raw: string,
  { secret = CURRENT, producer = 'tmall-shop', atMs = NOW, signature }: { secret?: string; producer?: string; atMs?: number; signature?: string } = {},
) =>
  request(raw, { [HEADERS.producer]: producer, [HEADERS.timestamp]: seconds(atMs), [HEADERS.signature]: signature ?? signatureOf(secret, seconds(atMs), raw) });
const call = async (event: APIGatewayProxyEventV2) => {
  const result = await handler(event, localContext('webhook'));
  return { status: result.statusCode, body: JSON.parse(result.body ?? '{}') as Record<string, unknown> };
};

beforeEach(() => {
  eb.reset();
  eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
});

describe('POST /events (signed webhooks)', () => {
  it('puts a correctly signed event on the bus, stamped with its arrival', async () => {
    expect(await call(signed(payload))).toEqual({ status: 202, body: { accepted: 1 } });
    expect(eb).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    const entry = eb.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(entry).toMatchObject({ EventBusName: 'sentinel-bus', Source: 'test.producer', DetailType: 'Sale Recorded', Time: new Date(NOW) });
    expect(JSON.parse(entry?.Detail ?? '{}')).toEqual(JSON.parse(payload).detail);
  });

  it('accepts the previous secret during a rotation, and a batch of events in one request', async () => {
    const batch = JSON.stringify([JSON.parse(payload), JSON.parse(payload)]);
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }, { EventId: '2' }] });
    expect(await call(signed(batch, { secret: PREVIOUS }))).toEqual({ status: 202, body: { accepted: 2 } });
  });

  const refusals: [string, () => APIGatewayProxyEventV2, number, RegExp][] = [
    ['a tampered body', () => ({ ...signed(payload), body: payload.replace('189.00', '1.00') }), 401, /bad signature/],
    ["another producer's secret", () => signed(payload, { secret: 'jd-secret-abcdefghijklmnop' }), 401, /bad signature/],
    ['a secret no longer active', () => signed(payload, { secret: 'retired-secret-000000000000' }), 401, /bad signature/],
    ['an unknown producer', () => signed(payload, { producer: 'nobody' }), 401, /unknown producer/],
    ['a timestamp 6 minutes old', () => signed(payload, { atMs: NOW - 6 * 60_000 }), 401, /tolerance/],
    ['a timestamp 6 minutes ahead', () => signed(payload, { atMs: NOW + 6 * 60_000 }), 401, /tolerance/],
    ['no signature header', () => request(payload, { [HEADERS.producer]: 'tmall-shop', [HEADERS.timestamp]: seconds(NOW) }), 401, /required/],
    [
      'no timestamp header',
      () => request(payload, { [HEADERS.producer]: 'tmall-shop', [HEADERS.signature]: signatureOf(CURRENT, seconds(NOW), payload) }),
      401,
      /required/,
    ],
    [
      'no producer header',
      () => request(payload, { [HEADERS.timestamp]: seconds(NOW), [HEADERS.signature]: signatureOf(CURRENT, seconds(NOW), payload) }),
      401,
      /producer/,
    ],
    ['a signature over another timestamp', () => signed(payload, { signature: signatureOf(CURRENT, seconds(NOW - 1000), payload) }), 401, /bad signature/],
    ['a truncated signature', () => signed(payload, { signature: signatureOf(CURRENT, seconds(NOW), payload).slice(0, 20) }), 401, /bad signature/],
    ['a valid signature with a digit after it', () => signed(payload, { signature: `${signatureOf(CURRENT, seconds(NOW), payload)}0` }), 401, /bad signature/],
    [
      'a valid signature with garbage after it',
      () => signed(payload, { signature: `${signatureOf(CURRENT, seconds(NOW), payload)}zz-garbage` }),
      401,
      /bad signature/,
    ],
    ['an oversize body', () => signed('x'.repeat(MAX_WEBHOOK_BYTES + 1)), 413, /at most/],
    ['a signed body that is not JSON', () => signed('{not json'), 400, /not valid JSON/],
    ['a signed event posing as Channel Sentinel', () => signed(JSON.stringify({ ...JSON.parse(payload), source: 'channel-sentinel' })), 400, /reserved/],
    ['a signed batch of 11', () => signed(JSON.stringify(Array.from({ length: 11 }, () => JSON.parse(payload)))), 400, /invalid|body/],
  ];
  for (const [what, build, status, message] of refusals) {
    it(`refuses ${what} with ${status}, and puts nothing on the bus`, async () => {
      const result = await call(build());
      expect(result.status).toBe(status);
      expect(String(result.body.message)).toMatch(message);
      expect(eb).not.toHaveReceivedCommand(PutEventsCommand);
    });
  }

  it('retries entries the bus refused and answers 502 only if they keep failing', async () => {
    eb.on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException' }] })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    expect((await call(signed(payload))).status).toBe(202);
    eb.reset();
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] });
    expect(await call(signed(payload))).toMatchObject({ status: 502, body: { error: 'bus_unavailable', failed: [0] } });
    expect(eb).toHaveReceivedCommandTimes(PutEventsCommand, 3);
  });
});

describe('sentinel sign', () => {
  it('prints headers the webhook accepts', async () => {
    let out = '';
    signCommand(['--secret', CURRENT, '--data', payload, '--producer', 'tmall-shop'], (t) => (out += t), NOW);
    const headers = Object.fromEntries(
      out
        .trim()
        .split('\n')
        .map((l) => l.split(': ') as [string, string]),
    );
    expect(await call(request(payload, headers))).toEqual({ status: 202, body: { accepted: 1 } });
  });
});
