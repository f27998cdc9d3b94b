import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseKillSwitch, readKillSwitch, readKillSwitchSync } from './kill-switch';

describe('kill switch file', () => {
  it("is off when the file is absent, empty or says 'off'", () => {
    expect(parseKillSwitch(null)).toEqual({ state: 'off', warning: null });
    expect(parseKillSwitch('')).toEqual({ state: 'off', warning: null });
    expect(parseKillSwitch(' \n')).toEqual({ state: 'off', warning: null });
    expect(parseKillSwitch('off\n')).toEqual({ state: 'off', warning: null });
  });

  it("reads 'stop' and 'flatten', ignoring case and whitespace", () => {
    expect(parseKillSwitch('stop\n').state).toBe('stop');
    expect(parseKillSwitch('  FLATTEN ').state).toBe('flatten');
  });

  it("treats anything else as 'stop', with a warning naming the file", () => {
    const r = parseKillSwitch('halt please', '/run/tfl/kill');
    expect(r.state).toBe('stop');
    expect(r.warning).toContain('/run/tfl/kill');
    expect(r.warning).toContain('halt please');
    expect(parseKillSwitch('of').state).toBe('stop');
  });

  describe('on disk', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfl-kill-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('reads the file asynchronously and synchronously', async () => {
      const path = join(dir, 'kill');
      expect(await readKillSwitch(path)).toEqual({ state: 'off', warning: null });
      writeFileSync(path, 'flatten\n');
      expect(await readKillSwitch(path)).toEqual({ state: 'flatten', warning: null });
      writeFileSync(path, 'stop');
      expect(readKillSwitchSync(path)).toEqual({ state: 'stop', warning: null });
    });

    it("fails safe to 'stop' when the path cannot be read", async () => {
      const path = join(dir, 'a-directory');
      mkdirSync(path);
      const r = await readKillSwitch(path);
      expect(r.state).toBe('stop');
      expect(r.warning).toMatch(/cannot read/);
      expect(readKillSwitchSync(path).state).toBe('stop');
    });
  });
});
