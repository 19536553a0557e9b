import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { directoryAssets } from '../../functions/console/assets.ts';
import { makeHandler } from '../../functions/console/console.ts';
import { localContext } from '../../local/lambda-context.ts';
import { addInto, zeroTotals } from '../../shared/domain/aggregation.ts';
import { config } from '../fixtures.ts';
import { quietObservability } from './setup.ts';

const NOW = Date.parse('2025-11-11T12:00:00+08:00');
const handler = makeHandler({
  assets: directoryAssets('console', '..'),
  aggregates: {
    hours: async (channelId: string) =>
      channelId === 'tmall' ? new Map([['2025-11-11T10', addInto(zeroTotals(), { gmv: 123_450n, orders: 3n, visits: 100n, spend: 20_000n })]]) : new Map(),
  },
  alerts: { list: async () => ({ alerts: [], lastEventAtMs: undefined }) },
  config: { current: async () => config() },
  readerRoles: ['finance', 'ops'],
  clock: () => NOW,
  ...quietObservability(),
});
const get = async (path: string, roles?: string[]) => {
  const event = {
    version: '2.0',
    rawPath: path,
    headers: {},
    requestContext: { http: { method: 'GET', path }, ...(roles ? { authorizer: { lambda: { principal: 'someone', roles } } } : {}) },
  } as unknown as APIGatewayProxyEventV2;
  return handler(event, localContext('console'));
};

describe('the console function', () => {
  it('serves the static console at /console/, pointing it at the API one level up, without a login', async () => {
    expect(await get('/console')).toMatchObject({ statusCode: 308, headers: { location: '/console/' } });
    const index = await get('/console/');
    expect(index).toMatchObject({ statusCode: 200, headers: { 'content-type': 'text/html; charset=utf-8' } });
    expect(index.body).toContain('<meta name="sentinel-api" content="..">');
    expect((await get('/console/app.js')).headers).toMatchObject({ 'content-type': 'text/javascript; charset=utf-8' });
    expect((await get('/console/../package.json')).statusCode).toBe(404);
    expect((await get('/console/missing.js')).statusCode).toBe(404);
  });

  it('answers data routes only to an authenticated reader', async () => {
    expect((await get('/overview')).statusCode).toBe(401);
    expect((await get('/overview', ['marketing'])).statusCode).toBe(403);
    const overview = JSON.parse((await get('/overview', ['ops'])).body ?? '{}') as {
      today: string;
      channels: { id: string; today: { gmv: string; orders: number; roi: number }; dailyBudget: string; series: unknown[] }[];
    };
    expect(overview.today).toBe('2025-11-11');
    expect(overview.channels[0]).toMatchObject({ id: 'tmall', today: { gmv: '1234.50', orders: 3, roi: 6.17 }, dailyBudget: '20000.00' });
    expect(overview.channels[0]?.series).toHaveLength(14);
    expect(JSON.parse((await get('/me', ['finance'])).body ?? '{}')).toEqual({ principal: 'someone', roles: ['finance'] });
  });
});
