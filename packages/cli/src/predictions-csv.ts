/**
 * Predictions as CSV: shared with the console, so it lives in @fedgrid/api-client
 * (packages/api-client/src/predictions-csv.ts); re-exported here for the CLI's commands.
 */
export { predictionsCsv, type PredictionsOutput } from '@fedgrid/api-client';
