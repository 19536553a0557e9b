#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npx sentinel`, `npm run sentinel` and `npm run demo` need no build step.
// The AWS SDK announces that its releases from 2027 need Node 22; on Node 20 that notice would be printed on every
// run, so it alone is filtered (every other warning still shows).
const emitWarning = process.emitWarning;
process.emitWarning = function (warning, ...rest) {
  const text = `${typeof warning === 'string' ? warning : warning?.name} ${JSON.stringify(rest[0] ?? '')}`;
  if (text.includes('NodeVersionSupportWarning')) return;
  return emitWarning.call(process, warning, ...rest);
};
const { register } = await import('tsx/esm/api');
register();
await import('../cli/sentinel.ts');
