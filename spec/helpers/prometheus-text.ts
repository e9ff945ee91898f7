// A strict reader of the Prometheus text exposition format 0.0.4, for specs
// that scrape Portico's metrics: it throws on anything the format does not
// allow instead of skipping it. Checked: every line is a HELP, a TYPE or a
// sample (no blank or other comment lines are written by Portico, so none are
// accepted); names and label names match the format's patterns; label values
// use only the \\, \" and \n escapes; HELP and TYPE come once per family, before
// its samples, and a family's samples are contiguous; no series is repeated;
// counters end in _total; a histogram's series are _bucket (with le), _sum and
// _count, its buckets ascend by le, are cumulative, end with le="+Inf", and
// +Inf equals _count. The text must end with a newline.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help: string;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

const parseValue = (text: string, line: string): number => {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`bad value ${JSON.stringify(text)} in ${JSON.stringify(line)}`);
  return Number(text);
};

/** Labels from just after "{" up to its "}": [labels, index after "}"]. */
const parseLabels = (line: string, start: number): [Record<string, string>, number] => {
  const labels: Record<string, string> = {};
  let i = start;
  for (;;) {
    if (line[i] === '}') return [labels, i + 1];
    const eq = line.indexOf('=', i);
    if (eq === -1) throw new Error(`label without "=" in ${JSON.stringify(line)}`);
    const name = line.slice(i, eq);
    if (!LABEL_NAME.test(name)) throw new Error(`bad label name ${JSON.stringify(name)} in ${JSON.stringify(line)}`);
    if (name in labels) throw new Error(`label ${name} repeated in ${JSON.stringify(line)}`);
    if (line[eq + 1] !== '"') throw new Error(`label value not quoted in ${JSON.stringify(line)}`);
    let value = '';
    let j = eq + 2;
    for (;; j++) {
      const c = line[j];
      if (c === undefined) throw new Error(`unterminated label value in ${JSON.stringify(line)}`);
      if (c === '"') break;
      if (c === '\\') {
        const e = line[++j];
        if (e === '\\') value += '\\';
        else if (e === '"') value += '"';
        else if (e === 'n') value += '\n';
        else throw new Error(`bad escape \\${e ?? ''} in ${JSON.stringify(line)}`);
      } else value += c;
    }
    labels[name] = value;
    i = j + 1;
    if (line[i] === ',') i++;
    else if (line[i] !== '}') throw new Error(`expected "," or "}" after a label in ${JSON.stringify(line)}`);
  }
};

const unescapeHelp = (text: string, line: string): string =>
  text.replace(/\\(.?)/g, (_, e: string) => {
    if (e === '\\') return '\\';
    if (e === 'n') return '\n';
    throw new Error(`bad escape in HELP ${JSON.stringify(line)}`);
  });

/** The family a sample name belongs to (a histogram's _bucket/_sum/_count are its own). */
const familyOf = (sample: string, families: Map<string, Family>): Family | undefined => {
  const direct = families.get(sample);
  if (direct !== undefined) return direct;
  const m = /^(.*)_(bucket|sum|count)$/.exec(sample);
  const f = m === null ? undefined : families.get(m[1]!);
  return f !== undefined && (f.type === 'histogram' || (f.type === 'summary' && m![2] !== 'bucket')) ? f : undefined;
};

export const parsePrometheusText = (text: string): Map<string, Family> => {
  if (!text.endsWith('\n')) throw new Error('the text does not end with a newline');
  const families = new Map<string, Family>();
  const series = new Set<string>();
  let current: Family | null = null;
  const started = new Set<string>();
  for (const line of text.slice(0, -1).split('\n')) {
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta !== null) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (!METRIC_NAME.test(name)) throw new Error(`bad metric name ${JSON.stringify(name)}`);
      if (started.has(name)) throw new Error(`${kind} for ${name} after its samples`);
      const f = families.get(name) ?? { name, type: 'untyped' as Family['type'], help: '', samples: [] };
      families.set(name, f);
      if (kind === 'HELP') {
        if (f.help !== '') throw new Error(`second HELP for ${name}`);
        f.help = unescapeHelp(rest, line);
      } else {
        if (!TYPES.has(rest)) throw new Error(`bad TYPE ${JSON.stringify(rest)} for ${name}`);
        if ((f as Family & { typed?: boolean }).typed) throw new Error(`second TYPE for ${name}`);
        f.type = rest as Family['type'];
        (f as Family & { typed?: boolean }).typed = true;
      }
      continue;
    }
    if (line.startsWith('#') || line.trim() === '') throw new Error(`unexpected line ${JSON.stringify(line)}`);
    const nameEnd = line.search(/[{ ]/);
    if (nameEnd <= 0) throw new Error(`bad sample line ${JSON.stringify(line)}`);
    const name = line.slice(0, nameEnd);
    if (!METRIC_NAME.test(name)) throw new Error(`bad metric name ${JSON.stringify(name)}`);
    let labels: Record<string, string> = {};
    let i = nameEnd;
    if (line[i] === '{') [labels, i] = parseLabels(line, i + 1);
    if (line[i] !== ' ') throw new Error(`expected a space before the value in ${JSON.stringify(line)}`);
    const parts = line.slice(i + 1).split(' ');
    if (parts.length > 2 || (parts.length === 2 && !/^-?\d+$/.test(parts[1]!))) throw new Error(`bad value or timestamp in ${JSON.stringify(line)}`);
    const value = parseValue(parts[0]!, line);
    const family = familyOf(name, families);
    if (family === undefined || !(family as Family & { typed?: boolean }).typed) throw new Error(`sample ${name} has no TYPE before it`);
    if (current !== family && started.has(family.name)) throw new Error(`samples of ${family.name} are not together`);
    current = family;
    started.add(family.name);
    const key = name + JSON.stringify(Object.entries(labels).sort());
    if (series.has(key)) throw new Error(`series repeated: ${line}`);
    series.add(key);
    if (family.type === 'histogram' && name.endsWith('_bucket') && labels['le'] === undefined) throw new Error(`bucket without le: ${line}`);
    family.samples.push({ name, labels, value });
  }
  for (const f of families.values()) {
    if (f.type === 'counter' && !f.name.endsWith('_total')) throw new Error(`counter ${f.name} does not end in _total`);
    if (f.type === 'histogram') checkHistogram(f);
  }
  return families;
};

const withoutLe = (labels: Record<string, string>): string => JSON.stringify(Object.entries(labels).filter(([k]) => k !== 'le').sort());

const checkHistogram = (f: Family): void => {
  const groups = new Map<string, { buckets: Sample[]; sum?: number; count?: number }>();
  for (const s of f.samples) {
    const g = groups.get(withoutLe(s.labels)) ?? { buckets: [] };
    groups.set(withoutLe(s.labels), g);
    if (s.name === f.name + '_bucket') g.buckets.push(s);
    else if (s.name === f.name + '_sum') g.sum = s.value;
    else if (s.name === f.name + '_count') g.count = s.value;
    else throw new Error(`${s.name} in histogram ${f.name}`);
  }
  for (const [labels, g] of groups) {
    if (g.sum === undefined || g.count === undefined) throw new Error(`${f.name}${labels}: missing _sum or _count`);
    let le = -Infinity;
    let cumulative = 0;
    for (const b of g.buckets) {
      const bound = parseValue(b.labels['le']!, b.labels['le']!);
      if (!(bound > le)) throw new Error(`${f.name}${labels}: buckets not ascending at le=${b.labels['le']}`);
      if (b.value < cumulative) throw new Error(`${f.name}${labels}: buckets not cumulative at le=${b.labels['le']}`);
      le = bound;
      cumulative = b.value;
    }
    if (le !== Infinity) throw new Error(`${f.name}${labels}: no le="+Inf" bucket last`);
    if (cumulative !== g.count) throw new Error(`${f.name}${labels}: +Inf bucket ${cumulative} is not _count ${g.count}`);
  }
};

/** The value of the one sample of `name` whose labels include `labels`, or undefined. */
export const valueOf = (families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined => {
  for (const f of families.values()) {
    for (const s of f.samples) if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) return s.value;
  }
  return undefined;
};
