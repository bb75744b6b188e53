/**
 * The `sql` block, for SQL databases only, from the stable database semantic
 * conventions and the old ones. docs/attribute-mapping.md has the table.
 */
import { MAX_STRING_LENGTH } from '../protocol/limits.js';
import type { XRaySql } from './document.js';
import type { AttrReader } from './attrs.js';
import { stripCredentials, urlHostPart } from './attrs.js';
import { cut } from './values.js';

export const SQL_SYSTEMS = new Set([
  'postgresql',
  'mysql',
  'mariadb',
  'mssql',
  'microsoft.sql_server',
  'oracle',
  'oracle.db',
  'db2',
  'ibm.db2',
  'sqlite',
  'other_sql',
  'cockroachdb',
  'h2',
  'h2database',
  'hsqldb',
  'derby',
  'hive',
  'teradata',
  'redshift',
  'aws.redshift',
  'hanadb',
  'sap.hana',
  'clickhouse',
  'trino',
  'spanner',
  'gcp.spanner',
]);

const MAX_QUERY = 16_384;
const MAX_USER = MAX_STRING_LENGTH;

export function buildSql(r: AttrReader, system: string, queries: boolean): XRaySql {
  const sql: XRaySql = {};
  const connection = r.str('db.connection_string');
  const host = r.str('server.address') ?? r.str('net.peer.name');
  const port = r.int('server.port') ?? r.int('net.peer.port');
  const db = r.str('db.namespace') ?? r.str('db.name');
  if (connection !== undefined && connection.includes('://')) {
    sql.url = stripCredentials(connection);
  } else if (host !== undefined) {
    sql.url = `${system}://${urlHostPart(host)}${port === undefined ? '' : `:${port}`}/${db ?? ''}`;
  }
  sql.database_type = system;
  const version = r.str('db.version');
  if (version !== undefined) sql.database_version = version;
  // The schema allows 250 characters; a cut user name would name someone else.
  const user = r.strMax('db.user', MAX_USER);
  if (user !== undefined) sql.user = user;
  const query = r.str('db.query.text') ?? r.str('db.statement') ?? r.str('db.query.summary');
  if (queries && query !== undefined) {
    sql.sanitized_query = cut(query, MAX_QUERY);
  }
  return sql;
}
