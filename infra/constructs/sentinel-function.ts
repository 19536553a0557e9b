import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { entryOf, FUNCTION_CATALOG, type FunctionEnvironment, type FunctionName } from '../../functions/catalog.ts';
import { METRICS_NAMESPACE } from '../../shared/runtime/observability.ts';
import type { StageSettings } from '../settings.ts';

/** The newest Node.js runtime aws-cdk-lib offers. */
export const LAMBDA_RUNTIME = Runtime.NODEJS_24_X;

export interface SentinelFunctionProps<N extends FunctionName> {
  readonly name: N;
  /** Exactly the variables the function's catalog schema parses (a missing one is a type error here). */
  readonly environment: FunctionEnvironment<N>;
  readonly settings: StageSettings;
  readonly timeout?: Duration;
  readonly memorySize?: number;
  /** Files copied next to the bundle (paths relative to the project root → to the bundle root). */
  readonly copyIntoBundle?: readonly { readonly from: string; readonly to: string }[];
}

/**
 * One Lambda function from `functions/catalog.ts`: bundled by esbuild locally (no Docker) as ESM for the newest Node
 * runtime on arm64, Powertools logger/metrics configured, its own log group with the stage's retention, and its own
 * role that may write only to that log group — every other permission is granted explicitly by the construct that
 * wires it (no managed policies, no wildcards).
 */
export class SentinelFunction<N extends FunctionName> extends Construct {
  readonly fn: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: SentinelFunctionProps<N>) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', { retention: props.settings.logRetention, removalPolicy: props.settings.removalPolicy });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Channel Sentinel ${props.name} function`,
    });
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [this.logGroup.logGroupArn] }));
    this.fn = new NodejsFunction(this, 'Function', {
      entry: entryOf(props.name),
      handler: 'handler',
      description: FUNCTION_CATALOG[props.name].description,
      runtime: LAMBDA_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      environment: {
        ...(props.environment as Record<string, string>),
        POWERTOOLS_SERVICE_NAME: props.name,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: props.settings.stage === 'prod' ? 'INFO' : 'DEBUG',
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        minify: true,
        sourceMap: true,
        mainFields: ['module', 'main'],
        // Some dependencies are CommonJS: give the ESM bundle a `require`.
        banner: "import { createRequire as __sentinelRequire } from 'node:module'; const require = __sentinelRequire(import.meta.url);",
        forceDockerBundling: false,
        ...(props.copyIntoBundle
          ? {
              commandHooks: {
                beforeBundling: () => [],
                beforeInstall: () => [],
                afterBundling: (inputDir: string, outputDir: string) =>
                  props.copyIntoBundle!.flatMap(({ from, to }) => [`mkdir -p "${outputDir}/${to}"`, `cp -R "${inputDir}/${from}" "${outputDir}/${to}"`]),
              },
            }
          : {}),
      },
    });
    // The role's log-group statement must exist before the function can log its first line.
    this.fn.node.addDependency(this.role);
  }
}
