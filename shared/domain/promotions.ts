/**
 * Promotion windows as the models need them. A festival's GMV is the festival's doing, not the spend's: ROI baselines
 * leave promotion hours out, and reallocation leaves promotion days out. Both read the same windows from here.
 */
import { bucketOf } from '../kernel/time.ts';
import type { PromotionConfig, SentinelConfig } from './config.ts';

const HOUR = 3_600_000;

const windowsOf = (config: SentinelConfig, channelId: string): PromotionConfig[] => config.promotions.filter((p) => p.channelIds.includes(channelId));

const exclusions = new WeakMap<SentinelConfig, Map<string, ((hourStartMs: number) => boolean) | undefined>>();

/**
 * Whether the hour starting at `hourStartMs` overlaps a promotion of the channel; `undefined` for a channel without
 * promotions (nothing to leave out). Invariant: an hour is excluded exactly when any instant of it lies inside some
 * window `[fromMs, toMs)`.
 */
export function promotionHours(config: SentinelConfig, channelId: string): ((hourStartMs: number) => boolean) | undefined {
  // One function per configuration and channel: the rule windows remember which hours it leaves out.
  let byChannel = exclusions.get(config);
  if (!byChannel) exclusions.set(config, (byChannel = new Map()));
  if (byChannel.has(channelId)) return byChannel.get(channelId);
  const windows = windowsOf(config, channelId);
  const exclude = windows.length === 0 ? undefined : (hourStartMs: number) => windows.some((p) => hourStartMs + HOUR > p.fromMs && hourStartMs < p.toMs);
  byChannel.set(channelId, exclude);
  return exclude;
}

/** The business days (in the configured timezone) that a promotion of the channel touches, even for an hour. */
export function promotionDays(config: SentinelConfig, channelId: string): Set<string> {
  const days = new Set<string>();
  for (const p of windowsOf(config, channelId)) {
    for (let t = p.fromMs; t < p.toMs; t += HOUR) days.add(bucketOf(t, config.timezone).day);
    days.add(bucketOf(p.toMs - 1, config.timezone).day);
  }
  return days;
}
