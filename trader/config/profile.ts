import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { InputError } from '../cli/errors';
import { costConfigSchema } from '../brokers/costs';
import { paperBrokerConfigSchema } from '../brokers/paper/config';
import { RiskConfigSchema } from '../risk/risk-config';
import { TflParamsSchema } from '../strategies/tfl/params';

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/**
 * A strategy profile: which strategy, its parameters, the risk rules, the square-off time and
 * the execution settings. Every threshold is here (validated), never a literal in code.
 */
export const ProfileSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'lower-case letters, digits and dashes, at most 40')
    .default('default'),
  strategy: z.literal('tfl').default('tfl'),
  tfl: TflParamsSchema.default(TflParamsSchema.parse({})),
  risk: RiskConfigSchema.default(RiskConfigSchema.parse({ capitalRupees: 2_500_000, leverage: 5 })),
  /** Every position is closed at this IST time; no entries after it. */
  squareOff: z.string().regex(HHMM, "expected an IST time 'HH:MM'").default('15:15'),
  /** How long after a bar boundary the clock closes a bar when no tick has closed it. */
  barGraceMs: z.number().int().min(0).max(60_000).default(1_000),
  product: z.enum(['MIS', 'NRML', 'CNC']).default('MIS'),
  /** Special sessions (Muhurat, weekend budget days, DR drills) this profile trades. */
  specialSessions: z.array(z.enum(['MUHURAT', 'WEEKEND', 'DR_DRILL'])).default([]),
  costs: costConfigSchema.default(costConfigSchema.parse({})),
  paperBroker: paperBrokerConfigSchema.default(paperBrokerConfigSchema.parse({})),
  /**
   * Wall time the `trade` command spends before the open running the engine over simulated
   * sessions, so the decision code is optimised when the first real decision comes
   * (engine/warm-up.ts). 0 disables it; a restart after the open skips it.
   */
  warmUpMs: z.number().int().min(0).max(60_000).default(2_000),
  /**
   * How long before each bar boundary the `trade` command runs a throw-away entry decision, so
   * the code of the real one is in the CPU's caches (engine/primer.ts). 0 disables it. Prepared
   * with the warm-up, so a restart after the open trades without it.
   */
  primeLeadMs: z.number().int().min(0).max(60_000).default(200),
  /** The operator's local kill switch: a file holding nothing, 'stop' or 'flatten'. */
  killSwitchFile: z.string().min(1).default('.tfl/KILL'),
});

export type Profile = z.output<typeof ProfileSchema>;

/** The built-in profile: TFL with the defaults of strategies.md §1 and §4, ₹25 lakh at 5× leverage. */
export function defaultProfile(): Profile {
  return ProfileSchema.parse({});
}

/** `default` or a JSON file; errors name the file and the field. */
export function loadProfile(nameOrPath: string): Profile {
  if (nameOrPath === 'default') return defaultProfile();
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(nameOrPath, 'utf8'));
  } catch (err) {
    throw new InputError(`cannot read profile: ${err instanceof Error ? err.message : String(err)}`, { file: nameOrPath });
  }
  const parsed = ProfileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError(issue?.message ?? 'invalid profile', { file: nameOrPath, field: issue?.path.join('.') ?? '' });
  }
  return parsed.data;
}
