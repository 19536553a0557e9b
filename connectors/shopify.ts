/**
 * Shopify webhooks → `Sale Recorded` / `Refund Recorded`. Payloads as Shopify delivers them (REST Admin API JSON,
 * topics `orders/create` and `refunds/create`): money as major-unit strings, in `*_set.shop_money` for the shop's
 * currency; times as ISO 8601 with the shop's offset; ids as JSON numbers beyond 2^53 (parse with `parseExact`).
 *
 * Mapped — an order: `shopify-order-{id}`, created_at, each line's SKU (through `sources.shopify[].skus`, by SKU or
 * variant id; `variant-{id}` when the line has no SKU), quantity and the unit price actually paid: the line's price
 * less its discount allocations, spread over the units to the minor unit — when it does not divide evenly the line
 * becomes two lines whose unit prices differ by one minor unit, so the GMV is exact and the price rules see what was
 * charged; ship-to region `{country_code}-{province_code}`; customer id. A refund: `shopify-refund-{id}`, created_at,
 * the order id and the sum of its successful refund transactions. Not mapped: shipping, taxes, tips, gift cards'
 * payment side, fulfilment, presentment currencies other than the shop's. A discount larger than its line counts as
 * making the line free.
 */
import { REFUND, SALE } from '../events/normalised.ts';
import type { SentinelConfig, ShopSource } from '../shared/domain/config.ts';
import { formatMoney, parseMoney } from '../shared/kernel/money.ts';
import { channelOf, type Converted, empty, isObject, type Json, text } from './common.ts';

export type ShopifyTopic = 'orders/create' | 'refunds/create';

/** The topic a payload belongs to, when the `X-Shopify-Topic` header is not at hand. */
export function shopifyTopicOf(payload: Json): ShopifyTopic | undefined {
  if (Array.isArray(payload.line_items) && payload.order_id === undefined) return 'orders/create';
  if (payload.order_id !== undefined && (Array.isArray(payload.transactions) || Array.isArray(payload.refund_line_items))) return 'refunds/create';
  return undefined;
}

/** The mapped shop for a `X-Shopify-Shop-Domain` (or the only mapped shop when none is given). */
export function shopifyShopOf(config: SentinelConfig, domain: string | undefined): ShopSource | undefined {
  const shops = config.sources.shopify;
  if (domain === undefined) return shops.length === 1 ? shops[0] : undefined;
  return shops.find((s) => s.account === domain.toLowerCase());
}

/** An amount in the shop's money: `{field}_set.shop_money.amount`, else `{field}`. */
function shopMoney(o: Json, field: string): string | undefined {
  const set = o[`${field}_set`];
  if (isObject(set) && isObject(set.shop_money)) return text(set.shop_money.amount);
  return text(o[field]);
}

/** `total` minor units over `quantity` units: one line, or two whose unit prices differ by one minor unit. */
function spread(sku: string, quantity: number, total: bigint, currency: string) {
  const q = BigInt(quantity);
  const low = total / q;
  const high = q - (total - low * q);
  const lines = [{ sku, quantity: Number(high), unitPrice: formatMoney(low, currency) }];
  if (high < q) lines.push({ sku, quantity: Number(q - high), unitPrice: formatMoney(low + 1n, currency) });
  return lines;
}

/**
 * One webhook payload → our event. `arrivedAt` is when Shopify delivered it (the webhook's own time); without it
 * the order's or refund's `created_at` stands in (a file of payloads replayed in order).
 */
export function fromShopify(payload: unknown, topic: ShopifyTopic | undefined, shop: ShopSource, config: SentinelConfig, arrivedAt?: string): Converted {
  const out = empty();
  if (!isObject(payload)) {
    out.refused.push({ item: String(payload), reason: 'not a Shopify payload (an object)' });
    return out;
  }
  const kind = topic ?? shopifyTopicOf(payload);
  const id = text(payload.id);
  const channel = channelOf(config, shop.channelId);
  const createdAt = text(payload.created_at);
  if (!kind || !id || !createdAt) {
    out.refused.push({ item: `shopify ${id ?? '?'}`, reason: 'neither an order (orders/create) nor a refund (refunds/create) with id and created_at' });
    return out;
  }
  const storeId = shop.storeId ?? shop.account;
  const envelope = (detailType: string, detail: Json) => ({ source: 'shopify', 'detail-type': detailType, time: arrivedAt ?? createdAt, detail });

  if (kind === 'refunds/create') {
    const item = `shopify refund ${id}`;
    const orderId = text(payload.order_id);
    let minor = 0n;
    let any = false;
    for (const t of Array.isArray(payload.transactions) ? payload.transactions : []) {
      if (!isObject(t) || t.kind !== 'refund' || t.status !== 'success') continue;
      const amount = parseMoney(text(t.amount) ?? '', channel.currency);
      if (!amount.ok) {
        out.refused.push({ item, reason: `refund transaction amount ${JSON.stringify(t.amount)}: ${amount.reason}` });
        return out;
      }
      minor += amount.minor;
      any = true;
    }
    if (!orderId || !any) {
      out.refused.push({ item, reason: 'no order_id or no successful refund transaction: nothing was paid back' });
      return out;
    }
    out.events.push(
      envelope(REFUND, {
        eventId: `shopify-refund-${id}`,
        occurredAt: createdAt,
        channelId: channel.id,
        storeId,
        orderId,
        amount: formatMoney(minor, channel.currency),
        currency: channel.currency,
      }),
    );
    return out;
  }

  const item = `shopify order ${id}`;
  const currency = text(payload.currency);
  if (currency !== undefined && currency !== channel.currency) {
    out.refused.push({ item, reason: `the shop sells in ${currency}; channel ${channel.id} reports in ${channel.currency}` });
    return out;
  }
  const lines: { sku: string; quantity: number; unitPrice: string }[] = [];
  for (const line of Array.isArray(payload.line_items) ? payload.line_items : []) {
    if (!isObject(line)) continue;
    const quantity = Number(text(line.quantity) ?? '0');
    if (!Number.isInteger(quantity) || quantity <= 0) continue;
    const variant = text(line.variant_id);
    const platformSku = text(line.sku);
    const sku = (platformSku && shop.skus[platformSku]) ?? (variant && shop.skus[variant]) ?? platformSku ?? (variant ? `variant-${variant}` : undefined);
    const price = parseMoney(shopMoney(line, 'price') ?? '', channel.currency);
    if (!sku || !price.ok) {
      out.refused.push({ item, reason: `line ${text(line.id) ?? '?'} has ${sku ? `no price in ${channel.currency}` : 'neither a SKU nor a variant id'}` });
      return out;
    }
    let discount = 0n;
    for (const d of Array.isArray(line.discount_allocations) ? line.discount_allocations : []) {
      const amount = isObject(d) ? parseMoney(shopMoney(d, 'amount') ?? '', channel.currency) : undefined;
      if (amount?.ok) discount += amount.minor;
    }
    // A discount larger than the line (Shopify's own test notification has one) makes it free, never negative.
    const paid = price.minor * BigInt(quantity) - discount;
    const total = paid < 0n ? 0n : paid;
    lines.push(...spread(sku, quantity, total, channel.currency));
  }
  if (lines.length === 0) {
    out.refused.push({ item, reason: 'no line items with a quantity' });
    return out;
  }
  const address = isObject(payload.shipping_address) ? payload.shipping_address : undefined;
  const region =
    address && text(address.country_code) && text(address.province_code) ? `${String(address.country_code)}-${String(address.province_code)}` : undefined;
  const customer = isObject(payload.customer) ? text(payload.customer.id) : undefined;
  out.events.push(
    envelope(SALE, {
      eventId: `shopify-order-${id}`,
      occurredAt: createdAt,
      channelId: channel.id,
      storeId,
      orderId: id,
      currency: channel.currency,
      lines,
      ...(region && /^[A-Z]{2}-[A-Z0-9]{1,3}$/.test(region) ? { region } : {}),
      ...(customer ? { customerId: customer } : {}),
    }),
  );
  return out;
}
