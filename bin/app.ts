#!/usr/bin/env node
// Composition root of the infrastructure. The full stacks arrive with the AWS deployment issue;
// this keeps `cdk synth` in CI from day one.
import { App, Stack } from 'aws-cdk-lib';

const app = new App();
new Stack(app, 'TflFoundation', { description: 'TFL foundation (placeholder until the deployment stacks land)' });
app.synth();
