/**
 * The instance's boot script, as plain text from typed inputs (tested on its own). It runs on
 * EVERY boot (cloud-init `scripts-user, always`), because the instance is started each trading
 * morning and a deploy may have changed the bundle: install Node 20 and the CloudWatch agent
 * (no-ops after the first boot), fetch the current bundle, write one env file and one systemd
 * instance per profile, configure the agent, start everything.
 */
export interface BootProfile {
  readonly name: string;
  /** KEY=VALUE pairs for /etc/tfl/<profile>.env; values may be CDK tokens (resolved by CloudFormation). */
  readonly env: Readonly<Record<string, string>>;
}

export interface BootScriptProps {
  /** `aws s3 cp` source of the trader bundle zip (an s3:// URL, may contain tokens). */
  readonly bundleS3Url: string;
  readonly profiles: readonly BootProfile[];
  readonly traderLogGroup: string;
}

export const TRADER_LOG_DIR = '/var/log/tfl';
export const TRADER_APP_DIR = '/opt/tfl/trader';
export const TRADER_STATE_DIR = '/var/lib/tfl';
export const EMF_ENDPOINT = 'tcp://127.0.0.1:25888';

export function traderLogFile(profile: string): string {
  return `${TRADER_LOG_DIR}/${profile}.log`;
}

/** systemd template unit: `tfl-trader@<profile>.service`. */
export function systemdUnit(): string {
  return `[Unit]
Description=TFL trader (profile %i)
Wants=network-online.target
After=network-online.target amazon-cloudwatch-agent.service
# Restart on crashes, but give up after 5 failures in 10 minutes (the heartbeat alarm then fires).
StartLimitIntervalSec=600
StartLimitBurst=5

[Service]
Type=simple
User=tfl
Group=tfl
EnvironmentFile=/etc/tfl/%i.env
StateDirectory=tfl/%i
WorkingDirectory=${TRADER_STATE_DIR}/%i
ExecStart=/usr/local/bin/tfl-node --enable-source-maps ${TRADER_APP_DIR}/main.mjs $TFL_ARGS
# Exit 0 after the square-off is final; anything else is restarted.
Restart=on-failure
RestartSec=5
KillSignal=SIGTERM
TimeoutStopSec=60
StandardOutput=append:${TRADER_LOG_DIR}/%i.log
StandardError=append:${TRADER_LOG_DIR}/%i.log
NoNewPrivileges=true
PrivateTmp=true
ProtectSystem=strict
ProtectHome=true
ReadWritePaths=${TRADER_STATE_DIR} ${TRADER_LOG_DIR}

[Install]
WantedBy=multi-user.target
`;
}

/** CloudWatch agent: ship each profile's JSON log, accept EMF on 127.0.0.1:25888, host metrics. */
export function agentConfig(props: Pick<BootScriptProps, 'profiles' | 'traderLogGroup'>): string {
  const config = {
    agent: { metrics_collection_interval: 60, run_as_user: 'root' },
    logs: {
      logs_collected: {
        files: {
          collect_list: props.profiles.map((p) => ({
            file_path: traderLogFile(p.name),
            log_group_name: props.traderLogGroup,
            log_stream_name: `{instance_id}/${p.name}`,
            timezone: 'UTC',
          })),
        },
        emf: {},
      },
      // EMF records name their log group in `_aws.LogGroupName` (the trader sets TFL_EMF_LOG_GROUP).
      log_stream_name: '{instance_id}/emf',
    },
    metrics: {
      namespace: 'CWAgent',
      append_dimensions: { InstanceId: '${aws:InstanceId}' },
      metrics_collected: {
        mem: { measurement: ['mem_used_percent'] },
        disk: { measurement: ['used_percent'], resources: ['/'] },
      },
    },
  };
  return JSON.stringify(config, null, 2);
}

export function bootScript(props: BootScriptProps): string[] {
  const lines = [
    'set -euo pipefail',
    'exec > >(tee -a /var/log/tfl-boot.log) 2>&1',
    'echo "tfl boot $(date -Is)"',
    'dnf install -y nodejs20 amazon-cloudwatch-agent unzip logrotate',
    'NODE_BIN="$(command -v node-20 || command -v node)"',
    'ln -sf "$NODE_BIN" /usr/local/bin/tfl-node',
    'id tfl >/dev/null 2>&1 || useradd --system --home-dir /var/lib/tfl --shell /sbin/nologin tfl',
    `install -d -o tfl -g tfl -m 0750 ${TRADER_LOG_DIR} ${TRADER_STATE_DIR}`,
    'install -d -m 0755 /etc/tfl /opt/tfl',
    // A fresh copy of the current bundle on every boot: a deploy takes effect at the next start.
    `aws s3 cp '${props.bundleS3Url}' /tmp/tfl-trader.zip --only-show-errors`,
    `rm -rf ${TRADER_APP_DIR}.new && mkdir -p ${TRADER_APP_DIR}.new && unzip -q -o /tmp/tfl-trader.zip -d ${TRADER_APP_DIR}.new`,
    `rm -rf ${TRADER_APP_DIR} && mv ${TRADER_APP_DIR}.new ${TRADER_APP_DIR} && rm -f /tmp/tfl-trader.zip`,
    heredoc('/etc/systemd/system/tfl-trader@.service', systemdUnit()),
    heredoc(
      '/etc/logrotate.d/tfl',
      `${TRADER_LOG_DIR}/*.log {\n  daily\n  rotate 14\n  compress\n  missingok\n  notifempty\n  copytruncate\n}\n`,
    ),
    heredoc('/opt/aws/amazon-cloudwatch-agent/etc/tfl-agent.json', agentConfig(props)),
    '/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:/opt/aws/amazon-cloudwatch-agent/etc/tfl-agent.json',
  ];
  for (const p of props.profiles) {
    const env = Object.entries(p.env).map(([k, v]) => `${k}=${v}`).join('\n');
    lines.push(heredoc(`/etc/tfl/${p.name}.env`, `${env}\n`), `chmod 0640 /etc/tfl/${p.name}.env && chgrp tfl /etc/tfl/${p.name}.env`);
  }
  lines.push('systemctl daemon-reload');
  for (const p of props.profiles) lines.push(`systemctl enable tfl-trader@${p.name}.service`, `systemctl restart tfl-trader@${p.name}.service`);
  return lines;
}

/** A quoted heredoc: the shell expands nothing inside (`$TFL_ARGS`, `%i` reach the file as written). */
function heredoc(path: string, body: string): string {
  const text = body.endsWith('\n') ? body : `${body}\n`;
  return `cat > ${path} <<'TFL_EOF'\n${text}TFL_EOF`;
}
