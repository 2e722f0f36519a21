/**
 * The flow editor's palette: the runnable components of the node's registry, searchable. Each
 * item can be dragged onto the canvas (HTML5 drag and drop) or added with its button (keyboard).
 */
import { PlusOutlined } from '@ant-design/icons';
import { Button, Input, List, Tooltip, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ComponentView } from '../flow-graph';
import { DRAG_TYPE } from './FlowCanvas';

export function ComponentPalette({
  components,
  onAdd,
}: {
  components: ComponentView[];
  onAdd: (code: string) => void;
}) {
  const { t } = useTranslation();
  const [q, setQ] = useState('');
  const shown = components.filter(
    (c) =>
      !q ||
      c.code.toLowerCase().includes(q.toLowerCase()) ||
      c.name.toLowerCase().includes(q.toLowerCase()),
  );
  return (
    <div aria-label={t('flows.palette')} role="region">
      <Input.Search
        size="small"
        allowClear
        placeholder={t('flows.searchComponents')}
        aria-label={t('flows.searchComponents')}
        onChange={(e) => setQ(e.target.value)}
      />
      <div style={{ height: 440, overflowY: 'auto', marginTop: 8 }}>
        <List
          size="small"
          dataSource={shown}
          renderItem={(c) => (
            <List.Item
              draggable
              data-testid={`palette-${c.code}`}
              onDragStart={(e) => {
                e.dataTransfer.setData(DRAG_TYPE, c.code);
                e.dataTransfer.setData('text/plain', c.code);
                e.dataTransfer.effectAllowed = 'move';
              }}
              style={{ cursor: 'grab', padding: '4px 6px' }}
              actions={[
                <Button
                  key="add"
                  size="small"
                  type="text"
                  icon={<PlusOutlined />}
                  aria-label={`${t('flows.add')} ${c.code}`}
                  onClick={() => onAdd(c.code)}
                />,
              ]}
            >
              <Tooltip title={c.description} placement="right">
                <div>
                  <Typography.Text strong style={{ fontSize: 12 }}>
                    {c.code}
                  </Typography.Text>
                  <div style={{ fontSize: 11, color: '#595959' }}>{c.name}</div>
                </div>
              </Tooltip>
            </List.Item>
          )}
        />
      </div>
    </div>
  );
}
