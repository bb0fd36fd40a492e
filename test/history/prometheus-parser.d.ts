// parse-prometheus-text-format ships no types.
declare module "parse-prometheus-text-format" {
  interface Metric {
    value: string;
    labels: Record<string, string>;
    timestamp_ms?: string;
  }
  interface Family {
    name: string;
    help: string;
    type: "GAUGE" | "COUNTER" | "SUMMARY" | "HISTOGRAM" | "UNTYPED";
    metrics: Metric[];
  }
  export default function parsePrometheusTextFormat(text: string): Family[];
}
