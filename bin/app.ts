#!/usr/bin/env node
// Composition root of the infrastructure: read and validate the deploy config once, compose the
// stacks, run cdk-nag's AwsSolutions checks on every synth.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DEFAULT_CONFIG, DeployConfigError, parseDeployConfig } from '../lib/config';
import { buildTfl } from '../lib/tfl-app';
import { istDateKey } from '../trader/domain/time';

const app = new App();

function loadRaw(): { raw: unknown; source: string } {
  const fromContext: unknown = app.node.tryGetContext('config');
  const path = typeof fromContext === 'string' ? resolve(fromContext) : resolve('tfl.config.json');
  if (typeof fromContext === 'string' || existsSync(path)) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new DeployConfigError(`cannot read deploy config ${path}: ${err instanceof Error ? err.message : String(err)}`);
    }
    try {
      return { raw: JSON.parse(text) as unknown, source: path };
    } catch (err) {
      throw new DeployConfigError(`deploy config ${path} is not JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return { raw: DEFAULT_CONFIG, source: 'embedded defaults (dummy account; pass -c config=PATH or create tfl.config.json)' };
}

const { raw, source } = loadRaw();
const config = parseDeployConfig(raw, source);
buildTfl(app, config, {
  today: istDateKey(Date.now()),
  requireBundles: app.node.tryGetContext('tfl:requireBundles') === 'true' || app.node.tryGetContext('tfl:requireBundles') === true,
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
