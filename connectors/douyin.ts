/**
 * Douyin open-platform order pushes → `Sale Recorded` / `Refund Recorded`. The push as Douyin documents it
 * (developer.open-douyin.com, local-life "WebHooks接入"): a POST whose body is `{event, client_key, content, log_id}`,
 * `content` a JSON *string* holding `{action, msg_time, order: {...}}`; amounts are integers in fen, times Unix
 * seconds; the `X-Douyin-Signature` header is the hex SHA-1 of the app's client secret followed by the raw body;
 * "消息可能重复推送，请使用 Msg-Id 进行去重" — the same message may come again, and Msg-Id is the same for the same
 * entity and action.
 *
 * Mapped — `life_trade_order_notify` with action `pay_success`: `douyin-pay-{order_id}` (the entity and action Msg-Id
 * names, so a repeated push is a duplicate in a file as at the endpoint), paid at `pay_time` (else `create_time`),
 * one line of `pay_amount` fen (what was paid, exactly: fen → yuan by moving the point), SKU from `sku_id` /
 * `product_id` through `sources.douyin[].skus` (else `douyin-order`: the push names no product), store from the
 * mapping (else the account). Action `refund_success`: `douyin-refund-{order_id}[-{refund_id}]`, `refund_amount`
 * fen, at `refund_time` (else `msg_time`). Times are written with the business timezone's offset. Not mapped: other
 * events and actions (verification, coupons redeemed, …), commissions, discounts beyond what was paid.
 */
import { REFUND, SALE } from '../events/normalised.ts';
import type { SentinelConfig, ShopSource } from '../shared/domain/config.ts';
import { isoWithOffset } from '../shared/kernel/time.ts';
import { channelOf, type Converted, empty, isObject, type Json, text } from './common.ts';
import { minorToMajor, parseExact } from './exact.ts';

export const DOUYIN_ORDER_EVENT = 'life_trade_order_notify';

/** Integer fen or seconds as text, whether Douyin sent a JSON number or a string. */
const integerText = (v: unknown): string | undefined => {
  const s = typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : text(v);
  return s !== undefined && /^\d+$/.test(s) ? s : undefined;
};

/** The mapped Douyin account (`sources.douyin[].shopId`): by id, or the only one mapped when the push names none. */
export function douyinShopOf(config: SentinelConfig, accountId: string | undefined): ShopSource | undefined {
  const shops = config.sources.douyin;
  if (accountId === undefined) return shops.length === 1 ? shops[0] : undefined;
  return shops.find((s) => s.account === accountId);
}

/**
 * One push body → our event. `ignored` says the push is one we do not map (another event or action): the endpoint
 * acknowledges it, a file conversion lists it.
 */
export function fromDouyin(body: unknown, config: SentinelConfig): Converted & { ignored?: string } {
  const out = empty();
  if (!isObject(body) || typeof body.event !== 'string') {
    out.refused.push({ item: 'douyin push', reason: 'not a Douyin push ({event, client_key, content})' });
    return out;
  }
  if (body.event !== DOUYIN_ORDER_EVENT) return { ...out, ignored: `event ${body.event} is not mapped` };
  let content: unknown = body.content;
  if (typeof content === 'string') {
    try {
      content = parseExact(content);
    } catch {
      out.refused.push({ item: `douyin ${text(body.log_id) ?? 'push'}`, reason: 'content is not JSON' });
      return out;
    }
  }
  if (!isObject(content) || !isObject(content.order)) {
    out.refused.push({ item: `douyin ${text(body.log_id) ?? 'push'}`, reason: 'content has no order' });
    return out;
  }
  const order: Json = content.order;
  const action = text(content.action);
  const orderId = text(order.order_id) ?? integerText(order.order_id);
  const item = `douyin order ${orderId ?? '?'} ${action ?? '?'}`;
  if (action !== 'pay_success' && action !== 'refund_success') return { ...out, ignored: `action ${action ?? '(none)'} is not mapped` };
  const accountId = text(order.account_id) ?? integerText(order.account_id);
  const shop = douyinShopOf(config, accountId);
  if (!shop) {
    out.refused.push({ item, reason: `account ${accountId ?? '(none given)'} is not mapped in sources.douyin` });
    return out;
  }
  if (!orderId) {
    out.refused.push({ item, reason: 'the order has no order_id' });
    return out;
  }
  const channel = channelOf(config, shop.channelId);
  const storeId = shop.storeId ?? shop.account;
  const seconds = (v: unknown) => {
    const s = integerText(v);
    return s === undefined ? undefined : Number(s) * 1000;
  };
  const arrivedMs = seconds(content.msg_time);
  const envelope = (detailType: string, occurredMs: number, detail: Json) => ({
    source: 'douyin',
    'detail-type': detailType,
    time: new Date(arrivedMs ?? occurredMs).toISOString(),
    detail: { ...detail, occurredAt: isoWithOffset(occurredMs, config.timezone) },
  });

  if (action === 'refund_success') {
    const fen = integerText(order.refund_amount);
    const atMs = seconds(order.refund_time) ?? arrivedMs;
    const amount = fen === undefined ? undefined : minorToMajor(fen, channel.currency);
    if (amount === undefined || atMs === undefined) {
      out.refused.push({ item, reason: 'a refund needs refund_amount (integer fen) and refund_time or msg_time (Unix seconds)' });
      return out;
    }
    const refundId = text(order.refund_id) ?? integerText(order.refund_id);
    out.events.push(
      envelope(REFUND, atMs, {
        eventId: `douyin-refund-${orderId}${refundId ? `-${refundId}` : ''}`,
        channelId: channel.id,
        storeId,
        orderId: `douyin-${orderId}`,
        amount,
        currency: channel.currency,
      }),
    );
    return out;
  }

  const fen = integerText(order.pay_amount);
  const paidMs = seconds(order.pay_time) ?? seconds(order.create_time);
  const price = fen === undefined ? undefined : minorToMajor(fen, channel.currency);
  if (price === undefined || paidMs === undefined) {
    out.refused.push({ item, reason: 'a payment needs pay_amount (integer fen) and pay_time or create_time (Unix seconds)' });
    return out;
  }
  const product = text(order.sku_id) ?? integerText(order.sku_id) ?? text(order.product_id) ?? integerText(order.product_id);
  const sku = (product && shop.skus[product]) ?? product ?? 'douyin-order';
  out.events.push(
    envelope(SALE, paidMs, {
      eventId: `douyin-pay-${orderId}`,
      channelId: channel.id,
      storeId,
      orderId: `douyin-${orderId}`,
      currency: channel.currency,
      lines: [{ sku, quantity: 1, unitPrice: price }],
    }),
  );
  return out;
}
