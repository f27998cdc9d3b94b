import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Annotations } from 'aws-cdk-lib';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { bundleTrader, traderEntryExists } from '../../scripts/bundle';

export interface TraderBundleProps {
  /**
   * Fail synthesis when trader/main.ts does not bundle (deploys set this: `-c tfl:requireBundles=true`).
   * Otherwise (CI while the engine is being written) a stub that exits 1 is packaged and a
   * warning is attached to this construct.
   */
  readonly requireBundle: boolean;
}

let cached: { dir: string; error: string | null } | undefined;

/** The trader's esbuild bundle (scripts/bundle.ts) as a CDK asset (a zip in the bootstrap bucket). */
export class TraderBundle extends Construct {
  readonly asset: Asset;

  constructor(scope: Construct, id: string, props: TraderBundleProps) {
    super(scope, id);
    cached ??= build();
    if (cached.error !== null) {
      if (props.requireBundle) throw new Error(`trader bundle: ${cached.error}`);
      Annotations.of(this).addWarningV2(
        'tfl:trader-bundle-stub',
        `trader bundle could not be built (${cached.error.split('\n')[0] ?? ''}); a stub that exits 1 is packaged. Do not deploy this assembly.`,
      );
    }
    this.asset = new Asset(this, 'Asset', { path: cached.dir });
  }
}

function build(): { dir: string; error: string | null } {
  const dir = mkdtempSync(join(tmpdir(), 'tfl-trader-bundle-'));
  if (!traderEntryExists()) return stub(dir, 'trader/main.ts does not exist');
  try {
    bundleTrader(dir);
    return { dir, error: null };
  } catch (err) {
    return stub(dir, err instanceof Error ? err.message : String(err));
  }
}

function stub(dir: string, error: string): { dir: string; error: string } {
  writeFileSync(join(dir, 'main.mjs'), `console.error(${JSON.stringify(`TFL stub bundle: ${error.split('\n')[0] ?? ''}`)});\nprocess.exit(1);\n`);
  return { dir, error };
}
