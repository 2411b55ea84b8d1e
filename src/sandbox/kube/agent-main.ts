/**
 * Entry script of a network agent under tsx: `node --import tsx agent-main.ts '<NetnsAgentConfig JSON>'`
 * (the bundled CLI runs the same through its hidden `__netns-agent` command).
 * @module
 */
import { runNetnsAgent, type NetnsAgentConfig } from './netns-agent.ts';

await runNetnsAgent(JSON.parse(process.argv[2] ?? '{}') as NetnsAgentConfig);
