/**
 * The X-Ray segment document, as otel-xray writes it. Field names and rules
 * follow the X-Ray segment document reference ("Segment documents" in the
 * X-Ray developer guide); only the fields otel-xray fills are listed.
 */
import type { JsonValue } from '../shared/types.js';
import type { XRayCause } from './cause.js';

export interface XRayHttp {
  request?: {
    method?: string;
    url?: string;
    user_agent?: string;
    client_ip?: string;
    x_forwarded_for?: boolean;
    traced?: boolean;
  };
  response?: { status?: number; content_length?: number };
}

export type { XRayStackFrame } from './stack.js';
export type { XRayCause, XRayException } from './cause.js';

export interface XRaySql {
  url?: string;
  preparation?: 'statement' | 'call';
  database_type?: string;
  database_version?: string;
  driver_version?: string;
  user?: string;
  sanitized_query?: string;
}

export interface XRayLink {
  trace_id: string;
  id: string;
  attributes?: Record<string, JsonValue>;
}

/** Fields common to segments and subsegments (everything but the envelope). */
export interface XRayBody {
  name: string;
  id: string;
  start_time: number;
  end_time?: number;
  in_progress?: boolean;
  namespace?: 'aws' | 'remote';
  error?: boolean;
  throttle?: boolean;
  fault?: boolean;
  origin?: string;
  user?: string;
  service?: { version?: string };
  http?: XRayHttp;
  aws?: Record<string, JsonValue>;
  sql?: XRaySql;
  cause?: XRayCause;
  annotations?: Record<string, string | number | boolean>;
  metadata?: Record<string, Record<string, JsonValue>>;
  links?: XRayLink[];
  precursor_ids?: string[];
}

/** A whole document as sent: a segment, or an independently sent subsegment. */
export interface XRayDocument extends XRayBody {
  trace_id: string;
  parent_id?: string;
  type?: 'subsegment';
  subsegments?: XRayEmbeddedSubsegment[];
}

export interface XRayEmbeddedSubsegment extends XRayBody {
  subsegments?: XRayEmbeddedSubsegment[];
}
