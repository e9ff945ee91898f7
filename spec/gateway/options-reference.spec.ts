// docs/config.md's reference tables are the schema's: this fails when an option
// was added or changed without `npm run docs:config`.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { optionsReference, referenceIn, withReference } from '../../gateway/options-reference.js';
import { MOUNT_OPTIONS, OPTIONS } from '../../gateway/options-schema.js';
import { TARGET_KINDS } from '../../gateway/target.js';
import { REPO } from '../helpers/cli.js';

test('docs/config.md holds the reference as the schema writes it (npm run docs:config)', (t) => {
  const doc = fs.readFileSync(path.join(REPO, 'docs/config.md'), 'utf8');
  t.is(referenceIn(doc), optionsReference());
});

test('the reference names every option, mount option and target kind', (t) => {
  const ref = optionsReference();
  for (const key of [...Object.keys(OPTIONS), ...Object.keys(MOUNT_OPTIONS)]) t.true(ref.includes(`| \`${key}\` |`), key);
  for (const kind of Object.keys(TARGET_KINDS)) t.true(ref.includes(`\`${kind}:`), kind);
});

test('withReference replaces the generated part only, or appends it', (t) => {
  const doc = `# Title\n\nprose\n\n${optionsReference().replace('TCP port', 'stale')}\n\nafter\n`;
  const fresh = withReference(doc);
  t.true(fresh.startsWith('# Title\n\nprose\n\n'));
  t.true(fresh.endsWith('\n\nafter\n'));
  t.is(referenceIn(fresh), optionsReference());
  t.is(referenceIn(withReference('# Only prose\n')), optionsReference());
});
