import type { Context } from 'aws-lambda';

let invocations = 0;

/** A Lambda context for handlers invoked in-process (what Powertools' middlewares read from it). */
export function localContext(functionName: string, timeoutMs = 60_000): Context {
  const started = Date.now();
  invocations += 1;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: `local-${functionName}-${invocations}`,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, timeoutMs - (Date.now() - started)),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
