// The subset of Prometheus' Go templates that alert annotations may use, expanded the same
// way, so unit tests can state the exact annotations an alert carries. Anything else throws:
// a template the tests cannot expand is a template nobody checked.

export interface TemplateData {
  labels: Record<string, string>;
  value: number;
}

const ACTION = /\{\{\s*(.*?)\s*\}\}/g;
const LABEL = /^\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)$/;
const PRINTF = /^\$value \| printf "%\.(\d)f"$/;

export function expandTemplate(template: string, data: TemplateData): string {
  return template.replace(ACTION, (_all, action: string) => {
    const label = LABEL.exec(action);
    // Go's template prints a missing map key of map[string]string as the empty string.
    if (label) return data.labels[label[1]!] ?? '';
    const printf = PRINTF.exec(action);
    if (printf) return data.value.toFixed(Number(printf[1]));
    throw new Error(`unsupported template action {{ ${action} }}`);
  });
}
