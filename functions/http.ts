import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** A JSON answer of an HTTP API function (never cached: every answer is about now). */
export const json = (statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 => ({ statusCode, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }, body: JSON.stringify(body) });

/** The request body as text, decoded when API Gateway delivered it base64-encoded; empty when there is none. */
export const rawBody = (event: APIGatewayProxyEventV2): string => (event.body === undefined ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body);
