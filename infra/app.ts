/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy [-c stage=prod] [-c timezone=Asia/Shanghai] …`. cdk-nag's AWS
 * Solutions pack runs on every synth; an unacknowledged finding fails it. Acknowledgements live next to the resource
 * they concern, each with its reason.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SentinelStack } from './sentinel-stack.ts';
import { contextOf } from './context.ts';

const app = new App();
const context = contextOf(app);
new SentinelStack(app, `ChannelSentinel-${context.stage}`, context, { description: `Channel Sentinel (${context.stage})` });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
