import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { z } from 'zod';
import { DEFAULT_CONFIG, parseDeployConfig } from '../../lib/config';
import type { deployConfigSchema } from '../../lib/config';
import { buildTfl } from '../../lib/tfl-app';
import type { TflStacks } from '../../lib/tfl-app';
import { ROOT } from '../../scripts/bundle';

type RawConfig = z.input<typeof deployConfigSchema>;

/** cdk.json's context (feature flags, the dummy account's AZs), as `cdk synth` would pass it. */
export function cdkContext(): Record<string, unknown> {
  const json = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  return json.context;
}

export interface Synth {
  readonly app: App;
  readonly stacks: TflStacks;
  template(stack: keyof TflStacks): Template;
}

/**
 * Builds the whole app from the embedded defaults plus overrides. Asset bundling is skipped
 * (`aws:cdk:bundling-stacks: []`) unless `bundle` is set: these tests assert properties.
 */
export function synth(overrides: Partial<RawConfig> = {}, opts: { bundle?: boolean; today?: string } = {}): Synth {
  const context = { ...cdkContext(), ...(opts.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) };
  const app = new App({ context });
  const config = parseDeployConfig({ ...DEFAULT_CONFIG, ...overrides }, 'test');
  const stacks = buildTfl(app, config, { today: opts.today ?? '2026-01-01', requireBundles: false });
  const cache = new Map<string, Template>();
  return {
    app,
    stacks,
    template(name) {
      let t = cache.get(name);
      if (!t) {
        t = Template.fromStack(stacks[name]);
        cache.set(name, t);
      }
      return t;
    },
  };
}

export interface PolicyStatementJson {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
  readonly Sid?: string;
}

/** Every statement of every AWS::IAM::Policy in a template. */
export function policyStatements(t: Template): PolicyStatementJson[] {
  const out: PolicyStatementJson[] = [];
  for (const r of Object.values(t.findResources('AWS::IAM::Policy'))) {
    const doc = (r as { Properties: { PolicyDocument: { Statement: PolicyStatementJson[] } } }).Properties.PolicyDocument;
    out.push(...doc.Statement);
  }
  return out;
}

export function actionsOf(s: PolicyStatementJson): string[] {
  return Array.isArray(s.Action) ? s.Action : [s.Action];
}
