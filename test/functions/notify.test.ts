import type { Context, EventBridgeEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { makeHandler, type TopicMessage } from '../../functions/notify/notify.ts';
import { parseChatTarget } from '../../shared/adapters/chat.ts';
import { localContext } from '../../local/lambda-context.ts';
import { quietObservability } from './setup.ts';

const event = (detailType: string, detail: Record<string, unknown>) =>
  ({
    version: '0',
    id: 'e1',
    'detail-type': detailType,
    source: 'channel-sentinel',
    account: '1',
    time: '2025-06-02T04:00:00Z',
    region: 'x',
    resources: [],
    detail,
  }) as EventBridgeEvent<string, Record<string, unknown>>;

describe('the notifier function', () => {
  it('publishes each alert event to the topic with filterable attributes, and to every chat; a refusing chat is counted, not fatal', async () => {
    const published: TopicMessage[] = [];
    const delivered: string[] = [];
    const handler = makeHandler({
      publish: async (m) => void published.push(m),
      targets: async () => [parseChatTarget('https://oapi.dingtalk.com/robot/send?access_token=t'), parseChatTarget('https://example.com/hook')],
      deliver: async (target, message) => {
        delivered.push(`${target.kind}: ${message.title}`);
        return target.kind === 'webhook' ? 'HTTP 500: down' : undefined;
      },
      consoleUrl: 'https://ops.example.com/console',
      ...quietObservability(),
    });
    const result = await handler(
      event('Alert Raised', {
        alertId: 'alr-1',
        rule: 'price_violation',
        severity: 'critical',
        channelId: 'jd',
        storeId: 'pop',
        sku: 'SERUM',
        summary: 'Store pop sold SERUM below the floor.',
        impact: { amount: '120.40', currency: 'CNY', basis: 'Revenue given away below the price floor.' },
      }),
      localContext('notify') as Context,
    );
    expect(result).toEqual({ chats: 2, refused: 1 });
    expect(published).toEqual([
      {
        subject: 'Raised (critical): price_violation on jd — pop · SERUM',
        text: expect.stringContaining('At risk: 120.40 CNY'),
        attributes: { rule: 'price_violation', severity: 'critical', channelId: 'jd', detailType: 'Alert Raised' },
      },
    ]);
    expect(published[0]?.text).toContain('https://ops.example.com/console/#alerts');
    expect(delivered).toEqual([
      'dingtalk: Raised (critical): price_violation on jd — pop · SERUM',
      'webhook: Raised (critical): price_violation on jd — pop · SERUM',
    ]);
  });

  it('fails the invocation when the topic (the delivery of record) fails, so EventBridge retries; ignores other events', async () => {
    const handler = makeHandler({
      publish: async () => {
        throw new Error('throttled');
      },
      targets: async () => [],
      deliver: async () => undefined,
      ...quietObservability(),
    });
    await expect(
      handler(event('Alert Resolved', { alertId: 'a', rule: 'roi_drop', channelId: 'jd', reason: 'ROI recovered' }), localContext('notify') as Context),
    ).rejects.toThrow('throttled');
    expect(await handler(event('Budget Reallocation Proposed', { proposalId: 'p' }), localContext('notify') as Context)).toEqual({ chats: 0, refused: 0 });
  });
  it('speaks the configured language, and sends a published review as its digest with a link', async () => {
    const published: TopicMessage[] = [];
    const handler = makeHandler({
      publish: async (m) => void published.push(m),
      targets: async () => [],
      deliver: async () => undefined,
      consoleUrl: 'https://ops.example.com/console',
      locale: async () => 'zh-CN',
      ...quietObservability(),
    });
    await handler(
      event('Alert Raised', {
        alertId: 'alr-2',
        rule: 'unauthorized_region',
        severity: 'critical',
        channelId: 'group-buy',
        storeId: 'gb-pudong',
        summary: 's',
      }),
      localContext('notify') as Context,
    );
    expect(published[0]?.subject).toBe('新告警 (严重): 跨区销售（窜货） · group-buy — gb-pudong');
    const review = {
      reviewId: 'rev-week-2025-11-03',
      period: 'week',
      from: '2025-11-03',
      to: '2025-11-09',
      complete: true,
      revision: 0,
      locale: 'zh-CN',
      summary: '周度复盘 2025年11月3日 – 2025年11月9日：…',
      channels: [],
      stores: [],
      incidents: [],
      proposals: [],
    };
    await handler(event('Review Published', review), localContext('notify') as Context);
    expect(published[1]).toMatchObject({
      subject: '周度复盘 2025年11月3日 – 2025年11月9日',
      attributes: { detailType: 'Review Published', rule: '', severity: 'none' },
    });
    expect(published[1]?.text).toContain('https://ops.example.com/console/#review/rev-week-2025-11-03');
    // A revision (late data) updates the record; people were told once.
    expect(await handler(event('Review Published', { ...review, revision: 1 }), localContext('notify') as Context)).toEqual({ chats: 0, refused: 0 });
    expect(published).toHaveLength(2);
  });
});
