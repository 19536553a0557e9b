import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { deliverChat, parseChatTarget } from '../../shared/adapters/chat.ts';
import { parseEnv } from '../../shared/runtime/env.ts';
import { configOf } from '../../shared/runtime/compose.ts';
import { deployedWiring } from '../../shared/runtime/deployed.ts';
import { observability } from '../../shared/runtime/observability.ts';
import { FUNCTION_CATALOG } from '../catalog.ts';
import { makeHandler } from './notify.ts';

const env = parseEnv(FUNCTION_CATALOG.notify.env);
const sns = new SNSClient({});
const secrets = new SecretsProvider({ awsSdkV3Client: new SecretsManagerClient({}) });
// The stored configuration (cached a minute) says which language the messages speak; unreadable, they speak English.
const config = configOf(deployedWiring(env));

export const handler = makeHandler({
  publish: async (m) => {
    await sns.send(
      new PublishCommand({
        TopicArn: env.ALERTS_TOPIC_ARN,
        Subject: m.subject,
        Message: m.text,
        MessageAttributes: Object.fromEntries(Object.entries(m.attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v || 'none' }])),
      }),
    );
  },
  // The chat targets: a JSON array of `KIND+URL#secret=…` specs in one secret, cached five minutes.
  targets: async () => {
    const value = (await secrets.get(env.CHAT_TARGETS_SECRET, { maxAge: 300, transform: 'json' })) as unknown;
    return Array.isArray(value) ? value.filter((s): s is string => typeof s === 'string' && s.length > 0).map(parseChatTarget) : [];
  },
  deliver: (target, message, event) => deliverChat(target, message, event, Date.now()),
  ...(env.CONSOLE_URL ? { consoleUrl: env.CONSOLE_URL } : {}),
  locale: async () => (await config.current().catch(() => undefined))?.locale ?? 'en',
  ...observability('notify'),
});
