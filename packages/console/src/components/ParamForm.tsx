/**
 * A task's parameter form, generated from its component's JSON Schema (GET /v1/components):
 * numbers and integers with their bounds, booleans, enumerations (`enum` or `anyOf` of
 * `const`s), strings, and JSON for anything else. Defaults show as placeholders and are not
 * saved; the node's validation messages (POST /v1/components/:code/:version/validate) show
 * under their fields.
 */
import { Alert, Form, Input, InputNumber, Select, Switch } from 'antd';
import { useTranslation } from 'react-i18next';
import type { JsonSchema } from '../flow-graph';

export interface ParamIssue {
  field: string;
  message: string;
}

/** The values an `enum` or an `anyOf` of `const`s allows, or undefined. */
export function choicesOf(s: JsonSchema): unknown[] | undefined {
  if (s.enum) return s.enum;
  if (s.anyOf?.length && s.anyOf.every((x) => 'const' in x)) return s.anyOf.map((x) => x.const);
  return undefined;
}

function Field({
  id,
  schema,
  value,
  onChange,
}: {
  id: string;
  schema: JsonSchema;
  value: unknown;
  onChange: (v: unknown) => void;
}) {
  const placeholder = schema.default === undefined ? undefined : JSON.stringify(schema.default);
  const choices = choicesOf(schema);
  if (choices)
    return (
      <Select
        id={id}
        allowClear
        placeholder={placeholder}
        value={value as string | number | undefined}
        onChange={(v) => onChange(v)}
        options={choices.map((c) => ({ value: c as string | number, label: String(c) }))}
      />
    );
  if (schema.type === 'boolean')
    return (
      <Switch
        id={id}
        checked={(value ?? schema.default ?? false) as boolean}
        onChange={(v) => onChange(v)}
      />
    );
  if (schema.type === 'integer' || schema.type === 'number') {
    const safe = (n: number | undefined) =>
      n !== undefined && Math.abs(n) < Number.MAX_SAFE_INTEGER ? n : undefined;
    return (
      <InputNumber
        id={id}
        style={{ width: '100%' }}
        placeholder={placeholder}
        value={value as number | undefined}
        min={safe(schema.minimum)}
        max={safe(schema.maximum)}
        precision={schema.type === 'integer' ? 0 : undefined}
        onChange={(v) => onChange(v ?? undefined)}
      />
    );
  }
  if (schema.type === 'string')
    return (
      <Input
        id={id}
        placeholder={placeholder}
        value={(value as string | undefined) ?? ''}
        onChange={(e) => onChange(e.target.value)}
      />
    );
  return (
    <Input.TextArea
      id={id}
      rows={2}
      placeholder={placeholder}
      defaultValue={value === undefined ? '' : JSON.stringify(value)}
      onBlur={(e) => {
        const text = e.target.value.trim();
        if (!text) return onChange(undefined);
        try {
          onChange(JSON.parse(text));
        } catch {
          onChange(text); // the node's validation message says what is wrong
        }
      }}
    />
  );
}

/**
 * The form; `onChange` gets every value (the caller drops defaults). `idPrefix` keeps the
 * fields' ids apart when several forms share a page (one per task of a rerun).
 */
export function ParamForm({
  schema,
  values,
  issues,
  onChange,
  idPrefix = '',
}: {
  schema: JsonSchema;
  values: Record<string, unknown>;
  issues: ParamIssue[];
  onChange: (values: Record<string, unknown>) => void;
  idPrefix?: string;
}) {
  const { t } = useTranslation();
  const props = Object.entries(schema.properties ?? {});
  const issueOf = (k: string) =>
    issues.find((i) => i.field === k || i.field.split('.')[0] === k)?.message;
  const general = issues.filter((i) => !props.some(([k]) => i.field.split('.')[0] === k));
  return (
    <Form layout="vertical" size="small">
      {general.map((i) => (
        <Alert key={i.field + i.message} type="error" showIcon message={i.message} role="alert" />
      ))}
      {props.length === 0 ? <div>{t('flows.noParams')}</div> : null}
      {props.map(([k, s]) => {
        const issue = issueOf(k);
        return (
          <Form.Item
            key={k}
            label={k}
            htmlFor={`${idPrefix}param-${k}`}
            validateStatus={issue ? 'error' : undefined}
            help={issue ?? s.description}
          >
            <Field
              id={`${idPrefix}param-${k}`}
              schema={s}
              value={values[k]}
              onChange={(v) => onChange({ ...values, [k]: v })}
            />
          </Form.Item>
        );
      })}
    </Form>
  );
}
