import type { App } from 'aws-cdk-lib';
import * as z from 'zod';
import { isValidTimeZone } from '../shared/kernel/time.ts';
import { PRODUCER_ID } from '../events/webhook.ts';
import { DEFAULT_PRODUCERS, type SentinelContext } from './settings.ts';

const list = z.union([
  z.array(z.string()),
  z.string().transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  ),
]);

/** The deploy-time context, validated: a typo in `-c stage=prdo` fails synth with the reason, not a half-right stack. */
const ContextSchema = z.object({
  stage: z.enum(['dev', 'prod']).default('dev'),
  timezone: z.string().refine(isValidTimeZone, 'is not an IANA timezone').default('Asia/Shanghai'),
  producers: list
    .pipe(z.array(z.string().regex(PRODUCER_ID, 'producer ids are lowercase letters, digits, "." and "-"')).min(1))
    .default([...DEFAULT_PRODUCERS]),
  jwtIssuer: z.string().url().optional(),
  jwtAudience: list.optional(),
  financeRole: z.string().min(1).default('finance'),
  readerRoles: list.default(['ops']),
  opsEmail: z.string().email().optional(),
  shopifyPartnerSource: z
    .string()
    .regex(/^aws\.partner\/shopify\.com\/\d+\/[\w.-]+$/, 'is a Shopify partner event source name: aws.partner/shopify.com/<app id>/<name>')
    .optional(),
});

export function contextOf(app: App): SentinelContext {
  const raw = Object.fromEntries(
    Object.keys(ContextSchema.shape)
      .map((key) => [key, app.node.tryGetContext(key)])
      .filter(([, v]) => v !== undefined),
  );
  const parsed = ContextSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`invalid CDK context: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const c = parsed.data;
  return { ...c, ...(c.jwtAudience ? { jwtAudience: c.jwtAudience } : {}) } as SentinelContext;
}
