/**
 * Generated from docs/openapi.json by packages/api-client/scripts/generate.mjs
 * (`npm run openapi:client`). Do not edit: change the routes, then run `npm run openapi`.
 */

export interface paths {
  '/livez': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Liveness: the node process answers (does not touch the store)
     * @description Permission: `public` — anyone (liveness, the API description).
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/metrics': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Prometheus metrics of this node (text exposition format 0.0.4)
     * @description HTTP requests and latency by route and status, jobs and tasks by status, the scheduler queue, data-plane bytes per partner, online prediction requests and latency per deployment, process CPU, memory and event-loop lag. Needs metrics:read (never granted to partners).
     *
     *     Permission: `metrics:read` — read the node’s operational metrics (GET /metrics, for Prometheus).
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/readyz': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Readiness: the store answers and the data directory is usable
     * @description 200 {status: 'ready', checks} when every check passes; 503 {status: 'not-ready', checks} otherwise. checks maps each check's name (store, storage, ...) to true or false; details are in /v1/health and the node's log.
     *
     *     Permission: `public` — anyone (liveness, the API description).
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/audit': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The audit log, newest first
     * @description Permission: `audit:read` — read the audit log.
     */
    get: {
      parameters: {
        query?: {
          action?: string;
          exact?: boolean | ('0' | '1' | 'true' | 'false');
          object?: string;
          page?: number;
          pageSize?: number;
          q?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/audit/checkpoints': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Send a signed checkpoint of the audit chain to every contracted partner now
     * @description Permission: `audit:read` — read the audit log.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/audit/export': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * A signed export archive of events seq from–to, as `{archive}`: JSON Lines text (signed manifest with the node certificate, then the events), to save to a file and verify offline with `fedgrid audit verify-archive`
     * @description Permission: `audit:read` — read the audit log.
     */
    get: {
      parameters: {
        query?: {
          from?: number;
          to?: number;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/audit/export/sealed': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * The same signed export archive as GET /v1/audit/export, sealed by the node's crypto suite (gm: SM4-CTR + HMAC-SM3, international: AES-256-GCM) under the passphrase given in the body, as an application/octet-stream file download; open and verify it offline with `fedgrid audit verify-archive <file> --passphrase-file <file>`
     * @description Permission: `audit:read` — read the audit log.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            from?: number;
            passphrase: string;
            to?: number;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/audit/verify': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Verify the audit hash chain (names the first edited, deleted, reordered or missing event) and compare it with the checkpoints partners hold about this node
     * @description Permission: `audit:read` — read the audit log.
     */
    get: {
      parameters: {
        query?: {
          partners?: boolean | ('0' | '1' | 'true' | 'false');
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/auth/login': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Sign in (password, and the TOTP code when enrolled); returns a session token
     * @description Sessions end after 30 minutes idle or 12 hours. Five consecutive failures lock the user for 15 minutes. Every attempt is audited.
     *
     *     Permission: `public` — anyone (liveness, the API description).
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            code?: string;
            password: string;
            user: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/auth/logout': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Sign out: end the session of this request
     * @description Permission: `session:own` — the user centre: one’s own profile, password, second factor, sessions and API tokens; the menu and data dictionary.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/components': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * List components: built-in and external (paged, with totals by engine, visibility and status; q matches code or name)
     * @description Permission: `component:read` — list and inspect components.
     */
    get: {
      parameters: {
        query?: {
          engine?: string;
          exact?: boolean | ('0' | '1' | 'true' | 'false');
          page?: number;
          pageSize?: number;
          q?: string;
          visibility?: 'public' | 'internal';
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    /**
     * Register an external component (metadata only; it cannot run on FedGrid yet)
     * @description Permission: `component:manage` — register and unregister components.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            address?: string;
            /** @enum {string} */
            addressType?: 'http' | 'https' | 'grpc' | 'grpcs' | 'image' | 'other';
            code: string;
            /** @default  */
            description?: string;
            /** @default  */
            developer?: string;
            engine: string;
            /** @default [] */
            inputs?: {
              /** @default  */
              description?: string;
              kind: string;
              name: string;
              /** @default [] */
              roles?: string[];
            }[];
            name: string;
            /** @default [] */
            outputs?: {
              /** @default  */
              description?: string;
              kind: string;
              name: string;
              /** @default [] */
              roles?: string[];
            }[];
            /**
             * @default {
             *       "type": "object"
             *     }
             */
            params?: {
              [key: string]: unknown;
            };
            /** @default  */
            reference?: string;
            /** @default [] */
            roles?: ('guest' | 'host' | 'arbiter' | 'edge')[];
            version: string;
            /**
             * @default internal
             * @enum {string}
             */
            visibility?: 'public' | 'internal';
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/components/{code}/{version}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Get a component: address, roles, inputs, outputs, parameter JSON Schema
     * @description Permission: `component:read` — list and inspect components.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          code: string;
          version: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    /**
     * Unregister an external component (built-in components cannot be unregistered)
     * @description Permission: `component:manage` — register and unregister components.
     */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          code: string;
          version: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/components/{code}/{version}/health': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Health check: built-ins are healthy when their programs are loaded; external http(s) addresses are called (3 s timeout); others are unknown
     * @description Permission: `component:read` — list and inspect components.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          code: string;
          version: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/components/{code}/{version}/validate': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Check parameters against the component’s schema: {valid, issues[{field, message}]}
     * @description Permission: `component:read` — list and inspect components.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          code: string;
          version: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @default {} */
            params?: {
              [key: string]: unknown;
            };
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/contracts': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * List contracts (paged; q matches the partner id or name)
     * @description Permission: `contract:read` — list and inspect contracts and partners.
     */
    get: {
      parameters: {
        query?: {
          exact?: boolean | ('0' | '1' | 'true' | 'false');
          page?: number;
          pageSize?: number;
          q?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    /**
     * Propose a contract to a partner node (pins the certificate it presents; replaces: the live contract with that node it replaces)
     * @description Permission: `contract:propose` — propose, cancel or check contracts.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            description?: string;
            expectedFingerprint?: string;
            /** Format: uri */
            peerApiUrl: string;
            /** Format: uuid */
            replaces?: string;
            validDays?: number;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/contracts/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Get a contract
     * @description Permission: `contract:read` — list and inspect contracts and partners.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/contracts/{id}/cancel': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Cancel our pending proposal; the partner’s copy becomes cancelled
     * @description Permission: `contract:propose` — propose, cancel or check contracts.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            reason?: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/contracts/{id}/confirm': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Confirm a pending incoming proposal
     * @description Permission: `contract:answer` — confirm or reject contract proposals.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/contracts/{id}/health': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Check that the partner answers over the pinned connection
     * @description Permission: `contract:read` — list and inspect contracts and partners.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/contracts/{id}/reject': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Reject a pending incoming proposal
     * @description Permission: `contract:answer` — confirm or reject contract proposals.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/contracts/{id}/sync': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Ask the partner for its copy of the contract and adopt its answer (fallback for a lost callback)
     * @description Permission: `contract:propose` — propose, cancel or check contracts.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/contracts/{id}/terminate': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Terminate an active contract (a pending one is cancelled or rejected instead)
     * @description Permission: `contract:terminate` — terminate contracts.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            reason?: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/datasets': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * List datasets (paged; q matches the name; filter by visibility)
     * @description Permission: `dataset:read` — list and inspect datasets (own and partners’).
     */
    get: {
      parameters: {
        query?: {
          exact?: boolean | ('0' | '1' | 'true' | 'false');
          page?: number;
          pageSize?: number;
          q?: string;
          visibility?: 'private' | 'partners' | 'public';
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    /**
     * Register a local CSV file (validated completely; nothing is kept if it is invalid)
     * @description Permission: `dataset:register` — register, update or delete datasets.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            columnTypes?: {
              [key: string]: 'numeric' | 'categorical' | 'boolean' | 'datetime' | 'ignore';
            };
            /** @default  */
            description?: string;
            /** @default id */
            idColumn?: string;
            labelColumn?: string;
            name: string;
            path?: string;
            /** @description a dataset source: { kind: csv | jsonl | mysql | parquet | postgres | text | tsv | xml, ... } */
            source?: {
              kind: string;
            } & {
              [key: string]: unknown;
            };
            /**
             * @default private
             * @enum {string}
             */
            visibility?: 'private' | 'partners' | 'public';
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/datasets/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Get a dataset by id or name, with its column summary
     * @description Permission: `dataset:read` — list and inspect datasets (own and partners’).
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    /**
     * Delete a dataset (refused while an unfinished job uses it; refused while it has active grants unless force=true, which revokes them and tells the grantees)
     * @description Permission: `dataset:register` — register, update or delete datasets.
     */
    delete: {
      parameters: {
        query?: {
          force?: boolean | ('0' | '1' | 'true' | 'false');
        };
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    /**
     * Change a dataset’s name, description, visibility, enabled flag or data dictionary
     * @description Permission: `dataset:register` — register, update or delete datasets.
     */
    patch: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            description?: string;
            dictionary?: {
              [key: string]: {
                description?: string;
                unit?: string;
                values?: string[];
              };
            };
            enabled?: boolean;
            name?: string;
            /** @enum {string} */
            visibility?: 'private' | 'partners' | 'public';
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    trace?: never;
  };
  '/v1/datasets/{id}/download': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Download this node's own dataset (current version) as CSV (audited)
     * @description Permission: `dataset:register` — register, update or delete datasets.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/datasets/{id}/preview': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Preview the first rows of this node's own dataset (at most 100; audited)
     * @description Permission: `dataset:read` — list and inspect datasets (own and partners’).
     */
    get: {
      parameters: {
        query?: {
          rows?: number;
        };
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/datasets/{id}/refresh': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Read the dataset’s source again and record it as the next version (same columns; running jobs keep their version)
     * @description Permission: `dataset:register` — register, update or delete datasets.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/datasets/upload': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Upload a dataset file (body: the file as application/octet-stream; streamed, size-limited, checked against sha256, validated completely before it is recorded)
     * @description Permission: `dataset:register` — register, update or delete datasets.
     */
    post: {
      parameters: {
        query: {
          description?: string;
          format?: 'csv' | 'tsv' | 'jsonl' | 'xml' | 'parquet';
          idColumn?: string;
          labelColumn?: string;
          name: string;
          sha256: string;
          /** @description COLUMN=TYPE, repeated; TYPE one of numeric, categorical, boolean, datetime, ignore */
          type?: string | string[];
          visibility?: 'private' | 'partners' | 'public';
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/deployments': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * List deployments with their model version, request counts and latency histogram (active ones unless all=true)
     * @description Permission: `model:read` — list and inspect models.
     */
    get: {
      parameters: {
        query?: {
          all?: boolean | ('0' | '1' | 'true' | 'false');
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    /**
     * Deploy a published model part for online prediction (guest: a named prediction service; host: the part bound to its serving feature table)
     * @description Permission: `model:manage` — request, answer and publish model approvals; deploy and undeploy models.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            dataset?: string;
            deadlineMs?: number;
            model: string;
            name?: string;
            /** @enum {string} */
            onHostFailure?: 'error' | 'guest-only';
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/deployments/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Get a deployment (by id or name) with its metrics
     * @description Permission: `model:read` — list and inspect models.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    /**
     * Switch a deployment to another version atomically, rebind or reload its feature table, or change its failure mode or deadline
     * @description Permission: `model:manage` — request, answer and publish model approvals; deploy and undeploy models.
     */
    patch: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            dataset?: string;
            deadlineMs?: number;
            model?: string;
            /** @enum {string} */
            onHostFailure?: 'error' | 'guest-only';
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    trace?: never;
  };
  '/v1/deployments/{id}/undeploy': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Undeploy: the deployment answers no more requests
     * @description Permission: `model:manage` — request, answer and publish model approvals; deploy and undeploy models.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/dictionary': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The data dictionary: value lists (roles, job states, …) for forms and filters
     * @description Permission: `session:own` — the user centre: one’s own profile, password, second factor, sessions and API tokens; the menu and data dictionary.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/directory/offers': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Browse a directory’s offers (paged; q matches name, description, node, feature names; filter by kind and node)
     * @description Permission: `invitation:read` — list invitations and directory offers.
     */
    get: {
      parameters: {
        query?: {
          directory?: string;
          exact?: boolean | ('0' | '1' | 'true' | 'false');
          kind?: 'dataset' | 'compute';
          node?: string;
          page?: number;
          pageSize?: number;
          q?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    /**
     * Publish an offer on a directory: a dataset’s public metadata (re-publishing updates it) or compute
     * @description Permission: `invitation:manage` — create, modify, withdraw, publish and answer invitations.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json':
            | {
                dataset: string;
                description?: string;
                directory: string;
                /** @enum {string} */
                kind: 'dataset';
              }
            | {
                cores?: number;
                /** @default  */
                description?: string;
                directory: string;
                gpus?: number;
                /** @enum {string} */
                kind: 'compute';
                memoryGb?: number;
                name: string;
              };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/directory/offers/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /**
     * Withdraw (unpublish) one of this node’s offers from its directory
     * @description Permission: `invitation:manage` — create, modify, withdraw, publish and answer invitations.
     */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/directory/published': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The offers this node published (paged; q matches the name)
     * @description Permission: `invitation:read` — list invitations and directory offers.
     */
    get: {
      parameters: {
        query?: {
          directory?: string;
          exact?: boolean | ('0' | '1' | 'true' | 'false');
          page?: number;
          pageSize?: number;
          q?: string;
          status?: 'published' | 'withdrawn';
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/flow-approvals': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * List flow approvals (incoming: partners asked this node; outgoing: asked by it)
     * @description Permission: `flow:read` — list and inspect flows.
     */
    get: {
      parameters: {
        query?: {
          direction?: 'incoming' | 'outgoing';
          flowId?: string;
          page?: number;
          pageSize?: number;
          status?: 'pending' | 'approved' | 'rejected' | 'withdrawn' | 'invalidated';
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/flow-approvals/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Get a flow approval with the content it is for
     * @description Permission: `flow:read` — list and inspect flows.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/flow-approvals/{id}/approve': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Approve an incoming flow approval request (tells the initiator)
     * @description Permission: `flow:manage` — create, update and delete flows; request and answer approvals.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            reason?: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/flow-approvals/{id}/reject': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Reject an incoming flow approval request (tells the initiator)
     * @description Permission: `flow:manage` — create, update and delete flows; request and answer approvals.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            reason?: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/flow-approvals/{id}/sync': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Ask the partner for its answer to an outgoing request (流程审批查询; fallback when the callback was lost)
     * @description Permission: `flow:manage` — create, update and delete flows; request and answer approvals.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/flows': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * List flows (paged; q matches the name; projectId filters)
     * @description Permission: `flow:read` — list and inspect flows.
     */
    get: {
      parameters: {
        query?: {
          exact?: boolean | ('0' | '1' | 'true' | 'false');
          page?: number;
          pageSize?: number;
          projectId?: string;
          q?: string;
          status?: 'active' | 'deleted' | 'all';
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    /**
     * Create a flow in a project (DAG validated like a job; every party must be a project member)
     * @description Permission: `flow:manage` — create, update and delete flows; request and answer approvals.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @default {} */
            config?: {
              /** @default 0 */
              priority?: number;
              /** @default 86400 */
              timeoutSeconds?: number;
              tunable?: {
                [key: string]: {
                  [key: string]:
                    | {
                        max?: number;
                        min?: number;
                      }
                    | {
                        values: unknown[];
                      };
                };
              };
            };
            /** @default {} */
            datasets?: {
              [key: string]: string;
            };
            /** @default  */
            description?: string;
            name: string;
            parties: {
              arbiter?: {
                node: string;
              };
              edges?: {
                node: string;
              }[];
              guest: {
                node: string;
              };
              hosts: {
                node: string;
              }[];
            };
            projectId: string;
            tasks: {
              component: string;
              /** @default {} */
              inputs?: {
                [key: string]: string;
              };
              name: string;
              /** @default {} */
              params?: {
                [key: string]: unknown;
              };
              version?: string;
            }[];
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/flows/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Get a flow with its digest and approval state per partner
     * @description Permission: `flow:read` — list and inspect flows.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    /**
     * Delete a flow (pending approval requests are withdrawn)
     * @description Permission: `flow:manage` — create, update and delete flows; request and answer approvals.
     */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    /**
     * Save a new version of a flow (a new DAG or config invalidates earlier approvals; running jobs are unaffected)
     * @description Permission: `flow:manage` — create, update and delete flows; request and answer approvals.
     */
    patch: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            config?: {
              priority?: number;
              timeoutSeconds?: number;
              tunable?: {
                [key: string]: {
                  [key: string]:
                    | {
                        max?: number;
                        min?: number;
                      }
                    | {
                        values: unknown[];
                      };
                };
              };
            };
            datasets?: {
              [key: string]: string;
            };
            description?: string;
            name?: string;
            parties?: {
              arbiter?: {
                node: string;
              };
              edges?: {
                node: string;
              }[];
              guest: {
                node: string;
              };
              hosts: {
                node: string;
              }[];
            };
            tasks?: {
              component: string;
              /** @default {} */
              inputs?: {
                [key: string]: string;
              };
              name: string;
              /** @default {} */
              params?: {
                [key: string]: unknown;
              };
              version?: string;
            }[];
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    trace?: never;
  };
  '/v1/flows/{id}/approvals': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The approvals requested for a flow (all versions)
     * @description Permission: `flow:read` — list and inspect flows.
     */
    get: {
      parameters: {
        query?: {
          page?: number;
          pageSize?: number;
          status?: 'pending' | 'approved' | 'rejected' | 'withdrawn' | 'invalidated';
        };
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    /**
     * Ask every partner in the flow’s parties to approve its current digest (流程审批发起)
     * @description Permission: `flow:manage` — create, update and delete flows; request and answer approvals.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/flows/{id}/jobs': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The jobs created from a flow (作业列表查询; paged, with the total)
     * @description Permission: `job:read` — list and inspect jobs, tasks, events and logs.
     */
    get: {
      parameters: {
        query?: {
          page?: number;
          pageSize?: number;
        };
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    /**
     * Create a job from the flow’s current version (every partner must have approved its digest)
     * @description Permission: `job:manage` — create, start, stop and rerun jobs and tasks.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            name?: string;
            /** @default {} */
            params?: {
              [key: string]: {
                [key: string]: unknown;
              };
            };
            priority?: number;
            timeoutSeconds?: number;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/grant-applications': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * List grant applications: outgoing (this node applied) and incoming (partners applied)
     * @description Permission: `grant:read` — list grants and grant applications.
     */
    get: {
      parameters: {
        query?: {
          dataset?: string;
          direction?: 'outgoing' | 'incoming';
          exact?: boolean | ('0' | '1' | 'true' | 'false');
          page?: number;
          pageSize?: number;
          peer?: string;
          q?: string;
          status?: 'pending' | 'confirmed' | 'rejected' | 'cancelled';
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    /**
     * Apply to a partner for the use of one of its datasets (scope, expiry, max uses, metering)
     * @description Permission: `grant:create` — grant partners the use of datasets, apply for grants.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            dataset: string;
            /** Format: date-time */
            expiresAt?: string;
            jobId?: string;
            maxUses?: number;
            metered?: boolean;
            owner: string;
            projectId?: string;
            /** @default  */
            reason?: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/grant-applications/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Get a grant application
     * @description Permission: `grant:read` — list grants and grant applications.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/grant-applications/{id}/cancel': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Applicant: cancel a pending outgoing application (the owner must still hold it pending)
     * @description Permission: `grant:create` — grant partners the use of datasets, apply for grants.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/grant-applications/{id}/confirm': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Owner: confirm a pending incoming application (creates the grant with its terms; the applicant is told)
     * @description Permission: `grant:answer` — confirm or reject grant applications.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/grant-applications/{id}/query': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Applicant: ask the owner for the application’s state and record it (the fallback for a lost callback)
     * @description Permission: `grant:read` — list grants and grant applications.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/grant-applications/{id}/reject': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Owner: reject a pending incoming application (the applicant is told)
     * @description Permission: `grant:answer` — confirm or reject grant applications.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            reason?: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/grants': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * List grants given by this node (filter by dataset, grantee, status)
     * @description Permission: `grant:read` — list grants and grant applications.
     */
    get: {
      parameters: {
        query?: {
          dataset?: string;
          exact?: boolean | ('0' | '1' | 'true' | 'false');
          grantee?: string;
          page?: number;
          pageSize?: number;
          q?: string;
          status?: 'active' | 'revoked' | 'expired' | 'used-up';
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    /**
     * Grant a partner node the use of a dataset (for any job, one job or one project; expiry, max uses, metering); the grantee is told
     * @description Permission: `grant:create` — grant partners the use of datasets, apply for grants.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            dataset: string;
            /** Format: date-time */
            expiresAt?: string;
            grantee: string;
            jobId?: string;
            maxUses?: number;
            metered?: boolean;
            projectId?: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/grants/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Get a grant
     * @description Permission: `grant:read` — list grants and grant applications.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/grants/{id}/notify': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Tell the grantee the grant’s current state again (after a failed notice)
     * @description Permission: `grant:create` — grant partners the use of datasets, apply for grants.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/grants/{id}/revoke': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Revoke a grant (the grantee is told)
     * @description Permission: `grant:revoke` — revoke grants.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            reason?: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/grants/{id}/usage': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Recorded uses of a grant (metered grants: one per accepted job and per task start), paged, with the total rows
     * @description Permission: `grant:read` — list grants and grant applications.
     */
    get: {
      parameters: {
        query?: {
          exact?: boolean | ('0' | '1' | 'true' | 'false');
          page?: number;
          pageSize?: number;
          q?: string;
        };
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/grants/received': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * List grants partners gave this node (our copies; filter by owner, dataset, status)
     * @description Permission: `grant:read` — list grants and grant applications.
     */
    get: {
      parameters: {
        query?: {
          dataset?: string;
          exact?: boolean | ('0' | '1' | 'true' | 'false');
          owner?: string;
          page?: number;
          pageSize?: number;
          q?: string;
          status?: 'active' | 'revoked' | 'expired' | 'used-up' | 'deleted';
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/grants/received/sync': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Ask a partner for every grant it gave this node and update our copies (the fallback for lost notices)
     * @description Permission: `grant:read` — list grants and grant applications.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            owner: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/health': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Liveness and storage health
     * @description 200 {status: 'ok', storage} while the node can keep its data; 503 {status: 'degraded', storage} when the data directory is missing, replaced or not writable, free space is below storage.minFreeMiB, the latest write failed or the store is not the node's own. storage.problems says what is wrong.
     *
     *     Permission: `public` — anyone (liveness, the API description).
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/audit/checkpoints': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Partner: the checkpoints this node holds of the caller's audit chain, as signed
     * @description Permission: `interconn:node` — partner: node information, contracts, health.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    /**
     * Partner: store the partner's signed checkpoint of its audit chain (verified against the certificate its contract pins)
     * @description Permission: `interconn:node` — partner: node information, contracts, health.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/components': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Partner: list this node’s public components (paged, with totals)
     * @description Permission: `interconn:component` — partner: public components.
     */
    get: {
      parameters: {
        query?: {
          engine?: string;
          exact?: boolean | ('0' | '1' | 'true' | 'false');
          page?: number;
          pageSize?: number;
          q?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/components/{code}/{version}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Partner: get one public component
     * @description Permission: `interconn:component` — partner: public components.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          code: string;
          version: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/contracts': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Partner: propose a contract (first contact)
     * @description Permission: `interconn:node` — partner: node information, contracts, health.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @enum {string} */
            authMethod: 'tls-certificate-pin';
            /** Format: uuid */
            contractId: string;
            /** @default  */
            description?: string;
            from: {
              /** Format: uri */
              apiUrl: string;
              /** Format: includes */
              certPem: string;
              dataAddress: string;
              description?: string;
              name: string;
              nodeId: string;
              /** Format: includes */
              sm2CertPem?: string;
              suites?: ('international' | 'gm')[];
            };
            /** Format: uuid */
            replaces?: string;
            /** Format: date-time */
            validUntil: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/contracts/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Partner: the status of a contract as held here (for the node its certificate pins; fallback for lost callbacks)
     * @description Permission: `interconn:node` — partner: node information, contracts, health.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/contracts/{id}/cancel': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Partner: the proposer cancelled its pending proposal
     * @description Permission: `interconn:node` — partner: node information, contracts, health.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/contracts/{id}/confirm': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Partner: the proposal was confirmed
     * @description Permission: `interconn:node` — partner: node information, contracts, health.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/contracts/{id}/reject': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Partner: the proposal was rejected
     * @description Permission: `interconn:node` — partner: node information, contracts, health.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/contracts/{id}/terminate': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Partner: the contract was terminated
     * @description Permission: `interconn:node` — partner: node information, contracts, health.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/datasets': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Partner: this node’s listed datasets (public and partners visibility)
     * @description Permission: `interconn:data` — partner: datasets, grants, invitations.
     */
    get: {
      parameters: {
        query?: {
          exact?: boolean | ('0' | '1' | 'true' | 'false');
          page?: number;
          pageSize?: number;
          q?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/datasets/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Partner: one dataset, if listed or granted to the caller (metadata only)
     * @description Permission: `interconn:data` — partner: datasets, grants, invitations.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/datasets/granted': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Partner: the datasets this node has granted the caller
     * @description Permission: `interconn:data` — partner: datasets, grants, invitations.
     */
    get: {
      parameters: {
        query?: {
          exact?: boolean | ('0' | '1' | 'true' | 'false');
          page?: number;
          pageSize?: number;
          q?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/directory/offers': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Partner: browse this directory’s offers (paged)
     * @description Permission: `interconn:data` — partner: datasets, grants, invitations.
     */
    get: {
      parameters: {
        query?: {
          exact?: boolean | ('0' | '1' | 'true' | 'false');
          kind?: 'dataset' | 'compute';
          node?: string;
          page?: number;
          pageSize?: number;
          q?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    /**
     * Partner: publish or update an offer on this directory
     * @description Permission: `interconn:data` — partner: datasets, grants, invitations.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json':
            | {
                dataset: {
                  features: {
                    name: string;
                    type: string;
                  }[];
                  id: string;
                  label: string | null;
                  rows: number;
                };
                /** @default  */
                description?: string;
                id: string;
                /** @enum {string} */
                kind: 'dataset';
                name: string;
              }
            | {
                compute: {
                  cores?: number;
                  gpus?: number;
                  memoryGb?: number;
                };
                /** @default  */
                description?: string;
                id: string;
                /** @enum {string} */
                kind: 'compute';
                name: string;
              };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/directory/offers/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /**
     * Partner: withdraw one of its offers from this directory
     * @description Permission: `interconn:data` — partner: datasets, grants, invitations.
     */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/flow-approvals': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Initiator → partner: approve this flow content
     * @description Permission: `interconn:project` — partner: projects, flows, approvals.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            approvalId: string;
            config: {
              /** @default 0 */
              priority?: number;
              /** @default 86400 */
              timeoutSeconds?: number;
              tunable?: {
                [key: string]: {
                  [key: string]:
                    | {
                        max?: number;
                        min?: number;
                      }
                    | {
                        values: unknown[];
                      };
                };
              };
            };
            dag: {
              /** @default {} */
              datasets?: {
                [key: string]: string;
              };
              parties: {
                arbiter?: {
                  node: string;
                };
                edges?: {
                  node: string;
                }[];
                guest: {
                  node: string;
                };
                hosts: {
                  node: string;
                }[];
              };
              tasks: {
                component: string;
                /** @default {} */
                inputs?: {
                  [key: string]: string;
                };
                name: string;
                /** @default {} */
                params?: {
                  [key: string]: unknown;
                };
                version?: string;
              }[];
            };
            /** @default  */
            description?: string;
            digest: string;
            flowId: string;
            flowVersion: number;
            name: string;
            projectId: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/flow-approvals/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Initiator → partner: the answer to a request (fallback)
     * @description Permission: `interconn:project` — partner: projects, flows, approvals.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/flow-approvals/{id}/answer': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Partner → initiator: approved or rejected (callback)
     * @description Permission: `interconn:project` — partner: projects, flows, approvals.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            digest: string;
            reason?: string;
            /** @enum {string} */
            status: 'approved' | 'rejected';
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/flow-approvals/{id}/withdraw': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Initiator → partner: the request is withdrawn (the flow changed)
     * @description Permission: `interconn:project` — partner: projects, flows, approvals.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/gm/confirm': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Partner (gm suite): SM2 key exchange, last message — the caller’s confirmation S_A; the session opens requests from then on
     * @description Permission: `interconn:node` — partner: node information, contracts, health.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            confirmation: string;
            /** Format: uuid */
            sessionId: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/gm/handshake': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Partner (gm suite): SM2 key exchange, first message — the caller’s ephemeral point; answers the callee’s ephemeral point and confirmation S_B (GM/T 0003.3 §6.1)
     * @description Permission: `interconn:node` — partner: node information, contracts, health.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            ephemeral: string;
            /** Format: uuid */
            sessionId: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/grant-applications': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Partner: apply for one of this node’s datasets (stored pending)
     * @description Permission: `interconn:data` — partner: datasets, grants, invitations.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            dataset: string;
            /** Format: date-time */
            expiresAt?: string;
            id: string;
            jobId?: string;
            maxUses?: number;
            metered?: boolean;
            projectId?: string;
            /** @default  */
            reason?: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/grant-applications/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Partner: the state of the caller’s application (and its grant)
     * @description Permission: `interconn:data` — partner: datasets, grants, invitations.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/grant-applications/{id}/answer': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Partner: the owner’s answer to this node’s application (callback)
     * @description Permission: `interconn:data` — partner: datasets, grants, invitations.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            datasetId: string;
            /** @default null */
            datasetName?: string | null;
            /** @default null */
            grant?: {
              applicationId: string | null;
              /** Format: date-time */
              createdAt: string;
              datasetId: string;
              datasetName: string;
              /** Format: date-time */
              expiresAt: string | null;
              id: string;
              jobId: string | null;
              maxUses: number | null;
              metered: boolean;
              projectId: string | null;
              /** Format: date-time */
              revokedAt: string | null;
              /** @enum {string} */
              status: 'active' | 'revoked';
              uses: number;
            } | null;
            id: string;
            /** @enum {string} */
            status: 'pending' | 'confirmed' | 'rejected' | 'cancelled';
            /** @default null */
            statusReason?: string | null;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/grant-applications/{id}/cancel': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Partner: the applicant cancels its pending application
     * @description Permission: `interconn:data` — partner: datasets, grants, invitations.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/grant-notices': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Partner: a grant the caller gave this node (new or revoked)
     * @description Permission: `interconn:data` — partner: datasets, grants, invitations.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            applicationId: string | null;
            /** Format: date-time */
            createdAt: string;
            datasetId: string;
            datasetName: string;
            /** Format: date-time */
            expiresAt: string | null;
            id: string;
            jobId: string | null;
            maxUses: number | null;
            metered: boolean;
            projectId: string | null;
            /** Format: date-time */
            revokedAt: string | null;
            /** @enum {string} */
            status: 'active' | 'revoked';
            uses: number;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/grants': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Partner: every grant this node gave the caller (any state)
     * @description Permission: `interconn:data` — partner: datasets, grants, invitations.
     */
    get: {
      parameters: {
        query?: {
          exact?: boolean | ('0' | '1' | 'true' | 'false');
          page?: number;
          pageSize?: number;
          q?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/grants/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Partner: one grant this node gave the caller
     * @description Permission: `interconn:data` — partner: datasets, grants, invitations.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/health': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Partner: health check
     * @description Permission: `interconn:node` — partner: node information, contracts, health.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/invitations': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Partner (demander): publish an invitation to this node (idempotent by id)
     * @description Permission: `interconn:data` — partner: datasets, grants, invitations.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            dataset: string | null;
            id: string;
            /** @enum {string} */
            kind: 'dataset' | 'compute';
            message: string;
            offer: string | null;
            resource: string;
            terms:
              | {
                  /** @enum {string} */
                  type: 'unlimited';
                }
              | {
                  /** @enum {string} */
                  type: 'until';
                  /** Format: date-time */
                  until: string;
                }
              | {
                  /** @enum {string} */
                  type: 'uses';
                  uses: number;
                }
              | {
                  /** @enum {string} */
                  type: 'metered';
                };
            version: number;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/invitations/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Partner (demander): the status of its invitation here (status query)
     * @description Permission: `interconn:data` — partner: datasets, grants, invitations.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    /**
     * Partner (demander): modify its pending invitation
     * @description Permission: `interconn:data` — partner: datasets, grants, invitations.
     */
    patch: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            dataset?: string;
            message?: string;
            resource?: string;
            terms?:
              | {
                  /** @enum {string} */
                  type: 'unlimited';
                }
              | {
                  /** @enum {string} */
                  type: 'until';
                  /** Format: date-time */
                  until: string;
                }
              | {
                  /** @enum {string} */
                  type: 'uses';
                  uses: number;
                }
              | {
                  /** @enum {string} */
                  type: 'metered';
                };
            version: number;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    trace?: never;
  };
  '/v1/interconn/invitations/{id}/answer': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Partner (provider): the answer to our invitation (callback)
     * @description Permission: `interconn:data` — partner: datasets, grants, invitations.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** Format: date-time */
            answeredAt: string;
            billing: {
              /** Format: date-time */
              at?: string;
              /** @enum {boolean} */
              metered: true;
              note: string;
              /** @enum {string} */
              recordedBy: 'grant' | 'invitation' | 'none';
              uses?: number;
            } | null;
            grantId: string | null;
            reason: string | null;
            /** @enum {string} */
            status: 'accepted' | 'rejected';
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/invitations/{id}/withdraw': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Partner (demander): withdraw its pending invitation
     * @description Permission: `interconn:data` — partner: datasets, grants, invitations.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            reason?: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/jobs': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Partner: accept a job from its initiator
     * @description Permission: `interconn:job` — partner: jobs and tasks.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/jobs/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Party → initiator: how the job stands here (status, each task's status and attempt; no results) — partners' heartbeat
     * @description Permission: `interconn:job` — partner: jobs and tasks.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/jobs/{id}/finish': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Initiator → partner: the job ended
     * @description Permission: `interconn:job` — partner: jobs and tasks.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/jobs/{id}/rerun': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Initiator → partner: rerun tasks of the accepted job by name (parameter changes within the approval)
     * @description Permission: `interconn:job` — partner: jobs and tasks.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/jobs/{id}/stop': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Partner → initiator: stop the job
     * @description Permission: `interconn:job` — partner: jobs and tasks.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/jobs/{id}/tasks/{task}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Initiator → partner: this node's parties' states of a task (the job's initiator only; states, no summaries)
     * @description Permission: `interconn:job` — partner: jobs and tasks.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
          task: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/jobs/{id}/tasks/{task}/report': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Partner → initiator: a party's outcome
     * @description Permission: `interconn:job` — partner: jobs and tasks.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
          task: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/jobs/{id}/tasks/{task}/start': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Partner: start this node's parties of a task
     * @description Permission: `interconn:job` — partner: jobs and tasks.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
          task: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/model-approvals': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Partner: please approve my model part (digest, job, task, project); stored as pending
     * @description Permission: `interconn:model` — partner: model approvals.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @default  */
            algorithm?: string;
            approvalId: string;
            attempt?: number;
            component: string;
            digest: string;
            features?: string[];
            jobId: string;
            modelId: string;
            /** @default  */
            modelName?: string;
            party: string;
            /** @default null */
            projectId?: string | null;
            task: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/model-approvals/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Partner: the status of an approval I requested (fallback query)
     * @description Permission: `interconn:model` — partner: model approvals.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/model-approvals/{id}/decision': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Partner: my decision on your approval request (callback)
     * @description Permission: `interconn:model` — partner: model approvals.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** Format: date-time */
            decidedAt: string;
            digest: string;
            /** @default null */
            reason?: string | null;
            /** @enum {string} */
            status: 'approved' | 'rejected';
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/node': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Partner: the public node card — name, description, addresses, certificate (first contact; reflects the node profile)
     * @description Permission: `interconn:node` — partner: node information, contracts, health.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/node/update': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Partner: its node information changed (name, description, addresses); re-pins its data-plane address
     * @description Permission: `interconn:node` — partner: node information, contracts, health.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** Format: uri */
            apiUrl: string;
            dataAddress: string;
            description?: string;
            name: string;
            nodeId: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/pir/datasets/{id}/table': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Partner holding a grant of a PIR-enabled dataset: the table id, rows and label column names of its encrypted keyword table, and a download ticket with the table’s size and SHA-256 (fetch the bytes from …/table/bytes); without the ticket when `since` names the current table id
     * @description Permission: `interconn:pir` — partner: online keyword PIR (encrypted tables, blinded key evaluations).
     */
    get: {
      parameters: {
        query?: {
          since?: string;
        };
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/pir/datasets/{id}/table/bytes': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Partner holding a download ticket of the table answer: one page of the encrypted keyword table (application/octet-stream, at most the ticket’s pageBytes from `offset`, a multiple of pageBytes); check the whole table against the ticket’s SHA-256
     * @description Permission: `interconn:pir` — partner: online keyword PIR (encrypted tables, blinded key evaluations).
     */
    get: {
      parameters: {
        query: {
          offset: number;
          ticket: string;
        };
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/pir/evaluate': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Partner holding a grant of a PIR-enabled dataset: the OPRF evaluation of each blinded key (32-byte points, at most pir.maxBatch), same order
     * @description Permission: `interconn:pir` — partner: online keyword PIR (encrypted tables, blinded key evaluations).
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            dataset: string;
            points: string[];
            tableId: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/projects': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Partner: the projects of this node the caller is invited into or a member of
     * @description Permission: `interconn:project` — partner: projects, flows, approvals.
     */
    get: {
      parameters: {
        query?: {
          exact?: boolean | ('0' | '1' | 'true' | 'false');
          page?: number;
          pageSize?: number;
          q?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    /**
     * Owner → partner: invitation into a project
     * @description Permission: `interconn:project` — partner: projects, flows, approvals.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** Format: date-time */
            createdAt: string;
            description: string;
            id: string;
            members: {
              nodeId: string;
              /** @enum {string} */
              status: 'invited' | 'accepted' | 'rejected' | 'removed';
            }[];
            name: string;
            owner: string;
            /** @default false */
            retry?: boolean;
            /** @enum {string} */
            status: 'active' | 'deleted';
            type: string;
            /** Format: date-time */
            updatedAt: string;
            version: number;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/projects/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Partner: one project shared with the caller
     * @description Permission: `interconn:project` — partner: projects, flows, approvals.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    /**
     * Owner → member: the project was updated
     * @description Permission: `interconn:project` — partner: projects, flows, approvals.
     */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** Format: date-time */
            createdAt: string;
            description: string;
            id: string;
            members: {
              nodeId: string;
              /** @enum {string} */
              status: 'invited' | 'accepted' | 'rejected' | 'removed';
            }[];
            name: string;
            owner: string;
            /** @enum {string} */
            status: 'active' | 'deleted';
            type: string;
            /** Format: date-time */
            updatedAt: string;
            version: number;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    post?: never;
    /**
     * Owner → member: the project was deleted
     * @description Permission: `interconn:project` — partner: projects, flows, approvals.
     */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/projects/{id}/answer': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Member → owner: the invitation was accepted or rejected (callback)
     * @description Permission: `interconn:project` — partner: projects, flows, approvals.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            reason?: string;
            /** @enum {string} */
            status: 'accepted' | 'rejected';
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/projects/{id}/membership': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Owner → member: the member’s answer (fallback of the callback)
     * @description Permission: `interconn:project` — partner: projects, flows, approvals.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    /**
     * Owner → member: the member was removed from the project
     * @description Permission: `interconn:project` — partner: projects, flows, approvals.
     */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/interconn/serving/partial': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Partner (the deployment’s guest only): the host’s partial results of a deployed model for the given ids
     * @description Permission: `interconn:serving` — partner: online prediction partials of deployed models.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            ids: string[];
            job: string;
            task: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/invitations': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * List invitations sent and received (paged; q matches id, partner, dataset, resource, message)
     * @description Permission: `invitation:read` — list invitations and directory offers.
     */
    get: {
      parameters: {
        query?: {
          exact?: boolean | ('0' | '1' | 'true' | 'false');
          kind?: 'dataset' | 'compute';
          page?: number;
          pageSize?: number;
          q?: string;
          role?: 'sent' | 'received';
          status?: 'draft' | 'pending' | 'accepted' | 'rejected' | 'withdrawn';
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    /**
     * Create an invitation to a provider (a draft, kept here until published)
     * @description Permission: `invitation:manage` — create, modify, withdraw, publish and answer invitations.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            dataset?: string;
            /** @enum {string} */
            kind: 'dataset' | 'compute';
            /** @default  */
            message?: string;
            offer?: string;
            provider: string;
            /** @default  */
            resource?: string;
            terms:
              | {
                  /** @enum {string} */
                  type: 'unlimited';
                }
              | {
                  /** @enum {string} */
                  type: 'until';
                  /** Format: date-time */
                  until: string;
                }
              | {
                  /** @enum {string} */
                  type: 'uses';
                  uses: number;
                }
              | {
                  /** @enum {string} */
                  type: 'metered';
                };
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/invitations/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Get an invitation (on the provider, with the usage of a metered one)
     * @description Permission: `invitation:read` — list invitations and directory offers.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    /**
     * Withdraw an invitation: a draft is deleted, a pending one becomes withdrawn on both nodes
     * @description Permission: `invitation:manage` — create, modify, withdraw, publish and answer invitations.
     */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            reason?: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    /**
     * Modify a draft or pending invitation (the provider’s copy of a pending one is changed first)
     * @description Permission: `invitation:manage` — create, modify, withdraw, publish and answer invitations.
     */
    patch: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            dataset?: string;
            message?: string;
            resource?: string;
            terms?:
              | {
                  /** @enum {string} */
                  type: 'unlimited';
                }
              | {
                  /** @enum {string} */
                  type: 'until';
                  /** Format: date-time */
                  until: string;
                }
              | {
                  /** @enum {string} */
                  type: 'uses';
                  uses: number;
                }
              | {
                  /** @enum {string} */
                  type: 'metered';
                };
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    trace?: never;
  };
  '/v1/invitations/{id}/accept': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Accept a received invitation (a dataset one creates the grant for the demander) and tell the demander
     * @description Permission: `invitation:manage` — create, modify, withdraw, publish and answer invitations.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/invitations/{id}/publish': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Send a draft invitation to its provider, which stores it pending (idempotent)
     * @description Permission: `invitation:manage` — create, modify, withdraw, publish and answer invitations.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/invitations/{id}/reject': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Reject a received invitation and tell the demander
     * @description Permission: `invitation:manage` — create, modify, withdraw, publish and answer invitations.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            reason?: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/invitations/{id}/sync': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Ask the provider for its copy and adopt its answer (fallback when the answer was lost)
     * @description Permission: `invitation:manage` — create, modify, withdraw, publish and answer invitations.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/job-permissions': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * List permissions for partners' ad-hoc jobs (filter by partner, status)
     * @description Permission: `job-permission:read` — list and inspect permissions for partners’ ad-hoc jobs.
     */
    get: {
      parameters: {
        query?: {
          exact?: boolean | ('0' | '1' | 'true' | 'false');
          page?: number;
          pageSize?: number;
          partner?: string;
          q?: string;
          status?: 'active' | 'revoked' | 'expired';
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    /**
     * Permit a partner's ad-hoc jobs (no approved flow): the roles this node may play, the components that may run, optionally the datasets
     * @description Permission: `job-permission:manage` — permit or revoke partners’ ad-hoc jobs.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            components: string[];
            datasets?: string[];
            /** Format: date-time */
            expiresAt?: string;
            note?: string;
            partner: string;
            roles: ('guest' | 'host' | 'arbiter' | 'edge')[];
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/job-permissions/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Get a job permission
     * @description Permission: `job-permission:read` — list and inspect permissions for partners’ ad-hoc jobs.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/job-permissions/{id}/revoke': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Revoke a job permission (the partner's ad-hoc jobs stop here)
     * @description Permission: `job-permission:manage` — permit or revoke partners’ ad-hoc jobs.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/jobs': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * List jobs, newest first (optionally of one flow, project or status)
     * @description Permission: `job:read` — list and inspect jobs, tasks, events and logs.
     */
    get: {
      parameters: {
        query?: {
          exact?: boolean | ('0' | '1' | 'true' | 'false');
          flow?: string;
          page?: number;
          pageSize?: number;
          project?: string;
          q?: string;
          status?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    /**
     * Create and start a job on the guest node; partners accept it (contracts and grants are checked there)
     * @description Permission: `job:manage` — create, start, stop and rerun jobs and tasks.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @default {} */
            datasets?: {
              [key: string]: string;
            };
            flowId?: string;
            /** @default  */
            name?: string;
            parties: {
              arbiter?: {
                node: string;
              };
              edges?: {
                node: string;
              }[];
              guest: {
                node: string;
              };
              hosts: {
                node: string;
              }[];
            };
            /** @default 0 */
            priority?: number;
            projectId?: string;
            tasks: {
              component: string;
              /** @default {} */
              inputs?: {
                [key: string]: string;
              };
              name: string;
              /** @default {} */
              params?: {
                [key: string]: unknown;
              };
              version?: string;
            }[];
            /** @default 86400 */
            timeoutSeconds?: number;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/jobs/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Get a job with its tasks and per-party states
     * @description Permission: `job:read` — list and inspect jobs, tasks, events and logs.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/jobs/{id}/events': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Events (progress, logs, state changes) after a given event id
     * @description Permission: `job:read` — list and inspect jobs, tasks, events and logs.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/jobs/{id}/events/stream': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Live events of a job as server-sent events (job-event, job, end); resumes after `after` or Last-Event-ID
     * @description Permission: `job:read` — list and inspect jobs, tasks, events and logs.
     */
    get: {
      parameters: {
        query?: {
          after?: number;
        };
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/jobs/{id}/outputs': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * This node's outputs of a job
     * @description Permission: `job:read` — list and inspect jobs, tasks, events and logs.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/jobs/{id}/outputs/{task}/{party}/{name}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * One output of a task on a local party
     * @description Permission: `job:read` — list and inspect jobs, tasks, events and logs.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
          name: string;
          party: string;
          task: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/jobs/{id}/rerun': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Rerun a finished job: failed tasks, tasks with new parameters, and their downstream (or `from` a task)
     * @description Permission: `job:manage` — create, start, stop and rerun jobs and tasks.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            from?: string;
            params?: {
              [key: string]: {
                [key: string]: unknown;
              };
            };
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/jobs/{id}/stop': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Stop a job on every party
     * @description Permission: `job:manage` — create, start, stop and rerun jobs and tasks.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/jobs/{id}/tasks': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * A job's tasks with per-party states
     * @description Permission: `job:read` — list and inspect jobs, tasks, events and logs.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/jobs/{id}/tasks/{task}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * One task with its per-party states, attempt and result
     * @description Permission: `job:read` — list and inspect jobs, tasks, events and logs.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
          task: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/jobs/{id}/tasks/{task}/logs': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * A task's log, time-ordered, at most 1 MB per page
     * @description Permission: `job:read` — list and inspect jobs, tasks, events and logs.
     */
    get: {
      parameters: {
        query?: {
          after?: number;
          level?: 'debug' | 'info' | 'warn' | 'error';
          pageSize?: number;
        };
        header?: never;
        path: {
          id: string;
          task: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/jobs/{id}/tasks/{task}/rerun': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Rerun one task with new parameters, without starting downstream tasks
     * @description Permission: `job:manage` — create, start, stop and rerun jobs and tasks.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
          task: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            params?: {
              [key: string]: unknown;
            };
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/jobs/{id}/tasks/{task}/stop': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Stop a running task (and so its job) on every party
     * @description Permission: `job:manage` — create, start, stop and rerun jobs and tasks.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
          task: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/me': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Who is calling: user, roles, permissions and the menu they give
     * @description Permission: `session:own` — the user centre: one’s own profile, password, second factor, sessions and API tokens; the menu and data dictionary.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/me/password': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Change one’s password (ends one’s other sessions and API tokens)
     * @description Permission: `session:own` — the user centre: one’s own profile, password, second factor, sessions and API tokens; the menu and data dictionary.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            current: string;
            password: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/me/sessions': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * One’s open sessions
     * @description Permission: `session:own` — the user centre: one’s own profile, password, second factor, sessions and API tokens; the menu and data dictionary.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/me/sessions/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /**
     * End one of one’s sessions
     * @description Permission: `session:own` — the user centre: one’s own profile, password, second factor, sessions and API tokens; the menu and data dictionary.
     */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/me/tokens': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * One’s API tokens (never the tokens)
     * @description Permission: `session:own` — the user centre: one’s own profile, password, second factor, sessions and API tokens; the menu and data dictionary.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    /**
     * Issue an API token with scopes (a subset of one’s permissions) and expiry
     * @description The token is in this answer only; the node keeps its SHA-256.
     *
     *     Permission: `session:own` — the user centre: one’s own profile, password, second factor, sessions and API tokens; the menu and data dictionary.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @default 90 */
            expiresInDays?: number;
            name: string;
            scopes: string[];
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/me/tokens/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /**
     * Revoke one of one’s API tokens
     * @description Permission: `session:own` — the user centre: one’s own profile, password, second factor, sessions and API tokens; the menu and data dictionary.
     */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/me/totp': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Start second-factor enrolment: a new TOTP secret, active once confirmed
     * @description Permission: `session:own` — the user centre: one’s own profile, password, second factor, sessions and API tokens; the menu and data dictionary.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    /**
     * Remove one’s second factor (needs the password)
     * @description Permission: `session:own` — the user centre: one’s own profile, password, second factor, sessions and API tokens; the menu and data dictionary.
     */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            password: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/me/totp/confirm': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Confirm second-factor enrolment with a code of the new secret
     * @description Permission: `session:own` — the user centre: one’s own profile, password, second factor, sessions and API tokens; the menu and data dictionary.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            code: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/model-approvals': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * List model approvals: incoming (partners ask this node) and outgoing (this node asked)
     * @description Permission: `model:read` — list and inspect models.
     */
    get: {
      parameters: {
        query?: {
          direction?: 'incoming' | 'outgoing';
          exact?: boolean | ('0' | '1' | 'true' | 'false');
          job?: string;
          model?: string;
          page?: number;
          pageSize?: number;
          q?: string;
          status?: 'undelivered' | 'pending' | 'approved' | 'rejected';
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/model-approvals/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Get a model approval
     * @description Permission: `model:read` — list and inspect models.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/model-approvals/{id}/approve': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Approve a partner’s pending model part (its digest); the partner is told
     * @description Permission: `model:manage` — request, answer and publish model approvals; deploy and undeploy models.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            reason?: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/model-approvals/{id}/reject': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Reject a partner’s pending model part; the partner is told
     * @description Permission: `model:manage` — request, answer and publish model approvals; deploy and undeploy models.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            reason?: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/model-approvals/{id}/sync': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Ask the partner for the status of an outgoing approval (fallback for a lost callback)
     * @description Permission: `model:manage` — request, answer and publish model approvals; deploy and undeploy models.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/model-versions': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * List model versions this node holds parts of, newest first (filter by model name or job)
     * @description Permission: `model:read` — list and inspect models.
     */
    get: {
      parameters: {
        query?: {
          job?: string;
          name?: string;
          page?: number;
          pageSize?: number;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/model-versions/{name}/{version}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * One model version (VERSION a number or "latest"): algorithm, task, parties with their feature names and part digests and who approved them, training job and parameters, evaluation metrics, created/approved/published/deployed times
     * @description Permission: `model:read` — list and inspect models.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          name: string;
          version: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/model-versions/diff': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * What changed between two versions (from=NAME@V, to=NAME@V or a version number of the same name): training setup, parameters, features per party, part digests, evaluation metrics
     * @description Permission: `model:read` — list and inspect models.
     */
    get: {
      parameters: {
        query: {
          from: string;
          to: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/models': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * List the model parts this node holds (paged; filter by project, job or status; q matches name or id)
     * @description Permission: `model:read` — list and inspect models.
     */
    get: {
      parameters: {
        query?: {
          exact?: boolean | ('0' | '1' | 'true' | 'false');
          job?: string;
          page?: number;
          pageSize?: number;
          project?: string;
          q?: string;
          status?: 'unapproved' | 'pending' | 'rejected' | 'approved' | 'published';
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/models/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Get a model part: name, job, task, project, digest, file, size, approvals, publication, and its content
     * @description Permission: `model:read` — list and inspect models.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    /**
     * Name a model part
     * @description Permission: `model:manage` — request, answer and publish model approvals; deploy and undeploy models.
     */
    patch: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            name: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    trace?: never;
  };
  '/v1/models/{id}/approvals': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Approvals requested for this model part (every digest, newest first)
     * @description Permission: `model:read` — list and inspect models.
     */
    get: {
      parameters: {
        query?: {
          exact?: boolean | ('0' | '1' | 'true' | 'false');
          page?: number;
          pageSize?: number;
          q?: string;
        };
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    /**
     * Ask the job’s other parties to approve this model part’s digest (default: every partner without an approval or a pending request)
     * @description Permission: `model:manage` — request, answer and publish model approvals; deploy and undeploy models.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            partners?: string[];
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/models/{id}/approvals/sync': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Ask the partners for the status of this model’s undecided approvals (fallback for a lost callback)
     * @description Permission: `model:manage` — request, answer and publish model approvals; deploy and undeploy models.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/models/{id}/predict': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Online prediction with a deployed model (by deployment name, or model id or name): score, label, model version, degraded flag
     * @description Permission: `model:predict` — ask a deployed model for online predictions.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            features?:
              | {
                  [key: string]: number | null;
                }
              | {
                  [key: string]: {
                    [key: string]: number | null;
                  };
                };
            id?: string;
            ids?: string[];
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/models/{id}/publish': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Publish a model part for prediction (refused unless every partner approved its current digest)
     * @description Permission: `model:manage` — request, answer and publish model approvals; deploy and undeploy models.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/models/{id}/unpublish': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Withdraw a model part from prediction
     * @description Permission: `model:manage` — request, answer and publish model approvals; deploy and undeploy models.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/node': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * This node's identity, addresses, storage and crypto backends
     * @description Permission: `node:read` — read this node’s identity, addresses and components.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    /**
     * Update this node’s name, description or advertised addresses (null restores the fedgrid.yaml value); the new node card is sent to every contracted partner
     * @description Permission: `node:update` — change this node’s name, description or advertised addresses.
     */
    patch: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** Format: uri */
            apiUrl?: string | null;
            dataAddress?: string | null;
            description?: string | null;
            name?: string | null;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    trace?: never;
  };
  '/v1/node/profile': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * This node's profile: the effective name, description and addresses, the bootstrap values from fedgrid.yaml and what the profile overrides
     * @description Permission: `node:read` — read this node’s identity, addresses and components.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/partner-datasets/{node}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * A partner’s listed datasets (public and partners visibility), as the partner answers
     * @description Permission: `dataset:read` — list and inspect datasets (own and partners’).
     */
    get: {
      parameters: {
        query?: {
          exact?: boolean | ('0' | '1' | 'true' | 'false');
          page?: number;
          pageSize?: number;
          q?: string;
        };
        header?: never;
        path: {
          node: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/partner-datasets/{node}/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * One of a partner’s datasets (listed, or granted to this node): metadata only
     * @description Permission: `dataset:read` — list and inspect datasets (own and partners’).
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
          node: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/partner-datasets/{node}/granted': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The datasets a partner has granted this node (with the active grants)
     * @description Permission: `dataset:read` — list and inspect datasets (own and partners’).
     */
    get: {
      parameters: {
        query?: {
          exact?: boolean | ('0' | '1' | 'true' | 'false');
          page?: number;
          pageSize?: number;
          q?: string;
        };
        header?: never;
        path: {
          node: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/partners': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Contracted partners with their node card, contract, last successful health check and whether they hold our current node information (paged; q matches id or name)
     * @description Permission: `contract:read` — list and inspect contracts and partners.
     */
    get: {
      parameters: {
        query?: {
          exact?: boolean | ('0' | '1' | 'true' | 'false');
          page?: number;
          pageSize?: number;
          q?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/partners/{node}/components': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * List the public components of a contracted partner node
     * @description Permission: `component:read` — list and inspect components.
     */
    get: {
      parameters: {
        query?: {
          engine?: string;
          exact?: boolean | ('0' | '1' | 'true' | 'false');
          page?: number;
          pageSize?: number;
          q?: string;
        };
        header?: never;
        path: {
          node: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/partners/{node}/components/{code}/{version}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Get one public component of a contracted partner node
     * @description Permission: `component:read` — list and inspect components.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          code: string;
          node: string;
          version: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/partners/{node}/projects': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * List the projects a partner shares with this node (asked of the partner)
     * @description Permission: `project:read` — list and inspect projects.
     */
    get: {
      parameters: {
        query?: {
          exact?: boolean | ('0' | '1' | 'true' | 'false');
          page?: number;
          pageSize?: number;
          q?: string;
        };
        header?: never;
        path: {
          node: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/partners/{node}/projects/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Get one project a partner shares with this node (asked of the partner)
     * @description Permission: `project:read` — list and inspect projects.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
          node: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/partners/{nodeId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * One partner: what we hold of it and its node card as it answers now (node information query)
     * @description Permission: `contract:read` — list and inspect contracts and partners.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          nodeId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/partners/sync': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Check every active partner and send our node information to those holding a stale copy
     * @description Permission: `node:update` — change this node’s name, description or advertised addresses.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            force?: boolean;
            health?: boolean;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/pir/query': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Keyword PIR against a partner: the label columns of each key in the partner’s PIR-enabled dataset, or found=false; the partner learns how many keys, not which
     * @description Permission: `pir:query` — look keys up in a partner’s PIR-enabled dataset (keyword PIR).
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            dataset: string;
            keys: string[];
            partner: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/projects': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * List projects on this node — own and partners’ (paged; q matches the name, fuzzy or exact; stats count every match)
     * @description Permission: `project:read` — list and inspect projects.
     */
    get: {
      parameters: {
        query?: {
          exact?: boolean | ('0' | '1' | 'true' | 'false');
          membership?: 'invited' | 'accepted' | 'rejected' | 'removed';
          page?: number;
          pageSize?: number;
          q?: string;
          role?: 'owner' | 'member' | 'all';
          status?: 'active' | 'deleted' | 'all';
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    /**
     * Create a project owned by this node
     * @description Permission: `project:manage` — create, update, delete and accept projects.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @default  */
            description?: string;
            name: string;
            /**
             * @default other
             * @enum {string}
             */
            type?: 'vertical' | 'horizontal' | 'statistics' | 'transfer' | 'other';
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/projects/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Get a project (own, or a partner’s copy) with its members
     * @description Permission: `project:read` — list and inspect projects.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    /**
     * Delete an own project; its members’ copies become deleted
     * @description Permission: `project:manage` — create, update, delete and accept projects.
     */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    /**
     * Update an own project and sync it to its members
     * @description Permission: `project:manage` — create, update, delete and accept projects.
     */
    patch: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            description?: string;
            name?: string;
            /** @enum {string} */
            type?: 'vertical' | 'horizontal' | 'statistics' | 'transfer' | 'other';
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    trace?: never;
  };
  '/v1/projects/{id}/accept': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Accept an invitation into a partner’s project (tells the owner)
     * @description Permission: `project:manage` — create, update, delete and accept projects.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/projects/{id}/flows': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * List the flows of a project (流程列表查询; paged, with the total)
     * @description Permission: `flow:read` — list and inspect flows.
     */
    get: {
      parameters: {
        query?: {
          exact?: boolean | ('0' | '1' | 'true' | 'false');
          page?: number;
          pageSize?: number;
          q?: string;
          status?: 'active' | 'deleted' | 'all';
        };
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/projects/{id}/members': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Invite a contracted partner into an own project (合作项目创建)
     * @description Permission: `project:manage` — create, update, delete and accept projects.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            node: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/projects/{id}/members/{node}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /**
     * Remove a member from an own project and tell it
     * @description Permission: `project:manage` — create, update, delete and accept projects.
     */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
          node: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/projects/{id}/members/{node}/sync': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Ask a member for its answer to the invitation (fallback when its callback was lost)
     * @description Permission: `project:manage` — create, update, delete and accept projects.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
          node: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/projects/{id}/refresh': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Fetch the owner’s current version of a partner’s project
     * @description Permission: `project:manage` — create, update, delete and accept projects.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/projects/{id}/reject': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Reject an invitation into a partner’s project (tells the owner)
     * @description Permission: `project:manage` — create, update, delete and accept projects.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            reason?: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/roles': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Built-in and custom roles
     * @description Permission: `role:read` — list roles and the permission catalogue.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    /**
     * Create a custom role (permissions of one officer’s domain)
     * @description Permission: `role:manage` — create and delete custom roles.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @default  */
            description?: string;
            name: string;
            permissions: string[];
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/roles/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /**
     * Delete a custom role no user holds
     * @description Permission: `role:manage` — create and delete custom roles.
     */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/roles/permissions': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The permission catalogue roles are made from, with each one’s officer domain
     * @description Permission: `role:read` — list roles and the permission catalogue.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/users': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The node’s users
     * @description Permission: `user:read` — list and inspect the node’s users and their roles.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    /**
     * Create a user; answers its one-time password (to change at first sign-in)
     * @description Permission: `user:manage` — create, disable and change users, their roles and scopes; reset passwords.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            name: string;
            /** @default [] */
            roles?: string[];
            scopes?: {
              /** @default [] */
              datasets?: string[];
              /** @default [] */
              projects?: string[];
            };
            unrestricted?: boolean;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/users/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * One user (by id or name)
     * @description Permission: `user:read` — list and inspect the node’s users and their roles.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    /**
     * Change a user’s roles, scopes or disabled flag (not one’s own roles)
     * @description Permission: `user:manage` — create, disable and change users, their roles and scopes; reset passwords.
     */
    patch: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            disabled?: boolean;
            roles?: string[];
            scopes?: {
              /** @default [] */
              datasets?: string[];
              /** @default [] */
              projects?: string[];
            };
            unrestricted?: boolean;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    trace?: never;
  };
  '/v1/users/{id}/reset-password': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Reset a user’s password: a new one-time password; unlocks it, removes its second factor, ends its sessions and tokens
     * @description Permission: `user:manage` — create, disable and change users, their roles and scopes; reset passwords.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
export type webhooks = Record<string, never>;
export interface components {
  schemas: never;
  responses: never;
  parameters: never;
  requestBodies: never;
  headers: never;
  pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
