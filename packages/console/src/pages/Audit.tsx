/**
 * The audit log (audit administrator): search by action and object id, page through the events
 * newest first; verify the hash chain and the partners' checkpoints (`GET /v1/audit/verify`, the
 * first edited, deleted, reordered or missing event named); send a checkpoint to partners now;
 * download a signed export archive (verified offline by `fedgrid audit verify-archive`), clear or
 * sealed under a passphrase by the node's suite (`POST /v1/audit/export/sealed`: SM4 for `gm`,
 * AES-256-GCM for `international`) — the same file `fedgrid audit export --seal` writes.
 */
import {
  Alert,
  App,
  Button,
  Card,
  Descriptions,
  Form,
  Input,
  InputNumber,
  Space,
  Table,
  Typography,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, asError, unwrap, useApi, type Page } from '../api';
import { ErrorAlert, QueryView, StatusTag } from '../components/QueryView';

interface AuditEvent {
  id: number;
  seq: number;
  at: string;
  node: string;
  actor: { kind: string; id: string };
  action: string;
  object: { type: string; id: string | null } | null;
  outcome: string;
  status: number | null;
  details: unknown;
  hash: string;
}

interface ChainProblem {
  kind: string;
  seq: number;
  id?: number;
  message: string;
}

interface Verification {
  ok: boolean;
  chain: {
    ok: boolean;
    alg: string;
    checked: number;
    anchorSeq: number;
    headSeq: number;
    headHash: string;
    firstProblem?: ChainProblem;
    problems: ChainProblem[];
  };
  partners: {
    partner: string;
    status: string;
    checked: number;
    disagreements: unknown[];
    error?: string;
  }[];
}

/** Saves `content` as a file through the browser. */
function download(name: string, content: string | Blob, type = 'application/x-ndjson') {
  const url = URL.createObjectURL(
    content instanceof Blob ? content : new Blob([content], { type }),
  );
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  URL.revokeObjectURL(url);
}

interface ExportForm {
  from?: number;
  to?: number;
  passphrase?: string;
}

/** Shortest sealing passphrase the node accepts (MIN_ARCHIVE_PASSPHRASE in audit.routes.ts). */
const MIN_PASSPHRASE = 12;

export default function Audit() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [filter, setFilter] = useState<{ action?: string; object?: string }>({});
  const [page, setPage] = useState({ page: 1, pageSize: 50 });
  const events = useApi(
    () =>
      unwrap<Page<AuditEvent>>(
        api.GET('/v1/audit', {
          params: {
            query: {
              ...page,
              ...(filter.action ? { action: filter.action } : {}),
              ...(filter.object ? { object: filter.object } : {}),
            },
          },
        }),
      ),
    [filter, page],
  );
  const [verification, setVerification] = useState<Verification>();
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<Error>();
  const [exportForm] = Form.useForm<ExportForm>();

  const act = async (name: string, fn: () => Promise<void>) => {
    setBusy(name);
    setError(undefined);
    try {
      await fn();
    } catch (e) {
      setError(asError(e));
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <>
      <Typography.Title level={2}>{t('audit.title')}</Typography.Title>
      <Card
        title={t('audit.integrity')}
        style={{ marginBottom: 16 }}
        extra={
          <Space>
            <Button
              type="primary"
              loading={busy === 'verify'}
              onClick={() =>
                void act('verify', async () =>
                  setVerification(await unwrap<Verification>(api.GET('/v1/audit/verify'))),
                )
              }
            >
              {t('audit.verify')}
            </Button>
            <Button
              loading={busy === 'checkpoint'}
              onClick={() =>
                void act('checkpoint', async () => {
                  const r = await unwrap<{ items: unknown[] }>(api.POST('/v1/audit/checkpoints'));
                  void message.success(t('audit.checkpointSent', { count: r.items.length }));
                })
              }
            >
              {t('audit.sendCheckpoint')}
            </Button>
          </Space>
        }
      >
        {error ? <ErrorAlert error={error} /> : null}
        {verification ? (
          <Space direction="vertical" style={{ width: '100%' }}>
            <Alert
              type={verification.ok ? 'success' : 'error'}
              showIcon
              message={verification.ok ? t('audit.verifiedOk') : t('audit.verifiedBad')}
              description={
                verification.chain.firstProblem
                  ? `${t('audit.firstProblem')}: #${verification.chain.firstProblem.seq} (${verification.chain.firstProblem.kind}) — ${verification.chain.firstProblem.message}`
                  : undefined
              }
            />
            <Descriptions size="small" bordered column={2}>
              <Descriptions.Item label={t('audit.algorithm')}>
                {verification.chain.alg}
              </Descriptions.Item>
              <Descriptions.Item label={t('audit.checked')}>
                {verification.chain.checked}
              </Descriptions.Item>
              <Descriptions.Item label={t('audit.head')}>
                #{verification.chain.headSeq}
              </Descriptions.Item>
              <Descriptions.Item label={t('audit.headHash')}>
                <Typography.Text code style={{ wordBreak: 'break-all' }}>
                  {verification.chain.headHash}
                </Typography.Text>
              </Descriptions.Item>
            </Descriptions>
            {verification.chain.problems.length > 1 ? (
              <Table
                size="small"
                rowKey={(r) => `${r.seq}-${r.kind}`}
                pagination={false}
                dataSource={verification.chain.problems}
                columns={[
                  { title: t('audit.seq'), dataIndex: 'seq' },
                  { title: t('audit.problem'), dataIndex: 'kind' },
                  { title: t('jobs.message'), dataIndex: 'message' },
                ]}
              />
            ) : null}
            <Table
              size="small"
              rowKey="partner"
              pagination={false}
              locale={{ emptyText: t('audit.noPartners') }}
              dataSource={verification.partners}
              columns={[
                { title: t('audit.partner'), dataIndex: 'partner' },
                { title: t('common.status'), render: (_, r) => <StatusTag status={r.status} /> },
                { title: t('audit.checkpoints'), dataIndex: 'checked' },
                {
                  title: t('audit.disagreements'),
                  render: (_, r) => r.error ?? r.disagreements.length,
                },
              ]}
            />
          </Space>
        ) : (
          <Typography.Paragraph type="secondary">{t('audit.verifyHint')}</Typography.Paragraph>
        )}
        <Form
          form={exportForm}
          layout="inline"
          style={{ marginTop: 16 }}
          onFinish={(v: ExportForm) =>
            void act('export', async () => {
              const r = await unwrap<{ archive: string }>(
                api.GET('/v1/audit/export', {
                  params: {
                    query: {
                      ...(v.from ? { from: v.from } : {}),
                      ...(v.to ? { to: v.to } : {}),
                    },
                  },
                }),
              );
              download(`audit-${v.from ?? 'first'}-${v.to ?? 'head'}.jsonl`, r.archive);
            })
          }
        >
          <Form.Item name="from" label={t('audit.from')}>
            <InputNumber min={1} />
          </Form.Item>
          <Form.Item name="to" label={t('audit.to')}>
            <InputNumber min={1} />
          </Form.Item>
          <Button htmlType="submit" loading={busy === 'export'}>
            {t('audit.export')}
          </Button>
          <Form.Item
            name="passphrase"
            label={t('audit.passphrase')}
            tooltip={t('audit.passphraseHelp')}
            rules={[
              { min: MIN_PASSPHRASE, message: t('audit.passphraseShort', { min: MIN_PASSPHRASE }) },
            ]}
          >
            <Input.Password autoComplete="new-password" style={{ width: 220 }} />
          </Form.Item>
          <Button
            loading={busy === 'exportSealed'}
            onClick={() =>
              void exportForm
                .validateFields()
                .then((v) =>
                  act('exportSealed', async () => {
                    if (!v.passphrase) throw new Error(t('audit.passphraseNeeded'));
                    const blob = await unwrap<Blob>(
                      api.POST('/v1/audit/export/sealed', {
                        body: {
                          passphrase: v.passphrase,
                          ...(v.from ? { from: v.from } : {}),
                          ...(v.to ? { to: v.to } : {}),
                        },
                        parseAs: 'blob',
                      }),
                    );
                    download(`audit-${v.from ?? 'first'}-${v.to ?? 'head'}.jsonl.fgseal`, blob);
                    exportForm.setFieldValue('passphrase', undefined);
                    void message.success(t('audit.sealedSaved'));
                  }),
                )
                .catch(() => undefined)
            }
          >
            {t('audit.exportSealed')}
          </Button>
        </Form>
      </Card>
      <Card title={t('audit.events')}>
        <Form
          layout="inline"
          style={{ marginBottom: 16 }}
          onFinish={(v: { action?: string; object?: string }) => {
            setPage((p) => ({ ...p, page: 1 }));
            setFilter({
              action: v.action?.trim() || undefined,
              object: v.object?.trim() || undefined,
            });
          }}
        >
          <Form.Item name="action" label={t('audit.action')}>
            <Input placeholder="POST /v1/contracts" allowClear />
          </Form.Item>
          <Form.Item name="object" label={t('audit.object')}>
            <Input allowClear />
          </Form.Item>
          <Button type="primary" htmlType="submit">
            {t('audit.search')}
          </Button>
        </Form>
        <QueryView
          query={events}
          isEmpty={(e) => e.items.length === 0}
          emptyText={t('audit.noEvents')}
        >
          {(e) => (
            <Table
              size="small"
              rowKey="id"
              dataSource={e.items}
              loading={events.loading}
              pagination={{
                current: page.page,
                pageSize: page.pageSize,
                total: e.total,
                showSizeChanger: true,
                onChange: (p, s) => setPage({ page: p, pageSize: s }),
              }}
              expandable={{
                expandedRowRender: (r) => (
                  <pre style={{ whiteSpace: 'pre-wrap', margin: 0 }}>
                    {JSON.stringify({ details: r.details, hash: r.hash }, null, 2)}
                  </pre>
                ),
              }}
              columns={[
                { title: t('audit.seq'), dataIndex: 'seq', width: 80 },
                {
                  title: t('dashboard.at'),
                  render: (_, r) => new Date(r.at).toLocaleString(),
                },
                { title: t('dashboard.actor'), render: (_, r) => `${r.actor.kind}:${r.actor.id}` },
                { title: t('dashboard.action'), dataIndex: 'action' },
                {
                  title: t('audit.object'),
                  render: (_, r) => (r.object ? `${r.object.type} ${r.object.id ?? ''}` : '—'),
                },
                {
                  title: t('dashboard.outcome'),
                  render: (_, r) => (
                    <StatusTag status={r.outcome === 'success' ? 'ok' : r.outcome} />
                  ),
                },
              ]}
            />
          )}
        </QueryView>
      </Card>
    </>
  );
}
