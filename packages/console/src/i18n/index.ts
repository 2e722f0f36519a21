/**
 * i18next set-up: zh-CN by default, en-US; the choice is kept in localStorage. Both message files
 * are small and bundled (no extra request before the first paint).
 */
import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import enUS from './en-US';
import zhCN from './zh-CN';

export const LANGUAGES = ['zh-CN', 'en-US'] as const;
export type Language = (typeof LANGUAGES)[number];
const KEY = 'fedgrid.language';

/** The saved language, or zh-CN. */
export function savedLanguage(): Language {
  const saved = localStorage.getItem(KEY);
  return (LANGUAGES as readonly string[]).includes(saved ?? '') ? (saved as Language) : 'zh-CN';
}

export async function setLanguage(lang: Language): Promise<void> {
  localStorage.setItem(KEY, lang);
  document.documentElement.lang = lang;
  await i18next.changeLanguage(lang);
}

export async function initI18n(): Promise<void> {
  const lng = savedLanguage();
  document.documentElement.lang = lng;
  await i18next.use(initReactI18next).init({
    resources: { 'zh-CN': { translation: zhCN }, 'en-US': { translation: enUS } },
    lng,
    fallbackLng: 'zh-CN',
    interpolation: { escapeValue: false },
  });
}
