/**
 * `fedgrid relay init | add-node | start`: the relay that lets partners reach a node in a network
 * allowing only outbound connections (docs/protocols/relay.md, docs/OPERATIONS.md).
 */
import { Command } from 'commander';
import { print, reportError } from '../output.js';

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new Error(`port must be an integer 0–65535, got '${v}'`);
  return n;
}

export function relayCommand(): Command {
  const relay = new Command('relay').description(
    'run a relay in a DMZ for nodes in networks that allow only outbound connections',
  );

  relay
    .command('init')
    .description(
      'create a relay directory: relay.yaml and the relay identity (prints its fingerprint)',
    )
    .requiredOption('--dir <dir>', 'new relay directory')
    .option('--id <id>', "the relay's name (its certificate's common name)", 'relay')
    .option('--host <host>', 'address the three ports bind', '0.0.0.0')
    .option('--tunnel-port <port>', 'port inside nodes dial (mutual TLS)', port, 7443)
    .option('--api-port <port>', "public port for inside nodes' APIs", port, 8443)
    .option('--data-port <port>', "public port for inside nodes' data planes", port, 9443)
    .option('--json', 'print JSON')
    .action(
      async (o: {
        dir: string;
        id: string;
        host: string;
        tunnelPort: number;
        apiPort: number;
        dataPort: number;
        json?: boolean;
      }) => {
        try {
          process.umask(0o077);
          const { initRelay } = await import('@fedgrid/node');
          const r = await initRelay(o);
          print(r, !!o.json, () =>
            [
              `relay created in ${r.dir}`,
              `fingerprint: ${r.fingerprint}`,
              'inside nodes pin it as relay.fingerprint in their fedgrid.yaml;',
              `register each inside node with: fedgrid relay add-node --dir ${o.dir} --id <node id> --fingerprint <its fingerprint>`,
            ].join('\n'),
          );
        } catch (err) {
          reportError(err);
          process.exitCode = 1;
        }
      },
    );

  relay
    .command('add-node')
    .description('let an inside node register (a running relay reads the list at its next dial)')
    .requiredOption('--dir <dir>', 'relay directory')
    .requiredOption('--id <id>', 'the inside node id')
    .requiredOption('--fingerprint <sha256>', "the inside node's certificate fingerprint")
    .action(async (o: { dir: string; id: string; fingerprint: string }) => {
      try {
        const { addRelayNode } = await import('@fedgrid/node');
        await addRelayNode(o.dir, o.id, o.fingerprint);
        process.stdout.write(`node '${o.id}' may now register at the relay in ${o.dir}\n`);
      } catch (err) {
        reportError(err);
        process.exitCode = 1;
      }
    });

  relay
    .command('start')
    .description('run the relay until interrupted')
    .requiredOption('--dir <dir>', 'relay directory')
    .option('--log-level <level>', 'trace, debug, info, warn or error')
    .option('--log-file <path>', 'write the JSON log here instead of stdout')
    .action(async (o: { dir: string; logLevel?: string; logFile?: string }) => {
      try {
        const [{ startRelay }, { pino }] = await Promise.all([
          import('@fedgrid/node'),
          import('pino'),
        ]);
        const running = await startRelay({
          dir: o.dir,
          ...(o.logLevel ? { logLevel: o.logLevel } : {}),
          ...(o.logFile
            ? { logDestination: pino.destination({ dest: o.logFile, sync: false, mkdir: true }) }
            : {}),
        });
        let stopping = false;
        const stop = async (signal: string) => {
          if (stopping) return;
          stopping = true;
          running.log.info({ signal }, 'stopping');
          await running.close();
          process.exit(0);
        };
        process.on('SIGINT', () => void stop('SIGINT'));
        process.on('SIGTERM', () => void stop('SIGTERM'));
        if (o.logFile)
          process.stdout.write(
            `relay listening: tunnel ${running.tunnelPort}, api ${running.apiPort}, data ${running.dataPort}; fingerprint ${running.fingerprint}${running.metricsPort !== undefined ? `; metrics ${running.metricsPort}` : ''}\n`,
          );
      } catch (err) {
        reportError(err);
        process.exit(1);
      }
    });

  return relay;
}
