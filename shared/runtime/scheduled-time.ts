/**
 * The time a scheduled invocation was meant for: EventBridge Scheduler fills `time` with
 * `<aws.scheduler.scheduled-time>` (see infra/constructs/jobs.ts), and replay passes its simulated clock. A missing or
 * unreadable time fails the invocation loudly (the scheduler retries, then dead-letters) instead of judging "NaN".
 */
export function scheduledTime(event: { time?: unknown }): number {
  const ms = typeof event.time === 'string' ? Date.parse(event.time) : Number.NaN;
  if (!Number.isFinite(ms)) throw new Error(`scheduled invocation without a readable time: ${JSON.stringify(event.time)}`);
  return ms;
}
