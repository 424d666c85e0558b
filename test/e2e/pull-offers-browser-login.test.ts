/**
 * qci pull with no kubeconfig, on a terminal: as qci login does, it offers the browser login (qci login
 * --web) instead of saying "logging in" and failing at once; off a terminal it asks nothing.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { TESTBED_TOOLS, requireTools } from './testbed/index.js';
import { useTestBed } from './testbed/fixture.js';
import { onPty } from '../helpers/pty.js';

const tools = requireTools([...TESTBED_TOOLS, 'script']);
const QUESTION = 'Log in to app.ci in your browser now (qci login --web)?';

describe.skipIf(!tools.ok)(
  'qci pull offers the browser login (end to end)',
  () => {
    const tb = useTestBed({ tags: ['ocp_4.7_my-component'] });

    it('on a terminal, no kubeconfig: the question qci login asks; declined, the error stands', async () => {
      const pe = await tb.freshPodman();
      const env = {
        ...pe.env,
        QCI_REGISTRY: tb.bed.proxy.host,
        KUBECONFIG: join(pe.home, 'no-such-kubeconfig'),
      };
      const r = await onPty(['pull', 'ocp/4.7:my-component'], {
        env,
        input: 'n\n',
        columns: 200,
      });
      expect(r.output).toContain(QUESTION);
      expect(r.output).toContain('no kubeconfig found');
      expect(r.code).not.toBe(0);

      const piped = await tb.qci(['pull', 'ocp/4.7:my-component'], {
        KUBECONFIG: join(pe.home, 'no-such-kubeconfig'),
      });
      expect(piped.exitCode).not.toBe(0);
      expect(piped.stderr).not.toContain(QUESTION);
    });
  },
);
