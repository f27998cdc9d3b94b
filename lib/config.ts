import { z } from 'zod';
import { isValidProfileName } from '../trader/persistence/schema';

/**
 * The deploy configuration: one typed, validated object. bin/app.ts is the only reader (CDK
 * context `-c config=PATH`, else `tfl.config.json` in the project root, else the embedded
 * defaults below, which synthesize offline with a dummy account). A bad value fails
 * `cdk synth` with the field's path in the message.
 */

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM (24 h, IST)');

/** Graviton (arm64) families only: the trader bundle and the AMI are arm64. */
const GRAVITON = /^(t4g|m6g|m6gd|m7g|m7gd|m8g|c6g|c6gd|c6gn|c7g|c7gd|c7gn|c8g|r6g|r6gd|r7g|r7gd|r8g)\.(nano|micro|small|medium|large|xlarge|\d{1,2}xlarge)$/;

const CIDR = z
  .string()
  .regex(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/, 'expected an IPv4 CIDR such as 203.0.113.7/32')
  .refine((c) => c.split(/[./]/).every((n, i) => Number(n) <= (i === 4 ? 32 : 255)), 'octets ≤ 255, prefix ≤ 32')
  .refine((c) => !c.endsWith('/0'), 'a /0 CIDR opens SSH to the whole internet; give your own address range');

/** Words allowed in the trader's command line (written into a systemd environment file). */
const ARG = z.string().regex(/^[A-Za-z0-9_.,:/=@+-]+$/, 'trader arguments may contain only letters, digits and _.,:/=@+-');

const profileSchema = z.object({
  name: z.string().refine(isValidProfileName, 'profile names are lower-case slugs: [a-z0-9][a-z0-9_-]{0,31}'),
  /** Alarm when the day's P&L (DayPnlRupees) falls below minus this many rupees. */
  dailyLossAlarmRupees: z.number().int().positive(),
  /** Arguments after `node main.mjs`; default `trade --profile <name>`. */
  traderArgs: z.array(ARG).min(1).optional(),
});

export const deployConfigSchema = z
  .object({
    account: z.string().regex(/^\d{12}$/, 'expected a 12-digit AWS account id'),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected an AWS region such as ap-south-1'),
    /** Prefix of physical names (table, log groups, parameters). */
    prefix: z.string().regex(/^[a-z][a-z0-9-]{1,20}$/, 'lower-case letters, digits and dashes, 2–21 characters'),
    profiles: z
      .array(profileSchema)
      .min(1, 'at least one profile')
      .refine((ps) => new Set(ps.map((p) => p.name)).size === ps.length, 'profile names must be unique'),
    instanceType: z.string().regex(GRAVITON, 'expected a Graviton (arm64) instance type such as t4g.small'),
    alerts: z.object({
      emails: z.array(z.email()).default([]),
      smsNumbers: z.array(z.string().regex(/^\+[1-9]\d{7,14}$/, 'expected an E.164 number such as +919800000000')).default([]),
    }),
    /** IST wall-clock times, weekdays. */
    schedule: z
      .object({
        preMarket: HH('08:45'),
        instanceStart: HH('08:50'),
        instanceStop: HH('15:45'),
        /** Heartbeat and tick-age alarm actions are enabled only between these times (on NSE trading days). */
        alarmsArm: HH('09:20'),
        alarmsDisarm: HH('15:15'),
      })
      .refine((s) => s.preMarket < s.instanceStart, { message: 'preMarket must be before instanceStart', path: ['preMarket'] })
      .refine((s) => s.instanceStart < s.alarmsArm && s.alarmsArm < s.alarmsDisarm && s.alarmsDisarm < s.instanceStop, {
        message: 'expected instanceStart < alarmsArm < alarmsDisarm < instanceStop',
        path: ['alarmsArm'],
      }),
    ssh: z.discriminatedUnion('enabled', [
      z.object({ enabled: z.literal(false) }),
      z.object({
        enabled: z.literal(true),
        allowedCidr: CIDR,
        keyPairName: z.string().min(1, 'required when SSH is enabled'),
      }),
    ]),
    brokerSecretName: z.string().regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, 'expected a Secrets Manager name such as tfl/broker'),
    /** Interface endpoints for SSM, logs, metrics, secrets and SNS (≈ USD 7 each per month); gateway endpoints are always on. */
    interfaceEndpoints: z.boolean().default(true),
    /** Outbound TCP ports the instance may use (broker REST/WebSocket, AWS APIs). */
    egressPorts: z.array(z.number().int().min(1).max(65535)).min(1).default([443]),
    /** Alarm when the newest tick is older than this during market hours. */
    tickAgeAlarmSeconds: z.number().int().min(5).max(600).default(60),
    logRetentionDays: z.union([z.literal(30), z.literal(90), z.literal(180), z.literal(365), z.literal(731)]).default(90),
    /**
     * After a point-in-time restore: the restored table's name. The trader and the Lambda then
     * use it instead of the State stack's table (runbook: restoring state).
     */
    stateTableOverride: z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/).optional(),
  })
  .strict();

function HH(def: string) {
  return HHMM.default(def);
}

export type DeployConfig = z.output<typeof deployConfigSchema>;
export type ProfileConfig = DeployConfig['profiles'][number];

/** Embedded defaults: synthesize offline (dummy account), one paper-sized profile, no SSH. */
export const DEFAULT_CONFIG: z.input<typeof deployConfigSchema> = {
  account: '111111111111',
  region: 'ap-south-1',
  prefix: 'tfl',
  profiles: [{ name: 'default', dailyLossAlarmRupees: 5000 }],
  instanceType: 't4g.small',
  alerts: { emails: ['ops@example.com'], smsNumbers: [] },
  schedule: {},
  ssh: { enabled: false },
  brokerSecretName: 'tfl/broker',
};

export class DeployConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeployConfigError';
  }
}

/** Validates raw config; the error lists every bad field as `path: message` and names the source. */
export function parseDeployConfig(raw: unknown, source: string): DeployConfig {
  const parsed = deployConfigSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `  ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
  throw new DeployConfigError(`invalid deploy config (${source}):\n${lines.join('\n')}`);
}

export function traderArgs(p: ProfileConfig): readonly string[] {
  return p.traderArgs ?? ['trade', '--profile', p.name];
}
