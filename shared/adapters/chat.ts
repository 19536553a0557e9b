/**
 * Delivering alert messages where ops read them: the group bots of WeCom (企业微信), DingTalk (钉钉) and Feishu/Lark
 * (飞书), and a generic JSON webhook — each in its own documented payload shape, signed the way the bot requires.
 *
 * - WeCom group bot: `POST …/cgi-bin/webhook/send?key=KEY`, `{"msgtype":"markdown","markdown":{"content"}}` (the key
 *   in the URL is the credential; content ≤ 4,096 bytes).
 * - DingTalk custom bot: `POST …/robot/send?access_token=T`, `{"msgtype":"markdown","markdown":{"title","text"}}`;
 *   with 加签, `&timestamp=ms&sign=` urlencode(base64(HMAC-SHA256(key = secret, timestamp + "\n" + secret))).
 * - Feishu/Lark custom bot: `POST …/open-apis/bot/v2/hook/ID`, `{"msg_type":"text","content":{"text"}}`; with
 *   signature verification, `"timestamp"` (seconds) and `"sign"` = base64(HMAC-SHA256(key = timestamp + "\n" +
 *   secret, empty message)) in the body.
 * - Generic: the outbound event as JSON with the message, signed like our own webhooks (`X-Sentinel-Timestamp`,
 *   `X-Sentinel-Signature`) when a secret is given.
 */
import { createHmac } from 'node:crypto';
import type { AlertMessage } from '../app/alert-message.ts';
import { signatureOf } from '../security/signature.ts';

export type ChatKind = 'wecom' | 'dingtalk' | 'feishu' | 'webhook';

export interface ChatTarget {
  readonly kind: ChatKind;
  readonly url: string;
  /** The bot's signing secret (DingTalk 加签, Feishu 签名校验, the generic webhook's HMAC). */
  readonly secret?: string;
}

export interface ChatRequest {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

const WECOM_MAX_BYTES = 4096;

/** The kind of a bot URL by its host (qyapi.weixin.qq.com, oapi.dingtalk.com, open.feishu.cn / open.larksuite.com). */
export function chatKindOf(url: string): ChatKind {
  const host = new URL(url).hostname;
  if (host === 'qyapi.weixin.qq.com') return 'wecom';
  if (host === 'oapi.dingtalk.com') return 'dingtalk';
  if (host === 'open.feishu.cn' || host === 'open.larksuite.com') return 'feishu';
  return 'webhook';
}

/**
 * A target from its command-line or configuration spelling: `URL`, or `KIND+URL` to name the kind (a bot behind a
 * proxy, a test receiver), with `#secret=…` for the signing secret (a fragment is never sent).
 */
export function parseChatTarget(spec: string): ChatTarget {
  const match = /^(wecom|dingtalk|feishu|webhook)\+(.*)$/.exec(spec);
  const raw = match ? (match[2] as string) : spec;
  const url = new URL(raw);
  const secret = new URLSearchParams(url.hash.slice(1)).get('secret') ?? undefined;
  url.hash = '';
  const kind = (match?.[1] as ChatKind | undefined) ?? chatKindOf(url.toString());
  return { kind, url: url.toString(), ...(secret ? { secret } : {}) };
}

const truncateBytes = (text: string, max: number) => {
  const bytes = Buffer.from(text, 'utf8');
  return bytes.length <= max
    ? text
    : `${bytes
        .subarray(0, max - 3)
        .toString('utf8')
        .replace(/\uFFFD$/, '')}…`;
};

/** The HTTP request that delivers `message` to `target` at `nowMs` (signatures depend on the time). */
export function chatRequest(target: ChatTarget, message: AlertMessage, event: unknown, nowMs: number): ChatRequest {
  const json = { 'content-type': 'application/json' };
  const markdown = [`**${message.title}**`, ...message.lines, ...(message.link ? [`[Open in the console](${message.link})`] : [])].join('\n\n');
  switch (target.kind) {
    case 'wecom':
      return { url: target.url, headers: json, body: JSON.stringify({ msgtype: 'markdown', markdown: { content: truncateBytes(markdown, WECOM_MAX_BYTES) } }) };
    case 'dingtalk': {
      const url = new URL(target.url);
      if (target.secret) {
        const timestamp = String(nowMs);
        const sign = createHmac('sha256', target.secret).update(`${timestamp}\n${target.secret}`).digest('base64');
        url.searchParams.set('timestamp', timestamp);
        url.searchParams.set('sign', sign);
      }
      return { url: url.toString(), headers: json, body: JSON.stringify({ msgtype: 'markdown', markdown: { title: message.title, text: markdown } }) };
    }
    case 'feishu': {
      const text = [message.title, ...message.lines, ...(message.link ? [message.link] : [])].join('\n');
      const signed = target.secret
        ? (() => {
            const timestamp = String(Math.floor(nowMs / 1000));
            return { timestamp, sign: createHmac('sha256', `${timestamp}\n${target.secret}`).update('').digest('base64') };
          })()
        : {};
      return { url: target.url, headers: json, body: JSON.stringify({ ...signed, msg_type: 'text', content: { text } }) };
    }
    case 'webhook': {
      const body = JSON.stringify({ message, event });
      const timestamp = String(Math.floor(nowMs / 1000));
      return {
        url: target.url,
        headers: {
          ...json,
          ...(target.secret ? { 'x-sentinel-timestamp': timestamp, 'x-sentinel-signature': signatureOf(target.secret, timestamp, body) } : {}),
        },
        body,
      };
    }
  }
}

/** What a bot answered: DingTalk, WeCom and Feishu answer 200 with an error code in the body when they refuse. */
function refusal(status: number, text: string): string | undefined {
  if (status < 200 || status >= 300) return `HTTP ${status}: ${text.slice(0, 200)}`;
  try {
    const body = JSON.parse(text) as { errcode?: number; errmsg?: string; code?: number; msg?: string };
    if (typeof body.errcode === 'number' && body.errcode !== 0) return `errcode ${body.errcode}: ${body.errmsg ?? ''}`;
    if (typeof body.code === 'number' && body.code !== 0) return `code ${body.code}: ${body.msg ?? ''}`;
  } catch {
    // Not JSON: a generic receiver's 2xx is an acceptance.
  }
  return undefined;
}

/** Sends one message to one target (10 s timeout); resolves to the refusal, if any, rather than throwing. */
export async function deliverChat(target: ChatTarget, message: AlertMessage, event: unknown, nowMs: number): Promise<string | undefined> {
  const request = chatRequest(target, message, event, nowMs);
  try {
    const response = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body, signal: AbortSignal.timeout(10_000) });
    return refusal(response.status, await response.text());
  } catch (error) {
    return (error as Error).message;
  }
}
