import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, parseDeployConfig } from '../../lib/config';
import { ROOT } from '../../scripts/bundle';

const bad = (patch: Record<string, unknown>) => () => parseDeployConfig({ ...DEFAULT_CONFIG, ...patch }, 'test.json');

describe('deploy config', () => {
  it('embedded defaults are valid and fill schedule defaults', () => {
    const c = parseDeployConfig(DEFAULT_CONFIG, 'defaults');
    expect(c.schedule).toEqual({ preMarket: '08:45', instanceStart: '08:50', instanceStop: '15:45', alarmsArm: '09:20', alarmsDisarm: '15:15' });
  });

  it('the example file is valid', () => {
    const example: unknown = JSON.parse(readFileSync(join(ROOT, 'deploy', 'tfl.config.example.json'), 'utf8'));
    expect(() => parseDeployConfig(example, 'example')).not.toThrow();
  });

  it('names the bad field', () => {
    expect(bad({ instanceType: 't3.small' })).toThrow(/test\.json[\s\S]*instanceType: expected a Graviton/);
    expect(bad({ account: '123' })).toThrow(/account: expected a 12-digit/);
    expect(bad({ alerts: { emails: ['nope'], smsNumbers: [] } })).toThrow(/alerts\.emails\.0/);
    expect(bad({ alerts: { emails: [], smsNumbers: ['98000'] } })).toThrow(/alerts\.smsNumbers\.0: expected an E\.164/);
    expect(bad({ schedule: { instanceStart: '8:50' } })).toThrow(/schedule\.instanceStart: expected HH:MM/);
    expect(bad({ profiles: [{ name: 'Bad Name', dailyLossAlarmRupees: 1 }] })).toThrow(/profiles\.0\.name/);
    expect(bad({ unknownKey: 1 })).toThrow(/unknownKey|Unrecognized/);
  });

  it('SSH on requires a CIDR and a key pair, and rejects 0.0.0.0/0', () => {
    expect(bad({ ssh: { enabled: true, keyPairName: 'k' } })).toThrow(/ssh\.allowedCidr/);
    expect(bad({ ssh: { enabled: true, allowedCidr: '203.0.113.7/32' } })).toThrow(/ssh\.keyPairName/);
    expect(bad({ ssh: { enabled: true, allowedCidr: '0.0.0.0/0', keyPairName: 'k' } })).toThrow(/ssh\.allowedCidr: a \/0 CIDR/);
    expect(bad({ ssh: { enabled: true, allowedCidr: '203.0.113.7/32', keyPairName: 'k' } })).not.toThrow();
  });

  it('a bad value fails `cdk synth` (bin/app.ts) with the field named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfl-config-'));
    const path = join(dir, 'bad.json');
    writeFileSync(path, JSON.stringify({ ...DEFAULT_CONFIG, ssh: { enabled: true, allowedCidr: '0.0.0.0/0', keyPairName: 'k' } }));
    // The CDK CLI hands `-c config=PATH` to the app as CDK_CONTEXT_JSON; do the same without the CLI.
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bin', 'app.ts')], {
      cwd: ROOT,
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ config: path }), CDK_OUTDIR: join(dir, 'out') },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('ssh.allowedCidr');
    expect(r.stderr).toContain(path);
  });
});
