import { hostname } from 'node:os';
import type { MonitorConfig } from './types.js';

/**
 * Who an agent is, from its config, in one place: the engine stamps results with the name and the
 * exporter writes the location beside them, and both must fall back alike.
 */

/** Config `agent_name`; default the host name. */
export function agentName(config: Pick<MonitorConfig, 'agent_name'>): string {
  return config.agent_name ?? hostname();
}

/** Config `agent_location`; default the agent's name. */
export function agentLocation(config: Pick<MonitorConfig, 'agent_name' | 'agent_location'>): string {
  return config.agent_location ?? agentName(config);
}
