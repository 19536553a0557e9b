/**
 * The signed-webhook protocol producers speak (SPEC §6): the headers, the signature scheme's limits and the body
 * shape. The webhook function enforces it; `sentinel sign` and `sentinel push` produce it; the stack names producer
 * secrets after `PRODUCER_ID`.
 */
import * as z from 'zod';
import { SENTINEL_SOURCE } from './routes.ts';

/** EventBridge's limit for one PutEvents request; a webhook request is at most one PutEvents. */
export const MAX_WEBHOOK_BYTES = 256 * 1024;
/** Events one request may carry (one PutEvents). */
export const MAX_EVENTS_PER_REQUEST = 10;
/** Header names, lower-case as HTTP APIs deliver them. */
export const HEADERS = { producer: 'x-sentinel-producer', timestamp: 'x-sentinel-timestamp', signature: 'x-sentinel-signature' } as const;
/** Producer ids become secret names: only a safe alphabet. */
export const PRODUCER_ID = /^[a-z0-9][a-z0-9.-]{0,63}$/;

/** One event as a producer posts it: EventBridge's shape; the bus stamps `time` on arrival. */
const ProducerEvent = z.object({
  source: z
    .string()
    .min(1)
    .max(256)
    .refine((s) => s !== SENTINEL_SOURCE && !s.startsWith('aws.'), 'is reserved'),
  'detail-type': z.string().min(1).max(128),
  detail: z.record(z.string(), z.unknown()),
  time: z.string().optional(),
});

/** A webhook body: one event, or an array of 1 to {@link MAX_EVENTS_PER_REQUEST}. */
export const WebhookBody = z.union([ProducerEvent, z.array(ProducerEvent).min(1).max(MAX_EVENTS_PER_REQUEST)]);
