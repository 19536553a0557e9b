import type * as z from 'zod';

/**
 * Parses the function's environment at cold start. A missing or malformed variable fails initialisation with
 * every problem named, instead of surfacing later as a confusing runtime error or a silent default.
 */
export function parseEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid environment: ${problems}`);
  }
  return result.data;
}
