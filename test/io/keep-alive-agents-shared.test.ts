/** Requests started together share one agent per protocol, so they share its connections. */
import { expect, it } from 'vitest';
import { keepAliveAgents } from '../../src/io/http.js';

it('agents asked for at once are one agent per protocol', async () => {
  const agents = keepAliveAgents(20);
  const asked = await Promise.all(
    Array.from({ length: 5 }, (_, i) => agents.for(i % 2 ? 'http:' : 'https:')),
  );
  expect(new Set(asked).size).toBe(2);
  expect(asked[0]).toBe(asked[2]);
  expect(asked[1]).toBe(asked[3]);
  agents.destroy();
});
