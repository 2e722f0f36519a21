/**
 * A side drawer showing one object the node answers for (`fedgrid … show`): loading, error with
 * retry and the object's fields, laid out for 1280×800 (720 px wide at most).
 */
import { Descriptions, Drawer, Typography } from 'antd';
import type { ReactNode } from 'react';
import type { Query } from '../api';
import { QueryView } from './QueryView';

/** A certificate fingerprint (SHA-256, colon-separated hex) in full, copyable. */
export function Fingerprint({ value }: { value: string }) {
  return (
    <Typography.Text code copyable style={{ wordBreak: 'break-all' }}>
      {value}
    </Typography.Text>
  );
}

/** A local date-time, or a dash for none. */
export const when = (iso: string | null | undefined) =>
  iso ? new Date(iso).toLocaleString() : '—';

/** `[label, value]` rows as a one-column bordered list; rows whose value is `undefined` are left out. */
export function Facts({ rows }: { rows: [string, ReactNode][] }) {
  return (
    <Descriptions column={1} bordered size="small" labelStyle={{ width: 180 }}>
      {rows
        .filter(([, v]) => v !== undefined)
        .map(([label, v]) => (
          <Descriptions.Item key={label} label={label}>
            {v}
          </Descriptions.Item>
        ))}
    </Descriptions>
  );
}

/** The drawer: `children(data)` once `query` has loaded; `extra` holds its action buttons. */
export function DetailDrawer<T>({
  title,
  query,
  onClose,
  extra,
  children,
}: {
  title: ReactNode;
  query: Query<T>;
  onClose: () => void;
  extra?: ReactNode;
  children: (data: T) => ReactNode;
}) {
  return (
    <Drawer open title={title} width={720} onClose={onClose} extra={extra} destroyOnHidden>
      <QueryView query={query}>{children}</QueryView>
    </Drawer>
  );
}
