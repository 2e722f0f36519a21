/**
 * The light entry point of @fedgrid/node for API clients (the CLI): configuration files, error
 * codes and the version — without the server, the store and the crypto kernels, whose loading
 * would cost every CLI call most of a second.
 */
export * from './errors/errors.js';
export * from './config/config.js';
export { FEDGRID_VERSION } from './version.js';
export { NODE_PROCESS_V8_FLAGS, missingV8Flags } from './server/process-flags.js';
