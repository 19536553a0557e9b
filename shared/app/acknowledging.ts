/**
 * Acknowledging, the use case: someone on call takes a firing alert on. The state change and its `Alert Acknowledged`
 * are committed together (the outbox), then published; a lost race with the rules re-reads and tries again.
 */
import { acknowledge, type AlertState } from '../domain/alerts/alert.ts';
import type { SentinelConfig } from '../domain/config.ts';
import { alertEntries } from './outbox-entries.ts';
import type { AlertStore, EventPublisher } from './ports.ts';
import { publishOutbox } from './publishing.ts';

export interface AcknowledgingDeps {
  readonly alerts: AlertStore;
  readonly publisher: EventPublisher;
}

export type AcknowledgeResult =
  | { readonly outcome: 'acknowledged' | 'already'; readonly alert: AlertState }
  | { readonly outcome: 'not_firing'; readonly alert: AlertState }
  | { readonly outcome: 'not_found' };

const ATTEMPTS = 5;

export function makeAcknowledging(deps: AcknowledgingDeps) {
  /** The alert with this id, in `channelId` if given, else in any configured channel (one Query per channel). */
  const find = async (config: SentinelConfig, alertId: string, channelId?: string) => {
    for (const id of channelId === undefined ? config.channels.map((c) => c.id) : [channelId]) {
      const hit = (await deps.alerts.list(id)).alerts.find((a) => a.state.alertId === alertId);
      if (hit) return { channelId: id, ...hit };
    }
    return undefined;
  };

  return async (
    config: SentinelConfig,
    request: { alertId: string; channelId?: string; by: string; note?: string },
    atMs: number,
  ): Promise<AcknowledgeResult> => {
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      const found = await find(config, request.alertId, request.channelId);
      if (!found) return { outcome: 'not_found' };
      const decision = acknowledge(found.state, request.by, request.note, atMs);
      if (decision.kind === 'not_firing') return { outcome: 'not_firing', alert: found.state };
      if (decision.kind === 'already') return { outcome: 'already', alert: decision.state };
      const { states, notifications } = decision.transition;
      const saved = await deps.alerts.save(found.channelId, states, found.version, alertEntries(notifications, atMs, found.version + 1));
      if (saved === 'saved') {
        await publishOutbox(deps.alerts, deps.publisher, [found.channelId]);
        return { outcome: 'acknowledged', alert: states[states.length - 1] as AlertState };
      }
    }
    throw new Error(`alert ${request.alertId} kept changing underneath; giving up after ${ATTEMPTS} attempts`);
  };
}

export type Acknowledging = ReturnType<typeof makeAcknowledging>;
