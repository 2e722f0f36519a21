/**
 * The shape most list pages share: a table of the node's items with loading / empty / error
 * states, row actions that call the API (busy, error shown, success toast, then reload), forms in
 * a modal with the API's error above them, and confirmed (destructive) buttons. One place for it,
 * so that every page behaves the same.
 */
import { App, Button, Form, Input, Modal, Popconfirm, Table } from 'antd';
import type { TableProps } from 'antd';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { asError, type Query } from '../api';
import { ErrorAlert, QueryView } from './QueryView';

/** What {@link useAction} gives a page. */
export interface Action {
  /** True while an action runs (for `loading` on submit buttons). */
  busy: boolean;
  /** The last action's error (an `ApiError` carries the node's code and message), if it failed. */
  error: Error | undefined;
  /**
   * Runs `fn`; on success shows `done` (when given) as a toast and calls the hook's `onDone`
   * (close the modals, reload the lists); on failure keeps the error in `error` (a 401 has already
   * ended the session, see `asError`). Never rejects.
   */
  run: (fn: () => Promise<unknown>, done?: string) => Promise<void>;
}

/**
 * Busy and error state for a page's actions. `onDone` runs after each successful action, e.g.
 * `() => { setCreating(false); list.reload(); }`.
 */
export function useAction(onDone: () => void): Action {
  const { message } = App.useApp();
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const run = async (fn: () => Promise<unknown>, done?: string) => {
    setBusy(true);
    setError(undefined);
    try {
      await fn();
      if (done) void message.success(done);
      onDone();
    } catch (e) {
      setError(asError(e));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run };
}

/** Twenty rows a page, no pager for a single page: the lists' default. */
export const PAGED = { pageSize: 20, hideOnSinglePage: true } as const;

/**
 * A small table of `query`'s `items` inside {@link QueryView}: a spinner while loading, the API
 * error with a retry, `emptyText` (or the common “no data”) when there are no items. `rowKey`
 * defaults to `id`, `pagination` to {@link PAGED}; other Table props pass through.
 */
export function ActionTable<T extends object>({
  query,
  emptyText,
  rowKey = 'id',
  pagination = PAGED,
  ...table
}: {
  query: Query<{ items: T[] } | undefined>;
  emptyText?: string;
} & Omit<TableProps<T>, 'dataSource'>) {
  return (
    <QueryView
      query={query}
      isEmpty={(d) => !d || d.items.length === 0}
      {...(emptyText ? { emptyText } : {})}
    >
      {(d) => (
        <Table<T>
          size="small"
          rowKey={rowKey}
          dataSource={d?.items ?? []}
          pagination={pagination}
          {...table}
        />
      )}
    </QueryView>
  );
}

/**
 * A form in a modal: the action's error above it, the fields (`children`), a submit button that
 * shows `busy`. The form is destroyed when the modal closes, so it opens empty (or with
 * `initialValues`) each time.
 */
export function FormModal<V>({
  open,
  title,
  onCancel,
  action,
  onFinish,
  initialValues,
  width,
  children,
}: {
  open: boolean;
  title: ReactNode;
  onCancel: () => void;
  action: Pick<Action, 'busy' | 'error'>;
  onFinish: (values: V) => void;
  initialValues?: Partial<V>;
  width?: number;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <Modal
      open={open}
      title={title}
      onCancel={onCancel}
      footer={null}
      destroyOnHidden
      {...(width ? { width } : {})}
    >
      {action.error ? <ErrorAlert error={action.error} /> : null}
      <Form<V> layout="vertical" {...(initialValues ? { initialValues } : {})} onFinish={onFinish}>
        {children}
        <Button type="primary" htmlType="submit" loading={action.busy}>
          {t('common.submit')}
        </Button>
      </Form>
    </Modal>
  );
}

/** A small danger button that asks `title` first and runs `onConfirm` once confirmed. */
export function ConfirmButton({
  title,
  okText,
  onConfirm,
  children,
}: {
  title: string;
  okText: string;
  onConfirm: () => void;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <Popconfirm title={title} okText={okText} cancelText={t('common.cancel')} onConfirm={onConfirm}>
      <Button size="small" danger>
        {children}
      </Button>
    </Popconfirm>
  );
}

/**
 * A form's one-line text field that must not be blank (spaces only count as blank): the common
 * field of the create / apply / publish forms. `extra` is the help line under it.
 */
export function RequiredText({
  name,
  label,
  extra,
}: {
  name: string;
  label: string;
  extra?: string;
}) {
  return (
    <Form.Item
      name={name}
      label={label}
      {...(extra ? { extra } : {})}
      rules={[{ required: true, whitespace: true }]}
    >
      <Input />
    </Form.Item>
  );
}
