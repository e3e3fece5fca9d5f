/**
 * A small YAML writer for the files the agent generates (compose, Kong, Vector). Block style
 * so a person debugging a VPS can read them; every string that a YAML 1.1 parser (compose v1
 * is PyYAML) could read as something else — `8000:8000` is a base-60 number there, `on` a
 * boolean — is written as a JSON string, which is valid YAML.
 */
export type YamlValue =
  | string
  | number
  | boolean
  | null
  | readonly YamlValue[]
  | { readonly [key: string]: YamlValue | undefined };

const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./-]*$/;
const YAML11_SPECIAL = /^(y|n|yes|no|on|off|true|false|null|~)$/i;

export function toYaml(value: YamlValue, header?: string): string {
  const comment = header
    ? header
        .split('\n')
        .map((line) => (line ? `# ${line}` : '#'))
        .join('\n') + '\n'
    : '';
  return comment + block(value, 0).join('\n') + '\n';
}

function block(value: YamlValue, indent: number): string[] {
  const pad = ' '.repeat(indent);
  if (isNonEmptyList(value)) {
    const lines: string[] = [];
    for (const item of value) {
      if (isNonEmptyCollection(item)) {
        const nested = block(item, indent + 2);
        nested[0] = `${pad}- ${nested[0]!.slice(indent + 2)}`;
        lines.push(...nested);
      } else {
        lines.push(`${pad}- ${scalar(item)}`);
      }
    }
    return lines;
  }
  if (isNonEmptyMap(value)) {
    const lines: string[] = [];
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue;
      if (isNonEmptyCollection(item)) {
        lines.push(`${pad}${formatKey(key)}:`, ...block(item, indent + 2));
      } else {
        lines.push(`${pad}${formatKey(key)}: ${scalar(item)}`);
      }
    }
    return lines;
  }
  return [pad + scalar(value)];
}

function scalar(value: YamlValue): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`YAML cannot hold ${value}`);
    return String(value);
  }
  if (typeof value === 'string') return formatString(value);
  if (Array.isArray(value)) return '[]';
  return '{}';
}

function formatString(text: string): string {
  return PLAIN.test(text) && !YAML11_SPECIAL.test(text) ? text : JSON.stringify(text);
}

function formatKey(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key) && !YAML11_SPECIAL.test(key)
    ? key
    : JSON.stringify(key);
}

function isNonEmptyList(value: YamlValue): value is readonly YamlValue[] {
  return Array.isArray(value) && value.length > 0;
}

function isNonEmptyMap(value: YamlValue): value is { readonly [key: string]: YamlValue } {
  return (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    Object.values(value).some((v) => v !== undefined)
  );
}

function isNonEmptyCollection(value: YamlValue | undefined): value is YamlValue {
  return value !== undefined && (isNonEmptyList(value) || isNonEmptyMap(value));
}
