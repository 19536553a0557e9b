import { type EventPattern, patternFor } from './define-event.ts';
import { inboundEvents } from './inbound.ts';

/** The source of every event Channel Sentinel itself publishes. */
export const SENTINEL_SOURCE = 'channel-sentinel';

const inboundDetailTypes = inboundEvents.map((d) => d.detailType);

export interface Route {
  readonly id: string;
  readonly description: string;
  readonly pattern: EventPattern;
  /** The logical target; the CDK stack and the local router both resolve it to the ingest queue. */
  readonly target: 'ingest-queue';
}

/**
 * Every rule on the bus. The CDK stack deploys exactly these patterns and the local router evaluates exactly
 * these patterns, so "routed locally" and "routed on AWS" cannot drift apart.
 */
export const routes: readonly Route[] = [
  {
    id: 'InboundToIngest',
    description: 'The inbound detail-types, from any source but our own, go to the ingest queue.',
    // Never our own source: an event Channel Sentinel published must not come back in as a producer's.
    pattern: { ...patternFor(inboundEvents), source: [{ 'anything-but': [SENTINEL_SOURCE] }] },
    target: 'ingest-queue',
  },
  {
    id: 'UnknownToQuarantine',
    description:
      'Any other producer event also goes to the ingest queue, which quarantines it as unknown_detail_type: a misnamed event is kept and counted, never silently dropped by the bus.',
    pattern: {
      source: [{ 'anything-but': [SENTINEL_SOURCE] }],
      'detail-type': [{ 'anything-but': inboundDetailTypes }],
    },
    target: 'ingest-queue',
  },
];
