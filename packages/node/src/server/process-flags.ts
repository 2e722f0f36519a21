/**
 * V8 flags a node process starts with (issue 12). V8 sizes its heap once, when the process
 * starts, so these cannot be set from inside a running node: FedGrid's own launchers pass them —
 * `launchNode` (demo, bench, tests) on the `node` command line, the container image in
 * NODE_OPTIONS (Dockerfile) — and an operator who starts `fedgrid node start` otherwise sets
 * NODE_OPTIONS (docs/OPERATIONS.md, "Scale"). A node started without them logs so once.
 *
 * `--max-semi-space-size=32` (MB; V8's default on 64-bit is 16): twice the young generation, so
 * half as many scavenges — each a pause of the node's event loop of ≈ 2–5 ms on a guest serving
 * 1,000 predictions a second, the most frequent pause left once the store's were removed
 * (docs/BENCHMARKS.md, "Stalls of the event loop, attributed"); it costs up to ≈ 32 MB more memory.
 */

/** The flags, as given on the `node` command line or in NODE_OPTIONS. */
export const NODE_PROCESS_V8_FLAGS: readonly string[] = Object.freeze(['--max-semi-space-size=32']);

/**
 * The flags of {@link NODE_PROCESS_V8_FLAGS} whose option this process was not started with — on
 * its command line (`execArgv`) or in NODE_OPTIONS — with any value (an operator's own size
 * counts as set).
 * @param execArgv the process's Node options. @default process.execArgv
 * @param nodeOptions @default process.env.NODE_OPTIONS
 */
export function missingV8Flags(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env['NODE_OPTIONS'] ?? '',
): string[] {
  const given = [...execArgv, ...nodeOptions.split(/\s+/)].map(
    (a) => a.split('=')[0]?.replace(/_/g, '-') ?? '',
  );
  return NODE_PROCESS_V8_FLAGS.filter((f) => !given.includes(f.split('=')[0] ?? f));
}
