/**
 * The Ant Design theme: the default look with darker blues and greys, so that every text (links,
 * primary buttons, the selected menu entry and tab, secondary and placeholder-like texts such as
 * "no data") meets WCAG 2 AA contrast (4.5:1 for normal text) — what the axe-core check of
 * test/browser/console-pages.test.ts asks of every page. Antd's defaults (#1677ff on white 4.1:1,
 * secondary text #8c8c8c 3.4:1, empty-state text #bfbfbf 1.8:1) do not.
 */
import type { ThemeConfig } from 'antd';

export const THEME: ThemeConfig = {
  token: {
    colorPrimary: '#0958d9',
    colorLink: '#0958d9',
    colorInfo: '#0958d9',
    colorTextSecondary: 'rgba(0, 0, 0, 0.65)',
    colorTextTertiary: 'rgba(0, 0, 0, 0.62)',
    colorTextDescription: 'rgba(0, 0, 0, 0.62)',
    colorTextQuaternary: 'rgba(0, 0, 0, 0.6)',
    colorTextPlaceholder: 'rgba(0, 0, 0, 0.6)',
    colorTextLabel: 'rgba(0, 0, 0, 0.65)',
    colorSuccess: '#237804',
    colorError: '#cf1322',
    colorWarning: '#ad4e00',
  },
  components: {
    Button: { colorPrimaryHover: '#1554c4', colorPrimaryActive: '#003eb3' },
    Menu: { itemSelectedColor: '#0958d9', itemSelectedBg: '#e6f4ff' },
  },
};

/** Text colours of status tags (Ant Design's -8 shades; the preset -6 text is too light). */
export const TAG_TEXT: Record<string, string> = {
  green: '#135200',
  blue: '#002c8c',
  gold: '#613400',
  orange: '#612500',
  red: '#820014',
  default: 'rgba(0, 0, 0, 0.88)',
};
