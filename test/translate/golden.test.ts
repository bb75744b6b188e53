/**
 * Golden tests: fixed inputs (test/data/golden-cases.ts), whole expected
 * documents (test/data/golden/<name>.json), compared exactly.
 * `UPDATE_GOLDEN=1 npx mocha test/translate/golden.test.ts` rewrites them for review.
 */
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { toSegmentDocuments } from '../../src/index.js';
import { cases } from '../data/golden-cases.js';
import { assertValidDocument } from '../helpers/validate.js';
import { assertSchemaValid } from './schema.js';

const dir = new URL('../data/golden/', import.meta.url);

describe('golden documents', () => {
  for (const [name, { spans, options }] of Object.entries(cases)) {
    it(name, () => {
      const docs = toSegmentDocuments(spans, options);
      for (const d of docs) {
        assertValidDocument(d);
        assertSchemaValid(d);
      }
      const file = new URL(`${name}.json`, dir);
      const actual = `${JSON.stringify(docs, null, 2)}\n`;
      if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, actual);
      assert.equal(actual, readFileSync(file, 'utf8'));
    });
  }
});
