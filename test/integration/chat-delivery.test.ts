/**
 * Alerts delivered to the chats ops read (issue 15 part 6), against a receiver on 127.0.0.1 that checks each bot's
 * documented payload shape and signature the way the bot does — written here from the bots' documentation, not from
 * the sender's code: WeCom group bot (key in the URL, markdown.content ≤ 4,096 bytes), DingTalk custom bot (加签:
 * timestamp and sign in the query, sign = base64(HMAC-SHA256(secret, timestamp + "\n" + secret)), within an hour),
 * Feishu custom bot (timestamp and sign in the body, sign = base64(HMAC-SHA256 keyed by timestamp + "\n" + secret over
 * nothing)), and the generic webhook (our own X-Sentinel signature). Then `npm start --notify` end to end.
 */
import type { ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postSigned } from '../../cli/local-commands.ts';
import { CREDENTIALS_FILE, type LocalCredentials } from '../../local/server.ts';
import { alertMessage } from '../../shared/app/alert-message.ts';
import { deliverChat, parseChatTarget } from '../../shared/adapters/chat.ts';
import { verifySignature } from '../../shared/security/signature.ts';
import { exited, startServerProcess } from './harness.ts';

const SECRET = 'SEC1234567890abcdef';
interface Received {
  readonly bot: string;
  readonly text: string;
}
const received: Received[] = [];
let receiver: Server;
let base = '';

/** Answers as each bot does: 200 with an error code in the body when the request is refused. */
function judge(
  path: string,
  query: URLSearchParams,
  headers: Record<string, string | string[] | undefined>,
  raw: string,
): { bot: string; ok: boolean; text: string } {
  // The shapes under test, as the bots' documentation gives them.
  const body = JSON.parse(raw) as {
    msgtype?: string;
    markdown?: { content?: string; title?: string; text?: string };
    timestamp?: string;
    sign?: string;
    msg_type?: string;
    content?: { text?: string };
    event?: unknown;
    message?: unknown;
  };
  const now = Date.now();
  if (path === '/cgi-bin/webhook/send') {
    const ok = query.get('key') === 'wecom-key' && body.msgtype === 'markdown' && Buffer.byteLength(body.markdown?.content ?? '') <= 4096;
    return { bot: 'wecom', ok, text: body.markdown?.content ?? '' };
  }
  if (path === '/robot/send') {
    const timestamp = query.get('timestamp') ?? '';
    const expected = createHmac('sha256', SECRET).update(`${timestamp}\n${SECRET}`).digest('base64');
    const fresh = Math.abs(now - Number(timestamp)) < 3_600_000;
    const ok = query.get('access_token') === 'ding-token' && query.get('sign') === expected && fresh && body.msgtype === 'markdown' && !!body.markdown?.title;
    return { bot: 'dingtalk', ok, text: body.markdown?.text ?? '' };
  }
  if (path.startsWith('/open-apis/bot/v2/hook/')) {
    const expected = createHmac('sha256', `${body.timestamp}\n${SECRET}`).update('').digest('base64');
    const fresh = Math.abs(now / 1000 - Number(body.timestamp)) < 3600;
    const ok = body.sign === expected && fresh && body.msg_type === 'text' && typeof body.content?.text === 'string';
    return { bot: 'feishu', ok, text: body.content?.text ?? '' };
  }
  const verdict = verifySignature(
    { timestamp: headers['x-sentinel-timestamp'] as string, signature: headers['x-sentinel-signature'] as string, rawBody: raw },
    [SECRET],
    now,
  );
  return { bot: 'webhook', ok: verdict.ok && typeof body.event === 'object', text: JSON.stringify(body.message) };
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const verdict = judge(url.pathname, url.searchParams, req.headers, raw);
      if (verdict.ok) received.push({ bot: verdict.bot, text: verdict.text });
      res.writeHead(200, { 'content-type': 'application/json' });
      if (verdict.bot === 'feishu') res.end(JSON.stringify(verdict.ok ? { code: 0, msg: 'success' } : { code: 19021, msg: 'sign match fail' }));
      else if (verdict.bot === 'webhook') res.end(JSON.stringify({ ok: verdict.ok }));
      else res.end(JSON.stringify(verdict.ok ? { errcode: 0, errmsg: 'ok' } : { errcode: 310000, errmsg: 'sign not match' }));
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

const escalated = {
  source: 'channel-sentinel',
  'detail-type': 'Alert Escalated',
  time: '2025-06-02T04:00:00.000Z',
  detail: {
    alertId: 'alr-123',
    fingerprint: 'budget_overrun|jd||||day|actual',
    rule: 'budget_overrun',
    severity: 'critical',
    previousSeverity: 'warning',
    channelId: 'jd',
    period: 'day',
    basis: 'actual',
    summary: 'JD has spent 1050.00 CNY, 105% of its daily budget of 1000.00.',
    observed: '1050.00',
    threshold: '1000.00',
    raisedAt: '2025-06-02T02:00:00.000Z',
    escalatedAt: '2025-06-02T04:00:00.000Z',
    impact: { amount: '50.00', currency: 'CNY', basis: 'Spend beyond the daily budget so far.' },
    evidence: {},
  },
};

describe('chat delivery', () => {
  const targets = () => [
    parseChatTarget(`wecom+${base}/cgi-bin/webhook/send?key=wecom-key`),
    parseChatTarget(`dingtalk+${base}/robot/send?access_token=ding-token#secret=${SECRET}`),
    parseChatTarget(`feishu+${base}/open-apis/bot/v2/hook/abc#secret=${SECRET}`),
    parseChatTarget(`${base}/hooks/ops#secret=${SECRET}`),
  ];

  it('delivers an escalation to each bot in its own shape, signed as it requires, with summary, impact and link', async () => {
    received.length = 0;
    const message = alertMessage(escalated, 'http://127.0.0.1:8787');
    expect(message?.title).toBe('Escalated (critical from warning): budget_overrun on jd — day · actual');
    const refusals = await Promise.all(targets().map((t) => deliverChat(t, message as never, escalated, Date.now())));
    expect(refusals).toEqual([undefined, undefined, undefined, undefined]);
    expect(received.map((r) => r.bot)).toEqual(['wecom', 'dingtalk', 'feishu', 'webhook']);
    for (const r of received) {
      expect(r.text).toContain('105% of its daily budget');
      expect(r.text).toContain('At risk: 50.00 CNY');
      expect(r.text).toContain('http://127.0.0.1:8787/#alerts');
    }
  });

  it('reports a bot that refuses (wrong secret) instead of pretending it was delivered', async () => {
    received.length = 0;
    const wrong = parseChatTarget(`dingtalk+${base}/robot/send?access_token=ding-token#secret=not-the-secret`);
    expect(await deliverChat(wrong, alertMessage(escalated) as never, escalated, Date.now())).toBe('errcode 310000: sign not match');
    const feishu = parseChatTarget(`feishu+${base}/open-apis/bot/v2/hook/abc#secret=nope`);
    expect(await deliverChat(feishu, alertMessage(escalated) as never, escalated, Date.now())).toBe('code 19021: sign match fail');
    expect(received).toEqual([]);
  });

  it('recognises the bots by their hosts, and keeps the secret out of the URL it calls', () => {
    expect(parseChatTarget('https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k').kind).toBe('wecom');
    expect(parseChatTarget('https://oapi.dingtalk.com/robot/send?access_token=t#secret=s')).toEqual({
      kind: 'dingtalk',
      url: 'https://oapi.dingtalk.com/robot/send?access_token=t',
      secret: 's',
    });
    expect(parseChatTarget('https://open.feishu.cn/open-apis/bot/v2/hook/x').kind).toBe('feishu');
    expect(parseChatTarget('https://example.com/hook').kind).toBe('webhook');
  });

  it('npm start --notify delivers the alerts it raises', async () => {
    received.length = 0;
    const dir = mkdtempSync(join(tmpdir(), 'sentinel-notify-'));
    const config = {
      timezone: 'Asia/Shanghai',
      channels: [{ id: 'jd', name: 'JD', kind: 'marketplace', currency: 'CNY', budget: { daily: '1000.00' } }],
      prices: [{ sku: 'SERUM', guidePrice: '199.00', maxDiscountPct: 20 }],
    };
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    let child: ChildProcess | undefined;
    try {
      const { url } = await startServerProcess(
        [
          '--data',
          join(dir, 'data'),
          '--clock',
          'events',
          '--config',
          join(dir, 'config.json'),
          '--notify',
          `wecom+${base}/cgi-bin/webhook/send?key=wecom-key`,
        ],
        (spawned) => (child = spawned),
      );
      const credentials = JSON.parse(readFileSync(join(dir, 'data', CREDENTIALS_FILE), 'utf8')) as LocalCredentials;
      const at = new Date().toISOString();
      const body = JSON.stringify({
        source: 'jd.shop',
        'detail-type': 'Sale Recorded',
        time: at,
        detail: {
          eventId: 'o-1',
          occurredAt: at,
          channelId: 'jd',
          storeId: 'pop',
          orderId: 'o-1',
          currency: 'CNY',
          lines: [{ sku: 'SERUM', quantity: 2, unitPrice: '99.00' }],
        },
      });
      const response = await postSigned(url, credentials, body);
      expect(response.status).toBe(202);
      await expect.poll(() => received.map((r) => r.bot), { timeout: 30_000 }).toEqual(['wecom']);
      expect(received[0]?.text).toContain('Raised (critical): price_violation on jd — pop · SERUM');
      expect(received[0]?.text).toContain('At risk: 120.40 CNY');
      expect(received[0]?.text).toContain(`${url}/#alerts`);
    } finally {
      if (child) {
        child.kill('SIGTERM');
        await exited(child);
      }
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
