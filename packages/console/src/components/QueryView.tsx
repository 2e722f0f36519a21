/**
 * Loading, error and empty states for a query, so that no page is ever blank: an API error shows
 * its code and message (the node's messages say what to fix) with a retry button.
 */
import { Alert, Button, Empty, Spin, Tag } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, type Query } from '../api';
import { TAG_TEXT } from '../theme';

export function ErrorAlert({ error, onRetry }: { error: Error; onRetry?: () => void }) {
  const { t } = useTranslation();
  const code = error instanceof ApiError ? `${error.code} (HTTP ${error.status})` : undefined;
  return (
    <Alert
      type="error"
      showIcon
      role="alert"
      message={code ? `${t('common.error')}: ${code}` : t('common.error')}
      description={error.message}
      action={
        onRetry ? (
          <Button size="small" onClick={onRetry}>
            {t('common.retry')}
          </Button>
        ) : undefined
      }
    />
  );
}

/** Renders `children(data)` once loaded; `isEmpty` picks the empty state. */
export function QueryView<T>({
  query,
  isEmpty,
  emptyText,
  children,
}: {
  query: Query<T>;
  isEmpty?: (data: T) => boolean;
  emptyText?: string;
  children: (data: T) => ReactNode;
}) {
  const { t } = useTranslation();
  if (query.error && query.data === undefined)
    return <ErrorAlert error={query.error} onRetry={query.reload} />;
  if (query.data === undefined)
    return (
      <div
        role="status"
        aria-label={t('common.loading')}
        style={{ padding: 24, textAlign: 'center' }}
      >
        <Spin />
      </div>
    );
  if (isEmpty?.(query.data))
    return (
      <Empty description={emptyText ?? t('common.empty')} image={Empty.PRESENTED_IMAGE_SIMPLE} />
    );
  return (
    <>
      {query.error ? <ErrorAlert error={query.error} onRetry={query.reload} /> : null}
      {children(query.data)}
    </>
  );
}

const COLORS: Record<string, string> = {
  ok: 'green',
  up: 'green',
  active: 'green',
  succeeded: 'green',
  running: 'blue',
  pending: 'gold',
  waiting: 'gold',
  queued: 'gold',
  proposed: 'gold',
  failed: 'red',
  down: 'red',
  degraded: 'red',
  rejected: 'red',
  stopped: 'default',
  approved: 'green',
  published: 'green',
  confirmed: 'green',
  accepted: 'green',
  draft: 'default',
  unapproved: 'gold',
  undelivered: 'orange',
  unreachable: 'red',
  invalid: 'red',
  failure: 'red',
};
/** A status word, translated and coloured. */
export function StatusTag({ status }: { status: string | null | undefined }) {
  const { t } = useTranslation();
  status = status ?? 'unknown';
  return (
    <Tag
      color={COLORS[status] ?? 'default'}
      style={{ color: TAG_TEXT[COLORS[status] ?? 'default'] }}
    >
      {t(
        [
          `status.${status}`,
          `statusMore.${status.replace(/-(\w)/g, (_, c: string) => c.toUpperCase())}`,
        ],
        {
          defaultValue: status,
        },
      )}
    </Tag>
  );
}
