/**
 * The description and visibility fields every dataset form has (register by path, upload,
 * edit): one copy so the three forms offer the same choices under the same labels.
 * Render inside an antd `<Form>`; the field names are the API's (`description`, `visibility`).
 */
import { Form, Input, Select } from 'antd';
import { useTranslation } from 'react-i18next';

export function DatasetDescriptionFields() {
  const { t } = useTranslation();
  return (
    <>
      <Form.Item name="description" label={t('datasets.description')}>
        <Input.TextArea autoSize />
      </Form.Item>
      <Form.Item name="visibility" label={t('datasets.visibility')}>
        <Select
          options={[
            { value: 'private', label: t('datasets.visibilityPrivate') },
            { value: 'partners', label: t('datasets.visibilityPartners') },
            { value: 'public', label: t('datasets.visibilityPublic') },
          ]}
        />
      </Form.Item>
    </>
  );
}
