import { describe, expect, it } from 'vitest';
import { agentConfig, bootScript, systemdUnit, traderLogFile } from '../../lib/constructs/trader-boot';

describe('trader boot script', () => {
  const lines = bootScript({
    bundleS3Url: 's3://bucket/key.zip',
    profiles: [{ name: 'default', env: { TFL_PROFILE: 'default', TFL_ARGS: 'trade --profile default' } }],
    traderLogGroup: '/tfl/trader',
  });
  const script = lines.join('\n');

  it('installs Node 20 and the CloudWatch agent, fetches the bundle, starts one unit per profile', () => {
    expect(script).toContain('dnf install -y nodejs20 amazon-cloudwatch-agent');
    expect(script).toContain("aws s3 cp 's3://bucket/key.zip'");
    expect(script).toContain('systemctl enable tfl-trader@default.service');
    expect(script).toMatch(/cat > \/etc\/tfl\/default\.env <<'TFL_EOF'\nTFL_PROFILE=default\nTFL_ARGS=trade --profile default\n/);
  });

  it('restarts the trader on failure but gives up after 5 starts in 10 minutes', () => {
    const unit = systemdUnit();
    expect(unit).toContain('Restart=on-failure');
    expect(unit).toMatch(/\[Unit\][\s\S]*StartLimitIntervalSec=600\nStartLimitBurst=5[\s\S]*\[Service\]/);
    expect(unit).toContain(`StandardOutput=append:/var/log/tfl/%i.log`);
  });

  it('ships each profile log file to the trader log group and listens for EMF', () => {
    const cfg = JSON.parse(agentConfig({ profiles: [{ name: 'default', env: {} }], traderLogGroup: '/tfl/trader' })) as {
      logs: { logs_collected: { files: { collect_list: { file_path: string; log_group_name: string }[] }; emf: object } };
    };
    expect(cfg.logs.logs_collected.files.collect_list).toEqual([expect.objectContaining({ file_path: traderLogFile('default'), log_group_name: '/tfl/trader' })]);
    expect(cfg.logs.logs_collected.emf).toEqual({});
  });
});
