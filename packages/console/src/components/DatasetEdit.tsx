/**
 * Edit an own dataset's name, description and visibility (`fedgrid dataset update`) and its data
 * dictionary — per column a description, unit and the values it takes (`fedgrid dataset
 * describe-column`), shown to partners with the schema. One PATCH /v1/datasets/:id.
 */
import { Button, Form, Input, Modal, Table } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, asError, unwrap } from '../api';
import type { DatasetView, DictionaryEntry } from '../types';
import { ErrorAlert } from './QueryView';
import { DatasetDescriptionFields } from './DatasetFields';

interface EditForm {
  name: string;
  description: string;
  visibility: 'private' | 'partners' | 'public';
  dict: Record<string, { description?: string; unit?: string; values?: string }>;
}

/** The form's text fields as a dictionary entry (empty fields left out; values split on commas). */
function entryOf(v: EditForm['dict'][string] | undefined): DictionaryEntry | undefined {
  const e: DictionaryEntry = {};
  if (v?.description?.trim()) e.description = v.description.trim();
  if (v?.unit?.trim()) e.unit = v.unit.trim();
  const values = (v?.values ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (values.length) e.values = values;
  return Object.keys(e).length ? e : undefined;
}

export function DatasetEdit({
  dataset,
  onClose,
}: {
  dataset: DatasetView;
  onClose: (saved: boolean) => void;
}) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const columns = [
    dataset.idColumn,
    ...(dataset.labelColumn ? [dataset.labelColumn] : []),
    ...dataset.features.map((f) => f.name),
  ];
  const save = async (v: EditForm) => {
    setBusy(true);
    setError(undefined);
    try {
      const dictionary: Record<string, DictionaryEntry> = {};
      for (const c of columns) {
        const e = entryOf(v.dict?.[c]);
        if (e) dictionary[c] = e;
      }
      await unwrap(
        api.PATCH('/v1/datasets/{id}', {
          params: { path: { id: dataset.id } },
          body: {
            name: v.name.trim(),
            description: v.description ?? '',
            visibility: v.visibility,
            dictionary,
          },
        }),
      );
      onClose(true);
    } catch (e) {
      setError(asError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open
      width={960}
      title={`${t('datasetEdit.title')}: ${dataset.name}`}
      onCancel={() => onClose(false)}
      footer={null}
    >
      {error ? <ErrorAlert error={error} /> : null}
      <Form<EditForm>
        layout="vertical"
        initialValues={{
          name: dataset.name,
          description: dataset.description,
          visibility: dataset.visibility,
          dict: Object.fromEntries(
            columns.map((c) => {
              const e = dataset.dictionary?.[c];
              return [
                c,
                { description: e?.description, unit: e?.unit, values: e?.values?.join(', ') },
              ];
            }),
          ),
        }}
        onFinish={(v) => void save(v)}
      >
        <Form.Item
          name="name"
          label={t('datasets.name')}
          extra={t('datasets.nameHelp')}
          rules={[{ required: true, pattern: /^[A-Za-z0-9._-]{1,100}$/ }]}
        >
          <Input />
        </Form.Item>
        <DatasetDescriptionFields />
        <Table
          size="small"
          rowKey={(c) => c}
          pagination={false}
          scroll={{ y: 320 }}
          dataSource={columns}
          columns={[
            { title: t('datasets.column'), render: (_, c) => c },
            {
              title: t('datasets.description'),
              render: (_, c) => (
                <Form.Item name={['dict', c, 'description']} noStyle>
                  <Input aria-label={`${c} ${t('datasets.description')}`} />
                </Form.Item>
              ),
            },
            {
              title: t('datasets.unit'),
              render: (_, c) => (
                <Form.Item name={['dict', c, 'unit']} noStyle>
                  <Input aria-label={`${c} ${t('datasets.unit')}`} />
                </Form.Item>
              ),
            },
            {
              title: t('datasets.values'),
              render: (_, c) => (
                <Form.Item name={['dict', c, 'values']} noStyle>
                  <Input
                    aria-label={`${c} ${t('datasets.values')}`}
                    placeholder={t('datasetEdit.valuesHelp')}
                  />
                </Form.Item>
              ),
            },
          ]}
        />
        <Button type="primary" htmlType="submit" loading={busy} style={{ marginTop: 12 }}>
          {t('datasetEdit.save')}
        </Button>
      </Form>
    </Modal>
  );
}
