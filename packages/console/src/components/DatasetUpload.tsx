/**
 * Upload a file from the browser as a new dataset: POST /v1/datasets/upload with the file as an
 * `application/octet-stream` body and name, format, SHA-256, id/label columns, description,
 * visibility and `type=COLUMN=TYPE` overrides in the query string — the request
 * `fedgrid dataset upload` makes. The node keeps the file only if the SHA-256 matches and the
 * file validates completely.
 *
 * The SHA-256 is computed with WebCrypto, which digests the whole file in memory (it has no
 * streaming digest) and exists only in a secure context (https, or http on localhost); very large
 * files are better uploaded with the CLI, which hashes as it reads.
 */
import { Button, Form, Input, Modal, Select } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { asError } from '../api';
import { getToken } from '../session';
import { ErrorAlert } from './QueryView';
import { DatasetDescriptionFields } from './DatasetFields';

const FORMATS = ['csv', 'tsv', 'jsonl', 'xml', 'parquet'] as const;
const COLUMN_TYPES = ['numeric', 'categorical', 'boolean', 'datetime', 'ignore'];

interface UploadForm {
  name: string;
  format: (typeof FORMATS)[number];
  idColumn?: string;
  labelColumn?: string;
  description?: string;
  visibility: 'private' | 'partners' | 'public';
  types?: string;
}

/** The format a file's extension suggests (`.txt` as CSV), else CSV. */
function formatOf(file: string): UploadForm['format'] {
  const ext = /\.([a-z]+)$/i.exec(file)?.[1]?.toLowerCase() ?? 'csv';
  return (FORMATS as readonly string[]).includes(ext) ? (ext as UploadForm['format']) : 'csv';
}

/**
 * `a=numeric, b=categorical` as `[column, type]` pairs.
 * @throws Error naming the entry that is not `COLUMN=TYPE` with a known TYPE.
 */
export function parseTypes(text: string): [string, string][] {
  return text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const i = entry.lastIndexOf('=');
      const col = entry.slice(0, i).trim();
      const type = entry.slice(i + 1).trim();
      if (i <= 0 || !COLUMN_TYPES.includes(type))
        throw new Error(`"${entry}": write COLUMN=TYPE, TYPE one of ${COLUMN_TYPES.join(', ')}`);
      return [col, type];
    });
}

/** SHA-256 of a file as 64 hex digits. */
async function sha256(file: File): Promise<string> {
  if (!globalThis.crypto?.subtle)
    throw new Error(
      'this page is not a secure context (https or localhost), so the browser cannot compute the SHA-256 the node checks: open the console over https, or use `fedgrid dataset upload`',
    );
  const d = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export function DatasetUpload({
  open,
  onClose,
}: {
  open: boolean;
  onClose: (done: boolean) => void;
}) {
  const { t } = useTranslation();
  const [form] = Form.useForm<UploadForm>();
  const [file, setFile] = useState<File>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();

  const upload = async (v: UploadForm) => {
    setError(undefined);
    if (!file) return setError(new Error(t('datasetUpload.noFile')));
    setBusy(true);
    try {
      const types = parseTypes(v.types ?? '');
      const q = new URLSearchParams({
        name: v.name.trim(),
        format: v.format,
        sha256: await sha256(file),
        idColumn: v.idColumn?.trim() || 'id',
        visibility: v.visibility,
        ...(v.labelColumn?.trim() ? { labelColumn: v.labelColumn.trim() } : {}),
        ...(v.description?.trim() ? { description: v.description.trim() } : {}),
      });
      for (const [col, type] of types) q.append('type', `${col}=${type}`);
      // A File body is sent by the browser as it is read, not buffered again.
      const r = await fetch(`/v1/datasets/upload?${q.toString()}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${getToken() ?? ''}`,
          'content-type': 'application/octet-stream',
        },
        body: file,
      });
      if (!r.ok) {
        const body = (await r.json().catch(() => ({}))) as { message?: string };
        throw new Error(body.message ?? `HTTP ${r.status}`);
      }
      setFile(undefined);
      form.resetFields();
      onClose(true);
    } catch (e) {
      setError(asError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open={open}
      title={t('datasetUpload.title')}
      onCancel={() => onClose(false)}
      footer={null}
      destroyOnHidden
    >
      {error ? <ErrorAlert error={error} /> : null}
      <Form<UploadForm>
        form={form}
        layout="vertical"
        initialValues={{ visibility: 'private', idColumn: 'id', format: 'csv' }}
        onFinish={(v) => void upload(v)}
      >
        <Form.Item label={t('datasetUpload.file')} required htmlFor="dataset-upload-file">
          <input
            id="dataset-upload-file"
            data-testid="dataset-upload-file"
            type="file"
            accept=".csv,.tsv,.txt,.jsonl,.xml,.parquet"
            onChange={(e) => {
              const f = e.target.files?.[0];
              setFile(f);
              if (f) {
                form.setFieldValue('format', formatOf(f.name));
                if (!form.getFieldValue('name'))
                  form.setFieldValue(
                    'name',
                    f.name
                      .replace(/\.[^.]*$/, '')
                      .replace(/[^A-Za-z0-9._-]/g, '_')
                      .slice(0, 100),
                  );
              }
            }}
          />
        </Form.Item>
        <Form.Item
          name="name"
          label={t('datasets.name')}
          extra={t('datasets.nameHelp')}
          rules={[{ required: true, pattern: /^[A-Za-z0-9._-]{1,100}$/ }]}
        >
          <Input />
        </Form.Item>
        <Form.Item name="format" label={t('datasetUpload.format')}>
          <Select options={FORMATS.map((f) => ({ value: f, label: f }))} />
        </Form.Item>
        <Form.Item name="idColumn" label={t('datasets.idColumn')}>
          <Input />
        </Form.Item>
        <Form.Item name="labelColumn" label={t('datasets.labelColumn')}>
          <Input />
        </Form.Item>
        <Form.Item
          name="types"
          label={t('datasetUpload.types')}
          extra={t('datasetUpload.typesHelp')}
        >
          <Input placeholder="region=categorical, opened=datetime" />
        </Form.Item>
        <DatasetDescriptionFields />
        <Button type="primary" htmlType="submit" loading={busy}>
          {t('datasetUpload.submit')}
        </Button>
      </Form>
    </Modal>
  );
}
