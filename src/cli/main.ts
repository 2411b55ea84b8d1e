/**
 * The `lintas` command line: kubectl-like verbs over a fleet directory.
 * `run()` is the whole program, in-process and testable; the entry point at the
 * bottom only wires it to the real process.
 * @module
 */
import { registerAlertCommands } from './commands/alerts.ts';
import { registerDnsCommands } from './commands/dns.ts';
import { registerFailoverCommands } from './commands/failover.ts';
import { registerFaultCommands } from './commands/fault.ts';
import { registerGatewayCommand } from './commands/gateway.ts';
import type { RouteExplainOptions } from './commands/route-explain.ts';
import { realpathSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { describeCommand } from './commands/describe.ts';
import { getCommand } from './commands/get.ts';
import { validateCommand } from './commands/validate.ts';
import { watchCommand } from './commands/watch.ts';
import { CliError, EXIT, processIO, type CliIO } from './io.ts';
import { OUTPUT_FORMATS } from './printers.ts';

const KIND_HELP = `
Resource types (kubectl names and short names):
  clusters (cl), clustersets (cs), clusterproperties (cp), namespaces (ns), services (svc),
  endpointslices (eps), serviceexports (svcex), serviceimports (svcim), gatewayclasses (gc),
  gateways (gtw), httproutes, referencegrants (refgrant)`;

/** Builds the commander program; `exit` receives each command's exit code. */
function buildProgram(io: CliIO, exit: (code: number) => void, signal?: AbortSignal): Command {
  const program = new Command('lintas')
    .description('Lintas: multi-cluster traffic manager for Kubernetes fleets')
    .version(pkg.version, '--version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride();
  const configOption = (): Option => new Option('--config <dir>', 'fleet directory (default: $LINTAS_CONFIG or ./fleet)');

  program
    .command('validate')
    .description('check a fleet directory and report every problem as file:line (exit 0 valid, 1 invalid, 2 usage)')
    .argument('[dir]', 'fleet directory (default: $LINTAS_CONFIG or ./fleet)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json', 'yaml']).default('text'))
    .option('-q, --quiet', 'print only the issues, no summary')
    .addHelpText('after', '\nExamples:\n  lintas validate examples/capstone\n  lintas validate ./fleet -o json | jq .issues')
    .action(async (dir: string | undefined, opts: { output: string; quiet?: boolean }) => {
      const { resolveConfigDir } = await import('./fleet-config.ts');
      exit(await validateCommand(resolveConfigDir(dir, io), opts, io));
    });

  program
    .command('get')
    .description('list objects of the fleet, like kubectl get (offline, from the config directory)')
    .argument('<kind>', 'resource type(s), comma-separated: svc, eps, svcex, clusters, ...')
    .argument('[name]', 'object name')
    .option('-n, --namespace <ns>', 'namespace (default: default)')
    .option('-A, --all-namespaces', 'all namespaces')
    .option('--cluster <name>', 'only this cluster (default: every cluster)')
    .option('-l, --selector <selector>', 'label selector, e.g. app=web,tier!=db')
    .option('--server <url>', 'read computed objects (ServiceImports, imported slices, export status) from a running lintas serve admin URL')
    .option('--state-dir <dir>', 'state of lintas serve to reuse offline (ClusterSetIP allocations)', '.lintas')
    .addOption(new Option('-o, --output <format>', 'output format').choices([...OUTPUT_FORMATS]).default('table'))
    .addOption(configOption())
    .addHelpText('after', `${KIND_HELP}\n\nExamples:\n  lintas get clusters --config examples/capstone -o wide\n  lintas get svc -A --cluster jkt-prod-1\n  lintas get svcex -n cases -o yaml\n  lintas get svcim -A --config examples/capstone             # computed offline by the MCS controller\n  lintas get eps -A -l multicluster.kubernetes.io/service-name=public-case-api\n  lintas get svcim -A --server http://127.0.0.1:7070          # from a running lintas serve\n  lintas get health -n cases                                  # health-contract layers per cluster (running fleet)\n  lintas get dataplanes                                       # each cluster's data plane: acknowledged config and ownership (running fleet)`)
    .action(async (kind: string, name: string | undefined, opts: Parameters<typeof getCommand>[2]) => {
      if (kind === 'health') {
        const { getHealthCommand } = await import('./commands/get-health.ts');
        exit(await getHealthCommand(opts, io));
        return;
      }
      if (kind === 'dataplanes' || kind === 'dataplane' || kind === 'dp') {
        const { getDataPlanesCommand } = await import('./commands/get-dataplanes.ts');
        exit(await getDataPlanesCommand(opts, io));
        return;
      }
      exit(await getCommand(kind, name, opts, io));
    });

  program
    .command('describe')
    .description('show one object in detail: spec, origin file:line, related objects and issues')
    .argument('<kind>', 'resource type')
    .argument('<name>', 'NAME or NAMESPACE/NAME')
    .option('-n, --namespace <ns>', 'namespace when NAME has none (default: default)')
    .option('--cluster <name>', 'cluster (default: every cluster that has the object)')
    .option('--server <url>', 'read computed objects from a running lintas serve admin URL')
    .option('--state-dir <dir>', 'state of lintas serve to reuse offline', '.lintas')
    .addOption(configOption())
    .addHelpText('after', `${KIND_HELP}\n\nExamples:\n  lintas describe svc cases/public-case-api --cluster jkt-prod-1 --config examples/capstone\n  lintas describe cluster sgp-prod-1 --config examples/capstone`)
    .action(async (kind: string, name: string, opts: Parameters<typeof describeCommand>[2]) => {
      exit(await describeCommand(kind, name, opts, io));
    });

  const route = program.command('route').description('inspect gateway routing');
  route
    .command('explain')
    .description('explain which listener, rule, backends and endpoints a request would get in an entry cluster')
    .requiredOption('--cluster <name>', 'entry cluster (whose Gateways receive the request)')
    .requiredOption('--host <host>', 'Host header')
    .option('--path <path>', 'request path, with ?query if any', '/')
    .option('-X, --method <method>', 'HTTP method', 'GET')
    .option('-H, --header <header...>', 'request header "Name: value" (repeatable)')
    .option('--listener <address:port>', 'only this listener')
    .option('--server <url>', 'ask a running lintas serve admin URL (live health) instead of translating offline')
    .option('--state-dir <dir>', 'state of lintas serve to reuse offline', '.lintas')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json', 'yaml']).default('text'))
    .addOption(configOption())
    .addHelpText('after', "\nExit status: 0 when a rule matches, 1 when the request would get 404 (or on errors), 2 on usage errors.\n\nExamples:\n  lintas route explain --config examples/capstone --cluster jkt-prod-1 --host cases.example.com --path /cases/42\n  lintas route explain --server http://127.0.0.1:7070 --cluster sgp-prod-1 --host search.example.com -H 'X-Case-Id: 42'")
    .action(async (opts: RouteExplainOptions) => {
      const { routeExplainCommand } = await import('./commands/route-explain.ts');
      exit(await routeExplainCommand(opts, io));
    });

  program
    .command('watch')
    .description('watch a fleet directory: reload on change, keep the last good config on errors')
    .argument('[dir]', 'fleet directory (default: $LINTAS_CONFIG or ./fleet)')
    .option('--debounce <ms>', 'quiet period before reloading', '200')
    .addOption(new Option('--log-format <format>', 'log format').choices(['text', 'json']).default('text'))
    .addOption(new Option('--log-level <level>', 'log level').choices(['debug', 'info', 'warn', 'error']).default('info'))
    .action(async (dir: string | undefined, opts: { debounce: string; logFormat: string; logLevel: string }) => {
      const { resolveConfigDir } = await import('./fleet-config.ts');
      exit(await watchCommand(resolveConfigDir(dir, io), { ...opts, signal }, io));
    });

  program
    .command('serve')
    .description('run the control plane on a live fleet directory: MCS controller + authoritative clusterset.local DNS + admin API')
    .addOption(configOption())
    .option('--dns <host:port>', 'DNS listen address (UDP and TCP)', '127.0.0.1:5353')
    .option('--admin <host:port>', 'admin API listen address (/readyz, /metrics, /api/v1/mcs)', '127.0.0.1:7070')
    .option('--state-dir <dir>', 'where stable state (first-seen times, ClusterSetIP allocations) is kept', '.lintas')
    .option('--debounce <ms>', 'quiet period after a file change before reloading', '25')
    .option('--access-log <file>', 'gateway access log (JSON lines); stdout when not given')
    .option('--auth-file <file>', 'bearer tokens for the mutating admin API (YAML: tokens: [{token, subject, roles}]); without it the API is read-only')
    .option('--data-dir <dir>', 'where the embedded audit store (SQLite) lives (default: the state dir)')
    .option('--store <url>', 'postgres://… to keep the audit trail and failover state in PostgreSQL (several replicas share it)')
    .option('--insecure-admin', 'allow a non-loopback --admin address although the admin API has no TLS (bearer tokens in clear text)')
    .option('--admin-allowed-host <names>', 'comma-separated Host names the admin API answers to besides loopback and its bound address (DNS rebinding defence), e.g. the name Prometheus scrapes')
    .option('--no-embedded-gateways', 'do not run the clusters\' gateways in this process: `lintas gateway --cluster C` processes serve them from the config stream (tokens with role gateway:C)')
    .option('--gateway-workers <n>', 'worker threads the embedded gateways proxy on, so that config loading and translation never stall traffic (default 1; 0: on the control plane\'s own thread)')
    .option('--dns-instance <name>', 'name of this DNS instance in the audit records of its public (DNSPolicy) answer moves, when several instances answer for one zone')
    .option('--lease-duration <duration>', 'how long the leader lease of the control-plane replicas lasts (renewed 5 times within it): a dead leader is replaced within about this (default 15s)')
    .option('--kubeconfig <file>', 'watch member clusters\' API servers: each Cluster\'s objects are read through the context named after it (or in its lintas.dev/kubeconfig-context annotation); fleet-scoped objects still come from --config')
    .option('--no-kube-write', 'with --kubeconfig: only read the clusters; write no ServiceImports, derived Services, imported EndpointSlices or ServiceExport status back')
    .option('--in-cluster', 'running in a pod: reach this cluster through the service account (KUBERNETES_SERVICE_HOST, /var/run/secrets/kubernetes.io/serviceaccount) as the context "in-cluster"; it is the management cluster unless --management-context names another')
    .option('--management-context <context>', 'the management cluster: its lintas.dev CRs (Cluster, ClusterSet, policies) combine with --config (the directory wins a clash), and the replicas elect their leader through the Lease lintas-control-plane in --lintas-namespace')
    .option('--lintas-namespace <ns>', 'Lintas\'s namespace in the management cluster (default: the pod\'s namespace in-cluster, else lintas-system)')
    .addOption(new Option('--log-format <format>', 'log format').choices(['text', 'json']).default('text'))
    .addOption(new Option('--log-level <level>', 'log level').choices(['debug', 'info', 'warn', 'error']).default('info'))
    .addHelpText('after', '\nExamples:\n  lintas serve --config examples/capstone\n  lintas serve --config fleet/ --kubeconfig ~/.kube/config   # clusters read from their API servers, imports written back\n  lintas serve --config fleet/ --kubeconfig ~/.kube/config --no-kube-write   # read only\n  lintas serve --config /etc/lintas/fleet --in-cluster --kubeconfig members.yaml   # in a pod: CRs and leader Lease in this cluster\n  lintas serve --config examples/capstone --auth-file tokens.yaml --no-embedded-gateways   # one `lintas gateway` per cluster\n  dig @127.0.0.1 -p 5353 public-case-api.cases.svc.clusterset.local\n  lintas serve --config examples/capstone --access-log /tmp/lintas-access.log')
    .action(async (opts: { config?: string; dns: string; admin: string; stateDir: string; debounce: string; logFormat: string; logLevel: string; accessLog?: string; authFile?: string; dataDir?: string; store?: string; insecureAdmin?: boolean; adminAllowedHost?: string; embeddedGateways: boolean; dnsInstance?: string; kubeconfig?: string; kubeWrite?: boolean; leaseDuration?: string; gatewayWorkers?: string; inCluster?: boolean; managementContext?: string; lintasNamespace?: string }) => {
      const { resolveConfigDir } = await import('./fleet-config.ts');
      const { serveCommand } = await import('./commands/serve.ts');
      exit(
        await serveCommand(
          resolveConfigDir(opts.config, io),
          {
            ...opts,
            stateDir: resolve(io.cwd, opts.stateDir),
            ...(opts.accessLog !== undefined ? { accessLog: resolve(io.cwd, opts.accessLog) } : {}),
            ...(opts.authFile !== undefined ? { authFile: resolve(io.cwd, opts.authFile) } : {}),
            ...(opts.dataDir !== undefined ? { dataDir: resolve(io.cwd, opts.dataDir) } : {}),
            ...(opts.adminAllowedHost !== undefined ? { adminAllowedHosts: opts.adminAllowedHost } : {}),
            ...(opts.kubeconfig !== undefined ? { kubeconfig: resolve(io.cwd, opts.kubeconfig) } : {}),
            signal,
          },
          io,
        ),
      );
    });

  program
    .command('up')
    .description('run the fleet locally: every Workload as real processes on its cluster\'s loopback range, plus MCS, DNS, gateways and the admin API')
    .argument('[dir]', 'fleet directory', 'examples/capstone')
    .option('--dns <host:port>', 'DNS listen address (UDP and TCP)', '127.0.0.1:5353')
    .option('--admin <host:port>', 'admin API listen address', '127.0.0.1:7070')
    .option('--state-dir <dir>', 'where up.json, the access log, replica logs and controller state go', '.lintas')
    .option('--insecure-admin', 'allow a non-loopback --admin address although the admin API has no TLS (bearer tokens in clear text)')
    .option('--admin-allowed-host <names>', 'comma-separated Host names the admin API answers to besides loopback and its bound address (DNS rebinding defence)')
    .option('--gateway-processes', 'run each cluster\'s gateways as a `lintas gateway` process fed by the config stream (faults kill or stop that process) (default)')
    .option('--no-gateway-processes', 'run every cluster\'s gateways in the control plane\'s process instead (the embedded mode of lintas serve; faults act on them in place)')
    .option('--kube', 'run every cluster on a real kube-apiserver (root, `ip` and the binaries of scripts/kube-binaries.sh), each cluster a network namespace; Lintas reads and writes them as serve --kubeconfig does')
    .option('--gateway-workers <n>', 'with --no-gateway-processes (and for the ClusterSetIP proxies): worker threads the embedded gateways proxy on (default 1; 0: the control plane\'s own thread)')
    .addOption(new Option('--log-level <level>', 'log level of the control plane (stderr)').choices(['debug', 'info', 'warn', 'error']).default('warn'))
    .addHelpText('after', '\nExamples:\n  lintas up                      # examples/capstone\n  lintas up --no-gateway-processes  # gateways inside the control plane process\n  sudo lintas up --kube          # on three real kube-apiservers (kubeconfig in .lintas/kubeconfig)\n  lintas up my-fleet --admin 127.0.0.1:7071 --dns 127.0.0.1:5354')
    .action(async (dir: string, opts: { dns: string; admin: string; stateDir: string; logLevel: string; insecureAdmin?: boolean; adminAllowedHost?: string; gatewayProcesses?: boolean; kube?: boolean; gatewayWorkers?: string }) => {
      const { upCommand } = await import('./commands/up.ts');
      const { adminAllowedHost, ...rest } = opts;
      exit(await upCommand(resolve(io.cwd, dir), { ...rest, stateDir: resolve(io.cwd, opts.stateDir), ...(adminAllowedHost !== undefined ? { adminAllowedHosts: adminAllowedHost } : {}), ...(signal !== undefined ? { signal } : {}) }, io));
    });

  program
    .command('__netns-agent', { hidden: true })
    .description('bridge a network namespace of lintas up --kube to this machine over Unix sockets (a child process of lintas up)')
    .argument('<config>', 'agent config as JSON')
    .action(async (config: string) => {
      const { runNetnsAgent } = await import('../sandbox/index.ts');
      await runNetnsAgent(JSON.parse(config) as Parameters<typeof runNetnsAgent>[0]);
      // The agent serves until its parent goes away (then it exits); the CLI must not exit when this action returns.
      await new Promise<never>(() => undefined);
    });

  program
    .command('__app', { hidden: true })
    .description('run one built-in demo app (a child process of lintas up)')
    .argument('<config>', 'app config as JSON')
    .action(async (config: string) => {
      const { runAppProcess } = await import('../sandbox/index.ts');
      await runAppProcess(JSON.parse(config) as Parameters<typeof runAppProcess>[0]);
      // The app keeps the process alive; it exits on SIGTERM or when the parent goes away.
      await new Promise<never>(() => undefined);
    });

  registerFaultCommands(program, io, exit);
  registerFailoverCommands(program, io, exit);
  registerAlertCommands(program, io, exit);
  registerGatewayCommand(program, io, exit, signal);
  registerDnsCommands(program, io, exit);

  program
    .command('version')
    .description('print the version')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .action((opts: { output: string }) => {
      const info = { name: 'lintas', version: pkg.version, node: process.version };
      io.out(opts.output === 'json' ? JSON.stringify(info, null, 2) : `lintas ${info.version} (node ${info.node})`);
      exit(EXIT.ok);
    });
  return program;
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function run(argv: readonly string[], io: CliIO = processIO(), signal?: AbortSignal): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => (code = c), signal);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version "exit" with 0; every parse error is a usage error.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof CliError) {
      io.err(error.message);
      return error.exitCode;
    }
    io.err(`internal error: ${(error as Error).stack ?? String(error)}`);
    return 70; // EX_SOFTWARE: a bug in Lintas, not in the input
  }
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

// Never on a worker thread: a worker that loads the bundle (a gateway's data-plane workers) inherits argv and env.
if (isMainThread && (isEntryPoint() || process.env['LINTAS_CLI_ENTRY'] === '1')) {
  process.exitCode = await run(process.argv.slice(2));
}
